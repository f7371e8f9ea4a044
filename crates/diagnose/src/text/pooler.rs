//! What the check of pgbouncer's configuration says about its two legs.

use std::path::Path;

use pgtls_catalogue::Leg;

use super::Localized;

/// A file of a leg that pgbouncer cannot use, in pgbouncer's own words.
pub enum PoolerFileText<'a> {
    ClientTlsFilesUnset,
    CertUnreadable { file: &'a str, error: &'a str },
    KeyUnreadable { file: &'a str, error: &'a str },
    KeyMismatch { file: &'a str },
    CaUnreadable { file: &'a str, error: &'a str },
}

impl Localized for PoolerFileText<'_> {
    fn en(&self) -> String {
        match self {
            PoolerFileText::ClientTlsFilesUnset => "To allow TLS connections from clients, client_tls_key_file and client_tls_cert_file must be set.".into(),
            PoolerFileText::CertUnreadable { file, error } => {
                format!("failed to load certificate file \"{file}\": {error}")
            }
            PoolerFileText::KeyUnreadable { file, error } => {
                format!("failed to load private key file \"{file}\": {error}")
            }
            PoolerFileText::KeyMismatch { file } => {
                format!("failed to load private key file \"{file}\": key values mismatch")
            }
            PoolerFileText::CaUnreadable { file, error } => {
                format!("failed to load CA \"{file}\": {error}")
            }
        }
    }

    fn ja(&self) -> String {
        match self {
            PoolerFileText::ClientTlsFilesUnset => "クライアントから TLS 接続を受けるには client_tls_key_file と client_tls_cert_file の設定が必要です。".into(),
            PoolerFileText::CertUnreadable { file, error } => {
                format!("証明書ファイル \"{file}\" を読み込めません: {error}")
            }
            PoolerFileText::KeyUnreadable { file, error } => {
                format!("秘密鍵ファイル \"{file}\" を読み込めません: {error}")
            }
            PoolerFileText::KeyMismatch { file } => {
                format!("秘密鍵ファイル \"{file}\" が証明書と一致しません (key values mismatch)")
            }
            PoolerFileText::CaUnreadable { file, error } => {
                format!("CA \"{file}\" を読み込めません: {error}")
            }
        }
    }
}

pub enum PoolerText<'a> {
    /// A leg's file problem and when it bites: the client's leg's files
    /// at start, the server's at the first server connection.
    LegFileFails {
        leg: Leg,
        problem: PoolerFileText<'a>,
    },
    PoolerRejectsPostgresCert {
        mode: &'a str,
        ca: &'a str,
        pg_cert: &'a str,
    },
    SetServerCaFile {
        path: &'a str,
    },
    PostgresRefusesPooler {
        spec: &'a str,
        message: &'a str,
    },
    ClientRequiresTlsPoolerHasNone {
        client: &'a str,
        mode: &'a str,
    },
    TurnOnClientTls,
    ClientWithoutTlsPoolerRequires {
        client: &'a str,
        mode: &'a str,
    },
    NoClientVersionInCommon {
        client: &'a str,
        offers: &'a str,
        versions_setting: &'a str,
        allows: &'a str,
        setting: &'a str,
    },
    WidenClientProtocols {
        version: &'a str,
        value: &'a str,
        allows: &'a str,
        versions_setting: &'a str,
    },
    ClientOfferModernVersion {
        versions_setting: &'a str,
    },
    ClientRejectsPoolerCert {
        client: &'a str,
        trust: &'a str,
        cert: &'a str,
    },
    TrustFileHoldingPoolerCa {
        path: &'a Path,
        client: &'a str,
    },
    GiveClientPoolerCa {
        client: &'a str,
        cert: &'a str,
    },
    ClientSendsNoCert {
        mode: &'a str,
        client: &'a str,
    },
    PoolerRejectsClientCert {
        mode: &'a str,
        client: &'a str,
        cert: &'a Path,
        ca: &'a str,
    },
    BundleClientCa {
        holder: &'a Path,
        cert: &'a Path,
        bundle: &'a Path,
        ca: &'a str,
    },
    IssueClientCertFromCa {
        client: &'a str,
        ca: &'a str,
    },
    NoServerVersionInCommon {
        offers: &'a str,
        allows: &'a str,
        setting: &'a str,
        min: &'a str,
        /// `ssl_max_protocol_version`; none when unset.
        max: Option<&'a str>,
    },
    WidenServerProtocols {
        value: &'a str,
    },
    PostgresRejectsPoolerCert {
        cert: &'a str,
        ca: &'a Path,
    },
    GivePoolerCertFromCa {
        ca: &'a Path,
    },
    PoolerRefusesServerName {
        host: &'a str,
        entry: &'a str,
        sans: &'a str,
    },
    DialCertifiedName {
        entry: &'a str,
        sans: &'a str,
        host: &'a str,
    },
}

