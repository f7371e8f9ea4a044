//! What `pgtls setup` says about the configuration it wrote: names the
//! server certificate leaves out, and a CA that cannot carry the leaves.

use super::Localized;

pub enum SetupText<'a> {
    DefaultHostsOnly,
    NoSelfSignedRoot { file: &'a str },
    CaExpiresFirst { not_after: &'a str },
}

impl Localized for SetupText<'_> {
    fn en(&self) -> String {
        match self {
            SetupText::DefaultHostsOnly => "no --host given: the server certificate names only localhost, 127.0.0.1 and ::1; give --host for every name and address clients dial".into(),
            SetupText::NoSelfSignedRoot { file } => format!(
                "{file} holds no self-signed root: add the root CA to ca.crt, or clients and the server cannot complete the chain"
            ),
            SetupText::CaExpiresFirst { not_after } => format!(
                "the CA expires before the certificates it signs ({not_after}): they stop verifying when it does"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            SetupText::DefaultHostsOnly => "--host の指定がないため、サーバー証明書には localhost、127.0.0.1、::1 だけが入ります。クライアントが接続に使う名前とアドレスをすべて --host で指定してください".into(),
            SetupText::NoSelfSignedRoot { file } => format!(
                "{file} に自己署名のルートがありません: ルート CA を ca.crt に追加しないと、クライアントとサーバーはチェーンを完成できません"
            ),
            SetupText::CaExpiresFirst { not_after } => format!(
                "CA の有効期限 ({not_after}) が、署名する証明書より先に切れます: その時点で検証できなくなります"
            ),
        }
    }
}
