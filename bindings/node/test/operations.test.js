'use strict'
// Every operation through the typed client against the in-process sandbox (a real HTTP server).

const test = require('node:test')
const assert = require('node:assert/strict')
const payup = require('..')
const { order, keyin, kcp, ledgerFor, CARD_OK, CARD_DECLINED } = require('./helpers')

const sandbox = new payup.Sandbox()
const client = sandbox.client()
test.after(() => sandbox.close())

test('the catalogue lists every operation with a typed method', () => {
  const names = payup.operations().map((o) => o.name)
  assert.ok(names.includes('payup.keyin.approve') && names.includes('kcp.keyin.approve'))
  for (const name of names) {
    const method = name.replace(/\.([a-z])/g, (_, c) => c.toUpperCase())
    assert.equal(typeof client[method], 'function', `${name} → client.${method}`)
  }
  assert.match(payup.version(), /^\d+\.\d+\.\d+/)
})

test('payup keyin: approve, cancel, cancel again (1005)', async () => {
  const o = order('K')
  const r = await client.payupKeyinApprove(keyin(o))
  assert.equal(r.orderNumber, o)
  assert.equal(r.amount, 1004)
  assert.equal(r.responseCode, '0000')
  assert.equal(r.transactionId.length, 20)
  assert.equal(ledgerFor(sandbox, o)[0].status, 'approved')
  const c = await client.payupKeyinCancel({ transactionId: r.transactionId })
  assert.equal(c.transactionId, r.transactionId)
  assert.equal(typeof c.cancelDateTime, 'string')
  assert.equal(ledgerFor(sandbox, o)[0].status, 'cancelled')
  await assert.rejects(client.payupKeyinCancel({ transactionId: r.transactionId }), {
    code: 'PAYUP_DECLINED',
    gatewayCode: '1005',
  })
})

test('payup keyin through the generic call takes and gives snake_case documents', async () => {
  const o = order('G')
  const r = await client.call('payup.keyin.approve', {
    order_number: o, card_no: CARD_OK, expire_month: '12', expire_year: '30', birthday: '890302',
    card_pw: '12', amount: 1500, item_name: '상품', user_name: '홍길동',
  })
  assert.equal(r.order_number, o)
  assert.equal(r.amount, 1500)
  assert.equal(r.response_code, '0000')
})

test('a typed result is the generic result with camelCase names, nulls, numbers and Korean text intact', async () => {
  // The addon writes typed results in camelCase itself (camel_text in src/lib.rs): the same names, order and
  // values as the snake_case document converted key by key.
  const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())
  for (const [name, typed, doc] of [
    ['payup.keyin.approve', (o) => client.payupKeyinApprove(keyin(o, CARD_OK, 1500)),
      (o) => ({ order_number: o, card_no: CARD_OK, expire_month: '12', expire_year: '30', birthday: '890302',
        card_pw: '12', amount: 1500, quota: 0, item_name: '테스트 상품', user_name: '홍길동' })],
    ['kcp.keyin.approve', (o) => client.kcpKeyinApprove(kcp(o, CARD_OK, 1500)),
      (o) => ({ ordr_idxx: o, good_name: '테스트 상품', buyr_name: '홍길동', amount: 1500, card_no: CARD_OK, card_expiry: '3012' })],
  ]) {
    const t = await typed(order('CT'))
    const g = await client.call(name, doc(order('CG')))
    assert.deepEqual(Object.keys(t), Object.keys(g).map(camel), name)
    for (const [k, v] of Object.entries(g)) {
      const tv = t[camel(k)]
      assert.equal(typeof tv, typeof v, `${name} ${k}`)
      if (v === null || typeof v === 'number' || typeof v === 'boolean') assert.equal(tv, v, `${name} ${k}`)
    }
    assert.ok(Object.values(t).some((v) => typeof v === 'string' && /[가-힣]/.test(v)), `${name}: Korean text`)
  }
})

