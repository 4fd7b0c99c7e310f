'use strict'
// Every error code, as PayupError instances with their safe fields.

const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const payup = require('..')
const { order, keyin, kcp, ledgerFor, CARD_OK, CARD_DECLINED } = require('./helpers')

const sandbox = new payup.Sandbox()
const client = sandbox.client({ connectMs: 2000, readMs: 5000 })
test.after(() => sandbox.close())

function isPayupError(code, more = {}) {
  return (e) => {
    assert.ok(e instanceof payup.PayupError, `not a PayupError: ${e}`)
    assert.ok(e instanceof Error)
    assert.equal(e.name, 'PayupError')
    assert.equal(e.code, code, e.message)
    assert.equal(payup.ERROR_CODES[e.kind], code)
    for (const [k, v] of Object.entries(more)) assert.deepEqual(e[k], v, `${k}: ${e.message}`)
    return true
  }
}

test('PAYUP_INVALID: caught before sending, with the field as the caller named it', async () => {
  const before = sandbox.transactions().length
  await assert.rejects(client.payupKeyinApprove(keyin(order('I'), '12')), isPayupError('PAYUP_INVALID', {
    kind: 'invalid', field: 'cardNo', gateway: null, gatewayCode: null,
  }))
  assert.equal(sandbox.transactions().length, before)
  // The generic call names fields as its documents do.
  await assert.rejects(client.call('payup.keyin.cancel', {}), isPayupError('PAYUP_INVALID', { field: 'transaction_id' }))
  await assert.rejects(client.call('no.such.op', {}), isPayupError('PAYUP_INVALID', { field: 'operation' }))
  // Every broken field is listed.
  await assert.rejects(client.kcpKeyinApprove({ ordrIdxx: 'x', amount: -1 }), (e) => {
    assert.equal(e.code, 'PAYUP_INVALID')
    const fields = e.fields.map((f) => f.field)
    for (const f of ['goodName', 'buyrName', 'cardNo', 'cardExpiry']) assert.ok(fields.includes(f), `${f} in ${fields}`)
    return true
  })
  // A value JSON cannot hold never reaches the native side.
  await assert.rejects(client.payupKeyinApprove({ ...keyin(order('I')), amount: 10n }), isPayupError('PAYUP_INVALID'))
})

test('PAYUP_INVALID from the gateway: a Luhn-invalid card is refused by the sandbox (6002)', async () => {
  await assert.rejects(client.payupKeyinApprove(keyin(order('L'), '4111111111111112')), isPayupError('PAYUP_INVALID', {
    gateway: 'payup', gatewayCode: '6002', field: 'cardNo',
  }))
})

test('PAYUP_CONFIG: a bad configuration, a wrong key, a missing section', async () => {
  assert.throws(() => new payup.Client({ payup: { merchant_id: 'tester', api_cert_key: 'k', base_url: 'http://api.payup.co.kr' } }),
    isPayupError('PAYUP_CONFIG', { field: 'payup.base_url' }))
  assert.throws(() => new payup.Client('{not json'), isPayupError('PAYUP_CONFIG'))
  assert.throws(() => new payup.Client(), isPayupError('PAYUP_CONFIG'))
  const cfg = sandbox.clientConfig()
  cfg.payup.api_cert_key = '0000000000000000'
  await assert.rejects(new payup.Client(cfg).payupKeyinApprove(keyin(order('S'))), isPayupError('PAYUP_CONFIG', {
    gatewayCode: '2001', gateway: 'payup',
  }))
  delete cfg.kcp
  await assert.rejects(new payup.Client(cfg).kcpKeyinApprove(kcp(order('S'))), isPayupError('PAYUP_CONFIG', { gateway: 'kcp' }))
})

test('PAYUP_DECLINED: the issuer declines (9101), with the English message', async () => {
  await assert.rejects(client.payupKeyinApprove(keyin(order('D'), CARD_DECLINED)), isPayupError('PAYUP_DECLINED', {
    gateway: 'payup', gatewayCode: '9101', messageEn: 'Declined by the card issuer',
  }))
})

test('PAYUP_NOT_SENT: a refused connection; safe to resend', async () => {
  const server = net.createServer()
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const port = server.address().port
  await new Promise((r) => server.close(r))
  const c = new payup.Client({ ...sandbox.clientConfig(), payup: { ...sandbox.clientConfig().payup, base_url: `http://127.0.0.1:${port}` } })
  await assert.rejects(c.payupKeyinApprove(keyin(order('X'))), (e) => {
    isPayupError('PAYUP_NOT_SENT', { gateway: 'payup' })(e)
    assert.equal(e.retrySafe, true)
    assert.equal(e.gatewayCode, null)
    assert.equal(e.payupCode, null)
    return true
  })
})

test('PAYUP_AMBIGUOUS: every fault class, with the identifiers to reconcile', async () => {
  for (const [fault, approvals] of [['http_500', 0], ['malformed_body', 1], ['reset_before_commit', 0], ['drop_after_commit', 1]]) {
    sandbox.armFault('payup.keyin.approve', fault)
    const o = order('F')
    await assert.rejects(client.payupKeyinApprove(keyin(o, CARD_OK, 1000)), (e) => {
      isPayupError('PAYUP_AMBIGUOUS', { gateway: 'payup' })(e)
      assert.equal(e.retrySafe, false)
      assert.equal(e.ambiguous.orderNumber, o, fault)
      assert.equal(e.ambiguous.amount, 1000, fault)
      assert.equal(e.ambiguous.operation, 'payup.keyin.approve')
      assert.ok(Array.isArray(e.ambiguous.tried))
      return true
    })
    assert.equal(ledgerFor(sandbox, o).length, approvals, `${fault}: ledger`)
  }
  // Armed for one call only.
  await client.payupKeyinApprove(keyin(order('F')))
})

test('a wrong amount is cancelled and reported as declined AMOUNT_MISMATCH', async () => {
  sandbox.armFault('payup.keyin.approve', 'wrong_amount')
  const o = order('W')
  await assert.rejects(client.payupKeyinApprove(keyin(o, CARD_OK, 1000)), isPayupError('PAYUP_DECLINED', {
    gatewayCode: null, payupCode: 'AMOUNT_MISMATCH', retrySafe: false,
  }))
  assert.equal(ledgerFor(sandbox, o)[0].status, 'cancelled')
})

test('a dropped billing payment is recovered by the result query (one approval)', async () => {
  const payerId = sandbox.registerPaypleCard(CARD_OK, '1')
  sandbox.armFault('payple.billing.pay', 'drop_after_commit')
  const oid = order('R')
  const r = await client.paypleBillingPay({ payerId, payGoods: 'g', payTotal: 1500, payOid: oid, payYear: '2026', payMonth: '10' })
  assert.equal(r.payOid, oid)
  assert.equal(ledgerFor(sandbox, oid).length, 1)
})

test('sandbox misuse is reported as PayupError; close is idempotent', () => {
  assert.throws(() => sandbox.armFault('payup.keyin.approve', 'no_such_fault'), isPayupError('PAYUP_INVALID'))
  const other = new payup.Sandbox()
  other.close()
  other.close()
  assert.equal(other.closed, true)
  assert.throws(() => other.transactions(), isPayupError('PAYUP_CONFIG'))
  assert.throws(() => new payup.Sandbox({ nonsense: true }), isPayupError('PAYUP_CONFIG'))
})
