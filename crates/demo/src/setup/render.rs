//! `pgtls setup` as text (what was written, where each piece goes, the
//! commands to run) and as JSON (the files written, the snippets, the
//! verification).

use std::path::{Path, PathBuf};

use pgtls_catalogue::Lang;
use pgtls_render::{findings_text, FindingJson, Style};
use serde::Serialize;

use super::{names, FileRole, Plan, Verification};

fn sh(path: &Path) -> String {
    let s = path.display().to_string();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c));
    if plain {
        s
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The commands that put the server's files in place.
fn server_commands(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let server_key = sh(&plan.server_dir.join(names::SERVER_KEY));
    if plan.server_dir != plan.out {
        // PostgreSQL refuses a data directory open to others (it wants
        // 0700 or 0750), and --server-dir is often the data directory.
        out.push(format!(
            "install -d -m 0700 -o postgres -g postgres {}",
            sh(&plan.server_dir)
        ));
        out.push(format!(
            "install -m 0644 {} {} {}/",
            sh(&plan.out.join(names::SERVER_CERT)),
            sh(&plan.out.join(names::CA_CERT)),
            sh(&plan.server_dir)
        ));
        out.push(format!(
            "install -m 0600 {} {}",
            sh(&plan.out.join(names::SERVER_KEY)),
            server_key
        ));
    }
    out.push(format!("chown postgres:postgres {server_key}"));
    out.push(format!("chmod 0600 {server_key}"));
    out
}

/// The commands that put the client's (Kong's) files in place.
fn client_commands(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let client_key = sh(&plan.client_dir.join(names::CLIENT_KEY));
    if plan.client_dir != plan.out {
        out.push(format!("install -d -m 0755 {}", sh(&plan.client_dir)));
        out.push(format!(
            "install -m 0644 {} {} {}/",
            sh(&plan.out.join(names::CLIENT_CERT)),
            sh(&plan.out.join(names::CA_CERT)),
            sh(&plan.client_dir)
        ));
        out.push(format!(
            "install -m 0600 {} {}",
            sh(&plan.out.join(names::CLIENT_KEY)),
            client_key
        ));
    }
    out.push(format!("chown kong {client_key}"));
    out.push(format!("chmod 0600 {client_key}"));
    out
}

/// An SQL identifier, quoted when PostgreSQL would fold or reject it bare.
fn sql_ident(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The role and database the configuration names: the connection needs
/// both, and certificate authentication needs no password.
fn role_commands(plan: &Plan) -> Vec<String> {
    let user = sql_ident(&plan.db_user);
    let db = sql_ident(&plan.database);
    vec![
        format!("CREATE ROLE {user} LOGIN;"),
        format!("CREATE DATABASE {db} OWNER {user};"),
    ]
}

fn snippet_body(plan: &Plan, role: FileRole) -> String {
    plan.file(role)
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .unwrap_or_default()
}

/// Only the configuration lines of a snippet (its comments explain, the
/// text output says the same in the chosen language).
fn lines_of(body: &str) -> Vec<&str> {
    body.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect()
}

fn section(out: &mut String, style: &Style, title: &str, hint: &str, lines: &[String]) {
    out.push_str(&format!("\n{}  {}\n", style.bold(title), style.dim(hint)));
    for l in lines {
        out.push_str(&format!("    {l}\n"));
    }
}

/// The text report: files written, where each piece goes, the commands,
/// and the verification when it ran.
pub fn setup_text(
    plan: &Plan,
    written: &[PathBuf],
    verification: Option<&Verification>,
    lang: Lang,
    style: &Style,
) -> String {
    let ja = lang == Lang::Ja;
    let mut out = String::new();
    out.push_str(&if ja {
        format!(
            "pgtls setup: {} に {} 個のファイルを書き込みました\n",
            plan.out.display(),
            written.len()
        )
    } else {
        format!(
            "pgtls setup: wrote {} files to {}\n",
            written.len(),
            plan.out.display()
        )
    });
    let width = plan.files.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in &plan.files {
        out.push_str(&format!(
            "  {:width$}  {:04o}  {}\n",
            f.name,
            f.mode,
            f.role.describe().get(lang)
        ));
    }

    let place = |dir: &Path, files: &str| {
        if ja {
            format!("{files} を {} に置きます", dir.display())
        } else {
            format!("{files} go to {}", dir.display())
        }
    };
    let mut server_lines = vec![place(&plan.server_dir, "server.crt, server.key, ca.crt")];
    server_lines.extend(server_commands(plan));
    server_lines.push(if ja {
        "(root 所有の鍵も使えます: chown root:postgres と chmod 0640)".to_string()
    } else {
        "(a root-owned key works too: chown root:postgres and chmod 0640)".to_string()
    });
    section(
        &mut out,
        style,
        if ja {
            "PostgreSQL サーバー"
        } else {
            "PostgreSQL server"
        },
        if ja {
            "鍵はサーバーのアカウントだけが読めること"
        } else {
            "the key must be readable by the server's account only"
        },
        &server_lines,
    );

    let pg = snippet_body(plan, FileRole::PostgresqlConf);
    section(
        &mut out,
        style,
        "postgresql.conf",
        if ja {
            "(末尾に追加し、SELECT pg_reload_conf(); または再起動)"
        } else {
            "(append, then SELECT pg_reload_conf(); or restart)"
        },
        &lines_of(&pg)
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    );
    section(
        &mut out,
        style,
        "pg_hba.conf",
        if ja {
            "(同じ接続に一致しうる他の行より前に置き、再読み込み)"
        } else {
            "(above any other line that could match the same connection, then reload)"
        },
        std::slice::from_ref(&plan.snippets.hba),
    );
    match &plan.snippets.ident {
        Some(line) => {
            section(
                &mut out,
                style,
                "pg_ident.conf",
                &if ja {
                    format!("(証明書の CN {} をデータベースユーザー {} に対応付けます。追加して再読み込み)", plan.cert_user, plan.db_user)
                } else {
                    format!(
                        "(maps the certificate CN {} to the database user {}; add, then reload)",
                        plan.cert_user, plan.db_user
                    )
                },
                std::slice::from_ref(line),
            )
        }
        None => section(
            &mut out,
            style,
            "pg_ident.conf",
            if ja {
                "(追加不要: 証明書の CN がデータベースユーザーと同じです)"
            } else {
                "(nothing to add: the certificate's CN is the database user)"
            },
            &[],
        ),
    }

    section(
        &mut out,
        style,
        if ja {
            "ロールとデータベース"
        } else {
            "Role and database"
        },
        if ja {
            "(まだない場合に、スーパーユーザーとして psql で実行します。ないと接続は role \"…\" does not exist で失敗します)"
        } else {
            "(if they do not exist yet, run as a superuser in psql; without them the connection fails with role \"…\" does not exist)"
        },
        &role_commands(plan),
    );

    let kong = snippet_body(plan, FileRole::KongConf);
    let kong_lines: Vec<String> = lines_of(&kong).iter().map(|s| s.to_string()).collect();
    section(
        &mut out,
        style,
        "kong.conf",
        if ja {
            "(pg_ssl_required、pg_ssl_version、pg_ssl_cert、pg_ssl_cert_key は Kong Enterprise の設定です。オープンソース版 Kong はクライアント証明書を送りません)"
        } else {
            "(pg_ssl_required, pg_ssl_version, pg_ssl_cert and pg_ssl_cert_key are Kong Enterprise settings; open-source Kong sends no client certificate)"
        },
        &kong_lines,
    );
    let mut client_lines = vec![place(&plan.client_dir, "client.crt, client.key, ca.crt")];
    client_lines.extend(client_commands(plan));
    section(
        &mut out,
        style,
        if ja {
            "Kong (クライアント) のファイル"
        } else {
            "Kong's (the client's) files"
        },
        if ja {
            "(chown の kong は Kong を実行するアカウントに置き換えてください)"
        } else {
            "(replace kong in chown with the account Kong runs as)"
        },
        &client_lines,
    );
    section(
        &mut out,
        style,
        "libpq (psql)",
        if ja {
            "(verify-full: チェーンとホスト名を検証)"
        } else {
            "(verify-full: chain and host name checked)"
        },
        &[format!("psql \"{}\"", plan.snippets.conninfo)],
    );

    if !plan.notes.is_empty() {
        out.push('\n');
        for n in &plan.notes {
            out.push_str(&format!("{} {}\n", style.yellow("!"), n.get(lang)));
        }
    }

    if let Some(v) = verification {
        out.push('\n');
        out.push_str(&verification_text(v, lang, style));
    }
    out
}

fn verification_text(v: &Verification, lang: Lang, style: &Style) -> String {
    let ja = lang == Lang::Ja;
    let mut out = String::new();
    if let Some(fatal) = &v.start_failure {
        out.push_str(&format!(
            "{} {}\n    {}\n",
            style.red("✗"),
            if ja {
                "検証: 生成したサーバー側のファイルで PostgreSQL が起動しませんでした"
            } else {
                "verify: PostgreSQL refused to start with the written server files"
            },
            fatal
        ));
        if !v.start_findings.is_empty() {
            out.push_str(&findings_text(&v.start_findings, lang, style));
        }
        return out;
    }
    out.push_str(&style.bold(&if ja {
        format!(
            "検証: 書き込んだサーバー側のファイルで使い捨ての PostgreSQL {} を起動し、クライアント側のファイルで接続しました",
            v.server_version.as_deref().unwrap_or("")
        )
    } else {
        format!(
            "verify: a throwaway PostgreSQL {} with the written server files, connected to with the written client files",
            v.server_version.as_deref().unwrap_or("")
        )
    }));
    out.push('\n');
    for c in &v.checks {
        if c.ok {
            out.push_str(&format!(
                "  {} {}: {}\n",
                style.green("✓"),
                c.name.get(lang),
                if ja {
                    format!("接続できました ({})", c.output)
                } else {
                    format!("connected ({})", c.output)
                }
            ));
        } else {
            out.push_str(&format!(
                "  {} {}:\n    {}\n",
                style.red("✗"),
                c.name.get(lang),
                c.output
            ));
            if !c.findings.is_empty() {
                out.push_str(&findings_text(&c.findings, lang, style));
            }
        }
    }
    out
}

/// One file of the setup: where it is, what it is for, its mode and
/// whether this run wrote it.
#[derive(Serialize)]
struct FileJson<'a> {
    path: String,
    name: &'a str,
    role: &'static str,
    /// Octal, as chmod takes it (`"0600"`).
    mode: String,
    written: bool,
    description: &'static str,
}

/// The configuration lines, one entry per file they go into.
#[derive(Serialize)]
struct SnippetsJson<'a> {
    #[serde(rename = "postgresql.conf")]
    postgresql_conf: String,
    #[serde(rename = "pg_hba.conf")]
    hba_conf: String,
    #[serde(rename = "pg_ident.conf")]
    ident_conf: String,
    #[serde(rename = "kong.conf")]
    kong_conf: String,
    libpq: &'a str,
}

