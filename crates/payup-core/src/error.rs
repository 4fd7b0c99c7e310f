//! The error taxonomy shared by every language (DESIGN §3).

use crate::codes::{self, Gateway, Outcome};
use serde::Serialize;

/// What went wrong, in the five classes every binding exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request broke a rule (of the spec, or the gateway said so); fix it, then send it.
    Invalid,
    /// Bad or missing configuration: key, base URL, a gateway section.
    Config,
    /// The gateway answered with a non-success code.
    Declined,
    /// Nothing left this machine: safe to send again.
    NotSent,
    /// The request may have reached the gateway and its outcome is unknown: never resend blindly.
    Ambiguous,
}

impl ErrorKind {
    /// The kind's name in error documents (`invalid`, `config`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Invalid => "invalid",
            ErrorKind::Config => "config",
            ErrorKind::Declined => "declined",
            ErrorKind::NotSent => "not_sent",
            ErrorKind::Ambiguous => "ambiguous",
        }
    }
}

/// payup's own decisions, never filed as a gateway's code (`gateway_code` holds those).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum PayupCode {
    /// The gateway reported another amount than asked (undone when provably ours).
    AmountMismatch,
    /// The answer names another order or transaction: nothing was cancelled.
    OrderMismatch,
    /// payup failed internally (a panic caught at a binding's boundary): the outcome is unknown.
    Internal,
    /// The journal holds an approval of this order with another amount or request: nothing was sent.
    DuplicateOrder,
    /// The journal holds an earlier attempt of this order that is pending, ambiguous or unresolved: nothing
    /// was sent (`journal_id` names it).
    InFlight,
}

impl PayupCode {
    /// The code's name in error documents (`AMOUNT_MISMATCH`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PayupCode::AmountMismatch => "AMOUNT_MISMATCH",
            PayupCode::OrderMismatch => "ORDER_MISMATCH",
            PayupCode::Internal => "INTERNAL",
            PayupCode::DuplicateOrder => "DUPLICATE_ORDER",
            PayupCode::InFlight => "IN_FLIGHT",
        }
    }
}

/// One broken field and the rule it broke. Never holds the field's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name in the request or configuration document.
    pub field: String,
    /// The rule it breaks.
    pub rule: String,
}

/// What is known about an operation whose outcome is unknown, so that the caller can reconcile it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AmbiguousContext {
    /// The operation whose outcome is unknown.
    pub operation: String,
    /// orderNumber: the merchant's order number, as the gateway echoes it
    pub order_number: Option<String>,
    /// transactionId: Payup's transaction number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.3)
    pub transaction_id: Option<String>,
    /// The amount the gateway reports (KRW); payup has checked it against the request
    pub amount: Option<u64>,
    /// What the client tried after the outcome became unknown (queries, cancels), in order.
    pub tried: Vec<String>,
}

/// The one error type of payup. Its `Display` and `Debug` never contain card data or keys: messages are
/// built from field names, rules and gateway codes only.
///
/// The error document ([`Error::to_json`]) is rendered here once for every binding: `display` (this
/// `Display`), `kind`, `gateway_code`, `payup_code`, `retry_safe`, and `code` (an alias kept for one
/// release: `payup_code` if set, else `gateway_code`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
#[non_exhaustive]
pub struct Error {
    pub(crate) kind: ErrorKind,
    pub(crate) gateway: Option<Gateway>,
    /// The gateway's response code, when it answered with one, or payup's own code (`payup_code`) — read it
    /// through [`Error::gateway_code`] / [`Error::payup_code`] / [`Error::code`].
    pub(crate) code: Option<String>,
    pub(crate) message: String,
    /// English message for a known gateway code.
    pub(crate) message_en: Option<String>,
    /// The first broken field (for `invalid`), in the request document's naming.
    pub(crate) field: Option<String>,
    /// Every broken field with its rule (for `invalid`).
    pub(crate) fields: Vec<FieldError>,
    pub(crate) ambiguous: Option<AmbiguousContext>,
    /// The journal entry this error is about (DUPLICATE_ORDER, IN_FLIGHT), see [`crate::journal`].
    pub(crate) journal_id: Option<i64>,
}

impl Error {
    fn base(kind: ErrorKind, gateway: Option<Gateway>, message: impl Into<String>) -> Self {
        Error {
            kind,
            gateway,
            code: None,
            message: message.into(),
            message_en: None,
            field: None,
            fields: Vec::new(),
            ambiguous: None,
            journal_id: None,
        }
    }

