'use strict'
// The typed methods' hot path (issue 21): for an operation core reads from fields (payup.keyin.approve) a
// typed call hands the addon its values by position and gets the result object back (src/to_js.rs), with
// the same results and errors as the document path, which takes over for anything else.

const test = require('node:test')
const assert = require('node:assert/strict')
const payup = require('..')
const native = require('../native.js')
const { order, keyin, ledgerFor, CARD_DECLINED } = require('./helpers')

const sandbox = new payup.Sandbox()
const client = sandbox.client()
test.after(() => sandbox.close())

// The document path's own result for the same request: `call` with the snake_case document, camelCased as the
// typed methods did before the hot path.
function snake(req) {
  const out = {}
  for (const [k, v] of Object.entries(req)) if (v !== undefined) out[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = v
  return out
}
const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// Members that differ from one approval to the next (the sandbox's numbers and clock).
const PER_CALL = new Set(['transactionId', 'authNumber', 'authDateTime'])

function comparable(result) {
  return Object.fromEntries(Object.entries(result).map(([k, v]) => [k, PER_CALL.has(k) ? typeof v : v]))
}

test('core names the fields it reads by position; other operations have none', () => {
  const names = native.scalarFields('payup.keyin.approve')
  assert.ok(Array.isArray(names) && names.includes('card_no') && names.includes('free_amount'), String(names))
  assert.equal(native.scalarFields('payup.keyin.cancel'), null)
  assert.equal(native.scalarFields('no.such.operation'), null)
})

test('a typed approval gives what the document path gives: the same names, order, values and types', async () => {
  const cases = [
    keyin(order('TF')),
    { ...keyin(order('TF')), quota: 3, mobileNumber: '01012345678', kakaoSend: false, userEmail: 'a@example.com' },
    { ...keyin(order('TF'), undefined, 1000), taxFlag: true, taxAmount: 600, freeAmount: 400 },
  ]
  for (const req of cases) {
    const typed = await client.payupKeyinApprove(req)
    const docOrder = `${req.orderNumber}D`
    const doc = await client.call('payup.keyin.approve', snake({ ...req, orderNumber: docOrder }))
    assert.equal(doc.order_number, docOrder)
    const expected = Object.fromEntries(Object.entries(doc).map(([k, v]) => [camel(k), v]))
    assert.equal(Object.getPrototypeOf(typed), Object.prototype)
    assert.deepEqual(Object.keys(typed), Object.keys(expected), 'the same members in the same order')
    assert.deepEqual(comparable(typed), { ...comparable(expected), orderNumber: req.orderNumber })
    assert.equal(ledgerFor(sandbox, req.orderNumber).length, 1, 'approved once')
    // What JSON.parse would have made of it: plain data, all the way.
    assert.deepEqual(JSON.parse(JSON.stringify(typed)), typed)
  }
})

test('the addon takes a plain request by position and leaves everything else to the document path (null)', () => {
  const nc = new native.NativeClient(JSON.stringify(sandbox.clientConfig()))
  const names = native.scalarFields('payup.keyin.approve').map(camel)
  const values = (req) => names.map((n) => req[n])
  const plain = keyin(order('TN'))
  const p = native.callFields(nc, native.operationId('payup.keyin.approve'), undefined, ...values(plain))
  assert.ok(p instanceof Promise, 'a plain request is taken')
  const declined = [
    ['null', { amount: null }],
    ['a fraction', { amount: 1004.5 }],
    ['a negative number', { amount: -1 }],
    ['a number JSON writes with an exponent', { amount: 1e21 }],
    ['NaN', { amount: NaN }],
    ['a BigInt', { amount: 1004n }],
    ['an object', { itemName: { toJSON: () => 'x' } }],
    ['a lone surrogate', { itemName: 'a\ud800b' }],
    ['U+FFFD itself (checked by the document path)', { itemName: 'a\ufffdb' }],
    ['a broken rule', { cardNo: '4111' }],
    ['a missing field', { cardNo: undefined }],
  ]
  for (const [what, change] of declined) {
    assert.equal(native.callFields(nc, native.operationId('payup.keyin.approve'), undefined, ...values({ ...plain, ...change })), null, what)
  }
  assert.equal(native.callFields(nc, native.operationId('payup.keyin.approve'), undefined, ...values(plain).slice(1)), null, 'too few values')
  assert.equal(native.callFields(nc, native.operationId('payup.keyin.approve')), null, 'no values')
  assert.equal(native.callFields(nc, 'payup.keyin.approve', undefined, ...values(plain)), null, 'a name, not a number')
  assert.equal(native.callFields(nc, 999, undefined, ...values(plain)), null, 'no such operation')
  assert.equal(native.callFields({}, native.operationId('payup.keyin.approve'), undefined, ...values(plain)), null, 'not a client')
  assert.equal(native.operationId('no.such.operation'), null)
  assert.equal(native.callFields(nc, native.operationId('payup.keyin.cancel'), undefined, ...values(plain)), null, 'an operation without fields')
  assert.equal(native.callFields(nc, native.operationId('payup.keyin.approve'), '{"timeout_ms": "x"}', ...values(plain)), null, 'bad options')
  return p.then((r) => assert.equal(r.orderNumber, plain.orderNumber))
})

test('what the hot path leaves to the document path gets the document path\'s answer, named in camelCase', async () => {
  const refused = [
    [{ amount: 1004.5 }, 'amount'],
    [{ amount: -1 }, 'amount'],
    [{ amount: null }, 'amount'],
    [{ cardNo: '4111' }, 'cardNo'],
    [{ cardNumber: '4111111111111111' }, 'cardNumber'],
    [{ expireMonth: 13 }, 'expireMonth'],
  ]
  for (const [change, field] of refused) {
    const e = await client.payupKeyinApprove({ ...keyin(order('TR')), ...change }).catch((x) => x)
    assert.ok(e instanceof payup.PayupError, `${JSON.stringify(change)}: ${e}`)
    assert.equal(e.code, 'PAYUP_INVALID')
    assert.ok(e.fields.some((f) => f.field === field), `${JSON.stringify(change)} names ${field}: ${JSON.stringify(e.fields)}`)
  }
  // Not a JSON document: refused before anything is sent, as before.
  const big = await client.payupKeyinApprove({ ...keyin(order('TR')), amount: 1004n }).catch((x) => x)
  assert.equal(big.code, 'PAYUP_INVALID')
  // U+FFFD is an ordinary character: approved through the document path.
  const o = order('TU')
  const r = await client.payupKeyinApprove({ ...keyin(o), itemName: '상품 \ufffd' })
  assert.equal(r.orderNumber, o)
  // snake_case names still work (the document path), and an explicit undefined is an absent field.
  const s = order('TS')
  assert.equal((await client.payupKeyinApprove({ ...snake(keyin(s)) })).orderNumber, s)
  const u = order('TV')
  assert.equal((await client.payupKeyinApprove({ ...keyin(u), mobileNumber: undefined })).orderNumber, u)
})

test('inherited members are not fields (as JSON.stringify reads a request)', async () => {
  const req = keyin(order('TP'))
  delete req.cardNo
  Object.prototype.cardNo = '4111111111111111' // eslint-disable-line no-extend-native
  try {
    const e = await client.payupKeyinApprove(req).catch((x) => x)
    assert.equal(e.code, 'PAYUP_INVALID', String(e))
    assert.ok(e.fields.some((f) => f.field === 'cardNo'), JSON.stringify(e.fields))
  } finally {
    delete Object.prototype.cardNo
  }
  assert.equal(ledgerFor(sandbox, req.orderNumber).length, 0, 'nothing was sent')
})

test('a typed call\'s failure is a PayupError with camelCase fields, its stack and no card data', async () => {
  const e = await client.payupKeyinApprove(keyin(order('TD'), CARD_DECLINED)).catch((x) => x)
  assert.ok(e instanceof payup.PayupError)
  assert.equal(e.code, 'PAYUP_DECLINED')
  assert.equal(typeof e.stack, 'string')
  for (const view of [e.message, e.stack, JSON.stringify(e), require('node:util').inspect(e)]) {
    assert.ok(!view.includes(CARD_DECLINED), view)
    assert.ok(!view.includes('890302'), view)
  }
  // A timeout through the hot path is ambiguous, as with the document path.
  sandbox.armFault('payup.keyin.approve', 'delay', { delayMs: 800, times: 1 })
  const slow = await client.payupKeyinApprove(keyin(order('TT')), { timeoutMs: 200 }).catch((x) => x)
  assert.equal(slow.code, 'PAYUP_AMBIGUOUS', String(slow))
})

test('where code generation from strings is disallowed, requests and results are read and made the same way by loops', () => {
  const script = `
    const payup = require(${JSON.stringify(require.resolve('..'))})
    const sandbox = new payup.Sandbox()
    const client = sandbox.client()
    const req = ${JSON.stringify(keyin('TG' + process.pid))}
    ;(async () => {
      const r = await client.payupKeyinApprove(req)
      const typo = await client.payupKeyinApprove({ ...req, orderNumber: req.orderNumber + 'x', cardNumber: '1' }).catch((e) => e)
      console.log(JSON.stringify({ keys: Object.keys(r), proto: Object.getPrototypeOf(r) === Object.prototype, r, typo: typo.fields }))
    })().finally(() => sandbox.close())`
  const run = require('node:child_process').spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const out = JSON.parse(run.stdout)
  assert.ok(out.proto)
  assert.deepEqual(out.keys, ['transactionId', 'orderNumber', 'amount', 'authNumber', 'authDateTime', 'cardName', 'kakaoResultCode', 'noinf', 'taxAmount', 'vatAmount', 'freeAmount', 'responseCode', 'responseMsg'])
  assert.equal(out.r.amount, 1004)
  assert.ok(out.typo.some((f) => f.field === 'cardNumber'), JSON.stringify(out.typo))
  assert.equal(typeof out.r.cardName, 'string')
})
