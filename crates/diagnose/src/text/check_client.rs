//! What check says about a client (Kong or libpq) held against the
//! server: its own files and settings, the versions, the chain, the client
//! certificate, and how each is fixed.

use std::path::Path;

use super::Localized;

pub enum CheckClientText<'a> {
    /// PGTLS021's readings: TLS off, Kong's hint, libpq's prefer/allow.
    NoTlsAtAll {
        client: &'a str,
    },
    KongSslIsAHint,
    LibpqFallsBack,
    /// PGTLS021's fix, per client.
    KongInsistOnTls,
    LibpqInsistOnTls,
    SetCaFileToClientTrust {
        /// The trust file as ssl_ca_file's value.
        value: &'a str,
        client: &'a str,
    },
    PointTrustSettingAtCa {
        setting: &'a str,
    },
    KongSendCertEnterprise,
    KongOpenSourceSendsNoCert,
    KongTurnTlsOn,
    InstallSystemCas,
    SslrootcertSystemTooOld {
        libpq_major: u32,
    },
    UseLibpq16OrCaFile,
    RootCertFileMissing {
        path: &'a Path,
    },
    GiveSslrootcert,
    KeyOfCertificate {
        key: &'a Path,
        cert: &'a Path,
    },
    PutClientKey {
        path: &'a Path,
    },
    ClientKeyFileMissing {
        path: &'a Path,
    },
    ClientKeyGroupOrWorld {
        path: &'a Path,
    },
    ChmodClientKey {
        path_sh: &'a str,
    },
    OptionNewerThanLibpq {
        key: &'a str,
        since: u32,
        major: u32,
    },
    LibpqSendCert,
    LibpqTurnTlsOn,
    ClientKeyNotCertificates {
        client: &'a str,
    },
    PairClientCert {
        cert: &'a Path,
    },
    KongSeesSslOff,
    LibpqSeesSslOff,
    TurnServerSslOn,
    SharedOnlyLegacyVersions {
        common: &'a str,
    },
    OverlapVersionRanges {
        versions_setting: &'a str,
    },
    ReissueForHostName {
        san: &'a str,
    },
    RenewClientCert {
        not_after: &'a str,
    },
    AddIssuingCaToServer {
        issuer: &'a str,
        ca_file: &'a str,
        /// The CAs ssl_ca_file holds, any of which may issue instead.
        ca_names: &'a [String],
    },
    IssuingCaFoundIn {
        found: &'a str,
        ca_file: &'a str,
    },
    NoLineFromAnyAddress,
    FittingClientCertBeside {
        cert: &'a Path,
        user: &'a str,
        key: &'a Path,
    },
    SetKongVerifyDepth {
        needed: u32,
        now: u32,
    },
    AppendIntermediate {
        subject: &'a str,
        from: &'a str,
        chain_file: &'a str,
    },
    ChainEndsUntrusted {
        last: &'a str,
        issuer: &'a str,
        client: &'a str,
    },
    ServerCaFileHoldsCa {
        path: &'a str,
    },
    TrustIssuingCa {
        issuer: &'a str,
        snippet: &'a str,
    },
}

