//! `pgtls fix`: the edits `check`'s findings carry (and, with `--connect`,
//! those of what connecting as the client showed, as probe does; a
//! failure only a connection shows, such as a refused password, gets its
//! server side from the files check reads), shown as a unified diff
//! of every file they would change and every command they call for, and
//! with `--apply` written: only to files the configuration names, each by
//! an atomic replace that keeps its owner and mode, with a backup beside
//! it, and never when the file changed since it was read. A key is never
//! rewritten, only given an owner and mode. Running it twice changes
//! nothing the second time: the second check finds nothing to fix.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use pgtls_catalogue::{Lang, Severity};
use pgtls_diagnose::check_rules::access::sh;
use pgtls_diagnose::check_rules::CheckReport;
use pgtls_diagnose::{Applicability, Edit, EditKind, Finding, Then};
use pgtls_render::{finding_text, EditJson, FindingJson, Style};
use serde::Serialize;

use super::check::{report_observing, CheckArgs};
use crate::cli::{Format, GlobalArgs};
use crate::output::{lang, print, print_json, style, t};

/// Configuration files are small; anything larger is not one.
const MAX_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Write the machine-applicable edits (without it nothing is written).
    #[arg(long)]
    pub apply: bool,
    /// With --apply, also write the maybe-incorrect edits (right in most
    /// setups; read the diff first). Edits with placeholders are never
    /// written.
    #[arg(long, requires = "apply")]
    pub r#unsafe: bool,
    /// With --apply, reload the server afterwards when an edit needs it
    /// (SIGHUP to the postmaster named in postmaster.pid; run as the
    /// server's account or root).
    #[arg(long, requires = "apply")]
    pub reload: bool,
    /// Connect as the client given (--kong-conf, --kong or --libpq) to
    /// gather evidence, as probe does: what the server sends and answers
    /// adds its findings' edits to the plan (those check already plans
    /// are kept as check has them), and what the server's files say of it
    /// (a refused password, a password asked for over an unverified
    /// connection) adds the server's side.
    #[arg(long)]
    pub connect: bool,
    /// With --connect: seconds allowed for each network step (default:
    /// Kong's pg_timeout, libpq's connect_timeout, else 5).
    #[arg(long, value_name = "SECONDS", requires = "connect")]
    pub timeout: Option<f64>,
}

/// One planned edit and whether this run writes it.
struct Planned {
    edit: Edit,
    /// The codes it fixes.
    codes: Vec<&'static str>,
    selected: bool,
}

/// A text file's planned new content.
struct FileChange {
    path: PathBuf,
    /// A file that does not exist yet (a new CA bundle).
    new: bool,
    before: Vec<u8>,
    after: String,
    /// Indexes into the plan.
    edits: Vec<usize>,
}

fn selected(edit: &Edit, args: &FixArgs) -> bool {
    match edit.applicability {
        Applicability::MachineApplicable => true,
        Applicability::MaybeIncorrect => args.r#unsafe,
        Applicability::HasPlaceholders => false,
    }
}

/// Whether two edits change the same thing (one setting, keyword, file or
/// line), so that only one of them may be planned.
fn same_target(a: &EditKind, b: &EditKind) -> bool {
    use EditKind as K;
    match (a, b) {
        (
            K::Setting {
                file: f1, key: k1, ..
            },
            K::Setting {
                file: f2, key: k2, ..
            },
        ) => f1 == f2 && k1.eq_ignore_ascii_case(k2),
        (
            K::IniSetting {
                file: f1,
                section: s1,
                key: k1,
                ..
            },
            K::IniSetting {
                file: f2,
                section: s2,
                key: k2,
                ..
            },
        ) => f1 == f2 && s1 == s2 && k1.eq_ignore_ascii_case(k2),
        (K::Conninfo { key: k1, .. }, K::Conninfo { key: k2, .. }) => k1 == k2,
        (K::FileMode { file: f1, .. }, K::FileMode { file: f2, .. })
        | (K::FileContent { file: f1, .. }, K::FileContent { file: f2, .. }) => f1 == f2,
        (
            K::HbaLine {
                file: f1,
                line: l1,
                before: Some(b1),
                ..
            },
            K::HbaLine {
                file: f2,
                line: l2,
                before: Some(b2),
                ..
            },
        )
        | (
            K::IdentLine {
                file: f1,
                line: l1,
                before: Some(b1),
                ..
            },
            K::IdentLine {
                file: f2,
                line: l2,
                before: Some(b2),
                ..
            },
        ) => f1 == f2 && l1 == l2 && b1 == b2,
        _ => a == b,
    }
}

/// Every edit of every finding, once, in finding order: check's first,
/// then those of what the connection showed (`probed`) that change
/// nothing check's edits change.
fn plan(report: &CheckReport, probed: &[Finding], args: &FixArgs) -> Vec<Planned> {
    let mut out: Vec<Planned> = Vec::new();
    let checked = report.findings.iter().map(|f| (&f.finding, false));
    let connected = probed.iter().map(|f| (f, true));
    for (f, from_probe) in checked.chain(connected) {
        for e in &f.edits {
            let same =
                |p: &Planned| p.edit == *e || (from_probe && same_target(&p.edit.kind, &e.kind));
            match out.iter_mut().find(|p| same(p)) {
                Some(p) => {
                    if !p.codes.contains(&f.code()) {
                        p.codes.push(f.code());
                    }
                }
                None => out.push(Planned {
                    selected: selected(e, args),
                    edit: e.clone(),
                    codes: vec![f.code()],
                }),
            }
        }
    }
    out
}

