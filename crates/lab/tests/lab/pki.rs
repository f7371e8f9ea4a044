//! The PKI: every file exists with the right mode, and each certificate
//! verifies (or fails to verify) the way the failures it stands for need.

use std::fs;
use std::net::IpAddr;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509ExtendedKeyUsage, X509KeyUsage, X509PurposeId, X509StoreContext, X509};
use pgtls_lab::{files, issue_cert, shared_pki, CertSpec, KeyType, Pki, Validity};

fn pki() -> &'static Pki {
    shared_pki().expect("shared PKI")
}

fn cert(file: &str) -> X509 {
    X509::from_pem(&pki().read(file).unwrap()).unwrap()
}

fn store(cas: &[&str], host: Option<&str>, purpose: X509PurposeId) -> X509Store {
    let mut b = X509StoreBuilder::new().unwrap();
    for ca in cas {
        b.add_cert(cert(ca)).unwrap();
    }
    // Strict mode also checks that CA certificates are well formed
    // (critical basicConstraints CA:TRUE, keyCertSign, key identifiers).
    b.set_flags(X509VerifyFlags::X509_STRICT).unwrap();
    b.set_purpose(purpose).unwrap();
    if let Some(h) = host {
        let mut p = X509VerifyParam::new().unwrap();
        p.set_host(h).unwrap();
        b.set_param(&p).unwrap();
    }
    b.build()
}

/// Ok(()) or OpenSSL's verification error text.
fn verify(leaf: &X509, untrusted: &[X509], store: &X509Store) -> Result<(), String> {
    let mut chain = Stack::new().unwrap();
    for c in untrusted {
        chain.push(c.clone()).unwrap();
    }
    let mut ctx = X509StoreContext::new().unwrap();
    ctx.init(store, leaf, &chain, |c| {
        let ok = c.verify_cert()?;
        Ok(if ok {
            Ok(())
        } else {
            Err(c.error().error_string().to_string())
        })
    })
    .unwrap()
}

fn cn(c: &X509) -> String {
    c.subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .next()
        .unwrap()
        .data()
        .to_string()
        .unwrap()
}

