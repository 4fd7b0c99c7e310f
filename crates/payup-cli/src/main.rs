//! `payup`: `demo` (the main job), `call` (one operation, JSON in and out), `sandbox`, `operations` and
//! `completions`. Arguments are parsed by clap; a usage error goes to stderr with exit code 2.

mod demo;

use clap::error::{ContextKind, ContextValue, ErrorKind as ClapErrorKind};
use clap::{CommandFactory, Parser, Subcommand};
use payup_core::{Error, ErrorKind};
use payup_transport::Client;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "exit codes of `call`: 0 ok, 1 declined, 2 invalid or config (or a usage error), 3 not_sent, \
     4 ambiguous (IN_FLIGHT included: an earlier attempt of the order is pending in the journal)";

#[derive(Parser)]
#[command(
    name = "payup",
    version = payup_core::VERSION,
    about = "payup — Korean card payments (Payup, Payple, NHN KCP) done right",
    after_help = EXIT_CODES,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every gateway against the embedded sandbox and print a table
    Demo,
    /// One operation: request JSON on stdin, result JSON on stdout
    #[command(
        long_about = "One operation: request JSON on stdin, result JSON on stdout.\n\n\
                      On failure stdout holds {\"error\": {...}} and the exit code says the class.",
        after_help = EXIT_CODES
    )]
    Call {
        /// The operation's name (`payup operations` lists them)
        #[arg(value_name = "OPERATION")]
        operation: String,
        /// The configuration: a file path or the JSON itself (without it, the PAYUP_CONFIG variable: the same)
        #[arg(long, value_name = "FILE")]
        config: Option<String>,
        /// Print each HTTP exchange to stderr, one redacted JSON event per line (stdout keeps the result)
        #[arg(short, long)]
        verbose: bool,
        /// This call's read timeout in milliseconds, in place of the configuration's timeouts.read_ms (1–600000)
        #[arg(long, value_name = "MS")]
        timeout_ms: Option<u64>,
    },
    /// Run the local gateways; prints the base URL first
    Sandbox {
        /// The address to listen on
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        addr: String,
        /// The sandbox's own configuration (JSON)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Keep the ledger in this file across runs
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Write a ready `payup call --config` file for this sandbox
        #[arg(long, value_name = "FILE")]
        client_config: Option<PathBuf>,
        /// Refuse, with the gateway's code, every spec deviation the real gateways accept (otherwise
        /// accepted with a warning on the ledger entry); also the config key `strict`
        #[arg(long)]
        strict: bool,
    },
    /// List the operations, one name per line
    Operations {
        /// Print the operations' schema (name, gateway, class, request and result fields) as JSON instead
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script
    Completions {
        /// The shell
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Resolve the payment journal's pending and ambiguous entries with the gateways' recovery plans
    #[command(
        long_about = "Resolves the payment journal's pending and ambiguous entries: Payple by its result query \
                      (a payment of another amount is refunded); what no API can tell is marked unresolved with \
                      what to check by hand. Prints {\"resolved\", \"unresolved\", \"still_pending\"} with ids.",
        after_help = "exit codes: 0 nothing left unresolved or pending, 1 some is (alert), 2 could not run"
    )]
    Recover {
        /// The configuration (with a "journal" section): a file path or the JSON itself
        #[arg(long, value_name = "FILE")]
        config: Option<String>,
    },
    /// Read and resolve the payment journal
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Print the version (as --version)
    #[command(hide = true)]
    Version,
}

