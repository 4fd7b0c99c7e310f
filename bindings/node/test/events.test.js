'use strict'
// Exchange events (issue 20): new Client(config, { onExchange }) gets one camelCase event per HTTP exchange,
// none for an invalid request (nothing is sent), status null when no answer came; no canary in any event.

const test = require('node:test')
const assert = require('node:assert/strict')
const payup = require('..')
const { order } = require('./helpers')

const CARD = '4556737586899855' // Luhn-valid: approved
const CARD_DECLINED = '4556737586070002' // ends in 0002: declined by the issuer
const PW = '47'
const BIRTH = '731205'

const sandbox = new payup.Sandbox()
test.after(() => sandbox.close())

const canaryKeyin = (extra = {}) => ({
  orderNumber: order('EV'), cardNo: CARD, expireMonth: '12', expireYear: '30', birthday: BIRTH, cardPw: PW,
  amount: 1004, quota: 0, itemName: '상품', userName: '홍길동', ...extra,
})

function assertClean(event) {
  const text = JSON.stringify(event)
  for (const secret of [CARD, CARD_DECLINED, BIRTH, '"47"', sandbox.clientConfig().payup.api_cert_key]) {
    assert.ok(!text.includes(secret), `an event holds ${secret}: ${text}`)
  }
}

function recording(config) {
  const events = []
  const client = new payup.Client(config, { onExchange: (e) => events.push(e) })
  const take = () => events.splice(0, events.length)
  return { client, take }
}

test('one camelCase event per exchange: success, decline, invalid (none), ambiguous, not_sent', async () => {
  const { client, take } = recording(sandbox.clientConfig())
  const ok = await client.payupKeyinApprove(canaryKeyin())
  let [e, ...rest] = take()
  assert.deepEqual(rest, [])
  assert.deepEqual(Object.keys(e), ['operation', 'gateway', 'method', 'url', 'status', 'durationMs', 'requestBody', 'responseBody', 'outcome'])
  assert.deepEqual([e.operation, e.gateway, e.method, e.status], ['payup.keyin.approve', 'payup', 'POST', 200])
  assert.deepEqual(e.outcome, { kind: 'success', gatewayCode: null, payupCode: null })
  assert.equal(typeof e.durationMs, 'number')
  assert.equal(e.requestBody.cardNo, '455673******9855')
  assert.equal(e.requestBody.cardPw, '***')
  // An answer's own identifier is never masked, even when its digits pass the Luhn check (event.rs).
  assert.equal(e.responseBody.transactionId, ok.transactionId)
  assertClean(e)

  await assert.rejects(client.payupKeyinApprove(canaryKeyin({ cardNo: CARD_DECLINED })), (err) => err.kind === 'declined')
  ;[e] = take()
  assert.deepEqual([e.status, e.outcome.kind, e.outcome.gatewayCode], [200, 'declined', '9101'])
  assertClean(e)

  await assert.rejects(client.payupKeyinApprove(canaryKeyin({ expireMonth: '13' })), (err) => err.kind === 'invalid')
  assert.deepEqual(take(), [], 'an invalid request sends nothing: no event')

  sandbox.armFault('payup.keyin.approve', 'drop_after_commit')
  await assert.rejects(client.call('payup.keyin.approve', {
    order_number: order('EV'), card_no: CARD, expire_month: '12', expire_year: '30', birthday: BIRTH, card_pw: PW,
    amount: 1004, quota: 0, item_name: '상품', user_name: '홍길동',
  }), (err) => err instanceof payup.PayupError && err.kind === 'ambiguous')
  ;[e] = take()
  assert.deepEqual([e.status, e.outcome.kind, e.responseBody], [null, 'ambiguous', null])
  assertClean(e)

  // Payple: partner auth and the call, two events.
  const payerId = sandbox.registerPaypleCard(CARD, '2324')
  {
    await client.paypleBillingPay({ payerId, payerNo: '2324', payGoods: '정기구독', payTotal: 1000, payOid: order('EVP'), payYear: '2026', payMonth: '11' })
    const [auth, call] = take()
    assert.deepEqual([auth.outcome.kind, call.outcome.kind, auth.requestBody.custKey, auth.responseBody.AuthKey], ['success', 'success', '***', '***'])
    assert.ok(!JSON.stringify([auth, call]).includes(payerId))
  }

  const closed = sandbox.clientConfig()
  closed.payup.base_url = 'http://127.0.0.1:9'
  const ns = recording(closed)
  await assert.rejects(ns.client.payupKeyinApprove(canaryKeyin()), (err) => err.kind === 'not_sent')
  ;[e] = ns.take()
  assert.deepEqual([e.status, e.outcome.kind], [null, 'not_sent'])
  assertClean(e)
})

test('a throwing onExchange does not change the outcome; a bad option is refused', async () => {
  const client = new payup.Client(sandbox.clientConfig(), { onExchange: () => { throw new Error('boom') } })
  const warned = new Promise((resolve) => process.once('warning', resolve))
  const r = await client.payupKeyinApprove(canaryKeyin({ cardNo: '4111111111111111' }))
  assert.equal(r.amount, 1004)
  assert.match((await warned).message, /onExchange threw: boom/)
  assert.throws(() => new payup.Client(sandbox.clientConfig(), { onExchange: 3 }), TypeError)
})

test('concurrent calls with onExchange: each call hands over its own event, just before it settles', async () => {
  // The calls run interleaved on the JS thread (src/coop.rs): each one's events are kept aside while it waits.
  const seen = []
  const client = new payup.Client(sandbox.clientConfig(), { onExchange: (e) => seen.push(e.requestBody.orderNumber) })
  const orders = Array.from({ length: 12 }, () => order('EVC'))
  await Promise.all(orders.map(async (o) => {
    const r = await client.payupKeyinApprove(canaryKeyin({ orderNumber: o, cardNo: '4111111111111111' }))
    assert.equal(r.orderNumber, o)
    assert.equal(seen[seen.length - 1], o, 'the event handed over last is this call\'s')
  }))
  assert.deepEqual([...seen].sort(), [...orders].sort(), 'one event per call, none lost or repeated')
})