/// check's report; with --connect and no server files to read, an empty
/// one (the connection alone gathers the evidence).
fn check_report(args: &FixArgs, probed: &[Finding]) -> anyhow::Result<CheckReport> {
    let c = &args.check;
    if args.connect && c.pgdata.is_none() && c.postgresql_conf.is_none() && c.hba.is_none() {
        return Ok(CheckReport::without_server());
    }
    let observed: Vec<pgtls_catalogue::Code> = probed.iter().map(Finding::id).collect();
    report_observing(c, &observed)
}

/// The probe's arguments for the client fix was given.
fn probe_args(args: &FixArgs) -> super::probe::ProbeArgs {
    let c = &args.check;
    super::probe::ProbeArgs {
        conninfo: c.libpq.clone(),
        kong_conf: c.kong_conf.clone(),
        kong: c.kong,
        kong_shape: super::probe::KongShapeArg::Cosocket,
        kong_edition: c.kong_edition,
        timeout: args.timeout,
        security_level: None,
        password_to_unverified_server: false,
        libpq_version: c.libpq_version,
        kong_version: c.kong_version,
        pg_version: c.pg_version,
    }
}

/// Connects as each client given, as probe does: the findings of what
/// the connections showed (none when they all succeed).
fn connect(args: &FixArgs, lang: Lang) -> anyhow::Result<Vec<Finding>> {
    let c = &args.check;
    if c.kong_conf.is_none() && !c.kong && c.libpq.is_none() {
        anyhow::bail!(
            "{}",
            t(
                lang,
                "--connect needs a client to connect as: --kong-conf, --kong or --libpq",
                "--connect には接続するクライアントの指定が必要です: --kong-conf、--kong または --libpq",
            )
        );
    }
    if let Some(t) = args.timeout {
        super::probe::seconds(t, "--timeout")?;
    }
    let p = probe_args(args);
    let mut plans = Vec::new();
    if c.kong_conf.is_some() || c.kong {
        let kong_only = super::probe::ProbeArgs {
            conninfo: None,
            ..probe_args(args)
        };
        plans.push(super::probe::kong::plan(&kong_only)?);
    }
    if c.libpq.is_some() {
        let libpq_only = super::probe::ProbeArgs {
            kong_conf: None,
            kong: false,
            ..p
        };
        plans.push(super::probe::libpq::plan(&libpq_only)?);
    }
    let mut out = Vec::new();
    for plan in &plans {
        let (_, judgement) = super::probe::execute(plan)?;
        out.extend(judgement.findings);
    }
    Ok(out)
}

fn read_config(path: &Path) -> anyhow::Result<Vec<u8>> {
    let meta =
        fs::symlink_metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.file_type().is_symlink() {
        anyhow::bail!(
            "{} is a symbolic link: pgtls fix edits the file itself, never through a link (edit {} instead)",
            path.display(),
            fs::canonicalize(path)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "its target".into())
        );
    }
    if !meta.is_file() || meta.len() > MAX_FILE {
        anyhow::bail!("{} is not a configuration file", path.display());
    }
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The setting a postgresql.conf or kong.conf line sets, if any.
fn line_key(line: &str) -> Option<String> {
    let t = line.trim_start();
    if t.starts_with('#') {
        return None;
    }
    let end = t
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(t.len());
    (end > 0).then(|| t[..end].to_ascii_lowercase())
}

