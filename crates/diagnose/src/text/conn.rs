//! What one connection's walk through pg_hba.conf and pg_ident.conf says:
//! the demands of the line it meets, what could not be judged, and how a
//! refusal is fixed.

use pgtls_config::hba::AuthMethod;
use pgtls_config::{Diagnostic, Location};

use super::Localized;

pub enum ConnText<'a> {
    DemandsTls,
    DemandsNoTls,
    DemandsGssEncryption,
    DemandsCertSignedByCa,
    /// `cert` or `clientcert=verify-full`: the certificate's name must be
    /// the user's, directly or through a map.
    DemandsCertNamingUser {
        /// `CN` or `DN`.
        name: &'a str,
        map: Option<&'a str>,
        /// `cert` or `clientcert=verify-full`.
        why: &'a str,
    },
    DemandsNothingMoreTrust,
    DemandsNothingRejects,
    DemandsPassword {
        method: AuthMethod,
    },
    DemandsOtherAuthentication {
        method: AuthMethod,
    },
    DnNotKnown {
        location: &'a Location,
    },
    IdentRoleMembershipUnknown {
        location: &'a Location,
        role: &'a str,
        user: &'a str,
    },
    IdentRegexNotEvaluated {
        location: &'a Location,
    },
    /// A diagnostic of the configuration parsers, in its own two languages.
    ConfigDiagnostic {
        diagnostic: &'a Diagnostic,
    },
    ServerWillLog {
        text: &'a str,
    },
    ClientAddressAssumed {
        location: &'a Location,
    },
    AddHbaLine {
        hba_file: &'a str,
        /// The line the new one goes above; none: before any line that
        /// should not apply.
        above: Option<usize>,
        line: &'a str,
    },
    AddMapAndIdentLines {
        location: &'a Location,
        map: &'a str,
        ident_file: &'a str,
        ident_line: &'a str,
        identity: &'a str,
    },
    AddIdentLine {
        ident_file: &'a str,
        ident_line: &'a str,
    },
    ReissueClientCert {
        which: &'a str,
        user: &'a str,
    },
    ConfigureClientCertAndKey,
    TurnTlsOnAtClient,
}

fn at(diagnostic: &Diagnostic) -> String {
    diagnostic
        .location
        .as_ref()
        .map_or_else(String::new, |l| format!("{l}: "))
}

