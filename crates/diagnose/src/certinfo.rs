//! Facts about certificates and chains, as an operator reads them.
//!
//! Scan, probe and check all show the chain a server sends and judge it the
//! same way (expiry, weak keys and signatures, order, completeness, trust
//! against a client's store with its verify depth), so those judgements live
//! here once, on top of OpenSSL's own verifier.

use std::os::raw::c_int;

use foreign_types::ForeignTypeRef;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam};
use openssl::x509::{X509NameRef, X509Ref, X509StoreContext, X509VerifyResult, X509};

/// One certificate, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// `DNS:name` and `IP:address` entries.
    pub sans: Vec<String>,
    pub serial: String,
    /// RFC 3339, UTC.
    /// RFC 3339, UTC, or [`UNREADABLE_DATE`] when OpenSSL cannot convert
    /// the certificate's time (PostgreSQL still serves such a certificate).
    pub not_before: String,
    pub not_after: String,
    /// None when notAfter could not be read.
    pub not_after_epoch: Option<i64>,
    /// Whole days from now until notAfter; negative when expired; None
    /// when notAfter could not be read.
    pub days_left: Option<i64>,
    /// Whether notBefore is known to be still in the future.
    pub not_yet_valid: bool,
    /// Whether either date could not be read.
    pub date_unreadable: bool,
    /// `EC P-256`, `RSA 2048`, `Ed25519`…
    pub key: String,
    pub key_bits: u32,
    /// `ecdsa-with-SHA256`, `sha256WithRSAEncryption`…
    pub signature: String,
    pub is_ca: bool,
    pub self_signed: bool,
    pub sha256: String,
}

/// A name as `CN=…, O=…`, most specific first as OpenSSL's one-line form shows it.
pub fn name_text(name: &X509NameRef) -> String {
    let parts: Vec<String> = name
        .entries()
        .map(|e| {
            let key = e.object().nid().short_name().unwrap_or("?").to_string();
            let value = String::from_utf8_lossy(e.data().as_slice()).into_owned();
            format!("{key}={value}")
        })
        .collect();
    parts.join(", ")
}

/// The certificate's common name, if any.
pub fn common_name(cert: &X509Ref) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .map(|e| String::from_utf8_lossy(e.data().as_slice()).into_owned())
}

/// What a date OpenSSL cannot convert reads as, instead of a false one.
pub const UNREADABLE_DATE: &str = "(could not read the date)";

/// Seconds since the epoch, or None when OpenSSL cannot convert the time
/// (a malformed UTCTime or GeneralizedTime).
fn epoch_of(time: &Asn1TimeRef) -> Option<i64> {
    let zero = Asn1Time::from_unix(0).ok()?;
    let d = zero.diff(time).ok()?;
    Some(i64::from(d.days) * 86_400 + i64::from(d.secs))
}

fn date_text(epoch: Option<i64>) -> String {
    epoch.map_or_else(|| UNREADABLE_DATE.to_string(), rfc3339)
}

impl CertInfo {
    /// Known to be past notAfter.
    pub fn expired(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }

    /// Days since notAfter (0 unless expired).
    pub fn days_ago(&self) -> i64 {
        self.days_left.filter(|d| *d < 0).map_or(0, |d| -d)
    }

    /// The days left when the certificate is valid and expires within
    /// `days`.
    pub fn expiring_within(&self, days: i64) -> Option<i64> {
        self.days_left.filter(|d| (0..days).contains(d))
    }
}

