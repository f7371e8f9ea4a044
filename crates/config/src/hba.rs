//! `pg_hba.conf` exactly as PostgreSQL's `hba.c` reads it: the shared
//! tokenizer (quotes, comma lists, `@file`, backslash continuation, and from
//! 16 the `include`, `include_if_exists` and `include_dir` records and
//! database and user names starting with `/` as regular expressions), the
//! per-line checks with the server's own error messages, and `check_hba`'s
//! first-match rule. Besides answering "which line would this connection
//! match", a line tells what it demands: the method, a client certificate
//! (`clientcert=verify-ca|verify-full`, implied by `cert`), the ident map and
//! which certificate name (`clientname=CN|DN`) is compared with the user.
//!
//! The server build is assumed to be the usual Linux one (Debian/PGDG):
//! SSL, GSSAPI, PAM and OpenLDAP compiled in; BSD auth and SSPI not.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

pub use crate::auth_file::AuthToken;
use crate::auth_file::{has_v16_auth_files, TokenizedLine, Tokenizer, INCLUDE_KEYWORDS};
use crate::ident::{auth_regex, AuthRegex};
use crate::{ConfigError, Diagnostic, Location, Source};

/// The first field of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnType {
    /// `local`: Unix-domain sockets.
    Local,
    /// `host`: TCP, with or without TLS or GSS encryption.
    Host,
    /// `hostssl`: TCP with TLS.
    HostSsl,
    /// `hostnossl`: TCP without TLS.
    HostNoSsl,
    /// `hostgssenc`: TCP with GSSAPI encryption.
    HostGssEnc,
    /// `hostnogssenc`: TCP without GSSAPI encryption.
    HostNoGssEnc,
}

impl ConnType {
    /// The keyword as written in the file.
    pub fn keyword(self) -> &'static str {
        match self {
            ConnType::Local => "local",
            ConnType::Host => "host",
            ConnType::HostSsl => "hostssl",
            ConnType::HostNoSsl => "hostnossl",
            ConnType::HostGssEnc => "hostgssenc",
            ConnType::HostNoGssEnc => "hostnogssenc",
        }
    }
}

/// The address field of a non-`local` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressSpec {
    /// `all`.
    All,
    /// `samehost`: any of the server's own addresses.
    SameHost,
    /// `samenet`: any address in a subnet the server is directly on.
    SameNet,
    /// A numeric address with its mask (from CIDR or a separate netmask field).
    Cidr {
        /// The address as the server parsed it (IPv4 accepts `inet_aton`
        /// forms such as `127.1` or `0x7f.0.0.1`).
        addr: IpAddr,
        /// The mask; need not be contiguous.
        mask: IpAddr,
    },
    /// A host name (or anything that is not a numeric address); a leading
    /// dot matches a suffix.
    Hostname(String),
}

/// The authentication method field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `trust`
    Trust,
    /// `reject`
    Reject,
    /// `md5`
    Md5,
    /// `password`
    Password,
    /// `scram-sha-256`
    ScramSha256,
    /// `gss`
    Gss,
    /// `sspi` (not in Linux builds)
    Sspi,
    /// `ident` (becomes `peer` on `local` lines)
    Ident,
    /// `peer`
    Peer,
    /// `pam`
    Pam,
    /// `bsd` (not in Linux builds)
    Bsd,
    /// `ldap`
    Ldap,
    /// `radius`
    Radius,
    /// `cert`
    Cert,
}

impl AuthMethod {
    /// The keyword as written in the file.
    pub fn keyword(self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Reject => "reject",
            AuthMethod::Md5 => "md5",
            AuthMethod::Password => "password",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Gss => "gss",
            AuthMethod::Sspi => "sspi",
            AuthMethod::Ident => "ident",
            AuthMethod::Peer => "peer",
            AuthMethod::Pam => "pam",
            AuthMethod::Bsd => "bsd",
            AuthMethod::Ldap => "ldap",
            AuthMethod::Radius => "radius",
            AuthMethod::Cert => "cert",
        }
    }

    fn from_keyword(s: &str) -> Option<AuthMethod> {
        Some(match s {
            "trust" => AuthMethod::Trust,
            "reject" => AuthMethod::Reject,
            "md5" => AuthMethod::Md5,
            "password" => AuthMethod::Password,
            "scram-sha-256" => AuthMethod::ScramSha256,
            "gss" => AuthMethod::Gss,
            "sspi" => AuthMethod::Sspi,
            "ident" => AuthMethod::Ident,
            "peer" => AuthMethod::Peer,
            "pam" => AuthMethod::Pam,
            "bsd" => AuthMethod::Bsd,
            "ldap" => AuthMethod::Ldap,
            "radius" => AuthMethod::Radius,
            "cert" => AuthMethod::Cert,
            _ => return None,
        })
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// What the line demands of the client certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCert {
    /// No certificate demanded (one sent is still verified against `ssl_ca_file`).
    None,
    /// `clientcert=verify-ca`: a certificate signed by a trusted CA.
    VerifyCa,
    /// `clientcert=verify-full` (or `cert` auth): also its name must map to the user.
    VerifyFull,
}

