//! What check says about the server's own files and settings: why it will
//! not start, what its settings mean for later connections, and the fixes.

use std::path::Path;

use super::Localized;

pub enum CheckServerText<'a> {
    /// The predicted FATAL (and its DETAIL) at start.
    RefusesToStart {
        message: &'a str,
        detail: Option<&'a str>,
    },
    CannotEnterDirectory {
        account: &'a str,
        dir: &'a Path,
        /// `dir` quoted for a shell.
        dir_sh: &'a str,
    },
    GiveKeyToServerAccount {
        account: &'a str,
        group: &'a str,
        path_sh: &'a str,
    },
    CertificateIsPublic {
        path_sh: &'a str,
    },
    PutServerCert {
        path: &'a Path,
    },
    CertificateForKeyBeside {
        found: &'a Path,
        key: &'a Path,
        /// `found` as ssl_cert_file's value.
        value: &'a str,
    },
    PutServerKey {
        path: &'a Path,
    },
    PointKeyFileAtPem,
    ServerAccountOwnsKey {
        account: &'a str,
        group: &'a str,
        path_sh: &'a str,
    },
    OwnKeyAtMost0600 {
        account: &'a str,
        path_sh: &'a str,
    },
    RootKeyAtMost0640 {
        path_sh: &'a str,
    },
    RootKeyReadThroughGroup {
        account: &'a str,
        group: &'a str,
        path_sh: &'a str,
    },
    KeyPermissionRule,
    PairKeyWithCert {
        cert_sh: &'a str,
        key_sh: &'a str,
    },
    PassphraseNeedsTerminal,
    SetPassphraseCommand {
        path_sh: &'a str,
    },
    ExpiredRefusedByVerifyingClients,
    RenewCertificate {
        path: &'a Path,
        path_sh: &'a str,
    },
    EmptyProtocolRange {
        min: &'a str,
        max: &'a str,
    },
    MakeProtocolRangeNonEmpty,
    LegacyTlsRefusedByOpenssl3,
    PointCaFileAtPem,
    IncludeRecordRefused {
        version: &'a str,
        keyword: &'a str,
    },
    InlineIncludedLines {
        count: usize,
        record: &'a str,
    },
    HostsslWithSslOff,
    TurnSslOn {
        ssl_loc: &'a str,
    },
    ClientCertsNeedCaFile,
    SetCaFile,
}

fn fatal_line(message: &str, detail: Option<&str>) -> String {
    let mut line = format!("FATAL:  {message}");
    if let Some(d) = detail {
        line.push_str(&format!(" / DETAIL:  {d}"));
    }
    line
}

