//! Remembers, per thread, which rules' patterns matched the diagnostic texts
//! met lately: a text met again costs one hash lookup instead of a pass of
//! the automaton (see [`crate::recent`]).

use crate::recent::Recent;

/// Texts remembered at most, per thread.
const ENTRIES: usize = 4096;

/// Texts longer than this (bytes) are not remembered.
const LONGEST: usize = 1024;

/// Diagnostic text -> the ranks of the rules with a pattern that matches
/// it (see `RuleSet::text_rules`), ascending: best standing first.
pub type Memo = Recent<Box<[u32]>>;

/// An empty memo.
pub fn new() -> Memo {
    Recent::new(ENTRIES, LONGEST)
}
