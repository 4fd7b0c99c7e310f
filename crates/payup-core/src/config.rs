//! The configuration document, the same for the CLI, C, Python and Node (parsed here, purely):
//!
//! ```json
//! {"env": "test" | "production",
//!  "timeouts": {"connect_ms": 5000, "read_ms": 15000},
//!  "proxy": "http://[user:password@]host:port"?,
//!  "ca_file": "/path/to/extra-roots.pem"?,
//!  "payup":  {"merchant_id", "api_cert_key", "base_url"?, "kcp_script_url"?},
//!  "payple": {"cst_id", "cust_key", "refund_key"?, "base_url"?, "referer"?},
//!  "kcp":    {"site_cd", "cert_info", "private_key"?, "private_key_password"?, "base_url"?},
//!  "journal": {"sqlite": "/var/lib/shop/payup.db"} | {"postgres": "postgresql://user:pw@host:port/db[?sslmode=verify-full&sslrootcert=CA.pem]", "pool": 8}}
//! ```
//!
//! - Secrets by reference: any value in the `payup`, `payple` and `kcp` sections, and `proxy`, may be given
//!   as `{"env": "NAME"}` (an environment variable) or `{"file": "PATH"}` (a file's content, one trailing
//!   newline dropped) instead of the string, so configuration files need hold no keys. Core reads neither:
//!   the caller hands in a [`SecretSource`] ([`Config::from_json_with`]; payup-transport's `Client` passes the
//!   process's environment and files). A missing variable or an unreadable file is a `config` error naming
//!   the key (`payple.cust_key`), never a value.
//! - `proxy`: an HTTP CONNECT proxy every call goes through. Only this key sets one: `HTTPS_PROXY`,
//!   `ALL_PROXY` and the like are ignored.
//! - `ca_file`: PEM certificates trusted as roots in addition to the built-in (Mozilla/webpki) ones, for
//!   TLS-inspecting egress. Read through the same [`SecretSource`].
//!
//! Without `"journal"` nothing is journaled (see [`crate::journal`]).

use crate::catalog::Credentials;
use crate::codes::Gateway;
use crate::error::{Error, ErrorKind};
use crate::fields::Doc;
use crate::secret::Secret;
use crate::{kcp, payple, payup};
use serde_json::Value;

/// Which gateway environment a configuration is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    /// The gateways' test systems.
    Test,
    /// The gateways' live systems.
    Production,
}

/// The specs' base URLs (specs/README.md; payup-card-keyin.txt §1.5, payple-card.txt 호출정보, kcp-keyin.txt).
pub fn default_base_url(gateway: Gateway, env: Env) -> &'static str {
    match (gateway, env) {
        (Gateway::Payup, Env::Test) => "https://api.testpayup.co.kr",
        (Gateway::Payup, Env::Production) => "https://api.payup.co.kr",
        (Gateway::Payple, Env::Test) => "https://testcpay.payple.kr",
        (Gateway::Payple, Env::Production) => "https://cpay.payple.kr",
        (Gateway::Kcp, Env::Test) => "https://stg-spl.kcp.co.kr",
        (Gateway::Kcp, Env::Production) => "https://spl.kcp.co.kr",
    }
}

/// A parsed base URL: scheme, host, port; no path beyond "/" kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// `https`, or `http` for loopback only.
    pub scheme: String,
    /// The host name.
    pub host: String,
    /// The port, if the URL gives one.
    pub port: Option<u16>,
    /// The URL as given, without a trailing slash.
    pub url: String,
}

