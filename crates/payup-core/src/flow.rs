//! The one shape every operation has (issue 15): its request type implements [`Flow`] next to its wire
//! code (`payup/keyin.rs`, `payple/billing.rs`, `kcp/cancel.rs`, …), and the catalogue's `operations!`
//! list turns those impls into the `Request` dispatch. What to do after a surprise — undo a wrong amount,
//! recover an unknown outcome — is a plan computed here, sans-I/O, and executed by the transport (or by a
//! journal's `payup recover` in another process).

use crate::catalog::{Credentials, Operation, Request, Response};
use crate::error::{AmbiguousContext, Error};
use crate::http::{HttpRequest, HttpResponse};
use crate::payple;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// A result type of the catalogue: its name in the bindings and its place in [`Response`].
pub trait ResultType: Sized + Serialize + schemars::JsonSchema {
    /// The Python TypedDict / TypeScript interface name.
    const NAME: &'static str;
    /// This result as a [`Response`].
    fn wrap(self) -> Response;
    /// This result type inside `response`, if it holds one.
    fn of(response: &Response) -> Option<&Self>;
}

/// Set by the catalogue's `operations!` list for each request type.
pub trait Catalogued {
    /// The operation of this request type.
    const OPERATION: Operation;
}

/// One operation, from its request document to what to do when its answer surprises.
pub trait Flow: Catalogued + Sized + Clone + Into<Request> {
    /// The result type.
    type Output: ResultType;

    /// Reads and validates the request document (every broken field at once, by name).
    fn read(v: &Value) -> Result<Self, Error>;

    /// Pure operations: the result, computed locally.
    fn pure(&self) -> Option<Result<Self::Output, Error>> {
        None
    }

    /// Payple: the partner auth to send first.
    fn partner_auth(&self) -> Option<payple::AuthRequest> {
        None
    }

    /// The operation's own request: after partner auth (`auth`) for Payple's two-step calls.
    fn prepare(
        &self,
        creds: &Credentials,
        now: Timestamp,
        auth: Option<&payple::PaypleAuth>,
    ) -> Result<HttpRequest, Error>;

    /// The answer to the operation's own request.
    fn parse(resp: &HttpResponse) -> Result<Self::Output, Error>;

    /// What an `ambiguous` error carries so that a person can reconcile it.
    fn known(&self) -> Known {
        Known::default()
    }

    /// Whether a success belongs to this request (see [`Attribution`]).
    fn attribute(&self, _out: &Self::Output) -> Attribution {
        Attribution::Unproven("this operation's answer carries no identifier of its request".into())
    }

    /// The amount asked, the amount reported and the transaction the answer names, for operations whose
    /// answer must be checked (DESIGN §4).
    fn amounts(&self, _out: &Self::Output) -> Option<Amounts> {
        None
    }

    /// How to undo a success that is provably ours (a wrong amount, `approve_then`'s failed commit).
    fn undo(&self, _out: &Self::Output, _reason: &str) -> Option<Undo> {
        None
    }

    /// What to do when the outcome became unknown. `asked_on` is the KST date the payment was asked for.
    fn recovery(&self, _asked_on: &str) -> Recovery {
        Recovery::Unresolvable
    }
}

/// The identifiers of a request, for `ambiguous` errors and journals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Known {
    /// orderNumber: the merchant's order number (payup-card-keyin.txt §2.1; payup-kakaopay-kcp.txt §3.1)
    pub order_number: Option<String>,
    /// transactionId: Payup's transaction number of the approval (payup-card-keyin.txt §2.2; payup-kakaopay-kcp.txt §3.4)
    pub transaction_id: Option<String>,
    /// Amount in KRW, an integer (payup-card-keyin.txt §2.1 amount; kcp-keyin.txt amount)
    pub amount: Option<u64>,
}

impl Known {
    /// Identifiers of an order and its amount.
    pub fn order(order_number: &str, amount: u64) -> Known {
        Known { order_number: Some(order_number.to_string()), transaction_id: None, amount: Some(amount) }
    }
    /// Identifiers of a transaction and, if known, the amount concerned.
    pub fn transaction(id: &str, amount: Option<u64>) -> Known {
        Known { order_number: None, transaction_id: Some(id.to_string()), amount }
    }
    /// The context an `ambiguous` error of `op` carries.
    pub fn context(self, op: Operation) -> AmbiguousContext {
        AmbiguousContext {
            operation: op.name().to_string(),
            order_number: self.order_number,
            transaction_id: self.transaction_id,
            amount: self.amount,
            tried: Vec::new(),
        }
    }
}

