//! What probe's rules say about one connection attempt: the client's
//! settings to change, why the server or the client gave up, and where the
//! missing certificate, version or password is.

use super::Localized;
use crate::finding::Msg;
use crate::probe_rules::{ClientKind, VerifyResult};

pub enum ProbeText<'a> {
    /// PGTLS006: the CA that issued the client's certificate lies beside
    /// it.
    ClientIssuerBeside {
        issuer: &'a str,
        file: &'a str,
    },
    /// A client's name in findings.
    ClientName {
        kind: ClientKind,
    },
    SetInFile {
        path: &'a str,
        line: usize,
        key: &'a str,
        value: &'a str,
    },
    /// Kong's environment variables override kong.conf; libpq's have no
    /// such file to override.
    SetEnvVar {
        var: &'a str,
        value: &'a str,
        overrides_kong_conf: bool,
    },
    SetInConnString {
        key: &'a str,
        value: &'a str,
    },
    AddToKongConfFile {
        file: &'a str,
        key: &'a str,
        value: &'a str,
    },
    SetInKongConf {
        key: &'a str,
        value: &'a str,
    },
    AddToConnString {
        key: &'a str,
        value: &'a str,
        env_var: Option<&'a str>,
    },
    LibpqRetried {
        sslmode: &'a str,
        first_step: &'a str,
    },
    KongIgnoresHostMismatch {
        leaf_names: &'a str,
        host: &'a str,
    },
    KongChecksNoHostNames,
    ClientDoesNotVerify {
        how: &'a str,
        own: Option<&'a VerifyResult>,
    },
    WeakChainCert {
        index: usize,
        subject: &'a str,
        why: &'a str,
    },
    NotEncryptedTlsOffAtClient {
        how: &'a str,
    },
    MadeWithoutTls,
    OssKongHasNoSslRequired,
    NameDoesNotResolve {
        host: &'a str,
    },
    NothingListens {
        host: &'a str,
        port: u16,
    },
    TcpTimeout {
        host: &'a str,
        port: u16,
    },
    TcpFailed {
        host: &'a str,
        port: u16,
        text: &'a str,
    },
    KongDialsPgHost,
    StalledAt {
        at: &'a str,
    },
    RefusedBeforeTls {
        severity: &'a str,
        message: &'a str,
    },
    NoPasswordFor {
        asked: &'a str,
        user: &'a str,
        database: &'a str,
    },
    ServerLetInAnotherWay {
        user: &'a str,
        database: &'a str,
    },
    ClientGaveUp {
        at: &'a str,
        text: &'a str,
    },
    ServerWithoutDirectTls,
    SetSslNegotiationPostgres,
    NoKnownFailureExplains {
        at: &'a str,
    },
    NotLikePostgres {
        host: &'a str,
        port: u16,
        text: &'a str,
    },
    OssKongWentOnWithoutTls,
    ClientWentOnWithoutTls,
    TurnServerSslOn,
    NoVersionAccepted,
    VersionsOverlapYetFailed {
        overlap: &'a str,
    },
    NoVersionOverlap {
        server_min: &'a str,
        server_max: &'a str,
        client_min: &'a str,
        client_max: &'a str,
    },
    OssLuaSecVersionsFixed,
    OrServerVersionSetting {
        key: &'a str,
        value: &'a str,
        server_min: &'a str,
        server_max: &'a str,
    },
    LuaSecIgnoresDepth,
    NotYetValid {
        subject: &'a str,
        not_before: &'a str,
    },
    ExpiredOn {
        subject: &'a str,
        not_after: &'a str,
        days_ago: i64,
    },
    IntermediateNotSent,
    AppendIntermediateFiles {
        paths: &'a str,
    },
    AppendIntermediateCert {
        names: &'a str,
        paths: &'a str,
        pem: &'a str,
    },
    OrAddToTrustStore {
        how: &'a Msg,
    },
    IntermediateOrRoot {
        missing: &'a str,
    },
    AlsoExpired {
        index: usize,
        subject: &'a str,
        not_after: &'a str,
    },
    AddCaFromFile {
        missing: &'a str,
        path: &'a str,
        how: &'a Msg,
    },
    AddCaPem {
        missing: &'a str,
        how: &'a Msg,
    },
    AddCaToTrustSetting {
        missing: &'a str,
        trust: &'a str,
    },
    SystemTrustAddCa {
        files: &'a str,
    },
    /// `new` is the CA files, space-separated; without `whole_files` they
    /// hold more than the CA and only the certificate goes in.
    MakeRootBundle {
        current: &'a str,
        new: &'a str,
        bundle: &'a str,
        whole_files: bool,
        then: &'a Msg,
    },
    ClientCertExpired {
        path: &'a str,
        not_after: &'a str,
        days_ago: i64,
    },
    RenewClientCert {
        path: &'a str,
        issuer: &'a str,
        cert_key: &'a str,
    },
    IssuerAdvertisedYetRefused {
        issuer: &'a str,
    },
    IssuerNotAdvertised {
        issuer: &'a str,
        names: &'a str,
    },
    AppendCaToSslCaFile {
        issuer: &'a str,
    },
    OrReissueFrom {
        path: &'a str,
        ca: &'a str,
    },
    DialCertificateName {
        name: &'a str,
        san: &'a str,
    },
    ChainItselfTrusted,
    PasswordNotSent {
        kind: ClientKind,
        host: &'a str,
        port: u16,
    },
    PasswordComesFrom {
        source: &'a str,
        role: &'a str,
    },
    GiveLibpqPassword {
        host: &'a str,
        port: u16,
        database: &'a str,
        user: &'a str,
    },
    ServerRefusedUnknown {
        severity: &'a str,
        message: &'a str,
        sqlstate: &'a str,
    },
    CnComparedWithUser {
        cn: &'a str,
        user: &'a str,
    },
    AddIdentMap {
        ident: &'a str,
        identity: &'a str,
        map: &'a str,
        hba: &'a str,
    },
    OrReissueWithCn {
        user: &'a str,
        cert_key: &'a str,
    },
    ClientnameDnComparesDn {
        dn: &'a str,
    },
    OssKongSendsNoClientCert {
        cert_key: &'a str,
        key_key: &'a str,
    },
    UseEnterpriseOrScram {
        cert_key: &'a str,
        key_key: &'a str,
        database: &'a str,
        user: &'a str,
        cidr: &'a str,
    },
    /// `issuers` empty: any CA the server's ssl_ca_file holds.
    SetClientCert {
        cert: &'a Msg,
        key: &'a Msg,
        issuers: &'a [String],
        user: &'a str,
    },
    TurnTlsOnAtClient {
        how: &'a Msg,
    },
    AddHbaLine {
        hba: &'a str,
    },
}