impl Localized for CheckServerText<'_> {
    fn en(&self) -> String {
        match self {
            CheckServerText::RefusesToStart { message, detail } => format!(
                "the server will refuse to start and log: {}",
                fatal_line(message, *detail)
            ),
            CheckServerText::CannotEnterDirectory { account, dir, dir_sh } => format!(
                "the server account {account} cannot enter {}: let it through, e.g. `chmod o+x {dir_sh}` (or move the file to a directory it can read)",
                dir.display()
            ),
            CheckServerText::GiveKeyToServerAccount { account: u, group: g, path_sh: p } => format!(
                "give the key to the server account: `chown {u}:{g} {p} && chmod 0600 {p}` (or keep it root-owned and readable through the group: `chown root:{g} {p} && chmod 0640 {p}`)"
            ),
            CheckServerText::CertificateIsPublic { path_sh } => {
                format!("a certificate is public: `chmod 0644 {path_sh}`")
            }
            CheckServerText::PutServerCert { path } => format!(
                "put the server certificate (leaf first, then its intermediates) at {}, or point postgresql.conf at it: ssl_cert_file = '/path/to/server.crt'",
                path.display()
            ),
            CheckServerText::CertificateForKeyBeside { found, key, value } => format!(
                "{} holds a certificate for the key in {}: ssl_cert_file = {value} (check its names and dates first)",
                found.display(),
                key.display()
            ),
            CheckServerText::PutServerKey { path } => format!(
                "put the server's private key at {}, or point postgresql.conf at it: ssl_key_file = '/path/to/server.key'",
                path.display()
            ),
            CheckServerText::PointKeyFileAtPem => {
                "point ssl_key_file at the PEM file holding the server's private key".into()
            }
            CheckServerText::ServerAccountOwnsKey { account, group, path_sh: p } => format!(
                "make the server account ({account}) own it: `chown {account}:{group} {p} && chmod 0600 {p}`"
            ),
            CheckServerText::OwnKeyAtMost0600 { account, path_sh: p } => format!(
                "a key owned by the server account ({account}) must be 0600 or less: `chmod 0600 {p}` (0640 is only allowed for root-owned keys)"
            ),
            CheckServerText::RootKeyAtMost0640 { path_sh: p } => {
                format!("a root-owned key may be at most 0640: `chmod 0640 {p}`")
            }
            CheckServerText::RootKeyReadThroughGroup { account, group, path_sh: p } => format!(
                "a root-owned key may be at most 0640, and the server must read it through the group: `chown root:{group} {p} && chmod 0640 {p}` (or `chown {account}:{group} {p} && chmod 0600 {p}`)"
            ),
            CheckServerText::KeyPermissionRule => "PostgreSQL's rule: owned by the database user, u=rw (0600) or less; owned by root, u=rw,g=r (0640) or less".into(),
            CheckServerText::PairKeyWithCert { cert_sh, key_sh } => format!(
                "pair the files: ssl_key_file must be the key of the certificate in ssl_cert_file; compare `openssl x509 -in {cert_sh} -noout -pubkey | openssl sha256` with `openssl pkey -in {key_sh} -pubout | openssl sha256`"
            ),
            CheckServerText::PassphraseNeedsTerminal => "started from a terminal the server asks for the passphrase there; started by systemd or pg_ctl in the background it cannot ask and fails".into(),
            CheckServerText::SetPassphraseCommand { path_sh: p } => format!(
                "set ssl_passphrase_command = '/path/to/print-passphrase' in postgresql.conf, or store the key unencrypted: `openssl pkey -in {p} -out {p}.plain` (then install it 0600 owned by the server account)"
            ),
            CheckServerText::ExpiredRefusedByVerifyingClients => "the server starts; every client that verifies the chain (libpq verify-ca/verify-full, Kong pg_ssl_verify = on) refuses it".into(),
            CheckServerText::RenewCertificate { path, path_sh } => format!(
                "renew it and replace {} (check with `openssl x509 -in {path_sh} -noout -dates`), then reload the server",
                path.display()
            ),
            CheckServerText::EmptyProtocolRange { min, max } => {
                format!("the server's own range is empty: from {min} up to {max}")
            }
            CheckServerText::MakeProtocolRangeNonEmpty => "make the range non-empty in postgresql.conf, e.g. ssl_min_protocol_version = 'TLSv1.2' and ssl_max_protocol_version = '' (no upper bound)".into(),
            CheckServerText::LegacyTlsRefusedByOpenssl3 => "with OpenSSL 3 at Debian's default security level, TLS 1.0 and 1.1 are refused anyway unless both sides lower it to 0".into(),
            CheckServerText::PointCaFileAtPem => "point ssl_ca_file at a PEM file with the CA certificates that issue your clients' certificates (or set ssl_ca_file = '' when no client certificates are used)".into(),
            CheckServerText::IncludeRecordRefused { version, keyword } => format!(
                "PostgreSQL {version} reads `{keyword}` as an invalid connection type and refuses the whole pg_hba.conf: `invalid connection type \"{keyword}\"`, then `could not load pg_hba.conf` (at start) or `pg_hba.conf was not reloaded`"
            ),
            CheckServerText::InlineIncludedLines { count, record } => format!(
                "put the {count} included line(s) in place of `{record}` (include records need PostgreSQL 16), then reload or start the server"
            ),
            CheckServerText::HostsslWithSslOff => "the server logs `hostssl record cannot match because SSL is disabled` for these lines at start and answers N to every SSLRequest".into(),
            CheckServerText::TurnSslOn { ssl_loc } => format!(
                "in postgresql.conf ({ssl_loc}): ssl = on, with ssl_cert_file and ssl_key_file; then reload"
            ),
            CheckServerText::ClientCertsNeedCaFile => "the server starts; every connection that matches this line fails with FATAL:  client certificates can only be checked if a root certificate store is available".into(),
            CheckServerText::SetCaFile => "in postgresql.conf: ssl_ca_file = 'root.crt' (a PEM file, relative to the data directory, with the CA that issues the client certificates); then reload".into(),
        }
    }

    fn ja(&self) -> String {
        match self {
            CheckServerText::RefusesToStart { message, detail } => format!(
                "サーバーは起動できず、次のように記録します: {}",
                fatal_line(message, *detail)
            ),
            CheckServerText::CannotEnterDirectory { account, dir, dir_sh } => format!(
                "サーバーのアカウント {account} は {} に入れません。たとえば `chmod o+x {dir_sh}` で通れるようにします (またはファイルを読めるディレクトリへ移します)",
                dir.display()
            ),
            CheckServerText::GiveKeyToServerAccount { account: u, group: g, path_sh: p } => format!(
                "鍵をサーバーのアカウントの所有にします: `chown {u}:{g} {p} && chmod 0600 {p}` (root 所有のままにする場合はグループで読めるようにします: `chown root:{g} {p} && chmod 0640 {p}`)"
            ),
            CheckServerText::CertificateIsPublic { path_sh } => {
                format!("証明書は公開情報です: `chmod 0644 {path_sh}`")
            }
            CheckServerText::PutServerCert { path } => format!(
                "サーバー証明書 (リーフ、続けて中間証明書) を {} に置くか、postgresql.conf で指定します: ssl_cert_file = '/path/to/server.crt'",
                path.display()
            ),
            CheckServerText::CertificateForKeyBeside { found, key, value } => format!(
                "{} に {} の鍵の証明書があります: ssl_cert_file = {value} (先に名前と有効期間を確認します)",
                found.display(),
                key.display()
            ),
            CheckServerText::PutServerKey { path } => format!(
                "サーバーの秘密鍵を {} に置くか、postgresql.conf で指定します: ssl_key_file = '/path/to/server.key'",
                path.display()
            ),
            CheckServerText::PointKeyFileAtPem => {
                "ssl_key_file にサーバーの秘密鍵の PEM ファイルを指定します".into()
            }
            CheckServerText::ServerAccountOwnsKey { account, group, path_sh: p } => format!(
                "サーバーのアカウント ({account}) の所有にします: `chown {account}:{group} {p} && chmod 0600 {p}`"
            ),
            CheckServerText::OwnKeyAtMost0600 { account, path_sh: p } => format!(
                "サーバーのアカウント ({account}) が所有する鍵は 0600 以下でなければなりません: `chmod 0600 {p}` (0640 が許されるのは root 所有の鍵だけです)"
            ),
            CheckServerText::RootKeyAtMost0640 { path_sh: p } => {
                format!("root 所有の鍵は 0640 以下でなければなりません: `chmod 0640 {p}`")
            }
            CheckServerText::RootKeyReadThroughGroup { account, group, path_sh: p } => format!(
                "root 所有の鍵は 0640 以下で、サーバーがグループ経由で読める必要があります: `chown root:{group} {p} && chmod 0640 {p}` (または `chown {account}:{group} {p} && chmod 0600 {p}`)"
            ),
            CheckServerText::KeyPermissionRule => "PostgreSQL の規則: データベースユーザーの所有なら u=rw (0600) 以下、root の所有なら u=rw,g=r (0640) 以下".into(),
            CheckServerText::PairKeyWithCert { cert_sh, key_sh } => format!(
                "ファイルを対にします: ssl_key_file は ssl_cert_file の証明書の鍵でなければなりません。`openssl x509 -in {cert_sh} -noout -pubkey | openssl sha256` と `openssl pkey -in {key_sh} -pubout | openssl sha256` を比べます"
            ),
            CheckServerText::PassphraseNeedsTerminal => "端末から起動した場合サーバーはそこでパスフレーズを尋ねます。systemd やバックグラウンドの pg_ctl から起動した場合は尋ねられず失敗します".into(),
            CheckServerText::SetPassphraseCommand { path_sh: p } => format!(
                "postgresql.conf に ssl_passphrase_command = '/path/to/print-passphrase' を設定するか、鍵を暗号化せずに保存します: `openssl pkey -in {p} -out {p}.plain` (その後サーバーのアカウント所有の 0600 で置きます)"
            ),
            CheckServerText::ExpiredRefusedByVerifyingClients => "サーバーは起動しますが、チェーンを検証するクライアント (libpq verify-ca/verify-full、Kong pg_ssl_verify = on) はすべて拒否します".into(),
            CheckServerText::RenewCertificate { path, path_sh } => format!(
                "更新して {} を置き換え (`openssl x509 -in {path_sh} -noout -dates` で確認)、サーバーの設定を再読み込みします",
                path.display()
            ),
            CheckServerText::EmptyProtocolRange { min, max } => {
                format!("サーバー自身の範囲が空です: {min} から {max} まで")
            }
            CheckServerText::MakeProtocolRangeNonEmpty => "postgresql.conf で範囲を空でなくします。例: ssl_min_protocol_version = 'TLSv1.2'、ssl_max_protocol_version = '' (上限なし)".into(),
            CheckServerText::LegacyTlsRefusedByOpenssl3 => "Debian 既定のセキュリティレベルの OpenSSL 3 では、両側で 0 に下げない限り TLS 1.0 と 1.1 はどのみち拒否されます".into(),
            CheckServerText::PointCaFileAtPem => "ssl_ca_file にクライアント証明書を発行した CA 証明書の PEM ファイルを指定します (クライアント証明書を使わない場合は ssl_ca_file = '')".into(),
            CheckServerText::IncludeRecordRefused { version, keyword } => format!(
                "PostgreSQL {version} は `{keyword}` を不正な接続タイプとして読み、pg_hba.conf 全体を拒否します: `invalid connection type \"{keyword}\"` の後、起動時は `could not load pg_hba.conf`、再読み込み時は `pg_hba.conf was not reloaded`"
            ),
            CheckServerText::InlineIncludedLines { count, record } => format!(
                "`{record}` の代わりに取り込まれる {count} 行をその場所に書き (include 行は PostgreSQL 16 以降)、サーバーを再読み込みまたは起動します"
            ),
            CheckServerText::HostsslWithSslOff => "サーバーは起動時にこれらの行について `hostssl record cannot match because SSL is disabled` を記録し、すべての SSLRequest に N と答えます".into(),
            CheckServerText::TurnSslOn { ssl_loc } => format!(
                "postgresql.conf ({ssl_loc}) で ssl = on とし、ssl_cert_file と ssl_key_file を設定して再読み込みします"
            ),
            CheckServerText::ClientCertsNeedCaFile => "サーバーは起動しますが、この行に一致する接続はすべて FATAL:  client certificates can only be checked if a root certificate store is available で失敗します".into(),
            CheckServerText::SetCaFile => "postgresql.conf に ssl_ca_file = 'root.crt' (クライアント証明書を発行する CA の PEM ファイル、データディレクトリからの相対パス可) を設定し、再読み込みします".into(),
        }
    }
}
