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
}

impl Origin {
    pub const ALL: [Origin; 5] = [
        Origin::Server,
        Origin::Libpq,
        Origin::KongLuasec,
        Origin::KongCosocket,
        Origin::Nginx,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Server => "server-log",
            Origin::Libpq => "libpq",
            Origin::KongLuasec => "kong-luasec",
            Origin::KongCosocket => "kong-cosocket",
            Origin::Nginx => "kong-nginx",
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
        }
    }
}

/// One diagnosis of the catalogue.
#[derive(Debug)]
pub struct Diagnosis {
    /// `PGTLS001`…; never changes meaning, never reused.
    pub code: &'static str,
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

/// A message pattern that identifies a diagnosis in one or more printers' output.
#[derive(Debug)]
pub struct Pattern {
    /// A stable identifier, for tests and traces.
    pub id: &'static str,
    pub code: &'static str,
    /// Other codes the same line is also consistent with; the evidence of
    /// probe/check decides between them.
    pub alternatives: &'static [&'static str],
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
    /// What this reading of the line means, in one sentence.
    pub reading: Text,
    /// Full lines as the printer really writes them; each must be explained
    /// by this pattern and no other.
    pub examples: &'static [&'static str],
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
