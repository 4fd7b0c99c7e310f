//! The PostgreSQL journal (payup-journal's default `postgres` feature): the same tables as SQLite's, the
//! guard as a primary key taken with `INSERT … ON CONFLICT DO NOTHING` in the intent's statement or
//! transaction, its holder read with `SELECT … FOR UPDATE` — race-free across connections and machines.
//! TLS by the URL's `sslmode` over rustls (libpq's meanings: README.md).

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
    // The driver's messages name the server's condition, never the URL or a bound value; its causes (the
    // server's message, the socket's or TLS's error) follow, with anything quoted dropped.
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    journal::unwritable(&format!("{what}: {}", db_text(&text)))
}

/// How long a connection attempt may take when the URL sets no `connect_timeout`: a dead or unreachable
/// server is a `config` error (nothing sent) within this, not a hang.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What the URL's `sslmode` asks for (libpq's names and meanings, https://www.postgresql.org/docs/current/libpq-ssl.html).
#[derive(Clone, Copy, Debug, PartialEq)]
enum TlsMode {
    /// `disable`: plaintext.
    Disable,
    /// `prefer` (libpq's default, and here): TLS when the server offers it, unverified; else plaintext.
    Prefer,
    /// `require`: TLS or no connection; the chain verified only when `sslrootcert` is given (as libpq).
    Require,
    /// `verify-ca`: TLS, the chain verified against `sslrootcert` (or Mozilla's roots), any host name.
    VerifyCa,
    /// `verify-full`: TLS, the chain and the host name (or IP address) verified.
    VerifyFull,
}

/// Percent-decoding of one URL query value (`sslrootcert=%2Fetc%2Fca.pem`).
fn percent_decoded(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = if b[i] == b'%' && i + 2 < b.len() {
            std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        } else {
            None
        };
        if let Some(x) = escaped {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Takes `sslmode`, `sslrootcert` (and refuses client certificates) out of the URL's query, which
/// tokio-postgres would refuse or ignore; the rest is the driver's.
fn split_tls(url: &str) -> Result<(String, TlsMode, Option<String>), Error> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = TlsMode::Prefer;
    let mut root = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                mode = match v {
                    "disable" => TlsMode::Disable,
                    "allow" | "prefer" => TlsMode::Prefer,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    _ => {
                        return Err(Error::config(
                            "configuration error: journal: the PostgreSQL URL's sslmode must be disable, allow, prefer, require, verify-ca or verify-full",
                        ));
                    }
                }
            }
            "sslrootcert" => root = Some(percent_decoded(v)),
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(Error::config(format!(
                    "configuration error: journal: the PostgreSQL URL's {k} (a client certificate) is not supported: authenticate with a password (SCRAM) over sslmode=verify-full"
                )));
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
    Ok((url, mode, root))
}

/// rustls' certificate checks for the modes that do not verify all of them (`prefer`, `require` without a
/// root, `verify-ca`): the handshake's signatures are always checked; the chain only with `inner`, and the
/// host name never.
#[derive(Debug)]
struct PartialVerifier {
    inner: Option<std::sync::Arc<rustls::client::WebPkiServerVerifier>>,
    provider: std::sync::Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for PartialVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &rustls_pki_types::CertificateDer<'_>,
        intermediates: &[rustls_pki_types::CertificateDer<'_>],
        server_name: &rustls_pki_types::ServerName<'_>,
        ocsp: &[u8],
        now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        use rustls::CertificateError::{NotValidForName, NotValidForNameContext};
        let Some(inner) = &self.inner else { return Ok(rustls::client::danger::ServerCertVerified::assertion()) };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(NotValidForName | NotValidForNameContext { .. })) => {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            r => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// The rustls client configuration for `mode`: roots from `sslrootcert` (PEM) or Mozilla's
/// (webpki-root-certs, the same ureq uses for the gateways).
fn tls_config(mode: TlsMode, root: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    use rustls_pki_types::pem::PemObject;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some("system") | None => {
            roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        }
        Some(path) => {
            let certs: Vec<_> = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    Error::config(format!(
                        "configuration error: journal: cannot read the PostgreSQL URL's sslrootcert {path:?}: {e}"
                    ))
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(Error::config(format!(
                    "configuration error: journal: the PostgreSQL URL's sslrootcert {path:?} holds no CA certificate (PEM)"
                )));
            }
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("configuration error: journal: TLS: {e}")))?;
    let verified_chain =
        matches!(mode, TlsMode::VerifyCa | TlsMode::VerifyFull) || (mode == TlsMode::Require && root.is_some());
    let config = if mode == TlsMode::VerifyFull {
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        let inner = if verified_chain {
            Some(
                rustls::client::WebPkiServerVerifier::builder_with_provider(
                    std::sync::Arc::new(roots),
                    provider.clone(),
                )
                .build()
                .map_err(|e| Error::config(format!("configuration error: journal: TLS: {e}")))?,
            )
        } else {
            None
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(PartialVerifier { inner, provider }))
            .with_no_client_auth()
    };
    Ok(config)
}