/// Which certificate name is compared with the user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientName {
    /// The subject's common name (the default).
    Cn,
    /// The whole subject DN, RFC 2253 style.
    Dn,
}

/// A line the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbaLine {
    /// Where the line is (its first line when continued).
    pub location: Location,
    /// The line's text as the server shows it in `DETAIL: Connection matched
    /// pg_hba.conf line N: ...`, with LDAP/RADIUS secrets replaced by `***`.
    pub raw: String,
    /// Connection type.
    pub conn_type: ConnType,
    /// Database tokens (after `@file` expansion).
    pub databases: Vec<AuthToken>,
    /// User tokens (after `@file` expansion).
    pub users: Vec<AuthToken>,
    /// Address, for all but `local` lines.
    pub address: Option<AddressSpec>,
    /// Method, after the server's rewrite of `ident` on `local` lines to `peer`.
    pub method: AuthMethod,
    /// Every `name=value` option in order, secrets replaced by `***`.
    pub options: Vec<(String, String)>,
    /// The client certificate demanded (`cert` implies `VerifyFull`).
    pub client_cert: ClientCert,
    /// Which certificate name is matched to the user.
    pub client_name: ClientName,
    /// `map=`: the pg_ident.conf map used for the name comparison.
    pub map: Option<String>,
}

impl HbaLine {
    /// Whether the line makes the server ask for and require a client
    /// certificate (`cert`, or `clientcert=` of either kind).
    pub fn requires_client_cert(&self) -> bool {
        self.client_cert != ClientCert::None
    }

    /// Whether the certificate's name (CN or DN) must match the user, directly
    /// or through `map` (`cert`, or `clientcert=verify-full`).
    pub fn checks_cert_name(&self) -> bool {
        self.client_cert == ClientCert::VerifyFull
    }
}

/// Facts about the server that some lines depend on.
#[derive(Debug, Clone, Copy, Default)]
pub struct HbaOptions {
    /// The effective `ssl` setting, when known: with `ssl = off` every
    /// `hostssl` line is reported (`hostssl record cannot match because SSL
    /// is disabled`) and can never match.
    pub ssl_enabled: Option<bool>,
    /// `db_user_namespace` (default off): when on, `md5` lines are rejected.
    pub db_user_namespace: bool,
    /// The server's major version when known (`PG_VERSION`); None judges
    /// by the newest rules.
    pub server_major: Option<u32>,
}

/// A parsed `pg_hba.conf`.
#[derive(Debug, Clone, Default)]
pub struct HbaFile {
    /// Lines the server accepts, in order (lines with errors are left out,
    /// as the server leaves them out of `pg_hba_file_rules`' rules).
    pub lines: Vec<HbaLine>,
    /// Errors (the server refuses the whole file at start if there is any)
    /// and warnings, in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// The server's major version the file was read for (None: the newest).
    pub server_major: Option<u32>,
}

/// Reads the file at `path` through `source` (also used for `@file` lists).
pub fn load(source: &dyn Source, path: &Path, opts: HbaOptions) -> Result<HbaFile, ConfigError> {
    let text = source.read(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(parse(&text, path, Some(source), opts))
}

/// Parses `text` as the file `file`. `source` resolves `@file` lists
/// (relative to `file`'s directory); without one they fail to open.
pub fn parse(text: &str, file: &Path, source: Option<&dyn Source>, opts: HbaOptions) -> HbaFile {
    let tokenizer = Tokenizer::new(source).with_includes(has_v16_auth_files(opts.server_major));
    let mut out = HbaFile {
        server_major: opts.server_major,
        ..HbaFile::default()
    };
    let lines = tokenizer.tokenize(text, file, 0);
    out.diagnostics.extend(tokenizer.take_notes());
    for tl in lines {
        if let Some(e) = &tl.error {
            out.diagnostics
                .push(Diagnostic::error(Some(tl.location.clone()), e.clone()));
            continue;
        }
        let mut notes = Vec::new();
        match parse_line(&tl, opts, &mut notes) {
            Ok(line) => {
                out.diagnostics.extend(notes);
                out.lines.push(line);
            }
            Err(e) => {
                out.diagnostics.extend(notes);
                out.diagnostics.push(e);
            }
        }
    }
    if out.lines.is_empty() && !out.diagnostics.iter().any(Diagnostic::is_error) {
        out.diagnostics.push(Diagnostic::error(
            None,
            format!(
                "configuration file \"{}\" contains no entries",
                file.display()
            ),
        ));
    }
    out
}

fn err(loc: &Location, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Some(loc.clone()), msg)
}

const SECRET_OPTIONS: [&str; 2] = ["ldapbindpasswd", "radiussecrets"];