impl Localized for ConnText<'_> {
    fn en(&self) -> String {
        match self {
            ConnText::DemandsTls => "TLS (hostssl)".into(),
            ConnText::DemandsNoTls => "no TLS (hostnossl)".into(),
            ConnText::DemandsGssEncryption => "GSSAPI encryption (hostgssenc)".into(),
            ConnText::DemandsCertSignedByCa => {
                "a client certificate signed by a CA in ssl_ca_file (clientcert=verify-ca)".into()
            }
            ConnText::DemandsCertNamingUser { name, map, why } => {
                let how = match map {
                    Some(m) => format!("maps to the user through pg_ident.conf map \"{m}\""),
                    None => String::from("equals the database user name"),
                };
                format!("a client certificate signed by a CA in ssl_ca_file whose {name} {how} ({why})")
            }
            ConnText::DemandsNothingMoreTrust => "nothing more: trust".into(),
            ConnText::DemandsNothingRejects => "nothing: the line rejects the connection".into(),
            ConnText::DemandsPassword { method } => format!("the user's password ({method})"),
            ConnText::DemandsOtherAuthentication { method } => format!("{method} authentication"),
            ConnText::DnNotKnown { location } => format!(
                "{location}: the line compares the certificate's DN, which is not known here (give dn=\"...\")"
            ),
            ConnText::IdentRoleMembershipUnknown { location, role, user } => format!(
                "{location}: this pg_ident.conf line lets in the members of role \"{role}\" (PostgreSQL 16 and later); whether \"{user}\" is one is in the database, not known here"
            ),
            ConnText::IdentRegexNotEvaluated { location } => format!(
                "{location}: the regular expression of this pg_ident.conf line is not evaluated here"
            ),
            ConnText::ConfigDiagnostic { diagnostic } => {
                format!("{}{}", at(diagnostic), diagnostic.message_in(false))
            }
            ConnText::ServerWillLog { text } => format!("the server will log: {text}"),
            ConnText::ClientAddressAssumed { location } => format!(
                "the client's address is unknown: assumed to fall in the address of {location} (give --client-addr)"
            ),
            ConnText::AddHbaLine { hba_file, above, line } => {
                let place = match above {
                    Some(n) => format!("above line {n}"),
                    None => String::from("before any line that should not apply to it"),
                };
                format!("add to {hba_file} ({place}), then reload: {line}")
            }
            ConnText::AddMapAndIdentLines { location, map, ident_file, ident_line, identity } => format!(
                "add map={map} to {location} and these lines to {ident_file}, then reload: {ident_line} and {identity} (the second keeps every client whose certificate name already is its user connecting)"
            ),
            ConnText::AddIdentLine { ident_file, ident_line } => {
                format!("add to {ident_file}, then reload: {ident_line}")
            }
            ConnText::ReissueClientCert { which, user } => {
                format!("or reissue the client certificate with {which} \"{user}\"")
            }
            ConnText::ConfigureClientCertAndKey => "configure the client's certificate and key (libpq sslcert/sslkey, Kong Enterprise pg_ssl_cert/pg_ssl_cert_key)".into(),
            ConnText::TurnTlsOnAtClient => "turn TLS on at the client (libpq sslmode=verify-full, Kong pg_ssl = on)".into(),
        }
    }

    fn ja(&self) -> String {
        match self {
            ConnText::DemandsTls => "TLS (hostssl)".into(),
            ConnText::DemandsNoTls => "TLS なし (hostnossl)".into(),
            ConnText::DemandsGssEncryption => "GSSAPI 暗号化 (hostgssenc)".into(),
            ConnText::DemandsCertSignedByCa => {
                "ssl_ca_file の CA が署名したクライアント証明書 (clientcert=verify-ca)".into()
            }
            ConnText::DemandsCertNamingUser { name, map, why } => {
                let how = match map {
                    Some(m) => format!("pg_ident.conf のマップ \"{m}\" でユーザーに対応付く"),
                    None => String::from("データベースユーザー名と一致する"),
                };
                format!("ssl_ca_file の CA が署名し、{name} が{how}クライアント証明書 ({why})")
            }
            ConnText::DemandsNothingMoreTrust => "それ以上は不要: trust".into(),
            ConnText::DemandsNothingRejects => "なし: この行は接続を拒否します".into(),
            ConnText::DemandsPassword { method } => format!("ユーザーのパスワード ({method})"),
            ConnText::DemandsOtherAuthentication { method } => format!("{method} 認証"),
            ConnText::DnNotKnown { location } => format!(
                "{location}: この行は証明書の DN を比較しますが、ここでは DN が分かりません (dn=\"...\" を指定します)"
            ),
            ConnText::IdentRoleMembershipUnknown { location, role, user } => format!(
                "{location}: この pg_ident.conf の行はロール \"{role}\" のメンバーを通します (PostgreSQL 16 以降)。\"{user}\" がメンバーかどうかはデータベースにあり、ここでは分かりません"
            ),
            ConnText::IdentRegexNotEvaluated { location } => format!(
                "{location}: この pg_ident.conf の行の正規表現はここでは評価していません"
            ),
            ConnText::ConfigDiagnostic { diagnostic } => {
                format!("{}{}", at(diagnostic), diagnostic.message_in(true))
            }
            ConnText::ServerWillLog { text } => format!("サーバーは次のように記録します: {text}"),
            ConnText::ClientAddressAssumed { location } => format!(
                "クライアントのアドレスが不明なため、{location} のアドレスに含まれると仮定しました (--client-addr で指定できます)"
            ),
            ConnText::AddHbaLine { hba_file, above, line } => {
                let place = match above {
                    Some(n) => format!("{n} 行目より前に"),
                    None => String::from("適用したくない行より前に"),
                };
                format!("{hba_file} に ({place}) 次の行を追加して再読み込みします: {line}")
            }
            ConnText::AddMapAndIdentLines { location, map, ident_file, ident_line, identity } => format!(
                "{location} に map={map} を加え、{ident_file} に次の行を追加して再読み込みします: {ident_line} と {identity} (後者は証明書の名前がすでにユーザー名であるクライアントの接続を保ちます)"
            ),
            ConnText::AddIdentLine { ident_file, ident_line } => {
                format!("{ident_file} に次の行を追加して再読み込みします: {ident_line}")
            }
            ConnText::ReissueClientCert { which, user } => {
                format!("またはクライアント証明書を {which} \"{user}\" で再発行します")
            }
            ConnText::ConfigureClientCertAndKey => "クライアントの証明書と鍵を設定します (libpq sslcert/sslkey、Kong Enterprise pg_ssl_cert/pg_ssl_cert_key)".into(),
            ConnText::TurnTlsOnAtClient => "クライアントで TLS を有効にします (libpq sslmode=verify-full、Kong pg_ssl = on)".into(),
        }
    }
}