#[derive(Subcommand)]
enum JournalCommand {
    /// The entries as a JSON array (id, operation, gateway, order_number, transaction_id, amount, status, …)
    List {
        /// The configuration (with a "journal" section): a file path or the JSON itself
        #[arg(long, value_name = "FILE")]
        config: Option<String>,
        /// Only entries in this status
        #[arg(long, value_name = "S", value_parser = ["pending", "approved", "declined", "not_sent", "ambiguous", "unresolved", "cancelled"])]
        status: Option<String>,
        /// Only entries created on or after this UTC date
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
    },
    /// One entry in full (its recovery plan, result or error document, note)
    Show {
        /// The entry's id (journal_id)
        id: i64,
        /// The configuration (with a "journal" section): a file path or the JSON itself
        #[arg(long, value_name = "FILE")]
        config: Option<String>,
    },
    /// Set an entry's status after checking the gateway's admin page by hand
    Resolve {
        /// The entry's id (journal_id)
        id: i64,
        /// What the gateway's admin page shows
        #[arg(long, value_name = "S", value_parser = ["approved", "declined", "cancelled"])]
        status: String,
        /// The configuration (with a "journal" section): a file path or the JSON itself
        #[arg(long, value_name = "FILE")]
        config: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match cli.command {
        Command::Demo => demo::run(),
        Command::Call { operation, config, verbose, timeout_ms } => call(&operation, config, verbose, timeout_ms),
        Command::Sandbox { addr, config, state, client_config, strict } => {
            sandbox(&addr, config, state, client_config, strict)
        }
        Command::Operations { json: true } => {
            print_json(&payup_core::schema::operations_schema());
            ExitCode::SUCCESS
        }
        Command::Operations { json: false } => {
            for op in payup_core::Operation::ALL {
                println!("{}", op.name());
            }
            ExitCode::SUCCESS
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "payup", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Recover { config } => recover(config),
        Command::Journal { command } => journal_command(command),
        Command::Version => {
            println!("payup {}", payup_core::VERSION);
            ExitCode::SUCCESS
        }
    }
}

/// Prints clap's message (help and version on stdout, exit 0; errors on stderr with the usage, exit 2),
/// without echoing an argument that may be a secret.
fn usage_error(e: clap::Error) -> ExitCode {
    let e = redact(e);
    let _ = e.print();
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
}

/// An argument clap may quote back: a name (an option, a subcommand, an operation), not a value that may be
/// a configuration (`payup call OP '{…}'` without `--config`), a key or a card number.
fn echoable(arg: &str) -> bool {
    arg.len() <= 40
        && arg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && arg.chars().filter(char::is_ascii_digit).count() <= 3
}

/// Replaces, in clap's error, every quoted argument that is not [`echoable`] (`--name=value` keeps its name),
/// and makes sure the error shows the usage.
fn redact(mut e: clap::Error) -> clap::Error {
    if matches!(e.kind(), ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion) {
        return e;
    }
    let secrets: Vec<String> =
        std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).filter(|a| !echoable(a)).collect();
    let leaks = |s: &str| !echoable(s) && secrets.iter().any(|x| s.contains(x.as_str()) || x.contains(s));
    let mut redacted = false;
    for kind in [ContextKind::InvalidArg, ContextKind::InvalidValue, ContextKind::InvalidSubcommand] {
        if let Some(ContextValue::String(s)) = e.get(kind)
            && leaks(s)
        {
            let shown = match s.split_once('=') {
                Some((name, _)) if name.starts_with('-') && echoable(name) => format!("{name}=…"),
                _ => "…".to_string(),
            };
            e.insert(kind, ContextValue::String(shown));
            redacted = true;
        }
    }
    if redacted {
        // A suggestion may quote the argument again ("to pass '…' as a value, use '-- …'").
        e.remove(ContextKind::Suggested);
    }
    // Some errors (a missing or invalid value) come without the usage: add the subcommand's.
    if e.get(ContextKind::Usage).is_none() {
        let mut cmd = Cli::command();
        cmd.build();
        let sub = std::env::args_os().skip(1).find_map(|a| cmd.find_subcommand(&a).map(|s| s.get_name().to_string()));
        let usage = match sub.and_then(|name| cmd.find_subcommand_mut(name)) {
            Some(sub) => sub.render_usage(),
            None => cmd.render_usage(),
        };
        e.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
    }
    e
}

pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Declined => 1,
        ErrorKind::Invalid | ErrorKind::Config => 2,
        ErrorKind::NotSent => 3,
        ErrorKind::Ambiguous => 4,
        // A kind added later is never taken for a safe one.
        _ => 4,
    }
}

/// Prints `{"error": …}` on stdout and returns the matching exit code.
fn fail(e: &Error) -> ExitCode {
    print_json(&e.to_json());
    ExitCode::from(exit_code(e.kind()))
}

fn print_json(v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, v);
    let _ = writeln!(out);
}

