//! payup's durable payment journal (issue 17): the storage of `payup_core::journal`'s intents and outcomes.
//! SQLite (bundled) or PostgreSQL (`pg.rs`: TLS by the URL's sslmode, a pool of connections); see
//! README.md for the schema, what is fsynced when, and the guard.
//!
//! The pure decisions (what an intent holds, which orders are guarded, what the guard decides, what an
//! outcome is recorded as) are in `payup_core::journal`; this crate only stores them, and takes each guard
//! in the same transaction as its intent (never check-then-insert).

#![warn(missing_docs)]

#[cfg(feature = "postgres")]
mod pg;

use payup_core::Error;
use payup_core::journal::{self, Entry, Guard, Intent, JournalConfig, Outcome, Status};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a writer waits for another process's write lock before giving up (a `config` error, nothing
/// sent). SQLite's write transactions here are a few inserts: a wait this long means something is stuck.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the guard decided for an intent (see `payup_core::journal::decide`).
#[derive(Clone, Debug, PartialEq)]
pub enum Begin {
    /// The intent is recorded (committed, fsynced) as entry `id`: send the request now.
    Proceed(i64),
    /// The same request was approved as entry `id`: its recorded result document.
    Replay(i64, Value),
    /// The order is taken by entry `id` with another amount or request.
    Duplicate(i64),
    /// Entry `id` of the order is in this status (pending, ambiguous or unresolved).
    InFlight(i64, Status),
}

/// An open journal. Thread-safe; after `fork()` a child opens its own connection on first use.
pub struct Journal {
    backend: Backend,
}

enum Backend {
    Sqlite {
        path: String,
        conn: Mutex<Option<(u32, Connection)>>,
    },
    #[cfg(feature = "postgres")]
    Postgres {
        url: payup_core::Secret,
        pool: Pool,
    },
}

/// The PostgreSQL journal's connections of this process: at most `max`, opened when a caller finds none
/// idle; a caller that finds `max` busy waits for one (each is held for one transaction's round trips).
#[cfg(feature = "postgres")]
struct Pool {
    max: usize,
    state: Mutex<PoolState>,
    returned: std::sync::Condvar,
}

#[cfg(feature = "postgres")]
struct PoolState {
    /// The process the connections belong to (a forked child opens its own).
    pid: u32,
    idle: Vec<pg::PgConn>,
    /// Idle, in use, and being opened.
    open: usize,
}

#[cfg(feature = "postgres")]
impl Pool {
    fn take(&self, url: &payup_core::Secret) -> Result<pg::PgConn, Error> {
        let pid = std::process::id();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if st.pid != pid {
                // The parent's sockets are forgotten, not closed (a Terminate message would end its sessions).
                for old in st.idle.drain(..) {
                    std::mem::forget(old);
                }
                st.pid = pid;
                st.open = 0;
            }
            while let Some(c) = st.idle.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                st.open -= 1;
            }
            if st.open < self.max {
                st.open += 1;
                drop(st);
                let opened = pg::open(url.expose());
                if opened.is_err() {
                    let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
                    if st.pid == pid {
                        st.open -= 1;
                    }
                    self.returned.notify_one();
                }
                return opened;
            }
            st = self.returned.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, c: pg::PgConn) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.pid != std::process::id() {
            std::mem::forget(c);
            return;
        }
        if c.client.is_closed() {
            st.open -= 1;
        } else {
            st.idle.push(c);
        }
        drop(st);
        self.returned.notify_one();
    }
}

/// A connection of this process: SQLite's or PostgreSQL's.
enum Conn<'a> {
    Sqlite(&'a Connection),
    #[cfg(feature = "postgres")]
    Postgres(&'a mut pg::PgConn),
}

/// A database message, with anything quoted in it dropped (a message may quote a value).
pub(crate) fn db_text(s: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for ch in s.chars() {
        if ch == '"' || ch == '\'' {
            quoted = !quoted;
            if quoted {
                out.push_str("\"…\"");
            }
            continue;
        }
        if !quoted {
            out.push(ch);
        }
    }
    out
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Sqlite { path, .. } => f.debug_struct("Journal").field("sqlite", path).finish(),
            #[cfg(feature = "postgres")]
            Backend::Postgres { .. } => f.debug_struct("Journal").field("postgres", &"***").finish(),
        }
    }
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn db_error(what: &str, e: &rusqlite::Error) -> Error {
    // Every value is a bound parameter; anything quoted in a message is dropped all the same.
    journal::unwritable(&format!("{what}: {}", db_text(&e.to_string())))
}

