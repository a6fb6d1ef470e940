//! Remembers, per thread, which rules' patterns match the diagnostic texts
//! met lately: a text met again costs one hash lookup instead of a pass of
//! the automaton (see [`crate::recent`]). A rule whose words were found but
//! whose regex is still to be tried is tried only when the choice of the
//! winner comes to it (see `select`), and the answer is kept.

use crate::recent::Recent;

/// Texts remembered at most, per thread.
const ENTRIES: usize = 4096;

/// Texts longer than this (bytes) are not remembered.
const LONGEST: usize = 1024;

/// Diagnostic text -> what is known of the rules that match it.
pub type Memo = Recent<Matched>;

/// The rules whose patterns match one text, or may.
#[derive(Debug)]
pub struct Matched {
    /// One entry per rule, ascending: twice the rule's rank (see
    /// `RuleSet::text_rules`), plus one while its regexes are still to be
    /// tried; [`GONE`] once they were and none matched.
    pub rules: Box<[u32]>,
    /// The patterns whose words were found, still to be tried, ascending.
    pub maybe: Box<[u32]>,
}

/// The entry of a rule found not to match.
pub const GONE: u32 = u32::MAX;

/// An empty memo.
pub fn new() -> Memo {
    Recent::new(ENTRIES, LONGEST)
}
