//! kcp_sign_data: our SHA256withRSA signature equals `openssl dgst -sha256 -sign` for the same key, in
//! each key format merchants have (PKCS#8, encrypted PKCS#8 with KCP's test password, PKCS#1).

use payup_core::ErrorKind;
use payup_core::kcp::{KcpSigner, cancel_sign_input};
use std::process::Command;

fn openssl(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl (scripts/test installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// One RSA key in the three formats payup reads: `key.pem` (PKCS#8), `enc.pem` (encrypted PKCS#8, password
/// `changeit`, as KCP's samples ship it) and `pkcs1.pem`.
fn make_keys(dir: &std::path::Path) {
    openssl(dir, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem"]);
    openssl(
        dir,
        &["pkcs8", "-topk8", "-in", "key.pem", "-v2", "aes-256-cbc", "-passout", "pass:changeit", "-out", "enc.pem"],
    );
    openssl(dir, &["rsa", "-in", "key.pem", "-traditional", "-out", "pkcs1.pem"]);
}

#[test]
fn signature_equals_openssl_for_every_key_format() {
    let dir = std::env::temp_dir().join(format!("payup-kcp-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    make_keys(&dir);
    let data = cancel_sign_input("T0000", "26112200000001", "STSC");
    assert_eq!(data, "T0000^26112200000001^STSC");
    std::fs::write(dir.join("data.txt"), &data).unwrap();
    let sig = openssl(&dir, &["dgst", "-sha256", "-sign", "key.pem", "data.txt"]);
    std::fs::write(dir.join("sig.bin"), &sig).unwrap();
    let expected = String::from_utf8(openssl(&dir, &["base64", "-A", "-in", "sig.bin"])).unwrap();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    for (file, password) in [("key.pem", None), ("enc.pem", Some("changeit")), ("pkcs1.pem", None)] {
        let signer = KcpSigner::from_pem(&read(file), password).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(signer.sign(&data, &ring::rand::SystemRandom::new()).unwrap(), expected.trim(), "{file}");
        assert!(!format!("{signer:?}").contains("PRIVATE"), "Debug shows no key");
    }
    // A wrong password and a missing one are configuration errors that quote nothing.
    let e = KcpSigner::from_pem(&read("enc.pem"), Some("wrong-password")).unwrap_err();
    assert_eq!((e.kind(), e.field()), (ErrorKind::Config, Some("kcp.private_key")));
    assert!(!e.to_string().contains("wrong-password"));
    let e = KcpSigner::from_pem(&read("enc.pem"), None).unwrap_err();
    assert!(e.to_string().contains("private_key_password"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `openssl dgst -sha256 -verify` accepts payup's (ring's) signatures, for each key format, with the key's
/// public half; a signature over other data is refused (the check is not vacuous).
#[test]
fn openssl_verifies_signatures_for_every_key_format() {
    use base64::Engine;
    let dir = std::env::temp_dir().join(format!("payup-kcp-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    make_keys(&dir);
    openssl(&dir, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let data = cancel_sign_input("T0000", "26112200000002", "STPC");
    std::fs::write(dir.join("data.txt"), &data).unwrap();
    std::fs::write(dir.join("other.txt"), "T0000^26112200000002^STSC").unwrap();
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let random = ring::rand::SystemRandom::new();
    for (file, password) in [("key.pem", None), ("enc.pem", Some("changeit")), ("pkcs1.pem", None)] {
        let signer = KcpSigner::from_pem(&read(file), password).unwrap_or_else(|e| panic!("{file}: {e}"));
        let sig = base64::engine::general_purpose::STANDARD.decode(signer.sign(&data, &random).unwrap()).unwrap();
        std::fs::write(dir.join("sig.bin"), &sig).unwrap();
        let ok = openssl(&dir, &["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "data.txt"]);
        assert_eq!(String::from_utf8_lossy(&ok).trim(), "Verified OK", "{file}");
        let refused = Command::new("openssl")
            .args(["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "other.txt"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(!refused.status.success(), "{file}: openssl must refuse a signature over other data");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