impl Localized for CheckClientText<'_> {
    fn en(&self) -> String {
        match self {
            CheckClientText::NoTlsAtAll { client } => format!("{client} does not ask for TLS at all: the password and all data cross the network in plaintext"),
            CheckClientText::KongSslIsAHint => "pg_ssl = on is only a hint: a server (or anything in between) that answers N gets a plaintext connection, even with pg_ssl_verify = on".into(),
            CheckClientText::LibpqFallsBack => "sslmode=prefer/allow falls back to plaintext when the server (or anything in between) refuses TLS".into(),
            CheckClientText::KongInsistOnTls => "in kong.conf: pg_ssl = on, pg_ssl_required = on (Kong Enterprise) and pg_ssl_verify = on".into(),
            CheckClientText::LibpqInsistOnTls => "use sslmode=verify-full with sslrootcert in the connection string".into(),
            CheckClientText::SetCaFileToClientTrust { value, client } => format!(
                "in postgresql.conf: ssl_ca_file = {value} (it holds the CA that issued {client}'s certificate; add the CAs of other clients that send certificates), then reload"
            ),
            CheckClientText::PointTrustSettingAtCa { setting } => format!(
                "point {setting} at a PEM file with the CA certificate(s) that issued the server's certificate (e.g. the file the server's ssl_cert_file chains to)"
            ),
            CheckClientText::KongSendCertEnterprise => "in kong.conf: pg_ssl_cert = /path/to/client.crt and pg_ssl_cert_key = /path/to/client.key (a certificate from a CA in the server's ssl_ca_file)".into(),
            CheckClientText::KongOpenSourceSendsNoCert => "open-source Kong never sends a client certificate (pg_ssl_cert is Enterprise-only): use a password method for Kong's line instead (e.g. hostssl kong kong <addr> scram-sha-256), or Kong Enterprise".into(),
            CheckClientText::KongTurnTlsOn => "in kong.conf: pg_ssl = on (and pg_ssl_required = on with Kong Enterprise)".into(),
            CheckClientText::InstallSystemCas => "install the system's CA certificates (Debian/Ubuntu: ca-certificates; RHEL: ca-certificates and update-ca-trust), or set sslrootcert to a CA file".into(),
            CheckClientText::SslrootcertSystemTooOld { libpq_major } => format!(
                "sslrootcert=system means the system's trust store from libpq 16 on; libpq {libpq_major} looks for a file named system and stops: root certificate file \"system\" does not exist"
            ),
            CheckClientText::UseLibpq16OrCaFile => "use libpq 16 or later, or set sslrootcert to the file of the CA that issued the server's certificate".into(),
            CheckClientText::RootCertFileMissing { path } => format!(
                "libpq refuses to connect: root certificate file \"{}\" does not exist",
                path.display()
            ),
            CheckClientText::GiveSslrootcert => "give sslrootcert=/path/to/ca.crt (the CA that issued the server's certificate)".into(),
            CheckClientText::KeyOfCertificate { key, cert } => format!(
                "{} is the key of {}: sslkey={}",
                key.display(),
                cert.display(),
                key.display()
            ),
            CheckClientText::PutClientKey { path } => format!(
                "put the client's private key at {} (mode 0600), or name it with sslkey=",
                path.display()
            ),
            CheckClientText::ClientKeyFileMissing { path } => format!(
                "libpq refuses to connect: certificate present, but not private key file \"{}\"",
                path.display()
            ),
            CheckClientText::ClientKeyGroupOrWorld { path } => format!(
                "libpq refuses to connect: private key file \"{}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
                path.display()
            ),
            CheckClientText::ChmodClientKey { path_sh } => {
                format!("`chmod 0600 {path_sh}` (owned by the user who runs the client)")
            }
            CheckClientText::OptionNewerThanLibpq { key, since, major } => format!(
                "{key} came with libpq {since}; libpq {major} refuses the connection string before connecting"
            ),
            CheckClientText::LibpqSendCert => "add sslcert=/path/to/client.crt sslkey=/path/to/client.key to the connection string (a certificate from a CA in the server's ssl_ca_file; key 0600)".into(),
            CheckClientText::LibpqTurnTlsOn => {
                "use sslmode=verify-full (with sslrootcert) in the connection string".into()
            }
            CheckClientText::ClientKeyNotCertificates { client } => format!(
                "the client's key is not its certificate's: {client} refuses to use them"
            ),
            CheckClientText::PairClientCert { cert } => {
                format!("pair {} with the key it was issued for", cert.display())
            }
            CheckClientText::KongSeesSslOff => {
                "Kong will print: the server does not support SSL connections".into()
            }
            CheckClientText::LibpqSeesSslOff => {
                "libpq will print: server does not support SSL, but SSL was required".into()
            }
            CheckClientText::TurnServerSslOn => "in postgresql.conf: ssl = on with ssl_cert_file and ssl_key_file, then reload (SELECT pg_reload_conf())".into(),
            CheckClientText::SharedOnlyLegacyVersions { common } => format!(
                "they share only {common}, which OpenSSL 3 refuses at Debian's default security level"
            ),
            CheckClientText::OverlapVersionRanges { versions_setting } => format!(
                "make the ranges overlap at TLSv1.2 or TLSv1.3: change {versions_setting} or the server's ssl_min_protocol_version/ssl_max_protocol_version"
            ),
            CheckClientText::ReissueForHostName { san } => format!(
                "reissue the server certificate with subjectAltName {san}, or dial a name it carries"
            ),
            CheckClientText::RenewClientCert { not_after } => {
                format!("renew the client certificate (notAfter {not_after})")
            }
            CheckClientText::AddIssuingCaToServer { issuer, ca_file, ca_names } => format!(
                "add the CA that issued the client certificate ({issuer}) to the server's ssl_ca_file: `cat issuing-ca.crt >> {ca_file}` then reload; or issue the client certificate from {}",
                ca_names.join(" or ")
            ),
            CheckClientText::IssuingCaFoundIn { found, ca_file } => format!(
                "the issuing CA is in {found}: the edit appends it to {ca_file} (every client certificate it issued is then accepted where pg_hba.conf asks for one: look first), then reload"
            ),
            CheckClientText::NoLineFromAnyAddress => {
                "no line matches this user and database from any address".into()
            }
            CheckClientText::FittingClientCertBeside { cert, user, key } => format!(
                "{} (CN {user}, from a CA in the server's ssl_ca_file) with {} lies beside the client's trust file: send it",
                cert.display(),
                key.display()
            ),
            CheckClientText::SetKongVerifyDepth { needed, now } => format!(
                "in kong.conf: lua_ssl_verify_depth = {needed} (now {now}; the chain needs {needed})"
            ),
            CheckClientText::AppendIntermediate { subject, from, chain_file } => format!(
                "make the server send the intermediate after its leaf: append {subject} (from {from}) to {chain_file}, then reload"
            ),
            CheckClientText::ChainEndsUntrusted { last, issuer, client } => format!(
                "the chain ends at {last}, issued by {issuer}, which {client} does not trust"
            ),
            CheckClientText::ServerCaFileHoldsCa { path } => {
                format!("the server's ssl_ca_file {path} holds that CA")
            }
            CheckClientText::TrustIssuingCa { issuer, snippet } => format!(
                "trust the CA that issued the server's certificate ({issuer}) at the client: {snippet}"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            CheckClientText::NoTlsAtAll { client } => format!("{client} は TLS をまったく要求しません: パスワードと全データが平文で流れます"),
            CheckClientText::KongSslIsAHint => "pg_ssl = on はヒントにすぎません: N と答えるサーバー (または途中の何か) には、pg_ssl_verify = on でも平文で接続します".into(),
            CheckClientText::LibpqFallsBack => "sslmode=prefer/allow はサーバー (または途中の何か) が TLS を拒むと平文に戻ります".into(),
            CheckClientText::KongInsistOnTls => "kong.conf に pg_ssl = on、pg_ssl_required = on (Kong Enterprise)、pg_ssl_verify = on を設定します".into(),
            CheckClientText::LibpqInsistOnTls => "接続文字列で sslrootcert と sslmode=verify-full を使います".into(),
            CheckClientText::SetCaFileToClientTrust { value, client } => format!(
                "postgresql.conf に ssl_ca_file = {value} を設定し (これは {client} の証明書を発行した CA を含みます。証明書を送る他のクライアントの CA も追加します)、再読み込みします"
            ),
            CheckClientText::PointTrustSettingAtCa { setting } => format!(
                "{setting} に、サーバー証明書を発行した CA 証明書の PEM ファイルを指定します"
            ),
            CheckClientText::KongSendCertEnterprise => "kong.conf に pg_ssl_cert = /path/to/client.crt と pg_ssl_cert_key = /path/to/client.key を設定します (サーバーの ssl_ca_file の CA が発行した証明書)".into(),
            CheckClientText::KongOpenSourceSendsNoCert => "オープンソース版 Kong はクライアント証明書を送りません (pg_ssl_cert は Enterprise 専用): Kong の行にはパスワード方式 (例: hostssl kong kong <addr> scram-sha-256) を使うか、Kong Enterprise を使います".into(),
            CheckClientText::KongTurnTlsOn => "kong.conf に pg_ssl = on を設定します (Kong Enterprise では pg_ssl_required = on も)".into(),
            CheckClientText::InstallSystemCas => "システムの CA 証明書を導入するか (Debian/Ubuntu: ca-certificates、RHEL: ca-certificates と update-ca-trust)、sslrootcert に CA ファイルを指定します".into(),
            CheckClientText::SslrootcertSystemTooOld { libpq_major } => format!(
                "sslrootcert=system は libpq 16 以降ではシステムの信頼ストアを意味します。libpq {libpq_major} は system という名前のファイルを探して停止します: root certificate file \"system\" does not exist"
            ),
            CheckClientText::UseLibpq16OrCaFile => "libpq 16 以降を使うか、sslrootcert にサーバー証明書を発行した CA のファイルを指定します".into(),
            CheckClientText::RootCertFileMissing { path } => format!(
                "libpq は接続しません: root certificate file \"{}\" does not exist",
                path.display()
            ),
            CheckClientText::GiveSslrootcert => {
                "sslrootcert=/path/to/ca.crt (サーバー証明書を発行した CA) を指定します".into()
            }
            CheckClientText::KeyOfCertificate { key, cert } => format!(
                "{} が {} の鍵です: sslkey={}",
                key.display(),
                cert.display(),
                key.display()
            ),
            CheckClientText::PutClientKey { path } => format!(
                "クライアントの秘密鍵を {} に置く (モード 0600) か、sslkey= で指定します",
                path.display()
            ),
            CheckClientText::ClientKeyFileMissing { path } => format!(
                "libpq は接続しません: certificate present, but not private key file \"{}\"",
                path.display()
            ),
            CheckClientText::ClientKeyGroupOrWorld { path } => format!(
                "libpq は接続しません: private key file \"{}\" has group or world access",
                path.display()
            ),
            CheckClientText::ChmodClientKey { path_sh } => {
                format!("`chmod 0600 {path_sh}` (クライアントを実行するユーザーの所有で)")
            }
            CheckClientText::OptionNewerThanLibpq { key, since, major } => format!(
                "{key} は libpq {since} で追加されました。libpq {major} は接続の前に接続文字列を拒否します"
            ),
            CheckClientText::LibpqSendCert => "接続文字列に sslcert=/path/to/client.crt sslkey=/path/to/client.key を加えます (サーバーの ssl_ca_file の CA が発行した証明書、鍵は 0600)".into(),
            CheckClientText::LibpqTurnTlsOn => {
                "接続文字列で sslmode=verify-full (と sslrootcert) を使います".into()
            }
            CheckClientText::ClientKeyNotCertificates { client } => format!(
                "クライアントの鍵が証明書と対になっていません: {client} はこれらを使えません"
            ),
            CheckClientText::PairClientCert { cert } => {
                format!("{} を発行時の鍵と対にします", cert.display())
            }
            CheckClientText::KongSeesSslOff => {
                "Kong は the server does not support SSL connections と出力します".into()
            }
            CheckClientText::LibpqSeesSslOff => {
                "libpq は server does not support SSL, but SSL was required と出力します".into()
            }
            CheckClientText::TurnServerSslOn => "postgresql.conf で ssl = on とし、ssl_cert_file と ssl_key_file を設定して再読み込みします (SELECT pg_reload_conf())".into(),
            CheckClientText::SharedOnlyLegacyVersions { common } => format!(
                "共通するのは {common} だけで、Debian 既定のセキュリティレベルの OpenSSL 3 はこれを拒否します"
            ),
            CheckClientText::OverlapVersionRanges { versions_setting } => format!(
                "範囲が TLSv1.2 または TLSv1.3 で重なるようにします: {versions_setting} またはサーバーの ssl_min_protocol_version/ssl_max_protocol_version を変更します"
            ),
            CheckClientText::ReissueForHostName { san } => format!(
                "サーバー証明書を subjectAltName {san} で再発行するか、証明書にある名前で接続します"
            ),
            CheckClientText::RenewClientCert { not_after } => {
                format!("クライアント証明書を更新します (notAfter {not_after})")
            }
            CheckClientText::AddIssuingCaToServer { issuer, ca_file, ca_names } => format!(
                "クライアント証明書を発行した CA ({issuer}) をサーバーの ssl_ca_file に追加します: `cat issuing-ca.crt >> {ca_file}` の後で再読み込み。または {} からクライアント証明書を発行します",
                ca_names.join(" / ")
            ),
            CheckClientText::IssuingCaFoundIn { found, ca_file } => format!(
                "発行した CA は {found} にあります: 編集はそれを {ca_file} に追加します (その CA が発行したクライアント証明書は、pg_hba.conf が証明書を求める接続ですべて受け入れられます: 先に確認します)。その後再読み込みします"
            ),
            CheckClientText::NoLineFromAnyAddress => {
                "どのアドレスからでも、このユーザーとデータベースに一致する行はありません".into()
            }
            CheckClientText::FittingClientCertBeside { cert, user, key } => format!(
                "クライアントの信頼ファイルの隣に {} (CN {user}、サーバーの ssl_ca_file の CA が発行) と {} があります: それを送ります",
                cert.display(),
                key.display()
            ),
            CheckClientText::SetKongVerifyDepth { needed, now } => format!(
                "kong.conf に lua_ssl_verify_depth = {needed} を設定します (現在 {now}、このチェーンには {needed} が必要です)"
            ),
            CheckClientText::AppendIntermediate { subject, from, chain_file } => format!(
                "サーバーがリーフの後に中間証明書を送るようにします: {subject} ({from} にあります) を {chain_file} の末尾に追加して再読み込みします"
            ),
            CheckClientText::ChainEndsUntrusted { last, issuer, client } => format!(
                "チェーンは {last} で終わり、その発行者 {issuer} を {client} は信頼していません"
            ),
            CheckClientText::ServerCaFileHoldsCa { path } => {
                format!("サーバーの ssl_ca_file {path} にその CA があります")
            }
            CheckClientText::TrustIssuingCa { issuer, snippet } => format!(
                "サーバー証明書を発行した CA ({issuer}) をクライアントで信頼します: {snippet}"
            ),
        }
    }
}
