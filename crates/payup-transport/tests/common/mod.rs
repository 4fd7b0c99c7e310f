//! Egress stand-ins written for the tests (issue 20): an HTTP CONNECT proxy that counts its tunnels, and a
//! TLS front (rustls, a certificate from a CA made here with the openssl CLI) for the sandbox.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A CONNECT proxy on 127.0.0.1: records each tunnel's `host:port`; answers `status` (200 opens the tunnel).
pub struct ConnectProxy {
    pub url: String,
    pub tunnels: Arc<Mutex<Vec<String>>>,
}

pub fn connect_proxy(status: u16) -> ConnectProxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let tunnels = Arc::new(Mutex::new(Vec::new()));
    let seen = tunnels.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || tunnel(client, status, &seen));
        }
    });
    ConnectProxy { url, tunnels }
}

fn tunnel(mut client: TcpStream, status: u16, seen: &Mutex<Vec<String>>) {
    let Some(head) = read_head(&mut client) else { return };
    let head = String::from_utf8_lossy(&head).into_owned();
    let Some(target) = head.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()).map(str::to_string) else {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    seen.lock().unwrap().push(target.clone());
    if status != 200 {
        let _ = write!(client, "HTTP/1.1 {status} Forbidden\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    let Ok(upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n");
    let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let (mut client, mut upstream) = (client, upstream);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut u2);
        let _ = u2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
}

/// Reads up to the end of the head (`\r\n\r\n`), byte by byte so nothing after it is consumed.
fn read_head(s: &mut impl Read) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).ok()? == 0 {
            return None;
        }
        head.push(b[0]);
    }
    Some(head)
}

/// One HTTP/1.1 message (head and a Content-Length body).
fn read_message(s: &mut impl Read) -> Option<Vec<u8>> {
    let mut msg = read_head(s)?;
    let text = String::from_utf8_lossy(&msg).to_ascii_lowercase();
    let len: usize = text
        .split("content-length:")
        .nth(1)
        .and_then(|r| r.split("\r\n").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    msg.extend_from_slice(&body);
    Some(msg)
}

/// A local CA and a server certificate for 127.0.0.1 signed by it (openssl CLI, P-256 keys).
pub struct LocalCa {
    pub dir: PathBuf,
}

impl LocalCa {
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

pub fn local_ca(name: &str) -> LocalCa {
    let dir = std::env::temp_dir().join(format!("payup-ca-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=payup test CA"]);
    ca.extend(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    openssl(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.pem",
        "-extfile",
        "ext.cnf",
    ]);
    LocalCa { dir }
}

/// A TLS front on 127.0.0.1 (certificate from `ca`) that relays each request to `upstream` (http://host:port)
/// and its answer back. Returns its https base URL.
pub fn tls_front(ca: &LocalCa, upstream: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(ca.dir.join("server.pem")).unwrap().map(|c| c.unwrap()).collect();
    let key = PrivateKeyDer::from_pem_file(ca.dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let upstream = upstream.trim_start_matches("http://").to_string();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let (config, upstream) = (config.clone(), upstream.clone());
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let Ok(mut up) = TcpStream::connect(&upstream) else { return };
                // One request, one answer, in turn (keep-alive), until either side closes.
                while let Some(request) = read_message(&mut tls) {
                    if up.write_all(&request).is_err() {
                        return;
                    }
                    let Some(answer) = read_message(&mut up) else { return };
                    if tls.write_all(&answer).and_then(|_| tls.flush()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    base
}

pub fn write_file(dir: &Path, name: &str, content: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}
