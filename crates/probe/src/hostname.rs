//! libpq 15's `verify-full` host-name check, reproduced rule for rule
//! (fe-secure-common.c and fe-secure-openssl.c), because its verdict and its
//! exact message are what a psql user sees: SAN dNSName entries with a single
//! leading `*.` wildcard that does not cross a dot, SAN iPAddress entries
//! compared byte for byte (the host parsed as `inet_aton` does, so `127.1`
//! is 127.0.0.1), and the subject CN only when no SAN of the host's own kind
//! (DNS or IP) exists. OpenSSL's own host check differs on several of these
//! points, so it is not used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use openssl::nid::Nid;
use openssl::x509::X509Ref;

/// The verdict of the host-name check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCheck {
    /// A name matched.
    Match,
    /// No name matched; `message` is libpq's text.
    Mismatch {
        /// libpq's message, e.g. `server certificate for "localhost" does
        /// not match host name "127.0.0.1"`.
        message: String,
        /// The first name examined.
        first_name: Option<String>,
        /// How many names were examined.
        names_examined: usize,
    },
    /// The certificate cannot be checked (embedded NUL, bad IP length).
    Error {
        /// libpq's message.
        message: String,
    },
}

/// Checks `cert` against `host` as libpq 15 does.
pub fn check_host_name(cert: &X509Ref, host: &str) -> HostCheck {
    if host.is_empty() {
        return HostCheck::Error {
            message: "host name must be specified for a verified SSL connection".into(),
        };
    }
    let host_ip = parse_host_ip(host);
    let host_is_ip = host_ip.is_some();
    let mut names_examined = 0usize;
    let mut first_name: Option<String> = None;
    let mut check_cn = true;
    let mut matched = false;

    if let Some(sans) = cert.subject_alt_names() {
        for name in sans.iter() {
            let result = if let Some(dns) = name.dnsname() {
                if !host_is_ip {
                    check_cn = false;
                }
                names_examined += 1;
                first_name.get_or_insert_with(|| dns.to_string());
                name_matches(dns, host)
            } else if let Some(ip) = name.ipaddress() {
                if host_is_ip {
                    check_cn = false;
                }
                names_examined += 1;
                let shown = match ip_to_string(ip) {
                    Some(shown) => shown,
                    None => {
                        return HostCheck::Error {
                            message: format!(
                                "certificate contains IP address with invalid length {}",
                                ip.len()
                            ),
                        }
                    }
                };
                first_name.get_or_insert(shown);
                Ok(host_ip.is_some_and(|h| ip_bytes(h) == ip))
            } else {
                continue;
            };
            match result {
                Ok(true) => {
                    matched = true;
                    check_cn = false;
                    break;
                }
                Ok(false) => {}
                Err(message) => return HostCheck::Error { message },
            }
        }
    }

    if check_cn && !matched {
        if let Some(entry) = cert.subject_name().entries_by_nid(Nid::COMMONNAME).next() {
            let raw = entry.data().as_slice();
            names_examined += 1;
            let cn = String::from_utf8_lossy(raw).into_owned();
            first_name.get_or_insert_with(|| cn.clone());
            if raw.contains(&0) {
                return HostCheck::Error {
                    message: "SSL certificate's name contains embedded null".into(),
                };
            }
            if name_matches(&cn, host) == Ok(true) {
                matched = true;
            }
        }
    }

    if matched {
        return HostCheck::Match;
    }
    let message = match (&first_name, names_examined) {
        (Some(first), 1) => {
            format!("server certificate for \"{first}\" does not match host name \"{host}\"")
        }
        (Some(first), n) if n > 1 => {
            let others = n - 1;
            let noun = if others == 1 { "name" } else { "names" };
            format!(
                "server certificate for \"{first}\" (and {others} other {noun}) does not match host name \"{host}\""
            )
        }
        _ => "could not get server's host name from server certificate".to_string(),
    };
    HostCheck::Mismatch {
        message,
        first_name,
        names_examined,
    }
}

fn name_matches(name: &str, host: &str) -> Result<bool, String> {
    if name.contains('\0') {
        return Err("SSL certificate's name contains embedded null".into());
    }
    Ok(name.eq_ignore_ascii_case(host) || wildcard_matches(name, host))
}

/// libpq's wildcard rule: only `*.` at the start, matching exactly one label.
fn wildcard_matches(pattern: &str, host: &str) -> bool {
    let Some(suffix) = pattern.strip_prefix('*') else {
        return false;
    };
    if pattern.len() < 3 || !suffix.starts_with('.') || pattern.len() > host.len() {
        return false;
    }
    let split = host.len() - suffix.len();
    let (label, host_suffix) = match (host.get(..split), host.get(split..)) {
        (Some(label), Some(rest)) => (label, rest),
        _ => return false,
    };
    host_suffix.eq_ignore_ascii_case(suffix) && !label.contains('.')
}

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn ip_to_string(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()),
        16 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(bytes);
            Some(Ipv6Addr::from(octets).to_string())
        }
        _ => None,
    }
}