/// Seconds since the epoch, now.
pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 in UTC from epoch seconds (civil-from-days, no time-zone data needed).
pub fn rfc3339(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

fn key_text(cert: &X509Ref) -> (String, u32) {
    let Ok(key) = cert.public_key() else {
        return ("unknown".into(), 0);
    };
    let bits = key.bits();
    let text = match key.id() {
        Id::RSA => format!("RSA {bits}"),
        Id::EC => {
            let curve = key
                .ec_key()
                .ok()
                .and_then(|ec| ec.group().curve_name())
                .and_then(|nid| match nid {
                    Nid::X9_62_PRIME256V1 => Some("P-256".to_string()),
                    Nid::SECP384R1 => Some("P-384".to_string()),
                    Nid::SECP521R1 => Some("P-521".to_string()),
                    other => other.short_name().ok().map(str::to_string),
                })
                .unwrap_or_else(|| format!("{bits} bits"));
            format!("EC {curve}")
        }
        Id::ED25519 => "Ed25519".into(),
        Id::ED448 => "Ed448".into(),
        Id::DSA => format!("DSA {bits}"),
        _ => format!("{bits} bits"),
    };
    (text, bits)
}

/// Describes one certificate relative to `now` (epoch seconds).
pub fn describe(cert: &X509Ref, now: i64) -> CertInfo {
    let sans = cert
        .subject_alt_names()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| {
                    if let Some(dns) = n.dnsname() {
                        Some(format!("DNS:{dns}"))
                    } else if let Some(ip) = n.ipaddress() {
                        match ip.len() {
                            4 => Some(format!(
                                "IP:{}",
                                std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])
                            )),
                            16 => {
                                let mut b = [0u8; 16];
                                b.copy_from_slice(ip);
                                Some(format!("IP:{}", std::net::Ipv6Addr::from(b)))
                            }
                            _ => None,
                        }
                    } else {
                        n.email().map(|e| format!("email:{e}"))
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let not_before = epoch_of(cert.not_before());
    let not_after = epoch_of(cert.not_after());
    let (key, key_bits) = key_text(cert);
    let signature = cert
        .signature_algorithm()
        .object()
        .nid()
        .long_name()
        .map(str::to_string)
        .unwrap_or_else(|_| cert.signature_algorithm().object().to_string());
    let signature = match cert.signature_algorithm().object().nid().short_name() {
        Ok(short) if short.contains("with") || short.starts_with("ecdsa") => short.to_string(),
        _ => signature,
    };
    let serial = cert
        .serial_number()
        .to_bn()
        .and_then(|bn| bn.to_hex_str().map(|s| s.to_string()))
        .unwrap_or_default();
    let sha256 = cert
        .digest(MessageDigest::sha256())
        .map(|d| {
            d.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        })
        .unwrap_or_default();
    let self_signed = cert.issued(cert) == X509VerifyResult::OK;
    CertInfo {
        subject: name_text(cert.subject_name()),
        issuer: name_text(cert.issuer_name()),
        sans,
        serial,
        not_before: date_text(not_before),
        not_after: date_text(not_after),
        not_after_epoch: not_after,
        days_left: not_after.map(|t| (t - now).div_euclid(86_400)),
        not_yet_valid: not_before.is_some_and(|t| t > now),
        date_unreadable: not_before.is_none() || not_after.is_none(),
        key,
        key_bits,
        signature,
        is_ca: is_ca(cert),
        self_signed,
        sha256,
    }
}

fn is_ca(cert: &X509Ref) -> bool {
    // The openssl crate has no basicConstraints accessor; OpenSSL's own
    // parsed extension flags say whether it is CA:TRUE.
    // SAFETY: a valid certificate; the call only fills OpenSSL's cached
    // extension data inside it and returns a copy of the flags.
    let flags = unsafe { openssl_sys::X509_get_extension_flags(cert.as_ptr()) };
    flags & openssl_sys::EXFLAG_CA != 0
}

/// Why a key or signature is weak under Debian's default SECLEVEL 2.
pub fn weakness(info: &CertInfo) -> Option<String> {
    let sig = info.signature.to_ascii_lowercase();
    if info.key.starts_with("RSA") && info.key_bits < 2048 {
        return Some(format!("{} key (SECLEVEL 2 needs RSA >= 2048)", info.key));
    }
    if info.key.starts_with("DSA") && info.key_bits < 2048 {
        return Some(format!("{} key", info.key));
    }
    if !info.self_signed
        && (sig.contains("md5") || sig.contains("sha1") || sig.starts_with("sha-1"))
    {
        return Some(format!(
            "{} signature (SECLEVEL 2 needs SHA-256 or better)",
            info.signature
        ));
    }
    None
}

/// How the chain a server sends is put together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainShape {
    /// Each certificate is issued by the next one.
    pub in_order: bool,
    /// The last certificate is self-signed (a root was sent) or its issuer
    /// is not among the certificates sent (normal: the client has the root).
    pub ends_in_root: bool,
    /// The number of intermediates sent (neither leaf nor self-signed).
    pub intermediates: usize,
}

pub fn chain_shape(chain: &[X509]) -> ChainShape {
    let in_order = chain
        .windows(2)
        .all(|w| w[1].issued(&w[0]) == X509VerifyResult::OK);
    let ends_in_root = chain
        .last()
        .is_some_and(|c| c.issued(c) == X509VerifyResult::OK);
    let intermediates = chain
        .iter()
        .skip(1)
        .filter(|c| c.issued(c) != X509VerifyResult::OK)
        .count();
    ChainShape {
        in_order,
        ends_in_root,
        intermediates,
    }
}

/// The chain as it should be sent: indexes into `chain` from the leaf
/// (index 0) through each issuer found among the certificates sent, and
/// the indexes of those that issued none of them.
pub fn issuing_order(chain: &[X509]) -> (Vec<usize>, Vec<usize>) {
    if chain.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut order = vec![0];
    loop {
        let current = &chain[*order.last().unwrap_or(&0)];
        if current.issued(current) == X509VerifyResult::OK {
            break;
        }
        let next = (0..chain.len())
            .find(|i| !order.contains(i) && chain[*i].issued(current) == X509VerifyResult::OK);
        match next {
            Some(i) => order.push(i),
            None => break,
        }
    }
    let strays = (0..chain.len()).filter(|i| !order.contains(i)).collect();
    (order, strays)
}

