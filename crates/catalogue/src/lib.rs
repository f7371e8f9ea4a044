//! The diagnosis catalogue as data.
//!
//! Every command of pgtls reports failures by a stable code (PGTLS001…), and
//! this crate is the single place where a code gets its meaning: name,
//! severity, which side rejected what, the title, cause and fix in English and
//! Japanese, and the message patterns (server log, libpq, Kong, nginx) that
//! identify it. Nothing here does I/O or matching; the rules layer compiles the
//! patterns and the renderers choose the language.

mod entries;
mod patterns;

pub use entries::CATALOGUE;
pub use patterns::{Continuation, ContinuationPattern, CONTINUATIONS, PATTERNS};

/// An output language. Every user-facing text exists in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    /// Parses `en`/`ja` and locale strings such as `ja_JP.UTF-8`.
    pub fn parse(value: &str) -> Option<Lang> {
        let lower = value.trim().to_ascii_lowercase();
        if lower.starts_with("ja") {
            Some(Lang::Ja)
        } else if lower.starts_with("en")
            || lower == "c"
            || lower == "posix"
            || lower.starts_with("c.")
        {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language a user's locale asks for: LC_ALL, then LC_MESSAGES, then
    /// LANG, as gettext reads them; English when none names a language.
    pub fn from_locale_vars(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Lang {
        for value in [lc_all, lc_messages, lang].into_iter().flatten() {
            if value.is_empty() {
                continue;
            }
            return Lang::parse(value).unwrap_or(Lang::En);
        }
        Lang::En
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// A text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub ja: &'static str,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ja => self.ja,
        }
    }
}

/// How bad a finding is; `error` findings make a command exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Which side rejected the connection (product.md's `side`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Server,
    Client,
    Both,
    None,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Server => "server",
            Side::Client => "client",
            Side::Both => "both",
            Side::None => "none",
        }
    }
}

/// Who printed a line. The same OpenSSL reason means opposite things
/// depending on the printer (each side reports the alert it received), so a
/// pattern always says whose output it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The PostgreSQL server log.
    Server,
    /// libpq, as psql prints it.
    Libpq,
    /// Kong's LuaSec path (`init_by_lua`, Kong CLI before 3.5; the seed's shape).
    KongLuasec,
    /// Kong's nginx-cosocket path (Kong CLI 3.5+).
    KongCosocket,
    /// Kong's nginx error.log (`SSL_do_handshake() failed`, `lua ssl certificate verify error`).
    Nginx,
    /// pgbouncer's log: a pooler that is the server of the client's leg and
    /// the client of the server's leg (see [`Leg`]).
    Pgbouncer,
}

impl Origin {
    pub const ALL: [Origin; 6] = [
        Origin::Server,
        Origin::Libpq,
        Origin::KongLuasec,
        Origin::KongCosocket,
        Origin::Nginx,
        Origin::Pgbouncer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Server => "server-log",
            Origin::Libpq => "libpq",
            Origin::KongLuasec => "kong-luasec",
            Origin::KongCosocket => "kong-cosocket",
            Origin::Nginx => "kong-nginx",
            Origin::Pgbouncer => "pgbouncer",
        }
    }

    /// Whether the printer is the server (its log) or a client.
    pub fn is_server(self) -> bool {
        self == Origin::Server
    }

    pub fn describe(self) -> Text {
        match self {
            Origin::Server => Text {
                en: "PostgreSQL server log",
                ja: "PostgreSQL サーバーログ",
            },
            Origin::Libpq => Text {
                en: "libpq client (psql)",
                ja: "libpq クライアント (psql)",
            },
            Origin::KongLuasec => Text {
                en: "Kong (LuaSec shape)",
                ja: "Kong (LuaSec 形式)",
            },
            Origin::KongCosocket => Text {
                en: "Kong (cosocket shape)",
                ja: "Kong (cosocket 形式)",
            },
            Origin::Nginx => Text {
                en: "Kong's nginx error.log",
                ja: "Kong の nginx error.log",
            },
            Origin::Pgbouncer => Text {
                en: "pgbouncer's log",
                ja: "pgbouncer のログ",
            },
        }
    }
}

