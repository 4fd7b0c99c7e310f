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
  const client = nc.handle()
  assert.equal(nc.handle(), client, 'a client keeps its number')
  // This test's own factories (index.js's are its own): a loop shape, a plain Error, JSON.parse.
  const factories = native.setFactories((names) => (...v) => Object.fromEntries(names.map((n, i) => [n, v[i]])), (t) => new Error(t), JSON.parse)
  const op = native.operationId('payup.keyin.approve')
  const names = native.scalarFields('payup.keyin.approve').map(camel)
  const values = (req) => names.map((n) => req[n])
  const plain = keyin(order('TN'))
  const p = native.callFields(client, factories, op, undefined, ...values(plain))
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
    assert.equal(native.callFields(client, factories, op, undefined, ...values({ ...plain, ...change })), null, what)
  }
  const call = (...args) => native.callFields(...args)
  assert.equal(call(client, factories, op, undefined, ...values(plain).slice(1)), null, 'too few values')
  assert.equal(call(client, factories, op), null, 'no values')
  assert.equal(call(client, factories, 'payup.keyin.approve', undefined, ...values(plain)), null, 'a name, not a number')
  assert.equal(call(client, factories, 999, undefined, ...values(plain)), null, 'no such operation')
  assert.equal(call(client, 99999, op, undefined, ...values(plain)), null, 'no such factories')
  assert.equal(call(client, factories, native.operationId('payup.keyin.cancel'), undefined, ...values(plain)), null, 'an operation without fields')
  assert.equal(call(client, factories, op, '{"timeout_ms": "x"}', ...values(plain)), null, 'bad options')
  // Only a number this thread's clients were given names a client: no object, no other number.
  const other = new native.NativeSandbox()
  try {
    for (const notClient of [nc, other, {}, client + 1000, -1, 'x']) {
      assert.equal(call(notClient, factories, op, undefined, ...values(plain)), null, String(notClient))
    }
  } finally {
    other.close()
  }
  assert.equal(native.operationId('no.such.operation'), null)
  assert.throws(() => native.setFactories(1, 2, 3))
  return p.then((r) => assert.equal(r.orderNumber, plain.orderNumber))
})

// Counts the typed calls the hot path took (index.js looks native.callFields up at each call).
function countingHotPath() {
  const real = native.callFields
  const seen = { taken: 0 }
  native.callFields = (...args) => {
    const p = real(...args)
    if (p) seen.taken += 1
    return p
  }
  seen.restore = () => { native.callFields = real }
  return seen
}

test('the typed approval takes the hot path, with a journal too (the worker threads)', async () => {
  const seen = countingHotPath()
  try {
    await client.payupKeyinApprove(keyin(order('TH')))
    assert.equal(seen.taken, 1, 'taken for a plain request')
    await client.payupKeyinApprove({ ...keyin(order('TH')), amount: 1004.5 }).catch(() => {})
    assert.equal(seen.taken, 1, 'not for a fraction')
    const dir = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'payup-typed-'))
    const config = sandbox.clientConfig()
    config.journal = { sqlite: require('node:path').join(dir, 'payup.db') }
    const journaled = new payup.Client(config)
    const o = order('TJ')
    const first = await journaled.payupKeyinApprove(keyin(o))
    const again = await journaled.payupKeyinApprove(keyin(o))
    assert.equal(seen.taken, 3)
    assert.equal(first.orderNumber, o)
    assert.deepEqual([again.replayed, again.transactionId], [true, first.transactionId])
    const declined = await journaled.payupKeyinApprove(keyin(order('TJ'), CARD_DECLINED)).catch((e) => e)
    assert.ok(declined instanceof payup.PayupError && declined.code === 'PAYUP_DECLINED', String(declined))
  } finally {
    seen.restore()
  }
})

