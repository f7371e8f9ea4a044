//! What explain adds to the catalogue's reading of a pasted line: when a
//! reading applies, which versions print the line, the steps its facts make
//! concrete, and pgbouncer's settings in place of the catalogue's on a
//! pooled leg.

use pgtls_catalogue::{Leg, Versions};

use super::Localized;

pub enum ExplainText<'a> {
    /// The reading holds on this leg of a pgbouncer in between.
    IfLeg {
        leg: Leg,
    },
    /// The reading holds if the line is the server's (else the client's).
    IfSide {
        server: bool,
    },
    LineShapePrintedBy {
        versions: &'a Versions,
    },
    PoolerTrustsPostgresCa,
    ClientTrustsPgbouncerCa,
    PgbouncerAcceptsClientCa,
    PostgresAcceptsPgbouncerCert,
    PgbouncerSendsNoServerCert,
    PgbouncerAsksClientCert,
    PostgresSeesPgbouncer,
    PgbouncerAuthFile,
    PgbouncerClientCertFiles,
    PgbouncerServerCertFiles,
    PgbouncerClientCaFile,
    PgbouncerServerCaFile,
    PgbouncerProtocols,
    ServerAllowsVersions {
        min: &'a str,
        max: &'a str,
    },
    ClientOfferedVersions {
        min: &'a str,
        max: &'a str,
    },
    KeyOwnership {
        file: &'a str,
    },
    AddIdentMap {
        map: &'a str,
        name: &'a str,
        user: &'a str,
        identity: &'a str,
    },
    AddHostsslLine {
        database: &'a str,
        user: &'a str,
        host: &'a str,
        suffix: &'a str,
    },
    ConnectedWithoutTls {
        word: &'a str,
    },
}