const SQLITE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS payup_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS payup_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation TEXT NOT NULL,
    gateway TEXT NOT NULL,
    merchant TEXT NOT NULL,
    order_number TEXT,
    transaction_id TEXT,
    amount INTEGER,
    fingerprint TEXT NOT NULL,
    guard_key TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    recovery TEXT NOT NULL,
    asked_on TEXT NOT NULL,
    result TEXT,
    error TEXT,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS payup_journal_status ON payup_journal (status);
CREATE INDEX IF NOT EXISTS payup_journal_transaction ON payup_journal (transaction_id);
CREATE TABLE IF NOT EXISTS payup_guard (
    guard_key TEXT PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES payup_journal (id),
    attempts INTEGER NOT NULL
);
";

const COLUMNS: &str = "id, operation, gateway, merchant, order_number, transaction_id, amount, status, attempts, \
     fingerprint, recovery, asked_on, result, error, note, created_at, updated_at";

fn entry_of(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let status: String = r.get(7)?;
    Ok(Entry {
        id: r.get(0)?,
        operation: r.get(1)?,
        gateway: r.get(2)?,
        merchant: r.get(3)?,
        order_number: r.get(4)?,
        transaction_id: r.get(5)?,
        amount: r.get::<_, Option<i64>>(6)?.map(|a| a as u64),
        status: Status::parse(&status).unwrap_or(Status::Unresolved),
        attempts: r.get(8)?,
        fingerprint: r.get(9)?,
        recovery: json(r.get(10)?).unwrap_or(Value::Null),
        asked_on: r.get(11)?,
        result: json(r.get(12)?),
        error: json(r.get(13)?),
        note: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

/// Runs `f` again while SQLite answers busy or locked, for up to [`BUSY_TIMEOUT`].
fn retry_while_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(1);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn open_sqlite(path: &str) -> Result<Connection, Error> {
    let c = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
            | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| db_error("cannot open the SQLite journal", &e))?;
    c.busy_timeout(BUSY_TIMEOUT).map_err(|e| db_error("busy_timeout", &e))?;
    // WAL: readers (payup journal list, recover) never block writers; one fsync of the WAL per commit.
    // Switching a new file to WAL takes its exclusive lock, and SQLite answers "database is locked" at once,
    // without the busy handler, when another process opens the same new file at that moment (PHP-FPM
    // workers starting together): retry within the busy timeout.
    let mode: String = retry_while_busy(|| c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)))
        .map_err(|e| db_error("cannot set the SQLite journal to WAL", &e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(journal::unwritable(&format!("SQLite refused WAL mode (it is {mode})")));
    }
    c.pragma_update(None, "synchronous", "FULL").map_err(|e| db_error("synchronous", &e))?;
    c.execute_batch("BEGIN IMMEDIATE").map_err(|e| db_error("cannot write the SQLite journal", &e))?;
    let migrated = (|| -> rusqlite::Result<()> {
        c.execute_batch(SQLITE_SCHEMA)?;
        let version: Option<i64> = c.query_row("SELECT MAX(version) FROM payup_schema", [], |r| r.get(0))?;
        match version {
            None => {
                c.execute("INSERT INTO payup_schema (version) VALUES (?1)", [journal::SCHEMA_VERSION])?;
            }
            Some(v) if v > journal::SCHEMA_VERSION => {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "the journal is at schema version {v}, newer than this payup's {}",
                    journal::SCHEMA_VERSION
                )));
            }
            // Version 1 is the first: later versions migrate from here, one step per version.
            Some(_) => {}
        }
        Ok(())
    })();
    match migrated {
        Ok(()) => c.execute_batch("COMMIT").map_err(|e| db_error("cannot write the SQLite journal", &e))?,
        Err(e) => {
            let _ = c.execute_batch("ROLLBACK");
            return Err(db_error("cannot create the journal's schema", &e));
        }
    }
    Ok(c)
}

