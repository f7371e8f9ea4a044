//! What the probe's rules say about the client's own certificate.

use super::Localized;

pub enum ProbeText<'a> {
    /// PGTLS006: the CA that issued the client's certificate lies beside
    /// it.
    ClientIssuerBeside { issuer: &'a str, file: &'a str },
}

impl Localized for ProbeText<'_> {
    fn en(&self) -> String {
        match self {
            ProbeText::ClientIssuerBeside { issuer, file } => format!(
                "{issuer}, which issued the client certificate, is in {file}: on the server append it to the file ssl_ca_file names (every certificate it issued is then accepted where pg_hba.conf asks for one: look first), then reload"
            ),
        }
    }

    fn ja(&self) -> String {
        match self {
            ProbeText::ClientIssuerBeside { issuer, file } => format!(
                "クライアント証明書を発行した {issuer} は {file} にあります: サーバーで ssl_ca_file が指すファイルにそれを追加し (その CA が発行した証明書は、pg_hba.conf が証明書を求める接続ですべて受け入れられます: 先に確認します)、再読み込みします"
            ),
        }
    }
}
