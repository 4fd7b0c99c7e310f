'use strict'
// The typed surface against the schema itself: every operation has its method, every request field is a
// member of its request interface (optional exactly when not required) and every result field a member of
// its result interface, read from the declarations (generated.d.ts, through index.d.ts) with TypeScript's
// own parser.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')
const payup = require('..')

const schema = payup.operationsSchema()
const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
const method = (name) => name.replace(/\.([a-z])/g, (_, c) => c.toUpperCase())

// Every interface and type alias of the declarations: name → node.
function declarations() {
  const out = new Map()
  for (const file of ['index.d.ts', 'generated.d.ts']) {
    const text = fs.readFileSync(path.join(__dirname, '..', file), 'utf8')
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
    for (const s of src.statements) {
      if ((ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && !out.has(s.name.text)) out.set(s.name.text, s)
    }
  }
  return out
}
const decls = declarations()

// An interface's members (name → optional?), or a union alias's members present in every variant.
function members(name) {
  const d = decls.get(name)
  assert.ok(d, `no declaration ${name}`)
  if (ts.isInterfaceDeclaration(d)) {
    return new Map(d.members.filter((m) => m.name).map((m) => [m.name.getText(), Boolean(m.questionToken)]))
  }
  assert.ok(ts.isUnionTypeNode(d.type), `${name} is neither an interface nor a union`)
  const all = new Map()
  for (const t of d.type.types) for (const [k, v] of members(t.typeName.getText())) all.set(k, v)
  return all
}

// The `Operations` map: operation → [request interface, result type].
function operationsMap() {
  const out = new Map()
  for (const m of decls.get('Operations').members) {
    const [req, res] = m.type.elements.map((e) => e.getText())
    out.set(m.name.text, { req, res })
  }
  return out
}

test('operationsSchema() is the catalogue as data', () => {
  assert.equal(schema.version, payup.version())
  assert.deepEqual(schema.operations.map((o) => o.name), payup.operations().map((o) => o.name))
  for (const op of schema.operations) assert.ok(Array.isArray(op.request) && Array.isArray(op.result), op.name)
})

test('every operation has its typed method: synchronous for pure ones, a Promise otherwise', () => {
  const client = new payup.Client({ payup: { merchant_id: 'm', api_cert_key: 'k' } })
  const signatures = new Map(decls.get('ClientOperations').members.map((m) => [m.name.getText(), m]))
  const pure = decls.get('PureOperationName').type.getText()
  for (const op of schema.operations) {
    const name = method(op.name)
    assert.equal(typeof client[name], 'function', `${op.name} → client.${name}`)
    const sig = signatures.get(name)
    assert.ok(sig, `ClientOperations.${name}`)
    const returns = sig.type.getText()
    assert.equal(returns.startsWith('Promise<'), op.class !== 'pure', `${name}(): ${returns}`)
    assert.equal(pure.includes(`'${op.name}'`), op.class === 'pure', op.name)
    // A request with no required field may be left out.
    assert.equal(Boolean(sig.parameters[0].questionToken), op.request.every((f) => !f.required), name)
  }
})

test('every request field is a member of its request interface, optional exactly when not required', () => {
  const map = operationsMap()
  for (const op of schema.operations) {
    const { req } = map.get(op.name)
    const m = members(req)
    for (const f of op.request) {
      assert.ok(m.has(camel(f.name)), `${op.name}: ${req}.${camel(f.name)}`)
      assert.equal(m.get(camel(f.name)), !f.required, `${op.name}: ${req}.${camel(f.name)} optional`)
    }
    assert.equal(m.size, op.request.length, `${req} has only the schema's fields`)
  }
})

test('every result field is a member of its result type', () => {
  const map = operationsMap()
  for (const op of schema.operations) {
    const { res } = map.get(op.name)
    assert.equal(res, op.result_type, op.name)
    const m = members(res)
    for (const f of op.result) assert.ok(m.has(camel(f.name)), `${op.name}: ${res}.${camel(f.name)}`)
  }
})

test('the field names the typed methods convert round-trip to the schema', () => {
  const { SNAKE_NAMES } = require('../generated.js')
  for (const op of schema.operations) {
    for (const f of op.request) {
      const c = camel(f.name)
      const back = SNAKE_NAMES[c] ?? c.replace(/[A-Z]/g, (x) => '_' + x.toLowerCase())
      assert.equal(back, f.name, `${op.name}: ${c}`)
    }
  }
})

test('Sandbox: transactions() is the list, ledger() the whole ledger', async () => {
  const sandbox = new payup.Sandbox()
  try {
    const client = sandbox.client()
    const o = `SCHEMA-${Date.now()}`
    await client.payupKeyinApprove({
      orderNumber: o, cardNo: '4111111111111111', expireMonth: '12', expireYear: '30', birthday: '890302',
      cardPw: '12', amount: 1000, itemName: 'item', userName: 'name',
    })
    const list = sandbox.transactions()
    assert.ok(Array.isArray(list))
    assert.equal(list.filter((t) => t.orderNumber === o).length, 1)
    const ledger = sandbox.ledger()
    assert.deepEqual(Object.keys(ledger).sort(), ['kakaopayOrders', 'paypleBillingKeys', 'transactions', 'warnings'])
    assert.deepEqual(ledger.transactions, list)
  } finally {
    sandbox.close()
  }
})
