//! Response-code tables, as data: code → the gateway's own (Korean) message, an English message and
//! the outcome class that decides which error kind a response becomes.
//!
//! Sources: Payup codes are copied from `payup-card-keyin.txt §3.1` and `payup-kakaopay-kcp.txt §4.1`.
//! The Payple and KCP documents print almost no code table; the codes below marked `Source::Public`
//! come from the gateways' public material (specs/README.md, "Facts from the gateways' public
//! material") and those marked `Source::Sandbox` are codes our sandbox answers where no document
//! names one (listed in the sandbox README).

use serde::Serialize;

/// Which gateway answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gateway {
    /// Payup (keyin and KakaoPay; both answer with Payup's `responseCode`).
    Payup,
    /// Payple (payple-card.txt).
    Payple,
    /// NHN KCP (kcp-keyin.txt).
    Kcp,
}

impl Gateway {
    /// The gateway's name in documents (`payup`, `payple`, `kcp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Gateway::Payup => "payup",
            Gateway::Payple => "payple",
            Gateway::Kcp => "kcp",
        }
    }
}

impl std::fmt::Display for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a response code means for the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The operation succeeded.
    Success,
    /// The gateway refused the payment or the operation (limits, issuer, state): a new request may succeed.
    Declined,
    /// The gateway says the request itself is malformed: fix it and resend.
    Invalid,
    /// The gateway does not accept our credentials or configuration (unknown merchant, bad key).
    Config,
    /// The gateway itself does not know how the payment ended (no answer from the card company, a
    /// processing error): `ambiguous`, never a safe-to-retry decline.
    Unknown,
}

/// Where a code's meaning comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Printed in the gateway's specification in `../shared/specs/`.
    Spec,
    /// Seen in the gateway's public material (lower confidence).
    Public,
    /// Chosen by payup's sandbox where no document gives a code.
    Sandbox,
}

/// One row of a response-code table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CodeInfo {
    /// The gateway that answers with this code.
    pub gateway: Gateway,
    /// The code as the gateway sends it.
    pub code: &'static str,
    /// The gateway's message, in Korean, as printed in its document.
    pub message: &'static str,
    /// Its meaning in English.
    pub message_en: &'static str,
    /// What it means for the payment.
    pub outcome: Outcome,
    /// Where this meaning comes from.
    pub source: Source,
}

const fn row(
    gateway: Gateway,
    code: &'static str,
    message: &'static str,
    message_en: &'static str,
    outcome: Outcome,
    source: Source,
) -> CodeInfo {
    CodeInfo { gateway, code, message, message_en, outcome, source }
}

use Gateway::{Kcp, Payple, Payup};
use Outcome::{Config, Declined, Invalid, Success, Unknown};
use Source::{Public, Sandbox, Spec};

