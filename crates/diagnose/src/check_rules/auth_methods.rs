//! The method of the pg_hba.conf line a client meets, held against what
//! the client demands (libpq 16's require_auth and sslcertmode, PGTLS036)
//! and against what a connection as the client showed and the files alone
//! cannot (a refused password, PGTLS017; a password asked for over an
//! unverified connection, PGTLS026): the server's side of those fixes is
//! in these files, so check is where their edits come from.

use pgtls_catalogue::Code;
use pgtls_config::hba::{AuthMethod, HbaLine};
use pgtls_config::libpq::RequireAuth;
use pgtls_config::postgresql_conf::Origin;

use super::access::conf_quote;
use super::conn::with_hba_option;
use super::server::setting_edit;
use super::{evidence, new_finding, ServerFacts};
use crate::edit::{Applicability, Edit, EditKind, Then};
use crate::finding::Finding;
use crate::text::{AuthText, Localized};

/// How libpq meets a line's method (require_auth's words): `none` when the
/// server lets the client in without asking.
fn met_as(method: AuthMethod) -> Option<&'static str> {
    Some(match method {
        AuthMethod::Trust | AuthMethod::Cert => "none",
        AuthMethod::Password | AuthMethod::Pam | AuthMethod::Ldap | AuthMethod::Radius => {
            "password"
        }
        AuthMethod::Md5 => "md5",
        AuthMethod::ScramSha256 => "scram-sha-256",
        AuthMethod::Gss => "gss",
        AuthMethod::Sspi => "sspi",
        _ => return None,
    })
}

/// `raw` with its method replaced by `method`; a `cert` line keeps its
/// certificate check as `clientcert=verify-full`.
fn with_method(line: &HbaLine, method: &str) -> Option<String> {
    let old = line.method.keyword();
    let raw = &line.raw;
    let mut at = 0;
    for (index, token) in raw.split_whitespace().enumerate() {
        let start = at + raw[at..].find(token)?;
        at = start + token.len();
        // The method comes after the type, the database and the user.
        if index >= 3 && token.eq_ignore_ascii_case(old) {
            let replaced = format!("{}{method}{}", &raw[..start], &raw[at..]);
            return Some(if line.method == AuthMethod::Cert {
                with_hba_option(&replaced, "clientcert=verify-full")
            } else {
                replaced
            });
        }
        if token.starts_with('#') {
            return None;
        }
    }
    None
}

fn line_edit(line: &HbaLine, method: &str) -> Option<Edit> {
    Some(Edit::new(
        EditKind::HbaLine {
            file: line.location.file.to_path_buf(),
            line: Some(line.location.line),
            before: Some(line.raw.clone()),
            after: with_method(line, method)?,
        },
        Applicability::MaybeIncorrect,
        Then::Reload,
    ))
}

fn conninfo_edit(key: &str, before: Option<String>, after: String) -> Edit {
    // It loosens what the client insists on: a look first.
    Edit::conninfo(
        key,
        before.as_deref(),
        &after,
        Applicability::MaybeIncorrect,
    )
}

/// What a libpq client demands of the server's authentication.
pub(super) struct Demands {
    /// require_auth, and its value when the connection string sets it.
    pub require_auth: Option<(RequireAuth, Option<String>)>,
    /// sslcertmode=require, and its value when the connection string sets it.
    pub cert_request: Option<Option<String>>,
}

/// PGTLS036 from the files: the method of the line the client meets is
/// not one it demands, or the server never asks for a certificate the
/// client demands to be asked for.
pub(super) fn demands_unmet(
    facts: &ServerFacts,
    target: &str,
    demands: &Demands,
    line: &HbaLine,
    uses_tls: bool,
) -> Option<Finding> {
    let mut f = new_finding(Code::ClientAuthRequirementUnmet);
    f.target = Some(target.to_string());
    let location = line.location.to_string();
    // libpq checks the certificate request at the handshake, before any
    // authentication: that demand goes first.
    let unmet = |(req, _): &&(RequireAuth, Option<String>)| {
        met_as(line.method).is_some_and(|sent| !req.allows(sent))
    };
    let cert_unmet = demands.cert_request.is_some() && uses_tls && facts.ca_file.is_none();
    if let Some((req, before)) = demands
        .require_auth
        .as_ref()
        .filter(unmet)
        .filter(|_| !cert_unmet)
    {
        let sent = met_as(line.method)?;
        f.evidence.push(evidence(
            format!("require_auth={}", req.shown()),
            "connection string",
        ));
        f.evidence
            .push(evidence(line.raw.clone(), location.clone()));
        f.reading = Some(
            AuthText::MethodNotDemanded {
                demanded: &req.shown(),
                location: &location,
                method: line.method.keyword(),
                sent,
            }
            .msg(),
        );
        // The server's side: a password method the client names (SCRAM
        // first); never `trust` for `none`.
        if !req.negated {
            if let Some(method) = ["scram-sha-256", "md5", "password"]
                .into_iter()
                .find(|m| req.methods.iter().any(|r| r == m))
            {
                if let Some(e) = line_edit(line, method) {
                    f.fix.push(
                        AuthText::LineMethodTo {
                            location: &location,
                            method,
                        }
                        .msg(),
                    );
                    f.edits.push(e);
                }
            }
        }
        // The client's side: the server's method accepted.
        let relaxed = if req.negated {
            let rest: Vec<String> = req
                .methods
                .iter()
                .filter(|m| *m != sent)
                .map(|m| format!("!{m}"))
                .collect();
            rest.join(",")
        } else {
            let mut all = req.methods.clone();
            all.push(sent.to_string());
            all.join(",")
        };
        if !relaxed.is_empty() {
            f.fix
                .push(AuthText::RelaxRequireAuth { value: &relaxed }.msg());
            f.edits
                .push(conninfo_edit("require_auth", before.clone(), relaxed));
        }
        return Some(f);
    }
    // The server asks every TLS client for a certificate once ssl_ca_file
    // is set, whatever the line.
    let before = demands.cert_request.as_ref().filter(|_| cert_unmet)?;
    f.evidence
        .push(evidence("sslcertmode=require", "connection string"));
    f.evidence.push(evidence(
        "ssl_ca_file is not set",
        facts
            .conf
            .as_ref()
            .map_or_else(String::new, |c| c.config_file().display().to_string()),
    ));
    f.reading = Some(AuthText::NoCertificateRequest.msg());
    f.fix.push(AuthText::SetCaFile.msg());
    if let (Some(conf), Some(tls)) = (&facts.conf, &facts.tls) {
        f.edits.push(setting_edit(
            conf,
            &tls.ca_file.origin,
            "ssl_ca_file",
            "'<the file of the CA that issues the clients' certificates>'",
            Applicability::HasPlaceholders,
            Then::Reload,
        ));
    }
    f.fix.push(AuthText::CertModeAllow.msg());
    f.edits
        .push(conninfo_edit("sslcertmode", before.clone(), "allow".into()));
    Some(f)
}

