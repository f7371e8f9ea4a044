//! Chain judgements against the lab's real PKI.

use openssl::x509::X509;
use pgtls_diagnose::certinfo::{chain_shape, describe, now_epoch, verify_chain, weakness};
use pgtls_lab::{files, shared_pki};

fn certs(name: &str) -> Vec<X509> {
    let pki = shared_pki().expect("lab PKI");
    X509::stack_from_pem(&pki.read(name).expect("read")).expect("PEM")
}

#[test]
fn describes_the_lab_server_certificate() {
    let info = describe(&certs(files::SERVER)[0], now_epoch());
    assert_eq!(info.subject, "CN=localhost");
    assert!(info.sans.contains(&"DNS:localhost".to_string()));
    assert!(info.sans.contains(&"IP:127.0.0.1".to_string()));
    assert_eq!(info.key, "EC P-256");
    assert_eq!(info.signature, "ecdsa-with-SHA256");
    assert!(
        info.days_left > 300 && info.days_left < 366,
        "{}",
        info.days_left
    );
    assert!(!info.is_ca && !info.self_signed);
    assert!(weakness(&info).is_none());
    let root = describe(&certs(files::ROOT_CA)[0], now_epoch());
    assert!(root.is_ca && root.self_signed);
}

#[test]
fn expired_and_weak_are_seen() {
    let expired = describe(&certs(files::SERVER_EXPIRED)[0], now_epoch());
    assert!(expired.days_left < 0);
    let weak = describe(&certs(files::SERVER_WEAK)[0], now_epoch());
    assert_eq!(weak.key, "RSA 1024");
    assert!(weakness(&weak).is_some());
}

#[test]
fn verification_reports_openssl_codes() {
    let root = certs(files::ROOT_CA);
    let ok = verify_chain(&certs(files::SERVER), &root, Some(1)).expect("verify");
    assert!(ok.ok, "{ok:?}");

    let untrusted =
        verify_chain(&certs(files::SERVER), &certs(files::OTHER_CA), Some(1)).expect("verify");
    assert!(!untrusted.ok);
    assert_eq!(
        untrusted.after_handshake_code, 21,
        "Kong reads 21: {untrusted:?}"
    );

    let expired = verify_chain(&certs(files::SERVER_EXPIRED), &root, None).expect("verify");
    assert_eq!(expired.code, 10, "{expired:?}");

    let missing_intermediate =
        verify_chain(&certs(files::SERVER_VIA_INTERMEDIATE), &root, None).expect("verify");
    assert_eq!(missing_intermediate.code, 20, "{missing_intermediate:?}");

    let chain = certs(files::SERVER_VIA_INTERMEDIATE_CHAIN);
    assert_eq!(chain.len(), 2);
    let shape = chain_shape(&chain);
    assert!(shape.in_order && !shape.ends_in_root && shape.intermediates == 1);
    assert!(verify_chain(&chain, &root, Some(1)).expect("verify").ok);
    let too_deep = verify_chain(&chain, &root, Some(0)).expect("verify");
    assert!(!too_deep.ok);
    assert_eq!(
        too_deep.after_handshake_code, 20,
        "Kong's depth-0 failure reads 20: {too_deep:?}"
    );
    println!("untrusted {untrusted:?}\nmissing intermediate {missing_intermediate:?}\ntoo deep {too_deep:?}");
}
