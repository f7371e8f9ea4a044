//! Terminal colour, only when stdout is a terminal and NO_COLOR is unset.

/// Whether to emit ANSI colour codes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn plain() -> Style {
        Style { color: false }
    }

    /// Colour for a terminal, following the NO_COLOR convention.
    pub fn for_terminal(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Style {
        Style {
            color: is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}
