//! The lines that identify each diagnosis, per printer and language.
//!
//! Server-log texts are PostgreSQL 15's own messages (English and its
//! Japanese catalogue, postgres-15.mo); OpenSSL reasons stay English in both.
//! Client texts are libpq's, Kong's two socket shapes and nginx's error.log.
//! Each pattern says whose output it reads, because the same OpenSSL reason
//! means opposite things on the two sides.

use crate::{Code, Leg, Origin, Pattern, Text, Versions};

const SERVER: &[Origin] = &[Origin::Server];
const LIBPQ: &[Origin] = &[Origin::Libpq];
const KONG: &[Origin] = &[Origin::KongLuasec, Origin::KongCosocket];
const COSOCKET: &[Origin] = &[Origin::KongCosocket];
const NGINX: &[Origin] = &[Origin::Nginx];
const COSOCKET_NGINX: &[Origin] = &[Origin::KongCosocket, Origin::Nginx];
const KONG_NGINX: &[Origin] = &[Origin::KongLuasec, Origin::KongCosocket, Origin::Nginx];
/// Clients that print the OpenSSL reason of a failed handshake as is.
const REASON_CLIENTS: &[Origin] = &[Origin::Libpq, Origin::KongLuasec];
/// A server ErrorResponse: logged by the server and relayed by every client,
/// and by pgbouncer (`server login failed: FATAL ...`) on its server's leg.
const RELAYED: &[Origin] = &[
    Origin::Server,
    Origin::Libpq,
    Origin::KongLuasec,
    Origin::KongCosocket,
    Origin::Pgbouncer,
];
const PGBOUNCER: &[Origin] = &[Origin::Pgbouncer];
/// Clients that print a FATAL they received (pgbouncer's own, here).
const FATAL_CLIENTS: &[Origin] = &[Origin::Libpq, Origin::KongLuasec, Origin::KongCosocket];
/// pgbouncer's `TLS handshake error` line: `handshake failed: ` and the
/// OpenSSL error, whose `error:0A000086:SSL routines::` prefix is skipped.
macro_rules! pgbouncer_handshake {
    ($reason:literal) => {
        concat!(
            r"^TLS handshake error: handshake failed: (?:error:[0-9A-Fa-f]+:[^:]*:[^:]*:)?(?P<reason>",
            $reason,
            r")$"
        )
    };
}

const BASE: Pattern = Pattern {
    id: "",
    code: Code::Unreachable,
    alternatives: &[],
    origins: &[],
    regex: "",
    needles: &[],
    fallback: false,
    leg: None,
    reading: Text { en: "", ja: "" },
    examples: &[],
    versions: None,
};