test('payup kakaopay: order, window (WM), the person pays by card, approve, cancel', async () => {
  const o = order('KP')
  const ordered = await client.payupKakaopayOrder({
    orderNumber: o, userAgent: 'WM', amount: 2500, itemName: '카카오 "<상품>" & 할인', userName: '김철수',
    returnUrl: 'https://shop.example/kakao/return',
  })
  assert.equal(ordered.goodMny, 2500)
  assert.ok(ordered.ordrIdxx)
  assert.ok(ordered.payUrl && ordered.approvalKey)
  const window = client.payupKakaopayWindow({ order: ordered, userAgent: 'WM' }) // synchronous
  assert.match(window.html, /<form/)
  assert.match(window.html, /accept-charset="euc-kr"/)
  const posted = await sandbox.payKakaopayWindow(window.html, 'card')
  assert.equal(posted.url, 'https://shop.example/kakao/return')
  const f = posted.fields
  const approved = await client.payupKakaopayApprove({
    resCd: f.res_cd, encInfo: f.enc_info, encData: f.enc_data, tranCd: f.tran_cd,
    cardPayMethod: f.card_pay_method, ordrIdxx: f.ordr_idxx, amount: 2500,
  })
  assert.equal(approved.type, 'KAKAO_CARD')
  assert.equal(approved.amount, 2500)
  assert.ok(!JSON.stringify(approved).includes(CARD_OK))
  const cancelled = await client.payupKakaopayCancel({ transactionId: approved.transactionId, cancelReason: '테스트 취소' })
  assert.equal(cancelled.transactionId, approved.transactionId)
})

test('payup kakaopay: a closed window is refused before sending; the PC window renders KCP script', async () => {
  const ordered = await client.payupKakaopayOrder({
    orderNumber: order('KW'), userAgent: 'WP', amount: 1000, itemName: '상품', userName: '김철수',
    returnUrl: 'https://shop.example/r',
  })
  const html = client.payupKakaopayWindow({ order: ordered, userAgent: 'WP' }).html
  assert.ok(html.includes(sandbox.baseUrl), 'the PC script points at the sandbox')
  const pure = payup.kakaopayWindow({ order: ordered, userAgent: 'WP' }).html
  assert.ok(pure.includes('https://pay.kcp.co.kr/plugin/payplus_web.jsp'))
  const paid = await sandbox.payKakaopayPcWindow(ordered.ordrIdxx, 'money')
  const approved = await client.payupKakaopayApprove({ ...snakeToCamel(paid.fields, APPROVE_FIELDS), amount: 1000 })
  assert.equal(approved.type, 'KAKAO_MONEY')
  assert.equal(approved.amount, 1000)
  await assert.rejects(
    client.payupKakaopayApprove({ resCd: '3001', ordrIdxx: ordered.ordrIdxx, amount: 1000 }),
    (e) => e instanceof payup.PayupError && e.kind === 'declined' && e.gatewayCode === '3001',
  )
})

