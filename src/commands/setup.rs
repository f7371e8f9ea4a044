//! `pgtls setup --out DIR`: a working mutual-TLS configuration (CA, server
//! and client certificates, and the configuration lines that use them),
//! optionally proven on a throwaway server; the work is in the
//! `pgtls-demo` crate, this module maps flags to options and prints.

use std::path::PathBuf;

use pgtls_demo::setup::{
    plan, require_postgres, setup_json, setup_text, verify, write, KeyType, SetupOptions,
};

use crate::cli::{Format, GlobalArgs};
use crate::output::{lang, print_json, print_text, style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyTypeArg {
    /// ECDSA on P-256.
    Ecdsa,
    /// RSA, 3072 bits.
    Rsa,
}

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Directory to write the certificates, keys and configuration snippets to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// A DNS name or IP address clients dial (repeatable); the server certificate's SANs. Default: localhost, 127.0.0.1, ::1.
    #[arg(long = "host", value_name = "NAME")]
    pub hosts: Vec<String>,
    /// The client certificate's common name.
    #[arg(long, default_value = "kong", value_name = "NAME")]
    pub user: String,
    /// The database user the client logs in as (default: --user); a pg_ident.conf map is written when it differs from --user.
    #[arg(long, value_name = "NAME")]
    pub db_user: Option<String>,
    /// The database the client connects to.
    #[arg(long, default_value = "kong", value_name = "NAME")]
    pub database: String,
    /// Validity of the server and client certificates, in days (a generated CA lives at least 10 years).
    #[arg(long, default_value_t = 365, value_name = "N")]
    pub days: u32,
    /// Key type of every generated key.
    #[arg(long, value_enum, default_value_t = KeyTypeArg::Ecdsa)]
    pub key_type: KeyTypeArg,
    /// Sign the server and client certificates with an intermediate CA under the root.
    #[arg(long)]
    pub intermediate: bool,
    /// Sign with this existing CA certificate (PEM) instead of generating a CA.
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// The unencrypted PEM key of --ca-cert.
    #[arg(long, value_name = "FILE", requires = "ca_cert")]
    pub ca_key: Option<PathBuf>,
    /// Where the server's files will be installed: the paths postgresql.conf names (default: --out).
    #[arg(long, value_name = "DIR")]
    pub server_dir: Option<PathBuf>,
    /// Where Kong's (the client's) files will be installed: the paths kong.conf and the conninfo name (default: --out).
    #[arg(long, value_name = "DIR")]
    pub client_dir: Option<PathBuf>,
    /// The ADDRESS of the pg_hba.conf line (all, a CIDR such as 10.0.0.0/8, ...).
    #[arg(long, default_value = "all", value_name = "ADDRESS")]
    pub client_addr: String,
    /// The server's port, for kong.conf and the conninfo.
    #[arg(long, default_value_t = 5432)]
    pub port: u16,
    /// Replace files that already exist in --out (symbolic links are still refused).
    #[arg(long)]
    pub force: bool,
    /// Start a throwaway PostgreSQL with the written server files and connect with the written client files.
    #[arg(long)]
    pub verify: bool,
}

pub fn run(global: &GlobalArgs, args: &SetupArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let options = SetupOptions {
        out: args.out.clone(),
        hosts: args.hosts.clone(),
        user: args.user.clone(),
        db_user: args.db_user.clone(),
        database: args.database.clone(),
        days: args.days,
        key_type: match args.key_type {
            KeyTypeArg::Ecdsa => KeyType::EcP256,
            KeyTypeArg::Rsa => KeyType::Rsa(3072),
        },
        intermediate: args.intermediate,
        ca_cert: args.ca_cert.clone(),
        ca_key: args.ca_key.clone(),
        server_dir: args.server_dir.clone(),
        client_dir: args.client_dir.clone(),
        client_addr: args.client_addr.clone(),
        port: args.port,
    };
    let fail = |e: pgtls_demo::SetupError| anyhow::anyhow!(e.message(lang));
    if args.verify {
        require_postgres().map_err(fail)?;
    }
    let plan = plan(&options).map_err(fail)?;
    let written = write(&plan, args.force).map_err(fail)?;
    let verification = if args.verify {
        Some(verify(&plan).map_err(fail)?)
    } else {
        None
    };
    match global.format {
        Format::Json => print_json(&setup_json(&plan, &written, verification.as_ref(), lang))?,
        Format::Text => print_text(&setup_text(
            &plan,
            &written,
            verification.as_ref(),
            lang,
            &style(),
        ))?,
    }
    Ok(match &verification {
        Some(v) if !v.ok() => 1,
        _ => 0,
    })
}
