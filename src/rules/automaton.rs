//! The one automaton of all diagnostic patterns: a lazy DFA that runs once
//! over a diagnostic text and reports every pattern that matches anywhere in
//! it (overlapping, `MatchKind::All`).
//!
//! Patterns are case-insensitive regular expressions. Word boundaries
//! (`\b`, `\B`, `\<`, `\>`) are ASCII word boundaries: a lazy DFA cannot run
//! Unicode word boundaries, and a pattern set that fell back to a slower
//! engine would cost far more per recipient. Everything else (`\w`, `.`,
//! case folding) is Unicode. Should the DFA fail on some text all the same,
//! a PikeVM over the same NFA answers instead, so no text is ever missed.

use regex_automata::hybrid::dfa::{self, DFA};
use regex_automata::nfa::thompson::{self, pikevm, WhichCaptures, NFA};
use regex_automata::util::syntax;
use regex_automata::{meta, Input, MatchKind, PatternID, PatternSet};
use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

/// The lazy DFA's memory limit, per thread. States are made as texts need
/// them; on the Sisimai corpus the default set needs about 4 MB.
const CACHE_CAPACITY: usize = 32 << 20;

/// All patterns of a rule set, compiled together.
#[derive(Debug)]
pub struct Automaton {
    dfa: DFA,
    pike: pikevm::PikeVM,
    /// Patterns that can match a single character (the `.` of catch-all
    /// rules), with their indices: they would make nearly every DFA state a
    /// match state, and the walk would list their patterns at every byte.
    /// Each is asked on its own whether it matches; in the DFA their place
    /// holds a pattern that never matches.
    dense: Vec<(usize, meta::Regex)>,
}

/// Per-thread search state for one [`Automaton`].
#[derive(Debug)]
pub struct Scratch {
    dfa: dfa::Cache,
    pike: Option<pikevm::Cache>,
    /// The patterns that matched in the last search.
    pub set: PatternSet,
}

/// Parses one pattern as rules mean it: case-insensitive, ASCII word
/// boundaries. The error is a one-line message.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    let config = syntax::Config::new().case_insensitive(true);
    match syntax::parse_with(pattern, &config) {
        Ok(hir) => Ok(ascii_boundaries(hir)),
        Err(e) => {
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("").trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            Err(format!("invalid pattern `{pattern}`: {last}"))
        }
    }
}

impl Automaton {
    /// Compiles parsed patterns; pattern `i` reports as index `i`.
    pub fn build(patterns: &[Hir]) -> Result<Automaton, String> {
        let mut dense = Vec::new();
        let mut spread = Vec::with_capacity(patterns.len());
        for (i, hir) in patterns.iter().enumerate() {
            if hir.properties().minimum_len().is_some_and(|n| n <= 1) {
                let one = meta::Builder::new()
                    .configure(
                        meta::Config::new().which_captures(WhichCaptures::None),
                    )
                    .build_many_from_hir(std::slice::from_ref(hir))
                    .map_err(|e| e.to_string())?;
                dense.push((i, one));
                spread.push(Hir::fail());
            } else {
                spread.push(hir.clone());
            }
        }
        let patterns = &spread[..];
        let nfa: NFA = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .nfa_size_limit(Some(64 << 20)),
            )
            .build_many_from_hir(patterns)
            .map_err(|e| e.to_string())?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(CACHE_CAPACITY),
            )
            .build_from_nfa(nfa.clone())
            .map_err(|e| e.to_string())?;
        let pike = pikevm::PikeVM::builder()
            .configure(pikevm::Config::new().match_kind(MatchKind::All))
            .build_from_nfa(nfa)
            .map_err(|e| e.to_string())?;
        Ok(Automaton { dfa, pike, dense })
    }

    /// Fresh search state.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            dfa: self.dfa.create_cache(),
            pike: None,
            set: PatternSet::new(self.dfa.pattern_len()),
        }
    }

    /// Fills `s.set` with every pattern that matches somewhere in `text`.
    pub fn search(&self, s: &mut Scratch, text: &str) {
        s.set.clear();
        if self.walk(s, text).is_err() {
            s.set.clear();
            let cache = s.pike.get_or_insert_with(|| self.pike.create_cache());
            let input = Input::new(text);
            self.pike.which_overlapping_matches(cache, &input, &mut s.set);
        }
        for (i, one) in &self.dense {
            if one.is_match(text) {
                s.set.insert(PatternID::must(*i));
            }
        }
    }

    /// One walk of the DFA over `text`, byte by byte, adding the patterns
    /// of every match state met (once per run of the same state). Fails
    /// only when the DFA gives up; the caller then asks the PikeVM.
    fn walk(&self, s: &mut Scratch, text: &str) -> Result<(), ()> {
        let (dfa, cache) = (&self.dfa, &mut s.dfa);
        let mut sid =
            dfa.start_state_forward(cache, &Input::new(text)).map_err(drop)?;
        // The last match state handled, and the cache generation its id
        // belongs to (a cache clear gives ids to other states).
        let mut seen = None;
        for &b in text.as_bytes() {
            sid = dfa.next_state(cache, sid, b).map_err(drop)?;
            if sid.is_tagged() {
                if sid.is_match() {
                    let now = Some((sid, cache.clear_count()));
                    if seen != now {
                        seen = now;
                        for i in 0..dfa.match_len(cache, sid) {
                            s.set.insert(dfa.match_pattern(cache, sid, i));
                        }
                    }
                } else if sid.is_quit() {
                    return Err(());
                } else if sid.is_dead() {
                    return Ok(());
                }
            }
        }
        sid = dfa.next_eoi_state(cache, sid).map_err(drop)?;
        if sid.is_match() {
            for i in 0..dfa.match_len(cache, sid) {
                s.set.insert(dfa.match_pattern(cache, sid, i));
            }
        }
        Ok(())
    }
}

