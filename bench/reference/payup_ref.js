'use strict'
// A Payup keyin approval written by hand the way a merchant would in Node: global fetch (undici, keep-alive)
// and node:crypto. The reference the Node addon is compared with in bench/run.
const crypto = require('node:crypto')
const path = require('node:path')
const { args, measure } = require(path.join(__dirname, '..', 'drivers', 'benchlib.js'))

const { config, calls, warmup } = args()
const { merchant_id: mid, api_cert_key: key, base_url: base } = config.payup
const url = `${base}/v2/api/payment/${mid}/keyin2`

function kstTimestamp() {
  const d = new Date(Date.now() + 9 * 3600 * 1000)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

measure('node-reference', calls, warmup, async (i) => {
  const order = `BM${i}`, amount = '1004', ts = kstTimestamp()
  const signature = crypto.createHash('sha256').update(`${mid}|${order}|${amount}|${key}|${ts}`).digest('hex')
  const body = { orderNumber: order, cardNo: '4111111111111111', expireMonth: '12', expireYear: '30', birthday: '890302',
    cardPw: '12', amount, quota: '0', itemName: '벤치 상품', userName: '홍길동', signature, timestamp: ts }
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) })
  const doc = await r.json()
  if (r.status !== 200 || doc.responseCode !== '0000' || doc.amount !== amount || doc.orderNumber !== order) {
    throw new Error(`not approved: ${r.status} ${doc.responseCode}`)
  }
})