/// Every code we know, all gateways.
pub static CODES: &[CodeInfo] = &[
    // payup-card-keyin.txt §3.1 and payup-kakaopay-kcp.txt §4.1 (the KakaoPay table adds 8001, 8002, 9002).
    row(Payup, "0000", "성공", "Success", Success, Spec),
    row(Payup, "1001", "등록되지 않은 서비스아이디 입니다.", "Unregistered merchant id", Config, Spec),
    row(Payup, "1002", "제휴사 프로세스 생성 오류", "Partner process creation error", Declined, Spec),
    row(
        Payup,
        "1003",
        "정산 대상 금액 부족으로 취소가 불가 합니다.",
        "Cannot cancel: settlement balance is insufficient",
        Declined,
        Spec,
    ),
    row(Payup, "1004", "취소 대상건이 없습니다.", "No transaction to cancel", Declined, Spec),
    row(
        Payup,
        "1005",
        "취소 가능 상태가 아닙니다.",
        "The transaction cannot be cancelled in its current state",
        Declined,
        Spec,
    ),
    row(Payup, "1006", "취소 update 에러!", "Cancel update error", Declined, Spec),
    row(
        Payup,
        "2001",
        "전문 검증에러!(관리자에게 문의 부탁드립니다.)",
        "Message verification (signature) error",
        Config,
        Spec,
    ),
    row(Payup, "5001", "결제 금액이 최소 결제 금액 보다 작습니다.", "Amount is below the minimum", Declined, Spec),
    row(Payup, "5002", "결제 금액이 최대 결제 금액 보다 큼니다.", "Amount is above the maximum", Declined, Spec),
    row(
        Payup,
        "5003",
        "가맹점 일한도 초과! 관리자에게 문의 부탁드립니다.",
        "Merchant daily limit exceeded",
        Declined,
        Spec,
    ),
    row(
        Payup,
        "5004",
        "가맹점 월한도 초과! 관리자에게 문의 부탁드립니다.",
        "Merchant monthly limit exceeded",
        Declined,
        Spec,
    ),
    row(
        Payup,
        "5005",
        "이행보증보험 한도 초과! 관리자에게 문의 부탁드립니다.",
        "Performance-guarantee insurance limit exceeded",
        Declined,
        Spec,
    ),
    row(Payup, "6001", "{파라미터명}은 필수입니다.", "A required parameter is missing", Invalid, Spec),
    row(Payup, "6002", "{파라미터명}이 잘못되었습니다.", "A parameter is invalid", Invalid, Spec),
    row(Payup, "6003", "파라미터를 확인해주세요.", "Check the parameters", Invalid, Spec),
    row(Payup, "8001", "주문정보가 없습니다.", "No such order", Declined, Spec),
    row(Payup, "8002", "결제가 진행된 주문입니다.", "The order has already been paid", Declined, Spec),
    row(Payup, "9001", "관리자에게 문의해주세요.", "Contact the administrator", Declined, Spec),
    row(
        Payup,
        "9002",
        "결과코드(res_cd)가 0000이 아닙니다.",
        "The window result code (res_cd) is not 0000",
        Declined,
        Spec,
    ),
    row(Payup, "9101", "카드사 승인 거절", "Declined by the card issuer", Declined, Sandbox),
    // Payple (payple-card.txt prints SPCD0000, PAYC0000, CDAU0000 and "0000"; the rest: public material).
    row(Payple, "0000", "카드조회 성공", "Success", Success, Spec),
    row(Payple, "SPCD0000", "결제완료", "Payment completed", Success, Spec),
    row(Payple, "PAYC0000", "환불성공", "Refund completed", Success, Spec),
    row(Payple, "CDAU0000", "카드인증 완료", "Card authentication completed", Success, Spec),
    row(
        Payple,
        "AUTH0001",
        "가맹점 인증 실패: 등록되지 않은 가맹점입니다.",
        "Partner auth failed: unknown cst_id",
        Config,
        Public,
    ),
    row(
        Payple,
        "AUTH0002",
        "가맹점 인증 실패: 인증키가 일치하지 않습니다.",
        "Partner auth failed: custKey does not match",
        Config,
        Public,
    ),
    row(
        Payple,
        "AUTH0003",
        "가맹점 인증 실패: 요청 구분값이 없습니다.",
        "Partner auth failed: no work flag",
        Invalid,
        Public,
    ),
    row(
        Payple,
        "AUTH0004",
        "가맹점 인증 실패: 등록되지 않은 REFERER 입니다.",
        "Partner auth failed: Referer not registered",
        Config,
        Public,
    ),
    row(
        Payple,
        "AUTH0005",
        "가맹점 인증 실패: 허용되지 않은 IP 입니다.",
        "Partner auth failed: IP not allowed",
        Config,
        Public,
    ),
    row(
        Payple,
        "AUTH0006",
        "가맹점 인증 실패: HTTPS 통신이 아닙니다.",
        "Partner auth failed: not over HTTPS",
        Config,
        Public,
    ),
    row(Payple, "CPCA0001", "인증시간이 초과되었습니다.", "The 3-minute auth window has expired", Declined, Public),
    row(Payple, "CPCA0201", "중복된 주문번호입니다.", "Duplicate order number", Declined, Public),
    row(Payple, "SPCD0001", "등록되지 않은 결제고객입니다.", "Unknown PCD_PAYER_ID", Declined, Public),
    row(Payple, "SPCD0011", "등록되지 않은 결제고객입니다.", "Unknown PCD_PAYER_ID", Declined, Public),
    row(Payple, "SPCD0012", "등록되지 않은 결제고객입니다.", "Unknown PCD_PAYER_ID", Declined, Public),
    row(Payple, "SPCD0014", "중복된 결제요청입니다.", "Duplicate payment request", Declined, Public),
    row(Payple, "SPCD1001", "카드사 응답이 없습니다.", "No answer from the card company", Unknown, Public),
    row(Payple, "SPCD1003", "승인 후 자동취소되었습니다.", "Approved, then cancelled automatically", Declined, Public),
    row(Payple, "SPCD9991", "결제 처리 중 오류가 발생했습니다.", "Payment processing error", Unknown, Public),
    row(Payple, "SPCD9999", "결제 처리 중 오류가 발생했습니다.", "Payment processing error", Unknown, Public),
    row(
        Payple,
        "RPCD0015",
        "해당 월에 이미 정기결제된 건입니다.",
        "Already billed for this month (recurring)",
        Declined,
        Public,
    ),
    row(
        Payple,
        "SPCD0100",
        "필수 파라미터가 없거나 잘못되었습니다.",
        "A required parameter is missing or invalid",
        Invalid,
        Sandbox,
    ),
    row(Payple, "SPCD0101", "카드사 승인 거절", "Declined by the card issuer", Declined, Sandbox),
    row(Payple, "PAYC0001", "취소 대상 거래가 없습니다.", "No payment to cancel", Declined, Sandbox),
    row(Payple, "PAYC0002", "이미 취소된 거래입니다.", "The payment is already cancelled", Declined, Sandbox),
    row(
        Payple,
        "PAYC0003",
        "테스트 계정은 부분취소가 불가합니다.",
        "Partial refunds are not available on test accounts",
        Declined,
        Sandbox,
    ),
    row(Payple, "PAYC0004", "취소 금액이 결제 금액을 초과합니다.", "Refund exceeds the paid amount", Declined, Sandbox),
    row(Payple, "PCHK0001", "조회 결과가 없습니다.", "No payment found for the query", Declined, Sandbox),
    // NHN KCP (kcp-keyin.txt prints only 0000; the rest: public material or sandbox).
    row(Kcp, "0000", "정상처리", "Success", Success, Spec),
    row(Kcp, "3001", "사용자가 결제를 취소하였습니다.", "The person closed the payment window", Declined, Public),
    row(Kcp, "9502", "모듈 호출 오류", "Module call error", Declined, Public),
    row(Kcp, "8101", "카드사 승인 거절", "Declined by the card issuer", Declined, Sandbox),
    row(
        Kcp,
        "V001",
        "필수 파라미터가 없거나 잘못되었습니다.",
        "A required parameter is missing or invalid",
        Invalid,
        Sandbox,
    ),
    row(Kcp, "V002", "등록되지 않은 사이트코드입니다.", "Unknown site_cd", Config, Sandbox),
    row(Kcp, "V003", "인증서 정보가 올바르지 않습니다.", "kcp_cert_info is not a valid certificate", Config, Sandbox),
    row(Kcp, "8133", "서명 검증에 실패하였습니다.", "kcp_sign_data verification failed", Config, Sandbox),
    row(Kcp, "8201", "취소 대상 거래가 없습니다.", "No transaction to cancel", Declined, Sandbox),
    row(Kcp, "8202", "이미 취소된 거래입니다.", "The transaction is already cancelled", Declined, Sandbox),
    row(Kcp, "8203", "취소 가능 금액을 초과하였습니다.", "Cancel exceeds the remaining balance", Declined, Sandbox),
    row(
        Kcp,
        "8204",
        "취소 전 잔액(rem_mny)이 일치하지 않습니다.",
        "rem_mny does not match the balance before this cancel",
        Declined,
        Sandbox,
    ),
];

