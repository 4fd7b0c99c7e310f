'use strict'
// The shared vectors of tests/vectors/ (every language checks them).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const payup = require('..')
const native = require('../native.js')

const dir = path.join(__dirname, '..', '..', '..', 'tests', 'vectors')
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))

// A minimal valid request per operation, so that a response can be parsed in context (as the Rust test).
// One minimal valid request per operation, shared by every language.
const SOME_REQUEST = load('minimal_requests.json').requests

function nativeError(f) {
  try {
    f()
  } catch (e) {
    return JSON.parse(e.message).error
  }
  assert.fail('expected an error')
}

test('signatures.json: the specs\' signature vectors, bit for bit', () => {
  const v = load('signatures.json').vectors
  assert.equal(v.length, 2)
  for (const t of v) {
    const got = t.kind === 'approval'
      ? payup.payupApprovalSignature(t.merchant_id, t.order_number, t.amount, t.api_cert_key, t.timestamp)
      : payup.payupCancelSignature(t.merchant_id, t.transaction_id, t.api_cert_key)
    assert.equal(got, t.signature, t.name)
  }
})

test('requests.json: method, target, body and headers of every request sample', () => {
  const cases = load('requests.json').cases
  assert.ok(cases.length >= 20)
  for (const c of cases) {
    const got = JSON.parse(native.prepareJson(JSON.stringify(c.credentials), c.operation, JSON.stringify(c.request),
      c.now_unix, c.auth ? JSON.stringify(c.auth) : undefined))
    assert.equal(got.method, c.expected.method, c.name)
    assert.deepEqual(got.target, c.expected.target, c.name)
    assert.deepEqual(got.body, c.expected.body, c.name)
    for (const [k, v] of Object.entries(c.expected.headers)) assert.equal(got.headers[k], v, `${c.name}: header ${k}`)
  }
})

test('responses.json: every response sample parses to its result or its error', () => {
  const cases = load('responses.json').cases
  assert.ok(cases.length >= 26)
  for (const c of cases) {
    const body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body)
    const request = JSON.stringify(SOME_REQUEST[c.operation])
    const run = () => JSON.parse(native.parseJson(c.operation, request, c.status, body))
    if (c.expected) {
      assert.deepEqual(run(), c.expected, c.name)
    } else {
      const e = nativeError(run)
      for (const [k, v] of Object.entries(c.error)) assert.deepEqual(e[k], v, `${c.name}: error.${k}`)
      // And as a PayupError.
      const pe = new payup.PayupError(e)
      assert.equal(pe.code, payup.ERROR_CODES[c.error.kind])
      assert.equal(pe.gatewayCode, c.error.code ?? null, c.name)
    }
  }
})

test('payple_results.json: payple.result through the public pure function (camelCase)', () => {
  const camel = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), v]))
  for (const c of load('payple_results.json').cases) {
    if (c.expected) {
      assert.deepEqual(payup.paypleResult(c.request), camel(c.expected), c.name)
      assert.deepEqual(JSON.parse(native.pureJson('payple.result', JSON.stringify(c.request))), c.expected, c.name)
    } else {
      assert.throws(() => payup.paypleResult(c.request), (e) => {
        assert.ok(e instanceof payup.PayupError)
        assert.equal(e.kind, c.error.kind, c.name)
        assert.equal(e.gatewayCode, c.error.code, c.name)
        assert.equal(e.gateway, c.error.gateway, c.name)
        return true
      })
    }
  }
})