impl Journal {
    /// Opens (creating and migrating) the journal. Any failure is a `config` error: nothing is sent by a
    /// client whose journal cannot be written.
    pub fn open(config: &JournalConfig) -> Result<Journal, Error> {
        match config {
            JournalConfig::Sqlite(path) => {
                let conn = open_sqlite(path)?;
                Ok(Journal {
                    backend: Backend::Sqlite { path: path.clone(), conn: Mutex::new(Some((std::process::id(), conn))) },
                })
            }
            #[cfg(feature = "postgres")]
            JournalConfig::Postgres { url, pool } => {
                // One connection now: a server that is down or refuses is a `config` error before anything
                // is sent; the others open when concurrent callers need them.
                let conn = pg::open(url.expose())?;
                let pool = Pool {
                    max: (*pool).max(1) as usize,
                    state: Mutex::new(PoolState { pid: std::process::id(), idle: vec![conn], open: 1 }),
                    returned: std::sync::Condvar::new(),
                };
                Ok(Journal { backend: Backend::Postgres { url: url.clone(), pool } })
            }
            #[cfg(not(feature = "postgres"))]
            JournalConfig::Postgres { .. } => Err(Error::config(
                "this payup is built without the PostgreSQL journal (payup-journal's \"postgres\" feature): use {\"sqlite\": PATH}",
            )),
        }
    }