fn sans(c: &X509) -> Vec<String> {
    c.subject_alt_names()
        .map(|names| {
            names
                .iter()
                .map(|n| match (n.dnsname(), n.ipaddress()) {
                    (Some(d), _) => format!("DNS:{d}"),
                    (None, Some(ip)) if ip.len() == 4 => {
                        format!("IP:{}", IpAddr::from(<[u8; 4]>::try_from(ip).unwrap()))
                    }
                    (None, Some(ip)) => {
                        format!("IP:{}", IpAddr::from(<[u8; 16]>::try_from(ip).unwrap()))
                    }
                    _ => "other".to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_file_exists_with_its_mode() {
    let pki = pki();
    let dir_meta = fs::metadata(pki.dir()).unwrap();
    assert_eq!(dir_meta.permissions().mode() & 0o777, 0o755);
    assert!(pki.dir().starts_with(std::env::temp_dir()));
    assert!(pki
        .dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("pgtls-lab-"));
    assert_eq!(files::ALL.len(), 25);
    for f in files::ALL {
        let meta = fs::metadata(pki.path(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let mode = meta.permissions().mode() & 0o777;
        let text = fs::read_to_string(pki.path(f)).unwrap();
        if f.ends_with(".key") {
            assert_eq!(mode, 0o600, "{f}");
            // SAFETY: geteuid cannot fail.
            assert_eq!(meta.uid(), unsafe { libc::geteuid() }, "{f}");
            assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"), "{f}");
        } else {
            assert_eq!(mode, 0o644, "{f}");
            assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{f}");
        }
    }
}

#[test]
fn shared_pki_is_generated_once() {
    let a = shared_pki().unwrap();
    let b = shared_pki().unwrap();
    assert!(std::ptr::eq(a, b));
    assert_eq!(
        a.root_ca().cert.to_der().unwrap(),
        cert(files::ROOT_CA).to_der().unwrap()
    );
}

#[test]
fn subjects_names_and_usages() {
    assert_eq!(cn(&cert(files::ROOT_CA)), "pgtls lab root CA");
    assert_eq!(cn(&cert(files::OTHER_CA)), "pgtls lab unrelated CA");
    let root = cert(files::ROOT_CA);
    assert!(root
        .key_usage()
        .unwrap()
        .contains(X509KeyUsage::KEY_CERT_SIGN));
    assert_eq!(cert(files::INTERMEDIATE_CA).pathlen(), Some(0));

    let localhost = vec!["DNS:localhost", "IP:127.0.0.1", "IP:::1"];
    for f in [
        files::SERVER,
        files::SERVER_EXPIRED,
        files::SERVER_VIA_INTERMEDIATE,
        files::SERVER_WEAK,
    ] {
        let c = cert(f);
        assert_eq!(cn(&c), "localhost", "{f}");
        assert_eq!(sans(&c), localhost, "{f}");
        assert!(c
            .extended_key_usage()
            .unwrap()
            .contains(X509ExtendedKeyUsage::SSL_SERVER));
    }
    let other = cert(files::SERVER_OTHER_HOST);
    assert_eq!(cn(&other), "db.example.com");
    assert_eq!(sans(&other), vec!["DNS:db.example.com"]);

    for (f, want) in [
        (files::CLIENT_KONG, "kong"),
        (files::CLIENT_FOO, "foo@example.com"),
        (files::CLIENT_OTHER_CA, "kong"),
        (files::CLIENT_EXPIRED, "kong"),
    ] {
        let c = cert(f);
        assert_eq!(cn(&c), want, "{f}");
        assert!(c
            .extended_key_usage()
            .unwrap()
            .contains(X509ExtendedKeyUsage::SSL_CLIENT));
    }

    let weak = cert(files::SERVER_WEAK).public_key().unwrap();
    assert_eq!(weak.bits(), 1024);
    assert!(weak.rsa().is_ok());
    let strong = cert(files::SERVER).public_key().unwrap();
    assert!(strong.ec_key().is_ok());
    assert_eq!(strong.bits(), 256);
}

#[test]
fn server_chains_verify_as_intended() {
    let by_root = store(
        &[files::ROOT_CA],
        Some("localhost"),
        X509PurposeId::SSL_SERVER,
    );
    assert_eq!(verify(&cert(files::SERVER), &[], &by_root), Ok(()));

    let expired = verify(&cert(files::SERVER_EXPIRED), &[], &by_root).unwrap_err();
    assert_eq!(expired, "certificate has expired");

    let mismatch = verify(&cert(files::SERVER_OTHER_HOST), &[], &by_root).unwrap_err();
    assert_eq!(mismatch, "hostname mismatch");
    let for_db = store(
        &[files::ROOT_CA],
        Some("db.example.com"),
        X509PurposeId::SSL_SERVER,
    );
    assert_eq!(
        verify(&cert(files::SERVER_OTHER_HOST), &[], &for_db),
        Ok(())
    );

    // The leaf alone does not reach the root; with the intermediate it does.
    let leaf = cert(files::SERVER_VIA_INTERMEDIATE);
    assert_eq!(
        verify(&leaf, &[], &by_root).unwrap_err(),
        "unable to get local issuer certificate"
    );
    assert_eq!(
        verify(&leaf, &[cert(files::INTERMEDIATE_CA)], &by_root),
        Ok(())
    );
    let chain =
        X509::stack_from_pem(&pki().read(files::SERVER_VIA_INTERMEDIATE_CHAIN).unwrap()).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].to_der().unwrap(), leaf.to_der().unwrap());
    assert_eq!(
        chain[1].to_der().unwrap(),
        cert(files::INTERMEDIATE_CA).to_der().unwrap()
    );
    assert_eq!(verify(&chain[0], &chain[1..], &by_root), Ok(()));

    // Trusting only the unrelated CA verifies none of the root's certificates.
    let by_other = store(
        &[files::OTHER_CA],
        Some("localhost"),
        X509PurposeId::SSL_SERVER,
    );
    assert!(verify(&cert(files::SERVER), &[], &by_other).is_err());
}

#[test]
fn client_chains_verify_as_intended() {
    let by_root = store(&[files::ROOT_CA], None, X509PurposeId::SSL_CLIENT);
    assert_eq!(verify(&cert(files::CLIENT_KONG), &[], &by_root), Ok(()));
    assert_eq!(verify(&cert(files::CLIENT_FOO), &[], &by_root), Ok(()));
    assert_eq!(
        verify(&cert(files::CLIENT_OTHER_CA), &[], &by_root).unwrap_err(),
        "unable to get local issuer certificate"
    );
    let by_other = store(&[files::OTHER_CA], None, X509PurposeId::SSL_CLIENT);
    assert_eq!(
        verify(&cert(files::CLIENT_OTHER_CA), &[], &by_other),
        Ok(())
    );
    assert_eq!(
        verify(&cert(files::CLIENT_EXPIRED), &[], &by_root).unwrap_err(),
        "certificate has expired"
    );
}

#[test]
fn keys_match_their_certificates() {
    let pairs = [
        (files::ROOT_CA, files::ROOT_CA_KEY),
        (files::SERVER, files::SERVER_KEY),
        (
            files::SERVER_VIA_INTERMEDIATE,
            files::SERVER_VIA_INTERMEDIATE_KEY,
        ),
        (files::SERVER_WEAK, files::SERVER_WEAK_KEY),
        (files::CLIENT_KONG, files::CLIENT_KONG_KEY),
        (files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY),
    ];
    for (c, k) in pairs {
        let key = openssl::pkey::PKey::private_key_from_pem(&pki().read(k).unwrap()).unwrap();
        assert!(cert(c).public_key().unwrap().public_eq(&key), "{c} / {k}");
    }
    // Different leaves never share a key.
    let a = pki().read(files::SERVER_KEY).unwrap();
    let b = pki().read(files::SERVER_EXPIRED_KEY).unwrap();
    assert_ne!(a, b);
}

#[test]
fn issue_cert_honours_the_spec() {
    let root = pki().root_ca();
    let spec = CertSpec::client("someone")
        .dns("client.example")
        .validity(Validity {
            not_before_days: -10,
            not_after_days: 5,
        })
        .key_type(KeyType::Rsa(2048));
    let issued = issue_cert(&spec, Some(root)).unwrap();
    assert_eq!(issued.common_name(), "someone");
    assert_eq!(sans(&issued.cert), vec!["DNS:client.example"]);
    assert_eq!(issued.key.bits(), 2048);
    let by_root = store(&[files::ROOT_CA], None, X509PurposeId::SSL_CLIENT);
    assert_eq!(verify(&issued.cert, &[], &by_root), Ok(()));
    let days = openssl::asn1::Asn1Time::days_from_now(0)
        .unwrap()
        .diff(issued.cert.not_after())
        .unwrap()
        .days;
    assert!((4..=5).contains(&days), "{days}");
    // Serial numbers are random, so two issues differ.
    let again = issue_cert(&spec, Some(root)).unwrap();
    assert_ne!(
        issued.cert.serial_number().to_bn().unwrap(),
        again.cert.serial_number().to_bn().unwrap()
    );
    // Debug never shows key material.
    let dbg = format!("{issued:?}");
    assert!(dbg.contains("someone") && !dbg.contains("PRIVATE"), "{dbg}");
}

#[test]
fn generate_into_a_given_directory() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::generate(&dir.path().join("sub")).unwrap();
    for f in files::ALL {
        assert!(pki.path(f).is_file(), "{f}");
    }
    assert_ne!(
        pki.read(files::ROOT_CA).unwrap(),
        shared_pki().unwrap().read(files::ROOT_CA).unwrap()
    );
}
