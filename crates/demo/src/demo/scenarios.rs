//! The nine failures of the seed troubleshooting page (PGTLS001 to
//! PGTLS009), each as the break the demo applies, the client it connects
//! with, the fix, and the lines Kong prints for it. Kept as data so the
//! text, the JSON and the tests all read the same list, and so each
//! scenario carries its own break and repair instead of the runner
//! branching on its code.

use pgtls_catalogue::{Code, Text};
use pgtls_lab::files;

/// A libpq client of the demo; files are names in the lab PKI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub root: &'static str,
    pub cert: Option<(&'static str, &'static str)>,
    /// Offers TLS 1.2 only (PGTLS001's client: Kong with pg_ssl_version =
    /// tlsv1_2 and lua_ssl_protocols = TLSv1.2).
    pub tls12_only: bool,
}

/// The working client: Kong's CA, Kong's certificate.
pub const KONG: Client = Client {
    root: files::ROOT_CA,
    cert: Some((files::CLIENT_KONG, files::CLIENT_KONG_KEY)),
    tls12_only: false,
};

/// What the demo does to the working server (the client is the
/// scenario's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing: the client alone is wrong.
    None,
    /// This `ALTER SYSTEM` statement, then a reload.
    Setting(&'static str),
    /// This data-directory file removed; the restart fails.
    Removed(&'static str),
    /// The server key with this mode; the restart fails.
    KeyMode(u32),
}

/// How the demo repairs it, and which client then connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Nothing on the server: the working client connects.
    WorkingClient,
    /// This `ALTER SYSTEM` statement and a reload; the same client connects.
    Setting(&'static str),
    /// The lab's `source` file back as `name` in the data directory (mode
    /// 0600) and a restart; the working client connects.
    RestoreFile {
        name: &'static str,
        source: &'static str,
    },
    /// A pg_ident.conf map from the certificate's name to the user and
    /// `map=` on the pg_hba.conf line; the same client connects. Undone
    /// after the scenario.
    MapCertificateName,
}

impl Repair {
    /// Whether the server must restart for the repair to take effect.
    pub fn restarts(self) -> bool {
        matches!(self, Repair::RestoreFile { .. })
    }
}

/// What Kong prints before the reason, in both of its shapes.
pub const KONG_PREFIX: &str =
    "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: ";

/// One documented failure.
#[derive(Debug)]
pub struct Scenario {
    /// The catalogue code the failure must be diagnosed as.
    pub code: Code,
    /// The client that meets the failure.
    pub client: Client,
    /// What breaks the server.
    pub fault: Fault,
    /// What repairs it.
    pub repair: Repair,
    /// What is wrong, in one line.
    pub broken: Text,
    /// What the demo does to break the working setup.
    pub break_step: Text,
    /// What the demo does to fix it.
    pub fix_step: Text,
    /// The reason Kong's LuaSec path prints (the seed's shape), after
    /// [`KONG_PREFIX`].
    pub kong_luasec: &'static str,
    /// The reason Kong's nginx-cosocket path prints (Kong CLI 3.5+).
    pub kong_cosocket: &'static str,
    /// What the reader should know about Kong's lines for this failure.
    pub kong_note: Option<Text>,
}

const fn t(en: &'static str, ja: &'static str) -> Text {
    Text { en, ja }
}

/// The scenarios in catalogue order.
pub static SCENARIOS: [Scenario; 9] = [
    Scenario {
        code: Code::ProtocolVersionMismatch,
        client: Client {
            tls12_only: true,
            ..KONG
        },
        fault: Fault::Setting("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'"),
        repair: Repair::Setting("ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2'"),
        broken: t(
            "the server requires TLS 1.3; the client offers only TLS 1.2 (Kong: pg_ssl_version = tlsv1_2, lua_ssl_protocols = TLSv1.2; psql: ssl_max_protocol_version=TLSv1.2)",
            "サーバーは TLS 1.3 を要求し、クライアントは TLS 1.2 しか提示しません (Kong: pg_ssl_version = tlsv1_2、lua_ssl_protocols = TLSv1.2、psql: ssl_max_protocol_version=TLSv1.2)",
        ),
        break_step: t(
            "ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'; SELECT pg_reload_conf();",
            "ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.3'; SELECT pg_reload_conf();",
        ),
        fix_step: t(
            "ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2'; SELECT pg_reload_conf();",
            "ALTER SYSTEM SET ssl_min_protocol_version = 'TLSv1.2'; SELECT pg_reload_conf();",
        ),
        kong_luasec: "tlsv1 alert protocol version",
        kong_cosocket: "handshake failed",
        kong_note: Some(t(
            "the cosocket shape hides the reason; nginx's error.log has it: SSL_do_handshake() failed (... tlsv1 alert protocol version ...)",
            "cosocket 形式では理由が出ません。nginx の error.log に SSL_do_handshake() failed (... tlsv1 alert protocol version ...) として出ます",
        )),
    },
    Scenario {
        code: Code::ServerCertMissing,
        client: KONG,
        fault: Fault::Removed("server.crt"),
        repair: Repair::RestoreFile {
            name: "server.crt",
            source: files::SERVER,
        },
        broken: t(
            "ssl = on, but server.crt (named by ssl_cert_file) is not in the data directory",
            "ssl = on ですが、ssl_cert_file が指す server.crt がデータディレクトリにありません",
        ),
        break_step: t(
            "rm $PGDATA/server.crt; restart the server",
            "rm $PGDATA/server.crt を実行し、サーバーを再起動",
        ),
        fix_step: t(
            "put server.crt back in $PGDATA; restart the server",
            "server.crt を $PGDATA に戻し、サーバーを再起動",
        ),
        kong_luasec: "connection refused",
        kong_cosocket: "connection refused",
        kong_note: Some(t(
            "the server does not start, so every client sees only a refused connection: the server log alone names the cause",
            "サーバーが起動しないため、クライアントには接続拒否しか見えません。原因はサーバーログにしか出ません",
        )),
    },
    Scenario {
        code: Code::ServerKeyMissing,
        client: KONG,
        fault: Fault::Removed("server.key"),
        repair: Repair::RestoreFile {
            name: "server.key",
            source: files::SERVER_KEY,
        },
        broken: t(
            "ssl = on, but server.key (named by ssl_key_file) is not in the data directory",
            "ssl = on ですが、ssl_key_file が指す server.key がデータディレクトリにありません",
        ),
        break_step: t(
            "rm $PGDATA/server.key; restart the server",
            "rm $PGDATA/server.key を実行し、サーバーを再起動",
        ),
        fix_step: t(
            "put server.key back in $PGDATA (owner postgres, mode 0600); restart the server",
            "server.key を $PGDATA に戻し (所有者 postgres、モード 0600)、サーバーを再起動",
        ),
        kong_luasec: "connection refused",
        kong_cosocket: "connection refused",
        kong_note: Some(t(
            "the server does not start, so every client sees only a refused connection: the server log alone names the cause",
            "サーバーが起動しないため、クライアントには接続拒否しか見えません。原因はサーバーログにしか出ません",
        )),
    },
    Scenario {
        code: Code::ServerKeyPermissions,
        client: KONG,
        fault: Fault::KeyMode(0o640),
        repair: Repair::RestoreFile {
            name: "server.key",
            source: files::SERVER_KEY,
        },
        broken: t(
            "server.key is owned by postgres with mode 0640: group-readable, which PostgreSQL refuses",
            "server.key の所有者は postgres でモードは 0640 (グループが読める) なので、PostgreSQL は拒否します",
        ),
        break_step: t(
            "chmod 0640 $PGDATA/server.key; restart the server",
            "chmod 0640 $PGDATA/server.key を実行し、サーバーを再起動",
        ),
        fix_step: t(
            "chmod 0600 $PGDATA/server.key; restart the server",
            "chmod 0600 $PGDATA/server.key を実行し、サーバーを再起動",
        ),
        kong_luasec: "connection refused",
        kong_cosocket: "connection refused",
        kong_note: Some(t(
            "the server does not start, so every client sees only a refused connection: the server log alone names the cause",
            "サーバーが起動しないため、クライアントには接続拒否しか見えません。原因はサーバーログにしか出ません",
        )),
    },
    Scenario {
        code: Code::ClientRejectsServerCert,
        client: Client {
            root: files::OTHER_CA,
            ..KONG
        },
        fault: Fault::None,
        repair: Repair::WorkingClient,
        broken: t(
            "the client trusts an unrelated CA, not the one that signed the server certificate",
            "クライアントが信頼しているのは無関係な CA で、サーバー証明書に署名した CA ではありません",
        ),
        break_step: t(
            "client: sslrootcert=other_ca.crt (Kong: lua_ssl_trusted_certificate = other_ca.crt)",
            "クライアント: sslrootcert=other_ca.crt (Kong: lua_ssl_trusted_certificate = other_ca.crt)",
        ),
        fix_step: t(
            "client: sslrootcert=root_ca.crt, the CA that signed server.crt (Kong: lua_ssl_trusted_certificate)",
            "クライアント: sslrootcert=root_ca.crt (server.crt に署名した CA。Kong: lua_ssl_trusted_certificate)",
        ),
        kong_luasec: "certificate verify failed",
        kong_cosocket: "21: unable to verify the first certificate",
        kong_note: Some(t(
            "with the cosocket shape the server logs no alert, only `could not receive data from client: Connection reset by peer` (Kong verifies after the handshake)",
            "cosocket 形式ではサーバーにアラートは記録されず、`could not receive data from client: Connection reset by peer` だけが出ます (Kong はハンドシェイク後に検証するため)",
        )),
    },
    Scenario {
        code: Code::ServerRejectsClientCert,
        client: Client {
            cert: Some((files::CLIENT_OTHER_CA, files::CLIENT_OTHER_CA_KEY)),
            ..KONG
        },
        fault: Fault::None,
        repair: Repair::WorkingClient,
        broken: t(
            "the client certificate is issued by a CA that is not in the server's ssl_ca_file",
            "クライアント証明書の発行 CA がサーバーの ssl_ca_file にありません",
        ),
        break_step: t(
            "client: sslcert=client_other_ca.crt, issued by an unrelated CA (Kong: pg_ssl_cert)",
            "クライアント: sslcert=client_other_ca.crt (無関係な CA が発行。Kong: pg_ssl_cert)",
        ),
        fix_step: t(
            "client: sslcert=client_kong.crt, issued by the CA in ssl_ca_file (Kong: pg_ssl_cert, pg_ssl_cert_key)",
            "クライアント: sslcert=client_kong.crt (ssl_ca_file の CA が発行。Kong: pg_ssl_cert、pg_ssl_cert_key)",
        ),
        kong_luasec: "tlsv1 alert unknown ca",
        kong_cosocket: "connection reset by peer",
        kong_note: Some(t(
            "LuaSec is pinned to TLS 1.2 (pg_ssl_version), where the server rejects the certificate inside the handshake; the cosocket path negotiates TLS 1.3, where the rejection arrives after the handshake as a reset",
            "LuaSec は TLS 1.2 に固定され (pg_ssl_version)、サーバーはハンドシェイク中に証明書を拒否します。cosocket は TLS 1.3 で接続するため、拒否はハンドシェイク後のリセットとして届きます",
        )),
    },
    Scenario {
        code: Code::CertUserMismatch,
        client: Client {
            cert: Some((files::CLIENT_FOO, files::CLIENT_FOO_KEY)),
            ..KONG
        },
        fault: Fault::None,
        repair: Repair::MapCertificateName,
        broken: t(
            "the client certificate's CN is foo@example.com, the database user is kong, and no pg_ident.conf map joins them",
            "クライアント証明書の CN は foo@example.com、データベースユーザーは kong で、両者を結ぶ pg_ident.conf のマップがありません",
        ),
        break_step: t(
            "client: sslcert=client_foo.crt (CN foo@example.com), user=kong",
            "クライアント: sslcert=client_foo.crt (CN foo@example.com)、user=kong",
        ),
        fix_step: t(
            "pg_ident.conf: `certmap foo@example.com kong`; pg_hba.conf: `hostssl kong kong 127.0.0.1/32 cert map=certmap`; SELECT pg_reload_conf();",
            "pg_ident.conf: `certmap foo@example.com kong`、pg_hba.conf: `hostssl kong kong 127.0.0.1/32 cert map=certmap`、SELECT pg_reload_conf();",
        ),
        kong_luasec: "FATAL: certificate authentication failed for user \"kong\"",
        kong_cosocket: "FATAL: certificate authentication failed for user \"kong\"",
        kong_note: None,
    },
    Scenario {
        code: Code::ClientCertRequired,
        client: Client { cert: None, ..KONG },
        fault: Fault::None,
        repair: Repair::WorkingClient,
        broken: t(
            "pg_hba.conf requires a client certificate (`cert`) and the client sends none",
            "pg_hba.conf がクライアント証明書を要求し (`cert`)、クライアントは証明書を送りません",
        ),
        break_step: t(
            "client: no sslcert/sslkey (Kong: pg_ssl_cert and pg_ssl_cert_key unset)",
            "クライアント: sslcert/sslkey なし (Kong: pg_ssl_cert と pg_ssl_cert_key が未設定)",
        ),
        fix_step: t(
            "client: sslcert=client_kong.crt sslkey=client_kong.key (Kong: pg_ssl_cert, pg_ssl_cert_key)",
            "クライアント: sslcert=client_kong.crt sslkey=client_kong.key (Kong: pg_ssl_cert、pg_ssl_cert_key)",
        ),
        kong_luasec: "FATAL: connection requires a valid client certificate",
        kong_cosocket: "FATAL: connection requires a valid client certificate",
        kong_note: Some(t(
            "open-source Kong never sends a client certificate (pg_ssl_cert is a Kong Enterprise setting), so against a `cert` line it always prints this",
            "オープンソース版 Kong はクライアント証明書を送りません (pg_ssl_cert は Kong Enterprise の設定) ので、`cert` の行に対しては常にこれが出ます",
        )),
    },
    Scenario {
        code: Code::ServerSslDisabled,
        client: KONG,
        fault: Fault::Setting("ALTER SYSTEM SET ssl = off"),
        repair: Repair::Setting("ALTER SYSTEM SET ssl = on"),
        broken: t(
            "ssl = off on the server; the client requires TLS",
            "サーバーは ssl = off で、クライアントは TLS を必須にしています",
        ),
        break_step: t(
            "ALTER SYSTEM SET ssl = off; SELECT pg_reload_conf();",
            "ALTER SYSTEM SET ssl = off; SELECT pg_reload_conf();",
        ),
        fix_step: t(
            "ALTER SYSTEM SET ssl = on; SELECT pg_reload_conf();",
            "ALTER SYSTEM SET ssl = on; SELECT pg_reload_conf();",
        ),
        kong_luasec: "the server does not support SSL connections",
        kong_cosocket: "the server does not support SSL connections",
        kong_note: Some(t(
            "with pg_ssl_required = on (Kong Enterprise); open-source Kong falls back to plaintext and then fails with `FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption`",
            "pg_ssl_required = on の場合 (Kong Enterprise)。オープンソース版 Kong は平文に切り替え、`FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption` で失敗します",
        )),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use pgtls_diagnose::explain::explain_text;

    #[test]
    fn scenarios_are_the_seed_codes_in_order() {
        let codes: Vec<Code> = SCENARIOS.iter().map(|s| s.code).collect();
        let seed: Vec<Code> = pgtls_catalogue::all()
            .iter()
            .filter(|d| d.in_seed)
            .map(|d| d.id)
            .collect();
        assert_eq!(codes, seed);
    }

    #[test]
    fn every_text_has_both_languages() {
        for s in &SCENARIOS {
            for text in [s.broken, s.break_step, s.fix_step]
                .into_iter()
                .chain(s.kong_note)
            {
                assert!(!text.en.is_empty() && !text.ja.is_empty(), "{}", s.code);
            }
        }
    }

    /// The documented Kong lines are recognised by explain; the shape that
    /// carries the reason names the scenario's own code (the others are
    /// ambiguous by nature: `connection refused`, `handshake failed`, a reset).
    #[test]
    fn documented_kong_lines_are_recognised() {
        for s in &SCENARIOS {
            let line = format!("{KONG_PREFIX}{}", s.kong_luasec);
            let findings = explain_text(&line);
            assert!(!findings.is_empty(), "{line}");
            if !s.kong_luasec.contains("refused") {
                assert_eq!(findings[0].id(), s.code, "{line}");
            }
            let line = format!("{KONG_PREFIX}{}", s.kong_cosocket);
            assert!(!explain_text(&line).is_empty(), "{line}");
        }
    }
}