    /// Runs `f` on this process's connection (reopened after a fork: a connection must not cross one).
    fn conn<T>(&self, f: impl FnOnce(Conn) -> Result<T, Error>) -> Result<T, Error> {
        let pid = std::process::id();
        match &self.backend {
            Backend::Sqlite { path, conn } => {
                let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
                if guard.as_ref().is_none_or(|(p, _)| *p != pid) {
                    // The parent's connection is forgotten, not closed: closing it here would release the
                    // parent's POSIX locks (SQLite's "do not carry a connection across fork").
                    if let Some(old) = guard.take() {
                        std::mem::forget(old);
                    }
                    *guard = Some((pid, open_sqlite(path)?));
                }
                f(Conn::Sqlite(&guard.as_ref().expect("opened").1))
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres { url, pool } => {
                // Given back on drop, also when `f` panics (the count of open connections stays right).
                struct Lease<'p>(&'p Pool, Option<pg::PgConn>);
                impl Drop for Lease<'_> {
                    fn drop(&mut self) {
                        if let Some(c) = self.1.take() {
                            self.0.give_back(c);
                        }
                    }
                }
                let mut lease = Lease(pool, Some(pool.take(url)?));
                f(Conn::Postgres(lease.1.as_mut().expect("leased")))
            }
        }
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        self.conn(|c| match c {
            Conn::Sqlite(c) => f(c),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => unreachable!("a SQLite call on the PostgreSQL journal"),
        })
    }

    fn is_sqlite(&self) -> bool {
        matches!(self.backend, Backend::Sqlite { .. })
    }

    /// Records `intent` and takes its guard in one transaction, committed with `synchronous=FULL` (the WAL
    /// is fsynced before this returns `Proceed`). A refused intent leaves nothing behind.
    pub fn begin(&self, intent: &Intent) -> Result<Begin, Error> {
        #[cfg(feature = "postgres")]
        if !self.is_sqlite() {
            return self.conn(|c| match c {
                Conn::Postgres(c) => pg::begin(c, intent),
                Conn::Sqlite(_) => unreachable!(),
            });
        }
        self.with(|c| {
            c.pragma_update(None, "synchronous", "FULL").map_err(|e| db_error("synchronous", &e))?;
            c.execute_batch("BEGIN IMMEDIATE").map_err(|e| db_error("cannot lock the journal", &e))?;
            let r = begin_in(c, intent);
            let end = match &r {
                Ok(Begin::Proceed(_)) => "COMMIT",
                _ => "ROLLBACK",
            };
            match c.execute_batch(end) {
                Ok(()) => r.map_err(|e| db_error("cannot record the intent", &e)),
                Err(e) => {
                    let _ = c.execute_batch("ROLLBACK");
                    Err(db_error("cannot commit the intent", &e))
                }
            }
        })
    }

    /// Records the outcome of entry `id`. Committed with `synchronous=NORMAL`: it reaches the disk with the
    /// next intent's fsync or the next checkpoint; a machine crash before that leaves the entry `pending`,
    /// which `payup recover` resolves (a process crash loses nothing: the WAL is in the OS's cache).
    /// An entry already `approved` or `cancelled` (by `payup recover` or a person) is not overwritten.
    /// `cancels` is the transaction a successful full cancel cancelled: its approval becomes `cancelled`.
    pub fn finish(&self, id: i64, outcome: &Outcome, cancels: Option<&str>) -> Result<(), Error> {
        #[cfg(feature = "postgres")]
        if !self.is_sqlite() {
            return self.conn(|c| match c {
                Conn::Postgres(c) => pg::finish(c, id, outcome, cancels),
                Conn::Sqlite(_) => unreachable!(),
            });
        }
        self.with(|c| {
            c.pragma_update(None, "synchronous", "NORMAL").map_err(|e| db_error("synchronous", &e))?;
            let now = now_unix();
            let r = (|| -> rusqlite::Result<()> {
                let tx = c.unchecked_transaction()?;
                tx.execute(
                    "UPDATE payup_journal SET status = ?1, transaction_id = COALESCE(?2, transaction_id), \
                     result = ?3, error = ?4, updated_at = ?5 \
                     WHERE id = ?6 AND status NOT IN ('approved', 'cancelled')",
                    params![
                        outcome.status.as_str(),
                        outcome.transaction_id,
                        outcome.result.as_ref().map(Value::to_string),
                        outcome.error.as_ref().map(Value::to_string),
                        now,
                        id
                    ],
                )?;
                if let (Some(t), Status::Approved) = (cancels, outcome.status) {
                    let approvals: Vec<&str> = payup_core::Operation::ALL
                        .iter()
                        .filter(|o| journal::is_approval(**o))
                        .map(|o| o.name())
                        .collect();
                    tx.execute(
                        &format!(
                            "UPDATE payup_journal SET status = 'cancelled', updated_at = ?1 \
                             WHERE transaction_id = ?2 AND status = 'approved' AND operation IN ({})",
                            approvals.iter().map(|o| format!("'{o}'")).collect::<Vec<_>>().join(", ")
                        ),
                        params![now, t],
                    )?;
                }
                tx.commit()
            })();
            r.map_err(|e| db_error("cannot record the outcome", &e))
        })
    }

    /// Sets entry `id` to `status` if it is in one of `from` (recover and `payup journal resolve`); true if
    /// it was. `result` and `transaction_id` replace the recorded ones when given.
    pub fn transition(
        &self,
        id: i64,
        from: &[Status],
        to: Status,
        note: &str,
        result: Option<&Value>,
        transaction_id: Option<&str>,
    ) -> Result<bool, Error> {
        #[cfg(feature = "postgres")]
        if !self.is_sqlite() {
            return self.conn(|c| match c {
                Conn::Postgres(c) => pg::transition(c, id, from, to, note, result, transaction_id),
                Conn::Sqlite(_) => unreachable!(),
            });
        }
        self.with(|c| {
            c.pragma_update(None, "synchronous", "FULL").map_err(|e| db_error("synchronous", &e))?;
            let from: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
            let n = c
                .execute(
                    &format!(
                        "UPDATE payup_journal SET status = ?1, note = ?2, result = COALESCE(?3, result), \
                         transaction_id = COALESCE(?4, transaction_id), updated_at = ?5 \
                         WHERE id = ?6 AND status IN ({})",
                        from.join(", ")
                    ),
                    params![to.as_str(), note, result.map(Value::to_string), transaction_id, now_unix(), id],
                )
                .map_err(|e| db_error("cannot update the entry", &e))?;
            Ok(n == 1)
        })
    }

    /// Copies the WAL into the database file and truncates the WAL (SQLite's `wal_checkpoint(TRUNCATE)`);
    /// SQLite also checkpoints by itself every 1000 pages.
    pub fn checkpoint(&self) -> Result<(), Error> {
        if !self.is_sqlite() {
            return Ok(());
        }
        self.with(|c| {
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(|e| db_error("cannot checkpoint the journal", &e))
        })
    }

    /// Entry `id`.
    pub fn get(&self, id: i64) -> Result<Option<Entry>, Error> {
        #[cfg(feature = "postgres")]
        if !self.is_sqlite() {
            return self.conn(|c| match c {
                Conn::Postgres(c) => pg::get(c, id),
                Conn::Sqlite(_) => unreachable!(),
            });
        }
        self.with(|c| {
            c.query_row(&format!("SELECT {COLUMNS} FROM payup_journal WHERE id = ?1"), [id], entry_of)
                .optional()
                .map_err(|e| db_error("cannot read the journal", &e))
        })
    }

    /// Entries in `status` (any when `None`) created at or after `since` (unix seconds), oldest first.
    pub fn list(&self, status: Option<Status>, since: Option<i64>) -> Result<Vec<Entry>, Error> {
        #[cfg(feature = "postgres")]
        if !self.is_sqlite() {
            return self.conn(|c| match c {
                Conn::Postgres(c) => pg::list(c, status, since),
                Conn::Sqlite(_) => unreachable!(),
            });
        }
        self.with(|c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM payup_journal WHERE (?1 IS NULL OR status = ?1) \
                     AND (?2 IS NULL OR created_at >= ?2) ORDER BY id"
                ))
                .map_err(|e| db_error("cannot read the journal", &e))?;
            let rows = st
                .query_map(params![status.map(Status::as_str), since], entry_of)
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| db_error("cannot read the journal", &e))?;
            Ok(rows)
        })
    }
}