/// The table row for a gateway's code, if we know it.
pub fn lookup(gateway: Gateway, code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.gateway == gateway && c.code == code)
}

/// Every code of one gateway.
pub fn table(gateway: Gateway) -> impl Iterator<Item = &'static CodeInfo> {
    CODES.iter().filter(move |c| c.gateway == gateway)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_per_gateway() {
        for (i, a) in CODES.iter().enumerate() {
            for b in &CODES[i + 1..] {
                assert!(!(a.gateway == b.gateway && a.code == b.code), "duplicate {} {}", a.gateway, a.code);
            }
        }
    }

    #[test]
    fn payup_table_matches_spec_3_1() {
        // payup-card-keyin.txt §3.1 lists exactly these codes; payup-kakaopay-kcp.txt §4.1 adds 8001, 8002, 9002.
        let spec: Vec<&str> = table(Gateway::Payup).filter(|c| c.source == Source::Spec).map(|c| c.code).collect();
        assert_eq!(
            spec,
            [
                "0000", "1001", "1002", "1003", "1004", "1005", "1006", "2001", "5001", "5002", "5003", "5004", "5005",
                "6001", "6002", "6003", "8001", "8002", "9001", "9002"
            ]
        );
        assert_eq!(lookup(Gateway::Payup, "2001").unwrap().message, "전문 검증에러!(관리자에게 문의 부탁드립니다.)");
    }
}
