//! The diagnoses with their texts in English and Japanese.
//!
//! Codes 001–009 follow the seed troubleshooting page in its order; 010 and up
//! are the failures operators hit as often that the page leaves out; 040 and
//! up are those of a pooler (pgbouncer) between the client and PostgreSQL.

use crate::{Code, Diagnosis, Severity, Side, Text};

pub static CATALOGUE: &[Diagnosis] = &[
    Diagnosis {
        code: "PGTLS001",
        id: Code::ProtocolVersionMismatch,
        name: "protocol-version-mismatch",
        severity: Severity::Error,
        side: Side::Both,
        in_seed: true,
        title: Text {
            en: "the client's and the server's TLS versions do not overlap",
            ja: "クライアントとサーバーの TLS バージョンの範囲が重なっていません",
        },
        cause: Text {
            en: "the handshake failed because no TLS version is allowed on both sides: the server allows ssl_min_protocol_version..ssl_max_protocol_version, the client (Kong pg_ssl_version / lua_ssl_protocols, libpq ssl_min_protocol_version/ssl_max_protocol_version) allows another range. TLS 1.0 and 1.1 additionally need OpenSSL security level 0 on both sides",
            ja: "両側で許可されている TLS バージョンが一つもないため、ハンドシェイクに失敗しました。サーバーは ssl_min_protocol_version〜ssl_max_protocol_version を許可し、クライアント (Kong の pg_ssl_version / lua_ssl_protocols、libpq の ssl_min_protocol_version/ssl_max_protocol_version) は別の範囲を許可しています。TLS 1.0 と 1.1 は両側で OpenSSL のセキュリティレベル 0 も必要です",
        },
        fix: &[
            Text {
                en: "make both ranges include TLS 1.2 or 1.3: on the server set ssl_min_protocol_version = 'TLSv1.2' (and leave ssl_max_protocol_version empty) in postgresql.conf, then reload",
                ja: "両方の範囲に TLS 1.2 または 1.3 が含まれるようにします。サーバーでは postgresql.conf に ssl_min_protocol_version = 'TLSv1.2' を設定し (ssl_max_protocol_version は空のまま)、設定を再読み込みします",
            },
            Text {
                en: "on Kong set pg_ssl_version = tlsv1_2 (or tlsv1_3) and lua_ssl_protocols = TLSv1.2 TLSv1.3; on libpq set ssl_min_protocol_version=TLSv1.2",
                ja: "Kong では pg_ssl_version = tlsv1_2 (または tlsv1_3) と lua_ssl_protocols = TLSv1.2 TLSv1.3 を設定し、libpq では ssl_min_protocol_version=TLSv1.2 を設定します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS002",
        id: Code::ServerCertMissing,
        name: "server-cert-missing",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server cannot load its certificate file",
            ja: "サーバーが証明書ファイルを読み込めません",
        },
        cause: Text {
            en: "ssl = on, but the file named by ssl_cert_file (default server.crt, relative to the data directory) does not exist, cannot be read by the server's account, or holds no PEM certificate; the server refuses to start (on reload it keeps the old SSL configuration)",
            ja: "ssl = on ですが、ssl_cert_file が指すファイル (既定はデータディレクトリ内の server.crt) が存在しないか、サーバーのアカウントで読めないか、PEM 証明書を含んでいません。サーバーは起動しません (再読み込み時は以前の SSL 設定のままです)",
        },
        fix: &[
            Text {
                en: "put the server certificate (PEM, leaf first, then intermediates) at the path ssl_cert_file names, or set ssl_cert_file to where it is",
                ja: "ssl_cert_file が指すパスにサーバー証明書 (PEM、リーフ、その後に中間証明書) を置くか、ssl_cert_file を実際の場所に設定します",
            },
            Text {
                en: "make it readable by the server's account (e.g. chown postgres: and chmod 0644), then restart",
                ja: "サーバーのアカウントから読めるようにし (例: chown postgres: と chmod 0644)、再起動します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS003",
        id: Code::ServerKeyMissing,
        name: "server-key-missing",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server cannot access its private key file",
            ja: "サーバーが秘密鍵ファイルにアクセスできません",
        },
        cause: Text {
            en: "the file named by ssl_key_file (default server.key in the data directory) is missing, is not a regular file, or the server's account cannot read it (for example root:root 0640 when the server does not belong to group root); the server refuses to start",
            ja: "ssl_key_file が指すファイル (既定はデータディレクトリ内の server.key) が存在しないか、通常のファイルでないか、サーバーのアカウントで読めません (例: サーバーが root グループに属していないのに root:root 0640)。サーバーは起動しません",
        },
        fix: &[
            Text {
                en: "put the private key that belongs to ssl_cert_file at the path ssl_key_file names, or set ssl_key_file to where it is",
                ja: "ssl_cert_file に対応する秘密鍵を ssl_key_file が指すパスに置くか、ssl_key_file を実際の場所に設定します",
            },
            Text {
                en: "give it to the server's account: chown postgres:postgres server.key && chmod 0600 server.key, then restart",
                ja: "サーバーのアカウントの所有にします: chown postgres:postgres server.key && chmod 0600 server.key の後、再起動します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS004",
        id: Code::ServerKeyPermissions,
        name: "server-key-permissions",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server's private key file is too open for its owner",
            ja: "サーバーの秘密鍵ファイルのパーミッションが所有者に対して緩すぎます",
        },
        cause: Text {
            en: "PostgreSQL accepts a key owned by the database user only with mode 0600 or less, and a key owned by root only with 0640 or less (and then the server's group must be able to read it); anything else (e.g. a postgres-owned key with 0640, or any world access) stops the server",
            ja: "PostgreSQL はデータベースユーザー所有の鍵はモード 0600 以下、root 所有の鍵は 0640 以下 (その場合サーバーのグループが読める必要があります) の場合のみ受け付けます。それ以外 (例: postgres 所有で 0640、全員への権限) ではサーバーは起動しません",
        },
        fix: &[
            Text {
                en: "owned by the database user: chmod 0600 <key file>",
                ja: "データベースユーザー所有の場合: chmod 0600 <鍵ファイル>",
            },
            Text {
                en: "owned by root: chmod 0640 <key file> && chgrp <server's group> <key file>, then restart",
                ja: "root 所有の場合: chmod 0640 <鍵ファイル> && chgrp <サーバーのグループ> <鍵ファイル> の後、再起動します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS005",
        id: Code::ClientRejectsServerCert,
        name: "client-rejects-server-cert",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: true,
        title: Text {
            en: "the client rejected the server's certificate: its CA is not trusted",
            ja: "クライアントがサーバー証明書を拒否しました: その CA が信頼されていません",
        },
        cause: Text {
            en: "the client's trust store (Kong lua_ssl_trusted_certificate, libpq sslrootcert) does not contain the CA that signed the server certificate, so the client aborted the handshake; the server only sees the alert (unknown ca) or a reset",
            ja: "クライアントのトラストストア (Kong の lua_ssl_trusted_certificate、libpq の sslrootcert) にサーバー証明書に署名した CA が含まれていないため、クライアントがハンドシェイクを中断しました。サーバー側にはアラート (unknown ca) か切断しか見えません",
        },
        fix: &[
            Text {
                en: "add the CA that issued the server certificate (and any intermediates) to the client's trust store: Kong lua_ssl_trusted_certificate = /path/to/root_ca.crt (keep lua_ssl_verify_depth at least the number of intermediates), libpq sslrootcert=/path/to/root_ca.crt",
                ja: "サーバー証明書を発行した CA (と中間 CA) をクライアントのトラストストアに追加します: Kong は lua_ssl_trusted_certificate = /path/to/root_ca.crt (lua_ssl_verify_depth は中間証明書の数以上)、libpq は sslrootcert=/path/to/root_ca.crt",
            },
            Text {
                en: "or reissue the server certificate from a CA the client already trusts",
                ja: "またはクライアントがすでに信頼している CA からサーバー証明書を再発行します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS006",
        id: Code::ServerRejectsClientCert,
        name: "server-rejects-client-cert",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server rejected the client's certificate: its CA is not in ssl_ca_file",
            ja: "サーバーがクライアント証明書を拒否しました: その CA が ssl_ca_file にありません",
        },
        cause: Text {
            en: "the client certificate is not signed by a CA in the server's ssl_ca_file, so the server aborted the handshake with the alert unknown ca; over TLS 1.3 the client only notices at its first write",
            ja: "クライアント証明書がサーバーの ssl_ca_file にある CA で署名されていないため、サーバーがアラート unknown ca でハンドシェイクを中断しました。TLS 1.3 ではクライアントは最初の書き込みで初めて気付きます",
        },
        fix: &[
            Text {
                en: "issue the client certificate (Kong pg_ssl_cert, libpq sslcert) from a CA listed in the server's ssl_ca_file",
                ja: "サーバーの ssl_ca_file にある CA からクライアント証明書 (Kong の pg_ssl_cert、libpq の sslcert) を発行します",
            },
            Text {
                en: "or append the client certificate's CA to ssl_ca_file on the server and reload",
                ja: "またはクライアント証明書の CA をサーバーの ssl_ca_file に追加し、設定を再読み込みします",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS007",
        id: Code::CertUserMismatch,
        name: "cert-user-mismatch",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the client certificate's name does not match the database user",
            ja: "クライアント証明書の名前がデータベースユーザーと一致しません",
        },
        cause: Text {
            en: "cert authentication (or clientcert=verify-full) compares the certificate's CN (or its DN with clientname=DN) with the database user name, and no pg_ident.conf map on the matching pg_hba.conf line covers the pair",
            ja: "cert 認証 (または clientcert=verify-full) は証明書の CN (clientname=DN の場合は DN) をデータベースユーザー名と比較しますが、一致した pg_hba.conf 行の pg_ident.conf マップがこの組み合わせを許可していません",
        },
        fix: &[
            Text {
                en: "add map=NAME to the pg_hba.conf line and a pg_ident.conf line `NAME <certificate CN> <database user>` (or a /regex), then reload",
                ja: "pg_hba.conf の行に map=NAME を追加し、pg_ident.conf に `NAME <証明書の CN> <データベースユーザー>` (または /正規表現) の行を追加して、設定を再読み込みします",
            },
            Text {
                en: "or reissue the client certificate with CN = the database user (Kong: pg_user)",
                ja: "またはデータベースユーザー名 (Kong では pg_user) を CN とするクライアント証明書を再発行します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS008",
        id: Code::ClientCertRequired,
        name: "client-cert-required",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server requires a client certificate and the client sent none",
            ja: "サーバーはクライアント証明書を要求していますが、クライアントが送信しませんでした",
        },
        cause: Text {
            en: "the matching pg_hba.conf line uses cert authentication or clientcert=verify-ca/verify-full, and the client did not present a certificate (open-source Kong never sends one: pg_ssl_cert is an Enterprise option)",
            ja: "一致した pg_hba.conf 行が cert 認証または clientcert=verify-ca/verify-full を使っていますが、クライアントが証明書を提示しませんでした (オープンソース版 Kong は証明書を送りません: pg_ssl_cert は Enterprise のオプションです)",
        },
        fix: &[
            Text {
                en: "configure the client certificate and key: Kong pg_ssl_cert = /path/client.crt and pg_ssl_cert_key = /path/client.key; libpq sslcert=... sslkey=...",
                ja: "クライアント証明書と鍵を設定します: Kong は pg_ssl_cert = /path/client.crt と pg_ssl_cert_key = /path/client.key、libpq は sslcert=... sslkey=...",
            },
            Text {
                en: "or, if certificates are not wanted, change the pg_hba.conf line to scram-sha-256 without clientcert and reload",
                ja: "証明書を使わない場合は、pg_hba.conf の行を clientcert なしの scram-sha-256 に変更し、設定を再読み込みします",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS009",
        id: Code::ServerSslDisabled,
        name: "server-ssl-disabled",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: true,
        title: Text {
            en: "the server does not offer TLS (ssl = off)",
            ja: "サーバーが TLS を提供していません (ssl = off)",
        },
        cause: Text {
            en: "the server answered N to the SSLRequest: ssl = off in postgresql.conf, or a pooler or proxy without TLS answers in front of it",
            ja: "サーバーが SSLRequest に N と応答しました: postgresql.conf が ssl = off か、TLS を持たないプーラーやプロキシが前段で応答しています",
        },
        fix: &[
            Text {
                en: "set ssl = on in postgresql.conf with ssl_cert_file and ssl_key_file, then reload (SELECT pg_reload_conf(); PostgreSQL 10 and later apply ssl on reload)",
                ja: "postgresql.conf で ssl = on と ssl_cert_file、ssl_key_file を設定し、設定を再読み込みします (SELECT pg_reload_conf()。PostgreSQL 10 以降は再読み込みで ssl が反映されます)",
            },
            Text {
                en: "if a pooler (pgbouncer, pgpool) is in front, enable TLS there (client_tls_sslmode)",
                ja: "前段にプーラー (pgbouncer、pgpool) がある場合はそちらで TLS を有効にします (client_tls_sslmode)",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS010",
        id: Code::ServerCertExpired,
        name: "server-cert-expired",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the server's certificate (or a CA in its chain) is expired or not yet valid",
            ja: "サーバー証明書 (またはチェーン内の CA) が期限切れか、まだ有効になっていません",
        },
        cause: Text {
            en: "the client checked the validity period of the server's chain and one certificate is outside it",
            ja: "クライアントがサーバーのチェーンの有効期間を検査し、期間外の証明書がありました",
        },
        fix: &[
            Text {
                en: "renew the server certificate, install it as ssl_cert_file and reload the server",
                ja: "サーバー証明書を更新して ssl_cert_file に置き、サーバーの設定を再読み込みします",
            },
            Text {
                en: "check both hosts' clocks (NTP) when the certificate is not yet valid",
                ja: "まだ有効でない場合は両ホストの時計 (NTP) を確認します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS011",
        id: Code::ClientCertExpired,
        name: "client-cert-expired",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the client's certificate is expired or not yet valid",
            ja: "クライアント証明書が期限切れか、まだ有効になっていません",
        },
        cause: Text {
            en: "the server verified the client certificate against ssl_ca_file and it is outside its validity period",
            ja: "サーバーが ssl_ca_file でクライアント証明書を検証し、有効期間外でした",
        },
        fix: &[Text {
            en: "renew the client certificate (Kong pg_ssl_cert, libpq sslcert) from the same CA",
            ja: "同じ CA からクライアント証明書 (Kong の pg_ssl_cert、libpq の sslcert) を更新します",
        }],
    },
    Diagnosis {
        code: "PGTLS012",
        id: Code::HostnameMismatch,
        name: "hostname-mismatch",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the server certificate does not name the host the client dialled",
            ja: "サーバー証明書に、クライアントが接続したホスト名が含まれていません",
        },
        cause: Text {
            en: "with sslmode=verify-full libpq checks that a SAN (or the CN when there are no SANs) names the host it connected to; Kong never checks host names (no SNI, chain only), so Kong connects where libpq refuses",
            ja: "sslmode=verify-full の libpq は、SAN (SAN がない場合は CN) が接続先ホストを含むか検査します。Kong はホスト名を検査しない (SNI なし、チェーンのみ) ため、libpq が拒否する場合でも Kong は接続します",
        },
        fix: &[
            Text {
                en: "reissue the server certificate with a subjectAltName for every name and IP address clients dial (DNS:db.example.com, IP:10.0.0.5)",
                ja: "クライアントが接続するすべての名前と IP アドレスを subjectAltName に含めてサーバー証明書を再発行します (DNS:db.example.com、IP:10.0.0.5)",
            },
            Text {
                en: "or dial a name the certificate carries",
                ja: "または証明書に含まれる名前で接続します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS013",
        id: Code::VerifyDepthExceeded,
        name: "verify-depth-exceeded",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the server's chain is longer than the client's verify depth",
            ja: "サーバーのチェーンがクライアントの検証深度より長いです",
        },
        cause: Text {
            en: "Kong verifies the chain with lua_ssl_verify_depth (default 1: leaf + one intermediate + trusted root); a chain with more intermediates fails with 20: unable to get local issuer certificate (LuaSec ignores the depth)",
            ja: "Kong は lua_ssl_verify_depth (既定 1: リーフ + 中間 1 つ + 信頼されたルート) でチェーンを検証します。それより中間証明書が多いチェーンは 20: unable to get local issuer certificate で失敗します (LuaSec は深度を無視します)",
        },
        fix: &[Text {
            en: "raise lua_ssl_verify_depth in kong.conf to at least the number of intermediates in the server's chain",
            ja: "kong.conf の lua_ssl_verify_depth をサーバーのチェーンの中間証明書の数以上に上げます",
        }],
    },
    Diagnosis {
        code: "PGTLS014",
        id: Code::IncompleteChain,
        name: "incomplete-chain",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the server sends its certificate without the intermediate the client needs",
            ja: "サーバーがクライアントに必要な中間証明書なしで証明書を送っています",
        },
        cause: Text {
            en: "the server's leaf is signed by an intermediate CA that the server does not send and the client does not have; the client trusts only the root, so it cannot build the chain",
            ja: "サーバーのリーフ証明書は中間 CA で署名されていますが、サーバーはその中間証明書を送らず、クライアントも持っていません。クライアントはルートのみを信頼しているためチェーンを構築できません",
        },
        fix: &[
            Text {
                en: "append the intermediate certificate after the leaf in the file ssl_cert_file names, and reload the server",
                ja: "ssl_cert_file が指すファイルのリーフの後に中間証明書を追加し、サーバーの設定を再読み込みします",
            },
            Text {
                en: "or add the intermediate to the client's trust store",
                ja: "または中間証明書をクライアントのトラストストアに追加します",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS015",
        id: Code::KeyCertMismatch,
        name: "key-cert-mismatch",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the private key does not belong to the certificate",
            ja: "秘密鍵が証明書と対になっていません",
        },
        cause: Text {
            en: "ssl_key_file is not the key of ssl_cert_file (or the client's key is not its certificate's), so OpenSSL refuses the pair and the server does not start",
            ja: "ssl_key_file が ssl_cert_file の鍵ではない (またはクライアントの鍵がその証明書のものではない) ため、OpenSSL が組み合わせを拒否し、サーバーは起動しません",
        },
        fix: &[Text {
            en: "pair the right files: compare `openssl x509 -noout -pubkey -in CERT` with `openssl pkey -pubout -in KEY`, then restart",
            ja: "正しいファイルを組み合わせます: `openssl x509 -noout -pubkey -in 証明書` と `openssl pkey -pubout -in 鍵` を比較し、再起動します",
        }],
    },
    Diagnosis {
        code: "PGTLS016",
        id: Code::NoHbaEntry,
        name: "no-hba-entry",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "no pg_hba.conf line matches this connection",
            ja: "この接続に一致する pg_hba.conf の行がありません",
        },
        cause: Text {
            en: "the server found no pg_hba.conf line for this client address, user, database and encryption; with `no encryption` the client did not use TLS at all (Kong pg_ssl = off, or a plaintext fallback)",
            ja: "このクライアントアドレス、ユーザー、データベース、暗号化の組み合わせに一致する pg_hba.conf の行がありません。`no encryption` の場合、クライアントは TLS を使っていません (Kong の pg_ssl = off、または平文へのフォールバック)",
        },
        fix: &[
            Text {
                en: "add a line such as `hostssl <database> <user> <client address>/32 scram-sha-256` (or cert) to pg_hba.conf and reload",
                ja: "`hostssl <データベース> <ユーザー> <クライアントアドレス>/32 scram-sha-256` (または cert) のような行を pg_hba.conf に追加し、設定を再読み込みします",
            },
            Text {
                en: "with `no encryption`: turn TLS on at the client (Kong pg_ssl = on and pg_ssl_required = on, libpq sslmode=verify-full)",
                ja: "`no encryption` の場合: クライアントで TLS を有効にします (Kong は pg_ssl = on と pg_ssl_required = on、libpq は sslmode=verify-full)",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS017",
        id: Code::PasswordAuthFailed,
        name: "password-auth-failed",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "password authentication failed",
            ja: "パスワード認証に失敗しました",
        },
        cause: Text {
            en: "the password is wrong, the role has no password, or the stored password's method (md5 vs SCRAM) does not fit the pg_hba.conf method; TLS itself worked",
            ja: "パスワードが誤っている、ロールにパスワードがない、または保存されたパスワードの方式 (md5 と SCRAM) が pg_hba.conf の方式と合っていません。TLS 自体は成功しています",
        },
        fix: &[Text {
            en: "set the same password on both sides (ALTER ROLE ... PASSWORD with password_encryption = 'scram-sha-256'; Kong pg_password, libpq password or ~/.pgpass)",
            ja: "両側で同じパスワードを設定します (password_encryption = 'scram-sha-256' で ALTER ROLE ... PASSWORD、Kong の pg_password、libpq の password または ~/.pgpass)",
        }],
    },
    Diagnosis {
        code: "PGTLS018",
        id: Code::TrustStoreInvalid,
        name: "trust-store-invalid",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the configured trust store cannot be used",
            ja: "設定されたトラストストアを使用できません",
        },
        cause: Text {
            en: "the trust file (Kong lua_ssl_trusted_certificate, libpq sslrootcert, server ssl_ca_file) is missing, a directory, unreadable, holds a private key instead of certificates, or holds a certificate that is not a CA",
            ja: "トラストファイル (Kong の lua_ssl_trusted_certificate、libpq の sslrootcert、サーバーの ssl_ca_file) が存在しない、ディレクトリである、読めない、証明書ではなく秘密鍵を含む、または CA ではない証明書を含んでいます",
        },
        fix: &[Text {
            en: "point the setting at a readable PEM file that holds the CA certificates (root and intermediates) that issued the peer's certificate",
            ja: "相手の証明書を発行した CA 証明書 (ルートと中間) を含む、読み取り可能な PEM ファイルを設定に指定します",
        }],
    },
    Diagnosis {
        code: "PGTLS019",
        id: Code::RootStoreMissingForCertAuth,
        name: "root-store-missing-for-cert-auth",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "client certificates are required but the server has no ssl_ca_file",
            ja: "クライアント証明書が必要ですが、サーバーに ssl_ca_file がありません",
        },
        cause: Text {
            en: "a pg_hba.conf line uses cert authentication or clientcert, but ssl_ca_file is empty: the server starts and never asks for a client certificate, and every connection that matches the line fails with FATAL",
            ja: "pg_hba.conf の行が cert 認証または clientcert を使っていますが、ssl_ca_file が空です: サーバーは起動しますがクライアント証明書を要求せず、その行に一致する接続はすべて FATAL で失敗します",
        },
        fix: &[Text {
            en: "set ssl_ca_file = 'root_ca.crt' (the CA that issues client certificates) in postgresql.conf and reload",
            ja: "postgresql.conf に ssl_ca_file = 'root_ca.crt' (クライアント証明書を発行する CA) を設定し、設定を再読み込みします",
        }],
    },
    Diagnosis {
        code: "PGTLS020",
        id: Code::Unreachable,
        name: "unreachable",
        severity: Severity::Error,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "the server cannot be reached",
            ja: "サーバーに到達できません",
        },
        cause: Text {
            en: "nothing listens at that address and port (connection refused), a firewall drops the packets (timeout), or the host name does not resolve",
            ja: "そのアドレスとポートで何も待ち受けていない (connection refused)、ファイアウォールがパケットを破棄している (timeout)、またはホスト名が解決できません",
        },
        fix: &[Text {
            en: "check that the server runs and listens there (listen_addresses, port), that the firewall allows the port, and that the name resolves from the client host",
            ja: "サーバーが起動してそこで待ち受けているか (listen_addresses、port)、ファイアウォールがポートを許可しているか、クライアントホストから名前が解決できるかを確認します",
        }],
    },
    Diagnosis {
        code: "PGTLS021",
        id: Code::PlaintextFallback,
        name: "plaintext-fallback",
        severity: Severity::Warning,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "the client may silently fall back to an unencrypted connection",
            ja: "クライアントが暗号化されていない接続に黙ってフォールバックする可能性があります",
        },
        cause: Text {
            en: "Kong's pg_ssl = on is only a request: without pg_ssl_required a server that answers N gets a plaintext connection (even with pg_ssl_verify = on); libpq sslmode=prefer and allow behave the same",
            ja: "Kong の pg_ssl = on は要求にすぎません。pg_ssl_required がないと、N と応答したサーバーとは平文で接続します (pg_ssl_verify = on でも同じです)。libpq の sslmode=prefer と allow も同様です",
        },
        fix: &[Text {
            en: "Kong: pg_ssl_required = on (Enterprise) and a hostssl-only pg_hba.conf; libpq: sslmode=verify-full",
            ja: "Kong: pg_ssl_required = on (Enterprise) と hostssl のみの pg_hba.conf、libpq: sslmode=verify-full",
        }],
    },
    Diagnosis {
        code: "PGTLS022",
        id: Code::WeakCrypto,
        name: "weak-crypto",
        severity: Severity::Error,
        side: Side::Both,
        in_seed: false,
        title: Text {
            en: "a key or signature is weaker than one side's OpenSSL security level",
            ja: "鍵または署名が一方の OpenSSL セキュリティレベルより弱いです",
        },
        cause: Text {
            en: "a certificate uses a key (e.g. RSA 1024) or a signature digest (SHA-1, MD5) below the OpenSSL security level (Debian's default SECLEVEL 2 needs RSA >= 2048 and SHA-256) of the server or the client",
            ja: "証明書がサーバーまたはクライアントの OpenSSL セキュリティレベル (Debian 既定の SECLEVEL 2 は RSA 2048 ビット以上と SHA-256 が必要) より弱い鍵 (例: RSA 1024) または署名ダイジェスト (SHA-1、MD5) を使っています",
        },
        fix: &[Text {
            en: "reissue the certificate with an ECDSA P-256 or RSA 3072 key and a SHA-256 signature",
            ja: "ECDSA P-256 または RSA 3072 の鍵と SHA-256 署名で証明書を再発行します",
        }],
    },
    Diagnosis {
        code: "PGTLS023",
        id: Code::CertExpiringSoon,
        name: "cert-expiring-soon",
        severity: Severity::Warning,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "a certificate expires soon",
            ja: "証明書の有効期限が近づいています",
        },
        cause: Text {
            en: "a certificate of the chain (or a client certificate) reaches its notAfter within the warning window; when it does, clients fail with PGTLS010 or PGTLS011",
            ja: "チェーン内の証明書 (またはクライアント証明書) の notAfter が警告期間内に到来します。期限を過ぎるとクライアントは PGTLS010 または PGTLS011 で失敗します",
        },
        fix: &[Text {
            en: "renew the certificate before it expires and reload the server (PostgreSQL reloads ssl_cert_file on SIGHUP)",
            ja: "期限前に証明書を更新し、サーバーの設定を再読み込みします (PostgreSQL は SIGHUP で ssl_cert_file を再読み込みします)",
        }],
    },
    Diagnosis {
        code: "PGTLS024",
        id: Code::LegacyTlsAccepted,
        name: "legacy-tls-accepted",
        severity: Severity::Warning,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "the server accepts TLS 1.0 or 1.1",
            ja: "サーバーが TLS 1.0 または 1.1 を受け付けています",
        },
        cause: Text {
            en: "ssl_min_protocol_version allows a deprecated protocol version (RFC 8996); Kong recommends TLS 1.2 or later",
            ja: "ssl_min_protocol_version が非推奨のプロトコルバージョン (RFC 8996) を許可しています。Kong は TLS 1.2 以上を推奨しています",
        },
        fix: &[Text {
            en: "set ssl_min_protocol_version = 'TLSv1.2' in postgresql.conf and reload",
            ja: "postgresql.conf に ssl_min_protocol_version = 'TLSv1.2' を設定し、設定を再読み込みします",
        }],
    },

    Diagnosis {
        code: "PGTLS025",
        id: Code::PeerProtocolViolation,
        name: "peer-protocol-violation",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "what answers does not speak PostgreSQL's protocol (or its TLS)",
            ja: "応答している相手が PostgreSQL のプロトコル (またはその TLS) を話していません",
        },
        cause: Text {
            en: "the peer answered the SSLRequest with something other than S, N or E, sent data that is not TLS after S, stalled, reset the connection mid-step, or sent a malformed message: another service listens on that port, or a proxy or load balancer in front of PostgreSQL breaks the protocol",
            ja: "相手が SSLRequest に S、N、E 以外で応答した、S の後に TLS でないデータを送った、応答が止まった、途中で接続をリセットした、または不正なメッセージを送りました: そのポートで別のサービスが待ち受けているか、PostgreSQL の前段のプロキシやロードバランサーがプロトコルを壊しています",
        },
        fix: &[
            Text {
                en: "check what listens on that host and port (ss -ltnp on the server); point the client at PostgreSQL's own port",
                ja: "そのホストとポートで何が待ち受けているか確認し (サーバーで ss -ltnp)、クライアントを PostgreSQL 自身のポートに向けます",
            },
            Text {
                en: "if a proxy or load balancer is in front, make it pass PostgreSQL's protocol through untouched (TCP mode, no TLS termination of its own) or terminate TLS the way PostgreSQL does (pgbouncer client_tls_*)",
                ja: "前段にプロキシやロードバランサーがある場合は、PostgreSQL のプロトコルをそのまま通す (TCP モード、独自の TLS 終端なし) か、PostgreSQL と同じ方式で TLS を終端させます (pgbouncer の client_tls_*)",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS026",
        id: Code::PasswordToUnverifiedServer,
        name: "password-to-unverified-server",
        severity: Severity::Warning,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the server asks for a readable password over a connection that does not verify the server",
            ja: "サーバーを検証しない接続で、サーバーが読み取れる形のパスワードを求めています",
        },
        cause: Text {
            en: "the server asked for a cleartext password (pg_hba.conf method password) or an MD5 hash (method md5, which is enough to guess the password offline), and the connection does not verify the server's certificate (no TLS, libpq sslmode below verify-ca, Kong pg_ssl_verify = off): whoever answers at that address (a hijacked name or address, a rogue proxy) receives it; the real client sends it, pgtls withholds it",
            ja: "サーバーが平文のパスワード (pg_hba.conf の方式 password) または MD5 ハッシュ (方式 md5。オフラインでパスワードを推測するのに十分です) を求め、接続はサーバー証明書を検証していません (TLS なし、libpq の sslmode が verify-ca 未満、Kong の pg_ssl_verify = off): そのアドレスで応答する者 (乗っ取られた名前やアドレス、不正なプロキシ) がそれを受け取ります。実際のクライアントは送信しますが、pgtls は送信しません",
        },
        fix: &[
            Text {
                en: "verify the server: libpq sslmode=verify-full with sslrootcert set to the CA that signs the server certificate; Kong pg_ssl = on, pg_ssl_verify = on and lua_ssl_trusted_certificate naming that CA",
                ja: "サーバーを検証します: libpq は sslmode=verify-full と、サーバー証明書に署名した CA を指す sslrootcert。Kong は pg_ssl = on、pg_ssl_verify = on、その CA を指定した lua_ssl_trusted_certificate",
            },
            Text {
                en: "on the server, authenticate with scram-sha-256 (or cert) instead of password or md5: set password_encryption = 'scram-sha-256', set the role's password again, change the pg_hba.conf line's method, and reload",
                ja: "サーバーでは password や md5 ではなく scram-sha-256 (または cert) で認証します: password_encryption = 'scram-sha-256' を設定し、ロールのパスワードを設定し直し、pg_hba.conf の行の方式を変更して再読み込みします",
            },
            Text {
                en: "to probe such a server anyway, knowing that whoever answers at that address may read the password: pgtls probe --password-to-unverified-server",
                ja: "そのアドレスで応答する者がパスワードを読めることを承知のうえでプローブするには: pgtls probe --password-to-unverified-server",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS027",
        id: Code::ClientKeyPermissions,
        name: "client-key-permissions",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "libpq refuses the client's private key file: it is open to group or others",
            ja: "libpq がクライアントの秘密鍵ファイルを拒否しています: グループまたは他者に開かれています",
        },
        cause: Text {
            en: "libpq checks sslkey before it uses it: a key owned by the user running the client must have mode 0600 or less, a key owned by root 0640 or less; otherwise it stops before sending its certificate (this is the client's own rule, not the server's ssl_key_file rule)",
            ja: "libpq は sslkey を使う前に確認します: クライアントを実行するユーザーが所有する鍵はモード 0600 以下、root が所有する鍵は 0640 以下でなければならず、そうでなければ証明書を送る前に中止します (サーバーの ssl_key_file の規則ではなく、クライアント自身の規則です)",
        },
        fix: &[
            Text {
                en: "chmod 0600 the key file, owned by the user who runs the client (psql, the application)",
                ja: "鍵ファイルをクライアント (psql、アプリケーション) を実行するユーザーの所有にし、chmod 0600 にします",
            },
            Text {
                en: "or, for a key shared through a group: chown root:GROUP the key file and chmod 0640 it",
                ja: "またはグループで共有する鍵なら: 鍵ファイルを chown root:GROUP とし、chmod 0640 にします",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS028",
        id: Code::ClientKeyMissing,
        name: "client-key-missing",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the client has a certificate but cannot find its private key",
            ja: "クライアントに証明書はありますが、その秘密鍵が見つかりません",
        },
        cause: Text {
            en: "sslcert names a file that exists, and sslkey (default ~/.postgresql/postgresql.key) names none: libpq stops before the handshake",
            ja: "sslcert が指すファイルは存在しますが、sslkey (既定は ~/.postgresql/postgresql.key) が指すファイルがありません: libpq はハンドシェイクの前に中止します",
        },
        fix: &[
            Text {
                en: "put the certificate's private key where sslkey points (mode 0600), or point sslkey (PGSSLKEY) at it",
                ja: "証明書の秘密鍵を sslkey が指す場所に置く (モード 0600) か、sslkey (PGSSLKEY) でその場所を指定します",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS029",
        id: Code::ChainOutOfOrder,
        name: "chain-out-of-order",
        severity: Severity::Warning,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the server's chain is not in issuing order, or carries certificates that are not part of it",
            ja: "サーバーのチェーンが発行順になっていないか、チェーンに属さない証明書を含んでいます",
        },
        cause: Text {
            en: "ssl_cert_file must hold the leaf first and then each issuer in turn; OpenSSL clients (libpq, Kong) usually still build the path, but stricter clients refuse, and a certificate that issued none of the others (a client certificate appended by mistake) is sent to every client",
            ja: "ssl_cert_file にはリーフを先頭に、続けて各発行者を順に入れる必要があります。OpenSSL のクライアント (libpq、Kong) はたいてい経路を構築できますが、より厳格なクライアントは拒否し、他のどれも発行していない証明書 (誤って追加されたクライアント証明書など) はすべてのクライアントに送られます",
        },
        fix: &[Text {
            en: "rewrite ssl_cert_file as the leaf, then its issuer, then that one's issuer, leaving out certificates that issued none of them; then reload",
            ja: "ssl_cert_file をリーフ、その発行者、さらにその発行者の順に書き直し、どれも発行していない証明書を除いて、設定を再読み込みします",
        }],
    },

    Diagnosis {
        code: "PGTLS030",
        id: Code::LeafOnlyChain,
        name: "leaf-only-chain",
        severity: Severity::Info,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "the server sends its certificate alone: every client must hold its issuer",
            ja: "サーバーは証明書だけを送っています: すべてのクライアントがその発行者を持っている必要があります",
        },
        cause: Text {
            en: "no intermediate is sent, so each client's trust store (libpq sslrootcert, Kong lua_ssl_trusted_certificate) must contain the leaf's issuer itself; when that issuer is an intermediate CA, clients that trust only the root fail with unable to get local issuer certificate (PGTLS014)",
            ja: "中間証明書が送られないため、各クライアントの信頼ストア (libpq の sslrootcert、Kong の lua_ssl_trusted_certificate) がリーフの発行者そのものを含む必要があります。その発行者が中間 CA の場合、ルートだけを信頼するクライアントは unable to get local issuer certificate で失敗します (PGTLS014)",
        },
        fix: &[Text {
            en: "if the issuer is an intermediate CA, append it to ssl_cert_file after the leaf and reload; if it is a root, make sure every client trusts it",
            ja: "発行者が中間 CA なら ssl_cert_file のリーフの後に追加して再読み込みし、ルートならすべてのクライアントがそれを信頼していることを確認します",
        }],
    },

    Diagnosis {
        code: "PGTLS031",
        id: Code::ConnectionClosedByPeer,
        name: "connection-closed-by-peer",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the server (or something in between) closed the connection without saying why",
            ja: "サーバー (または途中の何か) が理由を告げずに接続を閉じました",
        },
        cause: Text {
            en: "the client saw the connection end with neither a PostgreSQL error nor a TLS alert, so only the other end's log knows the reason: PostgreSQL closes like this when it rejects a client certificate over TLS 1.3 and the alert is lost, when a backend is terminated or crashes, or when authentication_timeout runs out; a proxy, load balancer or pgbouncer in between closes like this on its own errors and idle timeouts",
            ja: "クライアントは PostgreSQL のエラーも TLS アラートもないまま接続が切れるのを見たため、理由は相手側のログにしかありません: PostgreSQL は、TLS 1.3 でクライアント証明書を拒否してアラートが失われたとき、バックエンドが終了またはクラッシュしたとき、authentication_timeout が切れたときにこのように閉じます。途中のプロキシ、ロードバランサー、pgbouncer は自身のエラーやアイドルタイムアウトでこのように閉じます",
        },
        fix: &[
            Text {
                en: "read the server's log at the same moment (pgtls logs on it): the line it wrote names the real failure and its code",
                ja: "同じ時刻のサーバーのログを読みます (pgtls logs)。そこに書かれた行が本当の失敗とそのコードを示します",
            },
            Text {
                en: "run pgtls probe against the same host and port: it reads the alert or error the server sends and names the side that rejected",
                ja: "同じホストとポートに pgtls probe を実行します。サーバーが送るアラートやエラーを読み取り、拒否した側を示します",
            },
            Text {
                en: "if a proxy, load balancer or pgbouncer sits in between, read its log and compare its idle timeout with the client's",
                ja: "途中にプロキシ、ロードバランサー、pgbouncer がある場合は、そのログを読み、アイドルタイムアウトをクライアントのものと比べます",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS032",
        id: Code::LegacyTlsProbe,
        name: "legacy-tls-probe",
        severity: Severity::Info,
        side: Side::None,
        in_seed: false,
        title: Text {
            en: "a TLS scanner tried TLS 1.0 and 1.1, and the server refused them as it should",
            ja: "TLS スキャナーが TLS 1.0 と 1.1 を試し、サーバーは正しく拒否しました",
        },
        cause: Text {
            en: "one client made exactly two handshakes within a fraction of a second that offered only versions below the server's ssl_min_protocol_version, and nothing else from it failed around them: the signature of a scanner learning the server's range (pgtls scan, the pgtls exporter's legacy check, nmap ssl-enum-ciphers, sslscan, testssl.sh), not of a client that needs those versions",
            ja: "1 つのクライアントが 1 秒未満のうちにサーバーの ssl_min_protocol_version より低いバージョンだけを提示するハンドシェイクをちょうど 2 回行い、その前後にそのクライアントの他の失敗はありません: それらのバージョンを必要とするクライアントではなく、サーバーの範囲を調べるスキャナー (pgtls scan、pgtls エクスポーターのレガシー確認、nmap ssl-enum-ciphers、sslscan、testssl.sh) の特徴です",
        },
        fix: &[Text {
            en: "nothing to fix; to see fewer of these lines, scan less often (the exporter checks legacy versions once per legacy_tls_interval, a day by default)",
            ja: "修正は不要です。この行を減らすにはスキャンの頻度を下げます (エクスポーターはレガシーバージョンを legacy_tls_interval ごと、既定で 1 日に 1 回確認します)",
        }],
    },

    Diagnosis {
        code: "PGTLS033",
        id: Code::HbaFileRefused,
        name: "hba-file-refused",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the server refuses its pg_hba.conf: a line holds a value this PostgreSQL version does not accept",
            ja: "サーバーが pg_hba.conf を受け付けません: この PostgreSQL のバージョンが受け付けない値を含む行があります",
        },
        cause: Text {
            en: "PostgreSQL reads pg_hba.conf at start and on every reload, and one line it cannot read makes it refuse the whole file: it logs the reason (e.g. `invalid value for clientcert: \"1\"`) with a CONTEXT naming the line, then `FATAL: could not load pg_hba.conf` at start (the server does not start; 16 and later write the file's full path) or `pg_hba.conf was not reloaded` on reload (the old rules stay). The commonest cause is an upgrade: clientcert=1, 0 and no-verify are accepted up to PostgreSQL 13 and refused from 14 on; options of a later version (clientname 14+) are refused by an older server",
            ja: "PostgreSQL は起動時と再読み込みのたびに pg_hba.conf を読み、読めない行が 1 行でもあるとファイル全体を拒否します: 理由 (例: `invalid value for clientcert: \"1\"`) とその行を示す CONTEXT を出力し、起動時は `FATAL: could not load pg_hba.conf` (サーバーは起動しません。16 以降はファイルのフルパスを書きます)、再読み込み時は `pg_hba.conf was not reloaded` (古い規則のまま) になります。最も多い原因はアップグレードです: clientcert=1、0、no-verify は PostgreSQL 13 まで受け付けられ、14 以降は拒否されます。新しいバージョンのオプション (clientname は 14 以降) は古いサーバーに拒否されます",
        },
        fix: &[
            Text {
                en: "change the line the CONTEXT names: clientcert=1 becomes clientcert=verify-ca (verify-full also checks the certificate's name against the user), clientcert=0 and no-verify are removed; then start the server, or reload it (SELECT pg_reload_conf())",
                ja: "CONTEXT が示す行を直します: clientcert=1 は clientcert=verify-ca に (verify-full は証明書の名前とユーザーも照合します)、clientcert=0 と no-verify は削除します。その後サーバーを起動するか再読み込みします (SELECT pg_reload_conf())",
            },
            Text {
                en: "before restarting, run pgtls check on the data directory (or with --pg-version N): it judges each pg_hba.conf line by that version's rules",
                ja: "再起動の前に、データディレクトリに対して (または --pg-version N を付けて) pgtls check を実行します。そのバージョンの規則で pg_hba.conf の各行を判定します",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS034",
        id: Code::LibpqTooOld,
        name: "libpq-too-old",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the client's libpq is too old for a connection option it was given",
            ja: "クライアントの libpq は、指定された接続オプションに対して古すぎます",
        },
        cause: Text {
            en: "each connection option came with a libpq version, and an older libpq refuses a connection string naming an option it does not know (`invalid connection option \"X\"`) before it connects at all: ssl_min_protocol_version, ssl_max_protocol_version, channel_binding and sslpassword came with libpq 13; sslcrldir and sslsni with 14; sslcertmode, require_auth, load_balance_hosts and sslrootcert=system (the system's trust store) with 16; sslnegotiation with 17; sslkeylogfile, min_protocol_version and max_protocol_version with 18. What counts is the libpq library the program loads, not psql's or the server's version; environment variables of options it does not know (PGSSLMINPROTOCOLVERSION, ...) are silently ignored, and libpq before 16 reads sslrootcert=system as a file named system",
            ja: "接続オプションはそれぞれ特定の libpq のバージョンで追加されたもので、古い libpq は知らないオプションを含む接続文字列を接続の前に拒否します (`invalid connection option \"X\"`): ssl_min_protocol_version、ssl_max_protocol_version、channel_binding、sslpassword は libpq 13、sslcrldir と sslsni は 14、sslcertmode、require_auth、load_balance_hosts と sslrootcert=system (システムの信頼ストア) は 16、sslnegotiation は 17、sslkeylogfile、min_protocol_version、max_protocol_version は 18 で追加されました。重要なのはプログラムが読み込む libpq ライブラリのバージョンで、psql やサーバーのバージョンではありません。知らないオプションの環境変数 (PGSSLMINPROTOCOLVERSION など) は黙って無視され、16 より前の libpq は sslrootcert=system を system という名前のファイルとして読みます",
        },
        fix: &[
            Text {
                en: "upgrade the libpq the client loads (Debian/Ubuntu libpq5, RHEL libpq or postgresqlNN-libs) to a version that has the option; check which one it loads with ldd on the program",
                ja: "クライアントが読み込む libpq (Debian/Ubuntu の libpq5、RHEL の libpq または postgresqlNN-libs) を、そのオプションを持つバージョンに更新します。どれを読み込んでいるかはプログラムに ldd を実行して確認します",
            },
            Text {
                en: "or remove the option and use what that libpq has: the server's ssl_min_protocol_version instead of the client's, a CA file in sslrootcert instead of system, sslmode=require with the default negotiation instead of sslnegotiation=direct",
                ja: "またはオプションを外し、その libpq にあるもので代えます: クライアントの代わりにサーバーの ssl_min_protocol_version、system の代わりに sslrootcert に CA ファイル、sslnegotiation=direct の代わりに既定のネゴシエーションで sslmode=require",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS035",
        id: Code::DirectTlsUnsupported,
        name: "direct-tls-unsupported",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "the client starts TLS directly (sslnegotiation=direct) and the server does not accept that",
            ja: "クライアントは TLS を直接開始しますが (sslnegotiation=direct)、サーバーはそれを受け付けません",
        },
        cause: Text {
            en: "with sslnegotiation=direct (libpq 17 and later) the client sends its TLS ClientHello, with ALPN `postgresql`, as the first bytes instead of an SSLRequest. Only PostgreSQL 17 and later accept that; an older server reads the ClientHello as a start-up packet, logs `invalid length of startup packet` and closes the connection, and libpq prints `SSL SYSCALL error: EOF detected`. A pooler or proxy in front that does not speak direct TLS does the same",
            ja: "sslnegotiation=direct (libpq 17 以降) では、クライアントは SSLRequest の代わりに、ALPN `postgresql` 付きの TLS ClientHello を最初のバイトとして送ります。これを受け付けるのは PostgreSQL 17 以降だけです。古いサーバーは ClientHello を起動パケットとして読み、`invalid length of startup packet` を記録して接続を閉じ、libpq は `SSL SYSCALL error: EOF detected` と表示します。直接 TLS を話さないプーラーやプロキシが前にある場合も同じです",
        },
        fix: &[
            Text {
                en: "remove sslnegotiation=direct from the connection string (or set sslnegotiation=postgres, the default): the SSLRequest path works with every server version",
                ja: "接続文字列から sslnegotiation=direct を外します (または既定の sslnegotiation=postgres にします)。SSLRequest の経路はすべてのサーバーバージョンで動作します",
            },
            Text {
                en: "or upgrade the server (and any pooler in front of it) to PostgreSQL 17 or later",
                ja: "またはサーバー (とその前のプーラー) を PostgreSQL 17 以降に更新します",
            },
        ],
    },

    Diagnosis {
        code: "PGTLS036",
        id: Code::ClientAuthRequirementUnmet,
        name: "client-auth-requirement-unmet",
        severity: Severity::Error,
        side: Side::Client,
        in_seed: false,
        title: Text {
            en: "the client refused the server's authentication: it demands a method (require_auth) or a certificate request (sslcertmode=require) the server did not use",
            ja: "クライアントがサーバーの認証を拒否しました: サーバーが使わなかった認証方式 (require_auth) または証明書要求 (sslcertmode=require) を求めています",
        },
        cause: Text {
            en: "libpq 16 and later let the client insist on how the server authenticates it: require_auth lists the methods it answers (or, with !, refuses), and sslcertmode=require fails when the server did not ask for a client certificate. The server's pg_hba.conf line chose another method (e.g. trust where scram-sha-256 is required, or a line without cert/clientcert), so the client hung up; the server logs nothing more than the connection, or that the client went away",
            ja: "libpq 16 以降では、サーバーがどう認証するかをクライアントが指定できます: require_auth は応じる (! 付きなら拒否する) 方式を列挙し、sslcertmode=require はサーバーがクライアント証明書を求めなかったときに失敗します。サーバーの pg_hba.conf の行が別の方式を選んだ (例: scram-sha-256 が必須なのに trust、cert/clientcert のない行) ため、クライアントが切断しました。サーバーのログには接続か、クライアントが去ったことしか残りません",
        },
        fix: &[
            Text {
                en: "make the server's matching pg_hba.conf line use what the client demands (scram-sha-256 for require_auth=scram-sha-256; cert, or clientcert=verify-full with ssl_ca_file, for sslcertmode=require), then reload",
                ja: "サーバーで一致する pg_hba.conf の行を、クライアントが求めるものにします (require_auth=scram-sha-256 なら scram-sha-256、sslcertmode=require なら cert、または ssl_ca_file と clientcert=verify-full)。その後再読み込みします",
            },
            Text {
                en: "or, if the server is right, relax the client: add the method to require_auth, or set sslcertmode=allow",
                ja: "またはサーバーが正しい場合はクライアントを緩めます: require_auth に方式を加えるか、sslcertmode=allow にします",
            },
        ],
    },

    // ---- 040 and up: a pooler (pgbouncer) between the client and PostgreSQL.
    Diagnosis {
        code: "PGTLS040",
        id: Code::PoolerClientTlsRequired,
        name: "pooler-client-tls-required",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "pgbouncer requires TLS from clients and the client connected without it",
            ja: "pgbouncer はクライアントに TLS を要求していますが、クライアントは TLS なしで接続しました",
        },
        cause: Text {
            en: "on the client's leg (client ↔ pgbouncer) pgbouncer has client_tls_sslmode = require (or verify-ca/verify-full) and the client sent its startup message in plaintext (libpq sslmode=disable or allow, Kong pg_ssl = off); pgbouncer closes the connection with its own FATAL `SSL required` before PostgreSQL is ever contacted",
            ja: "クライアント側の区間 (クライアント ↔ pgbouncer) で pgbouncer は client_tls_sslmode = require (または verify-ca/verify-full) ですが、クライアントが平文で起動メッセージを送りました (libpq の sslmode=disable または allow、Kong の pg_ssl = off)。pgbouncer は PostgreSQL に接続する前に独自の FATAL `SSL required` で接続を閉じます",
        },
        fix: &[
            Text {
                en: "turn TLS on at the client: libpq sslmode=verify-full with sslrootcert naming the CA of pgbouncer's client_tls_cert_file; Kong pg_ssl = on, pg_ssl_verify = on and lua_ssl_trusted_certificate naming that CA",
                ja: "クライアントで TLS を有効にします: libpq は sslmode=verify-full と、pgbouncer の client_tls_cert_file の CA を指す sslrootcert。Kong は pg_ssl = on、pg_ssl_verify = on と、その CA を指す lua_ssl_trusted_certificate",
            },
            Text {
                en: "only if plaintext between the client and pgbouncer is really acceptable: set client_tls_sslmode = prefer in pgbouncer.ini and reload pgbouncer (RELOAD on its console, or SIGHUP)",
                ja: "クライアントと pgbouncer の間が平文で本当に問題ない場合に限り: pgbouncer.ini で client_tls_sslmode = prefer とし、pgbouncer を再読み込みします (管理コンソールの RELOAD、または SIGHUP)",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS041",
        id: Code::PoolerQueryWaitTimeout,
        name: "pooler-query-wait-timeout",
        severity: Severity::Error,
        side: Side::Server,
        in_seed: false,
        title: Text {
            en: "pgbouncer could not get a server connection in time: the server's leg fails",
            ja: "pgbouncer が時間内にサーバー接続を得られませんでした: サーバー側の区間が失敗しています",
        },
        cause: Text {
            en: "the client logged in to pgbouncer, then waited query_wait_timeout (120 s by default) for a connection to PostgreSQL that never came; pgbouncer's own log says why the server's leg (pgbouncer ↔ PostgreSQL) fails: `TLS handshake error` followed by `closing because: server conn crashed?` (TLS between pgbouncer and PostgreSQL), `TLS connect error` (server_tls_* files), or a full pool",
            ja: "クライアントは pgbouncer にログインした後、PostgreSQL への接続を query_wait_timeout (既定 120 秒) 待ちましたが得られませんでした。サーバー側の区間 (pgbouncer ↔ PostgreSQL) が失敗する理由は pgbouncer 自身のログにあります: `TLS handshake error` とその後の `closing because: server conn crashed?` (pgbouncer と PostgreSQL の間の TLS)、`TLS connect error` (server_tls_* のファイル)、またはプールの枯渇です",
        },
        fix: &[
            Text {
                en: "read pgbouncer's log around the same time (pgtls logs /var/log/postgresql/pgbouncer.log) and fix the server's leg it names; the client's settings are not the cause",
                ja: "同じ時刻の pgbouncer のログを読み (pgtls logs /var/log/postgresql/pgbouncer.log)、そこに示されたサーバー側の区間を直します。クライアントの設定は原因ではありません",
            },
            Text {
                en: "while diagnosing, lower query_wait_timeout in pgbouncer.ini (e.g. 10) so clients fail fast instead of hanging",
                ja: "診断中は pgbouncer.ini の query_wait_timeout を下げ (例: 10)、クライアントが待ち続けずにすぐ失敗するようにします",
            },
        ],
    },
    Diagnosis {
        code: "PGTLS042",
        id: Code::PoolerServerConnectionFailed,
        name: "pooler-server-connection-failed",
        severity: Severity::Error,
        side: Side::Both,
        in_seed: false,
        title: Text {
            en: "pgbouncer's connection to PostgreSQL broke before login",
            ja: "pgbouncer から PostgreSQL への接続がログイン前に切れました",
        },
        cause: Text {
            en: "on the server's leg (pgbouncer ↔ PostgreSQL) pgbouncer closed a new server connection with `server conn crashed?`, `TLS startup failed` or `sslreq processing failed`: the TLS handshake with PostgreSQL failed (the line before names the OpenSSL reason) or pgbouncer could not load its server_tls_* files; clients meanwhile wait for query_wait_timeout",
            ja: "サーバー側の区間 (pgbouncer ↔ PostgreSQL) で pgbouncer が新しいサーバー接続を `server conn crashed?`、`TLS startup failed` または `sslreq processing failed` で閉じました: PostgreSQL との TLS ハンドシェイクが失敗したか (直前の行に OpenSSL の理由があります)、pgbouncer が server_tls_* のファイルを読み込めませんでした。その間クライアントは query_wait_timeout まで待たされます",
        },
        fix: &[
            Text {
                en: "check server_tls_sslmode, server_tls_ca_file (the CA that signed PostgreSQL's ssl_cert_file), server_tls_cert_file and server_tls_key_file in pgbouncer.ini against PostgreSQL's ssl_* settings and pg_hba.conf, then reload pgbouncer",
                ja: "pgbouncer.ini の server_tls_sslmode、server_tls_ca_file (PostgreSQL の ssl_cert_file に署名した CA)、server_tls_cert_file、server_tls_key_file を PostgreSQL の ssl_* 設定と pg_hba.conf と照らし合わせ、pgbouncer を再読み込みします",
            },
            Text {
                en: "read PostgreSQL's log at the same time: `could not accept SSL connection: ...` there says which side rejected",
                ja: "同じ時刻の PostgreSQL のログを読みます: そこの `could not accept SSL connection: ...` がどちら側が拒否したかを示します",
            },
        ],
    },

];