/// Applies the text edits of one file, bottom to top so line numbers
/// stay true; the error says which edit no longer fits the file.
fn edit_text(text: &str, edits: &[&Edit]) -> Result<String, String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut appended: Vec<String> = Vec::new();
    let mut ordered: Vec<&Edit> = edits.to_vec();
    let line_of = |e: &Edit| match &e.kind {
        EditKind::Setting { line, .. }
        | EditKind::HbaLine { line, .. }
        | EditKind::IdentLine { line, .. } => *line,
        EditKind::IniSetting {
            line, after_line, ..
        } => line.or(after_line.map(|l| l + 1)),
        _ => None,
    };
    ordered.sort_by_key(|e| std::cmp::Reverse(line_of(e)));
    for e in ordered {
        match &e.kind {
            EditKind::Setting {
                line, key, after, ..
            } => {
                let new = format!("{key} = {after}");
                match line {
                    Some(n) => {
                        let slot = lines
                            .get_mut(n.wrapping_sub(1))
                            .ok_or_else(|| format!("line {n} is gone"))?;
                        if line_key(slot).as_deref() != Some(key.to_ascii_lowercase().as_str()) {
                            return Err(format!("line {n} no longer sets {key}"));
                        }
                        *slot = format!("{new}\t# was: {}", slot.trim());
                    }
                    None => appended.push(new),
                }
            }
            EditKind::IniSetting {
                section,
                line,
                after_line,
                key,
                after,
                ..
            } => {
                let new = format!("{key} = {after}");
                if let Some(n) = line {
                    let slot = lines
                        .get_mut(n.wrapping_sub(1))
                        .ok_or_else(|| format!("line {n} is gone"))?;
                    if line_key(slot).as_deref() != Some(key.to_ascii_lowercase().as_str()) {
                        return Err(format!("line {n} no longer sets {key}"));
                    }
                    // pgbouncer would read a trailing comment as part of
                    // the value.
                    let old = format!("; was: {}", slot.trim());
                    *slot = new;
                    lines.insert(n - 1, old);
                    continue;
                }
                match after_line {
                    Some(n) if *n <= lines.len() => lines.insert(*n, new),
                    Some(n) => return Err(format!("line {n} is gone")),
                    None => {
                        // A section header of its own, so the line cannot
                        // land in [databases] or [users].
                        appended.push(new);
                        appended.push(format!("[{section}]"));
                    }
                }
            }
            EditKind::HbaLine {
                line,
                before,
                after,
                ..
            }
            | EditKind::IdentLine {
                line,
                before,
                after,
                ..
            } => match (line, before) {
                (Some(n), Some(old)) => {
                    let slot = lines
                        .get_mut(n.wrapping_sub(1))
                        .ok_or_else(|| format!("line {n} is gone"))?;
                    if slot.trim() != old.trim() {
                        return Err(format!("line {n} is no longer `{}`", old.trim()));
                    }
                    *slot = after.clone();
                }
                (Some(n), None) => {
                    if *n == 0 || *n > lines.len() + 1 {
                        return Err(format!("line {n} is gone"));
                    }
                    lines.insert(n - 1, after.clone());
                }
                (None, _) => appended.push(after.clone()),
            },
            _ => {}
        }
    }
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    if !appended.is_empty() {
        out.push_str("# added by pgtls fix\n");
        for a in appended.iter().rev() {
            out.push_str(a);
            out.push('\n');
        }
    }
    Ok(out)
}

fn is_text_edit(kind: &EditKind) -> bool {
    matches!(
        kind,
        EditKind::Setting { .. }
            | EditKind::IniSetting { .. }
            | EditKind::HbaLine { .. }
            | EditKind::IdentLine { .. }
    )
}

/// Edits that change a file's text: its lines, or its whole content.
fn is_file_edit(kind: &EditKind) -> bool {
    is_text_edit(kind) || matches!(kind, EditKind::FileContent { .. })
}

/// A whole file's new content: replaces the file (which must be one pgtls
/// can read as configuration) or creates it. Never a private key.
fn content_change(path: &Path, content: &str, idx: Vec<usize>) -> anyhow::Result<FileChange> {
    if content.contains("PRIVATE KEY") {
        anyhow::bail!("{}: pgtls fix never writes a private key", path.display());
    }
    let (new, before) = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (true, Vec::new()),
        _ => (false, read_config(path)?),
    };
    Ok(FileChange {
        path: path.to_path_buf(),
        new,
        before,
        after: content.to_string(),
        edits: idx,
    })
}

/// The new content of every file the file edits `wanted` picks touch.
fn file_changes(
    plan: &mut [Planned],
    wanted: impl Fn(&Planned) -> bool,
) -> (Vec<FileChange>, Vec<String>) {
    let mut by_file: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, p) in plan.iter().enumerate() {
        if wanted(p) && is_file_edit(&p.edit.kind) {
            if let Some(file) = p.edit.kind.file() {
                by_file.entry(file.clone()).or_default().push(i);
            }
        }
    }
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for (path, idx) in by_file {
        let content = idx.iter().find_map(|i| match &plan[*i].edit.kind {
            EditKind::FileContent { content, .. } => Some(content.clone()),
            _ => None,
        });
        if let Some(content) = content {
            let change = if idx.len() > 1 {
                Err(anyhow::anyhow!(
                    "{}: more than one edit would write it; make them by hand",
                    path.display()
                ))
            } else {
                content_change(&path, &content, idx.clone())
            };
            match change {
                Ok(c) => changes.push(c),
                Err(e) => {
                    problems.push(format!("{e:#}"));
                    idx.iter().for_each(|i| plan[*i].selected = false);
                }
            }
            continue;
        }
        let before = match read_config(&path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(crate::output::describe(&e));
                idx.iter().for_each(|i| plan[*i].selected = false);
                continue;
            }
        };
        let text = String::from_utf8_lossy(&before).into_owned();
        let edits: Vec<&Edit> = idx.iter().map(|i| &plan[*i].edit).collect();
        match edit_text(&text, &edits) {
            Ok(after) => changes.push(FileChange {
                path,
                new: false,
                before,
                after,
                edits: idx,
            }),
            Err(why) => {
                problems.push(format!("{}: {why}; run pgtls fix again", path.display()));
                idx.iter().for_each(|i| plan[*i].selected = false);
            }
        }
    }
    (changes, problems)
}