/// One pooled connection with its prepared statements (each statement is parsed once per connection:
/// a round trip saved on every call).
pub(crate) struct PgConn {
    pub(crate) client: Client,
    statements: std::collections::HashMap<&'static str, postgres::Statement>,
}

impl PgConn {
    fn statement(&mut self, sql: &'static str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(st) = self.statements.get(sql) {
            return Ok(st.clone());
        }
        let st = self.client.prepare(sql)?;
        self.statements.insert(sql, st.clone());
        Ok(st)
    }
}

/// Connects (TLS as the URL's `sslmode` asks) and creates or checks the schema.
pub(crate) fn open(url: &str) -> Result<PgConn, Error> {
    let (url, mode, root) = split_tls(url)?;
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| err("configuration error: journal: the PostgreSQL URL is not valid", &e))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.ssl_mode(match mode {
        TlsMode::Disable => postgres::config::SslMode::Disable,
        TlsMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    let mut c = if mode == TlsMode::Disable {
        config.connect(NoTls)
    } else {
        config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(mode, root.as_deref())?))
    }
    .map_err(|e| err("cannot connect to the PostgreSQL journal", &e))?;
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
    Ok(PgConn { client: c, statements: std::collections::HashMap::new() })
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

const INSERT_INTENT: &str = "INSERT INTO payup_journal (operation, gateway, merchant, order_number, transaction_id, \
     amount, fingerprint, guard_key, status, attempts, recovery, asked_on, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 1, $9, $10, $11, $11) RETURNING id";
/// The guard: a primary key taken in the intent's transaction; a concurrent holder's insert makes this one
/// wait for its commit, then meet it (race-free, never check-then-insert).
const TAKE_GUARD: &str =
    "INSERT INTO payup_guard (guard_key, entry_id, attempts) VALUES ($1, $2, 1) ON CONFLICT (guard_key) DO NOTHING";
const GUARD_HOLDER: &str = "SELECT g.entry_id, e.status, e.fingerprint, e.result, g.attempts FROM payup_guard g \
     JOIN payup_journal e ON e.id = g.entry_id WHERE g.guard_key = $1 FOR UPDATE OF g";
const RECORD_OUTCOME: &str = "UPDATE payup_journal SET status = $1, transaction_id = COALESCE($2, transaction_id), \
     result = $3, error = $4, updated_at = $5 WHERE id = $6 AND status NOT IN ('approved', 'cancelled')";

/// The common case in one round trip: one statement (its own transaction) takes the guard and inserts the
/// intent, or — when the key is held — does neither and returns no row. The guard is inserted first under
/// an id drawn from the sequence; the foreign key is checked at the end of the statement, when both rows
/// are there. A concurrent holder's uncommitted key makes the `ON CONFLICT` wait for its commit.
const FAST_INTENT: &str = "WITH new AS (SELECT nextval('payup_journal_id_seq') AS id), \
     g AS (INSERT INTO payup_guard (guard_key, entry_id, attempts) SELECT $8::TEXT, new.id, 1 FROM new \
           WHERE $8::TEXT IS NOT NULL ON CONFLICT (guard_key) DO NOTHING RETURNING entry_id), \
     e AS (INSERT INTO payup_journal (id, operation, gateway, merchant, order_number, transaction_id, amount, \
           fingerprint, guard_key, status, attempts, recovery, asked_on, created_at, updated_at) \
           SELECT new.id, $1::TEXT, $2::TEXT, $3::TEXT, $4::TEXT, $5::TEXT, $6::BIGINT, $7::TEXT, $8::TEXT, \
           'pending', 1, $9::TEXT, $10::TEXT, $11::BIGINT, $11::BIGINT FROM new \
           WHERE $8::TEXT IS NULL OR EXISTS (SELECT 1 FROM g) RETURNING id) \
     SELECT id FROM e";
/// The outcome in one round trip: `set_config(…, true)` is `SET LOCAL` for the statement's own transaction.
const FAST_OUTCOME: &str = "WITH lazy AS (SELECT set_config('synchronous_commit', 'off', true)) \
     UPDATE payup_journal SET status = $1, transaction_id = COALESCE($2, transaction_id), \
     result = $3, error = $4, updated_at = $5 FROM lazy WHERE id = $6 AND status NOT IN ('approved', 'cancelled')";

/// The values of an intent's columns that are not stored as the intent holds them.
struct IntentColumns {
    operation: &'static str,
    gateway: &'static str,
    amount: Option<i64>,
    recovery: String,
}