pub static PATTERNS: &[Pattern] = &[
    // ---- PGTLS001 protocol-version-mismatch
    Pattern {
        id: "server-accept-protocol",
        code: Code::ProtocolVersionMismatch,
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection|SSL接続を受け付けられませんでした): (?P<reason>unsupported protocol|wrong version number|no protocols available|unknown protocol|unknown ssl version|unsupported ssl version|wrong ssl version|bad protocol version number|tlsv1 alert protocol version|version too low|version too high)$",
        needles: &["could not accept SSL connection", "SSL接続を受け付けられませんでした"],
        reading: Text {
            en: "the server aborted the handshake: the client offered no TLS version the server allows",
            ja: "サーバーがハンドシェイクを中断しました: クライアントはサーバーが許可する TLS バージョンを提示しませんでした",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: unsupported protocol",
            "LOG:  could not accept SSL connection: wrong version number",
            "2026-11-28 16:02:11.123 JST [4242] LOG:  SSL接続を受け付けられませんでした: unsupported protocol",
        ],
        ..BASE
    },
    Pattern {
        id: "server-accept-sigalg",
        code: Code::ProtocolVersionMismatch,
        alternatives: &[Code::WeakCrypto],
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection|SSL接続を受け付けられませんでした): (?P<reason>no suitable signature algorithm|tlsv1 alert internal error)$",
        needles: &["could not accept SSL connection", "SSL接続を受け付けられませんでした"],
        reading: Text {
            en: "the handshake found no signature algorithm both sides accept: typically a TLS 1.0/1.1 client against a server whose OpenSSL security level forbids the SHA-1 signatures those versions need",
            ja: "両側が受け入れる署名アルゴリズムが見つかりませんでした: 多くの場合、TLS 1.0/1.1 のクライアントと、それらのバージョンが必要とする SHA-1 署名を OpenSSL のセキュリティレベルで禁止しているサーバーの組み合わせです",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: no suitable signature algorithm"],
        ..BASE
    },
    Pattern {
        id: "server-range-empty",
        code: Code::ProtocolVersionMismatch,
        origins: SERVER,
        regex: r"^(?:could not set SSL protocol version range|SSLプロトコルバージョンの範囲を設定できませんでした)$",
        needles: &["could not set SSL protocol version range", "SSLプロトコルバージョンの範囲を設定できませんでした"],
        reading: Text {
            en: "the server's own TLS range is empty (ssl_min_protocol_version is above ssl_max_protocol_version), so it does not start",
            ja: "サーバー自身の TLS の範囲が空 (ssl_min_protocol_version が ssl_max_protocol_version より上) のため、サーバーは起動しません",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not set SSL protocol version range"],
        ..BASE
    },
    Pattern {
        id: "client-protocol-reason",
        code: Code::ProtocolVersionMismatch,
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?(?P<reason>tlsv1 alert protocol version|unsupported protocol|no protocols available|wrong version number|version too low|version too high)$",
        needles: &["protocol version", "unsupported protocol", "no protocols available", "wrong version number", "version too"],
        reading: Text {
            en: "the client's handshake failed on the TLS version: the server allows none of the versions the client offered",
            ja: "クライアントのハンドシェイクが TLS バージョンで失敗しました: サーバーはクライアントが提示したどのバージョンも許可していません",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert protocol version",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: unsupported protocol",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: tlsv1 alert protocol version",
        ],
        ..BASE
    },
    Pattern {
        id: "client-alert-internal-error",
        code: Code::ProtocolVersionMismatch,
        alternatives: &[Code::WeakCrypto],
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?tlsv1 alert internal error$",
        needles: &["alert internal error"],
        reading: Text {
            en: "the server aborted the handshake with an internal-error alert: an OpenSSL 3 server sends it when the client's TLS versions leave no signature algorithm its security level allows (its log says `no suitable signature algorithm`)",
            ja: "サーバーが internal error アラートでハンドシェイクを中断しました: OpenSSL 3 のサーバーは、クライアントの TLS バージョンではセキュリティレベルが許す署名アルゴリズムが残らないときにこれを送ります (サーバーログには `no suitable signature algorithm` と出ます)",
        },
        examples: &["psql: error: connection to server at \"localhost\" (127.0.0.1), port 5432 failed: SSL error: tlsv1 alert internal error"],
        ..BASE
    },
    Pattern {
        id: "cosocket-handshake-failed",
        code: Code::ProtocolVersionMismatch,
        alternatives: &[Code::ServerRejectsClientCert, Code::WeakCrypto],
        origins: COSOCKET,
        regex: r"^handshake failed$",
        needles: &["handshake failed"],
        reading: Text {
            en: "Kong's cosocket handshake failed; the OpenSSL reason is only in nginx's error.log (SSL_do_handshake() failed): `tlsv1 alert protocol version` means a version mismatch, `tlsv1 alert unknown ca` a rejected client certificate",
            ja: "Kong の cosocket のハンドシェイクが失敗しました。OpenSSL の理由は nginx の error.log (SSL_do_handshake() failed) にのみ出ます: `tlsv1 alert protocol version` はバージョン不一致、`tlsv1 alert unknown ca` はクライアント証明書の拒否です",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: handshake failed"],
        ..BASE
    },
    Pattern {
        id: "nginx-handshake-protocol",
        code: Code::ProtocolVersionMismatch,
        origins: NGINX,
        regex: r"SSL_do_handshake\(\) failed \(SSL: .*?(?P<reason>tlsv1 alert protocol version|unsupported protocol|no protocols available|wrong version number|version too low|version too high)",
        needles: &["SSL_do_handshake() failed"],
        reading: Text {
            en: "Kong's handshake failed on the TLS version: the server allows none of the versions Kong offered",
            ja: "Kong のハンドシェイクが TLS バージョンで失敗しました: サーバーは Kong が提示したどのバージョンも許可していません",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A00042E:SSL routines::tlsv1 alert protocol version:SSL alert number 70), context: ngx.timer"],
        ..BASE
    },
    // ---- PGTLS002 server-cert-missing
    Pattern {
        id: "server-cert-load",
        code: Code::ServerCertMissing,
        origins: SERVER,
        regex: r#"^could not load server certificate file "(?P<file>[^"]*)": (?P<reason>.*)$"#,
        needles: &["could not load server certificate file"],
        fallback: true,
        reading: Text {
            en: "the server could not load the certificate file ssl_cert_file names",
            ja: "サーバーは ssl_cert_file が指す証明書ファイルを読み込めませんでした",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not load server certificate file \"server.crt\": No such file or directory"],
        ..BASE
    },
    Pattern {
        id: "server-cert-load-ja",
        code: Code::ServerCertMissing,
        origins: SERVER,
        regex: r#"^サーバー証明書ファイル"(?P<file>[^"]*)"をロードできませんでした: (?P<reason>.*)$"#,
        needles: &["サーバー証明書ファイル"],
        fallback: true,
        reading: Text {
            en: "the server could not load the certificate file ssl_cert_file names",
            ja: "サーバーは ssl_cert_file が指す証明書ファイルを読み込めませんでした",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] FATAL:  サーバー証明書ファイル\"server.crt\"をロードできませんでした: そのようなファイルやディレクトリはありません"],
        ..BASE
    },
    Pattern {
        id: "server-ssl-not-reloaded",
        code: Code::ServerCertMissing,
        alternatives: &[Code::ServerKeyMissing, Code::ServerKeyPermissions, Code::KeyCertMismatch, Code::WeakCrypto],
        origins: SERVER,
        regex: r"^(?:SSL configuration was not reloaded|SSL設定は再読み込みされていません)$",
        needles: &["SSL configuration was not reloaded", "SSL設定は再読み込みされていません"],
        reading: Text {
            en: "on reload the server could not load its new certificate or key and kept the old SSL configuration; the line before it names the file",
            ja: "再読み込み時にサーバーは新しい証明書または鍵を読み込めず、以前の SSL 設定のままです。直前の行がファイルを示しています",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  SSL configuration was not reloaded"],
        ..BASE
    },
    // ---- PGTLS003 server-key-missing
    Pattern {
        id: "server-key-access",
        code: Code::ServerKeyMissing,
        origins: SERVER,
        regex: r#"^could not access private key file "(?P<file>[^"]*)": (?P<reason>.*)$"#,
        needles: &["could not access private key file"],
        reading: Text {
            en: "the server could not find or open the private key file ssl_key_file names",
            ja: "サーバーは ssl_key_file が指す秘密鍵ファイルを見つけられないか開けませんでした",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not access private key file \"server.key\": No such file or directory"],
        ..BASE
    },
    Pattern {
        id: "server-key-access-ja",
        code: Code::ServerKeyMissing,
        origins: SERVER,
        regex: r#"^秘密鍵ファイル"(?P<file>[^"]*)"にアクセスできませんでした: (?P<reason>.*)$"#,
        needles: &["にアクセスできませんでした"],
        reading: Text {
            en: "the server could not find or open the private key file ssl_key_file names",
            ja: "サーバーは ssl_key_file が指す秘密鍵ファイルを見つけられないか開けませんでした",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] FATAL:  秘密鍵ファイル\"server.key\"にアクセスできませんでした: そのようなファイルやディレクトリはありません"],
        ..BASE
    },
    Pattern {
        id: "key-load",
        code: Code::ServerKeyMissing,
        origins: &[Origin::Server, Origin::Libpq],
        regex: r#"^could not load private key file "(?P<file>[^"]*)": (?P<reason>.*)$"#,
        needles: &["could not load private key file"],
        fallback: true,
        reading: Text {
            en: "the private key file could not be loaded (unreadable, or not a PEM key)",
            ja: "秘密鍵ファイルを読み込めませんでした (読み取り不可、または PEM 形式の鍵ではありません)",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not load private key file \"server.key\": Permission denied"],
        ..BASE
    },
    Pattern {
        id: "key-load-ja",
        code: Code::ServerKeyMissing,
        origins: &[Origin::Server, Origin::Libpq],
        regex: r#"^秘密鍵ファイル"(?P<file>[^"]*)"をロードできませんでした: (?P<reason>.*)$"#,
        needles: &["をロードできませんでした"],
        fallback: true,
        reading: Text {
            en: "the private key file could not be loaded (unreadable, or not a PEM key)",
            ja: "秘密鍵ファイルを読み込めませんでした (読み取り不可、または PEM 形式の鍵ではありません)",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] FATAL:  秘密鍵ファイル\"server.key\"をロードできませんでした: 許可がありません"],
        ..BASE
    },
    Pattern {
        id: "server-key-not-regular",
        code: Code::ServerKeyMissing,
        origins: &[Origin::Server, Origin::Libpq],
        regex: r#"^(?:private key file "(?P<file>[^"]*)" is not a regular file|秘密鍵ファイル"(?P<file_ja>[^"]*)"は通常のファイルではありません)$"#,
        needles: &["private key file", "は通常のファイルではありません"],
        reading: Text {
            en: "the path ssl_key_file names is not a regular file (a directory or a device)",
            ja: "ssl_key_file が指すパスは通常のファイルではありません (ディレクトリまたはデバイス)",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  private key file \"server.key\" is not a regular file"],
        ..BASE
    },
    // ---- PGTLS004 server-key-permissions
    Pattern {
        id: "server-key-mode",
        code: Code::ServerKeyPermissions,
        origins: SERVER,
        regex: r#"^(?:private key file "(?P<file>[^"]*)" has group or world access|秘密鍵ファイル"(?P<file_ja>[^"]*)"はグループまたは全員からアクセス可能です)$"#,
        needles: &["private key file", "はグループまたは全員からアクセス可能です"],
        reading: Text {
            en: "the server refused its private key because the file's mode is too open for its owner",
            ja: "鍵ファイルのモードが所有者に対して緩すぎるため、サーバーが秘密鍵を拒否しました",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  private key file \"/certs/example.com.key\" has group or world access",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  秘密鍵ファイル\"server.key\"はグループまたは全員からアクセス可能です",
        ],
        ..BASE
    },
    Pattern {
        id: "server-key-owner",
        code: Code::ServerKeyPermissions,
        origins: SERVER,
        regex: r#"^(?:private key file "(?P<file>[^"]*)" must be owned by the database user or root|秘密鍵ファイル"(?P<file_ja>[^"]*)"はデータベースユーザーもしくはrootの所有である必要があります)$"#,
        needles: &["private key file", "rootの所有である必要があります"],
        reading: Text {
            en: "the server refused its private key because the file belongs to neither the database user nor root",
            ja: "鍵ファイルの所有者がデータベースユーザーでも root でもないため、サーバーが秘密鍵を拒否しました",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  private key file \"server.key\" must be owned by the database user or root"],
        ..BASE
    },
    // ---- PGTLS005 client-rejects-server-cert
    Pattern {
        id: "server-alert-unknown-ca",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::IncompleteChain, Code::VerifyDepthExceeded],
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection: |SSL接続を受け付けられませんでした: )?(?P<reason>tlsv1 alert unknown ca|sslv3 alert bad certificate|tlsv1 alert bad certificate|sslv3 alert certificate unknown|tlsv1 alert certificate unknown)$",
        needles: &["alert unknown ca", "alert bad certificate", "alert certificate unknown"],
        reading: Text {
            en: "the client rejected the server's certificate: it sent the alert unknown ca because no CA in its trust store signed the server's chain",
            ja: "クライアントがサーバー証明書を拒否しました: 信頼ストアのどの CA もサーバーのチェーンに署名していないため、アラート unknown ca を送りました",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: tlsv1 alert unknown ca",
            "LOG:  could not accept SSL connection: tlsv1 alert unknown ca",
            "2026-11-28 16:02:11.123 JST [4242] LOG:  SSL接続を受け付けられませんでした: tlsv1 alert unknown ca",
        ],
        ..BASE
    },
    Pattern {
        id: "server-client-reset",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::ServerCertExpired, Code::VerifyDepthExceeded, Code::IncompleteChain, Code::WeakCrypto],
        origins: SERVER,
        regex: r"^(?:could not receive data from client|クライアントからデータを受信できませんでした): (?:Connection reset by peer|接続が相手からリセットされました)$",
        needles: &["could not receive data from client", "クライアントからデータを受信できませんでした"],
        reading: Text {
            en: "the client closed the connection without an alert; Kong's cosocket path does this when it rejects the server's certificate (it verifies after the handshake), so check the client's side for the verify error",
            ja: "クライアントがアラートなしで接続を閉じました。Kong の cosocket はサーバー証明書を拒否するとこうなります (ハンドシェイク後に検証するため)。クライアント側の検証エラーを確認してください",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  could not receive data from client: Connection reset by peer"],
        ..BASE
    },
    Pattern {
        id: "server-accept-eof",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::ServerCertExpired, Code::VerifyDepthExceeded, Code::IncompleteChain, Code::PeerProtocolViolation],
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection: (?:EOF detected|Connection reset by peer|接続が相手からリセットされました)|SSL接続を受け付けられませんでした: (?:EOFを検出しました|Connection reset by peer|接続が相手からリセットされました))$",
        needles: &["could not accept SSL connection", "SSL接続を受け付けられませんでした"],
        reading: Text {
            en: "the client hung up in the middle of the handshake without sending an alert: a client that checks the server's certificate outside the handshake and gives up, or a health check that only opens TLS",
            ja: "クライアントがアラートを送らずにハンドシェイクの途中で切断しました: ハンドシェイクの外でサーバー証明書を検査して諦めたクライアントか、TLS を開くだけのヘルスチェックです",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: EOF detected",
            "2026-11-28 16:02:11.123 JST [4242] LOG:  SSL接続を受け付けられませんでした: EOFを検出しました",
        ],
        ..BASE
    },
    Pattern {
        id: "client-verify-failed",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::ServerCertExpired, Code::VerifyDepthExceeded, Code::IncompleteChain, Code::WeakCrypto],
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?certificate verify failed$",
        needles: &["certificate verify failed"],
        reading: Text {
            en: "the client could not verify the server's certificate chain against its trust store",
            ja: "クライアントがサーバーの証明書チェーンを信頼ストアで検証できませんでした",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: certificate verify failed",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: certificate verify failed",
        ],
        ..BASE
    },
    Pattern {
        id: "cosocket-verify-21",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::IncompleteChain],
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>21): (?P<verify_text>unable to verify the first certificate)\)?$",
        needles: &["unable to verify the first certificate"],
        reading: Text {
            en: "Kong could not verify the server's leaf certificate: its issuer is not in lua_ssl_trusted_certificate",
            ja: "Kong はサーバーのリーフ証明書を検証できませんでした: その発行者が lua_ssl_trusted_certificate にありません",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 21: unable to verify the first certificate",
            "2026/11/28 16:02:11 [error] 4242#0: *3 lua ssl certificate verify error: (21: unable to verify the first certificate), context: ngx.timer",
        ],
        ..BASE
    },
    Pattern {
        id: "cosocket-verify-self-signed",
        code: Code::ClientRejectsServerCert,
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>18|19): (?P<verify_text>self[- ]signed certificate(?: in certificate chain)?)\)?$",
        needles: &["signed certificate"],
        reading: Text {
            en: "the server's chain ends in a self-signed certificate that Kong's trust store does not contain",
            ja: "サーバーのチェーンは Kong の信頼ストアにない自己署名証明書で終わっています",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 18: self-signed certificate"],
        ..BASE
    },
    Pattern {
        id: "cosocket-verify-other",
        code: Code::ClientRejectsServerCert,
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>\d{1,3}): (?P<verify_text>[a-zA-Z][^()]*)\)?$",
        needles: &["server_version_num", "lua ssl certificate verify error"],
        fallback: true,
        reading: Text {
            en: "Kong rejected the server's certificate chain with this OpenSSL verify error",
            ja: "Kong はこの OpenSSL 検証エラーでサーバーの証明書チェーンを拒否しました",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 7: certificate signature failure"],
        ..BASE
    },
    // ---- PGTLS006 server-rejects-client-cert
    Pattern {
        id: "server-verify-failed",
        code: Code::ServerRejectsClientCert,
        alternatives: &[Code::ClientCertExpired],
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection: |SSL接続を受け付けられませんでした: )?certificate verify failed$",
        needles: &["certificate verify failed"],
        reading: Text {
            en: "the server rejected the client's certificate: it is not signed by a CA in ssl_ca_file (or it is expired)",
            ja: "サーバーがクライアント証明書を拒否しました: ssl_ca_file の CA で署名されていません (または期限切れです)",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: certificate verify failed",
            "2026-11-28 16:02:11.123 JST [4242] LOG:  SSL接続を受け付けられませんでした: certificate verify failed",
        ],
        ..BASE
    },
    Pattern {
        id: "client-alert-unknown-ca",
        code: Code::ServerRejectsClientCert,
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?(?P<reason>tlsv1 alert unknown ca|sslv3 alert bad certificate|tlsv1 alert bad certificate|sslv3 alert certificate unknown|tlsv1 alert certificate unknown)$",
        needles: &["alert unknown ca", "alert bad certificate", "alert certificate unknown"],
        reading: Text {
            en: "the server rejected the client's certificate: it sent the alert unknown ca because no CA in its ssl_ca_file signed it",
            ja: "サーバーがクライアント証明書を拒否しました: ssl_ca_file のどの CA も署名していないため、アラート unknown ca を送りました",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: tlsv1 alert unknown ca",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: tlsv1 alert unknown ca",
        ],
        ..BASE
    },
    Pattern {
        id: "nginx-handshake-verify-failed",
        code: Code::ClientRejectsServerCert,
        alternatives: &[
            Code::ServerCertExpired,
            Code::VerifyDepthExceeded,
            Code::IncompleteChain,
            Code::WeakCrypto,
        ],
        origins: NGINX,
        regex: r"SSL_do_handshake\(\) failed \(SSL: .*?(?P<reason>certificate verify failed)",
        needles: &["SSL_do_handshake() failed"],
        reading: Text {
            en: "Kong (nginx, verifying in the handshake) rejected the server's certificate chain; the verify error before this line, or pgtls probe, tells which check failed",
            ja: "Kong (nginx、ハンドシェイク中に検証) がサーバーの証明書チェーンを拒否しました。どの検査で失敗したかは、この行の前の検証エラーか pgtls probe でわかります",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream, client: 10.0.0.9, server: kong"],
        ..BASE
    },
    Pattern {
        id: "nginx-handshake-unknown-ca",
        code: Code::ServerRejectsClientCert,
        origins: NGINX,
        regex: r"SSL_do_handshake\(\) failed \(SSL: .*?(?P<reason>tlsv1 alert unknown ca|sslv3 alert bad certificate|tlsv1 alert bad certificate|sslv3 alert certificate unknown)",
        needles: &["SSL_do_handshake() failed"],
        reading: Text {
            en: "the server rejected Kong's client certificate during the handshake (alert unknown ca)",
            ja: "サーバーがハンドシェイク中に Kong のクライアント証明書を拒否しました (アラート unknown ca)",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48), context: ngx.timer"],
        ..BASE
    },
    Pattern {
        id: "nginx-write-reset",
        code: Code::ServerRejectsClientCert,
        origins: NGINX,
        regex: r"SSL_write\(\) failed \((?:104: )?Connection reset by peer\)",
        needles: &["SSL_write() failed"],
        reading: Text {
            en: "over TLS 1.3 the server rejects the client certificate after the handshake, so Kong sees a reset at its first write",
            ja: "TLS 1.3 ではサーバーはハンドシェイク後にクライアント証明書を拒否するため、Kong は最初の書き込みでリセットを受けます",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_write() failed (104: Connection reset by peer), context: ngx.timer"],
        ..BASE
    },
    Pattern {
        id: "cosocket-reset",
        code: Code::ServerRejectsClientCert,
        origins: COSOCKET,
        regex: r"^connection reset by peer$",
        needles: &["connection reset by peer"],
        reading: Text {
            en: "the server reset the connection after the TLS 1.3 handshake: it rejected Kong's client certificate",
            ja: "TLS 1.3 のハンドシェイク後にサーバーが接続をリセットしました: Kong のクライアント証明書を拒否しています",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection reset by peer"],
        ..BASE
    },
    Pattern {
        id: "kong-closed",
        code: Code::ServerRejectsClientCert,
        alternatives: &[Code::ClientRejectsServerCert],
        origins: KONG,
        regex: r"^closed$",
        needles: &["closed"],
        reading: Text {
            en: "the connection was closed: with LuaSec over TLS 1.3 this is the server rejecting Kong's client certificate; on the cosocket path it can follow a server certificate Kong rejected (nginx error.log shows `lua ssl certificate verify error` then)",
            ja: "接続が閉じられました: LuaSec と TLS 1.3 ではサーバーが Kong のクライアント証明書を拒否したことを示します。cosocket では Kong がサーバー証明書を拒否した後にも起こります (その場合 nginx の error.log に `lua ssl certificate verify error` が出ます)",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: closed"],
        ..BASE
    },
    // ---- PGTLS007 cert-user-mismatch
    Pattern {
        id: "server-cert-name-mismatch",
        code: Code::CertUserMismatch,
        origins: SERVER,
        regex: r"^provided user name \((?P<user>[^)]*)\) and authenticated user name \((?P<cert_name>.*)\) do not match$",
        needles: &["and authenticated user name"],
        reading: Text {
            en: "the certificate's name differs from the database user and no pg_ident.conf map allows it",
            ja: "証明書の名前がデータベースユーザーと異なり、それを許可する pg_ident.conf のマップがありません",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  provided user name (kong) and authenticated user name (foo@example.com) do not match"],
        ..BASE
    },
    Pattern {
        id: "server-cert-name-mismatch-ja",
        code: Code::CertUserMismatch,
        origins: SERVER,
        regex: r"^与えられたユーザー名 \((?P<user>[^)]*)\) と認証されたユーザー名 \((?P<cert_name>.*)\) が一致しません$",
        needles: &["と認証されたユーザー名"],
        reading: Text {
            en: "the certificate's name differs from the database user and no pg_ident.conf map allows it",
            ja: "証明書の名前がデータベースユーザーと異なり、それを許可する pg_ident.conf のマップがありません",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] LOG:  与えられたユーザー名 (kong) と認証されたユーザー名 (foo@example.com) が一致しません"],
        ..BASE
    },
    Pattern {
        id: "cert-auth-failed",
        code: Code::CertUserMismatch,
        origins: RELAYED,
        regex: r#"^(?:certificate authentication failed for user "(?P<user>[^"]*)"(?:: (?P<detail>.*))?|ユーザー ?"(?P<user_ja>[^"]*)" ?の証明書認証に失敗しました(?:: (?P<detail_ja>.*))?)$"#,
        needles: &["certificate authentication failed", "の証明書認証に失敗しました"],
        reading: Text {
            en: "the server verified the client certificate but its name does not map to the requested database user",
            ja: "サーバーはクライアント証明書を検証しましたが、その名前が要求されたデータベースユーザーに対応付けられていません",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  certificate authentication failed for user \"kong\"",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: certificate authentication failed for user \"kong\"",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  certificate authentication failed for user \"kong\"",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  ユーザー\"kong\"の証明書認証に失敗しました",
        ],
        ..BASE
    },
    Pattern {
        id: "server-usermap-no-match",
        code: Code::CertUserMismatch,
        origins: SERVER,
        regex: r#"^(?:no match in usermap "(?P<map>[^"]*)" for user "(?P<user>[^"]*)" authenticated as "(?P<cert_name>[^"]*)"|"(?P<cert_name_ja>[^"]*)"として認証されたユーザー"(?P<user_ja>[^"]*)"はユーザーマップ"(?P<map_ja>[^"]*)"に一致しません)$"#,
        needles: &["no match in usermap", "はユーザーマップ"],
        reading: Text {
            en: "the pg_hba.conf line has map=, but no line of that pg_ident.conf map pairs the certificate's name with the user",
            ja: "pg_hba.conf の行に map= がありますが、その pg_ident.conf マップに証明書の名前とユーザーを対応付ける行がありません",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  no match in usermap \"kongmap\" for user \"kong\" authenticated as \"foo@example.com\""],
        ..BASE
    },
    // ---- PGTLS008 client-cert-required
    Pattern {
        id: "client-cert-required",
        code: Code::ClientCertRequired,
        origins: RELAYED,
        regex: r"^(?:connection requires a valid client certificate|この接続には有効なクライアント証明が必要です)$",
        needles: &["connection requires a valid client certificate", "有効なクライアント証明が必要です"],
        reading: Text {
            en: "the matching pg_hba.conf line needs a client certificate and the client sent none",
            ja: "一致した pg_hba.conf の行はクライアント証明書を必要としますが、クライアントは送りませんでした",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  connection requires a valid client certificate",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: connection requires a valid client certificate",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  connection requires a valid client certificate",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  この接続には有効なクライアント証明が必要です",
        ],
        ..BASE
    },
    // ---- PGTLS009 server-ssl-disabled
    Pattern {
        id: "server-hostssl-ssl-off",
        code: Code::ServerSslDisabled,
        origins: SERVER,
        regex: r"^(?:hostssl record cannot match because SSL is disabled|SSLが無効なため、hostssl行は照合できません)$",
        needles: &["hostssl record cannot match", "hostssl行は照合できません"],
        reading: Text {
            en: "pg_hba.conf has hostssl lines but ssl = off, so no TLS connection can ever match them",
            ja: "pg_hba.conf に hostssl 行がありますが ssl = off のため、TLS 接続がそれらに一致することはありません",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  hostssl record cannot match because SSL is disabled"],
        ..BASE
    },
    Pattern {
        id: "kong-no-ssl",
        code: Code::ServerSslDisabled,
        origins: KONG,
        regex: r"^the server does not support SSL connections$",
        needles: &["does not support SSL connections"],
        reading: Text {
            en: "the server answered N to Kong's SSLRequest and pg_ssl_required is on",
            ja: "サーバーが Kong の SSLRequest に N と応答し、pg_ssl_required が on です",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: the server does not support SSL connections"],
        ..BASE
    },
    Pattern {
        id: "libpq-no-ssl",
        code: Code::ServerSslDisabled,
        origins: LIBPQ,
        regex: r"^(?:server does not support SSL, but SSL was required|サーバーはSSLをサポートしていませんが、SSLが要求されました)$",
        needles: &["server does not support SSL", "サーバーはSSLをサポートしていません"],
        reading: Text {
            en: "the server answered N to libpq's SSLRequest and sslmode requires TLS",
            ja: "サーバーが libpq の SSLRequest に N と応答し、sslmode が TLS を必須としています",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: server does not support SSL, but SSL was required"],
        ..BASE
    },
    // ---- PGTLS010 server-cert-expired
    Pattern {
        id: "server-alert-expired",
        code: Code::ServerCertExpired,
        origins: SERVER,
        regex: r"^(?:could not accept SSL connection: |SSL接続を受け付けられませんでした: )?(?P<reason>sslv3 alert certificate expired|tlsv1 alert certificate expired)$",
        needles: &["alert certificate expired"],
        reading: Text {
            en: "the client rejected the server's certificate because it (or a CA in its chain) is expired or not yet valid",
            ja: "サーバー証明書 (またはチェーン内の CA) が期限切れか有効期間前のため、クライアントが拒否しました",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] LOG:  could not accept SSL connection: sslv3 alert certificate expired"],
        ..BASE
    },
    Pattern {
        id: "cosocket-verify-expired",
        code: Code::ServerCertExpired,
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>10|9): (?P<verify_text>certificate has expired|certificate is not yet valid)\)?$",
        needles: &["certificate has expired", "certificate is not yet valid"],
        reading: Text {
            en: "Kong rejected the server's certificate because it is outside its validity period",
            ja: "サーバー証明書が有効期間外のため、Kong が拒否しました",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 10: certificate has expired"],
        ..BASE
    },
    // ---- PGTLS011 client-cert-expired
    Pattern {
        id: "client-alert-expired",
        code: Code::ClientCertExpired,
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?(?P<reason>sslv3 alert certificate expired|tlsv1 alert certificate expired)$",
        needles: &["alert certificate expired"],
        reading: Text {
            en: "the server rejected the client's certificate because it is expired or not yet valid",
            ja: "クライアント証明書が期限切れか有効期間前のため、サーバーが拒否しました",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: sslv3 alert certificate expired"],
        ..BASE
    },
    Pattern {
        id: "nginx-handshake-expired",
        code: Code::ClientCertExpired,
        origins: NGINX,
        regex: r"SSL_do_handshake\(\) failed \(SSL: .*?(?P<reason>sslv3 alert certificate expired|tlsv1 alert certificate expired)",
        needles: &["SSL_do_handshake() failed"],
        reading: Text {
            en: "the server rejected Kong's client certificate because it is expired",
            ja: "Kong のクライアント証明書が期限切れのため、サーバーが拒否しました",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_do_handshake() failed (SSL: error:0A000415:SSL routines::sslv3 alert certificate expired:SSL alert number 45), context: ngx.timer"],
        ..BASE
    },
    // ---- PGTLS012 hostname-mismatch
    Pattern {
        id: "libpq-host-mismatch",
        code: Code::HostnameMismatch,
        origins: LIBPQ,
        regex: r#"^(?:server certificate for "(?P<cert_name>[^"]*)"(?: \(and (?P<other_names>\d+) other names?\))? does not match host name "(?P<host>[^"]*)"|"(?P<cert_name_ja>[^"]*)"(?:\(および他\d+個のホスト名\))?のサーバー証明書がホスト名"(?P<host_ja>[^"]*)"とマッチしません)$"#,
        needles: &["does not match host name", "とマッチしません"],
        reading: Text {
            en: "libpq (sslmode=verify-full) found that the server certificate does not name the host it dialled",
            ja: "libpq (sslmode=verify-full) は、サーバー証明書が接続先のホスト名を含まないことを検出しました",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: server certificate for \"db.example.com\" does not match host name \"127.0.0.1\""],
        ..BASE
    },
    // ---- PGTLS013 verify-depth-exceeded
    Pattern {
        id: "cosocket-verify-20",
        code: Code::VerifyDepthExceeded,
        alternatives: &[Code::ClientRejectsServerCert, Code::IncompleteChain],
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>20|22): (?P<verify_text>unable to get local issuer certificate|certificate chain too long)\)?$",
        needles: &["unable to get local issuer certificate", "certificate chain too long"],
        reading: Text {
            en: "Kong could not build the chain to a trusted root within lua_ssl_verify_depth: the chain is longer than the depth, or (when the server sends an intermediate) its root is not in lua_ssl_trusted_certificate",
            ja: "Kong は lua_ssl_verify_depth の範囲で信頼されたルートまでのチェーンを構築できませんでした: チェーンが深度より長いか、(サーバーが中間証明書を送る場合) そのルートが lua_ssl_trusted_certificate にありません",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 20: unable to get local issuer certificate",
            "2026/11/28 16:02:11 [error] 4242#0: *3 lua ssl certificate verify error: (20: unable to get local issuer certificate), context: ngx.timer",
        ],
        ..BASE
    },
    // ---- PGTLS014 incomplete-chain
    Pattern {
        id: "cosocket-verify-2",
        code: Code::IncompleteChain,
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>2): (?P<verify_text>unable to get issuer certificate)\)?$",
        needles: &["unable to get issuer certificate"],
        reading: Text {
            en: "Kong found an issuer certificate missing from the chain the server sent",
            ja: "Kong はサーバーが送ったチェーンに発行者の証明書が欠けていることを検出しました",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 2: unable to get issuer certificate"],
        ..BASE
    },
    // ---- PGTLS015 key-cert-mismatch
    Pattern {
        id: "key-values-mismatch",
        code: Code::KeyCertMismatch,
        origins: SERVER,
        regex: r#"^(?:could not load private key file "(?P<file>[^"]*)"|秘密鍵ファイル"(?P<file_ja>[^"]*)"をロードできませんでした): key values mismatch$"#,
        needles: &["key values mismatch"],
        reading: Text {
            en: "ssl_key_file is not the private key of ssl_cert_file",
            ja: "ssl_key_file は ssl_cert_file の秘密鍵ではありません",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not load private key file \"server.key\": key values mismatch",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  秘密鍵ファイル\"server.key\"をロードできませんでした: key values mismatch",
        ],
        ..BASE
    },
    Pattern {
        id: "libpq-key-mismatch",
        code: Code::KeyCertMismatch,
        origins: LIBPQ,
        regex: r#"^(?:certificate does not match private key file "(?P<file>[^"]*)"|証明書と秘密鍵ファイル"(?P<file_ja>[^"]*)"が一致しません): (?P<reason>.*)$"#,
        needles: &["does not match private key file", "証明書と秘密鍵ファイル"],
        reading: Text {
            en: "libpq's sslkey is not the private key of its sslcert",
            ja: "libpq の sslkey は sslcert の秘密鍵ではありません",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: certificate does not match private key file \"/home/kong/client.key\": error:05800074:x509 certificate routines::key values mismatch"],
        ..BASE
    },
    // ---- PGTLS016 no-hba-entry
    Pattern {
        id: "no-hba-entry",
        code: Code::NoHbaEntry,
        origins: RELAYED,
        regex: r#"^no pg_hba\.conf entry for host "(?P<host>[^"]*)", user "(?P<user>[^"]*)", database "(?P<database>[^"]*)", (?P<encryption>SSL encryption|no encryption|GSS encryption)$"#,
        needles: &["no pg_hba.conf entry for host"],
        reading: Text {
            en: "no pg_hba.conf line matches this client address, user, database and encryption",
            ja: "このクライアントアドレス、ユーザー、データベース、暗号化に一致する pg_hba.conf の行がありません",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", no encryption",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", SSL encryption",
        ],
        versions: Some(Versions::since(14)),
        ..BASE
    },
    Pattern {
        id: "no-hba-entry-ssl-on-off",
        code: Code::NoHbaEntry,
        origins: RELAYED,
        regex: r#"^no pg_hba\.conf entry for host "(?P<host>[^"]*)", user "(?P<user>[^"]*)", database "(?P<database>[^"]*)", (?P<encryption>SSL on|SSL off)$"#,
        needles: &["no pg_hba.conf entry for host"],
        reading: Text {
            en: "no pg_hba.conf line matches this client address, user, database and encryption (`SSL off`: the client did not use TLS)",
            ja: "このクライアントアドレス、ユーザー、データベース、暗号化に一致する pg_hba.conf の行がありません (`SSL off` はクライアントが TLS を使わなかったことを示します)",
        },
        examples: &[
            "2026-12-03 14:46:34.922 UTC [9845] FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", SSL off",
            "FATAL:  no pg_hba.conf entry for host \"127.0.0.1\", user \"kong\", database \"kong\", SSL on",
        ],
        versions: Some(Versions::range(12, 13)),
        ..BASE
    },
    Pattern {
        id: "hba-reject",
        code: Code::NoHbaEntry,
        origins: RELAYED,
        regex: r#"^pg_hba\.conf rejects connection for host "(?P<host>[^"]*)", user "(?P<user>[^"]*)", database "(?P<database>[^"]*)", (?P<encryption>SSL encryption|no encryption|GSS encryption|SSL on|SSL off)$"#,
        needles: &["pg_hba.conf rejects connection for host"],
        reading: Text {
            en: "a `reject` line of pg_hba.conf matched this connection before any line that would admit it",
            ja: "pg_hba.conf の `reject` 行が、この接続を許可する行より先に一致しました",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  pg_hba.conf rejects connection for host \"10.0.0.5\", user \"kong\", database \"kong\", SSL encryption"],
        ..BASE
    },
    Pattern {
        id: "no-hba-entry-ja",
        code: Code::NoHbaEntry,
        origins: RELAYED,
        regex: r#"^pg_hba\.conf にホスト"(?P<host>[^"]*)"、ユーザー"(?P<user>[^"]*)"、データベース"(?P<database>[^"]*?)"?, (?P<encryption>SSL暗号化|暗号化なし|GSS暗号化)用のエントリがありません$"#,
        needles: &["pg_hba.conf にホスト"],
        reading: Text {
            en: "no pg_hba.conf line matches this client address, user, database and encryption",
            ja: "このクライアントアドレス、ユーザー、データベース、暗号化に一致する pg_hba.conf の行がありません",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] FATAL:  pg_hba.conf にホスト\"127.0.0.1\"、ユーザー\"kong\"、データベース\"kong, 暗号化なし用のエントリがありません"],
        ..BASE
    },
    // ---- PGTLS017 password-auth-failed
    Pattern {
        id: "password-failed",
        code: Code::PasswordAuthFailed,
        origins: RELAYED,
        regex: r#"^(?:password authentication failed for user "(?P<user>[^"]*)"|ユーザー"(?P<user_ja>[^"]*)"のパスワード認証に失敗しました)$"#,
        needles: &["password authentication failed", "パスワード認証に失敗しました"],
        reading: Text {
            en: "the server refused the password (TLS itself worked)",
            ja: "サーバーがパスワードを拒否しました (TLS 自体は成功しています)",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  password authentication failed for user \"kong\"",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: FATAL: password authentication failed for user \"kong\"",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  ユーザー\"kong\"のパスワード認証に失敗しました",
        ],
        ..BASE
    },
    // ---- PGTLS018 trust-store-invalid
    Pattern {
        id: "kong-ca-locations",
        code: Code::TrustStoreInvalid,
        origins: KONG_NGINX,
        regex: r"(?:error loading CA locations \((?P<reason>[^)]*)\)|lua_ssl_trusted_certificate: failed loading certificate from (?P<file>\S+))",
        needles: &["error loading CA locations", "failed loading certificate from"],
        reading: Text {
            en: "Kong could not load lua_ssl_trusted_certificate",
            ja: "Kong は lua_ssl_trusted_certificate を読み込めませんでした",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: error loading CA locations (No such file or directory)"],
        ..BASE
    },
    Pattern {
        id: "libpq-client-key-permissions",
        code: Code::ClientKeyPermissions,
        origins: LIBPQ,
        regex: r#"^(?:private key file "(?P<file>[^"]*)" has group or world access|秘密鍵ファイル"(?P<file_ja>[^"]*)"はグループに対して、もしくは無制限にアクセスを許可しています)"#,
        needles: &["private key file", "もしくは無制限にアクセスを許可しています"],
        reading: Text {
            en: "libpq refused the client's own key file ({file}) for its permissions",
            ja: "libpq はクライアント自身の鍵ファイル ({file}) をパーミッションのため拒否しました",
        },
        examples: &[
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: private key file \"/etc/kong/client.key\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            "private key file \"/etc/kong/client.key\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            "psql: エラー: \"127.0.0.1\"、ポート5432のサーバーへの接続に失敗しました: 秘密鍵ファイル\"/etc/kong/client.key\"はグループに対して、もしくは無制限にアクセスを許可しています; ファイルのパーミッションは u=rw (0600) かそれよりも狭い必要があります、rootが所有している場合は  u=rw,g=r (0640) かそれよりも狭い必要があります",
        ],
        ..BASE
    },
    Pattern {
        id: "libpq-client-key-missing",
        code: Code::ClientKeyMissing,
        origins: LIBPQ,
        regex: r#"^(?:certificate present, but not private key file "(?P<file>[^"]*)"|証明書はありましたが、秘密鍵ファイル"(?P<file_ja>[^"]*)"はありませんでした)"#,
        needles: &["certificate present, but not private key file", "証明書はありましたが、秘密鍵ファイル"],
        reading: Text {
            en: "libpq found sslcert but not its key ({file})",
            ja: "libpq は sslcert を見つけましたが、その鍵 ({file}) がありません",
        },
        examples: &[
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: certificate present, but not private key file \"/root/.postgresql/postgresql.key\"",
            "psql: エラー: \"127.0.0.1\"、ポート5432のサーバーへの接続に失敗しました: 証明書はありましたが、秘密鍵ファイル\"/root/.postgresql/postgresql.key\"はありませんでした",
        ],
        ..BASE
    },
    Pattern {
        id: "libpq-root-missing",
        code: Code::TrustStoreInvalid,
        origins: LIBPQ,
        regex: r#"^(?:root certificate file "(?P<file>[^"]*)" does not exist|could not read root certificate file "(?P<file2>[^"]*)": (?P<reason>.*)|ルート証明書"(?P<file_ja>[^"]*)"を読み取れませんでした: (?P<reason_ja>.*))"#,
        needles: &["root certificate file", "ルート証明書"],
        reading: Text {
            en: "libpq could not read sslrootcert",
            ja: "libpq は sslrootcert を読み込めませんでした",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: root certificate file \"/root/.postgresql/root.crt\" does not exist"],
        ..BASE
    },
    Pattern {
        id: "server-root-load",
        code: Code::TrustStoreInvalid,
        origins: SERVER,
        regex: r#"^(?:could not load root certificate file "(?P<file>[^"]*)"|ルート証明書ファイル"(?P<file_ja>[^"]*)"をロードできませんでした): (?P<reason>.*)$"#,
        needles: &["could not load root certificate file", "ルート証明書ファイル"],
        reading: Text {
            en: "the server could not load ssl_ca_file",
            ja: "サーバーは ssl_ca_file を読み込めませんでした",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not load root certificate file \"root.crt\": No such file or directory"],
        ..BASE
    },
    // ---- PGTLS019 root-store-missing-for-cert-auth
    Pattern {
        id: "no-root-store",
        code: Code::RootStoreMissingForCertAuth,
        origins: RELAYED,
        regex: r"^(?:client certificates can only be checked if a root certificate store is available|クライアント証明書はルート証明書ストアが利用できる場合にのみ検証されます)$",
        needles: &["root certificate store is available", "ルート証明書ストアが利用できる場合"],
        reading: Text {
            en: "pg_hba.conf asks for client certificates but ssl_ca_file is not set",
            ja: "pg_hba.conf はクライアント証明書を要求していますが、ssl_ca_file が設定されていません",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  client certificates can only be checked if a root certificate store is available",
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  client certificates can only be checked if a root certificate store is available",
        ],
        ..BASE
    },
    // ---- PGTLS020 unreachable
    Pattern {
        id: "libpq-unreachable",
        code: Code::Unreachable,
        origins: LIBPQ,
        regex: r#"^(?:could not connect to server: )?(?P<reason>Connection refused|Connection timed out|No route to host|接続を拒否されました|timeout expired|タイムアウト期間が過ぎました)|^(?:could not translate host name "(?P<host>[^"]*)" to address|ホスト名"(?P<host_ja>[^"]*)"をアドレスに変換できませんでした): (?P<dns>.*)$"#,
        needles: &["Connection refused", "Connection timed out", "No route to host", "接続を拒否されました", "timeout expired", "タイムアウト期間が過ぎました", "could not translate host name", "をアドレスに変換できませんでした"],
        reading: Text {
            en: "libpq could not open a connection: nothing listens there, the packets are dropped, or the name does not resolve",
            ja: "libpq は接続を開けませんでした: 待ち受けがない、パケットが破棄されている、または名前が解決できません",
        },
        examples: &[
            "psql: error: connection to server at \"127.0.0.1\", port 5433 failed: Connection refused",
            "psql: error: could not translate host name \"db.invalid\" to address: Name or service not known",
        ],
        ..BASE
    },
    Pattern {
        id: "kong-unreachable",
        code: Code::Unreachable,
        origins: KONG,
        regex: r"^(?P<reason>connection refused|timeout|no route to host|\[cosocket\] DNS resolution failed.*|no resolver defined to resolve.*|failed to resolve.*)$",
        needles: &["connection refused", "timeout", "no route to host", "DNS resolution failed", "no resolver defined", "failed to resolve"],
        reading: Text {
            en: "Kong could not open a connection: nothing listens there (refused), the packets are dropped (timeout), or the name does not resolve",
            ja: "Kong は接続を開けませんでした: 待ち受けがない (refused)、パケットが破棄されている (timeout)、または名前が解決できません",
        },
        examples: &[
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: connection refused",
            "Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: timeout",
        ],
        ..BASE
    },
    // ---- PGTLS022 weak-crypto
    Pattern {
        id: "server-cert-too-weak",
        code: Code::WeakCrypto,
        origins: SERVER,
        regex: r#"^(?:could not load server certificate file "(?P<file>[^"]*)"|サーバー証明書ファイル"(?P<file_ja>[^"]*)"をロードできませんでした): (?P<reason>ee key too small|ca key too small|ca md too weak|ee md too weak)$"#,
        needles: &["key too small", "md too weak"],
        reading: Text {
            en: "the server refused its own certificate: its key or signature is below the server's OpenSSL security level",
            ja: "サーバーは自身の証明書を拒否しました: 鍵または署名がサーバーの OpenSSL セキュリティレベルを下回っています",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] FATAL:  could not load server certificate file \"server.crt\": ee key too small",
            "2026-11-28 16:02:11.123 JST [4242] FATAL:  サーバー証明書ファイル\"server.crt\"をロードできませんでした: ee key too small",
        ],
        ..BASE
    },
    Pattern {
        id: "weak-reason",
        code: Code::WeakCrypto,
        origins: &[Origin::Server, Origin::Libpq, Origin::KongLuasec],
        regex: r"^(?:could not accept SSL connection: |SSL接続を受け付けられませんでした: |SSL error: |SSLエラー: )?(?P<reason>legacy sigalg disallowed or unsupported|ee key too small|ca key too small|ca md too weak|ee md too weak)$",
        needles: &["sigalg disallowed or unsupported", "key too small", "md too weak"],
        reading: Text {
            en: "a certificate's key or signature is below one side's OpenSSL security level",
            ja: "証明書の鍵または署名が一方の OpenSSL セキュリティレベルを下回っています",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: legacy sigalg disallowed or unsupported"],
        ..BASE
    },
    Pattern {
        id: "cosocket-verify-weak",
        code: Code::WeakCrypto,
        origins: COSOCKET_NGINX,
        regex: r"^(?:lua ssl certificate verify error: \()?(?P<verify_code>66|67|68): (?P<verify_text>EE certificate key too weak|CA certificate key too weak|CA signature digest algorithm too weak)\)?$",
        needles: &["too weak"],
        reading: Text {
            en: "Kong rejected the server's chain: a key or signature is below its OpenSSL security level",
            ja: "Kong はサーバーのチェーンを拒否しました: 鍵または署名が OpenSSL セキュリティレベルを下回っています",
        },
        examples: &["Error: [PostgreSQL error] failed to retrieve PostgreSQL server_version_num: 68: CA signature digest algorithm too weak"],
        ..BASE
    },
    // ---- PGTLS031 connection-closed-by-peer
    Pattern {
        id: "libpq-server-closed",
        code: Code::ConnectionClosedByPeer,
        alternatives: &[Code::ServerRejectsClientCert, Code::PeerProtocolViolation],
        origins: LIBPQ,
        regex: r"^(?:server closed the connection unexpectedly|サーバーとの接続が想定外にクローズされました)$",
        needles: &["server closed the connection unexpectedly", "サーバーとの接続が想定外にクローズされました"],
        reading: Text {
            en: "libpq saw the connection end (closed or reset) before any answer: the reason is in the server's log, or a proxy's",
            ja: "libpq は応答の前に接続が切れる (クローズまたはリセット) のを見ました: 理由はサーバー (またはプロキシ) のログにあります",
        },
        examples: &[
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: server closed the connection unexpectedly",
            "psql: エラー: \"127.0.0.1\"、ポート5432のサーバーへの接続に失敗しました: サーバーとの接続が想定外にクローズされました",
        ],
        ..BASE
    },
    Pattern {
        id: "libpq-ssl-syscall",
        code: Code::ConnectionClosedByPeer,
        alternatives: &[Code::ServerRejectsClientCert, Code::PeerProtocolViolation],
        origins: LIBPQ,
        regex: r"^(?:SSL SYSCALL error|SSL SYSCALLエラー): (?P<reason>EOF detected|EOFを検知|Connection reset by peer|接続が相手からリセットされました)$",
        needles: &["SSL SYSCALL"],
        reading: Text {
            en: "libpq saw the TLS connection end without an alert ({reason}): the reason is in the server's log, or a proxy's",
            ja: "libpq はアラートなしで TLS 接続が切れるのを見ました ({reason}): 理由はサーバー (またはプロキシ) のログにあります",
        },
        examples: &[
            "psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL SYSCALL error: EOF detected",
            "psql: エラー: \"127.0.0.1\"、ポート5432のサーバーへの接続に失敗しました: SSL SYSCALLエラー: EOFを検知",
            "SSL SYSCALL error: Connection reset by peer",
        ],
        ..BASE
    },
    Pattern {
        id: "client-unexpected-eof",
        code: Code::ConnectionClosedByPeer,
        alternatives: &[Code::ServerRejectsClientCert, Code::PeerProtocolViolation],
        origins: REASON_CLIENTS,
        regex: r"^(?:SSL error: |SSLエラー: )?unexpected eof while reading$",
        needles: &["unexpected eof while reading"],
        reading: Text {
            en: "OpenSSL 3 saw the peer close the TLS connection without close_notify: the reason is in the server's log, or a proxy's",
            ja: "OpenSSL 3 は相手が close_notify なしで TLS 接続を閉じるのを見ました: 理由はサーバー (またはプロキシ) のログにあります",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 5432 failed: SSL error: unexpected eof while reading"],
        ..BASE
    },
    Pattern {
        id: "nginx-unexpected-eof",
        code: Code::ConnectionClosedByPeer,
        alternatives: &[Code::ServerRejectsClientCert, Code::PeerProtocolViolation],
        origins: NGINX,
        regex: r"SSL_(?:read|do_handshake)\(\) failed \(SSL: error:0A000126:SSL routines::unexpected eof while reading\)",
        needles: &["unexpected eof while reading"],
        reading: Text {
            en: "the upstream closed the TLS connection without close_notify: the reason is in the server's log, or a proxy's",
            ja: "上流が close_notify なしで TLS 接続を閉じました: 理由はサーバー (またはプロキシ) のログにあります",
        },
        examples: &["2026/11/28 16:02:11 [error] 4242#0: *3 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading), context: ngx.timer"],
        ..BASE
    },
    Pattern {
        id: "libpq-startup-reset",
        code: Code::ConnectionClosedByPeer,
        alternatives: &[Code::ServerRejectsClientCert, Code::ClientCertExpired],
        origins: LIBPQ,
        regex: r"^could not send startup packet: (?P<reason>Connection reset by peer|Broken pipe)$",
        needles: &["could not send startup packet"],
        reading: Text {
            en: "libpq 12 to 14 could not send its start-up packet because the server had already reset the connection ({reason}); over TLS 1.3 this follows a client certificate the server rejected after the handshake (the line before it, or the server's log, names why)",
            ja: "libpq 12 から 14 は、サーバーがすでに接続をリセットしていたため起動パケットを送れませんでした ({reason})。TLS 1.3 では、ハンドシェイク後にサーバーがクライアント証明書を拒否したときにこの行が出ます (直前の行またはサーバーのログに理由があります)",
        },
        examples: &["could not send startup packet: Connection reset by peer"],
        versions: Some(Versions::range(12, 14)),
        ..BASE
    },
    // ---- PGTLS033 hba-file-refused
    Pattern {
        id: "hba-invalid-clientcert",
        code: Code::HbaFileRefused,
        origins: SERVER,
        regex: r#"^invalid value for clientcert: "(?P<clientcert>[^"]*)"$"#,
        needles: &["invalid value for clientcert"],
        reading: Text {
            en: "the server refuses clientcert={clientcert} in pg_hba.conf (1, 0 and no-verify are accepted up to PostgreSQL 13 and refused from 14 on); it then refuses the whole file",
            ja: "サーバーは pg_hba.conf の clientcert={clientcert} を拒否します (1、0、no-verify は PostgreSQL 13 まで受け付けられ、14 以降は拒否されます)。その後ファイル全体を拒否します",
        },
        examples: &["2026-12-03 14:54:39.978 UTC [30656] LOG:  invalid value for clientcert: \"1\""],
        versions: Some(Versions::since(14)),
        ..BASE
    },
    Pattern {
        id: "hba-not-loaded",
        code: Code::HbaFileRefused,
        origins: SERVER,
        regex: r"^could not load (?P<hba_file>pg_hba\.conf|/\S*pg_hba\.conf)$",
        needles: &["could not load pg_hba.conf", "could not load /"],
        reading: Text {
            en: "the server refused {hba_file} (a line it cannot read, named by the lines before) and does not start",
            ja: "サーバーは {hba_file} を拒否し (読めない行があり、その前の行が示します)、起動しません",
        },
        examples: &[
            "2026-12-03 14:54:39.978 UTC [30656] FATAL:  could not load pg_hba.conf",
            "2026-12-03 14:57:02.330 UTC [2685] FATAL:  could not load /tmp/pgtls-lab-owJxah/data/pg_hba.conf",
        ],
        ..BASE
    },
    Pattern {
        id: "hba-unknown-option",
        code: Code::HbaFileRefused,
        origins: SERVER,
        regex: r#"^unrecognized authentication option name: "(?P<option>[^"]*)"$"#,
        needles: &["unrecognized authentication option name"],
        reading: Text {
            en: "the server does not know the pg_hba.conf option {option} (clientname came with PostgreSQL 14); it then refuses the whole file",
            ja: "サーバーは pg_hba.conf のオプション {option} を知りません (clientname は PostgreSQL 14 で追加)。その後ファイル全体を拒否します",
        },
        examples: &["2026-12-03 15:40:02.117 UTC [30125] LOG:  unrecognized authentication option name: \"clientname\""],
        ..BASE
    },
    Pattern {
        id: "hba-include-record",
        code: Code::HbaFileRefused,
        origins: SERVER,
        regex: r#"^(?:invalid connection type|接続オプションタイプ) "(?P<record>include|include_if_exists|include_dir)"(?: は不正です)?$"#,
        needles: &["invalid connection type \"include", "接続オプションタイプ \"include"],
        reading: Text {
            en: "the server does not know pg_hba.conf's {record} records (they came with PostgreSQL 16; 12 to 15 read the line as a connection type); it then refuses the whole file",
            ja: "サーバーは pg_hba.conf の {record} 行を知りません (PostgreSQL 16 で追加。12 から 15 はこの行を接続タイプとして読みます)。その後ファイル全体を拒否します",
        },
        examples: &[
            "2026-12-03 16:57:20.113 UTC [5120] LOG:  invalid connection type \"include\"",
            "2026-12-03 17:49:05.155 UTC [14429] LOG:  接続オプションタイプ \"include_dir\" は不正です",
        ],
        versions: Some(Versions::range(12, 15)),
        ..BASE
    },
    Pattern {
        id: "hba-not-reloaded",
        code: Code::HbaFileRefused,
        origins: SERVER,
        regex: r"^pg_hba\.conf was not reloaded$",
        needles: &["pg_hba.conf was not reloaded"],
        reading: Text {
            en: "on reload the server refused pg_hba.conf and keeps its old rules until the file is fixed",
            ja: "再読み込みでサーバーは pg_hba.conf を拒否し、ファイルが直るまで古い規則を使い続けます",
        },
        examples: &["2026-12-03 14:54:39.978 UTC [30656] LOG:  pg_hba.conf was not reloaded"],
        ..BASE
    },
    // ---- PGTLS034 libpq-too-old
    Pattern {
        id: "libpq-invalid-option",
        code: Code::LibpqTooOld,
        origins: LIBPQ,
        regex: r#"^(?:invalid connection option|無効な接続オプション) ?"(?P<option>[^"]*)"$"#,
        needles: &["invalid connection option", "無効な接続オプション"],
        reading: Text {
            en: "this libpq does not know the connection option {option} and refuses to connect: the option came with a later libpq (or it is misspelled)",
            ja: "この libpq は接続オプション {option} を知らないため接続を拒否します: そのオプションはより新しい libpq で追加されたものです (または綴りの誤りです)",
        },
        examples: &["invalid connection option \"ssl_min_protocol_version\""],
        ..BASE
    },
    // ---- PGTLS036 client-auth-requirement-unmet
    Pattern {
        id: "libpq-require-auth",
        code: Code::ClientAuthRequirementUnmet,
        origins: LIBPQ,
        regex: r#"^authentication method requirement "(?P<require_auth>[^"]*)" failed: (?P<reason>server requested SASL authentication|server requested a cleartext password|server requested a hashed password|server did not complete authentication|server requested GSSAPI authentication|server requested SSPI authentication|.+)$"#,
        needles: &["authentication method requirement"],
        reading: Text {
            en: "libpq's require_auth={require_auth} refused what the server did: {reason}",
            ja: "libpq の require_auth={require_auth} が、サーバーの動作を拒否しました: {reason}",
        },
        examples: &[
            "psql: error: connection to server at \"localhost\" (127.0.0.1), port 54016 failed: authentication method requirement \"scram-sha-256\" failed: server did not complete authentication",
            "psql: error: connection to server at \"localhost\" (127.0.0.1), port 54016 failed: authentication method requirement \"password\" failed: server requested SASL authentication",
        ],
        versions: Some(Versions::since(16)),
        ..BASE
    },
    Pattern {
        id: "libpq-certificate-not-requested",
        code: Code::ClientAuthRequirementUnmet,
        origins: LIBPQ,
        regex: r"^server did not request an SSL certificate$",
        needles: &["server did not request an SSL certificate"],
        reading: Text {
            en: "libpq's sslcertmode=require: the server did not ask for a client certificate, so the client gave up",
            ja: "libpq の sslcertmode=require: サーバーがクライアント証明書を求めなかったため、クライアントは中止しました",
        },
        examples: &["psql: error: connection to server at \"localhost\" (127.0.0.1), port 54016 failed: server did not request an SSL certificate"],
        versions: Some(Versions::since(16)),
        ..BASE
    },
    // ---- pgbouncer (040 and up, and the earlier codes on either of its legs)
    Pattern {
        id: "pgbouncer-ssl-required",
        code: Code::PoolerClientTlsRequired,
        origins: PGBOUNCER,
        leg: Some(Leg::Client),
        regex: r"^closing because: SSL required \(age=\d+s\)$",
        needles: &["SSL required"],
        reading: Text {
            en: "pgbouncer closed a client that did not use TLS: its client_tls_sslmode requires it",
            ja: "pgbouncer は TLS を使わなかったクライアントを切断しました: client_tls_sslmode が TLS を要求しています",
        },
        examples: &["2026-12-03 14:46:50.349 UTC [10515] LOG C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 closing because: SSL required (age=0s)"],
        ..BASE
    },
    Pattern {
        id: "client-ssl-required",
        code: Code::PoolerClientTlsRequired,
        origins: FATAL_CLIENTS,
        leg: Some(Leg::Client),
        regex: r"^SSL required$",
        needles: &["SSL required"],
        reading: Text {
            en: "`SSL required` is pgbouncer's own FATAL (PostgreSQL has no such message): a pgbouncer that requires TLS answered, and the client connected without TLS",
            ja: "`SSL required` は pgbouncer 独自の FATAL です (PostgreSQL にはこのメッセージはありません): TLS を要求する pgbouncer が応答し、クライアントは TLS なしで接続しました",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 33575 failed: FATAL:  SSL required"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-query-wait-timeout",
        code: Code::PoolerQueryWaitTimeout,
        origins: PGBOUNCER,
        leg: Some(Leg::Server),
        regex: r"^closing because: query_wait_timeout \(age=\d+s\)$",
        needles: &["query_wait_timeout"],
        reading: Text {
            en: "pgbouncer gave up on a client after query_wait_timeout: no connection to PostgreSQL could be made for it",
            ja: "pgbouncer は query_wait_timeout 後にクライアントを諦めました: そのための PostgreSQL への接続を確立できませんでした",
        },
        examples: &["2026-12-03 14:46:56.693 UTC [10690] LOG C-0x5632ebd73590: kong/kong@127.0.0.1:48466 closing because: query_wait_timeout (age=3s)"],
        ..BASE
    },
    Pattern {
        id: "client-query-wait-timeout",
        code: Code::PoolerQueryWaitTimeout,
        origins: FATAL_CLIENTS,
        leg: Some(Leg::Server),
        regex: r"^query_wait_timeout$",
        needles: &["query_wait_timeout"],
        reading: Text {
            en: "`query_wait_timeout` is pgbouncer's own FATAL: the client reached pgbouncer, but pgbouncer could not connect to PostgreSQL in time",
            ja: "`query_wait_timeout` は pgbouncer 独自の FATAL です: クライアントは pgbouncer に到達しましたが、pgbouncer は時間内に PostgreSQL へ接続できませんでした",
        },
        examples: &["psql: error: connection to server at \"localhost\" (127.0.0.1), port 33637 failed: FATAL:  query_wait_timeout"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-verify-failed-server-leg",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::ServerCertExpired, Code::HostnameMismatch, Code::IncompleteChain],
        origins: PGBOUNCER,
        leg: Some(Leg::Server),
        regex: pgbouncer_handshake!("certificate verify failed"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "pgbouncer rejected PostgreSQL's certificate on the server's leg: server_tls_ca_file does not hold the CA that signed it (or, with verify-full, the host in [databases] is not a name the certificate carries)",
            ja: "pgbouncer はサーバー側の区間で PostgreSQL の証明書を拒否しました: server_tls_ca_file がその証明書に署名した CA を含んでいません (verify-full では [databases] のホストが証明書の名前にない場合も)",
        },
        examples: &["2026-12-03 14:46:53.397 UTC [10690] WARNING TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-verify-failed-client-leg",
        code: Code::ServerRejectsClientCert,
        alternatives: &[Code::ClientCertExpired],
        origins: PGBOUNCER,
        leg: Some(Leg::Client),
        regex: pgbouncer_handshake!("certificate verify failed"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "pgbouncer rejected the client's certificate on the client's leg: client_tls_ca_file does not hold the CA that signed it",
            ja: "pgbouncer はクライアント側の区間でクライアントの証明書を拒否しました: client_tls_ca_file がその証明書に署名した CA を含んでいません",
        },
        examples: &["2026-12-03 14:46:48.220 UTC [10443] WARNING TLS handshake error: handshake failed: error:0A000086:SSL routines::certificate verify failed"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-unknown-ca-client-leg",
        code: Code::ClientRejectsServerCert,
        alternatives: &[Code::IncompleteChain],
        origins: PGBOUNCER,
        leg: Some(Leg::Client),
        regex: pgbouncer_handshake!("tlsv1 alert unknown ca|sslv3 alert bad certificate|tlsv1 alert bad certificate|sslv3 alert certificate unknown|tlsv1 alert certificate unknown"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "the client rejected pgbouncer's certificate on the client's leg (the alert came from the client): the client's trust store lacks the CA of client_tls_cert_file",
            ja: "クライアントはクライアント側の区間で pgbouncer の証明書を拒否しました (アラートはクライアントから): クライアントの信頼ストアに client_tls_cert_file の CA がありません",
        },
        examples: &["2026-12-03 14:46:50.325 UTC [10512] WARNING TLS handshake error: handshake failed: error:0A000418:SSL routines::tlsv1 alert unknown ca"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-unknown-ca-server-leg",
        code: Code::ServerRejectsClientCert,
        origins: PGBOUNCER,
        leg: Some(Leg::Server),
        regex: pgbouncer_handshake!("tlsv1 alert unknown ca|sslv3 alert bad certificate|tlsv1 alert bad certificate|sslv3 alert certificate unknown|tlsv1 alert certificate unknown"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "PostgreSQL rejected pgbouncer's certificate on the server's leg (the alert came from PostgreSQL): server_tls_cert_file is not signed by a CA in PostgreSQL's ssl_ca_file",
            ja: "PostgreSQL はサーバー側の区間で pgbouncer の証明書を拒否しました (アラートは PostgreSQL から): server_tls_cert_file が PostgreSQL の ssl_ca_file にある CA で署名されていません",
        },
        examples: &["2026-12-03 14:55:21.625 UTC [32702] WARNING TLS handshake error: handshake failed: error:0A000418:SSL routines::tlsv1 alert unknown ca"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-no-client-cert",
        code: Code::ClientCertRequired,
        origins: PGBOUNCER,
        leg: Some(Leg::Client),
        regex: pgbouncer_handshake!("peer did not return a certificate"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "pgbouncer requires a client certificate on the client's leg (client_tls_sslmode = verify-ca or verify-full) and the client sent none",
            ja: "pgbouncer はクライアント側の区間でクライアント証明書を要求しています (client_tls_sslmode = verify-ca または verify-full) が、クライアントは送りませんでした",
        },
        examples: &["2026-12-03 14:46:47.606 UTC [10322] WARNING TLS handshake error: handshake failed: error:0A0000C7:SSL routines::peer did not return a certificate"],
        ..BASE
    },
    Pattern {
        id: "client-alert-certificate-required",
        code: Code::ClientCertRequired,
        origins: REASON_CLIENTS,
        leg: Some(Leg::Client),
        regex: r"^(?:SSL error: |SSLエラー: )?tlsv13 alert certificate required$",
        needles: &["alert certificate required"],
        reading: Text {
            en: "the server demanded a certificate inside the TLS 1.3 handshake: PostgreSQL never does (it asks, then refuses with a FATAL), so a TLS terminator such as pgbouncer with client_tls_sslmode = verify-ca/verify-full answered",
            ja: "サーバーが TLS 1.3 のハンドシェイク内で証明書を必須としました: PostgreSQL はそうしません (要求した後に FATAL で拒否します)。client_tls_sslmode = verify-ca/verify-full の pgbouncer などの TLS 終端が応答しています",
        },
        examples: &["psql: error: connection to server at \"127.0.0.1\", port 43193 failed: SSL error: tlsv13 alert certificate required"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-handshake-protocol",
        code: Code::ProtocolVersionMismatch,
        origins: PGBOUNCER,
        regex: pgbouncer_handshake!("unsupported protocol|wrong version number|no protocols available|tlsv1 alert protocol version|version too low|version too high"),
        needles: &["TLS handshake error"],
        reading: Text {
            en: "pgbouncer's handshake failed on the TLS version: client_tls_protocols (client's leg) or server_tls_protocols (server's leg) shares no version with the other end",
            ja: "pgbouncer のハンドシェイクが TLS バージョンで失敗しました: client_tls_protocols (クライアント側の区間) または server_tls_protocols (サーバー側の区間) が相手と共通のバージョンを持っていません",
        },
        examples: &["2026-12-03 14:55:19.264 UTC [32475] WARNING TLS handshake error: handshake failed: error:0A000102:SSL routines::unsupported protocol"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-tls-cert-load",
        code: Code::ServerCertMissing,
        origins: PGBOUNCER,
        leg: Some(Leg::Client),
        regex: r#"^(?:TLS setup failed: failed to load certificate file "(?P<file>[^"]*)": (?P<reason>.*)|To allow TLS connections from clients, client_tls_key_file and client_tls_cert_file must be set\.)$"#,
        needles: &["TLS setup failed", "client_tls_key_file and client_tls_cert_file must be set"],
        reading: Text {
            en: "pgbouncer cannot load client_tls_cert_file (or it is not set while client_tls_sslmode asks for TLS), so it does not start",
            ja: "pgbouncer は client_tls_cert_file を読み込めない (または client_tls_sslmode が TLS を求めているのに設定されていない) ため、起動しません",
        },
        examples: &["2026-12-03 14:47:06.343 UTC [11054] ERROR TLS setup failed: failed to load certificate file \"/tmp/pgbx/pgb/nope.crt\": (null)"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-tls-key-mismatch",
        code: Code::KeyCertMismatch,
        origins: PGBOUNCER,
        regex: r#"^TLS (?:setup failed|connect error): failed to load private key file "(?P<file>[^"]*)": key values mismatch$"#,
        needles: &["TLS setup failed", "TLS connect error"],
        reading: Text {
            en: "pgbouncer's key file is not the key of its certificate (client_tls_key_file for client_tls_cert_file at start-up; server_tls_key_file for server_tls_cert_file when it connects to PostgreSQL)",
            ja: "pgbouncer の鍵ファイルが証明書の鍵ではありません (起動時は client_tls_cert_file に対する client_tls_key_file、PostgreSQL への接続時は server_tls_cert_file に対する server_tls_key_file)",
        },
        examples: &["2026-12-03 14:48:10.903 UTC [13060] ERROR TLS setup failed: failed to load private key file \"/tmp/pgtls-lab-pgbouncer-PZhfem/client_tls.key\": key values mismatch"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-tls-key-load",
        code: Code::ServerKeyMissing,
        origins: PGBOUNCER,
        regex: r#"^TLS (?:setup failed|connect error): failed to load private key file "(?P<file>[^"]*)": (?P<reason>.*)$"#,
        needles: &["TLS setup failed", "TLS connect error"],
        fallback: true,
        reading: Text {
            en: "pgbouncer cannot read its private key file (missing, or not readable by pgbouncer's account)",
            ja: "pgbouncer が秘密鍵ファイルを読めません (存在しないか、pgbouncer のアカウントで読めません)",
        },
        examples: &["2026-12-03 14:47:06.373 UTC [11062] ERROR TLS setup failed: failed to load private key file \"/tmp/pgbx/pgb/nope.key\": (null)"],
        ..BASE
    },
    Pattern {
        id: "pgbouncer-tls-ca-load",
        code: Code::TrustStoreInvalid,
        origins: PGBOUNCER,
        regex: r"^TLS (?:setup failed|connect error): failed to load CA: (?P<reason>.*)$",
        needles: &["TLS setup failed", "TLS connect error"],
        reading: Text {
            en: "pgbouncer cannot load its CA file: client_tls_ca_file at start-up, server_tls_ca_file when it connects to PostgreSQL",
            ja: "pgbouncer が CA ファイルを読み込めません: 起動時は client_tls_ca_file、PostgreSQL への接続時は server_tls_ca_file",
        },
        examples: &["2026-12-03 14:47:32.657 UTC [11544] WARNING TLS connect error: failed to load CA: (null)"],
        ..BASE
    },
];

/// The kind of line that continues a message (it adds evidence to the
/// message before it from the same process, never a finding of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Continuation {
    Hint,
    Detail,
    Context,
}

/// A HINT/DETAIL/CONTEXT text whose facts matter.
#[derive(Debug)]
pub struct ContinuationPattern {
    pub id: &'static str,
    pub kind: Continuation,
    pub origins: &'static [Origin],
    pub regex: &'static str,
    pub needles: &'static [&'static str],
    /// The diagnosis this line alone identifies, when pasted on its own.
    pub implies: Option<Code>,
    pub reading: Text,
    pub examples: &'static [&'static str],
    /// Codes this line turns the message it continues into: `(from, to)`
    /// makes a `from` reading of the message a `to` finding (with `from` as
    /// an alternative), because the continuation tells which cause it was.
    pub refines: &'static [(Code, Code)],
    /// Which versions print this shape, where that is known to differ.
    pub versions: Option<Versions>,
}

const CONT_BASE: ContinuationPattern = ContinuationPattern {
    id: "",
    kind: Continuation::Hint,
    origins: &[],
    regex: "",
    needles: &[],
    implies: None,
    reading: Text { en: "", ja: "" },
    examples: &[],
    refines: &[],
    versions: None,
};

pub static CONTINUATIONS: &[ContinuationPattern] = &[
    ContinuationPattern {
        id: "hint-server-protocol-range",
        kind: Continuation::Hint,
        origins: SERVER,
        regex: r"^This may indicate that the client does not support any SSL protocol version between (?P<server_min>\S+) and (?P<server_max>\S+?)\.$",
        needles: &["does not support any SSL protocol version"],
        implies: Some(Code::ProtocolVersionMismatch),
        reading: Text {
            en: "the server allows TLS versions from {server_min} to {server_max}",
            ja: "サーバーが許可する TLS バージョンは {server_min} から {server_max} までです",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.2 and TLSv1.3.",
            "HINT:  This may indicate that the client does not support any SSL protocol version between TLSv1.1 and TLSv1.1.",
        ],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "hint-server-protocol-range-ja",
        kind: Continuation::Hint,
        origins: SERVER,
        regex: r"^このことは、クライアントがSSLプロトコルのバージョン(?P<server_min>\S+?)から(?P<server_max>\S+?)のいずれもサポートしていないことを示唆しているかもしれません。$",
        needles: &["のいずれもサポートしていないことを示唆"],
        implies: Some(Code::ProtocolVersionMismatch),
        reading: Text {
            en: "the server allows TLS versions from {server_min} to {server_max}",
            ja: "サーバーが許可する TLS バージョンは {server_min} から {server_max} までです",
        },
        examples: &["2026-11-28 16:02:11.123 JST [4242] ヒント:  このことは、クライアントがSSLプロトコルのバージョンTLSv1.3からTLSv1.3のいずれもサポートしていないことを示唆しているかもしれません。"],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "hint-client-protocol-range",
        kind: Continuation::Hint,
        origins: LIBPQ,
        regex: r"^(?:This may indicate that the server does not support any SSL protocol version between (?P<client_min>\S+) and (?P<client_max>\S+?)\.|このことは、クライアントがSSLプロトコルのバージョン(?P<client_min_ja>\S+?)から(?P<client_max_ja>\S+?)の間のいずれもサポートしていないことを示唆しているかもしれません。)$",
        needles: &["server does not support any SSL protocol version", "の間のいずれもサポートしていない"],
        implies: Some(Code::ProtocolVersionMismatch),
        reading: Text {
            en: "the client (libpq) allows TLS versions from {client_min} to {client_max}",
            ja: "クライアント (libpq) が許可する TLS バージョンは {client_min} から {client_max} までです",
        },
        examples: &["This may indicate that the server does not support any SSL protocol version between TLSv1.2 and TLSv1.2."],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "detail-key-permissions",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r"^(?:File must have permissions u=rw \(0600\) or less if owned by the database user, or permissions u=rw,g=r \(0640\) or less if owned by root\.|ファイルはデータベースユーザーの所有の場合は u=rw \(0600\) かそれよりも低いパーミッション、root所有の場合は +u=rw,g=r \(0640\) かそれよりも低いパーミッションである必要があります)$",
        needles: &["File must have permissions", "かそれよりも低いパーミッション"],
        implies: Some(Code::ServerKeyPermissions),
        reading: Text {
            en: "PostgreSQL's rule: 0600 or less when owned by the database user, 0640 or less when owned by root",
            ja: "PostgreSQL の規則: データベースユーザー所有なら 0600 以下、root 所有なら 0640 以下",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] DETAIL:  File must have permissions u=rw (0600) or less if owned by the database user, or permissions u=rw,g=r (0640) or less if owned by root."],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "detail-range-empty",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r#"^(?:"(?P<setting_low>[^"]+)" cannot be higher than "(?P<setting_high>[^"]+)"|"(?P<setting_low_ja>[^"]+)"は"(?P<setting_high_ja>[^"]+)"より大きくできません)$"#,
        needles: &["cannot be higher than", "より大きくできません"],
        implies: Some(Code::ProtocolVersionMismatch),
        reading: Text {
            en: "{setting_low} is above {setting_high} in postgresql.conf",
            ja: "postgresql.conf で {setting_low} が {setting_high} より上になっています",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] DETAIL:  \"ssl_min_protocol_version\" cannot be higher than \"ssl_max_protocol_version\""],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "hint-ssl-on",
        kind: Continuation::Hint,
        origins: SERVER,
        regex: r"^(?:Set ssl = on in postgresql\.conf\.|postgresql\.confで ssl = on に設定してください。)$",
        needles: &["ssl = on"],
        implies: Some(Code::ServerSslDisabled),
        reading: Text {
            en: "the server says: set ssl = on in postgresql.conf",
            ja: "サーバーの指示: postgresql.conf で ssl = on に設定してください",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] HINT:  Set ssl = on in postgresql.conf."],
        versions: Some(Versions::range(12, 16)),
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "hint-ssl-on-quoted",
        kind: Continuation::Hint,
        origins: SERVER,
        regex: r#"^Set "ssl = on" in postgresql\.conf\.$"#,
        needles: &["ssl = on"],
        implies: Some(Code::ServerSslDisabled),
        reading: Text {
            en: "the server says: set ssl = on in postgresql.conf",
            ja: "サーバーの指示: postgresql.conf で ssl = on に設定してください",
        },
        examples: &["2026-12-03 14:53:02.117 UTC [30125] HINT:  Set \"ssl = on\" in postgresql.conf."],
        versions: Some(Versions::since(17)),
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "detail-hba-line",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r#"^(?:Connection matched pg_hba\.conf line (?P<hba_line>\d+): "(?P<hba_text>.*)"|接続はpg_hba\.confの行(?P<hba_line_ja>\d+)に一致しました: "(?P<hba_text_ja>.*)")$"#,
        needles: &["Connection matched pg_hba.conf line", "接続はpg_hba.confの行"],
        implies: None,
        reading: Text {
            en: "the connection matched pg_hba.conf line {hba_line}: {hba_text}",
            ja: "接続は pg_hba.conf の {hba_line} 行目に一致しました: {hba_text}",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] DETAIL:  Connection matched pg_hba.conf line 2: \"hostssl all all 127.0.0.1/32 cert\""],
        versions: Some(Versions::range(12, 15)),
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "detail-hba-file-line",
        kind: Continuation::Detail,
        origins: SERVER,
        // Not the bare file name as its needle: every `connection
        // authenticated: ... (.../pg_hba.conf:12)` line holds that.
        regex: r#"^Connection matched file "(?P<hba_file>[^"]*)" line (?P<hba_line>\d+): "(?P<hba_text>.*)"$"#,
        needles: &["Connection matched file"],
        implies: None,
        reading: Text {
            en: "the connection matched line {hba_line} of {hba_file}: {hba_text}",
            ja: "接続は {hba_file} の {hba_line} 行目に一致しました: {hba_text}",
        },
        examples: &["2026-12-03 14:53:35.262 UTC [31370] DETAIL:  Connection matched file \"/var/lib/postgresql/16/main/pg_hba.conf\" line 2: \"hostssl all all 127.0.0.1/32 cert\""],
        versions: Some(Versions::since(16)),
        ..CONT_BASE
    },
    // PostgreSQL 16 and later say why they rejected a client certificate;
    // the expiry reading comes first because the general one matches it too.
    ContinuationPattern {
        id: "detail-client-cert-expired",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r"^Client certificate verification failed at depth (?P<depth>\d+): (?P<verify_reason>certificate has expired|certificate is not yet valid)\.$",
        needles: &["Client certificate verification failed"],
        implies: Some(Code::ClientCertExpired),
        reading: Text {
            en: "the server rejected the client's certificate (depth {depth}) because {verify_reason}",
            ja: "サーバーはクライアント証明書 (深さ {depth}) を拒否しました。理由: {verify_reason}",
        },
        examples: &["2026-12-03 14:53:40.101 UTC [31512] DETAIL:  Client certificate verification failed at depth 0: certificate has expired."],
        refines: &[(Code::ServerRejectsClientCert, Code::ClientCertExpired)],
        versions: Some(Versions::since(16)),
    },
    ContinuationPattern {
        id: "detail-client-cert-verify",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r"^Client certificate verification failed at depth (?P<depth>\d+): (?P<verify_reason>.+?)\.?$",
        needles: &["Client certificate verification failed"],
        implies: Some(Code::ServerRejectsClientCert),
        reading: Text {
            en: "the server rejected the client's certificate (depth {depth}): {verify_reason}",
            ja: "サーバーはクライアント証明書 (深さ {depth}) を拒否しました: {verify_reason}",
        },
        examples: &["2026-12-03 14:53:34.380 UTC [31331] DETAIL:  Client certificate verification failed at depth 0: unable to get local issuer certificate."],
        versions: Some(Versions::since(16)),
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "context-config-line",
        kind: Continuation::Context,
        origins: SERVER,
        regex: r#"^(?:line (?P<config_line>\d+) of configuration file "(?P<config_file>[^"]*)"|設定ファイル ?"(?P<config_file_ja>[^"]*)" ?の ?(?P<config_line_ja>\d+) ?行目)$"#,
        needles: &["of configuration file", "設定ファイル"],
        implies: None,
        reading: Text {
            en: "at line {config_line} of {config_file}",
            ja: "{config_file} の {config_line} 行目",
        },
        examples: &[
            "2026-11-28 16:02:11.123 UTC [4242] CONTEXT:  line 3 of configuration file \"/var/lib/postgresql/15/main/pg_hba.conf\"",
            "2026-11-28 16:02:11.123 JST [4242] 文脈:  設定ファイル \"/var/lib/postgresql/15/main/pg_hba.conf\" の 2 行目",
        ],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "detail-password",
        kind: Continuation::Detail,
        origins: SERVER,
        regex: r#"^(?:Password does not match for user "(?P<user>[^"]*)"\.|User "(?P<user_nopw>[^"]*)" has no password assigned\.|(?:User|Role) "(?P<user_missing>[^"]*)" does not exist\.|ロール"(?P<user_missing_ja>[^"]*)"は存在しません。|ユーザー"(?P<user_ja>[^"]*)"のパスワードが合致しません。|ユーザー"(?P<user_nopw_ja>[^"]*)"はパスワードが設定されていません。)$"#,
        needles: &["Password does not match", "has no password assigned", "does not exist.", "のパスワードが合致しません", "はパスワードが設定されていません", "は存在しません。"],
        implies: Some(Code::PasswordAuthFailed),
        reading: Text {
            en: "the server's reason for refusing the password",
            ja: "サーバーがパスワードを拒否した理由",
        },
        examples: &["2026-11-28 16:02:11.123 UTC [4242] DETAIL:  Password does not match for user \"kong\"."],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "pgbouncer-server-conn-closed",
        kind: Continuation::Context,
        origins: PGBOUNCER,
        regex: r"^closing because: (?P<closing>server conn crashed\?|TLS startup failed|sslreq processing failed) \(age=\d+s\)$",
        needles: &["server conn crashed", "TLS startup failed", "sslreq processing failed"],
        implies: Some(Code::PoolerServerConnectionFailed),
        reading: Text {
            en: "pgbouncer closed its new connection to PostgreSQL before login ({closing}): the server's leg",
            ja: "pgbouncer は PostgreSQL への新しい接続をログイン前に閉じました ({closing}): サーバー側の区間です",
        },
        examples: &["2026-12-03 14:46:53.397 UTC [10690] LOG S-0x5632ebd8de20: kong/kong@127.0.0.1:45965 closing because: server conn crashed? (age=0s)"],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "pgbouncer-pooler-error-ssl-required",
        kind: Continuation::Context,
        origins: PGBOUNCER,
        regex: r"^pooler error: SSL required$",
        needles: &["SSL required"],
        implies: Some(Code::PoolerClientTlsRequired),
        reading: Text {
            en: "pgbouncer sent the client its FATAL `SSL required`",
            ja: "pgbouncer はクライアントに FATAL `SSL required` を送りました",
        },
        examples: &["2026-12-03 14:46:50.349 UTC [10515] WARNING C-0x55ef442eb590: (nodb)/(nouser)@127.0.0.1:47682 pooler error: SSL required"],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "pgbouncer-pooler-error-query-wait-timeout",
        kind: Continuation::Context,
        origins: PGBOUNCER,
        regex: r"^pooler error: query_wait_timeout$",
        needles: &["query_wait_timeout"],
        implies: Some(Code::PoolerQueryWaitTimeout),
        reading: Text {
            en: "pgbouncer sent the client its FATAL `query_wait_timeout`",
            ja: "pgbouncer はクライアントに FATAL `query_wait_timeout` を送りました",
        },
        examples: &["2026-12-03 14:46:56.693 UTC [10690] WARNING C-0x5632ebd73590: kong/kong@127.0.0.1:48466 pooler error: query_wait_timeout"],
        ..CONT_BASE
    },
    ContinuationPattern {
        id: "pgbouncer-relayed",
        kind: Continuation::Context,
        origins: PGBOUNCER,
        regex: r"^(?:pooler error: (?P<relayed>.+)|closing because: (?P<closing>.+) \(age=\d+s\))$",
        needles: &["pooler error: ", "closing because: "],
        implies: None,
        reading: Text {
            en: "pgbouncer passed PostgreSQL's refusal on to the client, or closed a connection after it",
            ja: "pgbouncer は PostgreSQL の拒否をクライアントに伝えたか、その後に接続を閉じました",
        },
        examples: &[
            "2026-12-03 14:46:52.442 UTC [10617] WARNING C-0x562fb7f3d590: kong/kong@127.0.0.1:44370 pooler error: connection requires a valid client certificate",
            "2026-12-03 14:46:52.443 UTC [10617] LOG S-0x562fb7f57e20: kong/kong@127.0.0.1:46421 closing because: login failed (age=0s)",
        ],
        ..CONT_BASE
    },
];