fn redact_raw(raw: &str) -> String {
    let mut out = raw.to_string();
    for name in SECRET_OPTIONS {
        let pat = format!("{name}=");
        let mut from = 0;
        while let Some(i) = out[from..].find(&pat) {
            let start = from + i + pat.len();
            let end = out[start..]
                .find([' ', '\t'])
                .map_or(out.len(), |j| start + j);
            out.replace_range(start..end, "***");
            from = start + 3;
        }
    }
    out
}

/// `parse_hba_line`.
fn parse_line(
    tl: &TokenizedLine,
    opts: HbaOptions,
    notes: &mut Vec<Diagnostic>,
) -> Result<HbaLine, Diagnostic> {
    let loc = &tl.location;
    let mut fields = tl.fields.iter();
    let Some(first) = fields.next() else {
        return Err(err(loc, "end-of-line before database specification"));
    };
    if first.len() > 1 {
        return Err(err(loc, "multiple values specified for connection type")
            .with_hint("Specify exactly one connection type per line."));
    }
    let conn_type = match first.first().map_or("", |t| t.text.as_str()) {
        "local" => ConnType::Local,
        "host" => ConnType::Host,
        "hostssl" => ConnType::HostSsl,
        "hostnossl" => ConnType::HostNoSsl,
        "hostgssenc" => ConnType::HostGssEnc,
        "hostnogssenc" => ConnType::HostNoGssEnc,
        other => {
            let mut d = err(loc, format!("invalid connection type \"{other}\""));
            if INCLUDE_KEYWORDS.contains(&other) {
                d = if has_v16_auth_files(opts.server_major) {
                    d.with_hints(
                        format!("{other} takes exactly one file or directory name"),
                        format!("{other} にはファイル名またはディレクトリ名をちょうど一つ書きます"),
                    )
                } else {
                    d.with_hints(
                        format!("{other} records in pg_hba.conf came with PostgreSQL 16; on 12 to 15 the server refuses to start (at a reload it keeps the old file: pg_hba.conf was not reloaded): copy the included lines into pg_hba.conf, or list names with @file"),
                        format!("pg_hba.conf の {other} 行は PostgreSQL 16 からです。12 から 15 ではサーバーが起動しません (再読み込みでは古い内容のまま: pg_hba.conf was not reloaded)。取り込むはずの行を pg_hba.conf に書き写すか、名前の一覧は @file で指定します"),
                    )
                };
            }
            return Err(d);
        }
    };
    if conn_type == ConnType::HostSsl && opts.ssl_enabled == Some(false) {
        notes.push(
            Diagnostic::warning(
                Some(loc.clone()),
                "hostssl record cannot match because SSL is disabled",
            )
            .with_hint("Set ssl = on in postgresql.conf."),
        );
    }
    let databases = fields
        .next()
        .ok_or_else(|| err(loc, "end-of-line before database specification"))?
        .clone();
    let users = fields
        .next()
        .ok_or_else(|| err(loc, "end-of-line before role specification"))?
        .clone();
    let regexes = has_v16_auth_files(opts.server_major);
    for (what, what_ja, toks) in [
        ("database", "データベース", &databases),
        ("user", "ユーザー", &users),
    ] {
        for t in toks.iter().filter(|t| t.text.starts_with('/')) {
            if regexes {
                // regcomp_auth_token: quoted or not, a leading slash makes
                // a regular expression, compiled when the file is read.
                if let AuthRegex::Invalid(e) = auth_regex(&t.text[1..]) {
                    return Err(err(loc, e));
                }
            } else {
                notes.push(
                    Diagnostic::note(
                        Some(loc.clone()),
                        format!(
                            "{what} \"{}\" is compared literally: regular expressions in pg_hba.conf came with PostgreSQL 16",
                            t.text
                        ),
                    )
                    .with_message_ja(format!(
                        "{what_ja} \"{}\" は文字列としてそのまま比較されます: pg_hba.conf の正規表現は PostgreSQL 16 からです",
                        t.text
                    )),
                );
            }
        }
    }

    let mut address = None;
    if conn_type != ConnType::Local {
        let tokens = fields
            .next()
            .ok_or_else(|| err(loc, "end-of-line before IP address specification"))?;
        if tokens.len() > 1 {
            return Err(err(loc, "multiple values specified for host address")
                .with_hint("Specify one address range per line."));
        }
        let Some(tok) = tokens.first() else {
            return Err(err(loc, "end-of-line before IP address specification"));
        };
        address = Some(if tok.is_keyword("all") {
            AddressSpec::All
        } else if tok.is_keyword("samehost") {
            AddressSpec::SameHost
        } else if tok.is_keyword("samenet") {
            AddressSpec::SameNet
        } else {
            let (host, cidr) = match tok.text.find('/') {
                Some(i) => (&tok.text[..i], Some(&tok.text[i + 1..])),
                None => (tok.text.as_str(), None),
            };
            match (parse_numeric_host(host), cidr) {
                (None, Some(_)) => {
                    return Err(err(
                        loc,
                        format!(
                            "specifying both host name and CIDR mask is invalid: \"{}\"",
                            tok.text
                        ),
                    ))
                }
                (None, None) => AddressSpec::Hostname(host.to_string()),
                (Some(addr), Some(bits)) => {
                    let mask = cidr_mask(bits, addr).ok_or_else(|| {
                        err(
                            loc,
                            format!("invalid CIDR mask in address \"{}\"", tok.text),
                        )
                    })?;
                    AddressSpec::Cidr { addr, mask }
                }
                (Some(addr), None) => {
                    let tokens = fields.next().ok_or_else(|| {
                        err(loc, "end-of-line before netmask specification").with_hint(
                            "Specify an address range in CIDR notation, or provide a separate netmask.",
                        )
                    })?;
                    if tokens.len() > 1 {
                        return Err(err(loc, "multiple values specified for netmask"));
                    }
                    let mask_text = tokens.first().map_or("", |t| t.text.as_str());
                    let mask = parse_numeric_host(mask_text).ok_or_else(|| {
                        err(
                            loc,
                            format!("invalid IP mask \"{mask_text}\": Name or service not known"),
                        )
                    })?;
                    if addr.is_ipv4() != mask.is_ipv4() {
                        return Err(err(loc, "IP address and mask do not match"));
                    }
                    AddressSpec::Cidr { addr, mask }
                }
            }
        });
    }

    let tokens = fields
        .next()
        .ok_or_else(|| err(loc, "end-of-line before authentication method"))?;
    if tokens.len() > 1 {
        return Err(
            err(loc, "multiple values specified for authentication type")
                .with_hint("Specify exactly one authentication type per line."),
        );
    }
    let word = tokens.first().map_or("", |t| t.text.as_str());
    let mut method = AuthMethod::from_keyword(word)
        .ok_or_else(|| err(loc, format!("invalid authentication method \"{word}\"")))?;
    if matches!(method, AuthMethod::Sspi | AuthMethod::Bsd) {
        return Err(err(
            loc,
            format!("invalid authentication method \"{word}\": not supported by this build"),
        ));
    }
    if method == AuthMethod::Md5 && opts.db_user_namespace {
        return Err(err(
            loc,
            "MD5 authentication is not supported when \"db_user_namespace\" is enabled",
        ));
    }
    if conn_type == ConnType::Local && method == AuthMethod::Ident {
        method = AuthMethod::Peer;
    }
    if conn_type == ConnType::Local && method == AuthMethod::Gss {
        return Err(err(
            loc,
            "gssapi authentication is not supported on local sockets",
        ));
    }
    if conn_type != ConnType::Local && method == AuthMethod::Peer {
        return Err(err(
            loc,
            "peer authentication is only supported on local sockets",
        ));
    }
    if conn_type != ConnType::HostSsl && method == AuthMethod::Cert {
        return Err(err(
            loc,
            "cert authentication is only supported on hostssl connections",
        ));
    }

    let mut line = HbaLine {
        location: loc.clone(),
        raw: redact_raw(&tl.raw),
        conn_type,
        databases,
        users,
        address,
        method,
        options: Vec::new(),
        client_cert: ClientCert::None,
        client_name: ClientName::Cn,
        map: None,
    };
    let mut given: Vec<(String, String)> = Vec::new();
    for field in fields {
        for tok in field {
            let Some((name, val)) = tok.text.split_once('=') else {
                return Err(err(
                    loc,
                    format!(
                        "authentication option not in name=value format: {}",
                        tok.text
                    ),
                ));
            };
            parse_option(&mut line, name, val, opts, notes)?;
            given.push((name.to_string(), val.to_string()));
            let shown = if SECRET_OPTIONS.contains(&name) {
                "***"
            } else {
                val
            };
            line.options.push((name.to_string(), shown.to_string()));
        }
    }
    check_mandatory(&line, &given)?;
    if line.method == AuthMethod::Cert {
        line.client_cert = ClientCert::VerifyFull;
    }
    Ok(line)
}