/// With a pooler (pgbouncer) between the client and PostgreSQL there are two
/// TLS connections, each with its own settings and its own failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Leg {
    /// Client (Kong, psql) ↔ pgbouncer: pgbouncer's `client_tls_*`.
    Client,
    /// pgbouncer ↔ PostgreSQL: pgbouncer's `server_tls_*`; pgbouncer is the
    /// client PostgreSQL sees.
    Server,
}

impl Leg {
    pub fn as_str(self) -> &'static str {
        match self {
            Leg::Client => "client",
            Leg::Server => "server",
        }
    }

    pub fn describe(self) -> Text {
        match self {
            Leg::Client => Text {
                en: "the client's leg (client ↔ pgbouncer, client_tls_*)",
                ja: "クライアント側の区間 (クライアント ↔ pgbouncer、client_tls_*)",
            },
            Leg::Server => Text {
                en: "the server's leg (pgbouncer ↔ PostgreSQL, server_tls_*)",
                ja: "サーバー側の区間 (pgbouncer ↔ PostgreSQL、server_tls_*)",
            },
        }
    }
}

/// A diagnosis code as a type: a rule names `Code::IncompleteChain`, so a
/// code that does not exist does not compile, and every code reaches its
/// catalogue entry without a look-up that could fail. The discriminant is
/// the number (`PGTLS014` is 14); a tidy test holds the enum and the
/// catalogue's order together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// PGTLS001 protocol-version-mismatch.
    ProtocolVersionMismatch = 1,
    /// PGTLS002 server-cert-missing.
    ServerCertMissing = 2,
    /// PGTLS003 server-key-missing.
    ServerKeyMissing = 3,
    /// PGTLS004 server-key-permissions.
    ServerKeyPermissions = 4,
    /// PGTLS005 client-rejects-server-cert.
    ClientRejectsServerCert = 5,
    /// PGTLS006 server-rejects-client-cert.
    ServerRejectsClientCert = 6,
    /// PGTLS007 cert-user-mismatch.
    CertUserMismatch = 7,
    /// PGTLS008 client-cert-required.
    ClientCertRequired = 8,
    /// PGTLS009 server-ssl-disabled.
    ServerSslDisabled = 9,
    /// PGTLS010 server-cert-expired.
    ServerCertExpired = 10,
    /// PGTLS011 client-cert-expired.
    ClientCertExpired = 11,
    /// PGTLS012 hostname-mismatch.
    HostnameMismatch = 12,
    /// PGTLS013 verify-depth-exceeded.
    VerifyDepthExceeded = 13,
    /// PGTLS014 incomplete-chain.
    IncompleteChain = 14,
    /// PGTLS015 key-cert-mismatch.
    KeyCertMismatch = 15,
    /// PGTLS016 no-hba-entry.
    NoHbaEntry = 16,
    /// PGTLS017 password-auth-failed.
    PasswordAuthFailed = 17,
    /// PGTLS018 trust-store-invalid.
    TrustStoreInvalid = 18,
    /// PGTLS019 root-store-missing-for-cert-auth.
    RootStoreMissingForCertAuth = 19,
    /// PGTLS020 unreachable.
    Unreachable = 20,
    /// PGTLS021 plaintext-fallback.
    PlaintextFallback = 21,
    /// PGTLS022 weak-crypto.
    WeakCrypto = 22,
    /// PGTLS023 cert-expiring-soon.
    CertExpiringSoon = 23,
    /// PGTLS024 legacy-tls-accepted.
    LegacyTlsAccepted = 24,
    /// PGTLS025 peer-protocol-violation.
    PeerProtocolViolation = 25,
    /// PGTLS026 password-to-unverified-server.
    PasswordToUnverifiedServer = 26,
    /// PGTLS027 client-key-permissions.
    ClientKeyPermissions = 27,
    /// PGTLS028 client-key-missing.
    ClientKeyMissing = 28,
    /// PGTLS029 chain-out-of-order.
    ChainOutOfOrder = 29,
    /// PGTLS030 leaf-only-chain.
    LeafOnlyChain = 30,
    /// PGTLS031 connection-closed-by-peer.
    ConnectionClosedByPeer = 31,
    /// PGTLS032 legacy-tls-probe.
    LegacyTlsProbe = 32,
    /// PGTLS033 hba-file-refused.
    HbaFileRefused = 33,
    /// PGTLS034 libpq-too-old.
    LibpqTooOld = 34,
    /// PGTLS035 direct-tls-unsupported.
    DirectTlsUnsupported = 35,
    /// PGTLS036 client-auth-requirement-unmet.
    ClientAuthRequirementUnmet = 36,
    // 037–039 are left to codes added alongside; the pooler's start at 040.
    /// PGTLS040 pooler-client-tls-required.
    PoolerClientTlsRequired = 40,
    /// PGTLS041 pooler-query-wait-timeout.
    PoolerQueryWaitTimeout = 41,
    /// PGTLS042 pooler-server-connection-failed.
    PoolerServerConnectionFailed = 42,
}