impl IntentColumns {
    /// [`FAST_INTENT`]'s and [`INSERT_INTENT`]'s parameters `$1`…`$11`, in their order.
    fn params<'a>(&'a self, intent: &'a Intent) -> [&'a (dyn postgres::types::ToSql + Sync); 11] {
        [
            &self.operation,
            &self.gateway,
            &intent.merchant,
            &intent.order_number,
            &intent.transaction_id,
            &self.amount,
            &intent.fingerprint,
            &intent.guard_key,
            &self.recovery,
            &intent.asked_on,
            &intent.created_at.0,
        ]
    }
}

/// The intent and its guard in one transaction; PostgreSQL's commit is durable (synchronous_commit on).
/// First [`FAST_INTENT`] (a free key: one round trip); a held key goes the long way, in a transaction that
/// reads and locks its holder.
pub(crate) fn begin(c: &mut PgConn, intent: &Intent) -> Result<Begin, Error> {
    let columns = IntentColumns {
        operation: intent.operation.name(),
        gateway: intent.gateway.as_str(),
        amount: intent.amount.map(|a| a as i64),
        recovery: intent.recovery.to_string(),
    };
    let fast = (|| -> Result<Option<i64>, postgres::Error> {
        let st = c.statement(FAST_INTENT)?;
        let rows = c.client.query(&st, &columns.params(intent))?;
        Ok(rows.first().map(|r| r.get(0)))
    })()
    .map_err(|e| err("cannot record the intent", &e))?;
    if let Some(id) = fast {
        return Ok(Begin::Proceed(id));
    }
    let statements = (|| -> Result<[postgres::Statement; 3], postgres::Error> {
        Ok([c.statement(INSERT_INTENT)?, c.statement(TAKE_GUARD)?, c.statement(GUARD_HOLDER)?])
    })()
    .map_err(|e| err("cannot record the intent", &e))?;
    let [insert_intent, take_guard, guard_holder] = statements;
    let mut tx = c.client.transaction().map_err(|e| err("cannot record the intent", &e))?;
    let decided = (|| -> Result<Begin, postgres::Error> {
        let id: i64 = tx.query_one(&insert_intent, &columns.params(intent))?.get(0);
        let Some(key) = &intent.guard_key else { return Ok(Begin::Proceed(id)) };
        let taken = tx.execute(&take_guard, &[key, &id])?;
        if taken == 1 {
            return Ok(Begin::Proceed(id));
        }
        let row = tx.query_one(&guard_holder, &[key])?;
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
pub(crate) fn finish(c: &mut PgConn, id: i64, outcome: &Outcome, cancels: Option<&str>) -> Result<(), Error> {
    let now = now_unix();
    if cancels.is_none() || outcome.status != Status::Approved {
        let r = (|| -> Result<u64, postgres::Error> {
            let st = c.statement(FAST_OUTCOME)?;
            c.client.execute(
                &st,
                &[
                    &outcome.status.as_str(),
                    &outcome.transaction_id,
                    &outcome.result.as_ref().map(Value::to_string),
                    &outcome.error.as_ref().map(Value::to_string),
                    &now,
                    &id,
                ],
            )
        })();
        return r.map(|_| ()).map_err(|e| err("cannot record the outcome", &e));
    }
    let r = (|| -> Result<(), postgres::Error> {
        let record = c.statement(RECORD_OUTCOME)?;
        let mut tx = c.client.transaction()?;
        tx.batch_execute("SET LOCAL synchronous_commit = off")?;
        tx.execute(
            &record,
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
    c: &mut PgConn,
    id: i64,
    from: &[Status],
    to: Status,
    note: &str,
    result: Option<&Value>,
    transaction_id: Option<&str>,
) -> Result<bool, Error> {
    let from: Vec<String> = from.iter().map(|s| s.as_str().to_string()).collect();
    let n = c
        .client
        .execute(
            "UPDATE payup_journal SET status = $1, note = $2, result = COALESCE($3, result), \
             transaction_id = COALESCE($4, transaction_id), updated_at = $5 WHERE id = $6 AND status = ANY($7)",
            &[&to.as_str(), &note, &result.map(Value::to_string), &transaction_id, &now_unix(), &id, &from],
        )
        .map_err(|e| err("cannot update the entry", &e))?;
    Ok(n == 1)
}

pub(crate) fn get(c: &mut PgConn, id: i64) -> Result<Option<Entry>, Error> {
    let rows = c
        .client
        .query(&format!("SELECT {COLUMNS} FROM payup_journal WHERE id = $1"), &[&id])
        .map_err(|e| err("cannot read the journal", &e))?;
    Ok(rows.first().map(entry_of))
}

pub(crate) fn list(c: &mut PgConn, status: Option<Status>, since: Option<i64>) -> Result<Vec<Entry>, Error> {
    let status = status.map(|s| s.as_str().to_string());
    let rows = c
        .client
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
