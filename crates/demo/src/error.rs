//! The errors of `setup` and `demo`: what stops them from running at all.
//! A failure the demo provokes on purpose, or a `setup --verify` connection
//! that fails, is a result with findings, never one of these.

use std::fmt;
use std::io;
use std::path::PathBuf;

use pgtls_catalogue::Lang;
use pgtls_lab::{LabError, PG_BINDIR_VAR};

/// The install hint shared by both commands when PostgreSQL is missing.
fn postgres_missing(lang: Lang) -> String {
    let install = match lang {
        Lang::En => "install it with: apt-get install -y postgresql (Debian/Ubuntu), dnf install -y postgresql-server (Fedora/RHEL), brew install postgresql@15 (macOS)",
        Lang::Ja => "インストール方法: apt-get install -y postgresql (Debian/Ubuntu)、dnf install -y postgresql-server (Fedora/RHEL)、brew install postgresql@15 (macOS)",
    };
    let var = std::env::var_os(PG_BINDIR_VAR)
        .filter(|v| !v.is_empty())
        .map(|v| PathBuf::from(v).display().to_string());
    match (var, lang) {
        (Some(dir), Lang::En) => format!(
            "no PostgreSQL server in {dir} (named by {PG_BINDIR_VAR}): it holds no postgres and initdb; point {PG_BINDIR_VAR} at the server's bin directory or unset it to search PATH, pg_config and /usr/lib/postgresql; if PostgreSQL is not installed, {install}"
        ),
        (Some(dir), Lang::Ja) => format!(
            "{dir} ({PG_BINDIR_VAR} で指定) に PostgreSQL サーバーがありません: postgres と initdb がありません。{PG_BINDIR_VAR} にサーバーの bin ディレクトリを指定するか、変数を外して PATH、pg_config、/usr/lib/postgresql を探させてください。PostgreSQL が未インストールなら、{install}"
        ),
        (None, Lang::En) => format!(
            "no PostgreSQL server installation found (postgres and initdb were searched on PATH, through pg_config --bindir and under /usr/lib/postgresql/*/bin); {install}"
        ),
        (None, Lang::Ja) => format!(
            "PostgreSQL サーバーが見つかりません (postgres と initdb を PATH、pg_config --bindir、/usr/lib/postgresql/*/bin で探しました)。{install}"
        ),
    }
}

/// Why `pgtls demo` could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum DemoError {
    /// There is no local PostgreSQL server installation to start.
    PostgresMissing,
    /// The lab failed while preparing or restoring the demo's server (as
    /// opposed to a failure the demo provokes).
    Lab {
        /// What the demo was doing.
        context: String,
        /// The lab's error, with the server log when there is one.
        source: LabError,
    },
    /// The healthy starting point did not connect, so no scenario would
    /// mean anything.
    Baseline {
        /// What psql printed.
        psql: String,
    },
    /// A file system operation of the demo itself failed.
    Io {
        /// What the demo was doing.
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
}