impl Code {
    /// Every code, in order.
    pub const ALL: [Code; 39] = [
        Code::ProtocolVersionMismatch,
        Code::ServerCertMissing,
        Code::ServerKeyMissing,
        Code::ServerKeyPermissions,
        Code::ClientRejectsServerCert,
        Code::ServerRejectsClientCert,
        Code::CertUserMismatch,
        Code::ClientCertRequired,
        Code::ServerSslDisabled,
        Code::ServerCertExpired,
        Code::ClientCertExpired,
        Code::HostnameMismatch,
        Code::VerifyDepthExceeded,
        Code::IncompleteChain,
        Code::KeyCertMismatch,
        Code::NoHbaEntry,
        Code::PasswordAuthFailed,
        Code::TrustStoreInvalid,
        Code::RootStoreMissingForCertAuth,
        Code::Unreachable,
        Code::PlaintextFallback,
        Code::WeakCrypto,
        Code::CertExpiringSoon,
        Code::LegacyTlsAccepted,
        Code::PeerProtocolViolation,
        Code::PasswordToUnverifiedServer,
        Code::ClientKeyPermissions,
        Code::ClientKeyMissing,
        Code::ChainOutOfOrder,
        Code::LeafOnlyChain,
        Code::ConnectionClosedByPeer,
        Code::LegacyTlsProbe,
        Code::HbaFileRefused,
        Code::LibpqTooOld,
        Code::DirectTlsUnsupported,
        Code::ClientAuthRequirementUnmet,
        Code::PoolerClientTlsRequired,
        Code::PoolerQueryWaitTimeout,
        Code::PoolerServerConnectionFailed,
    ];

    /// The catalogue entry.
    pub fn diagnosis(self) -> &'static Diagnosis {
        // Codes are blocks with gaps between them, so the position is found
        // rather than computed; the catalogue is a few dozen entries.
        CATALOGUE
            .iter()
            .find(|d| d.id == self)
            .expect("every code has a catalogue entry (tidy test)")
    }

    /// `PGTLS014`.
    pub fn as_str(self) -> &'static str {
        self.diagnosis().code
    }

    /// Reads `PGTLS014` (or `pgtls14`, `14`, as [`lookup`] does).
    pub fn parse(text: &str) -> Option<Code> {
        let d = lookup(text)?;
        Code::ALL.into_iter().find(|c| c.diagnosis().code == d.code)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// In JSON a code is its string, `"PGTLS014"`, as product.md specifies.
impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

/// One diagnosis of the catalogue.
#[derive(Debug)]
pub struct Diagnosis {
    /// `PGTLS001`…; never changes meaning, never reused.
    pub code: &'static str,
    /// The same code as a type.
    pub id: Code,
    /// A short kebab-case name, stable like the code.
    pub name: &'static str,
    pub severity: Severity,
    /// Which side rejected the connection.
    pub side: Side,
    /// One line.
    pub title: Text,
    /// What rejected what, and why.
    pub cause: Text,
    /// Concrete steps, in order.
    pub fix: &'static [Text],
    /// Whether the seed troubleshooting page lists this failure.
    pub in_seed: bool,
}

/// The PostgreSQL major versions that print a line in a pattern's shape:
/// the server's version for server-log lines, libpq's for libpq lines. Only
/// set where the shape is known to differ between versions, as observed on
/// real servers and clients of each version (tests/fixtures/versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// The first major version that prints it.
    pub first: u32,
    /// The last one, `None` when every later version observed prints it too.
    pub last: Option<u32>,
}

