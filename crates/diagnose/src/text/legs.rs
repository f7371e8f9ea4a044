//! What probe says when pgbouncer, not PostgreSQL, answered: which of the
//! two legs (client ↔ pgbouncer, pgbouncer ↔ PostgreSQL) failed, and why.

use super::Localized;

pub enum LegText<'a> {
    QueryWaitTimeout,
    PgbouncerOwnRefusal {
        message: &'a str,
    },
    RelayedServerFatal {
        message: &'a str,
    },
    PgbouncerWentSilent,
    TlsToPgbouncerFailed,
    PgbouncerAnswered {
        host: &'a str,
        port: u16,
        signs: &'a str,
    },
    PgbouncerHasNoClientTls,
}

impl Localized for LegText<'_> {
    fn en(&self) -> String {
        match self {
            LegText::QueryWaitTimeout => "pgbouncer accepted the client and then gave up waiting for a connection to PostgreSQL (query_wait_timeout)".into(),
            LegText::PgbouncerOwnRefusal { message } => {
                format!("{message:?} is pgbouncer's own refusal: PostgreSQL was not involved")
            }
            LegText::RelayedServerFatal { message } => format!(
                "{message:?} is PostgreSQL's FATAL to pgbouncer's own connection, relayed by pgbouncer: PostgreSQL saw pgbouncer's address and pgbouncer's TLS (server_tls_*), not the client's"
            ),
            LegText::PgbouncerWentSilent => "pgbouncer took the client's start-up and then went silent: it is waiting for a connection to PostgreSQL that does not come (clients see `query_wait_timeout` after 120 s by default)".into(),
            LegText::TlsToPgbouncerFailed => "the TLS that failed is between the client and pgbouncer: the certificate, CA list and versions on that side are pgbouncer's client_tls_*".into(),
            LegText::PgbouncerAnswered { host, port, signs } => format!(
                "pgbouncer answered at {host}:{port}, not PostgreSQL ({signs}); the client's leg is client ↔ pgbouncer (client_tls_*), the server's leg pgbouncer ↔ PostgreSQL (server_tls_*)"
            ),
            LegText::PgbouncerHasNoClientTls => "pgbouncer answered N: it has no TLS toward clients. In pgbouncer.ini set client_tls_sslmode = require (or verify-full to check client certificates) with client_tls_cert_file and client_tls_key_file, then reload pgbouncer (RELOAD on its console, or SIGHUP); PostgreSQL's ssl setting is not involved".into(),
        }
    }

    fn ja(&self) -> String {
        match self {
            LegText::QueryWaitTimeout => "pgbouncer はクライアントを受け入れた後、PostgreSQL への接続を待ちきれずに諦めました (query_wait_timeout)".into(),
            LegText::PgbouncerOwnRefusal { message } => {
                format!("{message:?} は pgbouncer 自身の拒否です: PostgreSQL は関与していません")
            }
            LegText::RelayedServerFatal { message } => format!(
                "{message:?} は pgbouncer 自身の接続に対する PostgreSQL の FATAL を pgbouncer が中継したものです: PostgreSQL から見えたのはクライアントではなく pgbouncer のアドレスと TLS (server_tls_*) です"
            ),
            LegText::PgbouncerWentSilent => "pgbouncer はクライアントの起動メッセージを受け取った後に応答しなくなりました: 来ない PostgreSQL への接続を待っています (クライアントには既定で 120 秒後に `query_wait_timeout` が届きます)".into(),
            LegText::TlsToPgbouncerFailed => "失敗した TLS はクライアントと pgbouncer の間のものです: その側の証明書、CA 一覧、バージョンは pgbouncer の client_tls_* です".into(),
            LegText::PgbouncerAnswered { host, port, signs } => format!(
                "{host}:{port} で応答したのは PostgreSQL ではなく pgbouncer です ({signs})。クライアント側の区間はクライアント ↔ pgbouncer (client_tls_*)、サーバー側の区間は pgbouncer ↔ PostgreSQL (server_tls_*) です"
            ),
            LegText::PgbouncerHasNoClientTls => "pgbouncer が N と答えました: クライアント向けの TLS がありません。pgbouncer.ini で client_tls_sslmode = require (クライアント証明書を検証するなら verify-full) と client_tls_cert_file、client_tls_key_file を設定し、pgbouncer を再読み込みします (管理コンソールの RELOAD、または SIGHUP)。PostgreSQL の ssl 設定は関係ありません".into(),
        }
    }
}