/// An intermediate the server should send: among `candidates` (CA
/// certificates pgtls found next to the trust store or the server's
/// certificate, with their files), one that issued the last certificate
/// sent, is not a root, and with which the chain verifies against
/// `anchors`. What makes a leaf sent alone PGTLS014 rather than PGTLS005,
/// the same way in probe, check and scan.
pub fn completing_intermediate<'a>(
    chain: &[X509],
    anchors: &[X509],
    candidates: &'a [(X509, String)],
) -> Option<&'a (X509, String)> {
    let last = chain.last()?;
    candidates.iter().find(|(c, _)| {
        c.issued(last) == X509VerifyResult::OK
            && c.issued(c) != X509VerifyResult::OK
            && describe(c, 0).is_ca
            && {
                let mut extended = chain.to_vec();
                extended.push(c.clone());
                verify_chain(&extended, anchors, None).is_ok_and(|v| v.ok)
            }
    })
}

/// OpenSSL's verdict on a chain against a trust store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    /// OpenSSL's verify code (0 when ok), e.g. 20, 21, 10.
    pub code: i32,
    /// OpenSSL's text for the code, e.g. `unable to get local issuer certificate`.
    pub text: String,
    /// The depth of the certificate that failed.
    pub depth: u32,
    /// The code a client that verifies after the handshake reports (Kong's
    /// cosocket: verify mode none, then SSL_get_verify_result): OpenSSL goes
    /// on past the first error and the last one is kept.
    pub after_handshake_code: i32,
    pub after_handshake_text: String,
}

/// Verifies `chain` (leaf first, as sent) against `anchors`, as a client with
/// that trust store and verify depth would; no host-name check.
pub fn verify_chain(
    chain: &[X509],
    anchors: &[X509],
    depth: Option<u32>,
) -> Result<Verdict, openssl::error::ErrorStack> {
    let Some(leaf) = chain.first() else {
        return Ok(Verdict {
            ok: false,
            code: -1,
            text: "no certificate".into(),
            depth: 0,
            after_handshake_code: -1,
            after_handshake_text: "no certificate".into(),
        });
    };
    let mut builder = X509StoreBuilder::new()?;
    for anchor in anchors {
        // Duplicates are harmless; OpenSSL 3 ignores them.
        let _ = builder.add_cert(anchor.clone());
    }
    builder.set_flags(X509VerifyFlags::empty())?;
    if let Some(d) = depth {
        // SSL_CTX_set_verify_depth semantics: how many certificates may sit
        // between the leaf and the trust anchor.
        let mut param = X509VerifyParam::new()?;
        param.set_depth(d.min(i32::MAX as u32) as i32);
        builder.set_param(&param)?;
    }
    let store = builder.build();
    // As libssl does (ssl_verify_cert_chain): the whole received chain,
    // leaf included, is the untrusted stack, which is what makes OpenSSL
    // report 21 rather than 20 for a lone leaf from an unknown CA.
    let mut untrusted = Stack::new()?;
    for cert in chain {
        untrusted.push(cert.clone())?;
    }
    let mut ctx = X509StoreContext::new()?;
    let (ok, code, text, depth) = ctx.init(&store, leaf, &untrusted, |c| {
        let ok = c.verify_cert()?;
        let err = c.error();
        Ok((
            ok,
            err.as_raw(),
            err.error_string().to_string(),
            c.error_depth(),
        ))
    })?;
    let mut ctx = X509StoreContext::new()?;
    let (after_code, after_text) = ctx.init(&store, leaf, &untrusted, |c| {
        continue_past_errors(c);
        c.verify_cert()?;
        let err = c.error();
        Ok((err.as_raw(), err.error_string().to_string()))
    })?;
    Ok(Verdict {
        ok,
        code: if ok { 0 } else { code },
        text: if ok { "ok".into() } else { text },
        depth,
        after_handshake_code: if ok { 0 } else { after_code },
        after_handshake_text: if ok { "ok".into() } else { after_text },
    })
}

/// Makes the verification go on after an error, as libssl does under
/// SSL_VERIFY_NONE; the openssl crate has no safe binding for this.
fn continue_past_errors(ctx: &mut openssl::x509::X509StoreContextRef) {
    extern "C" fn keep_going(_ok: c_int, _ctx: *mut openssl_sys::X509_STORE_CTX) -> c_int {
        1
    }
    extern "C" {
        fn X509_STORE_CTX_set_verify_cb(
            ctx: *mut openssl_sys::X509_STORE_CTX,
            cb: Option<extern "C" fn(c_int, *mut openssl_sys::X509_STORE_CTX) -> c_int>,
        );
    }
    // SAFETY: the context is initialised (we are inside `init`), and the
    // callback neither keeps nor dereferences the pointer.
    unsafe { X509_STORE_CTX_set_verify_cb(ctx.as_ptr(), Some(keep_going)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_392_000), "2026-11-23T00:00:00Z");
    }
}