impl Versions {
    /// `first` and every later version.
    pub const fn since(first: u32) -> Versions {
        Versions { first, last: None }
    }

    /// `first` to `last`, both included.
    pub const fn range(first: u32, last: u32) -> Versions {
        Versions {
            first,
            last: Some(last),
        }
    }

    /// Whether `major` prints it.
    pub fn contains(&self, major: u32) -> bool {
        major >= self.first && self.last.is_none_or(|l| major <= l)
    }

    /// `PostgreSQL 12 and 13`, `PostgreSQL 16 and later`.
    pub fn describe(&self) -> (String, String) {
        match self.last {
            None => (
                format!("PostgreSQL {} and later", self.first),
                format!("PostgreSQL {} 以降", self.first),
            ),
            Some(l) if l == self.first => (format!("PostgreSQL {l}"), format!("PostgreSQL {l}")),
            Some(l) if l == self.first + 1 => (
                format!("PostgreSQL {} and {l}", self.first),
                format!("PostgreSQL {} と {l}", self.first),
            ),
            Some(l) => (
                format!("PostgreSQL {} to {l}", self.first),
                format!("PostgreSQL {} から {l}", self.first),
            ),
        }
    }
}

/// A message pattern that identifies a diagnosis in one or more printers' output.
#[derive(Debug)]
pub struct Pattern {
    /// A stable identifier, for tests and traces.
    pub id: &'static str,
    pub code: Code,
    /// Other codes the same line is also consistent with; the evidence of
    /// probe/check decides between them.
    pub alternatives: &'static [Code],
    /// Whose output this pattern describes.
    pub origins: &'static [Origin],
    /// A regular expression over the message text (the line without its log
    /// prefix, severity word and client envelope). Named groups become facts.
    pub regex: &'static str,
    /// Literals of which every match contains at least one: the fast
    /// prefilter for log scanning.
    pub needles: &'static [&'static str],
    /// A fallback is reported only when no specific pattern matched the same text.
    pub fallback: bool,
    /// For pgbouncer's lines: the leg this reading holds on. A line whose
    /// leg its envelope does not show has one reading per leg.
    pub leg: Option<Leg>,
    /// What this reading of the line means, in one sentence.
    pub reading: Text,
    /// Full lines as the printer really writes them; each must be explained
    /// by this pattern and no other.
    pub examples: &'static [&'static str],
    /// Which versions print this shape, where that is known to differ.
    pub versions: Option<Versions>,
}

/// All diagnoses, ordered by code.
pub fn all() -> &'static [Diagnosis] {
    CATALOGUE
}

/// The diagnosis with this code (case-insensitive; `5`, `005` and `pgtls005` also work).
pub fn lookup(code: &str) -> Option<&'static Diagnosis> {
    let trimmed = code.trim();
    let upper = trimmed.to_ascii_uppercase();
    let digits = upper.strip_prefix("PGTLS").unwrap_or(&upper);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    let canonical = format!("PGTLS{number:03}");
    CATALOGUE.iter().find(|d| d.code == canonical)
}

/// The patterns that identify one code.
pub fn patterns_for(code: &str) -> impl Iterator<Item = &'static Pattern> + '_ {
    PATTERNS.iter().filter(move |p| p.code == code)
}