/// PGTLS017 as a connection showed it, where the files say why: the line
/// asks for SCRAM while passwords are set as MD5. What can be computed is
/// the setting; the password itself is the person's to set again.
pub(super) fn md5_stored_for_scram(
    facts: &ServerFacts,
    target: &str,
    user: &str,
    line: &HbaLine,
) -> Option<Finding> {
    if line.method != AuthMethod::ScramSha256 {
        return None;
    }
    let conf = facts.conf.as_ref()?;
    let setting = conf.get("password_encryption")?;
    if !setting.value.eq_ignore_ascii_case("md5") {
        return None;
    }
    let location = line.location.to_string();
    let shown = format!("password_encryption = '{}'", setting.value);
    let mut f = new_finding(Code::PasswordAuthFailed);
    f.target = Some(target.to_string());
    f.evidence
        .push(evidence(line.raw.clone(), location.clone()));
    f.evidence
        .push(evidence(shown.clone(), setting.location.to_string()));
    f.reading = Some(
        AuthText::Md5StoredForScram {
            location: &location,
            setting: &shown,
        }
        .msg(),
    );
    f.edits.push(setting_edit(
        conf,
        &Origin::File(setting.location.clone()),
        "password_encryption",
        &conf_quote("scram-sha-256"),
        Applicability::MachineApplicable,
        Then::Reload,
    ));
    let role = quote_ident(user);
    f.fix.push(AuthText::SetPasswordAgain { user: &role }.msg());
    f.edits.push(Edit::new(
        EditKind::Command {
            command: format!("psql -c \"ALTER ROLE {role} PASSWORD '<password>'\""),
        },
        Applicability::HasPlaceholders,
        Then::Reconnect,
    ));
    Some(f)
}

/// PGTLS026 as a connection showed it: the line's method asks for a
/// password whoever answers can use. The client is made to verify
/// (`client_edits`, the same as PGTLS021's) and the line moved to SCRAM.
pub(super) fn readable_password(
    target: &str,
    line: &HbaLine,
    client_edits: Vec<Edit>,
) -> Option<Finding> {
    if !matches!(line.method, AuthMethod::Md5 | AuthMethod::Password) {
        return None;
    }
    let location = line.location.to_string();
    let mut f = new_finding(Code::PasswordToUnverifiedServer);
    f.target = Some(target.to_string());
    f.evidence
        .push(evidence(line.raw.clone(), location.clone()));
    f.reading = Some(
        AuthText::ReadableMethod {
            location: &location,
            method: line.method.keyword(),
        }
        .msg(),
    );
    f.edits = client_edits;
    if let Some(e) = line_edit(line, "scram-sha-256") {
        f.fix.push(
            AuthText::LineToScram {
                location: &location,
            }
            .msg(),
        );
        f.edits.push(e);
    }
    Some(f)
}

/// A role name as SQL reads it.
fn quote_ident(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        name.to_string()
    } else {
        format!("\\\"{}\\\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgtls_config::hba;

    fn line(text: &str) -> HbaLine {
        let file = hba::parse(
            text,
            std::path::Path::new("/d/pg_hba.conf"),
            None,
            hba::HbaOptions::default(),
        );
        file.lines.into_iter().next().expect("a line")
    }

    #[test]
    fn the_method_is_replaced_where_it_stands() {
        let l = line("hostssl all kong 127.0.0.1/32 trust  # kong");
        assert_eq!(
            with_method(&l, "scram-sha-256").as_deref(),
            Some("hostssl all kong 127.0.0.1/32 scram-sha-256  # kong")
        );
        let l = line("hostssl all trust 127.0.0.1 255.255.255.255 trust");
        assert_eq!(
            with_method(&l, "md5").as_deref(),
            Some("hostssl all trust 127.0.0.1 255.255.255.255 md5")
        );
        let l = line("hostssl all kong 127.0.0.1/32 cert");
        assert_eq!(
            with_method(&l, "scram-sha-256").as_deref(),
            Some("hostssl all kong 127.0.0.1/32 scram-sha-256 clientcert=verify-full")
        );
    }
}