/// The host as an IP address, IPv4 in any form `inet_aton` accepts (`a.b.c.d`,
/// `a.b.c`, `a.b`, `a`, each part decimal, octal with a leading 0, or hex
/// with 0x), IPv6 as `inet_pton` does.
fn parse_host_ip(host: &str) -> Option<IpAddr> {
    if let Some(v4) = inet_aton(host) {
        return Some(IpAddr::V4(v4));
    }
    host.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        values.push(parse_c_number(part)?);
    }
    let last = *values.last()?;
    let leading = &values[..values.len() - 1];
    if leading.iter().any(|v| *v > 0xff) {
        return None;
    }
    let last_bits = 32 - 8 * leading.len() as u32;
    if last_bits < 32 && last >= (1u64 << last_bits) {
        return None;
    }
    if last > u64::from(u32::MAX) {
        return None;
    }
    let mut addr: u32 = 0;
    for (i, v) in leading.iter().enumerate() {
        addr |= (*v as u32) << (24 - 8 * i as u32);
    }
    addr |= last as u32;
    Some(Ipv4Addr::from(addr))
}

fn parse_c_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        // "0x" alone is 0 to inet_aton.
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::{X509Name, X509};

    fn cert(cn: Option<&str>, dns: &[&str], ips: &[&str]) -> X509 {
        let key = PKey::from_rsa(Rsa::generate(1024).unwrap()).unwrap();
        let mut name = X509Name::builder().unwrap();
        name.append_entry_by_text("O", "pgtls test").unwrap();
        if let Some(cn) = cn {
            name.append_entry_by_text("CN", cn).unwrap();
        }
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        if !dns.is_empty() || !ips.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for d in dns {
                san.dns(d);
            }
            for i in ips {
                san.ip(i);
            }
            let ext = san.build(&b.x509v3_context(None, None)).unwrap();
            b.append_extension(ext).unwrap();
        }
        b.sign(&key, MessageDigest::sha256()).unwrap();
        b.build()
    }

    #[test]
    fn exact_and_case_insensitive_dns_match() {
        let c = cert(Some("ignored"), &["db.example.com"], &[]);
        assert_eq!(check_host_name(&c, "DB.Example.com"), HostCheck::Match);
    }

    #[test]
    fn wildcards_match_one_label_only() {
        let c = cert(None, &["*.example.com"], &[]);
        assert_eq!(check_host_name(&c, "db.example.com"), HostCheck::Match);
        assert!(matches!(
            check_host_name(&c, "a.b.example.com"),
            HostCheck::Mismatch { .. }
        ));
        assert!(matches!(
            check_host_name(&c, "example.com"),
            HostCheck::Mismatch { .. }
        ));
        let mid = cert(None, &["db.*.com"], &[]);
        assert!(matches!(
            check_host_name(&mid, "db.example.com"),
            HostCheck::Mismatch { .. }
        ));
    }

    #[test]
    fn cn_is_ignored_when_a_dns_san_exists() {
        let c = cert(Some("localhost"), &["db.example.com"], &[]);
        let HostCheck::Mismatch {
            message,
            names_examined,
            ..
        } = check_host_name(&c, "localhost")
        else {
            panic!("should not match")
        };
        assert_eq!(names_examined, 1);
        assert_eq!(
            message,
            "server certificate for \"db.example.com\" does not match host name \"localhost\""
        );
    }

    #[test]
    fn cn_fallback_without_sans() {
        let c = cert(Some("localhost"), &[], &[]);
        assert_eq!(check_host_name(&c, "localhost"), HostCheck::Match);
        let HostCheck::Mismatch { message, .. } = check_host_name(&c, "127.0.0.1") else {
            panic!()
        };
        assert_eq!(
            message,
            "server certificate for \"localhost\" does not match host name \"127.0.0.1\""
        );
    }

    #[test]
    fn ip_sans_match_ip_hosts_in_inet_aton_forms() {
        let c = cert(Some("localhost"), &["localhost"], &["127.0.0.1", "::1"]);
        assert_eq!(check_host_name(&c, "127.0.0.1"), HostCheck::Match);
        assert_eq!(check_host_name(&c, "127.1"), HostCheck::Match);
        assert_eq!(check_host_name(&c, "0x7f.0.0.1"), HostCheck::Match);
        assert_eq!(check_host_name(&c, "::1"), HostCheck::Match);
        let HostCheck::Mismatch { message, .. } = check_host_name(&c, "10.0.0.1") else {
            panic!()
        };
        assert_eq!(
            message,
            "server certificate for \"localhost\" (and 2 other names) does not match host name \"10.0.0.1\""
        );
    }

    #[test]
    fn an_ip_host_falls_back_to_cn_when_only_dns_sans_exist() {
        // libpq 15 lets the CN match an IP host even with dNSName SANs present.
        let c = cert(Some("127.0.0.1"), &["db.example.com"], &[]);
        assert_eq!(check_host_name(&c, "127.0.0.1"), HostCheck::Match);
    }

    #[test]
    fn one_other_name_is_singular_and_no_names_has_its_own_text() {
        let c = cert(None, &["a.example", "b.example"], &[]);
        let HostCheck::Mismatch { message, .. } = check_host_name(&c, "c.example") else {
            panic!()
        };
        assert_eq!(
            message,
            "server certificate for \"a.example\" (and 1 other name) does not match host name \"c.example\""
        );
        let bare = cert(None, &[], &[]);
        let HostCheck::Mismatch { message, .. } = check_host_name(&bare, "x") else {
            panic!()
        };
        assert_eq!(
            message,
            "could not get server's host name from server certificate"
        );
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(inet_aton("127.0.0.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("2130706433"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(inet_aton("010.0.0.1"), Some(Ipv4Addr::new(8, 0, 0, 1)));
        assert_eq!(inet_aton("256.0.0.1"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("localhost"), None);
        assert_eq!(inet_aton("1..2"), None);
    }
}
