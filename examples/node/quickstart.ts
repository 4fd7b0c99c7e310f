// payup from TypeScript against the embedded sandbox: card keyin, KakaoPay, Payple billing, NHN KCP,
// and how to treat each error code. Type-checked by `tsc --noEmit --strict` (scripts/test-node), and run.
import { Client, PayupError, Sandbox, type PayupKakaopayApproved, type PayupKeyinApproved } from 'payup'

async function chargeCard(client: Client, orderNumber: string, cardNo: string): Promise<PayupKeyinApproved | null> {
  try {
    return await client.payupKeyinApprove({
      orderNumber,
      cardNo,
      expireMonth: '12',
      expireYear: '30',
      birthday: '890302',
      cardPw: '12',
      amount: 1004,
      itemName: '상품',
      userName: '홍길동',
    })
  } catch (e) {
    if (!(e instanceof PayupError)) throw e
    switch (e.code) {
      case 'PAYUP_DECLINED': // the gateway said no: show the buyer e.gatewayMessage
        console.log(`  declined [${e.gatewayCode}] ${e.messageEn ?? e.gatewayMessage}`)
        return null
      case 'PAYUP_INVALID': // fix the request (e.field names the field), nothing was sent
        console.log(`  invalid: ${e.fields.map((f) => `${f.field} ${f.rule}`).join('; ')}`)
        return null
      case 'PAYUP_NOT_SENT': // nothing left this machine: safe to try again
        throw e
      case 'PAYUP_AMBIGUOUS': // the gateway may have charged: reconcile, never resend blindly
        console.log(`  unknown outcome for order ${e.ambiguous?.orderNumber}: tried ${e.ambiguous?.tried.join(', ')}`)
        return null
      case 'PAYUP_CONFIG':
        throw e
    }
  }
}

async function main(): Promise<void> {
  const sandbox = new Sandbox()
  try {
    const client = sandbox.client()
    const stamp = Date.now() % 1_000_000

    // Payup card keyin: approve, cancel, and a card the issuer declines.
    const approved = await chargeCard(client, `EX-${stamp}`, '4111111111111111')
    if (approved) {
      console.log(`payup keyin approved: tx ${approved.transactionId}, auth ${approved.authNumber}, ${approved.amount}원`)
      const cancelled = await client.payupKeyinCancel({ transactionId: approved.transactionId })
      console.log(`payup keyin cancelled at ${cancelled.cancelDateTime}`)
    }
    console.log('payup keyin with a declined card:')
    await chargeCard(client, `EX-D${stamp}`, '4000000000000002')

    // KakaoPay: order → window page (synchronous) → the person pays → approve.
    const order = await client.payupKakaopayOrder({
      orderNumber: `EX-K${stamp}`,
      userAgent: 'WM',
      amount: 2500,
      itemName: '카카오 상품',
      userName: '김철수',
      returnUrl: 'https://shop.example/kakao/return',
    })
    const { html } = client.payupKakaopayWindow({ order, userAgent: 'WM' })
    const { fields } = await sandbox.payKakaopayWindow(html, 'card')
    const kakao: PayupKakaopayApproved = await client.payupKakaopayApprove({
      resCd: fields.res_cd,
      encInfo: fields.enc_info,
      encData: fields.enc_data,
      tranCd: fields.tran_cd,
      cardPayMethod: fields.card_pay_method,
      ordrIdxx: fields.ordr_idxx,
      amount: 2500,
    })
    const detail = kakao.type === 'KAKAO_CARD' ? `card ${kakao.cardName}` : `money, receipt ${kakao.cashReceipt}원`
    console.log(`kakaopay approved (${detail}): tx ${kakao.transactionId}`)

    // Payple recurring billing with a registered card.
    const payerId = sandbox.registerPaypleCard('4111111111111111', '2324')
    const paid = await client.paypleBillingPay({
      payerId,
      payGoods: '정기구독',
      payTotal: 9900,
      payOid: `EX-P${stamp}`,
      payYear: '2026',
      payMonth: '11',
    })
    console.log(`payple billing paid: ${paid.payOid}, ${paid.payTotal}원, card ${paid.cardNum ?? '?'}`)

    // NHN KCP keyin (certified).
    const kcp = await client.kcpKeyinApprove({
      ordrIdxx: `EX-C${stamp}`,
      goodName: 'KCP 상품',
      buyrName: '이영희',
      amount: 5000,
      cardNo: '4111111111111111',
      cardExpiry: '3012',
      cardTaxno: '890302',
      cardPwd: '12',
    })
    console.log(`kcp approved: tno ${kcp.tno}, app ${kcp.appNo ?? ''}, ${kcp.amount}원`)

    const ledger = sandbox.ledger()
    console.log(`sandbox ledger: ${ledger.transactions.length} transactions, ${ledger.kakaopayOrders.length} KakaoPay orders`)
  } finally {
    sandbox.close()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
