//! The word finder of the automaton: one Aho-Corasick search (ASCII case
//! ignored, every overlapping match) for the required words of all
//! patterns.
//!
//! Its DFA searches fastest but takes several times longer to build than
//! the rest of the rules together, on one core, before the first message.
//! So a contiguous NFA (quick to build, with the same words in the same
//! order, so the same answers) serves at first, while the DFA is built on
//! another core; it takes over once ready.

use std::sync::{Arc, OnceLock, Weak};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, StartKind};

/// Finds the words given to [`Finder::new`], reporting each by its index.
#[derive(Debug)]
pub(super) struct Finder {
    /// Ready at once.
    first: AhoCorasick,
    /// Set by a background job when built.
    dfa: Arc<OnceLock<AhoCorasick>>,
}

impl Finder {
    /// The finder of `words` (ASCII lower case, none empty); the DFA is
    /// built later on the thread pool.
    pub(super) fn new(words: Vec<Vec<u8>>) -> Result<Finder, String> {
        let first = build(&words, AhoCorasickKind::ContiguousNFA)?;
        let dfa = Arc::new(OnceLock::new());
        let later: Weak<OnceLock<AhoCorasick>> = Arc::downgrade(&dfa);
        rayon::spawn(move || {
            // A rule set dropped meanwhile (a test, `rules check`) needs
            // no DFA.
            if later.strong_count() == 0 {
                return;
            }
            if let Ok(dfa) = build(&words, AhoCorasickKind::DFA) {
                if let Some(cell) = later.upgrade() {
                    let _ = cell.set(dfa);
                }
            }
        });
        Ok(Finder { first, dfa })
    }

    /// The automaton to search with now.
    pub(super) fn get(&self) -> &AhoCorasick {
        self.dfa.get().unwrap_or(&self.first)
    }
}

/// The automaton of `words` of `kind`, or of the kind the crate picks
/// when that one cannot be built (too many states).
fn build(
    words: &[Vec<u8>],
    kind: AhoCorasickKind,
) -> Result<AhoCorasick, String> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .start_kind(StartKind::Unanchored)
        .kind(Some(kind))
        .build(words)
        .or_else(|_| {
            AhoCorasick::builder().ascii_case_insensitive(true).build(words)
        })
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::{build, Finder};
    use aho_corasick::{AhoCorasick, AhoCorasickKind};

    fn hits(a: &AhoCorasick, text: &str) -> Vec<(usize, usize, usize)> {
        let mut all: Vec<_> = a
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        all.sort_unstable();
        all
    }

    /// Random words over a small alphabet (so that they overlap and share
    /// prefixes) and random texts: the NFA that answers first and the DFA
    /// that takes over find the same words at the same places.
    #[test]
    fn the_first_finder_and_the_dfa_find_the_same() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let letters = b"abcAB -.5x";
        for _ in 0..40 {
            let mut words: Vec<Vec<u8>> = (0..1 + next(60))
                .map(|_| {
                    let len = 1 + next(8) as usize;
                    let w = (0..len).map(|_| letters[next(10) as usize]);
                    w.map(|b| b.to_ascii_lowercase()).collect()
                })
                .collect();
            words.sort();
            words.dedup();
            let nfa = build(&words, AhoCorasickKind::ContiguousNFA).unwrap();
            let dfa = build(&words, AhoCorasickKind::DFA).unwrap();
            for _ in 0..50 {
                let len = next(40) as usize;
                let text: String = (0..len)
                    .map(|_| letters[next(10) as usize] as char)
                    .collect();
                assert_eq!(hits(&nfa, &text), hits(&dfa, &text), "{text:?}");
            }
        }
        // The finder itself answers as both do, before and after the DFA.
        let words = vec![b"full".to_vec(), b"mailbox".to_vec()];
        let f = Finder::new(words).unwrap();
        let text = "552 Mailbox FULL";
        assert_eq!(hits(f.get(), text), [(0, 12, 16), (1, 4, 11)]);
    }
}