/// A file's text as the diff shows it: the value of every setting whose
/// name holds "password" (kong.conf's pg_password, pgbouncer's
/// auth_password...) as `***`, so no context line shows a secret.
fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line_key(line) {
            Some(key) if key.contains("password") => {
                let t = line.trim_start();
                let indent = &line[..line.len() - t.len()];
                let end = t
                    .find(|c: char| c == '=' || c.is_whitespace())
                    .unwrap_or(t.len());
                out.push_str(&format!("{indent}{} = ***", &t[..end]));
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn unified_diff(change: &FileChange) -> String {
    let before = masked(&String::from_utf8_lossy(&change.before));
    let after = masked(&change.after);
    let name = change.path.display().to_string();
    let old_name = if change.new {
        "/dev/null"
    } else {
        name.as_str()
    };
    similar::TextDiff::from_lines(before.as_str(), after.as_str())
        .unified_diff()
        .context_radius(2)
        .header(old_name, &name)
        .to_string()
}

/// The fields of a file-mode edit.
type ModeChange<'a> = (&'a PathBuf, Option<&'a str>, Option<&'a str>, Option<u32>);

fn mode_change(kind: &EditKind) -> Option<ModeChange<'_>> {
    match kind {
        EditKind::FileMode {
            file,
            owner,
            group,
            mode,
        } => Some((file, owner.as_deref(), group.as_deref(), *mode)),
        _ => None,
    }
}

fn mode_command(kind: &EditKind) -> Option<String> {
    let (file, owner, group, mode) = mode_change(kind)?;
    let quoted = sh(file);
    let mut parts = Vec::new();
    match (owner, group) {
        (Some(o), Some(g)) => parts.push(format!("chown {o}:{g} {quoted}")),
        (Some(o), None) => parts.push(format!("chown {o} {quoted}")),
        (None, Some(g)) => parts.push(format!("chgrp {g} {quoted}")),
        (None, None) => {}
    }
    if let Some(m) = mode {
        parts.push(format!("chmod {m:04o} {quoted}"));
    }
    Some(parts.join(" && "))
}

/// A name in /etc/passwd or /etc/group, as its id.
fn lookup_id(file: &str, name: &str) -> anyhow::Result<u32> {
    let text = fs::read_to_string(file).with_context(|| format!("cannot read {file}"))?;
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let n = f.next()?;
            let id = f.nth(1)?.parse::<u32>().ok()?;
            (n == name).then_some(id)
        })
        .next()
        .or_else(|| name.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("{name} is not in {file}"))
}

/// Owner, group and mode of a file: a key is never rewritten.
fn apply_mode(kind: &EditKind) -> anyhow::Result<()> {
    let Some((file, owner, group, mode)) = mode_change(kind) else {
        return Ok(());
    };
    let meta =
        fs::symlink_metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.file_type().is_symlink() {
        anyhow::bail!("{} is a symbolic link: not changed", file.display());
    }
    let uid = owner.map(|o| lookup_id("/etc/passwd", o)).transpose()?;
    let gid = group.map(|g| lookup_id("/etc/group", g)).transpose()?;
    if uid.is_some() || gid.is_some() {
        std::os::unix::fs::chown(file, uid, gid)
            .with_context(|| format!("cannot change the owner of {}", file.display()))?;
    }
    if let Some(m) = mode {
        fs::set_permissions(file, fs::Permissions::from_mode(m))
            .with_context(|| format!("cannot change the mode of {}", file.display()))?;
    }
    Ok(())
}

/// `FILE.pgtls-fix.bak`, or `.bak.N` when that exists: never overwritten.
fn backup_path(path: &Path) -> PathBuf {
    let base = format!("{}.pgtls-fix.bak", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while fs::symlink_metadata(&candidate).is_ok() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

/// Writes `bytes` to a new file beside `like` with its owner and mode.
fn write_beside(path: &Path, bytes: &[u8], like: &fs::Metadata) -> anyhow::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(like.mode() & 0o7777)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    // Ownership first, then the mode again (chown may clear set-id bits).
    let _ = std::os::unix::fs::chown(path, Some(like.uid()), Some(like.gid()));
    fs::set_permissions(path, fs::Permissions::from_mode(like.mode() & 0o7777))?;
    Ok(())
}

/// Creates a new public file (a CA bundle): mode 0644, owned as its
/// directory is, never over a file that appeared since.
fn create_file(change: &FileChange) -> anyhow::Result<()> {
    let dir = change.path.parent().unwrap_or(Path::new("."));
    let meta = fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&change.path)
        .with_context(|| {
            format!(
                "cannot create {} (it appeared since pgtls looked?)",
                change.path.display()
            )
        })?;
    f.write_all(change.after.as_bytes())?;
    f.sync_all()?;
    let _ = std::os::unix::fs::chown(&change.path, Some(meta.uid()), Some(meta.gid()));
    fs::set_permissions(&change.path, fs::Permissions::from_mode(0o644))?;
    Ok(())
}

