'use strict'
// No full card number, password digits, birth date or key in inspect, JSON.stringify or messages.

const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const payup = require('..')
const { order } = require('./helpers')

const CARD = '4556737586899855'
const PW = '47'
const BIRTH = '731205'
const KEY = 'CANARYKEY0123456789abcdef'

const sandbox = new payup.Sandbox()
test.after(() => sandbox.close())

function assertClean(label, text) {
  for (const [what, secret] of [['card number', CARD], ['birth date', BIRTH], ['key', KEY]]) {
    assert.ok(!text.includes(secret), `${label} holds the ${what}: ${text}`)
  }
  // Password digits: never as a value next to a field name.
  assert.ok(!/card_?pw\W+47|cardPw\W+47|card_pwd\W+47/i.test(text), `${label} holds the password digits: ${text}`)
}

function everyView(label, e) {
  assertClean(`${label} message`, e.message)
  assertClean(`${label} stack`, String(e.stack))
  assertClean(`${label} inspect`, util.inspect(e, { depth: 10, showHidden: true }))
  assertClean(`${label} JSON`, JSON.stringify(e))
  assertClean(`${label} String`, String(e))
}

async function caught(p) {
  try {
    await p
  } catch (e) {
    return e
  }
  assert.fail('expected a rejection')
}

const canaryKeyin = (extra = {}) => ({
  orderNumber: order('Z'), cardNo: CARD, expireMonth: '12', expireYear: '30', birthday: BIRTH, cardPw: PW,
  amount: 1000, itemName: '상품', userName: '홍길동', ...extra,
})

test('errors of calls with canary card data hold none of it', async () => {
  const cfg = sandbox.clientConfig()
  cfg.payup.api_cert_key = KEY
  cfg.payple.cust_key = KEY
  const client = new payup.Client(cfg)
  assertClean('client inspect', util.inspect(client, { showHidden: true, depth: 10 }))
  assertClean('client JSON', JSON.stringify(client))
  // Invalid before sending (several broken fields), then sent with the wrong key (2001).
  everyView('invalid', await caught(client.payupKeyinApprove(canaryKeyin({ expireMonth: '13', cardPw: `${PW}9`, birthday: `${BIRTH}x` }))))
  everyView('invalid card', await caught(client.payupKeyinApprove(canaryKeyin({ cardNo: `${CARD}0000x` }))))
  everyView('config 2001', await caught(client.payupKeyinApprove(canaryKeyin())))
  everyView('kcp invalid', await caught(client.kcpKeyinApprove({ ordrIdxx: 'o', goodName: 'g', buyrName: 'b', amount: 1000,
    cardNo: `${CARD}x`, cardExpiry: '9999', cardTaxno: BIRTH, cardPwd: PW })))
  everyView('payple auth', await caught(client.paypleAuth()))
  // Faults: ambiguous and mismatch errors carry identifiers, never the card.
  const good = sandbox.client()
  for (const fault of ['http_500', 'drop_after_commit', 'wrong_amount']) {
    sandbox.armFault('payup.keyin.approve', fault)
    everyView(fault, await caught(good.payupKeyinApprove(canaryKeyin())))
  }
  // A configuration error with the key in it.
  const e = (() => {
    try {
      return new payup.Client({ payup: { merchant_id: 'm', api_cert_key: KEY, base_url: 'http://example.com' } })
    } catch (err) {
      return err
    }
  })()
  assert.ok(e instanceof payup.PayupError)
  everyView('config', e)
})

test('results and the ledger hold only masked cards', async () => {
  const client = sandbox.client()
  const r = await client.payupKeyinApprove(canaryKeyin())
  assertClean('result', JSON.stringify(r) + util.inspect(r))
  const k = await client.kcpKeyinApprove({ ordrIdxx: order('Z'), goodName: 'g', buyrName: 'b', amount: 1000, cardNo: CARD,
    cardExpiry: '3012', cardTaxno: BIRTH, cardPwd: PW })
  assertClean('kcp result', JSON.stringify(k))
  assertClean('ledger', JSON.stringify(sandbox.ledger()))
  assertClean('sandbox inspect', util.inspect(sandbox, { showHidden: true }))
})

test('a request document passed where the operation goes is not echoed back', async () => {
  const client = sandbox.client()
  const doc = { order_number: order('MIS'), card_no: CARD, expire_month: '12', expire_year: '30', birthday: BIRTH,
    card_pw: PW, amount: 1000, quota: 0, item_name: 'x', user_name: 'y' }
  await assert.rejects(client.call(JSON.stringify(doc), {}), (e) => {
    assert.equal(e.code, 'PAYUP_INVALID')
    assert.equal(e.field, 'operation')
    everyView('misplaced document', e)
    return true
  })
})

test('armFault rejects options of the wrong type with a PayupError', () => {
  assert.throws(() => sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: '5' }),
    (e) => e instanceof payup.PayupError && e.code === 'PAYUP_INVALID' && e.field === 'delayMs')
})