/// The commands that put each piece in place.
#[derive(Serialize)]
struct CommandsJson {
    server: Vec<String>,
    client: Vec<String>,
    sql: Vec<String>,
}

/// One client's connection through the generated setup.
#[derive(Serialize)]
struct CheckJson<'a> {
    client: &'static str,
    how: &'a str,
    ok: bool,
    output: &'a str,
    findings: Vec<FindingJson<'a>>,
}

/// Whether the setup works on a real server.
#[derive(Serialize)]
struct VerifyJson<'a> {
    ok: bool,
    server_version: Option<&'a str>,
    start_failure: Option<&'a str>,
    checks: Vec<CheckJson<'a>>,
}

/// The JSON report. `findings` holds the diagnoses of a failed
/// verification (empty otherwise).
#[derive(Serialize)]
pub struct SetupJson<'a> {
    out: String,
    server_dir: String,
    client_dir: String,
    files: Vec<FileJson<'a>>,
    snippets: SnippetsJson<'a>,
    commands: CommandsJson,
    notes: Vec<&'a str>,
    verify: Option<VerifyJson<'a>>,
    findings: Vec<FindingJson<'a>>,
}

/// The JSON report. `findings` holds the diagnoses of a failed
/// verification (empty otherwise).
pub fn setup_json<'a>(
    plan: &'a Plan,
    written: &[PathBuf],
    verification: Option<&'a Verification>,
    lang: Lang,
) -> SetupJson<'a> {
    let files = plan
        .files
        .iter()
        .map(|f| {
            let path = plan.out.join(f.name);
            FileJson {
                written: written.contains(&path),
                path: path.display().to_string(),
                name: f.name,
                role: f.role.as_str(),
                mode: format!("{:04o}", f.mode),
                description: f.role.describe().get(lang),
            }
        })
        .collect();
    let findings = verification
        .map(|v| {
            let checks = v.checks.iter().flat_map(|c| &c.findings);
            FindingJson::all(v.start_findings.iter().chain(checks), lang)
        })
        .unwrap_or_default();
    let verify = verification.map(|v| VerifyJson {
        ok: v.ok(),
        server_version: v.server_version.as_deref(),
        start_failure: v.start_failure.as_deref(),
        checks: v
            .checks
            .iter()
            .map(|c| CheckJson {
                client: c.name.get(lang),
                how: &c.how,
                ok: c.ok,
                output: &c.output,
                findings: FindingJson::all(&c.findings, lang),
            })
            .collect(),
    });
    SetupJson {
        out: plan.out.display().to_string(),
        server_dir: plan.server_dir.display().to_string(),
        client_dir: plan.client_dir.display().to_string(),
        files,
        snippets: SnippetsJson {
            postgresql_conf: snippet_body(plan, FileRole::PostgresqlConf),
            hba_conf: snippet_body(plan, FileRole::HbaConf),
            ident_conf: snippet_body(plan, FileRole::IdentConf),
            kong_conf: snippet_body(plan, FileRole::KongConf),
            libpq: &plan.snippets.conninfo,
        },
        commands: CommandsJson {
            server: server_commands(plan),
            client: client_commands(plan),
            sql: role_commands(plan),
        },
        notes: plan.notes.iter().map(|n| n.get(lang)).collect(),
        verify,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::{plan, SetupOptions};

    #[test]
    fn text_says_where_each_piece_goes_and_how_to_protect_the_keys() {
        let p = plan(&SetupOptions {
            server_dir: Some("/etc/postgresql/15/main/tls".into()),
            client_dir: Some("/etc/kong/pg".into()),
            hosts: vec!["db.example.com".into()],
            ..SetupOptions::new("/nonexistent/out")
        })
        .unwrap();
        let text = setup_text(&p, &[], None, Lang::En, &Style::plain());
        for needle in [
            "install -m 0600 /nonexistent/out/server.key /etc/postgresql/15/main/tls/server.key",
            "chown postgres:postgres /etc/postgresql/15/main/tls/server.key",
            "chmod 0600 /etc/postgresql/15/main/tls/server.key",
            "ssl_key_file = '/etc/postgresql/15/main/tls/server.key'",
            "hostssl kong kong all cert",
            "pg_ssl_cert_key = /etc/kong/pg/client.key",
            "chmod 0600 /etc/kong/pg/client.key",
            "psql \"host=db.example.com port=5432 dbname=kong user=kong sslmode=verify-full",
        ] {
            assert!(text.contains(needle), "{needle:?} in\n{text}");
        }
        let json = serde_json::to_value(setup_json(&p, &[], None, Lang::Ja)).unwrap();
        assert_eq!(json["files"][0]["written"], false);
        assert!(json["verify"].is_null());
        assert_eq!(json["findings"], serde_json::json!([]));
    }

    #[test]
    fn paths_with_spaces_are_quoted_for_the_shell() {
        assert_eq!(sh(Path::new("/a b/it's")), "'/a b/it'\\''s'");
        assert_eq!(sh(Path::new("/etc/x.key")), "/etc/x.key");
    }
}
