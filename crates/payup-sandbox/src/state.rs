//! The ledger: transactions, KakaoPay orders, Payple billing keys (persisted), plus short-lived
//! Payple auth sessions and REQKEYs (memory only). Never holds a full card number, password digits or
//! birth date: cards are kept as masks.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, VecDeque};

use crate::util::Kst;

/// A deviation from the spec that the real gateway accepts (README "Warnings"): the rule it breaks, the
/// field, and the public evidence that the gateway accepts it anyway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub rule: String,
    pub field: String,
    pub evidence: String,
}

/// The warnings of requests that made no ledger entry of their own (a partner auth) are kept here too,
/// the newest this many.
pub const WARNING_LOG: usize = 1000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tx {
    pub gateway: String,
    pub operation: String,
    pub id: String,
    pub order_number: String,
    pub amount: u64,
    pub cancelled_amount: u64,
    /// approved | cancelled | partially_cancelled | pending
    pub status: String,
    /// Masked card number.
    pub card: String,
    pub created_at: String,
    pub updated_at: String,
    pub merchant: String,
    #[serde(default)]
    pub details: Map<String, Value>,
    /// The spec deviations the request that made this entry carried (its partner auth's included).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl Tx {
    /// A new approved ledger entry at `now`, nothing cancelled yet; callers set what differs with `..`.
    pub fn approved(gateway: &str, operation: &str, merchant: &str, id: &str, amount: u64, now: &Kst) -> Tx {
        let at = now.iso();
        Tx {
            gateway: gateway.into(),
            operation: operation.into(),
            id: id.into(),
            order_number: String::new(),
            amount,
            cancelled_amount: 0,
            status: "approved".into(),
            card: String::new(),
            created_at: at.clone(),
            updated_at: at,
            merchant: merchant.into(),
            details: Map::new(),
            warnings: Vec::new(),
        }
    }

    pub fn remaining(&self) -> u64 {
        self.amount.saturating_sub(self.cancelled_amount)
    }
    pub fn detail(&self, k: &str) -> Value {
        self.details.get(k).cloned().unwrap_or(Value::String(String::new()))
    }
    pub fn detail_str(&self, k: &str) -> String {
        match self.details.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        }
    }
    /// Record a cancel of `amount` at `now`.
    pub fn cancel(&mut self, amount: u64, now: &Kst) {
        self.cancelled_amount = (self.cancelled_amount + amount).min(self.amount);
        self.status = if self.cancelled_amount >= self.amount { "cancelled" } else { "partially_cancelled" }.into();
        self.updated_at = now.iso();
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EncToken {
    pub enc_data: String,
    pub enc_info: String,
    /// KAKAO_CARD | KAKAO_MONEY
    pub method: String,
    /// Issued by the window's decline button: the approval is refused by the issuer.
    #[serde(default)]
    pub declines: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KakaopayOrder {
    pub ordr_idxx: String,
    pub merchant_id: String,
    pub order_number: String,
    pub amount: u64,
    pub item_name: String,
    pub user_name: String,
    pub user_email: String,
    pub return_url: String,
    /// WM | WP
    pub user_agent: String,
    pub cashbill_yn: String,
    pub approval_key: String,
    /// ordered | authenticated | window_cancelled | paid
    pub status: String,
    pub issued: Vec<EncToken>,
    pub transaction_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub warnings: Option<Vec<Warning>>, // the order's spec deviations (README "Warnings"), for its approval
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BillingKey {
    pub payer_id: String,
    pub cst_id: String,
    pub payer_no: Value,
    pub payer_name: String,
    /// Masked phone number.
    pub payer_hp: String,
    /// Masked card number (first 6, last 4).
    pub card: String,
    pub card_name: String,
    /// The registered card is a decline test card (or was not a valid number).
    pub declines: bool,
    /// active | deleted
    pub status: String,
    /// `YYYYMM` months billed with PCD_REGULER_FLAG Y.
    pub billed_months: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Default, Serialize, Deserialize)]
pub struct Persistent {
    /// Oldest first (the order of `/__sandbox/transactions`). A deque: past `ledger_cap` the oldest
    /// settled entry leaves from the front, in O(1) (see [`State::insert_tx`]).
    pub transactions: VecDeque<Tx>,
    pub kakaopay_orders: Vec<KakaopayOrder>,
    pub payple_billing_keys: Vec<BillingKey>,
    #[serde(default)]
    pub last_payup_id: (i64, u32),
    #[serde(default)]
    pub kcp_seq: u64,
}

/// What a Payple partner auth was issued for (payple-card.txt "가맹점 인증").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaypleWork {
    Window,
    Billing,
    Cancel,
    Check,
    UserDel,
    UserInfo,
}

pub struct AuthSession {
    pub cst_id: String,
    pub work: PaypleWork,
    /// Unix seconds on the sandbox clock.
    pub issued: i64,
    pub used: bool,
    /// The auth request's warnings, handed on to the ledger entry of the second step.
    pub warnings: Vec<Warning>,
}

pub struct ReqKey {
    pub cst_id: String,
    pub auth_key: String,
    pub oid: String,
    pub used: bool,
}

#[derive(Default)]
pub struct State {
    pub p: Persistent,
    /// Each transaction's sequence number: `p.transactions[seq - tx_base]`. Absolute, so that dropping
    /// the oldest entry (`tx_base += 1`) leaves every other entry's number, and the index, as it is.
    tx_index: HashMap<String, u64>,
    /// The sequence number of `p.transactions[0]`.
    tx_base: u64,
    order_index: HashMap<String, usize>,
    key_index: HashMap<String, usize>,
    pub auth: HashMap<String, AuthSession>,
    pub reqkeys: HashMap<String, ReqKey>,
    /// Every warning, newest last, at most [`WARNING_LOG`].
    pub warning_log: VecDeque<Value>,
    /// `SandboxConfig::ledger_cap` (0: unbounded, only before the config is applied).
    pub ledger_cap: usize,
}

/// `insert_tx` sizes the transaction index and deque for `ledger_cap` entries up to this many.
const PRESIZE_LIMIT: usize = 1 << 20;

fn tx_key(gateway: &str, merchant: &str, id: &str) -> String {
    // Built by hand: twice per insert under the ledger lock, where `format!` was ~1,500 instructions.
    let mut k = String::with_capacity(gateway.len() + merchant.len() + id.len() + 2);
    for (i, part) in [gateway, merchant, id].into_iter().enumerate() {
        if i > 0 {
            k.push('\u{1}');
        }
        k.push_str(part);
    }
    k
}

impl State {
    pub fn from_persistent(p: Persistent) -> State {
        let mut s = State { p, ..State::default() };
        s.reindex();
        s
    }

    fn reindex(&mut self) {
        self.tx_base = 0;
        self.tx_index = self
            .p
            .transactions
            .iter()
            .enumerate()
            .map(|(i, t)| (tx_key(&t.gateway, &t.merchant, &t.id), i as u64))
            .collect();
        self.order_index = self.p.kakaopay_orders.iter().enumerate().map(|(i, o)| (o.ordr_idxx.clone(), i)).collect();
        self.key_index = self.p.payple_billing_keys.iter().enumerate().map(|(i, k)| (k.payer_id.clone(), i)).collect();
    }

    pub fn clear(&mut self) {
        let cap = self.ledger_cap;
        *self = State { ledger_cap: cap, ..State::default() };
    }

    pub fn ledger_json(&self) -> Value {
        json!({
            "transactions": self.p.transactions,
            "kakaopay_orders": self.p.kakaopay_orders,
            "payple_billing_keys": self.p.payple_billing_keys,
            "warnings": self.warning_log,
        })
    }

    /// Log `warnings` of one request (`operation`, the order or entry it names) at `now`.
    pub fn log_warnings(&mut self, operation: &str, reference: &str, warnings: &[Warning], now: &Kst) {
        for w in warnings {
            if self.warning_log.len() >= WARNING_LOG {
                self.warning_log.pop_front();
            }
            self.warning_log.push_back(json!({
                "at": now.iso(), "operation": operation, "reference": reference,
                "rule": w.rule, "field": w.field, "evidence": w.evidence,
            }));
        }
    }

    /// Where the entry numbered `seq` is in `p.transactions`.
    fn slot(&self, seq: u64) -> usize {
        (seq - self.tx_base) as usize
    }
    pub fn tx(&self, gateway: &str, merchant: &str, id: &str) -> Option<&Tx> {
        let seq = *self.tx_index.get(&tx_key(gateway, merchant, id))?;
        self.p.transactions.get(self.slot(seq))
    }
    pub fn tx_mut(&mut self, gateway: &str, merchant: &str, id: &str) -> Option<&mut Tx> {
        let seq = *self.tx_index.get(&tx_key(gateway, merchant, id))?;
        let i = self.slot(seq);
        self.p.transactions.get_mut(i)
    }
    /// Add `tx` as the newest entry (or replace the entry with its gateway, merchant and id, in place).
    /// Past `ledger_cap` the oldest settled entry is dropped: one per insert, O(1) when the oldest entry is
    /// settled (the usual case), O(k) when k pending entries are older than it. The lock this runs under
    /// is every request's, so no insert may pay for a rebuild of the ledger (bench/README.md, "Sandbox
    /// tail latency": a rebuild every cap/16 inserts was a p99 of 300 ms).
    pub fn insert_tx(&mut self, tx: Tx) {
        let key = tx_key(&tx.gateway, &tx.merchant, &tx.id);
        if let Some(&seq) = self.tx_index.get(&key) {
            let i = self.slot(seq);
            self.p.transactions[i] = tx;
            return;
        }
        if self.tx_index.capacity() == 0 && self.ledger_cap > 0 {
            // The index and the deque reach the cap in steady use: sized once here, no resize of either
            // under the lock later (a resize moves every entry). The index at twice the cap: at under half
            // full, a removed key leaves an empty slot rather than a tombstone, so the steady churn of one
            // insert and one removal never runs out of free slots and rehashes the whole table. Bounded for
            // an unusually large cap.
            let n = (self.ledger_cap + 1).min(PRESIZE_LIMIT);
            self.tx_index.reserve(2 * n);
            self.p.transactions.reserve(n.saturating_sub(self.p.transactions.len()));
        }
        self.tx_index.insert(key, self.tx_base + self.p.transactions.len() as u64);
        self.p.transactions.push_back(tx);
        while self.ledger_cap > 0 && self.p.transactions.len() > self.ledger_cap {
            if !self.drop_oldest_settled() {
                break; // every entry is pending: none is dropped
            }
        }
    }

    /// Drop the oldest entry that is not pending; false when there is none.
    fn drop_oldest_settled(&mut self) -> bool {
        let Some(k) = self.p.transactions.iter().position(|t| t.status != "pending") else { return false };
        let Some(gone) = self.p.transactions.remove(k) else { return false };
        self.tx_index.remove(&tx_key(&gone.gateway, &gone.merchant, &gone.id));
        // The entries after it keep their numbers (one fewer in front of them, base one higher); the k
        // pending ones before it are renumbered.
        self.tx_base += 1;
        for t in self.p.transactions.iter().take(k) {
            if let Some(seq) = self.tx_index.get_mut(&tx_key(&t.gateway, &t.merchant, &t.id)) {
                *seq += 1;
            }
        }
        true
    }

    /// Remove the entry (a pending payment that was declined): the shorter side of the deque moves up and
    /// only its entries are renumbered.
    pub fn remove_tx(&mut self, gateway: &str, merchant: &str, id: &str) {
        let Some(seq) = self.tx_index.remove(&tx_key(gateway, merchant, id)) else { return };
        let i = self.slot(seq);
        self.p.transactions.remove(i);
        let (range, step): (std::ops::Range<usize>, i64) = if i < self.p.transactions.len() / 2 {
            self.tx_base += 1;
            (0..i, 1)
        } else {
            (i..self.p.transactions.len(), -1)
        };
        for t in self.p.transactions.range(range) {
            if let Some(seq) = self.tx_index.get_mut(&tx_key(&t.gateway, &t.merchant, &t.id)) {
                *seq = seq.wrapping_add_signed(step);
            }
        }
    }

    pub fn order(&self, ordr_idxx: &str) -> Option<&KakaopayOrder> {
        self.order_index.get(ordr_idxx).map(|i| &self.p.kakaopay_orders[*i])
    }
    pub fn order_mut(&mut self, ordr_idxx: &str) -> Option<&mut KakaopayOrder> {
        self.order_index.get(ordr_idxx).map(|i| &mut self.p.kakaopay_orders[*i])
    }
    pub fn insert_order(&mut self, o: KakaopayOrder) {
        self.order_index.insert(o.ordr_idxx.clone(), self.p.kakaopay_orders.len());
        self.p.kakaopay_orders.push(o);
    }

    pub fn billing_key(&self, payer_id: &str) -> Option<&BillingKey> {
        self.key_index.get(payer_id).map(|i| &self.p.payple_billing_keys[*i])
    }
    pub fn billing_key_mut(&mut self, payer_id: &str) -> Option<&mut BillingKey> {
        self.key_index.get(payer_id).map(|i| &mut self.p.payple_billing_keys[*i])
    }
    pub fn insert_billing_key(&mut self, k: BillingKey) {
        if let Some(i) = self.key_index.get(&k.payer_id) {
            self.p.payple_billing_keys[*i] = k;
        } else {
            self.key_index.insert(k.payer_id.clone(), self.p.payple_billing_keys.len());
            self.p.payple_billing_keys.push(k);
        }
    }

    /// Payup transaction number: 14-digit KST time + "ST" + 4-digit sequence (20 chars, like the spec's
    /// `20180212000000ST0000`). Unique: when 10,000 ids were issued within one second the clock part
    /// moves on to the next second.
    pub fn next_payup_id(&mut self, now: i64) -> String {
        let (last, seq) = self.p.last_payup_id;
        let (sec, seq) = if now > last {
            (now, 0)
        } else if seq >= 9999 {
            (last + 1, 0)
        } else {
            (last, seq + 1)
        };
        self.p.last_payup_id = (sec, seq);
        let mut id = Kst::from_unix(sec).compact();
        id.push_str("ST");
        crate::util::push_digits(&mut id, seq, 4);
        id
    }

    /// NHN KCP `tno`: 14 digits (YYMMDD + 8-digit sequence).
    pub fn next_tno(&mut self, now: &Kst) -> String {
        self.p.kcp_seq += 1;
        let d = now.date();
        format!("{}{:08}", &d[2..], self.p.kcp_seq % 100_000_000)
    }

    /// Drop auth sessions older than `ttl_secs * 4` so the map cannot grow without bound.
    pub fn prune_auth(&mut self, ttl_secs: u64, now: i64) {
        if self.auth.len() > 10_000 {
            let limit = (ttl_secs.max(1) * 4) as i64;
            self.auth.retain(|_, s| now - s.issued < limit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(id: usize, pending: bool) -> Tx {
        let mut t = Tx::approved("payple", "payple.card.confirm", "test", &format!("T{id}"), 1000, &Kst::from_unix(0));
        if pending {
            t.status = "pending".into();
        }
        t
    }

    /// The ledger against a plain list doing what the cap says (drop the oldest non-pending entry while
    /// over it), through inserts, replacements, removals and pending entries settling, with every entry
    /// found by its key at its place after each step.
    #[test]
    fn ledger_cap_matches_a_plain_list() {
        const CAP: usize = 20;
        let mut st = State { ledger_cap: CAP, ..State::default() };
        let mut model: Vec<Tx> = Vec::new();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for step in 0..5000 {
            let r = next() % 100;
            if r < 60 {
                let t = tx(step, next() % 5 == 0);
                model.push(t.clone());
                while model.len() > CAP {
                    let Some(k) = model.iter().position(|t| t.status != "pending") else { break };
                    model.remove(k);
                }
                st.insert_tx(t);
            } else if r < 75 && !model.is_empty() {
                let i = (next() as usize) % model.len();
                let id = model[i].id.clone();
                model.remove(i);
                st.remove_tx("payple", "test", &id);
            } else if r < 90 && !model.is_empty() {
                // A pending entry settles (confirm), or an entry is cancelled.
                let i = (next() as usize) % model.len();
                let id = model[i].id.clone();
                model[i].status = "approved".into();
                model[i].cancelled_amount += 1;
                let t = st.tx_mut("payple", "test", &id).unwrap();
                t.status = "approved".into();
                t.cancelled_amount += 1;
            } else if !model.is_empty() {
                // The same key again replaces the entry in place.
                let i = (next() as usize) % model.len();
                let mut t = model[i].clone();
                t.amount += 1;
                model[i] = t.clone();
                st.insert_tx(t);
            }
            let ids: Vec<&str> = st.p.transactions.iter().map(|t| t.id.as_str()).collect();
            let want: Vec<&str> = model.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(ids, want, "step {step}");
            for t in &model {
                let got = st.tx("payple", "test", &t.id).unwrap();
                assert_eq!((got.amount, got.cancelled_amount, &got.status), (t.amount, t.cancelled_amount, &t.status));
            }
            assert_eq!(st.tx_index.len(), model.len());
        }
    }
}
