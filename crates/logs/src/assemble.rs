//! Ties continuation lines to their message. A PostgreSQL message spans
//! several lines (the message, then DETAIL, HINT, CONTEXT, STATEMENT, each
//! with its own prefix; tab-indented lines continue the line before), and
//! lines of different processes interleave. Messages wait here, one per
//! process, until the process starts another message or a window of lines
//! has passed without a continuation; then they leave in the order they
//! began. Memory is bounded by the window and by `max_pending`.

use crate::entry::{ContinuationKind, Entry, Severity};
use std::collections::{HashMap, VecDeque};

/// Which field a physical continuation line (tab-indented, or a syslog
/// chunk) extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The message text.
    Message,
    /// A continuation field.
    Continuation(ContinuationKind),
}

struct Pending {
    entry: Entry,
    key: Option<u32>,
    last_line: u64,
    open: bool,
}

/// The message assembler.
pub struct Assembler {
    queue: VecDeque<Pending>,
    base_seq: u64,
    by_key: HashMap<Option<u32>, u64>,
    last_target: Option<(u64, Target)>,
    ready: VecDeque<Entry>,
    window: u64,
    max_pending: usize,
}

impl Assembler {
    /// An assembler that closes a message `window` lines after its last
    /// line, and holds at most `max_pending` messages.
    pub fn new(window: u64, max_pending: usize) -> Assembler {
        Assembler {
            queue: VecDeque::new(),
            base_seq: 0,
            by_key: HashMap::new(),
            last_target: None,
            ready: VecDeque::new(),
            window,
            max_pending: max_pending.max(1),
        }
    }

    /// Narrows the window (never widens it).
    pub fn narrow_window(&mut self, window: u64) {
        self.window = self.window.min(window);
    }

    /// True when no message waits for continuations.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// The next finished entry.
    pub fn pop_ready(&mut self) -> Option<Entry> {
        self.ready.pop_front()
    }

    fn pending_mut(&mut self, seq: u64) -> Option<&mut Pending> {
        let idx = seq.checked_sub(self.base_seq)?;
        self.queue
            .get_mut(usize::try_from(idx).ok()?)
            .filter(|p| p.open)
    }

    /// Closes the open message of `key` (its process started another one).
    pub fn close_key(&mut self, key: Option<u32>) {
        if let Some(seq) = self.by_key.remove(&key) {
            if let Some(p) = self.pending_mut(seq) {
                p.open = false;
            }
        }
        self.last_target = None;
    }

    /// A line that was not read: nothing may attach to it.
    pub fn skip(&mut self) {
        self.last_target = None;
    }

    /// Starts a message that may receive continuations.
    pub fn start(&mut self, entry: Entry, key: Option<u32>, line: u64) {
        self.close_key(key);
        let seq = self.base_seq + self.queue.len() as u64;
        self.queue.push_back(Pending {
            entry,
            key,
            last_line: line,
            open: true,
        });
        self.by_key.insert(key, seq);
        self.last_target = Some((seq, Target::Message));
    }

    /// Adds an entry that takes no continuations (a csvlog or jsonlog
    /// record, a raw line, an orphan).
    pub fn push_complete(&mut self, entry: Entry, line: u64) {
        self.queue.push_back(Pending {
            entry,
            key: None,
            last_line: line,
            open: false,
        });
        self.last_target = None;
    }

    /// Attaches a `DETAIL:`-style line to the open message of `key`;
    /// returns false when there is none.
    pub fn continuation(
        &mut self,
        key: Option<u32>,
        kind: ContinuationKind,
        text: &str,
        line: u64,
    ) -> bool {
        let Some(&seq) = self.by_key.get(&key) else {
            self.last_target = None;
            return false;
        };
        let Some(p) = self.pending_mut(seq) else {
            self.by_key.remove(&key);
            self.last_target = None;
            return false;
        };
        p.entry.add_continuation(kind, text);
        p.last_line = line;
        self.last_target = Some((seq, Target::Continuation(kind)));
        true
    }

    /// Attaches a physical continuation line to the field the previous
    /// line filled, joined by `joiner` (`"\n"` for a new line, `""` for a
    /// line split mid-way); returns false when the previous line was not
    /// part of a waiting message.
    pub fn physical(&mut self, text: &str, joiner: &str, line: u64) -> bool {
        let Some((seq, target)) = self.last_target else {
            return false;
        };
        let Some(p) = self.pending_mut(seq) else {
            self.last_target = None;
            return false;
        };
        let field = match target {
            Target::Message => &mut p.entry.message,
            Target::Continuation(kind) => p
                .entry
                .continuation_mut(kind)
                .get_or_insert_with(String::new),
        };
        field.push_str(joiner);
        field.push_str(text);
        p.last_line = line;
        true
    }

    /// Appends a Kong/nginx continuation (stack traceback) to the previous
    /// entry's context.
    pub fn physical_context(&mut self, text: &str, line: u64) -> bool {
        let Some((seq, _)) = self.last_target else {
            return false;
        };
        let Some(p) = self.pending_mut(seq) else {
            self.last_target = None;
            return false;
        };
        p.entry.add_continuation(ContinuationKind::Context, text);
        p.last_line = line;
        true
    }

    /// Releases messages whose window has passed at line `line`.
    pub fn advance(&mut self, line: u64) {
        while let Some(front) = self.queue.front() {
            let stale = line.saturating_sub(front.last_line) > self.window;
            if front.open && !stale && self.queue.len() <= self.max_pending {
                break;
            }
            self.emit_front();
        }
    }

    /// Releases every message (end of input, or the input went idle).
    pub fn flush(&mut self) {
        while !self.queue.is_empty() {
            self.emit_front();
        }
        self.last_target = None;
    }

    fn emit_front(&mut self) {
        let Some(p) = self.queue.pop_front() else {
            return;
        };
        let seq = self.base_seq;
        self.base_seq += 1;
        if self.by_key.get(&p.key) == Some(&seq) {
            self.by_key.remove(&p.key);
        }
        if matches!(self.last_target, Some((s, _)) if s == seq) {
            self.last_target = None;
        }
        let mut entry = p.entry;
        if !matches!(entry.severity, Severity::Unknown) {
            entry.compute_facts();
        }
        self.ready.push_back(entry);
    }
}