fn only_valid_for(loc: &Location, name: &str, methods: &str) -> Diagnostic {
    err(
        loc,
        format!(
            "authentication option \"{name}\" is only valid for authentication methods {methods}"
        ),
    )
}

/// `parse_hba_auth_opt`.
fn parse_option(
    line: &mut HbaLine,
    name: &str,
    val: &str,
    opts: HbaOptions,
    notes: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let loc = line.location.clone();
    let m = line.method;
    let require = |want: AuthMethod, methods: &str| {
        if m == want {
            Ok(())
        } else {
            Err(only_valid_for(&loc, name, methods))
        }
    };
    match name {
        "map" => {
            if !matches!(
                m,
                AuthMethod::Ident
                    | AuthMethod::Peer
                    | AuthMethod::Gss
                    | AuthMethod::Sspi
                    | AuthMethod::Cert
            ) {
                return Err(only_valid_for(
                    &loc,
                    "map",
                    "ident, peer, gssapi, sspi, and cert",
                ));
            }
            line.map = Some(val.to_string());
        }
        "clientcert" => {
            if line.conn_type != ConnType::HostSsl {
                return Err(err(
                    &loc,
                    "clientcert can only be configured for \"hostssl\" rows",
                ));
            }
            line.client_cert = match val {
                "verify-full" => ClientCert::VerifyFull,
                "verify-ca" if m == AuthMethod::Cert => return Err(err(
                    &loc,
                    "clientcert only accepts \"verify-full\" when using \"cert\" authentication",
                )),
                "verify-ca" => ClientCert::VerifyCa,
                // PostgreSQL 12 and 13 still take the old spellings.
                "1" if opts.server_major.is_some_and(|v| v <= 13) => {
                    if m == AuthMethod::Cert {
                        ClientCert::VerifyFull
                    } else {
                        ClientCert::VerifyCa
                    }
                }
                "0" | "no-verify" if opts.server_major.is_some_and(|v| v <= 13) => ClientCert::None,
                other => {
                    let mut d = err(&loc, format!("invalid value for clientcert: \"{other}\""));
                    if matches!(other, "1" | "0" | "no-verify") {
                        d = d.with_hint("clientcert=1, 0 and no-verify were removed in PostgreSQL 14; use verify-ca or verify-full");
                    }
                    return Err(d);
                }
            };
        }
        "clientname" if opts.server_major.is_some_and(|v| v <= 13) => {
            // clientname came with PostgreSQL 14.
            return Err(err(
                &loc,
                format!("unrecognized authentication option name: \"{name}\""),
            )
            .with_hint(
                "clientname needs PostgreSQL 14; 12 and 13 always compare the certificate's CN",
            ));
        }
        "clientname" => {
            if line.conn_type != ConnType::HostSsl {
                return Err(err(
                    &loc,
                    "clientname can only be configured for \"hostssl\" rows",
                ));
            }
            line.client_name = match val {
                "CN" => ClientName::Cn,
                "DN" => ClientName::Dn,
                other => {
                    return Err(err(
                        &loc,
                        format!("invalid value for clientname: \"{other}\""),
                    ))
                }
            };
        }
        "pamservice" | "pam_use_hostname" => require(AuthMethod::Pam, "pam")?,
        "ldapurl"
        | "ldaptls"
        | "ldapserver"
        | "ldapbinddn"
        | "ldapbindpasswd"
        | "ldapsearchattribute"
        | "ldapsearchfilter"
        | "ldapbasedn"
        | "ldapprefix"
        | "ldapsuffix" => require(AuthMethod::Ldap, "ldap")?,
        "ldapscheme" => {
            require(AuthMethod::Ldap, "ldap")?;
            if val != "ldap" && val != "ldaps" {
                notes.push(Diagnostic::warning(
                    Some(loc.clone()),
                    format!("invalid ldapscheme value: \"{val}\""),
                ));
            }
        }
        "ldapport" => {
            require(AuthMethod::Ldap, "ldap")?;
            if atoi(val) == 0 {
                return Err(err(&loc, format!("invalid LDAP port number: \"{val}\"")));
            }
        }
        "krb_realm" | "include_realm" => {
            if !matches!(m, AuthMethod::Gss | AuthMethod::Sspi) {
                return Err(only_valid_for(&loc, name, "gssapi and sspi"));
            }
        }
        "compat_realm" | "upn_username" => {
            if m != AuthMethod::Sspi {
                return Err(only_valid_for(&loc, name, "sspi"));
            }
        }
        "radiusservers" | "radiussecrets" | "radiusidentifiers" => {
            require(AuthMethod::Radius, "radius")?
        }
        "radiusports" => {
            require(AuthMethod::Radius, "radius")?;
            if val.split(',').any(|p| atoi(p.trim()) == 0) {
                return Err(err(&loc, format!("invalid RADIUS port number: \"{val}\"")));
            }
        }
        _ => {
            return Err(err(
                &loc,
                format!("unrecognized authentication option name: \"{name}\""),
            ))
        }
    }
    Ok(())
}