test('each member of a request is read once, also when the document path takes over', async () => {
  // A getter that changes its answer: the document path must see what the hot path saw.
  let reads = 0
  const flipping = keyin(order('TG'))
  delete flipping.cardNo
  Object.defineProperty(flipping, 'cardNo', { enumerable: true, get: () => (reads++ === 0 ? '4111' : '4111111111111111') })
  const e = await client.payupKeyinApprove(flipping).catch((x) => x)
  assert.equal(e.code, 'PAYUP_INVALID', String(e))
  assert.ok(e.fields.some((f) => f.field === 'cardNo'), JSON.stringify(e.fields))
  assert.equal(reads, 1)
  assert.equal(ledgerFor(sandbox, flipping.orderNumber).length, 0, 'nothing was charged')
  // The same with a name the hot path does not know: nothing read twice, the name reported.
  reads = 0
  const misspelt = { ...keyin(order('TG')), cardNumber: '1' }
  delete misspelt.cardNo
  Object.defineProperty(misspelt, 'cardNo', { enumerable: true, get: () => (reads++ === 0 ? '4111111111111111' : '4111') })
  const m = await client.payupKeyinApprove(misspelt).catch((x) => x)
  assert.ok(m.fields.some((f) => f.field === 'cardNumber'), JSON.stringify(m.fields))
  assert.equal(reads, 1)
  // Options are read once too.
  let optionReads = 0
  const options = { get timeoutMs() { optionReads += 1; return 'soon' } }
  const o = await client.payupKeyinApprove(keyin(order('TG')), options).catch((x) => x)
  assert.equal(o.code, 'PAYUP_INVALID', String(o))
  assert.equal(optionReads, 1)
})

test('a second copy of index.js (a module registry) rejects with its own PayupError, the first with its own', async () => {
  const indexPath = require.resolve('..')
  const generatedPath = require.resolve('../generated.js')
  delete require.cache[indexPath]
  delete require.cache[generatedPath]
  const second = require('..')
  assert.notEqual(second.PayupError, payup.PayupError)
  const fromSecond = await new second.Client(sandbox.clientConfig()).payupKeyinApprove(keyin(order('TC'), CARD_DECLINED)).catch((e) => e)
  const fromFirst = await client.payupKeyinApprove(keyin(order('TC'), CARD_DECLINED)).catch((e) => e)
  assert.ok(fromSecond instanceof second.PayupError, 'the second copy\'s')
  assert.ok(fromFirst instanceof payup.PayupError, 'the first copy\'s')
  assert.equal(fromFirst.code, 'PAYUP_DECLINED')
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
  // A complete request with a polluted prototype: the hot path, which reads own members only.
  const seen = countingHotPath()
  Object.prototype.mobileNumber = 'not a number' // eslint-disable-line no-extend-native
  try {
    const o = order('TP')
    assert.equal((await client.payupKeyinApprove(keyin(o))).orderNumber, o)
    assert.equal(seen.taken, 1)
  } finally {
    delete Object.prototype.mobileNumber
    seen.restore()
  }
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
    const native = require(${JSON.stringify(require.resolve('../native.js'))})
    const real = native.callFields
    let taken = 0
    native.callFields = (...a) => { const p = real(...a); if (p) taken++; return p }
    const req = ${JSON.stringify(keyin('TG' + process.pid))}
    ;(async () => {
      const r = await client.payupKeyinApprove(req)
      const typo = await client.payupKeyinApprove({ ...req, orderNumber: req.orderNumber + 'x', cardNumber: '1' }).catch((e) => e)
      console.log(JSON.stringify({ keys: Object.keys(r), proto: Object.getPrototypeOf(r) === Object.prototype, r, typo: typo.fields, taken }))
    })().finally(() => sandbox.close())`
  const run = require('node:child_process').spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  const out = JSON.parse(run.stdout)
  assert.ok(out.proto)
  assert.deepEqual(out.keys, ['transactionId', 'orderNumber', 'amount', 'authNumber', 'authDateTime', 'cardName', 'kakaoResultCode', 'noinf', 'taxAmount', 'vatAmount', 'freeAmount', 'responseCode', 'responseMsg'])
  assert.equal(out.r.amount, 1004)
  assert.ok(out.typo.some((f) => f.field === 'cardNumber'), JSON.stringify(out.typo))
  assert.equal(out.taken, 1, 'the hot path ran, with its loops')
  assert.equal(typeof out.r.cardName, 'string')
})
