//! One reading of OpenSSL's verify result for a server chain, shared by
//! scan, check and probe: which diagnosis a `X509_V_ERR_*` code means, so
//! the three commands give one failure one code.

use openssl_sys::{
    X509_V_ERR_CA_KEY_TOO_SMALL, X509_V_ERR_CA_MD_TOO_WEAK, X509_V_ERR_CERT_CHAIN_TOO_LONG,
    X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_EE_KEY_TOO_SMALL,
    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
};
use pgtls_catalogue::Code;

/// Why a client refuses a server chain, as the verify code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainRejection {
    /// The chain is longer than the client's verify depth.
    TooDeep,
    /// A certificate is expired or not yet valid.
    OutsideValidity,
    /// A key or signature below the security level.
    Weak,
    /// An issuer named in the chain is nowhere to be found: an
    /// intermediate the server does not send.
    IssuerMissing,
    /// Anything else: the chain does not lead to a trusted anchor.
    Untrusted,
}

impl ChainRejection {
    /// Reads a `X509_V_ERR_*` code (not 0).
    pub fn of(code: i32) -> ChainRejection {
        match code {
            X509_V_ERR_CERT_CHAIN_TOO_LONG => ChainRejection::TooDeep,
            X509_V_ERR_CERT_NOT_YET_VALID | X509_V_ERR_CERT_HAS_EXPIRED => {
                ChainRejection::OutsideValidity
            }
            X509_V_ERR_EE_KEY_TOO_SMALL
            | X509_V_ERR_CA_KEY_TOO_SMALL
            | X509_V_ERR_CA_MD_TOO_WEAK => ChainRejection::Weak,
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT => ChainRejection::IssuerMissing,
            _ => ChainRejection::Untrusted,
        }
    }

    /// The diagnosis, and the others the same code is consistent with.
    pub fn diagnosis(self) -> (Code, Vec<Code>) {
        match self {
            ChainRejection::TooDeep => (Code::VerifyDepthExceeded, vec![]),
            ChainRejection::OutsideValidity => (Code::ServerCertExpired, vec![]),
            ChainRejection::Weak => (Code::WeakCrypto, vec![]),
            ChainRejection::IssuerMissing => (Code::IncompleteChain, vec![]),
            ChainRejection::Untrusted => {
                (Code::ClientRejectsServerCert, vec![Code::IncompleteChain])
            }
        }
    }
}

/// The diagnosis of a chain that failed with `code`; `depth_only` when the
/// same chain verifies without the client's depth limit (then the depth is
/// the cause, whatever the code).
pub fn chain_rejection_code(code: i32, depth_only: bool) -> (Code, Vec<Code>) {
    if depth_only {
        return ChainRejection::TooDeep.diagnosis();
    }
    ChainRejection::of(code).diagnosis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_codes_by_number() {
        // The numbers are OpenSSL's ABI (x509_vfy.h); the names say why.
        for (code, want) in [
            (22, ChainRejection::TooDeep),
            (9, ChainRejection::OutsideValidity),
            (10, ChainRejection::OutsideValidity),
            (66, ChainRejection::Weak),
            (67, ChainRejection::Weak),
            (68, ChainRejection::Weak),
            (2, ChainRejection::IssuerMissing),
            (20, ChainRejection::Untrusted),
            (21, ChainRejection::Untrusted),
            (19, ChainRejection::Untrusted),
        ] {
            assert_eq!(ChainRejection::of(code), want, "{code}");
        }
        assert_eq!(chain_rejection_code(20, true).0, Code::VerifyDepthExceeded);
    }
}
