//! What `pgtls probe` itself says, before and around the rules: what the
//! modelled client would do with its settings (an option its libpq lacks, a
//! file it cannot load, options open-source Kong ignores), how psql and
//! Kong's nginx would print the failure, and fix steps a server or libpq
//! version cannot apply.

use pgtls_config::kong::KongOrigin;
use pgtls_diagnose::Localized;

pub(crate) enum ProbeCmdText<'a> {
    ServerIsPostgres {
        major: u32,
    },
    ServerLacksSetting {
        major: u32,
        key: &'a str,
    },
    LibpqLacksKeyword {
        major: u32,
        key: &'a str,
        since: u32,
    },
    OptionTooNewForLibpq {
        option: &'a str,
        since: u32,
        major: u32,
    },
    UseNewerLibpqOrDropOption {
        option: &'a str,
        since: u32,
    },
    SystemRootcertBefore16 {
        major: u32,
    },
    UseLibpq16OrCaFile,
    PutCaAt {
        path: &'a str,
    },
    ChmodClientKey {
        key: &'a str,
    },
    PgpassIgnored {
        warning: &'a str,
    },
    LibpqSays {
        note: &'a str,
    },
    LibpqTriesHostsInOrder {
        count: usize,
        first: &'a str,
    },
    KeylogNotWritten,
    KongTrustBundleUnloadable,
    KongTrustBundleUnused {
        why: &'a str,
    },
    ClientCertUnreadableIgnored {
        why: &'a str,
    },
    KongConfSays {
        note: &'a str,
    },
    ReadOnlyConnectionNotProbed,
    /// Enterprise options set in kong.conf, and what open-source Kong does
    /// without them.
    EnterpriseOptions {
        options: &'a [&'a str],
        enterprise: bool,
    },
    PointKeyAtCert {
        cert: &'a str,
    },
    ProtocolsRefusedByOpenssl {
        offered: &'a str,
        origin: &'a KongOrigin,
        kong: &'a str,
        openssl: &'a str,
        usable: &'a str,
    },
    PsqlWaitsForEver {
        after: f64,
    },
    PsqlWaitsForKernel {
        after: f64,
    },
    NginxErrorLog,
    NginxErrorLogAtStart,
}

/// What open-source Kong lacks when an Enterprise option is ignored, once
/// each, in the order the options came.
#[derive(Clone, Copy, PartialEq)]
enum EnterpriseGap {
    Plaintext,
    OldVersions,
    NoClientCert,
}

fn enterprise_gaps(options: &[&str]) -> Vec<EnterpriseGap> {
    let mut gaps = Vec::new();
    // The read-only connection's options mean the same for it.
    for key in options {
        let gap = match key.replacen("pg_ro_", "pg_", 1).as_str() {
            "pg_ssl_required" => EnterpriseGap::Plaintext,
            "pg_ssl_version" => EnterpriseGap::OldVersions,
            "pg_ssl_cert" | "pg_ssl_cert_key" => EnterpriseGap::NoClientCert,
            _ => continue,
        };
        if !gaps.contains(&gap) {
            gaps.push(gap);
        }
    }
    gaps
}