    /// An `invalid` error listing every broken field. Panics on an empty list (a bug).
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self::invalid_and_more(fields, 0)
    }

    /// An `invalid` error naming `fields` and counting `more` broken fields it does not name.
    pub fn invalid_and_more(fields: Vec<FieldError>, more: usize) -> Self {
        assert!(!fields.is_empty(), "Error::invalid needs at least one field");
        let mut message = fields.iter().map(|f| format!("{}: {}", f.field, f.rule)).collect::<Vec<_>>().join("; ");
        if more > 0 {
            message.push_str(&format!("; and {more} more"));
        }
        let mut e = Self::base(ErrorKind::Invalid, None, format!("invalid request: {message}"));
        e.field = Some(fields[0].field.clone());
        e.fields = fields;
        e
    }

    /// An `invalid` error for one field.
    pub fn invalid_field(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError { field: field.into(), rule: rule.into() }])
    }

    /// A `config` error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::base(ErrorKind::Config, None, message)
    }

    /// A `not_sent` error: nothing reached `gateway`.
    pub fn not_sent(gateway: Gateway, message: impl Into<String>) -> Self {
        Self::base(ErrorKind::NotSent, Some(gateway), message)
    }

    /// An `ambiguous` error: the request may have had its effect at `gateway`.
    pub fn ambiguous(gateway: Gateway, message: impl Into<String>) -> Self {
        Self::base(ErrorKind::Ambiguous, Some(gateway), message)
    }

    /// The error for a gateway's non-success code: its class comes from the code table; an unknown
    /// code is a generic `declined` that keeps the gateway's code and message.
    pub fn from_gateway_code(gateway: Gateway, code: &str, gateway_message: &str) -> Self {
        let info = codes::lookup(gateway, code);
        let kind = match info.map(|i| i.outcome) {
            Some(Outcome::Invalid) => ErrorKind::Invalid,
            Some(Outcome::Config) => ErrorKind::Config,
            // A success code in an error path means the response contradicted itself: unknown outcome.
            Some(Outcome::Success) | Some(Outcome::Unknown) => ErrorKind::Ambiguous,
            Some(Outcome::Declined) | None => ErrorKind::Declined,
        };
        let message = if gateway_message.is_empty() {
            info.map(|i| i.message.to_string()).unwrap_or_default()
        } else {
            // A gateway message may echo what we sent: mask anything that looks like a card number.
            crate::secret::redact_card_numbers(gateway_message)
        };
        let mut e = Self::base(kind, Some(gateway), message);
        e.code = Some(code.to_string());
        e.message_en = info.map(|i| i.message_en.to_string());
        if kind == ErrorKind::Invalid {
            e.field = parameter_in_message(&e.message);
        }
        e
    }

    /// An error carrying payup's own decision (`payup_code`); `code` is set to it as well (the alias).
    pub fn with_payup_code(mut self, code: PayupCode) -> Self {
        self.code = Some(code.as_str().to_string());
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The gateway involved, if any.
    pub fn gateway(&self) -> Option<Gateway> {
        self.gateway
    }

    /// The human message (without the gateway, kind and code that `Display` adds).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// English message for a known gateway code.
    pub fn message_en(&self) -> Option<&str> {
        self.message_en.as_deref()
    }

    /// The first broken field (for `invalid`), in the request document's naming.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// Every broken field with its rule (for `invalid`).
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// The journal entry this error is about (`journal_id` of DUPLICATE_ORDER and IN_FLIGHT errors).
    pub fn journal_id(&self) -> Option<i64> {
        self.journal_id
    }

    /// This error, naming the journal entry it is about.
    pub fn with_journal_id(mut self, id: i64) -> Self {
        self.journal_id = Some(id);
        self
    }

    /// What is known about an unknown outcome.
    pub fn ambiguous_context(&self) -> Option<&AmbiguousContext> {
        self.ambiguous.as_ref()
    }

    /// The gateway's own code (e.g. KakaoPay's 8002 when asked again), for errors built outside core.
    pub fn with_gateway_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The same error as a `config` error (a configuration document that is not JSON, say).
    pub fn into_config(mut self) -> Self {
        self.kind = ErrorKind::Config;
        self
    }

    /// The same error as `not_sent`, its message prefixed: for a failure before the operation's own call
    /// (Payple's partner auth), when nothing of the operation was sent.
    pub fn into_not_sent(mut self, prefix: &str) -> Self {
        self.kind = ErrorKind::NotSent;
        self.message = format!("{prefix}{}", self.message);
        self
    }

    /// payup's own decision, if this error is one.
    pub fn payup_code(&self) -> Option<PayupCode> {
        let code = self.code.as_deref()?;
        [
            PayupCode::AmountMismatch,
            PayupCode::OrderMismatch,
            PayupCode::Internal,
            PayupCode::DuplicateOrder,
            PayupCode::InFlight,
        ]
        .into_iter()
        .find(|c| c.as_str() == code)
    }

    /// What the gateway answered, if it answered with a code.
    pub fn gateway_code(&self) -> Option<&str> {
        if self.payup_code().is_some() { None } else { self.code.as_deref() }
    }

    /// `payup_code` if set, else `gateway_code` (the `code` alias of the document).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// True only where sending the same request again cannot cause a second effect at the gateway: nothing
    /// was sent (`not_sent`), or the request was refused before anything was sent (`invalid` without a
    /// gateway code, `config`) — resend after fixing it. A gateway's refusal (`declined`, or `invalid` with a
    /// gateway code) and an `ambiguous` outcome are not: the gateway has seen the request (a retried approval
    /// may be a second charge once the cause is gone).
    pub fn retry_safe(&self) -> bool {
        match self.kind {
            ErrorKind::NotSent | ErrorKind::Config => true,
            ErrorKind::Invalid => self.gateway_code().is_none(),
            ErrorKind::Declined | ErrorKind::Ambiguous => false,
        }
    }

    /// This error, attributed to `gateway`.
    pub fn with_gateway(mut self, gateway: Gateway) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// This error, with what is known about an unknown outcome.
    pub fn with_ambiguous(mut self, context: AmbiguousContext) -> Self {
        self.ambiguous = Some(context);
        self
    }

    fn render(&self) -> String {
        let mut s = String::new();
        if let Some(g) = self.gateway {
            s.push_str(g.as_str());
            s.push_str(": ");
        }
        s.push_str(self.kind.as_str());
        if let Some(code) = &self.code {
            s.push_str(&format!(" [{code}]"));
        }
        s.push_str(": ");
        s.push_str(&self.message);
        if let Some(en) = &self.message_en {
            s.push_str(&format!(" ({en})"));
        }
        s
    }

    /// The `{"error": {...}}` document that the CLI prints, the C ABI returns and every binding reads.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("kind", &self.kind)?;
        m.serialize_entry("gateway", &self.gateway)?;
        m.serialize_entry("code", &self.code)?;
        m.serialize_entry("gateway_code", &self.gateway_code())?;
        m.serialize_entry("payup_code", &self.payup_code())?;
        m.serialize_entry("retry_safe", &self.retry_safe())?;
        m.serialize_entry("message", &self.message)?;
        m.serialize_entry("display", &self.render())?;
        if let Some(en) = &self.message_en {
            m.serialize_entry("message_en", en)?;
        }
        m.serialize_entry("field", &self.field)?;
        if !self.fields.is_empty() {
            m.serialize_entry("fields", &self.fields)?;
        }
        if let Some(a) = &self.ambiguous {
            m.serialize_entry("ambiguous", a)?;
        }
        if let Some(id) = self.journal_id {
            m.serialize_entry("journal_id", &id)?;
        }
        m.end()
    }
}

/// Payup's 6001/6002 messages start with the parameter name ("cardNo은 필수입니다."): recover it so that
/// the error names the field even when the gateway caught the problem.
fn parameter_in_message(message: &str) -> Option<String> {
    let name: String = message.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_codes_take_their_class_from_the_table() {
        let e = Error::from_gateway_code(Gateway::Payup, "2001", "전문 검증에러!(관리자에게 문의 부탁드립니다.)");
        assert_eq!(e.kind, ErrorKind::Config);
        let e = Error::from_gateway_code(Gateway::Payup, "6001", "cardNo은 필수입니다.");
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Invalid, Some("cardNo")));
        let e = Error::from_gateway_code(Gateway::Payup, "7777", "새 오류");
        assert_eq!((e.kind, e.code.as_deref(), e.message.as_str()), (ErrorKind::Declined, Some("7777"), "새 오류"));
        assert_eq!(e.to_string(), "payup: declined [7777]: 새 오류");
    }
}
