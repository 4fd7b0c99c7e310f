'use strict'
// The payment journal through Node (issue 17): replay, IN_FLIGHT with journalId, client.recover().

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const payup = require('..')
const { order, keyin, ledgerFor } = require('./helpers')

test('the journal replays, holds an order in flight and recover() reports it', async () => {
  const sandbox = new payup.Sandbox()
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payup-node-journal-'))
    const config = sandbox.clientConfig()
    config.journal = { sqlite: path.join(dir, 'payup.db') }
    const client = new payup.Client(config)
    const o = order('NJ')
    const first = await client.payupKeyinApprove(keyin(o))
    const again = await client.payupKeyinApprove(keyin(o))
    assert.equal(again.replayed, true)
    assert.equal(again.transactionId, first.transactionId)
    assert.equal(ledgerFor(sandbox, o).length, 1)

    sandbox.armFault('payup.keyin.approve', 'drop_after_commit')
    const lost = order('NL')
    const e1 = await client.payupKeyinApprove(keyin(lost)).catch((e) => e)
    assert.equal(e1.code, 'PAYUP_AMBIGUOUS', e1.message)
    assert.ok(Number.isInteger(e1.journalId))
    const e2 = await client.payupKeyinApprove(keyin(lost)).catch((e) => e)
    assert.deepEqual([e2.payupCode, e2.journalId], ['IN_FLIGHT', e1.journalId])
    assert.equal(e2.toJSON().journalId, e1.journalId)
    const summary = await client.recover()
    assert.deepEqual(summary.unresolved.map((u) => u.id), [e1.journalId])
    assert.deepEqual([summary.resolved, summary.stillPending], [[], []])

    await assert.rejects(sandbox.client().recover(), (e) => e.code === 'PAYUP_CONFIG')
  } finally {
    sandbox.close()
  }
})
