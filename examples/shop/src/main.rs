//! `payup-shop`: the example merchant shop.
//!
//!     cargo run -p payup-example-shop -- --sandbox            # with an embedded payup sandbox
//!     cargo run -p payup-example-shop -- --config payup.json  # with a client configuration

use payup_example_shop::{Shop, ShopOptions};
use payup_sandbox::{Sandbox, SandboxConfig};
use payup_transport::Client;
use std::process::ExitCode;

const USAGE: &str = "usage: payup-shop (--sandbox | --config FILE) [--addr 127.0.0.1:8000] [--public-url URL]

  --sandbox          start an embedded payup sandbox and use it (nothing leaves this machine)
  --config FILE      a payup client configuration (the document of `payup call --config`)
  --addr ADDR        where the shop listens (default 127.0.0.1:8000; port 0 picks a free one)
  --public-url URL   the shop's URL as the browser and the gateways' windows reach it
                     (default http://ADDR); the return URLs are built from it

The first line printed is the shop's URL.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut sandbox, mut config, mut addr, mut public_url) = (false, None, "127.0.0.1:8000".to_string(), None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sandbox" => sandbox = true,
            "--config" => config = args.next(),
            "--addr" => addr = args.next().unwrap_or_default(),
            "--public-url" => public_url = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("payup-shop: unexpected argument {other}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if sandbox == config.is_some() {
        eprintln!("payup-shop: give exactly one of --sandbox or --config FILE\n{USAGE}");
        return ExitCode::from(2);
    }
    let mut embedded = None;
    let config_text = if sandbox {
        match Sandbox::start(SandboxConfig::default()) {
            Ok(sb) => {
                let c = sb.client_config().to_string();
                embedded = Some(sb);
                c
            }
            Err(e) => {
                eprintln!("payup-shop: cannot start the sandbox: {e}");
                return ExitCode::from(1);
            }
        }
    } else {
        let path = config.unwrap_or_default();
        match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("payup-shop: --config {path}: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let client = match Client::from_json(&config_text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("payup-shop: {e}");
            return ExitCode::from(2);
        }
    };
    let shop = match Shop::start(client, ShopOptions { addr, public_url }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("payup-shop: {e}");
            return ExitCode::from(1);
        }
    };
    println!("{}", shop.url());
    if let Some(sb) = &embedded {
        println!("sandbox: {} (ledger and dashboard at {}/__sandbox/)", sb.base_url(), sb.base_url());
    }
    eprintln!("payup-shop: open {} in a browser — Ctrl-C to stop", shop.url());
    shop.wait();
    drop(embedded);
    ExitCode::SUCCESS
}