fn begin_in(c: &Connection, intent: &Intent) -> rusqlite::Result<Begin> {
    let now = intent.created_at.0;
    c.execute(
        "INSERT INTO payup_journal (operation, gateway, merchant, order_number, transaction_id, amount, \
         fingerprint, guard_key, status, attempts, recovery, asked_on, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', 1, ?9, ?10, ?11, ?11)",
        params![
            intent.operation.name(),
            intent.gateway.as_str(),
            intent.merchant,
            intent.order_number,
            intent.transaction_id,
            intent.amount.map(|a| a as i64),
            intent.fingerprint,
            intent.guard_key,
            intent.recovery.to_string(),
            intent.asked_on,
            now
        ],
    )?;
    let id = c.last_insert_rowid();
    let Some(key) = &intent.guard_key else { return Ok(Begin::Proceed(id)) };
    // The guard is a unique key taken in this transaction: the insert either takes it or meets its holder.
    let taken = c.execute(
        "INSERT INTO payup_guard (guard_key, entry_id, attempts) VALUES (?1, ?2, 1) ON CONFLICT (guard_key) DO NOTHING",
        params![key, id],
    )?;
    if taken == 1 {
        return Ok(Begin::Proceed(id));
    }
    let (holder, status, fingerprint, result, attempts): (i64, String, String, Option<String>, i64) = c.query_row(
        "SELECT g.entry_id, e.status, e.fingerprint, e.result, g.attempts FROM payup_guard g \
         JOIN payup_journal e ON e.id = g.entry_id WHERE g.guard_key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let status = Status::parse(&status).unwrap_or(Status::Unresolved);
    Ok(match journal::decide(Some((status, &fingerprint)), &intent.fingerprint) {
        Guard::Proceed => {
            c.execute(
                "UPDATE payup_guard SET entry_id = ?1, attempts = ?2 WHERE guard_key = ?3",
                params![id, attempts + 1, key],
            )?;
            c.execute("UPDATE payup_journal SET attempts = ?1 WHERE id = ?2", params![attempts + 1, id])?;
            Begin::Proceed(id)
        }
        Guard::Replay => {
            Begin::Replay(holder, result.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or(Value::Null))
        }
        Guard::Duplicate => Begin::Duplicate(holder),
        Guard::InFlight => Begin::InFlight(holder, status),
    })
}
