//! Kong's two connection paths as the probe dials them, taken from the one
//! model of what Kong read ([`KongClient`]): probe, setup and demo all build
//! their Kong probes here, so the Kong a command dials is always the one its
//! kong.conf describes.

use pgtls_config::kong_client::{KongClient, KongTls};

use crate::client_line::KongShape;
use crate::ProbeConfig;

/// The probe of Kong `k` on one path to `host:port`: TLS use, verification,
/// and the path's own versions, depth (cosocket) or pin (LuaSec). Identity,
/// trust anchors and credentials are the caller's: where their files are
/// found differs between a live kong.conf and one just written.
pub fn kong_path(k: &KongClient, shape: KongShape, host: &str, port: u16) -> ProbeConfig {
    let ssl = k.tls != KongTls::Off;
    let required = k.tls == KongTls::Required;
    let verify = k.verifies();
    match shape {
        KongShape::Cosocket => {
            let mut cfg = ProbeConfig::kong(host, port, ssl, required, verify);
            cfg.tls.min_version = k.cosocket.min().or(cfg.tls.min_version);
            cfg.tls.max_version = k.cosocket.max().or(cfg.tls.max_version);
            cfg.tls.verify_depth = k.cosocket.depth.as_ref().map(|d| d.value);
            cfg
        }
        KongShape::LuaSec => {
            ProbeConfig::kong_luasec(host, port, ssl, required, verify, k.luasec.pin())
        }
    }
}
