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
        info.days_left.is_some_and(|d| d > 300 && d < 366),
        "{:?}",
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
    assert!(expired.expired() && expired.days_ago() > 0);
    let weak = describe(&certs(files::SERVER_WEAK)[0], now_epoch());
    assert_eq!(weak.key, "RSA 1024");
    assert!(weakness(&weak).is_some());
}

/// The lab's server certificate with its notAfter's month rewritten to 13:
/// OpenSSL still parses the certificate (PostgreSQL still serves it) but
/// cannot convert the date.
fn cert_with_unreadable_not_after() -> X509 {
    let good = &certs(files::SERVER)[0];
    let mut der = good.to_der().expect("DER");
    let after = good.not_after().to_string();
    assert!(!after.is_empty());
    // UTCTime (tag 0x17, 13 bytes YYMMDDHHMMSSZ): the second one in the
    // TBSCertificate is notAfter.
    let times: Vec<usize> = der
        .windows(2)
        .enumerate()
        .filter(|(i, w)| w == &[0x17, 13] && der.get(i + 14) == Some(&b'Z'))
        .map(|(i, _)| i)
        .collect();
    let at = *times.get(1).expect("notBefore and notAfter as UTCTime");
    der[at + 4] = b'1';
    der[at + 5] = b'3';
    X509::from_der(&der).expect("still a certificate")
}

#[test]
fn an_unreadable_date_is_said_so_not_read_as_1970() {
    let cert = cert_with_unreadable_not_after();
    let info = describe(&cert, now_epoch());
    assert_eq!(info.days_left, None, "{info:?}");
    assert_eq!(info.not_after_epoch, None);
    assert!(info.date_unreadable);
    assert!(!info.expired(), "an unknown date is not an expiry");
    assert!(!info.not_after.contains("1970"), "{}", info.not_after);
    assert!(info.not_after.contains("could not read the date"));
    assert_eq!(info.expiring_within(30), None);
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
