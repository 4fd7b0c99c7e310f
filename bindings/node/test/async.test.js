'use strict'
// Network calls never block the event loop: they run on the JS thread and wait for their sockets through
// libuv (src/coop.rs), or on the addon's worker threads for a client with a journal; many calls share one client.

const test = require('node:test')
const assert = require('node:assert/strict')
const payup = require('..')
const { order, keyin, kcp, ledgerFor } = require('./helpers')

const sandbox = new payup.Sandbox()
test.after(() => sandbox.close())

test('a timer keeps firing while a call waits on a delayed gateway', async () => {
  const client = sandbox.client({ readMs: 10000 })
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 600, times: 1 })
  let ticks = 0
  const timer = setInterval(() => { ticks += 1 }, 20)
  const started = Date.now()
  const o = order('T')
  try {
    const r = await client.payupKeyinApprove(keyin(o))
    assert.equal(r.orderNumber, o)
  } finally {
    clearInterval(timer)
  }
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 500, `the delay applied (${elapsed} ms)`)
  // Generous bound: a blocked loop would give 0 ticks.
  assert.ok(ticks >= 5, `the timer fired ${ticks} times during ${elapsed} ms`)
})

test('a delay beyond the read timeout is ambiguous, and the loop stayed free meanwhile', async () => {
  const client = sandbox.client({ readMs: 300 })
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 1500 })
  let ticks = 0
  const timer = setInterval(() => { ticks += 1 }, 20)
  try {
    await assert.rejects(client.payupKeyinApprove(keyin(order('T'))), { code: 'PAYUP_AMBIGUOUS' })
  } finally {
    clearInterval(timer)
  }
  assert.ok(ticks >= 3, `the timer fired ${ticks} times`)
})

test('many concurrent calls on one client, all results correct', async () => {
  const client = sandbox.client()
  const n = 64
  const jobs = []
  for (let i = 0; i < n; i++) {
    const amount = 1000 + i
    if (i % 2 === 0) {
      const o = order('M')
      jobs.push(client.payupKeyinApprove(keyin(o, undefined, amount)).then((r) => {
        assert.equal(r.orderNumber, o)
        assert.equal(r.amount, amount)
        return o
      }))
    } else {
      const o = order('MK')
      jobs.push(client.kcpKeyinApprove(kcp(o, undefined, amount)).then((r) => {
        assert.equal(r.amount, amount)
        assert.equal(r.resCd, '0000')
        return r.tno
      }))
    }
  }
  const ids = await Promise.all(jobs)
  assert.equal(new Set(ids).size, n)
  for (const id of ids) assert.equal(ledgerFor(sandbox, id).length, 1, id)
})

test('more calls at once than libuv has pool threads: a quick call is not held behind 6 delayed ones', async () => {
  // libuv's pool has 4 threads: with the calls there, the KCP approval below waited for 4 of the delayed
  // Payup approvals to end. Waiting on the JS thread through libuv (src/coop.rs) it runs beside them.
  // Ordering only, no timing bound: the delay (3 s) is far longer than any call.
  const client = sandbox.client({ readMs: 10000 })
  const delayed = 6
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 3000, times: delayed })
  let settled = 0
  const slow = []
  for (let i = 0; i < delayed; i++) {
    const o = order('PD')
    slow.push(client.payupKeyinApprove(keyin(o)).then((r) => {
      settled += 1
      assert.equal(r.orderNumber, o)
    }))
  }
  const r = await client.kcpKeyinApprove(kcp(order('PK')))
  assert.equal(r.resCd, '0000')
  assert.equal(settled, 0, 'the KCP approval settled before every delayed one')
  await Promise.all(slow)
  assert.equal(settled, delayed)
})

test('a per-call { timeoutMs } applies to that call only, and is checked before sending', async () => {
  const client = sandbox.client({ readMs: 10000 })
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 1500 })
  const started = Date.now()
  await assert.rejects(client.payupKeyinApprove(keyin(order('TO')), { timeoutMs: 300 }), { code: 'PAYUP_AMBIGUOUS' })
  assert.ok(Date.now() - started < 1400, 'the per-call timeout applied')
  // The client's own timeout is unchanged: the same delay completes.
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 800 })
  const o = order('TO')
  assert.equal((await client.call('payup.keyin.approve', keyinDoc(o), {})).order_number, o)
  for (const bad of [{ timeoutMs: 0 }, { timeoutMs: 600001 }, { timeoutMs: '300' }, { orderNumber: 'x' }]) {
    await assert.rejects(client.payupKeyinApprove(keyin(order('TO')), bad), { code: 'PAYUP_INVALID' }, JSON.stringify(bad))
  }
})

function keyinDoc(orderNumber) {
  return {
    order_number: orderNumber, card_no: '4111111111111111', expire_month: '12', expire_year: '30',
    birthday: '890302', card_pw: '12', amount: 1004, quota: 0, item_name: 'book', user_name: 'Hong',
  }
}

test('a host name is resolved without blocking the loop (the system resolver runs on a thread of its own)', async () => {
  const config = sandbox.clientConfig()
  const port = new URL(config.payup.base_url).port
  for (const gw of ['payup', 'payple', 'kcp']) if (config[gw]) config[gw].base_url = `http://localhost:${port}`
  const byName = new payup.Client(config)
  const orders = [order('DNS'), order('DNS'), order('DNS')]
  const results = await Promise.all(orders.map((o) => byName.payupKeyinApprove(keyin(o))))
  assert.deepEqual(results.map((r) => r.orderNumber), orders)
})
