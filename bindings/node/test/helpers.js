'use strict'
// Shared test helpers: unique order numbers and request builders (typed, camelCase).

let seq = 0
function order(prefix) {
  seq += 1
  return `${prefix}${process.pid % 10000}-${Date.now() % 100000}-${seq}`
}

const CARD_OK = '4111111111111111'
const CARD_DECLINED = '4000000000000002'

function keyin(orderNumber, cardNo = CARD_OK, amount = 1004) {
  return {
    orderNumber,
    cardNo,
    expireMonth: '12',
    expireYear: '30',
    birthday: '890302',
    cardPw: '12',
    amount,
    quota: 0,
    itemName: '테스트 상품',
    userName: '홍길동',
  }
}

function kcp(ordrIdxx, cardNo = CARD_OK, amount = 1000) {
  return { ordrIdxx, goodName: '테스트 상품', buyrName: '홍길동', amount, cardNo, cardExpiry: '3012' }
}

function ledgerFor(sandbox, id) {
  return sandbox.transactions().filter((t) => t.orderNumber === id || t.id === id)
}

module.exports = { order, keyin, kcp, ledgerFor, CARD_OK, CARD_DECLINED }