impl BaseUrl {
    /// Parses `http(s)://host[:port][/]`. Plain http is accepted only for loopback hosts (DESIGN §4).
    pub fn parse(field: &str, s: &str) -> Result<BaseUrl, Error> {
        let bad = |rule: &str| config_field(field, rule);
        let (scheme, rest) = s.split_once("://").ok_or_else(|| bad("must be an absolute URL like https://host"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(bad("must use https (or http for a loopback host)"));
        }
        let authority = rest.trim_end_matches('/');
        if authority.contains(['/', '?', '#', '@']) || authority.is_empty() || authority.contains(char::is_whitespace) {
            return Err(bad("must be scheme://host[:port] with no path, query or user"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("has an invalid port"))?;
        if scheme == "http" && !is_loopback(&host) {
            return Err(bad("uses http:// for a host that is not loopback (127.0.0.0/8, ::1, localhost): use https"));
        }
        Ok(BaseUrl { url: format!("{scheme}://{authority}"), scheme, host, port })
    }

    /// The effective port.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(if self.scheme == "https" { 443 } else { 80 })
    }

    /// True when `url` is on this base's scheme, host and port (Payple's second-step URLs must be).
    pub fn same_origin(&self, url: &str) -> bool {
        let Some((scheme, rest)) = url.split_once("://") else { return false };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return false;
        }
        let Some((host, port)) = split_host_port(authority) else { return false };
        let scheme = scheme.to_ascii_lowercase();
        let default = if scheme == "https" { 443 } else { 80 };
        scheme == self.scheme
            && host.eq_ignore_ascii_case(&self.host)
            && port.unwrap_or(default) == self.port_or_default()
    }
}

fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), Some(p.parse().ok()?))),
        None => Some((authority.to_string(), None)),
    }
}

/// Whether `host` is a loopback address or `localhost` (where plain http is allowed).
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Where references (`{"env": NAME}`, `{"file": PATH}`) and `ca_file` are read from: core does no I/O, so
/// the caller passes the process's environment and files in (payup-transport's `SystemSecrets`).
pub trait SecretSource {
    /// The environment variable `name`, if it is set (and is Unicode).
    fn env_var(&self, name: &str) -> Option<String>;
    /// The whole content of the file at `path`, or why it could not be read (never its content).
    fn read_file(&self, path: &str) -> Result<String, String>;
}

/// A source that has nothing: every reference and `ca_file` is a `config` error. What
/// [`Config::from_json`] uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSecretSource;

impl SecretSource for NoSecretSource {
    fn env_var(&self, _: &str) -> Option<String> {
        None
    }
    fn read_file(&self, _: &str) -> Result<String, String> {
        Err("files are read by payup-transport's Client, not by payup-core alone".into())
    }
}

/// The sections whose values may be references (`SecretSource`).
const REFERENCE_SECTIONS: [&str; 3] = ["payup", "payple", "kcp"];

/// Returns a copy of the configuration document with every reference replaced by what it names (see the
/// module documentation). Objects that are not exactly `{"env": …}` or `{"file": …}` are left for the
/// parser to refuse.
pub fn resolve_references(v: &Value, source: &dyn SecretSource) -> Result<Value, Error> {
    let mut out = v.clone();
    let Some(top) = out.as_object_mut() else { return Ok(out) };
    if let Some(p) = top.get_mut("proxy") {
        resolve_one("proxy", p, source)?;
    }
    for section in REFERENCE_SECTIONS {
        if let Some(Value::Object(m)) = top.get_mut(section) {
            for (key, value) in m.iter_mut() {
                resolve_one(&format!("{section}.{key}"), value, source)?;
            }
        }
    }
    Ok(out)
}

fn resolve_one(field: &str, value: &mut Value, source: &dyn SecretSource) -> Result<(), Error> {
    let Value::Object(m) = value else { return Ok(()) };
    if m.len() != 1 {
        return Ok(());
    }
    let resolved = match (m.get("env"), m.get("file")) {
        (Some(Value::String(name)), None) => match source.env_var(name) {
            Some(v) => v,
            None => return Err(config_field(field, &format!("the environment variable {name} is not set"))),
        },
        (Some(_), None) => return Err(config_field(field, "{\"env\": NAME} needs the variable's name as a string")),
        (None, Some(Value::String(path))) => {
            let content = source
                .read_file(path)
                .map_err(|why| config_field(field, &format!("the file {path} could not be read ({why})")))?;
            trim_one_newline(content)
        }
        (None, Some(_)) => return Err(config_field(field, "{\"file\": PATH} needs the file's path as a string")),
        _ => return Ok(()),
    };
    *value = Value::String(resolved);
    Ok(())
}

/// Files written by editors and `echo` end in a newline that is not part of the key.
fn trim_one_newline(mut s: String) -> String {
    if s.ends_with("\r\n") {
        s.truncate(s.len() - 2);
    } else if s.ends_with('\n') {
        s.truncate(s.len() - 1);
    }
    s
}