impl Localized for ProbeText<'_> {
    fn en(&self) -> String {
        match self {
            ProbeText::ClientIssuerBeside { issuer, file } => format!(
                "{issuer}, which issued the client certificate, is in {file}: on the server append it to the file ssl_ca_file names (every certificate it issued is then accepted where pg_hba.conf asks for one: look first), then reload"
            ),
            ProbeText::ClientName { kind } => match kind {
                ClientKind::KongCosocket => "Kong (cosocket path)",
                ClientKind::KongLuaSec => "Kong (LuaSec path)",
                ClientKind::Libpq => "libpq (psql)",
            }
            .into(),
            ProbeText::SetInFile { path, line, key, value } => {
                format!("in {path} line {line} set `{key} = {value}`")
            }
            ProbeText::SetEnvVar { var, value, overrides_kong_conf } => {
                let note = if *overrides_kong_conf { " (it overrides kong.conf)" } else { "" };
                format!("set the environment variable `{var}={value}`{note}")
            }
            ProbeText::SetInConnString { key, value } => {
                format!("in the connection string set `{key}={value}`")
            }
            ProbeText::AddToKongConfFile { file, key, value } => {
                format!("add `{key} = {value}` to {file}")
            }
            ProbeText::SetInKongConf { key, value } => format!("set `{key} = {value}` in kong.conf"),
            ProbeText::AddToConnString { key, value, env_var } => {
                let env = match env_var {
                    Some(var) => format!(" (or set {var}={value})"),
                    None => String::new(),
                };
                format!("add `{key}={value}` to the connection string{env}")
            }
            ProbeText::LibpqRetried { sslmode, first_step } => format!(
                "libpq (sslmode={sslmode}) retried on a second connection after the first failed at {first_step}"
            ),
            ProbeText::KongIgnoresHostMismatch { leaf_names, host } => format!(
                "Kong connected although the certificate names {leaf_names}, not {host}: Kong does not check host names (no SNI, chain only); libpq with sslmode=verify-full would refuse this server (PGTLS012)"
            ),
            ProbeText::KongChecksNoHostNames => "Kong does not check host names (no SNI, chain only): any certificate from a trusted CA is accepted for this server".into(),
            ProbeText::ClientDoesNotVerify { how, own } => {
                let own = match own {
                    Some(v) if v.ok => "pgtls's own verification of the chain against the trust store passed".to_string(),
                    Some(v) => format!(
                        "pgtls's own verification against the trust store fails: {}: {} — turning verification on now would break the connection",
                        v.code, v.text
                    ),
                    None => String::new(),
                };
                format!("the client does not verify the server's certificate ({how}); {own}")
            }
            ProbeText::WeakChainCert { index, subject, why } => format!(
                "chain[{index}] {subject}: {why} (PGTLS022): clients at a stricter OpenSSL security level refuse it"
            ),
            ProbeText::NotEncryptedTlsOffAtClient { how } => {
                format!("the connection is not encrypted: TLS is off at the client ({how})")
            }
            ProbeText::MadeWithoutTls => "this connection was made WITHOUT TLS: the password and all data crossed the network in clear text".into(),
            ProbeText::OssKongHasNoSslRequired => "open-source Kong has no pg_ssl_required: only a pg_hba.conf with hostssl lines (and no host lines) for Kong's user makes the server refuse plaintext".into(),
            ProbeText::NameDoesNotResolve { host } => {
                format!("the name {host} does not resolve from this host (DNS)")
            }
            ProbeText::NothingListens { host, port } => format!(
                "nothing listens on {host}:{port} (connection refused): the server is down, listens on another address or port (listen_addresses, port)"
            ),
            ProbeText::TcpTimeout { host, port } => format!(
                "no answer to the TCP connection to {host}:{port} in time: a firewall drops the packets, or the host is down"
            ),
            ProbeText::TcpFailed { host, port, text } => {
                format!("the TCP connection to {host}:{port} failed: {text}")
            }
            ProbeText::KongDialsPgHost => "Kong dials pg_host:pg_port; check them in kong.conf and the KONG_PG_HOST / KONG_PG_PORT variables".into(),
            ProbeText::StalledAt { at } => format!(
                "the server accepted the TCP connection but stalled at {at}: a PostgreSQL that hangs (overloaded, a stuck authentication), a proxy or firewall that holds connections open, or something that is not PostgreSQL"
            ),
            ProbeText::RefusedBeforeTls { severity, message } => {
                format!("the server refused before TLS: {severity}: {message}")
            }
            ProbeText::NoPasswordFor { asked, user, database } => format!(
                "the server asked for {asked} and the client has no password for {user}@{database}"
            ),
            ProbeText::ServerLetInAnotherWay { user, database } => format!(
                "the server let {user}@{database} in another way than the client demands; the server's matching pg_hba.conf line decides the method"
            ),
            ProbeText::ClientGaveUp { at, text } => format!("the client gave up at {at}: {text}"),
            ProbeText::ServerWithoutDirectTls => "the server is older than PostgreSQL 17 (or a pooler or proxy in front of it does not accept direct TLS): its log says `invalid length of startup packet`".into(),
            ProbeText::SetSslNegotiationPostgres => "in the connection string set `sslnegotiation=postgres` (or remove sslnegotiation): the SSLRequest path works with every server version".into(),
            ProbeText::NoKnownFailureExplains { at } => {
                format!("no known TLS failure explains what the client saw at {at}")
            }
            ProbeText::NotLikePostgres { host, port, text } => format!(
                "{host}:{port} did not behave like a PostgreSQL server: {text}; check that pg_host/pg_port (host/port) point at PostgreSQL itself and not at a web server, a TLS-terminating proxy or a pooler"
            ),
            ProbeText::OssKongWentOnWithoutTls => "open-source Kong went on without TLS (it has no pg_ssl_required), and the server has no pg_hba.conf line for unencrypted connections: the root cause is that the server does not offer TLS".into(),
            ProbeText::ClientWentOnWithoutTls => "the client went on without TLS and the server has no pg_hba.conf line for unencrypted connections: the root cause is that the server does not offer TLS".into(),
            ProbeText::TurnServerSslOn => "on the server, in postgresql.conf: `ssl = on` (with ssl_cert_file and ssl_key_file naming the certificate and key), then reload: SELECT pg_reload_conf()".into(),
            ProbeText::NoVersionAccepted => "the server accepted none of the versions tried: its settings or OpenSSL security level allow no version this host can offer".into(),
            ProbeText::VersionsOverlapYetFailed { overlap } => format!(
                "the server accepts {overlap} which the client also offers, yet the handshake failed: a cipher or security-level mismatch rather than the version range"
            ),
            ProbeText::NoVersionOverlap { server_min, server_max, client_min, client_max } => format!(
                "no overlap: the server accepts {server_min} to {server_max}, the client offers {client_min} to {client_max}"
            ),
            ProbeText::OssLuaSecVersionsFixed => "open-source Kong's LuaSec path offers TLS 1.1 and newer and has no setting to change that: only the server's range can be changed".into(),
            ProbeText::OrServerVersionSetting { key, value, server_min, server_max } => format!(
                "or on the server, in postgresql.conf: `{key} = '{value}'`, then reload (SELECT pg_reload_conf()); the server currently allows {server_min} to {server_max}"
            ),
            ProbeText::LuaSecIgnoresDepth => "Kong's LuaSec path ignores the depth, so only the cosocket path (kong start from the CLI) fails".into(),
            ProbeText::NotYetValid { subject, not_before } => {
                format!("{subject} is not valid before {not_before} (check both clocks)")
            }
            ProbeText::ExpiredOn { subject, not_after, days_ago } => {
                format!("{subject} expired on {not_after} ({days_ago} days ago)")
            }
            ProbeText::IntermediateNotSent => "the server does not send the intermediate CA certificate its leaf needs, and the client trusts only the root".into(),
            ProbeText::AppendIntermediateFiles { paths } => format!(
                "on the server, append {paths} after the leaf in the file ssl_cert_file names (cat server.crt {paths} > server-chain.crt; ssl_cert_file = 'server-chain.crt'), then reload"
            ),
            ProbeText::AppendIntermediateCert { names, paths, pem } => format!(
                "on the server, append the CA certificate {names} (found in {paths}, which also holds other certificates: do not append that whole file) after the leaf in the file ssl_cert_file names, then reload; the certificate to append:\n{pem}"
            ),
            ProbeText::OrAddToTrustStore { how } => {
                format!("or add it to the client's trust store: {}", how.en)
            }
            ProbeText::IntermediateOrRoot { missing } => format!(
                "if {missing} is an intermediate CA, the server must send it after its leaf (PGTLS014); if it is a root CA, the client must trust it"
            ),
            ProbeText::AlsoExpired { index, subject, not_after } => format!(
                "also: chain[{index}] {subject} expired on {not_after} (PGTLS010), which fails next"
            ),
            ProbeText::AddCaFromFile { missing, path, how } => format!(
                "add the CA certificate \"{missing}\" ({path}) to the client's trust store: {}",
                how.en
            ),
            ProbeText::AddCaPem { missing, how } => format!(
                "add the CA certificate \"{missing}\" (PEM) to the client's trust store: {} (where /path/to/ca.crt holds it)",
                how.en
            ),
            ProbeText::AddCaToTrustSetting { missing, trust } => {
                format!("add the CA certificate \"{missing}\" to the client's trust store ({trust})")
            }
            ProbeText::SystemTrustAddCa { files } => format!(
                "sslrootcert=system trusts the operating system's store ({files}): add the CA there (Debian/Ubuntu: copy it to /usr/local/share/ca-certificates/<name>.crt and run update-ca-certificates; RHEL: /etc/pki/ca-trust/source/anchors/ and update-ca-trust), or set sslrootcert to a file that holds it (then sslmode may be verify-ca or verify-full)"
            ),
            ProbeText::MakeRootBundle { current, new, bundle, whole_files, then } => {
                let what = if *whole_files {
                    format!("cat {current} {new} > {bundle}")
                } else {
                    format!("put {current} and the CA certificate above into {bundle}")
                };
                format!(
                    "libpq reads one root certificate file, so make a bundle: {what}; then {}",
                    then.en
                )
            }
            ProbeText::ClientCertExpired { path, not_after, days_ago } => {
                format!("the client certificate {path} expired on {not_after} ({days_ago} days ago)")
            }
            ProbeText::RenewClientCert { path, issuer, cert_key } => format!(
                "renew {path} from {issuer} (same key or a new one), then point {cert_key} at it"
            ),
            ProbeText::IssuerAdvertisedYetRefused { issuer } => format!(
                "the issuer {issuer} is among the CA names the server advertises, yet the server refused the certificate: an intermediate is missing (send it with the certificate), or the certificate lacks clientAuth usage"
            ),
            ProbeText::IssuerNotAdvertised { issuer, names } => format!(
                "the client certificate is issued by {issuer}, which is not among the CA names the server advertises ({names})"
            ),
            ProbeText::AppendCaToSslCaFile { issuer } => format!(
                "on the server, append the CA certificate \"{issuer}\" (PEM) to the file ssl_ca_file names, then reload (SELECT pg_reload_conf())"
            ),
            ProbeText::OrReissueFrom { path, ca } => format!("or reissue {path} from {ca}"),
            ProbeText::DialCertificateName { name, san } => format!(
                "dial a name the certificate carries: host={name} (it must resolve to this server), or reissue the certificate with subjectAltName {san}"
            ),
            ProbeText::ChainItselfTrusted => "the chain itself is trusted: Kong (which checks the chain only) connects to this server; libpq with sslmode=verify-ca would too".into(),
            ProbeText::PasswordNotSent { kind, host, port } => format!(
                "pgtls did not send the password: {} would send it to whoever answers at {host}:{port}",
                ProbeText::ClientName { kind: *kind }.en()
            ),
            ProbeText::PasswordComesFrom { source, role } => format!(
                "the password comes from {source}: set the role's password there to the one the server has (ALTER ROLE {role} PASSWORD '...' with password_encryption = 'scram-sha-256'), or fix it on the server"
            ),
            ProbeText::GiveLibpqPassword { host, port, database, user } => format!(
                "give libpq the password: a line `{host}:{port}:{database}:{user}:<password>` in ~/.pgpass (mode 0600), or the PGPASSWORD variable"
            ),
            ProbeText::ServerRefusedUnknown { severity, message, sqlstate } => format!(
                "the server refused: {severity}: {message} (SQLSTATE {sqlstate}); this is not a TLS failure pgtls knows"
            ),
            ProbeText::CnComparedWithUser { cn, user } => format!(
                "the server compares the certificate's CN \"{cn}\" with the user \"{user}\" and no pg_ident.conf map joins them"
            ),
            ProbeText::AddIdentMap { ident, identity, map, hba } => format!(
                "in pg_ident.conf add the lines `{ident}` and `{identity}` (the second keeps every other client whose certificate name already is its user connecting once the line has map=), and add `map={map}` to the pg_hba.conf line that matches this connection (e.g. `{hba}`), then reload (SELECT pg_reload_conf())"
            ),
            ProbeText::OrReissueWithCn { user, cert_key } => {
                format!("or reissue the client certificate with CN = {user} ({cert_key})")
            }
            ProbeText::ClientnameDnComparesDn { dn } => format!(
                "with clientname=DN on the pg_hba.conf line the name compared is the DN ({dn} in RFC 2253 order), not the CN"
            ),
            ProbeText::OssKongSendsNoClientCert { cert_key, key_key } => format!(
                "open-source Kong never sends a client certificate ({cert_key} and {key_key} are Enterprise options)"
            ),
            ProbeText::UseEnterpriseOrScram { cert_key, key_key, database, user, cidr } => format!(
                "use Kong Enterprise with {cert_key} and {key_key}, or change the pg_hba.conf line for this connection to `hostssl {database} {user} {cidr} scram-sha-256` and reload"
            ),
            ProbeText::SetClientCert { cert, key, issuers, user } => format!(
                "{}; {} — a certificate issued by {} with CN = {user}",
                cert.en,
                key.en,
                if issuers.is_empty() {
                    "a CA in the server's ssl_ca_file".to_string()
                } else {
                    issuers.join(" or ")
                },
            ),
            ProbeText::TurnTlsOnAtClient { how } => format!("turn TLS on at the client: {}", how.en),
            ProbeText::AddHbaLine { hba } => format!(
                "add to pg_hba.conf (before any line that rejects it): `{hba}`, then reload (SELECT pg_reload_conf())"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            ProbeText::ClientIssuerBeside { issuer, file } => format!(
                "クライアント証明書を発行した {issuer} は {file} にあります: サーバーで ssl_ca_file が指すファイルにそれを追加し (その CA が発行した証明書は、pg_hba.conf が証明書を求める接続ですべて受け入れられます: 先に確認します)、再読み込みします"
            ),
            ProbeText::ClientName { kind } => match kind {
                ClientKind::KongCosocket => "Kong (cosocket 経路)",
                ClientKind::KongLuaSec => "Kong (LuaSec 経路)",
                ClientKind::Libpq => "libpq (psql)",
            }
            .into(),
            ProbeText::SetInFile { path, line, key, value } => {
                format!("{path} の {line} 行目を `{key} = {value}` にします")
            }
            ProbeText::SetEnvVar { var, value, overrides_kong_conf } => {
                let note = if *overrides_kong_conf { " (kong.conf より優先されます)" } else { "" };
                format!("環境変数 `{var}={value}` を設定します{note}")
            }
            ProbeText::SetInConnString { key, value } => {
                format!("接続文字列で `{key}={value}` を指定します")
            }
            ProbeText::AddToKongConfFile { file, key, value } => {
                format!("{file} に `{key} = {value}` を追加します")
            }
            ProbeText::SetInKongConf { key, value } => {
                format!("kong.conf で `{key} = {value}` を設定します")
            }
            ProbeText::AddToConnString { key, value, env_var } => {
                let env = match env_var {
                    Some(var) => format!(" (または {var}={value} を設定)"),
                    None => String::new(),
                };
                format!("接続文字列に `{key}={value}` を追加します{env}")
            }
            ProbeText::LibpqRetried { sslmode, first_step } => format!(
                "libpq (sslmode={sslmode}) は最初の接続が {first_step} で失敗した後、2 本目の接続で再試行しました"
            ),
            ProbeText::KongIgnoresHostMismatch { leaf_names, host } => format!(
                "証明書が示すのは {host} ではなく {leaf_names} ですが、Kong は接続しました: Kong はホスト名を検査しません (SNI なし、チェーンのみ)。sslmode=verify-full の libpq はこのサーバーを拒否します (PGTLS012)"
            ),
            ProbeText::KongChecksNoHostNames => "Kong はホスト名を検査しません (SNI なし、チェーンのみ): 信頼する CA の証明書であればどれでもこのサーバーとして受け入れます".into(),
            ProbeText::ClientDoesNotVerify { how, own } => {
                let own = match own {
                    Some(v) if v.ok => "pgtls が信頼ストアに対してチェーンを検証した結果は成功です".to_string(),
                    Some(v) => format!(
                        "pgtls が信頼ストアに対して検証すると失敗します: {}: {} — このまま検証を有効にすると接続できなくなります",
                        v.code, v.text
                    ),
                    None => String::new(),
                };
                format!("クライアントはサーバー証明書を検証しません ({how})。{own}")
            }
            ProbeText::WeakChainCert { index, subject, why } => format!(
                "chain[{index}] {subject}: {why} (PGTLS022): より厳しい OpenSSL セキュリティレベルのクライアントは拒否します"
            ),
            ProbeText::NotEncryptedTlsOffAtClient { how } => {
                format!("接続は暗号化されていません: クライアントで TLS が無効です ({how})")
            }
            ProbeText::MadeWithoutTls => "この接続は TLS なしで行われました: パスワードとすべてのデータが平文でネットワークを流れました".into(),
            ProbeText::OssKongHasNoSslRequired => "オープンソース版 Kong には pg_ssl_required がありません: Kong のユーザーに対して hostssl 行だけ (host 行なし) の pg_hba.conf にすれば、サーバーが平文を拒否します".into(),
            ProbeText::NameDoesNotResolve { host } => {
                format!("このホストから名前 {host} を解決できません (DNS)")
            }
            ProbeText::NothingListens { host, port } => format!(
                "{host}:{port} で待ち受けているものがありません (connection refused): サーバーが停止しているか、別のアドレスやポートで待ち受けています (listen_addresses、port)"
            ),
            ProbeText::TcpTimeout { host, port } => format!(
                "{host}:{port} への TCP 接続に時間内に応答がありません: ファイアウォールがパケットを破棄しているか、ホストが停止しています"
            ),
            ProbeText::TcpFailed { host, port, text } => {
                format!("{host}:{port} への TCP 接続に失敗しました: {text}")
            }
            ProbeText::KongDialsPgHost => "Kong は pg_host:pg_port に接続します。kong.conf と KONG_PG_HOST / KONG_PG_PORT 変数を確認してください".into(),
            ProbeText::StalledAt { at } => format!(
                "サーバーは TCP 接続を受け付けましたが {at} で応答が止まりました: 応答しない PostgreSQL (過負荷、認証の停止)、接続を保持したままのプロキシやファイアウォール、または PostgreSQL ではないもの"
            ),
            ProbeText::RefusedBeforeTls { severity, message } => {
                format!("サーバーは TLS の前に拒否しました: {severity}: {message}")
            }
            ProbeText::NoPasswordFor { asked, user, database } => format!(
                "サーバーは {asked} を求めましたが、クライアントには {user}@{database} のパスワードがありません"
            ),
            ProbeText::ServerLetInAnotherWay { user, database } => format!(
                "サーバーは {user}@{database} をクライアントが求めるのとは別の方法で受け入れようとしました。方式を決めるのはサーバーで一致する pg_hba.conf の行です"
            ),
            ProbeText::ClientGaveUp { at, text } => format!("クライアントは {at} で中止しました: {text}"),
            ProbeText::ServerWithoutDirectTls => "サーバーは PostgreSQL 17 より古いか、前にあるプーラーやプロキシが直接 TLS を受け付けません。そのログには `invalid length of startup packet` と出ます".into(),
            ProbeText::SetSslNegotiationPostgres => "接続文字列で `sslnegotiation=postgres` にします (または sslnegotiation を外します)。SSLRequest の経路はすべてのサーバーバージョンで動作します".into(),
            ProbeText::NoKnownFailureExplains { at } => {
                format!("{at} でクライアントが見たものを説明する既知の TLS の失敗はありません")
            }
            ProbeText::NotLikePostgres { host, port, text } => format!(
                "{host}:{port} は PostgreSQL サーバーとして振る舞いませんでした: {text}。pg_host/pg_port (host/port) が Web サーバーや TLS 終端プロキシ、プーラーではなく PostgreSQL 自体を指しているか確認してください"
            ),
            ProbeText::OssKongWentOnWithoutTls => "オープンソース版 Kong は TLS なしで続行しました (pg_ssl_required がありません)。サーバーには暗号化なしの接続に対する pg_hba.conf の行がありません: 根本原因はサーバーが TLS を提供していないことです".into(),
            ProbeText::ClientWentOnWithoutTls => "クライアントは TLS なしで続行し、サーバーには暗号化なしの接続に対する pg_hba.conf の行がありません: 根本原因はサーバーが TLS を提供していないことです".into(),
            ProbeText::TurnServerSslOn => "サーバーの postgresql.conf で `ssl = on` を設定し (ssl_cert_file と ssl_key_file で証明書と鍵を指定)、設定を再読み込みします: SELECT pg_reload_conf()".into(),
            ProbeText::NoVersionAccepted => "サーバーは試したどのバージョンも受け付けませんでした: サーバーの設定または OpenSSL のセキュリティレベルが、このホストが提示できるバージョンを許可していません".into(),
            ProbeText::VersionsOverlapYetFailed { overlap } => format!(
                "サーバーはクライアントも提示する {overlap} を受け付けますが、ハンドシェイクは失敗しました: バージョンの範囲ではなく暗号スイートまたはセキュリティレベルの不一致です"
            ),
            ProbeText::NoVersionOverlap { server_min, server_max, client_min, client_max } => format!(
                "重なりがありません: サーバーは {server_min} から {server_max}、クライアントは {client_min} から {client_max} です"
            ),
            ProbeText::OssLuaSecVersionsFixed => "オープンソース版 Kong の LuaSec 経路は TLS 1.1 以降を提示し、それを変える設定はありません: 変更できるのはサーバー側の範囲だけです".into(),
            ProbeText::OrServerVersionSetting { key, value, server_min, server_max } => format!(
                "またはサーバーの postgresql.conf で `{key} = '{value}'` を設定し、再読み込みします (SELECT pg_reload_conf())。現在サーバーが許可するのは {server_min} から {server_max} です"
            ),
            ProbeText::LuaSecIgnoresDepth => "Kong の LuaSec 経路は深さを無視するため、失敗するのは cosocket 経路 (CLI からの kong start) だけです".into(),
            ProbeText::NotYetValid { subject, not_before } => {
                format!("{subject} は {not_before} より前は有効ではありません (両方の時計を確認してください)")
            }
            ProbeText::ExpiredOn { subject, not_after, days_ago } => {
                format!("{subject} は {not_after} に期限切れになりました ({days_ago} 日前)")
            }
            ProbeText::IntermediateNotSent => "サーバーはリーフに必要な中間 CA 証明書を送っておらず、クライアントはルートだけを信頼しています".into(),
            ProbeText::AppendIntermediateFiles { paths } => format!(
                "サーバーで ssl_cert_file が指すファイルのリーフの後に {paths} を追加し (cat server.crt {paths} > server-chain.crt、ssl_cert_file = 'server-chain.crt')、再読み込みします"
            ),
            ProbeText::AppendIntermediateCert { names, paths, pem } => format!(
                "サーバーで ssl_cert_file が指すファイルのリーフの後に CA 証明書 {names} を追加し ({paths} にありますが、他の証明書も含むのでファイル全体は追加しません)、再読み込みします。追加する証明書:\n{pem}"
            ),
            ProbeText::OrAddToTrustStore { how } => {
                format!("またはクライアントの信頼ストアに追加します: {}", how.ja)
            }
            ProbeText::IntermediateOrRoot { missing } => format!(
                "{missing} が中間 CA なら、サーバーがリーフの後に送る必要があります (PGTLS014)。ルート CA なら、クライアントが信頼する必要があります"
            ),
            ProbeText::AlsoExpired { index, subject, not_after } => format!(
                "また chain[{index}] {subject} は {not_after} に期限切れです (PGTLS010)。次にそれで失敗します"
            ),
            ProbeText::AddCaFromFile { missing, path, how } => format!(
                "CA 証明書 \"{missing}\" ({path}) をクライアントの信頼ストアに追加します: {}",
                how.ja
            ),
            ProbeText::AddCaPem { missing, how } => format!(
                "CA 証明書 \"{missing}\" (PEM) をクライアントの信頼ストアに追加します: {} (/path/to/ca.crt にその証明書を置きます)",
                how.ja
            ),
            ProbeText::AddCaToTrustSetting { missing, trust } => {
                format!("CA 証明書 \"{missing}\" をクライアントの信頼ストア ({trust}) に追加します")
            }
            ProbeText::SystemTrustAddCa { files } => format!(
                "sslrootcert=system はオペレーティングシステムのストア ({files}) を信頼します: CA をそこに追加するか (Debian/Ubuntu: /usr/local/share/ca-certificates/<name>.crt にコピーして update-ca-certificates を実行、RHEL: /etc/pki/ca-trust/source/anchors/ と update-ca-trust)、sslrootcert にその CA を含むファイルを指定します (その場合 sslmode は verify-ca でも verify-full でもかまいません)"
            ),
            ProbeText::MakeRootBundle { current, new, bundle, whole_files, then } => {
                let what = if *whole_files {
                    format!("cat {current} {new} > {bundle}")
                } else {
                    format!("{current} と上記の CA 証明書を {bundle} にまとめ")
                };
                format!(
                    "libpq はルート証明書ファイルを 1 つしか読まないため、まとめたファイルを作ります: {what}。そのうえで{}",
                    then.ja
                )
            }
            ProbeText::ClientCertExpired { path, not_after, days_ago } => format!(
                "クライアント証明書 {path} は {not_after} に期限切れになりました ({days_ago} 日前)"
            ),
            ProbeText::RenewClientCert { path, issuer, cert_key } => format!(
                "{path} を {issuer} から更新し (同じ鍵でも新しい鍵でも可)、{cert_key} で指定します"
            ),
            ProbeText::IssuerAdvertisedYetRefused { issuer } => format!(
                "発行者 {issuer} はサーバーが示す CA 名に含まれますが、サーバーは証明書を拒否しました: 中間証明書が不足している (証明書と一緒に送る) か、証明書に clientAuth の用途がありません"
            ),
            ProbeText::IssuerNotAdvertised { issuer, names } => format!(
                "クライアント証明書の発行者 {issuer} は、サーバーが示す CA 名 ({names}) に含まれていません"
            ),
            ProbeText::AppendCaToSslCaFile { issuer } => format!(
                "サーバーで ssl_ca_file が指すファイルに CA 証明書 \"{issuer}\" を追加し、再読み込みします (SELECT pg_reload_conf())"
            ),
            ProbeText::OrReissueFrom { path, ca } => format!("または {path} を {ca} から発行し直します"),
            ProbeText::DialCertificateName { name, san } => format!(
                "証明書にある名前で接続します: host={name} (このサーバーに解決される必要があります)。または subjectAltName {san} を含めて証明書を発行し直します"
            ),
            ProbeText::ChainItselfTrusted => "チェーン自体は信頼されています: チェーンだけを検査する Kong はこのサーバーに接続します。sslmode=verify-ca の libpq も接続します".into(),
            ProbeText::PasswordNotSent { kind, host, port } => format!(
                "pgtls はパスワードを送信しませんでした: {} はそれを {host}:{port} で応答する相手に送信します",
                ProbeText::ClientName { kind: *kind }.ja()
            ),
            ProbeText::PasswordComesFrom { source, role } => format!(
                "パスワードの出どころは {source} です: そこにサーバーのロールのパスワードを設定するか (password_encryption = 'scram-sha-256' で ALTER ROLE {role} PASSWORD '...')、サーバー側を直します"
            ),
            ProbeText::GiveLibpqPassword { host, port, database, user } => format!(
                "libpq にパスワードを渡します: ~/.pgpass (モード 0600) に `{host}:{port}:{database}:{user}:<password>` の行を追加するか、PGPASSWORD 変数を設定します"
            ),
            ProbeText::ServerRefusedUnknown { severity, message, sqlstate } => format!(
                "サーバーが拒否しました: {severity}: {message} (SQLSTATE {sqlstate})。pgtls が知る TLS の失敗ではありません"
            ),
            ProbeText::CnComparedWithUser { cn, user } => format!(
                "サーバーは証明書の CN \"{cn}\" とユーザー \"{user}\" を比較し、両者を結ぶ pg_ident.conf のマップがありません"
            ),
            ProbeText::AddIdentMap { ident, identity, map, hba } => format!(
                "pg_ident.conf に `{ident}` と `{identity}` の行を追加し (後者は map= を付けた後も、証明書の名前がすでにユーザー名である他のクライアントの接続を保ちます)、この接続に一致する pg_hba.conf の行に `map={map}` を追加して (例: `{hba}`)、再読み込みします (SELECT pg_reload_conf())"
            ),
            ProbeText::OrReissueWithCn { user, cert_key } => {
                format!("またはクライアント証明書を CN = {user} で発行し直します ({cert_key})")
            }
            ProbeText::ClientnameDnComparesDn { dn } => format!(
                "pg_hba.conf の行に clientname=DN がある場合、比較されるのは CN ではなく DN (RFC 2253 の順序の {dn}) です"
            ),
            ProbeText::OssKongSendsNoClientCert { cert_key, key_key } => format!(
                "オープンソース版 Kong はクライアント証明書を送りません ({cert_key} と {key_key} は Enterprise のオプションです)"
            ),
            ProbeText::UseEnterpriseOrScram { cert_key, key_key, database, user, cidr } => format!(
                "{cert_key} と {key_key} を設定した Kong Enterprise を使うか、この接続の pg_hba.conf の行を `hostssl {database} {user} {cidr} scram-sha-256` に変えて再読み込みします"
            ),
            ProbeText::SetClientCert { cert, key, issuers, user } => format!(
                "{}。{} — {} が発行した CN = {user} の証明書を使います",
                cert.ja,
                key.ja,
                if issuers.is_empty() {
                    "サーバーの ssl_ca_file にある CA".to_string()
                } else {
                    issuers.join(" または ")
                },
            ),
            ProbeText::TurnTlsOnAtClient { how } => {
                format!("クライアントで TLS を有効にします: {}", how.ja)
            }
            ProbeText::AddHbaLine { hba } => format!(
                "pg_hba.conf に (これを拒否する行より前に) `{hba}` を追加し、再読み込みします (SELECT pg_reload_conf())"
            ),
        }
    }
}