impl Localized for ProbeCmdText<'_> {
    fn en(&self) -> String {
        match self {
            ProbeCmdText::ServerIsPostgres { major } => format!("the server is PostgreSQL {major}"),
            ProbeCmdText::ServerLacksSetting { major, key } => format!(
                "PostgreSQL {major} has no {key}: that step needs another server version; use the other steps"
            ),
            ProbeCmdText::LibpqLacksKeyword { major, key, since } => format!(
                "libpq {major} does not know {key} (it came with libpq {since}, PGTLS034): upgrade the client's libpq for that step, or use the server-side steps"
            ),
            ProbeCmdText::OptionTooNewForLibpq { option, since, major } => format!(
                "{option} came with libpq {since}; the libpq modelled is {major} (--libpq-version), which does not know it and refuses to connect"
            ),
            ProbeCmdText::UseNewerLibpqOrDropOption { option, since } => format!(
                "use libpq {since} or later for {option}, or remove {option} from the connection string"
            ),
            ProbeCmdText::SystemRootcertBefore16 { major } => format!(
                "sslrootcert=system means the operating system's trust store from libpq 16 on; libpq {major} (--libpq-version) looks for a file named system instead, finds none and stops"
            ),
            ProbeCmdText::UseLibpq16OrCaFile => "use libpq 16 or later, or set sslrootcert to the file of the CA that issued the server's certificate".into(),
            ProbeCmdText::PutCaAt { path } => format!(
                "put the CA certificate that issued the server's certificate at {path} or point sslrootcert (PGSSLROOTCERT) at it"
            ),
            ProbeCmdText::ChmodClientKey { key } => format!(
                "chmod 0600 {key} (owned by the user who runs psql or the application)"
            ),
            ProbeCmdText::PgpassIgnored { warning } => {
                format!("libpq ignores the password file: {warning}")
            }
            ProbeCmdText::LibpqSays { note } => format!("libpq: {note}"),
            ProbeCmdText::LibpqTriesHostsInOrder { count, first } => format!(
                "libpq tries {count} hosts in order; this probe connects to the first, {first}"
            ),
            ProbeCmdText::KeylogNotWritten => "libpq 18 writes this connection's TLS session keys to sslkeylogfile; pgtls probe does not (they decrypt the traffic, password exchange included)".into(),
            ProbeCmdText::KongTrustBundleUnloadable => "Kong cannot load its trust bundle and does not start (nginx refuses lua_ssl_trusted_certificate); no connection is made".into(),
            ProbeCmdText::KongTrustBundleUnused { why } => format!(
                "lua_ssl_trusted_certificate cannot be loaded ({why}); pg_ssl_verify is off, so Kong does not use it"
            ),
            ProbeCmdText::ClientCertUnreadableIgnored { why } => format!(
                "pg_ssl_cert cannot be read ({why}); open-source Kong ignores it anyway"
            ),
            ProbeCmdText::KongConfSays { note } => format!("kong.conf: {note}"),
            ProbeCmdText::ReadOnlyConnectionNotProbed => "pg_ro_* settings are set: Kong also opens a read-only connection with them, which this probe does not make".into(),
            ProbeCmdText::EnterpriseOptions { options, enterprise } => {
                let gaps: Vec<&str> = enterprise_gaps(options)
                    .into_iter()
                    .map(|gap| match gap {
                        EnterpriseGap::Plaintext => "without pg_ssl_required it goes on in plaintext when the server answers N",
                        EnterpriseGap::OldVersions => "without pg_ssl_version its LuaSec path offers TLS 1.1 and newer",
                        EnterpriseGap::NoClientCert => "it sends no client certificate, so a cert or clientcert pg_hba.conf line refuses it (PGTLS008)",
                    })
                    .collect();
                let options = options.join(", ");
                let head = if *enterprise {
                    format!("{options} are Enterprise options; open-source Kong would ignore them:")
                } else {
                    format!("{options} are Enterprise options and open-source Kong ignores them:")
                };
                format!("{head} {}", gaps.join("; "))
            }
            ProbeCmdText::PointKeyAtCert { cert } => format!(
                "point pg_ssl_cert_key at the key of {cert} (compare `openssl x509 -noout -pubkey -in {cert}` with `openssl pkey -pubout -in KEY`)"
            ),
            ProbeCmdText::ProtocolsRefusedByOpenssl { offered, origin, kong, openssl, usable } => format!(
                "lua_ssl_protocols = {offered} ({origin}): Kong {kong} (--kong-version) bundles OpenSSL {openssl}, which refuses TLS 1.0 and 1.1 at its default security level, so only {usable} can negotiate"
            ),
            ProbeCmdText::PsqlWaitsForEver { after } => format!(
                "psql prints nothing here, as without connect_timeout libpq has no time limit and waits for ever; pgtls gave up after {after} s (--timeout). With connect_timeout set, psql prints"
            ),
            ProbeCmdText::PsqlWaitsForKernel { after } => format!(
                "without connect_timeout psql prints the line above only when the kernel gives up the TCP connect (about 2 minutes on Linux); pgtls gave up after {after} s (--timeout). With connect_timeout set, psql prints"
            ),
            ProbeCmdText::NginxErrorLog => "nginx error.log".into(),
            ProbeCmdText::NginxErrorLogAtStart => "nginx error.log at start (init_by_lua; the init.lua line number varies by Kong version)".into(),
        }
    }

    fn ja(&self) -> String {
        match self {
            ProbeCmdText::ServerIsPostgres { major } => format!("サーバーは PostgreSQL {major} です"),
            ProbeCmdText::ServerLacksSetting { major, key } => format!(
                "PostgreSQL {major} には {key} がありません: その手順には別のサーバーバージョンが必要です。他の手順を使います"
            ),
            ProbeCmdText::LibpqLacksKeyword { major, key, since } => format!(
                "libpq {major} は {key} を知りません (libpq {since} で追加、PGTLS034): その手順にはクライアントの libpq を更新するか、サーバー側の手順を使います"
            ),
            ProbeCmdText::OptionTooNewForLibpq { option, since, major } => format!(
                "{option} は libpq {since} で追加されました。モデル化している libpq は {major} (--libpq-version) で、これを知らないため接続を拒否します"
            ),
            ProbeCmdText::UseNewerLibpqOrDropOption { option, since } => format!(
                "{option} には libpq {since} 以降を使うか、接続文字列から {option} を外します"
            ),
            ProbeCmdText::SystemRootcertBefore16 { major } => format!(
                "sslrootcert=system は libpq 16 以降ではオペレーティングシステムの信頼ストアを意味しますが、libpq {major} (--libpq-version) は system という名前のファイルを探し、見つからずに停止します"
            ),
            ProbeCmdText::UseLibpq16OrCaFile => "libpq 16 以降を使うか、sslrootcert にサーバー証明書を発行した CA のファイルを指定します".into(),
            ProbeCmdText::PutCaAt { path } => format!(
                "サーバー証明書を発行した CA の証明書を {path} に置くか、sslrootcert (PGSSLROOTCERT) でその場所を指定します"
            ),
            ProbeCmdText::ChmodClientKey { key } => format!(
                "chmod 0600 {key} (psql またはアプリケーションを実行するユーザーの所有で)"
            ),
            ProbeCmdText::PgpassIgnored { warning } => {
                format!("libpq はパスワードファイルを無視します: {warning}")
            }
            ProbeCmdText::LibpqSays { note } => format!("libpq の注意: {note}"),
            ProbeCmdText::LibpqTriesHostsInOrder { count, first } => format!(
                "libpq は {count} 個のホストを順に試します。この probe は最初の {first} に接続します"
            ),
            ProbeCmdText::KeylogNotWritten => "libpq 18 はこの接続の TLS セッション鍵を sslkeylogfile に書きますが、pgtls probe は書きません (パスワードのやり取りを含む通信を復号できる鍵です)".into(),
            ProbeCmdText::KongTrustBundleUnloadable => "Kong は信頼バンドルを読み込めないため起動しません (nginx が lua_ssl_trusted_certificate を拒否します)。接続は行われません".into(),
            ProbeCmdText::KongTrustBundleUnused { why } => format!(
                "lua_ssl_trusted_certificate を読み込めません ({why})。pg_ssl_verify が off のため Kong はこれを使いません"
            ),
            ProbeCmdText::ClientCertUnreadableIgnored { why } => format!(
                "pg_ssl_cert を読めません ({why})。オープンソース版 Kong はいずれにせよ無視します"
            ),
            ProbeCmdText::KongConfSays { note } => format!("kong.conf の注意: {note}"),
            ProbeCmdText::ReadOnlyConnectionNotProbed => "pg_ro_* が設定されています: Kong はそれで読み取り専用の接続も行いますが、この probe は行いません".into(),
            ProbeCmdText::EnterpriseOptions { options, enterprise } => {
                let gaps: Vec<&str> = enterprise_gaps(options)
                    .into_iter()
                    .map(|gap| match gap {
                        EnterpriseGap::Plaintext => "pg_ssl_required がないため、サーバーが N と答えると平文で続行します",
                        EnterpriseGap::OldVersions => "pg_ssl_version がないため、LuaSec 経路は TLS 1.1 以降を提示します",
                        EnterpriseGap::NoClientCert => "クライアント証明書を送らないため、cert や clientcert の pg_hba.conf の行で拒否されます (PGTLS008)",
                    })
                    .collect();
                let options = options.join(", ");
                let head = if *enterprise {
                    format!("{options} は Enterprise のオプションです。オープンソース版 Kong はこれらを無視します:")
                } else {
                    format!("{options} は Enterprise のオプションで、オープンソース版 Kong は無視します:")
                };
                format!("{head} {}", gaps.join("。"))
            }
            ProbeCmdText::PointKeyAtCert { cert } => format!(
                "pg_ssl_cert_key を {cert} の鍵に向けます (`openssl x509 -noout -pubkey -in {cert}` と `openssl pkey -pubout -in KEY` を比較します)"
            ),
            ProbeCmdText::ProtocolsRefusedByOpenssl { offered, origin, kong, openssl, usable } => {
                let origin = match origin {
                    KongOrigin::Default => "既定値".to_string(),
                    o => o.to_string(),
                };
                format!(
                    "lua_ssl_protocols = {offered} ({origin}): Kong {kong} (--kong-version) は OpenSSL {openssl} を同梱しており、既定のセキュリティレベルでは TLS 1.0 と 1.1 を拒否するため、ネゴシエートできるのは {usable} だけです"
                )
            }
            ProbeCmdText::PsqlWaitsForEver { after } => format!(
                "psql はここで何も出力しません。connect_timeout がないと libpq には時間制限がなく、いつまでも待ち続けます。pgtls は {after} 秒 (--timeout) で打ち切りました。connect_timeout を設定した場合の psql の出力"
            ),
            ProbeCmdText::PsqlWaitsForKernel { after } => format!(
                "connect_timeout がないと、psql が上の行を出力するのはカーネルが TCP 接続を諦めたとき (Linux では約 2 分後) です。pgtls は {after} 秒 (--timeout) で打ち切りました。connect_timeout を設定した場合の psql の出力"
            ),
            ProbeCmdText::NginxErrorLog => "nginx の error.log".into(),
            ProbeCmdText::NginxErrorLogAtStart => "起動時の nginx の error.log (init_by_lua。init.lua の行番号は Kong のバージョンで異なります)".into(),
        }
    }
}