fn call(operation: &str, config: Option<String>, verbose: bool, timeout_ms: Option<u64>) -> ExitCode {
    // Read the request first, so that a writer piping into us never sees a broken pipe.
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        return fail(&Error::invalid_field("(request)", format!("cannot read standard input: {e}")));
    }
    let client = match client_of(config) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if verbose {
        // The exchange events (issue 20), redacted by core, on stderr: stdout stays the result document alone.
        client.set_event_listener(Some(std::sync::Arc::new(|e: &payup_transport::Event| {
            let _ = writeln!(std::io::stderr().lock(), "{}", e.to_json());
        })));
    }
    let request: serde_json::Value = match serde_json::from_str(if input.trim().is_empty() { "{}" } else { &input }) {
        Ok(v) => v,
        // serde's message may quote the input; we give only the position.
        Err(e) => {
            return fail(&Error::invalid_field(
                "(request)",
                format!("is not valid JSON (line {}, column {})", e.line(), e.column()),
            ));
        }
    };
    match client.call_with(operation, &request, &payup_transport::CallOptions { timeout_ms }) {
        Ok(result) => {
            print_json(&result);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `payup recover`: 0 when nothing is left unresolved or pending, 1 when some is, 2 when it could not run.
fn recover(config: Option<String>) -> ExitCode {
    let summary = client_of(config).and_then(|c| c.recover());
    match summary {
        Ok(s) => {
            print_json(&s);
            let left = ["unresolved", "still_pending"].iter().any(|k| s[k].as_array().is_some_and(|a| !a.is_empty()));
            ExitCode::from(if left { 1 } else { 0 })
        }
        Err(e) => {
            print_json(&e.to_json());
            ExitCode::from(2)
        }
    }
}

fn journal_command(command: JournalCommand) -> ExitCode {
    use payup_core::journal::{self, Status};
    let run = || -> Result<serde_json::Value, Error> {
        match command {
            JournalCommand::List { config, status, since } => {
                let since = match since {
                    Some(d) => Some(
                        journal::parse_date(&d)
                            .ok_or_else(|| Error::invalid_field("--since", "must be a date YYYY-MM-DD"))?,
                    ),
                    None => None,
                };
                let client = client_of(config)?;
                let entries = client.journal()?.list(status.as_deref().and_then(Status::parse), since)?;
                Ok(serde_json::Value::Array(entries.iter().map(|e| e.to_json(false)).collect()))
            }
            JournalCommand::Show { id, config } => {
                let client = client_of(config)?;
                match client.journal()?.get(id)? {
                    Some(e) => Ok(e.to_json(true)),
                    None => Err(Error::invalid_field("ID", format!("no journal entry {id}"))),
                }
            }
            JournalCommand::Resolve { id, status, config } => {
                let client = client_of(config)?;
                let j = client.journal()?;
                let to = Status::parse(&status)
                    .filter(|s| s.resolvable_to())
                    .ok_or_else(|| Error::invalid_field("--status", "must be approved, declined or cancelled"))?;
                let open = [Status::Pending, Status::Ambiguous, Status::Unresolved];
                if !j.transition(id, &open, to, "resolved by hand (payup journal resolve)", None, None)? {
                    let why = match j.get(id)? {
                        Some(e) => format!(
                            "entry {id} is {}: only pending, ambiguous or unresolved entries are resolved",
                            e.status
                        ),
                        None => format!("no journal entry {id}"),
                    };
                    return Err(Error::invalid_field("ID", why));
                }
                Ok(j.get(id)?.map(|e| e.to_json(true)).unwrap_or_default())
            }
        }
    };
    match run() {
        Ok(v) => {
            print_json(&v);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// The client of `--config` (a file path or the JSON itself) or of `PAYUP_CONFIG`.
fn client_of(config: Option<String>) -> Result<Client, Error> {
    let config = match config.or_else(|| std::env::var("PAYUP_CONFIG").ok()) {
        Some(c) if c.trim_start_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}').starts_with('{') => c,
        // Never echo the value: it may be the configuration itself (keys included) that failed to look like JSON.
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) => {
                return Err(Error::config(format!(
                    "cannot read the configuration file named by --config or PAYUP_CONFIG ({}); give a file path or the JSON itself",
                    e.kind()
                )));
            }
        },
        None => return Err(Error::config("no configuration: pass --config FILE or set PAYUP_CONFIG")),
    };
    Client::from_json(&config)
}

fn sandbox(
    addr: &str,
    config: Option<PathBuf>,
    state: Option<PathBuf>,
    client_config: Option<PathBuf>,
    strict: bool,
) -> ExitCode {
    let mut config = match config {
        None => payup_sandbox::SandboxConfig::default(),
        Some(path) => match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|s| payup_sandbox::SandboxConfig::from_json(&s))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("payup sandbox: --config {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    config.strict |= strict;
    let (tx, rx) = std::sync::mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = tx.send(());
    }) {
        eprintln!("payup sandbox: cannot handle signals: {e}");
        return ExitCode::from(1);
    }
    let sb = match payup_sandbox::Sandbox::start_on(addr, config, state) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("payup sandbox: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(path) = client_config {
        let doc = serde_json::to_string_pretty(&sb.client_config()).unwrap_or_default();
        if let Err(e) = std::fs::write(&path, doc + "\n") {
            eprintln!("payup sandbox: cannot write --client-config {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    println!("{}", sb.base_url());
    let _ = std::io::stdout().flush();
    eprintln!("payup sandbox: dashboard at {}/__sandbox/ — Ctrl-C to stop", sb.base_url());
    let _ = rx.recv();
    sb.shutdown();
    eprintln!("payup sandbox: stopped");
    ExitCode::SUCCESS
}