impl DemoError {
    pub(crate) fn lab(context: impl Into<String>, source: LabError) -> DemoError {
        match source {
            LabError::PostgresMissing => DemoError::PostgresMissing,
            source => DemoError::Lab {
                context: context.into(),
                source,
            },
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> DemoError {
        DemoError::Io {
            context: context.into(),
            source,
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            DemoError::PostgresMissing => postgres_missing(lang),
            DemoError::Io { context, source } => match lang {
                Lang::En => format!("the demo could not {context}: {source}"),
                Lang::Ja => format!("デモを続行できませんでした ({context}): {source}"),
            },
            DemoError::Lab { context, source } => match lang {
                Lang::En => format!("the demo could not {context}: {source}"),
                Lang::Ja => format!("デモを続行できませんでした ({context}): {source}"),
            },
            DemoError::Baseline { psql } => match lang {
                Lang::En => format!(
                    "the demo's healthy server did not accept the healthy client, so the demo stopped: {}",
                    psql.trim_end()
                ),
                Lang::Ja => format!(
                    "デモの正常なサーバーが正常なクライアントを受け付けなかったため、デモを中止しました: {}",
                    psql.trim_end()
                ),
            },
        }
    }
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for DemoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DemoError::Lab { source, .. } => Some(source),
            DemoError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why `pgtls setup` could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// An option value that cannot be used (a malformed host name, a user
    /// name PostgreSQL configuration files cannot hold, zero days...).
    InvalidOption(String),
    /// Files that already exist; nothing was written. `--force` replaces
    /// them.
    Exists(Vec<PathBuf>),
    /// A file to write is a symbolic link; it is never followed or
    /// replaced, even with `--force`.
    Symlink(PathBuf),
    /// A file to write exists but is not a regular file (a directory...).
    NotAFile(PathBuf),
    /// The CA key given with `--ca-key` is not the key of `--ca-cert`.
    CaKeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// A file system operation failed.
    Io {
        /// What setup was doing, e.g. `read /etc/ca.pem`.
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// OpenSSL refused to parse or build a key or certificate.
    Crypto {
        /// What setup was doing.
        context: String,
        /// OpenSSL's error queue.
        source: openssl::error::ErrorStack,
    },
    /// The kong.conf lines setup would write read back, through the model
    /// check and probe read kong.conf with, as another Kong than the one
    /// meant (a directory whose path holds `#` or a comma); nothing was
    /// written.
    KongConf(pgtls_config::kong_client::IntentMismatch),
    /// No local PostgreSQL installation to run `--verify` with.
    PostgresMissing,
    /// The lab failed to generate keys or to run the verification server.
    Lab {
        /// What setup was doing.
        context: String,
        /// The lab's error.
        source: LabError,
    },
}

impl SetupError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> SetupError {
        SetupError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn crypto(
        context: impl Into<String>,
        source: openssl::error::ErrorStack,
    ) -> SetupError {
        SetupError::Crypto {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn lab(context: impl Into<String>, source: LabError) -> SetupError {
        match source {
            LabError::PostgresMissing => SetupError::PostgresMissing,
            source => SetupError::Lab {
                context: context.into(),
                source,
            },
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let ja = lang == Lang::Ja;
        match self {
            SetupError::InvalidOption(m) => m.clone(),
            SetupError::Exists(paths) => {
                let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                if ja {
                    format!("次のファイルが既にあるため、何も書き込みませんでした (置き換えるには --force): {}", list.join(", "))
                } else {
                    format!("not overwriting existing files (nothing was written; --force replaces them): {}", list.join(", "))
                }
            }
            SetupError::Symlink(p) => {
                if ja {
                    format!("{} はシンボリックリンクです。リンクをたどって書き込むことはしません (--force でも同じです): 削除してから再実行してください", p.display())
                } else {
                    format!("{} is a symbolic link; setup never writes through or replaces a link, even with --force: remove it and run again", p.display())
                }
            }
            SetupError::NotAFile(p) => {
                if ja {
                    format!("{} は通常のファイルではありません", p.display())
                } else {
                    format!("{} exists and is not a regular file", p.display())
                }
            }
            SetupError::CaKeyMismatch { cert, key } => {
                if ja {
                    format!(
                        "{} は {} の秘密鍵ではありません",
                        key.display(),
                        cert.display()
                    )
                } else {
                    format!(
                        "{} is not the private key of {}",
                        key.display(),
                        cert.display()
                    )
                }
            }
            SetupError::Io { context, source } => format!("could not {context}: {source}"),
            SetupError::Crypto { context, source } => format!("could not {context}: {source}"),
            SetupError::KongConf(m) => {
                let items: Vec<String> = m
                    .differences
                    .iter()
                    .map(ToString::to_string)
                    .chain(m.diagnostics.iter().map(|d| d.message_in(ja).to_string()))
                    .collect();
                if ja {
                    format!("setup が書く kong.conf の行は、読み戻すと意図した Kong になりません (意図 -> 読み取り: {})。何も書き込んでいません。# やカンマを含むパスは kong.conf に書けません: 別の --out または --client-dir を選んでください", items.join("; "))
                } else {
                    format!("the kong.conf lines setup would write read back as another Kong (meant -> read: {}); nothing was written. A path holding # or a comma cannot be written in kong.conf: choose another --out or --client-dir", items.join("; "))
                }
            }
            SetupError::PostgresMissing => postgres_missing(lang),
            SetupError::Lab { context, source } => format!("could not {context}: {source}"),
        }
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for SetupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SetupError::Io { source, .. } => Some(source),
            SetupError::Crypto { source, .. } => Some(source),
            SetupError::Lab { source, .. } => Some(source),
            _ => None,
        }
    }
}
