'use strict'
// The payup Node addon: typed payupKeyinApprove (a Promise; the call runs on the libuv pool), sequential.
const path = require('node:path')
const { args, measure } = require('./benchlib.js')
const { Client } = require(path.join(__dirname, '..', '..', 'bindings', 'node'))

const { config, calls, warmup } = args()
const client = new Client(config)
measure('node-addon', calls, warmup, async (i) => {
  const r = await client.payupKeyinApprove({ orderNumber: `BN${i}`, cardNo: '4111111111111111', expireMonth: '12',
    expireYear: '30', birthday: '890302', cardPw: '12', amount: 1004, quota: 0, itemName: '벤치 상품', userName: '홍길동' })
  if (r.amount !== 1004) throw new Error('unexpected amount')
})
