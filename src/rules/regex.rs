//! The regex of one diagnostic pattern, compiled the first time a text needs
//! it. A rule set has hundreds of patterns and a run tries only some of
//! them (most are decided by their words alone, see `automaton`), so
//! compiling them all before the first message was most of the startup.
//!
//! A pattern that could fail to compile must still be reported when the
//! rules load. Compiling can only fail on size, so each pattern's size is
//! bounded from its syntax tree (every state the compiler could make, with
//! no sharing): a pattern under [`LAZY_STATES`] cannot reach the compiler's
//! limit and waits; a bigger one is compiled at load, as before.

use std::sync::OnceLock;

use regex_automata::nfa::thompson::{self, pikevm, WhichCaptures, NFA};
use regex_automata::{hybrid, Input};
use regex_syntax::hir::{Class, Hir, HirKind};
use regex_syntax::utf8::Utf8Sequences;

/// The compiler's memory limit for one pattern, in bytes.
const NFA_LIMIT: usize = 64 << 20;

/// Patterns bounded to at most this many states compile on first use. The
/// compiler needs well under 100 bytes a state, so they stay below
/// [`NFA_LIMIT`] by far, and below what the lazy DFA's cache must hold.
pub(super) const LAZY_STATES: u64 = 20_000;

thread_local! {
    /// The compiler, kept from one pattern to the next: a fresh one sets up
    /// (and then frees) tables bigger than most patterns' automata.
    static COMPILER: thompson::Compiler = {
        let mut c = thompson::Compiler::new();
        c.configure(
            thompson::Config::new()
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(NFA_LIMIT)),
        );
        c
    };
}

/// One pattern: its syntax tree and, once needed, its regex.
#[derive(Debug)]
pub(super) struct Pattern {
    hir: Hir,
    regex: OnceLock<One>,
}

impl Pattern {
    /// The pattern of `hir`; compiled now when it is big enough that
    /// compiling could fail (the error is the compiler's message).
    pub(super) fn new(hir: Hir) -> Result<Pattern, String> {
        let regex = OnceLock::new();
        if states_bound(&hir) > LAZY_STATES {
            let one = One::build(&hir)?;
            regex.set(one).expect("a fresh cell is empty");
        }
        Ok(Pattern { hir, regex })
    }

    /// Whether the pattern matches somewhere in `text`.
    pub(super) fn is_match(&self, cache: &mut Cache, text: &str) -> bool {
        let one = self.regex.get_or_init(|| {
            // Under the bound compiling cannot fail; should it all the
            // same, the pattern matches nothing rather than stop the run.
            One::build(&self.hir).unwrap_or_else(|e| {
                log::error!("a diagnostic pattern cannot be compiled: {e}");
                One::from_nfa(NFA::never_match())
                    .expect("the empty automaton compiles")
            })
        });
        let cache = cache.0.get_or_insert_with(|| OneCache {
            dfa: one.dfa.create_cache(),
            pike: None,
        });
        one.is_match(cache, text)
    }
}

/// One thread's search state for one [`Pattern`], made on first use.
#[derive(Debug, Default)]
pub(super) struct Cache(Option<OneCache>);

/// The compiled regex. Only "does it match anywhere" is asked, so a forward
/// lazy DFA serves (no reverse automaton, no other engine); should it fail
/// on some text, a PikeVM over the same NFA answers.
#[derive(Debug)]
struct One {
    dfa: hybrid::dfa::DFA,
    pike: pikevm::PikeVM,
}

/// Search state for one [`One`].
#[derive(Debug)]
struct OneCache {
    dfa: hybrid::dfa::Cache,
    pike: Option<pikevm::Cache>,
}

impl One {
    fn build(hir: &Hir) -> Result<One, String> {
        let nfa = COMPILER
            .with(|c| c.build_from_hir(hir).map_err(|e| e.to_string()))?;
        One::from_nfa(nfa)
    }