/// `hir` with every Unicode word-boundary assertion made ASCII.
fn ascii_boundaries(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(look) => Hir::look(ascii_look(look)),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(ascii_boundaries(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(ascii_boundaries(*c.sub)),
            ..c
        }),
        HirKind::Concat(subs) => {
            Hir::concat(subs.into_iter().map(ascii_boundaries).collect())
        }
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(ascii_boundaries).collect())
        }
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
    }
}

fn ascii_look(look: Look) -> Look {
    match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Automaton};

    fn hits(patterns: &[&str], text: &str) -> Vec<usize> {
        let hirs: Vec<_> = patterns.iter().map(|p| parse(p).unwrap()).collect();
        let a = Automaton::build(&hirs).unwrap();
        let mut s = a.scratch();
        a.search(&mut s, text);
        s.set.iter().map(|p| p.as_usize()).collect()
    }

    #[test]
    fn every_matching_pattern_is_reported_in_one_pass() {
        let p = ["mailbox (is )?full", "QUOTA", "full", "nope", "^552"];
        assert_eq!(
            hits(&p, "552 5.2.2 Mailbox full, over quota"),
            [0, 1, 2, 4]
        );
    }

    #[test]
    fn word_boundaries_are_ascii_and_work_on_any_text() {
        let p = [r"\bfull\b", r"\bvoll\b", r"(^|\W)übervoll\b", "é+"];
        assert_eq!(hits(&p, "Postfach übervoll (full) éé"), [0, 2, 3]);
        assert_eq!(hits(&p, "fullness"), Vec::<usize>::new());
        // ASCII: `ü` is not a word character, so `\b` sits before `voll`.
        assert_eq!(hits(&[r"\bvoll"], "übervoll"), Vec::<usize>::new());
        assert_eq!(hits(&[r"\bvoll"], "üvoll"), [0]);
    }

    #[test]
    fn one_character_patterns_are_found_too() {
        let p = [".", "full", r"\d", "x*", "^$"];
        assert_eq!(hits(&p, "mailbox full"), [0, 1, 3]);
        assert_eq!(hits(&p, "552"), [0, 2, 3]);
        assert_eq!(hits(&p, "\n"), [3]);
    }

    #[test]
    fn unicode_case_folding() {
        assert_eq!(hits(&["ÜBERVOLL"], "postfach übervoll"), [0]);
    }

    #[test]
    fn bad_patterns_say_why() {
        let e = parse("(unclosed").unwrap_err();
        assert!(e.starts_with("invalid pattern `(unclosed`: "), "{e}");
    }
}