/// Replaces a configuration file atomically after checking that it is
/// still what was read, or creates a new one; returns the backup's path
/// (none for a new file).
fn replace_file(change: &FileChange) -> anyhow::Result<Option<PathBuf>> {
    if change.new {
        return create_file(change).map(|()| None);
    }
    let now = read_config(&change.path)?;
    if now != change.before {
        anyhow::bail!(
            "{} changed since pgtls read it: not written; run pgtls fix again",
            change.path.display()
        );
    }
    let meta = fs::metadata(&change.path)?;
    let backup = backup_path(&change.path);
    write_beside(&backup, &change.before, &meta)?;
    let dir = change.path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.pgtls-fix.{}",
        change
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = fs::remove_file(&tmp);
    write_beside(&tmp, change.after.as_bytes(), &meta)?;
    if let Err(e) = fs::rename(&tmp, &change.path) {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot replace {}", change.path.display()));
    }
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(Some(backup))
}

/// SIGHUP to the postmaster named in `DATADIR/postmaster.pid`.
fn reload(data_dir: &Path) -> anyhow::Result<u32> {
    let pid_file = data_dir.join("postmaster.pid");
    let text = fs::read_to_string(&pid_file)
        .with_context(|| format!("cannot read {}: is the server running?", pid_file.display()))?;
    let pid: i32 = text
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .filter(|p| *p > 1)
        .ok_or_else(|| anyhow::anyhow!("{} names no process", pid_file.display()))?;
    // SAFETY: kill with a positive pid and SIGHUP has no memory effects.
    let rc = unsafe { libc::kill(pid, libc::SIGHUP) };
    if rc != 0 {
        anyhow::bail!(
            "cannot signal the postmaster (pid {pid}): {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(pid as u32)
}

struct Outcome {
    applied: Vec<usize>,
    backups: Vec<PathBuf>,
    problems: Vec<String>,
    reloaded: Option<u32>,
    /// pgbouncer's pid, when its configuration changed and it was told to
    /// reload.
    reloaded_pgbouncer: Option<u32>,
}

/// The files of the pgbouncer.ini given, and the pid in its `pidfile`.
fn pgbouncer_files(args: &FixArgs) -> (Vec<PathBuf>, Option<PathBuf>) {
    let Some(path) = &args.check.pgbouncer_ini else {
        return (Vec::new(), None);
    };
    let ini = pgtls_config::pgbouncer_ini::load(&pgtls_config::FsSource, path);
    let pidfile = ini.get("pidfile").map(|s| PathBuf::from(&s.value));
    (ini.files, pidfile)
}

/// SIGHUP to the pgbouncer named in its pidfile: pgbouncer's RELOAD,
/// which also re-reads its TLS settings and files.
fn reload_pgbouncer(pidfile: &Path) -> anyhow::Result<u32> {
    let text = fs::read_to_string(pidfile)
        .with_context(|| format!("cannot read {}: is pgbouncer running?", pidfile.display()))?;
    let pid: i32 = text
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 1)
        .ok_or_else(|| anyhow::anyhow!("{} names no process", pidfile.display()))?;
    // SAFETY: kill with a positive pid and SIGHUP has no memory effects.
    if unsafe { libc::kill(pid, libc::SIGHUP) } != 0 {
        anyhow::bail!(
            "cannot signal pgbouncer (pid {pid}): {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(pid as u32)
}

fn apply(
    plan: &[Planned],
    changes: &[FileChange],
    args: &FixArgs,
    data_dir: Option<&Path>,
) -> Outcome {
    let mut out = Outcome {
        applied: Vec::new(),
        backups: Vec::new(),
        problems: Vec::new(),
        reloaded: None,
        reloaded_pgbouncer: None,
    };
    for c in changes {
        match replace_file(c) {
            Ok(backup) => {
                out.applied.extend(&c.edits);
                out.backups.extend(backup);
            }
            Err(e) => out.problems.push(crate::output::describe(&e)),
        }
    }
    for (i, p) in plan.iter().enumerate() {
        if p.selected && matches!(p.edit.kind, EditKind::FileMode { .. }) {
            match apply_mode(&p.edit.kind) {
                Ok(()) => out.applied.push(i),
                Err(e) => out.problems.push(crate::output::describe(&e)),
            }
        }
    }
    let (bouncer_files, pidfile) = pgbouncer_files(args);
    let of_pgbouncer = |i: &usize| {
        plan[*i]
            .edit
            .kind
            .file()
            .is_some_and(|f| bouncer_files.contains(f))
    };
    let bouncer_reload = out
        .applied
        .iter()
        .any(|i| of_pgbouncer(i) && plan[*i].edit.then == Then::Reload);
    if args.reload && bouncer_reload {
        match pidfile.as_deref().map(reload_pgbouncer) {
            Some(Ok(pid)) => out.reloaded_pgbouncer = Some(pid),
            Some(Err(e)) => out.problems.push(crate::output::describe(&e)),
            None => out.problems.push(
                "pgbouncer.ini sets no pidfile: reload pgbouncer yourself (RELOAD on its console, or SIGHUP)".into(),
            ),
        }
    }
    let needs_reload = out
        .applied
        .iter()
        .any(|i| !of_pgbouncer(i) && plan[*i].edit.then == Then::Reload);
    if args.reload && needs_reload {
        match data_dir.map(reload) {
            Some(Ok(pid)) => out.reloaded = Some(pid),
            Some(Err(e)) => out.problems.push(crate::output::describe(&e)),
            None => out
                .problems
                .push("no data directory to find the postmaster in: reload it yourself".into()),
        }
    }
    out
}

fn then_list(plan: &[Planned], which: &[usize]) -> Vec<&'static str> {
    let mut thens: Vec<Then> = which
        .iter()
        .map(|i| plan[*i].edit.then)
        .filter(|t| *t != Then::None)
        .collect();
    thens.sort();
    thens.dedup();
    thens.into_iter().map(Then::as_str).collect()
}

/// An edit in one line, as the person who makes it by hand reads it.
fn edit_summary(kind: &EditKind) -> String {
    match kind {
        EditKind::Setting { key, after, .. } => format!("{key} = {after}"),
        EditKind::IniSetting {
            section,
            key,
            after,
            ..
        } => format!("[{section}] {key} = {after}"),
        EditKind::HbaLine { after, .. } | EditKind::IdentLine { after, .. } => after.clone(),
        EditKind::Conninfo { key, after, .. } => format!("{key}={after}"),
        EditKind::FileMode {
            owner, group, mode, ..
        } => {
            let mut parts = Vec::new();
            if let Some(m) = mode {
                parts.push(format!("mode {m:04o}"));
            }
            if owner.is_some() || group.is_some() {
                parts.push(format!(
                    "owner {}:{}",
                    owner.as_deref().unwrap_or(""),
                    group.as_deref().unwrap_or("")
                ));
            }
            parts.join(", ")
        }
        EditKind::FileContent { file, .. } => format!("write {}", file.display()),
        EditKind::Command { command } => command.clone(),
    }
}

fn applicability_word(a: Applicability, lang: Lang) -> &'static str {
    match a {
        Applicability::MachineApplicable => t(lang, "applies as is", "そのまま適用可"),
        Applicability::MaybeIncorrect => {
            t(lang, "needs a look (--unsafe)", "確認が必要 (--unsafe)")
        }
        Applicability::HasPlaceholders => t(lang, "only a person can", "人手のみ"),
    }
}

/// `fix --format json`: product.md's findings, and the plan with what was
/// done of it.
#[derive(Serialize)]
struct FixJson<'a> {
    findings: Vec<FindingJson<'a>>,
    /// Every planned edit.
    edits: Vec<PlannedJson<'a>>,
    /// The edits written.
    applied: Vec<EditJson<'a>>,
    then: Vec<&'static str>,
    diff: String,
    backups: Vec<String>,
    reloaded_pid: Option<u32>,
    reloaded_pgbouncer_pid: Option<u32>,
    /// libpq's connection string with the edits made (never a password).
    fixed_conninfo: Option<&'a str>,
    problems: &'a [String],
}