    fn from_nfa(nfa: NFA) -> Result<One, String> {
        let dfa = hybrid::dfa::DFA::builder()
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pike =
            pikevm::PikeVM::new_from_nfa(nfa).map_err(|e| e.to_string())?;
        Ok(One { dfa, pike })
    }

    fn is_match(&self, cache: &mut OneCache, text: &str) -> bool {
        let input = Input::new(text).earliest(true);
        match self.dfa.try_search_fwd(&mut cache.dfa, &input) {
            Ok(found) => found.is_some(),
            Err(_) => {
                let pike = &self.pike;
                let c = cache.pike.get_or_insert_with(|| pike.create_cache());
                pike.is_match(c, input)
            }
        }
    }
}

/// At least as many states as the compiler can make for `hir`: every
/// literal byte, every byte range of every UTF-8 sequence of a class, every
/// copy of a repeated part, plus the splits and joins around them, with no
/// sharing counted (saturating).
pub(super) fn states_bound(hir: &Hir) -> u64 {
    /// The unanchored start, the match state and the like.
    const FRAME: u64 = 16;
    FRAME.saturating_add(bound(hir))
}

fn bound(hir: &Hir) -> u64 {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => 1,
        HirKind::Literal(l) => l.0.len() as u64,
        HirKind::Class(Class::Bytes(c)) => c.ranges().len() as u64 + 1,
        HirKind::Class(Class::Unicode(c)) => {
            let seqs: usize = c
                .ranges()
                .iter()
                .map(|r| match r.end() {
                    '\0'..='\x7f' => 1,
                    end => Utf8Sequences::new(r.start(), end).count(),
                })
                .sum();
            (seqs as u64).saturating_mul(4).saturating_add(1)
        }
        HirKind::Repetition(r) => {
            let copies = u64::from(r.max.unwrap_or(r.min)) + 1;
            copies.saturating_mul(bound(&r.sub).saturating_add(2))
        }
        HirKind::Capture(c) => bound(&c.sub).saturating_add(2),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs
            .iter()
            .fold(subs.len() as u64 + 1, |n, h| n.saturating_add(bound(h))),
    }
}

#[cfg(test)]
mod tests {
    use super::{states_bound, One, LAZY_STATES};
    use crate::rules::automaton::parse;

    fn states(pattern: &str) -> (u64, usize, usize) {
        let hir = parse(pattern).unwrap();
        let one = One::build(&hir).unwrap();
        let nfa = one.pike.get_nfa();
        (states_bound(&hir), nfa.states().len(), nfa.memory_usage())
    }

    #[test]
    fn the_bound_holds_for_every_default_pattern() {
        let patterns = crate::rules::default_patterns();
        for p in &patterns {
            let (bound, got, _) = states(p);
            assert!(bound >= got as u64, "{p}: {bound} < {got}");
        }
        let n = patterns.len();
        assert!(n > 100, "only {n} patterns");
    }

    #[test]
    fn the_bound_holds_for_big_classes_and_repeats() {
        for p in [
            r"\w",
            r"\w{20}",
            r"[^a]{3,9}x",
            r"(\w+\s){0,40}\d",
            r"(?s).{100}",
            "ü|ſ|k",
        ] {
            let (bound, got, _) = states(p);
            assert!(bound >= got as u64, "{p}: {bound} < {got}");
        }
    }

    #[test]
    fn a_pattern_just_under_the_lazy_bound_compiles_small() {
        // The biggest repeat of `\w` that still waits for its first use.
        let mut n = 1;
        while states_bound(&parse(&format!(r"\w{{{}}}", n + 1)).unwrap())
            <= LAZY_STATES
        {
            n += 1;
        }
        let (bound, got, bytes) = states(&format!(r"\w{{{n}}}"));
        assert!(bound <= LAZY_STATES && bound >= got as u64);
        assert!(bytes < super::NFA_LIMIT / 16, "{bytes} bytes");
    }
}
