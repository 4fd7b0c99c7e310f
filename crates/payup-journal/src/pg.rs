//! The PostgreSQL journal (`--features postgres`): the same tables as SQLite's, the guard as a primary
//! key taken with `INSERT … ON CONFLICT DO NOTHING` in the intent's transaction, its holder read with
//! `SELECT … FOR UPDATE` — race-free across connections and machines.

use crate::{Begin, db_text, now_unix};
use payup_core::Error;
use payup_core::journal::{self, Entry, Guard, Intent, Outcome, Status};
use postgres::{Client, NoTls, Row};
use serde_json::Value;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS payup_schema (version BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS payup_journal (
    id BIGSERIAL PRIMARY KEY,
    operation TEXT NOT NULL,
    gateway TEXT NOT NULL,
    merchant TEXT NOT NULL,
    order_number TEXT,
    transaction_id TEXT,
    amount BIGINT,
    fingerprint TEXT NOT NULL,
    guard_key TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 1,
    recovery TEXT NOT NULL,
    asked_on TEXT NOT NULL,
    result TEXT,
    error TEXT,
    note TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS payup_journal_status ON payup_journal (status);
CREATE INDEX IF NOT EXISTS payup_journal_transaction ON payup_journal (transaction_id);
CREATE TABLE IF NOT EXISTS payup_guard (
    guard_key TEXT PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES payup_journal (id),
    attempts BIGINT NOT NULL
);
";

/// A lock number of payup's own for the schema migration (two processes opening a new database at once).
const MIGRATION_LOCK: i64 = 0x7061_7975_705f_6a31; // "payup_j1"

fn err(what: &str, e: &postgres::Error) -> Error {
    // The driver's messages name the server's condition, never the URL or a bound value.
    journal::unwritable(&format!("{what}: {}", db_text(&e.to_string())))
}

pub(crate) fn open(url: &str) -> Result<Client, Error> {
    let tls_asked = ["sslmode=require", "sslmode=verify-ca", "sslmode=verify-full"].iter().any(|m| url.contains(m));
    if tls_asked {
        return Err(Error::config(
            "the PostgreSQL journal URL asks for TLS (sslmode=require/verify-*), which this payup is built without: use a local or tunnelled connection (sslmode=disable or prefer)",
        ));
    }
    let mut c = Client::connect(url, NoTls).map_err(|e| err("cannot connect to the PostgreSQL journal", &e))?;
    let mut tx = c.transaction().map_err(|e| err("cannot write the PostgreSQL journal", &e))?;
    let migrate = (|| -> Result<(), postgres::Error> {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(SCHEMA)?;
        let v: Option<i64> = tx.query_one("SELECT MAX(version) FROM payup_schema", &[])?.get(0);
        if v.is_none() {
            tx.execute("INSERT INTO payup_schema (version) VALUES ($1)", &[&journal::SCHEMA_VERSION])?;
        }
        Ok(())
    })();
    migrate.map_err(|e| err("cannot create the journal's schema", &e))?;
    let version: Option<i64> =
        tx.query_one("SELECT MAX(version) FROM payup_schema", &[]).map_err(|e| err("schema", &e))?.get(0);
    if version.unwrap_or(0) > journal::SCHEMA_VERSION {
        return Err(journal::unwritable(&format!(
            "the journal is at schema version {}, newer than this payup's {}",
            version.unwrap_or(0),
            journal::SCHEMA_VERSION
        )));
    }
    tx.commit().map_err(|e| err("cannot write the PostgreSQL journal", &e))?;
    Ok(c)
}

const COLUMNS: &str = "id, operation, gateway, merchant, order_number, transaction_id, amount, status, attempts, \
     fingerprint, recovery, asked_on, result, error, note, created_at, updated_at";

fn entry_of(r: &Row) -> Entry {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let status: String = r.get(7);
    Entry {
        id: r.get(0),
        operation: r.get(1),
        gateway: r.get(2),
        merchant: r.get(3),
        order_number: r.get(4),
        transaction_id: r.get(5),
        amount: r.get::<_, Option<i64>>(6).map(|a| a as u64),
        status: Status::parse(&status).unwrap_or(Status::Unresolved),
        attempts: r.get(8),
        fingerprint: r.get(9),
        recovery: json(r.get(10)).unwrap_or(Value::Null),
        asked_on: r.get(11),
        result: json(r.get(12)),
        error: json(r.get(13)),
        note: r.get(14),
        created_at: r.get(15),
        updated_at: r.get(16),
    }
}

/// The intent and its guard in one transaction; PostgreSQL's commit is durable (synchronous_commit on).
pub(crate) fn begin(c: &mut Client, intent: &Intent) -> Result<Begin, Error> {
    let mut tx = c.transaction().map_err(|e| err("cannot record the intent", &e))?;
    let decided = (|| -> Result<Begin, postgres::Error> {
        let now = intent.created_at.0;
        let amount = intent.amount.map(|a| a as i64);
        let id: i64 = tx
            .query_one(
                "INSERT INTO payup_journal (operation, gateway, merchant, order_number, transaction_id, amount, \
                 fingerprint, guard_key, status, attempts, recovery, asked_on, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 1, $9, $10, $11, $11) RETURNING id",
                &[
                    &intent.operation.name(),
                    &intent.gateway.as_str(),
                    &intent.merchant,
                    &intent.order_number,
                    &intent.transaction_id,
                    &amount,
                    &intent.fingerprint,
                    &intent.guard_key,
                    &intent.recovery.to_string(),
                    &intent.asked_on,
                    &now,
                ],
            )?
            .get(0);
        let Some(key) = &intent.guard_key else { return Ok(Begin::Proceed(id)) };
        let taken = tx.execute(
            "INSERT INTO payup_guard (guard_key, entry_id, attempts) VALUES ($1, $2, 1) ON CONFLICT (guard_key) DO NOTHING",
            &[key, &id],
        )?;
        if taken == 1 {
            return Ok(Begin::Proceed(id));
        }
        let row = tx.query_one(
            "SELECT g.entry_id, e.status, e.fingerprint, e.result, g.attempts FROM payup_guard g \
             JOIN payup_journal e ON e.id = g.entry_id WHERE g.guard_key = $1 FOR UPDATE OF g",
            &[key],
        )?;
        let (holder, status, fingerprint, result, attempts): (i64, String, String, Option<String>, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let status = Status::parse(&status).unwrap_or(Status::Unresolved);
        Ok(match journal::decide(Some((status, &fingerprint)), &intent.fingerprint) {
            Guard::Proceed => {
                tx.execute(
                    "UPDATE payup_guard SET entry_id = $1, attempts = $2 WHERE guard_key = $3",
                    &[&id, &(attempts + 1), key],
                )?;
                tx.execute("UPDATE payup_journal SET attempts = $1 WHERE id = $2", &[&(attempts + 1), &id])?;
                Begin::Proceed(id)
            }
            Guard::Replay => {
                Begin::Replay(holder, result.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or(Value::Null))
            }
            Guard::Duplicate => Begin::Duplicate(holder),
            Guard::InFlight => Begin::InFlight(holder, status),
        })
    })();
    match decided {
        Ok(b @ Begin::Proceed(_)) => {
            tx.commit().map_err(|e| err("cannot commit the intent", &e))?;
            Ok(b)
        }
        Ok(b) => {
            let _ = tx.rollback();
            Ok(b)
        }
        Err(e) => Err(err("cannot record the intent", &e)),
    }
}

/// The outcome, committed with `synchronous_commit = off` (as SQLite's NORMAL: durable with the next
/// intent's commit; a server crash before that leaves the entry pending, for `payup recover`).
pub(crate) fn finish(c: &mut Client, id: i64, outcome: &Outcome, cancels: Option<&str>) -> Result<(), Error> {
    let now = now_unix();
    let r = (|| -> Result<(), postgres::Error> {
        let mut tx = c.transaction()?;
        tx.batch_execute("SET LOCAL synchronous_commit = off")?;
        tx.execute(
            "UPDATE payup_journal SET status = $1, transaction_id = COALESCE($2, transaction_id), \
             result = $3, error = $4, updated_at = $5 WHERE id = $6 AND status NOT IN ('approved', 'cancelled')",
            &[
                &outcome.status.as_str(),
                &outcome.transaction_id,
                &outcome.result.as_ref().map(Value::to_string),
                &outcome.error.as_ref().map(Value::to_string),
                &now,
                &id,
            ],
        )?;
        if let (Some(t), Status::Approved) = (cancels, outcome.status) {
            let approvals: Vec<String> = payup_core::Operation::ALL
                .iter()
                .filter(|o| journal::is_approval(**o))
                .map(|o| o.name().to_string())
                .collect();
            tx.execute(
                "UPDATE payup_journal SET status = 'cancelled', updated_at = $1 \
                 WHERE transaction_id = $2 AND status = 'approved' AND operation = ANY($3)",
                &[&now, &t, &approvals],
            )?;
        }
        tx.commit()
    })();
    r.map_err(|e| err("cannot record the outcome", &e))
}

pub(crate) fn transition(
    c: &mut Client,
    id: i64,
    from: &[Status],
    to: Status,
    note: &str,
    result: Option<&Value>,
    transaction_id: Option<&str>,
) -> Result<bool, Error> {
    let from: Vec<String> = from.iter().map(|s| s.as_str().to_string()).collect();
    let n = c
        .execute(
            "UPDATE payup_journal SET status = $1, note = $2, result = COALESCE($3, result), \
             transaction_id = COALESCE($4, transaction_id), updated_at = $5 WHERE id = $6 AND status = ANY($7)",
            &[&to.as_str(), &note, &result.map(Value::to_string), &transaction_id, &now_unix(), &id, &from],
        )
        .map_err(|e| err("cannot update the entry", &e))?;
    Ok(n == 1)
}

pub(crate) fn get(c: &mut Client, id: i64) -> Result<Option<Entry>, Error> {
    let rows = c
        .query(&format!("SELECT {COLUMNS} FROM payup_journal WHERE id = $1"), &[&id])
        .map_err(|e| err("cannot read the journal", &e))?;
    Ok(rows.first().map(entry_of))
}

pub(crate) fn list(c: &mut Client, status: Option<Status>, since: Option<i64>) -> Result<Vec<Entry>, Error> {
    let status = status.map(|s| s.as_str().to_string());
    let rows = c
        .query(
            &format!(
                "SELECT {COLUMNS} FROM payup_journal WHERE ($1::TEXT IS NULL OR status = $1) \
                 AND ($2::BIGINT IS NULL OR created_at >= $2) ORDER BY id"
            ),
            &[&status, &since],
        )
        .map_err(|e| err("cannot read the journal", &e))?;
    Ok(rows.iter().map(entry_of).collect())
}
