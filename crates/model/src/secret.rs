//! A secret (a password, a key passphrase, a passphrase command): kept out of
//! every Debug and Display output, and overwritten in memory when dropped.
//! Every copy a secret makes of itself is a `Secret` too, so no plain copy
//! lingers after the last owner is gone.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret byte string (usually UTF-8 text).
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Takes ownership of the bytes; the caller's buffer is moved, not copied.
    pub fn new(value: impl Into<Vec<u8>>) -> Secret {
        Secret(value.into())
    }

    /// The bytes, for the one place that must send or use them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, for parsers and protocols that take text; `None`
    /// when it is not UTF-8.
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The length in bytes (safe to show: it says nothing of the content
    /// that an attacker who can see the secret's use would not learn).
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value.into_bytes())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.as_bytes().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?} {s} {s:#?}"), "Secret(***) *** Secret(***)");
        assert_eq!(s.expose(), b"hunter2");
        assert_eq!(s.expose_str(), Some("hunter2"));
        assert_eq!(Secret::new(vec![0xff]).expose_str(), None);
    }

    #[test]
    fn zeroize_clears_the_bytes() {
        let mut s = Secret::from("hunter2");
        s.zeroize();
        assert!(s.is_empty(), "zeroize empties the value");
    }
}