const APPROVE_FIELDS = ['res_cd', 'enc_info', 'enc_data', 'tran_cd', 'card_pay_method', 'ordr_idxx']
function snakeToCamel(fields, keep) {
  const out = {}
  for (const k of keep) if (fields[k] !== undefined) out[k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = fields[k]
  return out
}

test('payple billing: pay, info, status, partial refund refused, refund, delete', async () => {
  const payerId = sandbox.registerPaypleCard(CARD_OK, '2324')
  const oid = order('P')
  const pay = { payerId, payerNo: '2324', payGoods: '정기구독', payTotal: 1000, payOid: oid, payYear: '2026', payMonth: '11' }
  const r = await client.paypleBillingPay(pay)
  assert.equal(r.payRst, 'success')
  assert.equal(r.payTotal, 1000)
  assert.equal(r.payOid, oid)
  const date = r.payTime.slice(0, 8)
  const info = await client.paypleBillingInfo({ payerId, payerNo: '2324' })
  assert.equal(info.payRst, 'success')
  assert.ok(!JSON.stringify(info).includes(CARD_OK))
  const st = await client.paypleStatus({ payOid: oid, payDate: date })
  assert.equal(st.payTotal, 1000)
  const refund = { payOid: oid, payDate: date, regulerFlag: true, payYear: '2026', payMonth: '11' }
  await assert.rejects(client.paypleCancel({ ...refund, refundTotal: 500 }), {
    code: 'PAYUP_DECLINED', gatewayCode: 'PAYC0003', gateway: 'payple',
  })
  const c = await client.paypleCancel({ ...refund, refundTotal: 1000 })
  assert.equal(c.refundTotal, 1000)
  assert.equal(ledgerFor(sandbox, oid)[0].status, 'cancelled')
  const d = await client.paypleBillingDelete({ payerId })
  assert.equal(d.payRst, 'success')
  await assert.rejects(client.paypleBillingPay({ ...pay, payOid: order('P') }), { gatewayCode: 'SPCD0011' })
})

test('payple window (CERT): auth, the person pays, result (sync), confirm', async () => {
  const auth = await client.paypleAuth()
  assert.equal(auth.result, 'success')
  assert.ok(auth.returnUrl.startsWith(sandbox.baseUrl))
  const oid = order('C')
  const fields = await sandbox.payPaypleWindow(auth, {
    PCD_PAY_TYPE: 'card', PCD_PAY_WORK: 'CERT', PCD_CARD_VER: '02', PCD_PAYER_NO: '77',
    PCD_PAY_GOODS: '상품', PCD_PAY_TOTAL: '3000', PCD_PAY_OID: oid,
  })
  assert.equal(fields.PCD_PAY_RST, 'success')
  const result = client.paypleResult({ fields }) // synchronous
  assert.equal(result.payOid, oid)
  assert.ok(result.authKey && result.payReqkey)
  assert.deepEqual(payup.paypleResult({ fields }), result)
  const confirmed = await client.paypleCardConfirm({
    authKey: result.authKey, payReqkey: result.payReqkey, payCofurl: result.payCofurl, payOid: oid, amount: 3000,
  })
  assert.equal(confirmed.payRst, 'success')
  assert.equal(confirmed.payTotal, 3000)
  assert.equal(ledgerFor(sandbox, oid).length, 1)
})

test('kcp keyin: uncertified, certified (with a KCP-masked card), declined (8101)', async () => {
  const r = await client.kcpKeyinApprove(kcp(order('KCP')))
  assert.equal(r.resCd, '0000')
  assert.equal(r.amount, 1000)
  assert.ok(!String(r.cardNo).includes(CARD_OK))
  const cert = await client.kcpKeyinApprove({ ...kcp(order('KCP')), cardTaxno: '890302', cardPwd: '12', buyrTel2: '010-1234-5678' })
  assert.equal(cert.resCd, '0000')
  assert.equal(ledgerFor(sandbox, cert.tno).length, 1)
  await assert.rejects(client.kcpKeyinApprove(kcp(order('KCP'), CARD_DECLINED)), {
    code: 'PAYUP_DECLINED', gateway: 'kcp', gatewayCode: '8101',
  })
})

test('kcp cancel: partial then the rest, signed with the test key; a cancelled payment cannot be cancelled (8202)', async () => {
  const a = await client.kcpKeyinApprove(kcp(order('KCPC')))
  const part = await client.kcpCancel({ tno: a.tno, modType: 'STPC', modDesc: '부분취소', modMny: 400, remMny: 1000 })
  assert.equal(part.remMny, 600)
  const rest = await client.kcpCancel({ tno: a.tno, modDesc: '전체취소' })
  assert.equal(rest.remMny, 0)
  assert.equal(ledgerFor(sandbox, a.tno)[0].status, 'cancelled')
  await assert.rejects(client.kcpCancel({ tno: a.tno, modDesc: 'again' }), { code: 'PAYUP_DECLINED', gatewayCode: '8202' })
})

test('signatures are synchronous pure functions', () => {
  const s = payup.payupCancelSignature('tester', '20170912142746ST0020', '25bcd7a82f5b4058818462cc7715964c')
  assert.match(s, /^[0-9a-f]{64}$/)
})

test('the sandbox clock moves payment times (advanceClock / setClock)', async () => {
  const own = new payup.Sandbox()
  try {
    const c = own.client()
    const payerId = own.registerPaypleCard(CARD_OK, '1')
    assert.equal(own.setClock('2026-05-31T23:59:00+09:00'), '2026-05-31T23:59:00+09:00')
    const pay = (payOid) => c.paypleBillingPay({ payerId, payGoods: 'g', payTotal: 1000, payOid,
      payYear: '2026', payMonth: '05', simpleFlag: true })
    const first = await pay('CLK-1')
    assert.ok(first.payTime.startsWith('202605312359'), first.payTime)
    assert.ok(own.advanceClock(60).startsWith('2026-06-01T00:00:'))
    const second = await pay('CLK-2')
    assert.ok(second.payTime.startsWith('20260601'), second.payTime)
    assert.throws(() => own.setClock('tomorrow'))
    assert.throws(() => own.advanceClock(1.5))
  } finally {
    own.close()
  }
})