impl Localized for ExplainText<'_> {
    fn en(&self) -> String {
        match self {
            ExplainText::IfLeg { leg: Leg::Server } => "if pgbouncer's next line is `S-…: closing because: server conn crashed?` (the server's leg, pgbouncer ↔ PostgreSQL)".into(),
            ExplainText::IfLeg { leg: Leg::Client } => "if pgbouncer's next line is not an `S-…: closing because:` line (the client's leg, client ↔ pgbouncer)".into(),
            ExplainText::IfSide { server: true } => "if this line is from the PostgreSQL server log (it reports the alert the client sent)".into(),
            ExplainText::IfSide { server: false } => "if this line is from the client (Kong, psql) (it reports the alert the server sent)".into(),
            ExplainText::LineShapePrintedBy { versions } => {
                format!("a line of this shape is printed by {}", versions.describe().0)
            }
            ExplainText::PoolerTrustsPostgresCa => "pgbouncer is the client here: put the CA that signed PostgreSQL's ssl_cert_file into the file server_tls_ca_file names in pgbouncer.ini, then reload pgbouncer (RELOAD on its console, or SIGHUP)".into(),
            ExplainText::ClientTrustsPgbouncerCa => "pgbouncer is the server here: give the client the CA that signed pgbouncer's client_tls_cert_file (libpq sslrootcert, Kong lua_ssl_trusted_certificate)".into(),
            ExplainText::PgbouncerAcceptsClientCa => "pgbouncer is the server here: issue the client's certificate from a CA in pgbouncer's client_tls_ca_file, or add its CA to that file and reload pgbouncer".into(),
            ExplainText::PostgresAcceptsPgbouncerCert => "pgbouncer is the client here: issue server_tls_cert_file (pgbouncer.ini) from a CA in PostgreSQL's ssl_cert_file, or add its CA to PostgreSQL's ssl_ca_file and reload PostgreSQL".into(),
            ExplainText::PgbouncerSendsNoServerCert => "PostgreSQL asks pgbouncer, not the gateway, for a certificate: set server_tls_cert_file and server_tls_key_file in pgbouncer.ini (a certificate from PostgreSQL's ssl_ca_file; CN = the database user for cert authentication), then reload pgbouncer".into(),
            ExplainText::PgbouncerAsksClientCert => "pgbouncer (client_tls_sslmode = verify-ca/verify-full) asks the client for a certificate: configure it (libpq sslcert/sslkey, Kong pg_ssl_cert/pg_ssl_cert_key) from a CA in client_tls_ca_file".into(),
            ExplainText::PostgresSeesPgbouncer => "PostgreSQL sees pgbouncer's address and pgbouncer's TLS: with `no encryption`, set server_tls_sslmode = verify-full and server_tls_ca_file in pgbouncer.ini and reload pgbouncer; otherwise add the hostssl line for pgbouncer's address".into(),
            ExplainText::PgbouncerAuthFile => "pgbouncer logs in with the password of its auth_file (or the client's SCRAM secret): make the entry for this user in auth_file match the role's password in PostgreSQL".into(),
            ExplainText::PgbouncerClientCertFiles => "in pgbouncer.ini point client_tls_cert_file and client_tls_key_file at a certificate and its own key that pgbouncer's account can read, then restart pgbouncer".into(),
            ExplainText::PgbouncerServerCertFiles => "in pgbouncer.ini point server_tls_cert_file and server_tls_key_file at a certificate and its own key that pgbouncer's account can read, then reload pgbouncer".into(),
            ExplainText::PgbouncerClientCaFile => "in pgbouncer.ini point client_tls_ca_file at a PEM file of the CAs that sign client certificates, then restart pgbouncer".into(),
            ExplainText::PgbouncerServerCaFile => "in pgbouncer.ini point server_tls_ca_file at a PEM file holding the CA that signed PostgreSQL's certificate, then reload pgbouncer".into(),
            ExplainText::PgbouncerProtocols => "with pgbouncer in between, its client_tls_protocols (client's leg) and server_tls_protocols (server's leg) must share a version with the other end (e.g. secure = TLS 1.2 and 1.3)".into(),
            ExplainText::ServerAllowsVersions { min, max } => format!(
                "the server allows {min} to {max}: make the client offer a version in that range (Kong: pg_ssl_version and lua_ssl_protocols; libpq: ssl_min_protocol_version/ssl_max_protocol_version), or widen ssl_min_protocol_version/ssl_max_protocol_version on the server"
            ),
            ExplainText::ClientOfferedVersions { min, max } => {
                format!("the client (libpq) offered {min} to {max}")
            }
            ExplainText::KeyOwnership { file } => format!(
                "owned by the database user: chown postgres:postgres {file} && chmod 0600 {file}; or owned by root: chown root:postgres {file} && chmod 0640 {file}"
            ),
            ExplainText::AddIdentMap { map, name, user, identity } => format!(
                "in pg_ident.conf add `{map}  {name}  {user}` and `{identity}` (the second keeps clients whose certificate name already is their user connecting), and on the pg_hba.conf line add `map={map}` (e.g. `hostssl all {user} 0.0.0.0/0 cert map={map}`), then reload"
            ),
            ExplainText::AddHostsslLine { database, user, host, suffix } => format!(
                "add to pg_hba.conf: `hostssl {database} {user} {host}{suffix} scram-sha-256` and reload"
            ),
            ExplainText::ConnectedWithoutTls { word } => {
                format!("the client connected without TLS (`{word}`)")
            }
        }
    }

    fn ja(&self) -> String {
        match self {
            ExplainText::IfLeg { leg: Leg::Server } => "pgbouncer の次の行が `S-…: closing because: server conn crashed?` なら (サーバー側の区間、pgbouncer ↔ PostgreSQL)".into(),
            ExplainText::IfLeg { leg: Leg::Client } => "pgbouncer の次の行が `S-…: closing because:` の行でなければ (クライアント側の区間、クライアント ↔ pgbouncer)".into(),
            ExplainText::IfSide { server: true } => "この行が PostgreSQL サーバーログのものなら (クライアントが送ったアラートを示します)".into(),
            ExplainText::IfSide { server: false } => "この行がクライアント (Kong、psql) のものなら (サーバーが送ったアラートを示します)".into(),
            ExplainText::LineShapePrintedBy { versions } => {
                format!("この形の行を出力するのは {} です", versions.describe().1)
            }
            ExplainText::PoolerTrustsPostgresCa => "ここでは pgbouncer がクライアントです: PostgreSQL の ssl_cert_file に署名した CA を pgbouncer.ini の server_tls_ca_file が指すファイルに入れ、pgbouncer を再読み込みします (管理コンソールの RELOAD、または SIGHUP)".into(),
            ExplainText::ClientTrustsPgbouncerCa => "ここでは pgbouncer がサーバーです: pgbouncer の client_tls_cert_file に署名した CA をクライアントに与えます (libpq の sslrootcert、Kong の lua_ssl_trusted_certificate)".into(),
            ExplainText::PgbouncerAcceptsClientCa => "ここでは pgbouncer がサーバーです: クライアント証明書を pgbouncer の client_tls_ca_file にある CA で発行するか、その CA をファイルに追加して pgbouncer を再読み込みします".into(),
            ExplainText::PostgresAcceptsPgbouncerCert => "ここでは pgbouncer がクライアントです: server_tls_cert_file (pgbouncer.ini) を PostgreSQL の ssl_ca_file にある CA で発行するか、その CA を PostgreSQL の ssl_ca_file に追加して PostgreSQL を再読み込みします".into(),
            ExplainText::PgbouncerSendsNoServerCert => "PostgreSQL が証明書を求めている相手はゲートウェイではなく pgbouncer です: pgbouncer.ini に server_tls_cert_file と server_tls_key_file を設定し (PostgreSQL の ssl_ca_file の CA による証明書。cert 認証では CN = データベースユーザー)、pgbouncer を再読み込みします".into(),
            ExplainText::PgbouncerAsksClientCert => "pgbouncer (client_tls_sslmode = verify-ca/verify-full) がクライアントに証明書を求めています: client_tls_ca_file にある CA の証明書を設定します (libpq の sslcert/sslkey、Kong の pg_ssl_cert/pg_ssl_cert_key)".into(),
            ExplainText::PostgresSeesPgbouncer => "PostgreSQL から見えるのは pgbouncer のアドレスと pgbouncer の TLS です: `no encryption` なら pgbouncer.ini に server_tls_sslmode = verify-full と server_tls_ca_file を設定して pgbouncer を再読み込みし、そうでなければ pgbouncer のアドレスの hostssl 行を追加します".into(),
            ExplainText::PgbouncerAuthFile => "pgbouncer は auth_file のパスワード (またはクライアントの SCRAM シークレット) でログインします: auth_file のこのユーザーの行を PostgreSQL のロールのパスワードと一致させます".into(),
            ExplainText::PgbouncerClientCertFiles => "pgbouncer.ini の client_tls_cert_file と client_tls_key_file を、pgbouncer のアカウントで読める証明書とその鍵に向け、pgbouncer を再起動します".into(),
            ExplainText::PgbouncerServerCertFiles => "pgbouncer.ini の server_tls_cert_file と server_tls_key_file を、pgbouncer のアカウントで読める証明書とその鍵に向け、pgbouncer を再読み込みします".into(),
            ExplainText::PgbouncerClientCaFile => "pgbouncer.ini の client_tls_ca_file をクライアント証明書に署名する CA の PEM ファイルに向け、pgbouncer を再起動します".into(),
            ExplainText::PgbouncerServerCaFile => "pgbouncer.ini の server_tls_ca_file を PostgreSQL の証明書に署名した CA を含む PEM ファイルに向け、pgbouncer を再読み込みします".into(),
            ExplainText::PgbouncerProtocols => "pgbouncer を挟む場合、client_tls_protocols (クライアント側の区間) と server_tls_protocols (サーバー側の区間) が相手と共通のバージョンを持つ必要があります (例: secure = TLS 1.2 と 1.3)".into(),
            ExplainText::ServerAllowsVersions { min, max } => format!(
                "サーバーが許可するのは {min} から {max} までです: クライアントがこの範囲のバージョンを提示するようにするか (Kong: pg_ssl_version と lua_ssl_protocols、libpq: ssl_min_protocol_version/ssl_max_protocol_version)、サーバーの ssl_min_protocol_version/ssl_max_protocol_version を広げます"
            ),
            ExplainText::ClientOfferedVersions { min, max } => {
                format!("クライアント (libpq) が提示したのは {min} から {max} までです")
            }
            ExplainText::KeyOwnership { file } => format!(
                "データベースユーザー所有にする場合: chown postgres:postgres {file} && chmod 0600 {file}、root 所有にする場合: chown root:postgres {file} && chmod 0640 {file}"
            ),
            ExplainText::AddIdentMap { map, name, user, identity } => format!(
                "pg_ident.conf に `{map}  {name}  {user}` と `{identity}` を追加し (後者は証明書の名前がすでにユーザー名であるクライアントの接続を保ちます)、pg_hba.conf の行に `map={map}` を追加して (例: `hostssl all {user} 0.0.0.0/0 cert map={map}`)、設定を再読み込みします"
            ),
            ExplainText::AddHostsslLine { database, user, host, suffix } => format!(
                "pg_hba.conf に `hostssl {database} {user} {host}{suffix} scram-sha-256` を追加し、設定を再読み込みします"
            ),
            ExplainText::ConnectedWithoutTls { word } => {
                format!("クライアントは TLS なしで接続しました (`{word}`)")
            }
        }
    }
}