/// A planned edit, with the codes it fixes and whether this run selects it.
#[derive(Serialize)]
struct PlannedJson<'a> {
    #[serde(flatten)]
    edit: EditJson<'a>,
    fixes: &'a [&'static str],
    selected: bool,
}

pub fn run(global: &GlobalArgs, args: &FixArgs) -> anyhow::Result<u8> {
    let lang = lang(global);
    let style = style();
    // The connection first: what it shows, the server's files explain.
    let first_probed = if args.connect {
        connect(args, lang)?
    } else {
        Vec::new()
    };
    let first = check_report(args, &first_probed)?;
    let mut planned = plan(&first, &first_probed, args);
    // Shown: every edit that holds no placeholder; written: the selected.
    let (shown, _) = file_changes(&mut planned, |p| {
        p.edit.applicability != Applicability::HasPlaceholders
    });
    let (changes, mut problems) = file_changes(&mut planned, |p| p.selected);
    let data_dir = args.check.pgdata.clone();
    let outcome = if args.apply {
        Some(apply(&planned, &changes, args, data_dir.as_deref()))
    } else {
        None
    };
    if let Some(o) = &outcome {
        problems.extend(o.problems.iter().cloned());
    }
    // What is left: the same check (and connections) after the edits.
    let changed = outcome.as_ref().is_some_and(|o| !o.applied.is_empty());
    let probed = if changed && args.connect {
        connect(args, lang)?
    } else {
        first_probed
    };
    let after = if changed {
        check_report(args, &probed)?
    } else {
        first
    };
    // A failure the connection showed that check found too is said once.
    let probed: Vec<Finding> = probed
        .into_iter()
        .filter(|p| !after.findings.iter().any(|f| f.finding.code() == p.code()))
        .collect();
    let remaining_errors = after
        .findings
        .iter()
        .map(|f| &f.finding)
        .chain(&probed)
        .any(|f| f.diagnosis.severity == Severity::Error);
    let fixed_conninfo = fixed_conninfo(args, &planned);

    match global.format {
        Format::Json => {
            let applied: Vec<usize> = outcome
                .as_ref()
                .map(|o| o.applied.clone())
                .unwrap_or_default();
            print_json(&FixJson {
                findings: FindingJson::all(
                    after.findings.iter().map(|f| &f.finding).chain(&probed),
                    lang,
                ),
                edits: planned
                    .iter()
                    .map(|p| PlannedJson {
                        edit: EditJson::of(&p.edit),
                        fixes: &p.codes,
                        selected: p.selected,
                    })
                    .collect(),
                applied: applied
                    .iter()
                    .map(|i| EditJson::of(&planned[*i].edit))
                    .collect(),
                then: then_list(&planned, &applied),
                diff: shown.iter().map(unified_diff).collect(),
                backups: outcome
                    .as_ref()
                    .map(|o| o.backups.iter().map(|b| b.display().to_string()).collect())
                    .unwrap_or_default(),
                reloaded_pid: outcome.as_ref().and_then(|o| o.reloaded),
                reloaded_pgbouncer_pid: outcome.as_ref().and_then(|o| o.reloaded_pgbouncer),
                fixed_conninfo: fixed_conninfo.as_deref(),
                problems: &problems,
            })?;
        }
        Format::Text => print(&text(
            &after,
            &probed,
            &planned,
            &shown,
            outcome.as_ref(),
            &problems,
            fixed_conninfo.as_deref(),
            args,
            lang,
            &style,
        ))?,
    }
    if !problems.is_empty() && outcome.is_some() {
        return Ok(2);
    }
    Ok(if remaining_errors { 1 } else { 0 })
}

