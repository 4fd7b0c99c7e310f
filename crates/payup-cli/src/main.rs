//! `payup`: `demo` (the main job), `call` (one operation, JSON in and out) and `sandbox`.

mod demo;

use payup_core::{Error, ErrorKind};
use payup_transport::Client;
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "payup — Korean card payments (Payup, Payple, NHN KCP) done right

usage:
  payup demo                     run every gateway against the embedded sandbox and print a table
  payup call OPERATION [--config FILE]
                                 request JSON on stdin, result JSON on stdout
                                 (config from --config FILE or the PAYUP_CONFIG variable: a file path or JSON)
  payup sandbox [--addr 127.0.0.1:0] [--config FILE] [--state FILE] [--client-config FILE]
                                 run the local gateways; prints the base URL first;
                                 --client-config writes a ready `payup call --config` file for it
  payup operations               list the operations
  payup --version

exit codes of `call`: 0 ok, 1 declined, 2 invalid or config, 3 not_sent, 4 ambiguous";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo::run(),
        Some("call") => call(&args[1..]),
        Some("sandbox") => sandbox(&args[1..]),
        Some("operations") => {
            for op in payup_core::Operation::ALL {
                println!("{}", op.name());
            }
            ExitCode::SUCCESS
        }
        Some("--version" | "-V" | "version") => {
            println!("payup {}", payup_core::VERSION);
            ExitCode::SUCCESS
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Positional arguments, and `--name value` options.
type Args = (Vec<String>, Vec<(String, String)>);

fn options(args: &[String], allowed: &[&str]) -> Result<Args, String> {
    let (mut positional, mut opts) = (Vec::new(), Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            if !allowed.contains(&name) {
                return Err(format!("unknown option --{name}"));
            }
            let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            opts.push((name.to_string(), value.clone()));
        } else {
            positional.push(a.clone());
        }
    }
    Ok((positional, opts))
}

fn opt<'a>(opts: &'a [(String, String)], name: &str) -> Option<&'a str> {
    opts.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Declined => 1,
        ErrorKind::Invalid | ErrorKind::Config => 2,
        ErrorKind::NotSent => 3,
        ErrorKind::Ambiguous => 4,
    }
}

/// Prints `{"error": …}` on stdout and returns the matching exit code.
fn fail(e: &Error) -> ExitCode {
    print_json(&e.to_json());
    ExitCode::from(exit_code(e.kind))
}

fn print_json(v: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, v);
    let _ = writeln!(out);
}

fn call(args: &[String]) -> ExitCode {
    let (pos, opts) = match options(args, &["config"]) {
        Ok(x) => x,
        Err(m) => return fail(&Error::config(m)),
    };
    let [operation] = pos.as_slice() else {
        eprintln!("usage: payup call OPERATION [--config FILE] < request.json");
        return ExitCode::from(2);
    };
    // Read the request first, so that a writer piping into us never sees a broken pipe.
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        return fail(&Error::invalid_field("(request)", format!("cannot read standard input: {e}")));
    }
    let config = match opt(&opts, "config").map(String::from).or_else(|| std::env::var("PAYUP_CONFIG").ok()) {
        Some(c) if c.trim_start_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}').starts_with('{') => c,
        // Never echo the value: it may be the configuration itself (keys included) that failed to look like JSON.
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) => {
                return fail(&Error::config(format!(
                    "cannot read the configuration file named by --config or PAYUP_CONFIG ({}); give a file path or the JSON itself",
                    e.kind()
                )));
            }
        },
        None => return fail(&Error::config("no configuration: pass --config FILE or set PAYUP_CONFIG")),
    };
    let client = match Client::from_json(&config) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
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
    match client.call_json(operation, &request) {
        Ok(result) => {
            print_json(&result);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn sandbox(args: &[String]) -> ExitCode {
    let (pos, opts) = match options(args, &["addr", "config", "state", "client-config"]) {
        Ok(x) => x,
        Err(m) => {
            eprintln!("payup sandbox: {m}");
            return ExitCode::from(2);
        }
    };
    if !pos.is_empty() {
        eprintln!("payup sandbox: unexpected argument {}", pos[0]);
        return ExitCode::from(2);
    }
    let config = match opt(&opts, "config") {
        None => payup_sandbox::SandboxConfig::default(),
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|s| payup_sandbox::SandboxConfig::from_json(&s))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("payup sandbox: --config {path}: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let addr = opt(&opts, "addr").unwrap_or("127.0.0.1:0");
    let state = opt(&opts, "state").map(std::path::PathBuf::from);
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
    if let Some(path) = opt(&opts, "client-config") {
        let doc = serde_json::to_string_pretty(&sb.client_config()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, doc + "\n") {
            eprintln!("payup sandbox: cannot write --client-config {path}: {e}");
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
