//! What scan's rules say about a server's certificate chain and versions.

use super::Localized;

pub enum ScanText<'a> {
    IssuerInSystemStore {
        issuer: &'a str,
    },
    IssuerNotInSystemStore {
        issuer: &'a str,
    },
    VerifyFullRefusesKongConnects,
    SetVersionsToInclude {
        setting: &'a str,
        versions: &'a str,
    },
    AppendIssuerAfterLeaf {
        name: &'a str,
        file: &'a str,
    },
    SetVerifyDepth {
        setting: &'a str,
        needed: usize,
    },
    LeafIssuerUnknown {
        issuer: &'a str,
        client: &'a str,
        trust_setting: &'a str,
    },
    NoHandshakeCompleted,
}

impl Localized for ScanText<'_> {
    fn en(&self) -> String {
        match self {
            ScanText::IssuerInSystemStore { issuer } => {
                format!("{issuer} is in this host's system trust store")
            }
            ScanText::IssuerNotInSystemStore { issuer } => format!(
                "{issuer} is not in this host's system trust store: every client needs it in its own trust store (sslrootcert, lua_ssl_trusted_certificate)"
            ),
            ScanText::VerifyFullRefusesKongConnects => "libpq with sslmode=verify-full refuses this server; Kong does not check host names and connects".into(),
            ScanText::SetVersionsToInclude { setting, versions } => {
                format!("set {setting} to include {versions}")
            }
            ScanText::AppendIssuerAfterLeaf { name, file } => format!(
                "on the server, append {name} ({file}) after the leaf in the file ssl_cert_file names, then reload"
            ),
            ScanText::SetVerifyDepth { setting, needed } => {
                format!("set {setting} = {needed} (the chain has {needed} intermediate(s))")
            }
            ScanText::LeafIssuerUnknown { issuer, client, trust_setting } => format!(
                "the leaf is issued by {issuer}, which neither the server sends nor {client} trusts; if it is an intermediate CA the server must send it after the leaf (PGTLS014), if it is a root add it to {trust_setting}"
            ),
            ScanText::NoHandshakeCompleted => "the server answered S to SSLRequest, but no TLS handshake completed: what answers is not a working TLS server".into(),
        }
    }

    fn ja(&self) -> String {
        match self {
            ScanText::IssuerInSystemStore { issuer } => {
                format!("{issuer} はこのホストのシステム信頼ストアにあります")
            }
            ScanText::IssuerNotInSystemStore { issuer } => format!(
                "{issuer} はこのホストのシステム信頼ストアにありません: 各クライアントが自身の信頼ストア (sslrootcert、lua_ssl_trusted_certificate) にそれを持つ必要があります"
            ),
            ScanText::VerifyFullRefusesKongConnects => "sslmode=verify-full の libpq はこのサーバーを拒否します。Kong はホスト名を検査しないため接続します".into(),
            ScanText::SetVersionsToInclude { setting, versions } => {
                format!("{setting} に {versions} を含めます")
            }
            ScanText::AppendIssuerAfterLeaf { name, file } => format!(
                "サーバーで ssl_cert_file が指すファイルのリーフの後に {name} ({file}) を追加し、再読み込みします"
            ),
            ScanText::SetVerifyDepth { setting, needed } => {
                format!("{setting} = {needed} に設定します (チェーンの中間証明書は {needed} 個です)")
            }
            ScanText::LeafIssuerUnknown { issuer, client, trust_setting } => format!(
                "リーフの発行者 {issuer} はサーバーから送られず、{client} も信頼していません。中間 CA ならサーバーがリーフの後に送る必要があり (PGTLS014)、ルートなら {trust_setting} に追加します"
            ),
            ScanText::NoHandshakeCompleted => "サーバーは SSLRequest に S と応答しましたが、TLS ハンドシェイクが一度も完了しませんでした: 応答しているのは正常な TLS サーバーではありません".into(),
        }
    }
}