/// The libpq connection string with its conninfo edits, each keyword set
/// where the string sets it now (appended otherwise). Never holds a
/// password (probe refuses one on the command line, and no edit writes
/// one).
fn fixed_conninfo(args: &FixArgs, plan: &[Planned]) -> Option<String> {
    let mut out = args.check.libpq.clone()?;
    let mut changed = false;
    for p in plan {
        if let EditKind::Conninfo { key, after, .. } = &p.edit.kind {
            if p.edit.applicability == Applicability::HasPlaceholders {
                continue;
            }
            // The string was parsed by check already; a failure here
            // leaves it as it is.
            if let Ok(next) = pgtls_config::libpq::with_keyword(&out, key, after) {
                out = next;
                changed = true;
            }
        }
    }
    changed.then_some(out)
}

#[allow(clippy::too_many_arguments)]
fn text(
    after: &CheckReport,
    probed: &[Finding],
    plan: &[Planned],
    changes: &[FileChange],
    outcome: Option<&Outcome>,
    problems: &[String],
    fixed_conninfo: Option<&str>,
    args: &FixArgs,
    lang: Lang,
    style: &Style,
) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        out.push_str(t(
            lang,
            "pgtls fix: nothing pgtls can change",
            "pgtls fix: pgtls が変更できるものはありません",
        ));
        out.push('\n');
    }
    for c in changes {
        out.push_str(&unified_diff(c));
    }
    let mut commands = Vec::new();
    for p in plan {
        let line = match &p.edit.kind {
            EditKind::FileMode { .. } => mode_command(&p.edit.kind),
            EditKind::Command { command } => Some(command.clone()),
            _ if !is_file_edit(&p.edit.kind) => None,
            _ => continue,
        };
        if let Some(line) = line {
            commands.push(format!(
                "  $ {line}    # {}, {} ({})",
                p.codes.join(" "),
                applicability_word(p.edit.applicability, lang),
                p.edit.then.as_str()
            ));
        }
    }
    if !commands.is_empty() {
        out.push_str(&format!(
            "{}\n{}\n",
            style.bold(t(lang, "commands:", "コマンド:")),
            commands.join("\n")
        ));
    }
    let skipped: Vec<&Planned> = plan
        .iter()
        .filter(|p| !p.selected && is_file_edit(&p.edit.kind))
        .collect();
    for p in skipped {
        let why = match p.edit.applicability {
            Applicability::HasPlaceholders => format!(
                "{} {}",
                t(
                    lang,
                    "only a person can fill in the <...> part; then",
                    "<...> の部分は人が埋めます。その後",
                ),
                p.edit.then.as_str()
            ),
            other => applicability_word(other, lang).to_string(),
        };
        out.push_str(&format!(
            "  {} {} {}: {} ({why})\n",
            style.yellow("!"),
            p.codes.join(" "),
            p.edit
                .kind
                .file()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            edit_summary(&p.edit.kind),
        ));
    }
    if let Some(c) = fixed_conninfo {
        out.push_str(&format!(
            "{} {c}\n",
            t(lang, "corrected connection string:", "修正した接続文字列:")
        ));
    }
    match outcome {
        None if !plan.is_empty() => out.push_str(&format!(
            "{}\n",
            t(
                lang,
                "nothing written: run again with --apply (and --unsafe for the edits that need a look)",
                "何も書き込んでいません: --apply (確認が必要な編集には --unsafe も) を付けて再実行します",
            )
        )),
        None => {}
        Some(o) => {
            out.push_str(&format!(
                "{} {}\n",
                t(lang, "applied:", "適用:"),
                o.applied.len()
            ));
            for b in &o.backups {
                out.push_str(&format!("  {} {}\n", t(lang, "backup", "バックアップ"), b.display()));
            }
            let then = then_list(plan, &o.applied);
            if let Some(pid) = o.reloaded_pgbouncer {
                out.push_str(&format!(
                    "{} {pid}\n",
                    t(lang, "reloaded pgbouncer (SIGHUP), pid", "pgbouncer を再読み込みしました (SIGHUP)。pid")
                ));
            }
            if let Some(pid) = o.reloaded {
                out.push_str(&format!(
                    "{} {pid}\n",
                    t(lang, "reloaded the postmaster, pid", "postmaster を再読み込みしました。pid")
                ));
            } else if then.contains(&"reload") {
                out.push_str(&format!(
                    "{}\n",
                    t(lang, "then: reload the server (SELECT pg_reload_conf(); or pgtls fix --apply --reload)", "続けて: サーバーの設定を再読み込みします (SELECT pg_reload_conf(); または pgtls fix --apply --reload)")
                ));
            }
            // Kong reads kong.conf when it starts: its restart is Kong's.
            let restarts = |kong: bool| {
                o.applied.iter().any(|i| {
                    let e = &plan[*i].edit;
                    e.then == Then::Restart
                        && (e.kind.file().is_some()
                            && e.kind.file() == args.check.kong_conf.as_ref())
                            == kong
                })
            };
            if restarts(true) {
                out.push_str(&format!(
                    "{}\n",
                    t(
                        lang,
                        "then: restart Kong (kong restart), which reads kong.conf when it starts",
                        "続けて: Kong を再起動します (kong restart)。Kong は起動時に kong.conf を読みます",
                    )
                ));
            }
            if restarts(false) {
                let dir = args
                    .check
                    .pgdata
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|| "$PGDATA".into());
                out.push_str(&format!(
                    "{} pg_ctl restart -D {dir}\n",
                    t(lang, "then: restart (or start) the server as its account:", "続けて: サーバーのアカウントで再起動 (または起動) します:")
                ));
            }
        }
    }
    for p in problems {
        out.push_str(&format!("{} {p}\n", style.red("✗")));
    }
    if !after.findings.is_empty() || !probed.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(t(lang, "findings:", "所見:"))
        ));
        for f in &after.findings {
            out.push_str(&finding_text(&f.finding, lang, style));
        }
        for f in probed {
            out.push_str(&finding_text(f, lang, style));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_never_shows_a_password() {
        let text = "pg_user = kong\npg_password = s3cret # old\n  PG_RO_PASSWORD=x\n#pg_password = y\npg_ssl = on";
        assert_eq!(
            masked(text),
            "pg_user = kong\npg_password = ***\n  PG_RO_PASSWORD = ***\n#pg_password = y\npg_ssl = on"
        );
    }

    /// A whole file's content: a new file or a regular one, never a key,
    /// never through a symbolic link.
    #[test]
    fn file_content_is_never_a_key_nor_through_a_link() {
        let dir = tempfile::tempdir().expect("dir");
        let ca = dir.path().join("root.crt");
        let pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
        let c = content_change(&ca, pem, vec![0]).expect("a new file");
        assert!(c.new && c.before.is_empty());
        fs::write(&ca, "old\n").expect("write");
        let c = content_change(&ca, pem, vec![0]).expect("a file");
        assert!(!c.new && c.before == b"old\n");
        let key = "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n";
        let e = content_change(&ca, key, vec![0]).err().expect("refused");
        assert!(e.to_string().contains("never writes a private key"), "{e}");
        let link = dir.path().join("link.crt");
        std::os::unix::fs::symlink(&ca, &link).expect("symlink");
        let e = content_change(&link, pem, vec![0]).err().expect("refused");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        // Created 0644, never over a file that appeared since.
        let new = dir.path().join("bundle.crt");
        let c = content_change(&new, pem, vec![0]).expect("a new file");
        replace_file(&c).expect("created");
        assert_eq!(fs::metadata(&new).expect("meta").mode() & 0o7777, 0o644);
        assert!(replace_file(&c).is_err(), "not twice");
    }

    #[test]
    fn one_edit_per_setting_keyword_or_file() {
        let setting = |key: &str, after: &str| EditKind::Setting {
            file: "/etc/kong/kong.conf".into(),
            line: Some(8),
            key: key.into(),
            before: None,
            after: after.into(),
        };
        assert!(same_target(
            &setting("lua_ssl_trusted_certificate", "a,b"),
            &setting("LUA_SSL_TRUSTED_CERTIFICATE", "a,c")
        ));
        assert!(!same_target(
            &setting("lua_ssl_trusted_certificate", "a,b"),
            &setting("lua_ssl_verify_depth", "2")
        ));
        let conninfo = |key: &str| EditKind::Conninfo {
            key: key.into(),
            before: None,
            after: "x".into(),
        };
        assert!(same_target(
            &conninfo("sslrootcert"),
            &conninfo("sslrootcert")
        ));
        assert!(!same_target(&conninfo("sslrootcert"), &conninfo("sslcert")));
        let hba = |line: usize, after: &str| EditKind::HbaLine {
            file: "/pg/pg_hba.conf".into(),
            line: Some(line),
            before: None,
            after: after.into(),
        };
        // Insertions are the same only when they are equal.
        assert!(!same_target(&hba(3, "a"), &hba(3, "b")));
        assert!(same_target(&hba(3, "a"), &hba(3, "a")));
    }
}
