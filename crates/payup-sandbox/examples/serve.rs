//! Run the sandbox with the default identities until killed: `cargo run --release -p payup-sandbox
//! --example serve [ADDR]`. Prints the base URL on the first line (for load tests; the real command is
//! `payup sandbox`).

fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let sb = payup_sandbox::Sandbox::start_on(&addr, payup_sandbox::SandboxConfig::default(), None).expect("start");
    println!("{}", sb.base_url());
    loop {
        std::thread::park();
    }
}