impl Localized for PoolerText<'_> {
    fn en(&self) -> String {
        match self {
            PoolerText::LegFileFails { leg: Leg::Client, problem } => {
                format!("pgbouncer does not start: {}", problem.en())
            }
            PoolerText::LegFileFails { leg: Leg::Server, problem } => format!(
                "pgbouncer starts, but every server connection fails (these files are read at the first connection to PostgreSQL; clients wait query_wait_timeout): {}",
                problem.en()
            ),
            PoolerText::PoolerRejectsPostgresCert { mode, ca, pg_cert } => format!(
                "pgbouncer (server_tls_sslmode = {mode}) will reject PostgreSQL's certificate: {ca} does not hold the CA that signed {pg_cert}; pgbouncer logs `TLS handshake error: ... certificate verify failed` and clients get query_wait_timeout"
            ),
            PoolerText::SetServerCaFile { path } => format!(
                "{path} holds the CA that signed PostgreSQL's certificate: set server_tls_ca_file = {path} in pgbouncer.ini and reload pgbouncer"
            ),
            PoolerText::PostgresRefusesPooler { spec, message } => format!(
                "PostgreSQL will refuse pgbouncer's own connection ({spec}): FATAL:  {message}"
            ),
            PoolerText::ClientRequiresTlsPoolerHasNone { client, mode } => format!(
                "{client} requires TLS and pgbouncer has none toward clients (client_tls_sslmode = {mode}): it answers N and the client gives up (`server does not support SSL, but SSL was required`)"
            ),
            PoolerText::TurnOnClientTls => "in pgbouncer.ini set client_tls_sslmode = require with client_tls_cert_file and client_tls_key_file, then reload pgbouncer (RELOAD or SIGHUP); clients that connect without TLS must then turn it on".into(),
            PoolerText::ClientWithoutTlsPoolerRequires { client, mode } => format!(
                "{client} connects without TLS and pgbouncer requires it (client_tls_sslmode = {mode}): FATAL:  SSL required"
            ),
            PoolerText::NoClientVersionInCommon { client, offers, versions_setting, allows, setting } => format!(
                "{client} offers {offers} ({versions_setting}) and pgbouncer allows {allows} (client_tls_protocols = {setting}): no version in common; pgbouncer logs `TLS handshake error: handshake failed: ... unsupported protocol`, the client `tlsv1 alert protocol version`"
            ),
            PoolerText::WidenClientProtocols { version, value, allows, versions_setting } => format!(
                "let pgbouncer accept {version}: client_tls_protocols = {value} in pgbouncer.ini, then reload pgbouncer; or let the client offer {allows} ({versions_setting})"
            ),
            PoolerText::ClientOfferModernVersion { versions_setting } => {
                format!("let the client offer TLSv1.2 or TLSv1.3 ({versions_setting})")
            }
            PoolerText::ClientRejectsPoolerCert { client, trust, cert } => format!(
                "{client} will reject pgbouncer's certificate: {trust} does not hold the CA that signed {cert} (client_tls_cert_file); the client prints `certificate verify failed`, pgbouncer logs `tlsv1 alert unknown ca`"
            ),
            PoolerText::TrustFileHoldingPoolerCa { path, client } => format!(
                "{} holds the CA that signed pgbouncer's certificate: let {client} trust it",
                path.display()
            ),
            PoolerText::GiveClientPoolerCa { client, cert } => format!(
                "give {client} the CA certificate that signed {cert} (pgbouncer's client_tls_cert_file), or give pgbouncer a certificate from the CA the client trusts"
            ),
            PoolerText::ClientSendsNoCert { mode, client } => format!(
                "pgbouncer (client_tls_sslmode = {mode}) asks for a client certificate and {client} sends none: the handshake fails (`tlsv13 alert certificate required`)"
            ),
            PoolerText::PoolerRejectsClientCert { mode, client, cert, ca } => format!(
                "pgbouncer (client_tls_sslmode = {mode}) will reject {client}'s certificate {}: {ca} does not hold the CA that signed it; the client prints `tlsv1 alert unknown ca`, pgbouncer logs `certificate verify failed`",
                cert.display()
            ),
            PoolerText::BundleClientCa { holder, cert, bundle, ca } => format!(
                "{} holds the CA that signed {}: trust it beside the CA pgbouncer trusts now, in {} (client_tls_ca_file), then reload pgbouncer; or issue the client's certificate from {ca}",
                holder.display(),
                cert.display(),
                bundle.display()
            ),
            PoolerText::IssueClientCertFromCa { client, ca } => format!(
                "issue {client}'s certificate from the CA in {ca} (pgbouncer's client_tls_ca_file), or add its CA there"
            ),
            PoolerText::NoServerVersionInCommon { offers, allows, setting, min, max } => format!(
                "pgbouncer offers PostgreSQL {offers} (server_tls_protocols = {setting}) and PostgreSQL allows {allows} (ssl_min_protocol_version {min}, ssl_max_protocol_version {}): no version in common, every server connection fails",
                max.unwrap_or("(none)")
            ),
            PoolerText::WidenServerProtocols { value } => format!(
                "server_tls_protocols = {value} in pgbouncer.ini, then reload pgbouncer"
            ),
            PoolerText::PostgresRejectsPoolerCert { cert, ca } => format!(
                "PostgreSQL will reject pgbouncer's certificate {cert} (server_tls_cert_file): {} (ssl_ca_file) does not hold the CA that signed it; PostgreSQL logs `could not accept SSL connection: certificate verify failed`, clients wait for query_wait_timeout",
                ca.display()
            ),
            PoolerText::GivePoolerCertFromCa { ca } => format!(
                "give pgbouncer a certificate issued by a CA in {} (server_tls_cert_file and server_tls_key_file), or add its CA to ssl_ca_file and reload PostgreSQL",
                ca.display()
            ),
            PoolerText::PoolerRefusesServerName { host, entry, sans } => format!(
                "pgbouncer (server_tls_sslmode = verify-full) dials host={host} for [databases] {entry} and PostgreSQL's certificate names {sans}: pgbouncer will refuse it"
            ),
            PoolerText::DialCertifiedName { entry, sans, host } => format!(
                "let [databases] {entry} dial a name the certificate carries ({sans}), or reissue PostgreSQL's certificate with {host} in its subjectAltName"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            PoolerText::LegFileFails { leg: Leg::Client, problem } => {
                format!("pgbouncer は起動しません: {}", problem.ja())
            }
            PoolerText::LegFileFails { leg: Leg::Server, problem } => format!(
                "pgbouncer は起動しますが、サーバー接続はすべて失敗します (これらのファイルは PostgreSQL への最初の接続時に読まれ、クライアントは query_wait_timeout まで待たされます): {}",
                problem.ja()
            ),
            PoolerText::PoolerRejectsPostgresCert { mode, ca, pg_cert } => format!(
                "pgbouncer (server_tls_sslmode = {mode}) は PostgreSQL の証明書を拒否します: {ca} に {pg_cert} に署名した CA がありません。pgbouncer は `TLS handshake error: ... certificate verify failed` を記録し、クライアントには query_wait_timeout が返ります"
            ),
            PoolerText::SetServerCaFile { path } => format!(
                "{path} に PostgreSQL の証明書に署名した CA があります: pgbouncer.ini で server_tls_ca_file = {path} とし、pgbouncer を再読み込みします"
            ),
            PoolerText::PostgresRefusesPooler { spec, message } => format!(
                "PostgreSQL は pgbouncer 自身の接続 ({spec}) を拒否します: FATAL:  {message}"
            ),
            PoolerText::ClientRequiresTlsPoolerHasNone { client, mode } => format!(
                "{client} は TLS を必須としていますが、pgbouncer にはクライアント向けの TLS がありません (client_tls_sslmode = {mode}): pgbouncer は N と答え、クライアントは諦めます (`server does not support SSL, but SSL was required`)"
            ),
            PoolerText::TurnOnClientTls => "pgbouncer.ini で client_tls_sslmode = require と client_tls_cert_file、client_tls_key_file を設定し、pgbouncer を再読み込みします (RELOAD または SIGHUP)。TLS なしで接続するクライアントは TLS を有効にする必要があります".into(),
            PoolerText::ClientWithoutTlsPoolerRequires { client, mode } => format!(
                "{client} は TLS なしで接続しますが、pgbouncer は TLS を要求しています (client_tls_sslmode = {mode}): FATAL:  SSL required"
            ),
            PoolerText::NoClientVersionInCommon { client, offers, versions_setting, allows, setting } => format!(
                "{client} は {offers} ({versions_setting}) を提示し、pgbouncer は {allows} (client_tls_protocols = {setting}) を許可しています: 共通のバージョンがありません。pgbouncer は `TLS handshake error: handshake failed: ... unsupported protocol` を、クライアントは `tlsv1 alert protocol version` を出力します"
            ),
            PoolerText::WidenClientProtocols { version, value, allows, versions_setting } => format!(
                "pgbouncer が {version} を受け付けるように pgbouncer.ini で client_tls_protocols = {value} とし、pgbouncer を再読み込みします。またはクライアントが {allows} を提示するようにします ({versions_setting})"
            ),
            PoolerText::ClientOfferModernVersion { versions_setting } => format!(
                "クライアントが TLSv1.2 または TLSv1.3 を提示するようにします ({versions_setting})"
            ),
            PoolerText::ClientRejectsPoolerCert { client, trust, cert } => format!(
                "{client} は pgbouncer の証明書を拒否します: {trust} に {cert} (client_tls_cert_file) に署名した CA がありません。クライアントは `certificate verify failed` を、pgbouncer は `tlsv1 alert unknown ca` を出力します"
            ),
            PoolerText::TrustFileHoldingPoolerCa { path, client } => format!(
                "{} に pgbouncer の証明書に署名した CA があります: {client} がこれを信頼するようにします",
                path.display()
            ),
            PoolerText::GiveClientPoolerCa { client, cert } => format!(
                "{client} に {cert} (pgbouncer の client_tls_cert_file) に署名した CA 証明書を与えるか、クライアントが信頼する CA の証明書を pgbouncer に設定します"
            ),
            PoolerText::ClientSendsNoCert { mode, client } => format!(
                "pgbouncer (client_tls_sslmode = {mode}) はクライアント証明書を求めますが、{client} は送りません: ハンドシェイクが失敗します (`tlsv13 alert certificate required`)"
            ),
            PoolerText::PoolerRejectsClientCert { mode, client, cert, ca } => format!(
                "pgbouncer (client_tls_sslmode = {mode}) は {client} の証明書 {} を拒否します: {ca} にその署名 CA がありません。クライアントは `tlsv1 alert unknown ca` を、pgbouncer は `certificate verify failed` を出力します",
                cert.display()
            ),
            PoolerText::BundleClientCa { holder, cert, bundle, ca } => format!(
                "{} に {} に署名した CA があります: 現在の CA と合わせて {} (client_tls_ca_file) で信頼し、pgbouncer を再読み込みします。またはクライアント証明書を {ca} の CA から発行します",
                holder.display(),
                cert.display(),
                bundle.display()
            ),
            PoolerText::IssueClientCertFromCa { client, ca } => format!(
                "{client} の証明書を {ca} (pgbouncer の client_tls_ca_file) の CA から発行するか、その CA をそこに追加します"
            ),
            PoolerText::NoServerVersionInCommon { offers, allows, setting, min, max } => format!(
                "pgbouncer は PostgreSQL に {offers} (server_tls_protocols = {setting}) を提示し、PostgreSQL は {allows} (ssl_min_protocol_version {min}、ssl_max_protocol_version {}) を許可しています: 共通のバージョンがなく、サーバー接続はすべて失敗します",
                max.unwrap_or("(なし)")
            ),
            PoolerText::WidenServerProtocols { value } => format!(
                "pgbouncer.ini で server_tls_protocols = {value} とし、pgbouncer を再読み込みします"
            ),
            PoolerText::PostgresRejectsPoolerCert { cert, ca } => format!(
                "PostgreSQL は pgbouncer の証明書 {cert} (server_tls_cert_file) を拒否します: {} (ssl_ca_file) にその署名 CA がありません。PostgreSQL は `could not accept SSL connection: certificate verify failed` を記録し、クライアントは query_wait_timeout まで待たされます",
                ca.display()
            ),
            PoolerText::GivePoolerCertFromCa { ca } => format!(
                "{} の CA が発行した証明書を pgbouncer に設定するか (server_tls_cert_file と server_tls_key_file)、その CA を ssl_ca_file に追加して PostgreSQL を再読み込みします",
                ca.display()
            ),
            PoolerText::PoolerRefusesServerName { host, entry, sans } => format!(
                "pgbouncer (server_tls_sslmode = verify-full) は [databases] {entry} で host={host} に接続しますが、PostgreSQL の証明書の名前は {sans} です: pgbouncer は拒否します"
            ),
            PoolerText::DialCertifiedName { entry, sans, host } => format!(
                "[databases] {entry} が証明書の名前 ({sans}) に接続するようにするか、{host} を subjectAltName に含めて PostgreSQL の証明書を再発行します"
            ),
        }
    }
}
