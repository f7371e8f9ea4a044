//! What check says about the authentication a pg_hba.conf line gives a
//! client: against what the client demands (PGTLS036) and for what only a
//! connection shows (PGTLS017, PGTLS026).

use super::Localized;

pub enum AuthText<'a> {
    /// PGTLS036's reading for require_auth.
    MethodNotDemanded {
        demanded: &'a str,
        location: &'a str,
        method: &'a str,
        sent: &'a str,
    },
    /// PGTLS036's reading for sslcertmode=require.
    NoCertificateRequest,
    LineMethodTo {
        location: &'a str,
        method: &'a str,
    },
    RelaxRequireAuth {
        value: &'a str,
    },
    CertModeAllow,
    SetCaFile,
    /// PGTLS017: the line asks for SCRAM and passwords are stored as MD5.
    Md5StoredForScram {
        location: &'a str,
        setting: &'a str,
    },
    SetPasswordAgain {
        user: &'a str,
    },
    /// PGTLS026: the line's method gives the password away.
    ReadableMethod {
        location: &'a str,
        method: &'a str,
    },
    LineToScram {
        location: &'a str,
    },
}

impl Localized for AuthText<'_> {
    fn en(&self) -> String {
        match self {
            AuthText::MethodNotDemanded { demanded, location, method, sent } => format!(
                "the client demands require_auth={demanded}; the server's matching line ({location}) is `{method}`, which libpq meets as `{sent}`, so libpq hangs up"
            ),
            AuthText::NoCertificateRequest => "the client demands sslcertmode=require; the server has no ssl_ca_file, so it never asks for a certificate and libpq hangs up: server did not request an SSL certificate".into(),
            AuthText::LineMethodTo { location, method } => format!(
                "in {location} use the method the client demands, `{method}`, then reload (every client of that line must then authenticate so: a look first)"
            ),
            AuthText::RelaxRequireAuth { value } => format!(
                "or, if the server is right, accept its method in the client: require_auth={value}"
            ),
            AuthText::CertModeAllow => "or, if the server is right not to ask, set sslcertmode=allow in the client".into(),
            AuthText::SetCaFile => "or make the server ask for client certificates: ssl_ca_file = the file of the CA that issues them, then reload".into(),
            AuthText::Md5StoredForScram { location, setting } => format!(
                "the matching line ({location}) asks for scram-sha-256 while {setting}: a password set under it is stored as MD5, which a SCRAM line cannot check (the server logs: User \"…\" does not have a valid SCRAM secret)"
            ),
            AuthText::SetPasswordAgain { user } => format!(
                "with password_encryption = 'scram-sha-256' (after the reload), set {user}'s password again: ALTER ROLE {user} PASSWORD '<password>' (the password is only the person's to type)"
            ),
            AuthText::ReadableMethod { location, method } => format!(
                "the matching line ({location}) is `{method}`: the server asks for the password in a form whoever answers can use, so a client that does not verify the server gives it away"
            ),
            AuthText::LineToScram { location } => format!(
                "in {location} use scram-sha-256, then reload: a look first, roles whose password is stored as MD5 can no longer log in until it is set again with password_encryption = 'scram-sha-256'"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            AuthText::MethodNotDemanded { demanded, location, method, sent } => format!(
                "クライアントは require_auth={demanded} を求めています。サーバーで一致する行 ({location}) は `{method}` で、libpq にはこれが `{sent}` と見えるため、libpq は切断します"
            ),
            AuthText::NoCertificateRequest => "クライアントは sslcertmode=require を求めています。サーバーには ssl_ca_file がないため証明書を要求せず、libpq は切断します: server did not request an SSL certificate".into(),
            AuthText::LineMethodTo { location, method } => format!(
                "{location} をクライアントが求める方式 `{method}` にして再読み込みします (その行のクライアントはすべてこの方式で認証することになります: 先に確認します)"
            ),
            AuthText::RelaxRequireAuth { value } => format!(
                "またはサーバーが正しい場合は、クライアントでその方式を受け入れます: require_auth={value}"
            ),
            AuthText::CertModeAllow => "またはサーバーが証明書を求めないのが正しい場合は、クライアントで sslcertmode=allow にします".into(),
            AuthText::SetCaFile => "またはサーバーにクライアント証明書を求めさせます: ssl_ca_file にそれを発行する CA のファイルを設定し、再読み込みします".into(),
            AuthText::Md5StoredForScram { location, setting } => format!(
                "一致する行 ({location}) は scram-sha-256 を求めていますが、{setting} です: この設定で設定したパスワードは MD5 で保存され、SCRAM の行では照合できません (サーバーのログ: User \"…\" does not have a valid SCRAM secret)"
            ),
            AuthText::SetPasswordAgain { user } => format!(
                "password_encryption = 'scram-sha-256' にして (再読み込みの後)、{user} のパスワードを設定し直します: ALTER ROLE {user} PASSWORD '<password>' (パスワードを入力できるのは本人だけです)"
            ),
            AuthText::ReadableMethod { location, method } => format!(
                "一致する行 ({location}) は `{method}` です: サーバーは応答する相手が誰でも使える形でパスワードを求めるため、サーバーを検証しないクライアントはパスワードを渡してしまいます"
            ),
            AuthText::LineToScram { location } => format!(
                "{location} を scram-sha-256 にして再読み込みします: 先に確認します。パスワードが MD5 で保存されたロールは、password_encryption = 'scram-sha-256' で設定し直すまでログインできなくなります"
            ),
        }
    }
}