/// An explicit HTTP CONNECT proxy (`proxy`). Its `Debug` shows no password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The proxy's host.
    pub host: String,
    /// The proxy's port.
    pub port: u16,
    /// The user for Basic proxy authentication, if the URL gives one.
    pub username: Option<String>,
    /// The password for Basic proxy authentication, if the URL gives one.
    pub password: Option<Secret>,
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl ProxyConfig {
    /// Parses `http://[user[:password]@]host:port` (the port is required; a proxy has no default one).
    pub fn parse(s: &str) -> Result<ProxyConfig, Error> {
        let bad = |rule: &str| config_field("proxy", rule);
        let rest = s
            .strip_prefix("http://")
            .ok_or_else(|| bad("must be an HTTP CONNECT proxy URL like http://proxy.example:3128"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, authority) = match rest.rsplit_once('@') {
            Some((u, a)) => (Some(u), a),
            None => (None, rest),
        };
        if authority.is_empty() || authority.contains(['/', '?', '#', '@']) || authority.contains(char::is_whitespace) {
            return Err(bad("must be http://[user:password@]host:port with no path"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("has an invalid port"))?;
        let port = port.ok_or_else(|| bad("needs a port (http://host:port)"))?;
        if host.is_empty() {
            return Err(bad("needs a host"));
        }
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pw)) => (Some(user.to_string()), Some(Secret::opaque(pw))),
                None => (Some(u.to_string()), None),
            },
        };
        Ok(ProxyConfig { host, port, username, password })
    }
}