/// What an answer reports against what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amounts {
    /// The amount asked for (KRW).
    pub requested: u64,
    /// The amount the gateway reported (KRW).
    pub reported: u64,
    /// The transaction (or order) the answer names.
    pub transaction_id: String,
    /// A cancel or refund: another amount is never undone automatically.
    pub is_cancel: bool,
}

/// Whether a successful answer belongs to the request it came back for, judged by the identifiers the
/// gateway echoes (issue 14: a crossed connection, a pre-fork pool or a misrouting proxy can hand us the
/// answer to somebody else's request, and cancelling "our" wrong-amount approval would then cancel theirs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// Every echoed identifier matches the request.
    Ours,
    /// An echoed identifier names another order or transaction (what, and the value the answer holds).
    Other {
        /// The echoed field that differs.
        field: &'static str,
        /// The value the answer holds.
        found: String,
    },
    /// Nothing in the answer contradicts the request, but nothing proves it either (why).
    Unproven(String),
}

impl Attribution {
    /// Compares an echoed identifier: empty in the answer proves nothing; another value is another order.
    pub fn echoed(field: &'static str, asked: &str, found: &str) -> Attribution {
        if found.is_empty() {
            Attribution::Unproven(format!("the answer carries no {field}"))
        } else if found == asked {
            Attribution::Ours
        } else {
            Attribution::Other { field, found: found.to_string() }
        }
    }

    /// An identifier the answer may carry: another value is another order, absence proves nothing either way.
    pub fn if_echoed(field: &'static str, asked: &str, found: Option<&str>) -> Attribution {
        match found {
            Some(f) if !f.is_empty() && !asked.is_empty() && f != asked => {
                Attribution::Other { field, found: f.to_string() }
            }
            _ => Attribution::Ours,
        }
    }

    /// All of several checks: the first `Other` wins, then the first `Unproven`.
    pub fn all_of(checks: impl IntoIterator<Item = Attribution>) -> Attribution {
        let mut result = Attribution::Ours;
        for c in checks {
            match c {
                Attribution::Other { .. } => return c,
                Attribution::Unproven(_) if result == Attribution::Ours => result = c,
                _ => {}
            }
        }
        result
    }
}

/// A card number as the gateway echoes it masked (`41111111****1111`, already re-masked 6+4 by the parser)
/// against the number sent: every digit shown must be the sent digit at that place.
pub fn masked_card_matches(sent: &str, masked: &str) -> bool {
    let shown: Vec<char> = masked.chars().filter(|c| c.is_ascii_digit() || *c == '*').collect();
    shown.len() == sent.len() && shown.iter().zip(sent.chars()).all(|(m, s)| *m == '*' || *m == s)
}

/// How to undo a success: the request that cancels it, and — where the cancel names an amount — a query to
/// run first, whose answer says what was really paid (the answer that was already wrong once is not trusted).
#[derive(Clone, Debug)]
pub struct Undo {
    /// The request that undoes the success (a cancel or refund).
    pub request: Request,
    /// A read-only query that confirms the undo, when the gateway's cancel answer is not enough.
    pub confirm_with: Option<Request>,
}

impl Undo {
    /// An undo by `request`, with no confirming query.
    pub fn by(request: impl Into<Request>) -> Undo {
        Undo { request: request.into(), confirm_with: None }
    }

    /// Applies the confirming query's answer (a Payple payment: its `PCD_PAY_TOTAL` is what is refunded).
    pub fn confirmed(mut self, queried: &Response) -> Undo {
        if let (Request::PaypleCancel(c), Response::PayplePayment(p)) = (&mut self.request, queried) {
            c.refund_total = p.pay_total.unwrap_or(c.refund_total);
        }
        self
    }
}

/// What to do when an operation's outcome became unknown.
#[derive(Clone, Debug)]
pub enum Recovery {
    /// No API can tell: report what is known, for a person.
    Unresolvable,
    /// Ask the gateway about the payment (a read-only query): a payment it reports is the answer, checked
    /// like one; anything else leaves the outcome unknown.
    Query(Request),
    /// Send the same request again: the gateway refuses a second effect with `already_done` (KakaoPay's
    /// 8002 "already paid"), so asking again either completes the first attempt or says it went through.
    AskAgain {
        /// The gateway's code for "already done".
        already_done: &'static str,
        /// What `already_done` means ("the order is already paid").
        meaning: &'static str,
        /// What stays unknown then, and where a person finds it.
        lost: &'static str,
    },
}

/// The error of a pure operation asked to send or parse (a bug in a caller: pure operations send nothing).
pub fn nothing_to_send(op: Operation) -> Error {
    Error::invalid_field("operation", format!("{op} is pure: it sends nothing"))
}