/// C `atoi`: leading blanks, a sign, digits; anything else stops it.
fn atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

/// The checks after the options: LDAP's two modes, RADIUS's lists.
fn check_mandatory(line: &HbaLine, options: &[(String, String)]) -> Result<(), Diagnostic> {
    let has = |n: &str| options.iter().any(|(k, _)| k == n);
    let count = |n: &str| {
        options
            .iter()
            .rev()
            .find(|(k, _)| k == n)
            .map_or(0, |(_, v)| v.split(',').count())
    };
    let loc = &line.location;
    if line.method == AuthMethod::Ldap {
        let url_basedn = options
            .iter()
            .any(|(k, v)| k == "ldapurl" && v.split("://").nth(1).is_some_and(|r| r.contains('/')));
        if has("ldapprefix") || has("ldapsuffix") {
            if has("ldapbasedn")
                || has("ldapbinddn")
                || has("ldapbindpasswd")
                || has("ldapsearchattribute")
                || has("ldapsearchfilter")
                || url_basedn
            {
                return Err(err(loc, "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"));
            }
        } else if !has("ldapbasedn") && !url_basedn {
            return Err(err(
                loc,
                "authentication method \"ldap\" requires argument \"ldapbasedn\", \"ldapprefix\", or \"ldapsuffix\" to be set",
            ));
        }
        if has("ldapsearchattribute") && has("ldapsearchfilter") {
            return Err(err(
                loc,
                "cannot use ldapsearchattribute together with ldapsearchfilter",
            ));
        }
    }
    if line.method == AuthMethod::Radius {
        for arg in ["radiusservers", "radiussecrets"] {
            if !has(arg) {
                return Err(err(
                    loc,
                    format!(
                        "authentication method \"radius\" requires argument \"{arg}\" to be set"
                    ),
                ));
            }
        }
        let servers = count("radiusservers");
        for (what, n) in [
            ("secrets", count("radiussecrets")),
            ("ports", count("radiusports")),
            ("identifiers", count("radiusidentifiers")),
        ] {
            let ok = n == 1 || n == servers || (what != "secrets" && n == 0);
            if !ok {
                return Err(err(
                    loc,
                    format!(
                        "the number of RADIUS {what} ({n}) must be 1 or the same as the number of RADIUS servers ({servers})"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `getaddrinfo(AI_NUMERICHOST)` as glibc does it: IPv4 in any `inet_aton`
/// form, or IPv6 with an optional `%zone`. Anything else is a host name.
pub fn parse_numeric_host(s: &str) -> Option<IpAddr> {
    if let Some(v4) = inet_aton(s) {
        return Some(IpAddr::V4(v4));
    }
    let addr = s
        .split_once('%')
        .map_or(s, |(a, zone)| if zone.is_empty() { s } else { a });
    addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// glibc's `inet_aton`, exact form: 1 to 4 parts, each decimal, octal
/// (leading 0) or hex (0x); the last part fills the remaining bytes.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let mut parts: Vec<u64> = Vec::with_capacity(4);
    let mut i = 0;
    loop {
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut base = 10u64;
        if b[i] == b'0' {
            i += 1;
            if matches!(b.get(i), Some(b'x') | Some(b'X')) {
                base = 16;
                i += 1;
            } else {
                base = 8;
            }
        }
        let mut val: u64 = 0;
        let mut digits = usize::from(base == 8);
        while let Some(&c) = b.get(i) {
            let d = match c {
                b'0'..=b'9' => u64::from(c - b'0'),
                b'a'..=b'f' if base == 16 => u64::from(c - b'a' + 10),
                b'A'..=b'F' if base == 16 => u64::from(c - b'A' + 10),
                _ => break,
            };
            if d >= base {
                return None;
            }
            val = val * base + d;
            if val > 0xffff_ffff {
                return None;
            }
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        parts.push(val);
        match b.get(i) {
            Some(b'.') if parts.len() < 4 => i += 1,
            None => break,
            _ => return None,
        }
    }
    let last = *parts.last()?;
    let n = parts.len();
    if parts[..n - 1].iter().any(|&p| p > 0xff) {
        return None;
    }
    let limit: u64 = match n {
        1 => 0xffff_ffff,
        2 => 0xff_ffff,
        3 => 0xffff,
        _ => 0xff,
    };
    if last > limit {
        return None;
    }
    let mut v: u64 = 0;
    for (k, p) in parts[..n - 1].iter().enumerate() {
        v |= p << (24 - 8 * k);
    }
    v |= last;
    Some(Ipv4Addr::from(u32::try_from(v).ok()?))
}

/// `pg_sockaddr_cidr_mask` with `strtol(…, 10)`: blanks and a sign allowed,
/// nothing after the digits.
fn cidr_mask(bits: &str, addr: IpAddr) -> Option<IpAddr> {
    let t = bits.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    if neg && n != 0 {
        return None;
    }
    match addr {
        IpAddr::V4(_) if n <= 32 => Some(IpAddr::V4(Ipv4Addr::from(if n == 0 {
            0
        } else {
            u32::MAX << (32 - n)
        }))),
        IpAddr::V6(_) if n <= 128 => Some(IpAddr::V6(Ipv6Addr::from(if n == 0 {
            0
        } else {
            u128::MAX << (128 - n)
        }))),
        _ => None,
    }
}

/// Where a connection comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// A Unix-domain socket.
    Local,
    /// A TCP connection from this address.
    Ip(IpAddr),
}

/// Which kind of replication connection, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replication {
    /// An ordinary connection.
    #[default]
    None,
    /// `replication=true`: matches only the `replication` database keyword.
    Physical,
    /// `replication=database`: matched like an ordinary connection.
    Logical,
}

/// One of the server's network interfaces (for `samehost` / `samenet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    /// The interface address.
    pub addr: IpAddr,
    /// Its netmask.
    pub mask: IpAddr,
}

/// A connection attempt, as `check_hba` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Socket or address.
    pub client: Client,
    /// The user name sent in the startup packet.
    pub user: String,
    /// The database name sent in the startup packet.
    pub database: String,
    /// Whether TLS is in use.
    pub ssl: bool,
    /// Whether GSSAPI encryption is in use.
    pub gss_enc: bool,
    /// Roles the user is a member of (directly or not), for `+role` and
    /// `samerole`; the user itself always counts.
    pub user_roles: Vec<String>,
    /// Replication kind.
    pub replication: Replication,
    /// The client's host name, when known and forward-confirmed, for lines
    /// with host names; without it such lines are not evaluated.
    pub client_hostname: Option<String>,
    /// The server's interfaces, for `samehost`/`samenet`; without them such
    /// lines are not evaluated.
    pub server_networks: Option<Vec<Network>>,
}

impl Connection {
    /// A TCP connection of `user` to `database` from `addr`, with or without
    /// TLS, and nothing else known.
    pub fn tcp(addr: IpAddr, user: &str, database: &str, ssl: bool) -> Self {
        Connection {
            client: Client::Ip(addr),
            user: user.to_string(),
            database: database.to_string(),
            ssl,
            gss_enc: false,
            user_roles: Vec::new(),
            replication: Replication::None,
            client_hostname: None,
            server_networks: None,
        }
    }

    fn is_member(&self, role: &str) -> bool {
        self.user == role || self.user_roles.iter().any(|r| r == role)
    }
}

/// The answer of [`HbaFile::check`].
#[derive(Debug, Clone)]
pub struct HbaMatch<'a> {
    /// The first matching line; `None` means the server answers `no
    /// pg_hba.conf entry for host ...`.
    pub line: Option<&'a HbaLine>,
    /// Lines before the answer that could not be evaluated for lack of facts
    /// (host names, `samehost`, `samenet`) and were treated as not matching.
    pub unevaluated: Vec<Diagnostic>,
}

fn in_range(client: IpAddr, addr: IpAddr, mask: IpAddr) -> bool {
    match (client, addr, mask) {
        (IpAddr::V4(c), IpAddr::V4(a), IpAddr::V4(m)) => {
            (u32::from(c) ^ u32::from(a)) & u32::from(m) == 0
        }
        (IpAddr::V6(c), IpAddr::V6(a), IpAddr::V6(m)) => {
            (u128::from(c) ^ u128::from(a)) & u128::from(m) == 0
        }
        _ => false,
    }
}

fn hostname_match(pattern: &str, actual: &str) -> bool {
    if pattern.starts_with('.') {
        actual.len() >= pattern.len()
            && actual.as_bytes()[actual.len() - pattern.len()..]
                .eq_ignore_ascii_case(pattern.as_bytes())
    } else {
        pattern.eq_ignore_ascii_case(actual)
    }
}

impl HbaFile {
    /// `check_hba`: the first line whose type, address, database and user
    /// all match.
    pub fn check(&self, conn: &Connection) -> HbaMatch<'_> {
        let mut unevaluated = Vec::new();
        for line in &self.lines {
            match line.conn_type {
                ConnType::Local => {
                    if conn.client != Client::Local {
                        continue;
                    }
                }
                t => {
                    let Client::Ip(ip) = conn.client else {
                        continue;
                    };
                    if conn.ssl && t == ConnType::HostNoSsl || !conn.ssl && t == ConnType::HostSsl {
                        continue;
                    }
                    if conn.gss_enc && t == ConnType::HostNoGssEnc
                        || !conn.gss_enc && t == ConnType::HostGssEnc
                    {
                        continue;
                    }
                    let unknown = |what: &str| {
                        Diagnostic::note(
                            Some(line.location.clone()),
                            format!("line not evaluated: {what}; treated as not matching"),
                        )
                    };
                    let ok = match &line.address {
                        Some(AddressSpec::All) | None => true,
                        Some(AddressSpec::Cidr { addr, mask }) => in_range(ip, *addr, *mask),
                        Some(AddressSpec::Hostname(h)) => match &conn.client_hostname {
                            Some(name) => hostname_match(h, name),
                            None => {
                                unevaluated.push(unknown(&format!(
                                    "the client's host name is unknown (line names \"{h}\")"
                                )));
                                false
                            }
                        },
                        Some(spec @ (AddressSpec::SameHost | AddressSpec::SameNet)) => match &conn
                            .server_networks
                        {
                            Some(nets) => nets.iter().any(|n| {
                                if *spec == AddressSpec::SameHost {
                                    n.addr == ip
                                } else {
                                    in_range(ip, n.addr, n.mask)
                                }
                            }),
                            None => {
                                unevaluated
                                    .push(unknown("the server's network interfaces are unknown"));
                                false
                            }
                        },
                    };
                    if !ok {
                        continue;
                    }
                }
            }
            let regexes = has_v16_auth_files(self.server_major);
            let mut unknown = None;
            let db = check_db(conn, &line.databases, regexes, &mut unknown);
            let role = db && check_role(conn, &line.users, regexes, &mut unknown);
            if let Some(pattern) = unknown {
                unevaluated.push(
                    Diagnostic::note(
                        Some(line.location.clone()),
                        format!("line not evaluated: the regular expression \"{pattern}\" uses syntax this checker does not evaluate; treated as not matching"),
                    )
                    .with_message_ja(format!("行を評価していません: 正規表現 \"{pattern}\" はこの検査で評価できない構文です。一致しないものとして扱います")),
                );
            }
            if !db || !role {
                continue;
            }
            return HbaMatch {
                line: Some(line),
                unevaluated,
            };
        }
        HbaMatch {
            line: None,
            unevaluated,
        }
    }
}

/// A regular expression token of PostgreSQL 16 and later (`/...`, quoted or
/// not) against `name`; `None` when this checker cannot evaluate it.
fn regex_matches(t: &AuthToken, name: &str, unknown: &mut Option<String>) -> Option<bool> {
    match auth_regex(&t.text[1..]) {
        AuthRegex::Compiled(re) => Some(re.is_match(name)),
        _ => {
            *unknown = Some(t.text[1..].to_string());
            None
        }
    }
}

fn check_db(
    conn: &Connection,
    tokens: &[AuthToken],
    regexes: bool,
    unknown: &mut Option<String>,
) -> bool {
    tokens.iter().any(|t| {
        if conn.replication == Replication::Physical {
            return t.is_keyword("replication");
        }
        if t.is_keyword("all") {
            true
        } else if t.is_keyword("sameuser") {
            conn.database == conn.user
        } else if t.is_keyword("samegroup") || t.is_keyword("samerole") {
            conn.is_member(&conn.database)
        } else if t.is_keyword("replication") {
            false
        } else if regexes && t.text.starts_with('/') {
            regex_matches(t, &conn.database, unknown).unwrap_or(false)
        } else {
            t.text == conn.database
        }
    })
}

fn check_role(
    conn: &Connection,
    tokens: &[AuthToken],
    regexes: bool,
    unknown: &mut Option<String>,
) -> bool {
    tokens.iter().any(|t| {
        if !t.quoted && t.text.starts_with('+') {
            conn.is_member(&t.text[1..])
        } else if t.is_keyword("all") {
            true
        } else if regexes && t.text.starts_with('/') {
            regex_matches(t, &conn.user, unknown).unwrap_or(false)
        } else {
            t.text == conn.user
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms_as_glibc() {
        let v4 = |s: &str| parse_numeric_host(s).map(|a| a.to_string());
        assert_eq!(v4("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("0x7f.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("10").as_deref(), Some("0.0.0.10"));
        assert_eq!(v4("01.02.03.04").as_deref(), Some("1.2.3.4"));
        assert_eq!(v4("1.0x10").as_deref(), Some("1.0.0.16"));
        assert_eq!(v4("4294967295").as_deref(), Some("255.255.255.255"));
        assert_eq!(v4("1.16777215").as_deref(), Some("1.255.255.255"));
        assert_eq!(v4("0xffffff00").as_deref(), Some("255.255.255.0"));
        for bad in [
            "1.2.3.256",
            "1.2.3.4.",
            "0x",
            "08",
            "4294967296",
            "1.16777216",
            "[::1]",
            "",
            "a.b",
            "1..2",
        ] {
            assert_eq!(v4(bad), None, "{bad}");
        }
        assert_eq!(v4("::ffff:1.2.3.4").as_deref(), Some("::ffff:1.2.3.4"));
        assert_eq!(v4("fe80::1%lo").as_deref(), Some("fe80::1"));
    }

    #[test]
    fn cidr_masks() {
        let a = IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4));
        assert_eq!(cidr_mask("8", a), Some("255.0.0.0".parse().unwrap()));
        assert_eq!(cidr_mask("+8", a), Some("255.0.0.0".parse().unwrap()));
        assert_eq!(cidr_mask("08", a), Some("255.0.0.0".parse().unwrap()));
        assert_eq!(cidr_mask(" 8", a), Some("255.0.0.0".parse().unwrap()));
        assert_eq!(cidr_mask("-0", a), Some("0.0.0.0".parse().unwrap()));
        assert_eq!(cidr_mask("0", a), Some("0.0.0.0".parse().unwrap()));
        for bad in ["33", "", "0x8", "8 ", "-1", "99999999999999999999"] {
            assert_eq!(cidr_mask(bad, a), None, "{bad}");
        }
    }
}
