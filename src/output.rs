//! Writing to stdout, where a closed pipe (`pgtls ... | head`) is not an error.

use std::io::{self, Write};

use pgtls_catalogue::Lang;
use pgtls_render::Style;
use std::io::IsTerminal;

use crate::cli::{GlobalArgs, LangArg};

/// Prints text to stdout; a broken pipe surfaces as an error that `main` ignores.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Prints text for people, wrapped to the terminal's width ([`width`]).
pub fn print_text(text: &str) -> anyhow::Result<()> {
    print(&pgtls_render::wrap::wrap(text, width()))
}

/// The columns text output is laid out for: `COLUMNS`, else the terminal
/// stdout is, else 80.
pub fn width() -> usize {
    let columns = std::env::var("COLUMNS").ok();
    pgtls_render::wrap::width_from(columns.as_deref(), terminal_width())
}

/// The width of the terminal on stdout, if it is one.
fn terminal_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct it is given,
    // which lives for the whole call.
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(size.ws_col as usize)
}

/// Prints one JSON document (keys sorted, see [`pgtls_render::json`]).
pub fn print_json(doc: &impl serde::Serialize) -> anyhow::Result<()> {
    print(&pgtls_render::json::to_pretty(doc)?)
}

pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `--lang`, else the locale, else English.
pub fn lang(global: &GlobalArgs) -> Lang {
    match global.lang {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Ja) => Lang::Ja,
        None => {
            let var = |name: &str| std::env::var(name).ok();
            Lang::from_locale_vars(
                var("LC_ALL").as_deref(),
                var("LC_MESSAGES").as_deref(),
                var("LANG").as_deref(),
            )
        }
    }
}

pub fn style() -> Style {
    Style::for_terminal(
        io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// A fixed text in the chosen language.
pub fn t(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// An error and its causes in one line, each said once and in the system's
/// own words: Rust's ` (os error 2)` is dropped, and a cause already
/// contained in the text before it (a parser quoting the system's message)
/// is not repeated.
pub fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        let text = match text.find(" (os error ") {
            Some(at) if text.ends_with(')') => text[..at].to_string(),
            _ => text,
        };
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