/// The DER certificates of a PEM text (`ca_file`): every `CERTIFICATE` block, at least one.
fn pem_certificates(field: &str, pem: &str) -> Result<Vec<Vec<u8>>, Error> {
    use base64::Engine;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let end = after.find(END).ok_or_else(|| config_field(field, "has a certificate with no END line"))?;
        let b64: String = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| config_field(field, "has a certificate that is not valid base64"))?;
        out.push(der);
        rest = &after[end + END.len()..];
    }
    if out.is_empty() {
        return Err(config_field(field, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
    }
    Ok(out)
}

fn config_field(field: &str, rule: &str) -> Error {
    let mut e = Error::invalid_field(field, rule);
    e.kind = ErrorKind::Config;
    e.message = format!("configuration error: {field}: {rule}");
    e
}

/// A configuration document, read and checked (`payup_core::config` describes its keys).
#[derive(Clone, Debug)]
pub struct Config {
    /// Test or production.
    pub env: Env,
    /// Connect timeout in milliseconds.
    pub connect_timeout_ms: u64,
    /// Read timeout in milliseconds.
    pub read_timeout_ms: u64,
    /// Each gateway's credentials.
    pub credentials: Credentials,
    /// Payup's base URL (the environment's default unless set).
    pub payup_base: Option<BaseUrl>,
    /// Payple's base URL (the environment's default unless set).
    pub payple_base: Option<BaseUrl>,
    /// NHN KCP's base URL (the environment's default unless set).
    pub kcp_base: Option<BaseUrl>,
    /// The PC KakaoPay window's script (`payup.kakaopay.window`); defaults to KCP's, or to the
    /// sandbox's when the Payup base URL is loopback.
    pub kcp_script_url: Option<String>,
    /// The explicit HTTP CONNECT proxy (`proxy`); none unless set (the environment is never read).
    pub proxy: Option<ProxyConfig>,
    /// The `ca_file` path, if one is set.
    pub ca_file: Option<String>,
    /// The DER certificates read from `ca_file`: trusted as roots besides the built-in ones.
    pub extra_roots: Vec<Vec<u8>>,
    /// The payment journal, if configured (`crate::journal`).
    pub journal: Option<crate::journal::JournalConfig>,
}

/// The connect timeout when the configuration sets none.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// The read timeout when the configuration sets none.
pub const DEFAULT_READ_TIMEOUT_MS: u64 = 15_000;

impl Config {
    /// Reads a configuration from JSON text.
    pub fn from_json_str(s: &str) -> Result<Config, Error> {
        Self::from_json_str_with(s, &NoSecretSource)
    }

    /// Reads a configuration from JSON text, resolving references and `ca_file` through `source`.
    pub fn from_json_str_with(s: &str, source: &dyn SecretSource) -> Result<Config, Error> {
        // Windows editors save UTF-8 with a byte-order mark; JSON has none.
        let s = s.trim_start_matches('\u{feff}');
        let v: Value = serde_json::from_str(s).map_err(|e| {
            config_field("(config)", &format!("is not valid JSON (line {}, column {})", e.line(), e.column()))
        })?;
        Self::from_json_with(&v, source)
    }

    /// Reads a configuration document with no [`SecretSource`]: a reference or a `ca_file` is a `config`
    /// error. Every problem is a `config` error.
    pub fn from_json(v: &Value) -> Result<Config, Error> {
        Self::from_json_with(v, &NoSecretSource)
    }

    /// Reads a configuration document, resolving references and `ca_file` through `source`.
    pub fn from_json_with(v: &Value, source: &dyn SecretSource) -> Result<Config, Error> {
        let resolved = resolve_references(v, source)?;
        let v = &resolved;
        let to_config = |e: Error| {
            let mut e = e;
            if e.kind == ErrorKind::Invalid {
                e.kind = ErrorKind::Config;
                e.message = e.message.replacen("invalid request", "configuration error", 1);
            }
            e
        };
        let mut d = Doc::new(v).map_err(to_config)?;
        let env = d.opt_str("env");
        let timeouts = d.opt_object("timeouts").cloned();
        let payup_v = d.opt_object("payup").cloned();
        let payple_v = d.opt_object("payple").cloned();
        let kcp_v = d.opt_object("kcp").cloned();
        let proxy = d.opt_str("proxy");
        let ca_file = d.opt_str("ca_file");
        let journal_v = d.opt_object("journal").cloned();
        d.finish().into_result().map_err(to_config)?;
        let env = match env.as_deref() {
            None | Some("test") => Env::Test,
            Some("production") => Env::Production,
            Some(_) => return Err(config_field("env", "must be \"test\" or \"production\"")),
        };
        let (mut connect, mut read) = (DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_READ_TIMEOUT_MS);
        if let Some(t) = timeouts {
            let t = Value::Object(t);
            let mut d = Doc::new(&t)?;
            connect = d.opt_u64("connect_ms").unwrap_or(connect);
            read = d.opt_u64("read_ms").unwrap_or(read);
            prefix(d.finish().into_result(), "timeouts").map_err(to_config)?;
            if connect == 0 || read == 0 || connect > 600_000 || read > 600_000 {
                return Err(config_field("timeouts", "connect_ms and read_ms must be 1–600000"));
            }
        }
        let base = |gateway: Gateway, given: Option<String>, section: &str| -> Result<BaseUrl, Error> {
            match given {
                Some(u) => BaseUrl::parse(&format!("{section}.base_url"), &u),
                None => BaseUrl::parse(&format!("{section}.base_url"), default_base_url(gateway, env)),
            }
        };
        let mut cfg = Config {
            env,
            connect_timeout_ms: connect,
            read_timeout_ms: read,
            credentials: Credentials::default(),
            payup_base: None,
            payple_base: None,
            kcp_base: None,
            kcp_script_url: None,
            proxy: proxy.as_deref().map(ProxyConfig::parse).transpose()?,
            extra_roots: match &ca_file {
                Some(path) => {
                    let pem = source.read_file(path).map_err(|why| {
                        config_field("ca_file", &format!("the file {path} could not be read ({why})"))
                    })?;
                    pem_certificates("ca_file", &pem)?
                }
                None => Vec::new(),
            },
            ca_file,
            journal: journal_v.map(|j| crate::journal::JournalConfig::from_json(&Value::Object(j))).transpose()?,
        };
        if let Some(m) = payup_v {
            let m = Value::Object(m);
            let mut d = Doc::new(&m)?;
            let creds = payup::PayupCredentials::new(d.str("merchant_id"), d.str("api_cert_key"));
            let base_url = d.opt_str("base_url");
            cfg.kcp_script_url = d.opt_str("kcp_script_url");
            prefix(d.finish().into_result(), "payup").map_err(to_config)?;
            creds.validate()?;
            let b = base(Gateway::Payup, base_url, "payup")?;
            if cfg.kcp_script_url.is_none() && is_loopback(&b.host) {
                cfg.kcp_script_url = Some(format!("{}/plugin/payplus_web.jsp", b.url));
            }
            cfg.payup_base = Some(b);
            cfg.credentials.payup = Some(creds);
        }
        if let Some(m) = payple_v {
            let m = Value::Object(m);
            let mut d = Doc::new(&m)?;
            let mut creds = payple::PaypleCredentials::new(d.str("cst_id"), d.str("cust_key"));
            creds.refund_key = d.opt_str("refund_key").map(Secret::opaque);
            creds.referer = d.opt_str("referer");
            let base_url = d.opt_str("base_url");
            prefix(d.finish().into_result(), "payple").map_err(to_config)?;
            creds.validate()?;
            cfg.payple_base = Some(base(Gateway::Payple, base_url, "payple")?);
            cfg.credentials.payple = Some(creds);
        }
        if let Some(m) = kcp_v {
            let m = Value::Object(m);
            let mut d = Doc::new(&m)?;
            let mut creds = kcp::KcpCredentials::new(d.str("site_cd"), d.str("cert_info"));
            let private_key = d.opt_str("private_key").map(Secret::opaque);
            let password = d.opt_str("private_key_password").map(Secret::opaque);
            let base_url = d.opt_str("base_url");
            prefix(d.finish().into_result(), "kcp").map_err(to_config)?;
            creds.validate()?;
            if let Some(pem) = &private_key {
                let signer = kcp::KcpSigner::from_pem(pem.expose(), password.as_ref().map(|p| p.expose()))?;
                creds.signer = Some(std::sync::Arc::new(signer));
            }
            cfg.kcp_base = Some(base(Gateway::Kcp, base_url, "kcp")?);
            cfg.credentials.kcp = Some(creds);
        }
        Ok(cfg)
    }

    /// The base URL of `gateway`, if it is configured.
    pub fn base(&self, gateway: Gateway) -> Option<&BaseUrl> {
        match gateway {
            Gateway::Payup => self.payup_base.as_ref(),
            Gateway::Payple => self.payple_base.as_ref(),
            Gateway::Kcp => self.kcp_base.as_ref(),
        }
    }
}

/// Names nested fields by their section ("payup.merchant_id").
fn prefix(r: Result<(), Error>, section: &str) -> Result<(), Error> {
    r.map_err(|mut e| {
        for f in &mut e.fields {
            f.field = format!("{section}.{}", f.field);
        }
        e.field = e.fields.first().map(|f| f.field.clone());
        let detail = e.fields.iter().map(|f| format!("{}: {}", f.field, f.rule)).collect::<Vec<_>>().join("; ");
        e.message = format!("invalid request: {detail}");
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn http_only_for_loopback() {
        assert!(BaseUrl::parse("b", "http://127.0.0.1:8080").is_ok());
        assert!(BaseUrl::parse("b", "http://[::1]:8080").is_ok());
        assert!(BaseUrl::parse("b", "http://localhost").is_ok());
        let e = BaseUrl::parse("payup.base_url", "http://api.payup.co.kr").unwrap_err();
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Config, Some("payup.base_url")));
        assert!(BaseUrl::parse("b", "https://x/path").is_err());
    }

    #[test]
    fn same_origin() {
        let b = BaseUrl::parse("b", "https://testcpay.payple.kr").unwrap();
        assert!(b.same_origin("https://testcpay.payple.kr/php/PayChkAct.php"));
        assert!(b.same_origin("https://TESTCPAY.payple.kr:443/x"));
        assert!(!b.same_origin("https://cpay.payple.kr/php/PayChkAct.php"));
        assert!(!b.same_origin("https://testcpay.payple.kr.evil.example/x"));
        assert!(!b.same_origin("https://testcpay.payple.kr@evil.example/x"));
        assert!(!b.same_origin("http://testcpay.payple.kr/x"));
    }

    #[test]
    fn config_errors_name_the_field_and_never_the_key() {
        let e = Config::from_json(
            &json!({"payup": {"merchant_id": "tester", "api_cert_key": "SECRETKEY1234", "bogus": 1}}),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert_eq!(e.field.as_deref(), Some("payup.bogus"));
        assert!(!format!("{e} {e:?}").contains("SECRETKEY1234"));
        let e = Config::from_json(&json!({"payup": {"merchant_id": "tester"}})).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("payup.api_cert_key"));
        let c = Config::from_json(&json!({"env": "production", "kcp": {"site_cd": "T0000", "cert_info": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}})).unwrap();
        assert_eq!(c.kcp_base.unwrap().url, "https://spl.kcp.co.kr");
        assert!(c.credentials.payup.is_none());
    }

    /// A source with one variable and one file (core's own tests; transport's tests use the real process).
    struct Fixed;
    impl SecretSource for Fixed {
        fn env_var(&self, name: &str) -> Option<String> {
            (name == "PAYPLE_KEY").then(|| "KEYFROMENV123".to_string())
        }
        fn read_file(&self, path: &str) -> Result<String, String> {
            match path {
                "/secrets/cert_key" => Ok("KEYFROMFILE456\n".into()),
                "/secrets/crlf" => Ok("K\r\n\n".into()),
                _ => Err("NotFound".into()),
            }
        }
    }

    #[test]
    fn secrets_by_reference() {
        let doc = json!({"payup": {"merchant_id": "tester", "api_cert_key": {"file": "/secrets/cert_key"}},
                         "payple": {"cst_id": "test", "cust_key": {"env": "PAYPLE_KEY"}}});
        let c = Config::from_json_with(&doc, &Fixed).unwrap();
        assert_eq!(c.credentials.payup.as_ref().unwrap().api_cert_key.expose(), "KEYFROMFILE456");
        assert_eq!(c.credentials.payple.as_ref().unwrap().cust_key.expose(), "KEYFROMENV123");
        let r = resolve_references(&json!({"kcp": {"cert_info": {"file": "/secrets/crlf"}}}), &Fixed).unwrap();
        assert_eq!(r["kcp"]["cert_info"], "K\r\n", "only one trailing newline is dropped");

        let missing = json!({"payple": {"cst_id": "test", "cust_key": {"env": "NOT_SET"}}});
        let e = Config::from_json_with(&missing, &Fixed).unwrap_err();
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Config, Some("payple.cust_key")));
        assert!(e.message.contains("NOT_SET"), "{}", e.message);
        let unreadable = json!({"payup": {"merchant_id": "t", "api_cert_key": {"file": "/nope"}}});
        let e = Config::from_json_with(&unreadable, &Fixed).unwrap_err();
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Config, Some("payup.api_cert_key")));
        // Core alone reads nothing.
        let e = Config::from_json(&doc).unwrap_err();
        assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Config, Some("payup.api_cert_key")));
        // A resolved key is a secret like a written one: in no error or Debug output.
        let c = Config::from_json_with(&doc, &Fixed).unwrap();
        assert!(!format!("{c:?}").contains("KEYFROM"));
    }

    #[test]
    fn proxy_and_ca_file() {
        let p = ProxyConfig::parse("http://ops:PROXYPW@proxy.corp:3128").unwrap();
        assert_eq!((p.host.as_str(), p.port, p.username.as_deref()), ("proxy.corp", 3128, Some("ops")));
        assert!(!format!("{p:?}").contains("PROXYPW"));
        for bad in ["proxy.corp:3128", "https://proxy.corp:3128", "http://proxy.corp", "http://p:1/x", "http://:1"] {
            let e = ProxyConfig::parse(bad).unwrap_err();
            assert_eq!((e.kind, e.field.as_deref()), (ErrorKind::Config, Some("proxy")), "{bad}");
        }
        let e = Config::from_json_with(&json!({"ca_file": "/secrets/cert_key"}), &Fixed).unwrap_err();
        assert_eq!((e.field.as_deref(), e.message.contains("no PEM certificate")), (Some("ca_file"), true));
        let e = Config::from_json_with(&json!({"ca_file": "/nope"}), &Fixed).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ca_file"));
        assert_eq!(
            pem_certificates("ca_file", "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n").unwrap(),
            vec![vec![0, 1, 2]]
        );
    }
}
