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

pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    print(&serde_json::to_string_pretty(value)?)
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
