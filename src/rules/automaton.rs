//! The one matcher of all diagnostic patterns: it tells which patterns match
//! anywhere in a diagnostic text.
//!
//! One pass of a literal finder (Aho-Corasick, ASCII case-insensitive) over
//! the text finds the words each pattern cannot match without; only the
//! patterns whose words occur are then tried, each with its own regex. A
//! pattern that is nothing but a set of words (`unknown (user|mailbox)`)
//! matches when a word is found, with no second look. Patterns with no such
//! word (`.`, `\d{3}`) are tried on every text.
//!
//! Patterns are case-insensitive regular expressions. Word boundaries
//! (`\b`, `\B`, `\<`, `\>`) are ASCII word boundaries, as they always were
//! here (a lazy DFA runs them on any text). Everything else (`\w`, `.`, case
//! folding) is Unicode.

use rayon::prelude::*;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::finder::Finder;
use super::regex::{Cache, Pattern};
pub use super::words::parse;
use super::words::{required_words, unwrap_captures, WORD_LEN};

/// All patterns of a rule set, compiled together.
#[derive(Debug)]
pub struct Automaton {
    /// The regexes, to try the candidates.
    regexes: Vec<Pattern>,
    /// For each pattern, its regex in `regexes`.
    regex_of: Vec<u32>,
    /// Finds the required words of all patterns (none when no pattern has
    /// one).
    words: Option<Finder>,
    /// For word `w` of `words`, `targets[spans[w].clone()]` are the
    /// patterns that need it.
    spans: Vec<std::ops::Range<usize>>,
    targets: Vec<Target>,
    /// What follows the first [`WORD_LEN`] bytes of the whole words (lower
    /// case) of [`Need::Whole`] targets, one after the other.
    wholes: Vec<u8>,
    /// Patterns that are one class of characters (`.`, `\d`): they match
    /// when a character of the text is in the class.
    classes: Vec<(usize, Class)>,
    /// Other patterns without a required word: tried on every text.
    always: Vec<usize>,
}

/// A pattern a required word stands for.
#[derive(Debug, Clone, Copy)]
struct Target {
    pattern: usize,
    need: Need,
}

/// What finding a word tells of its pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The pattern may match: try its regex.
    Maybe,
    /// The word is a match of the whole pattern.
    Sure,
    /// The pattern matches if the text right after the word goes on with
    /// `wholes[from..to]` (ignoring ASCII case): the word is the first
    /// bytes of the pattern's, the rest is there. A word's `Whole` targets
    /// come last among its targets, sorted by rest; `shared` is how many
    /// first bytes the rest has in common with the rest before it (0 for
    /// the first), so that a text is read once for all of them.
    Whole { from: u32, to: u32, shared: u32 },
}

/// Per-thread search state for one [`Automaton`].
#[derive(Debug)]
pub struct Scratch {
    /// Each pattern's regex cache, made when the pattern is first tried.
    caches: Caches,
    /// After [`Automaton::find`], the patterns whose words were found, that
    /// may match (ascending).
    pub candidates: Vec<usize>,
    /// After [`Automaton::search`], every pattern that matches, ascending;
    /// after [`Automaton::find`], those that surely do.
    pub matched: Vec<usize>,
}

/// The patterns' regex caches, one thread's.
#[derive(Debug)]
struct Caches(Vec<Cache>);

impl Automaton {
    /// Compiles parsed patterns: pattern `i` is regex
    /// `hirs[pattern_hir[i]]` (a regex written for several patterns is
    /// compiled once) and reports as index `i`. On failure, the index in
    /// `hirs` of the regex that could not be compiled (none when the word
    /// finder of all of them could not be built).
    pub fn build(
        hirs: Vec<Hir>,
        pattern_hir: Vec<usize>,
    ) -> Result<Automaton, (Option<usize>, String)> {
        // Each regex on its own, on all cores: this is most of the
        // startup; then put together in order.
        let looked: Vec<_> = hirs.into_par_iter().map(look_at).collect();
        let mut regexes = Vec::with_capacity(looked.len());
        let mut regex_words = Vec::with_capacity(looked.len());
        for (r, one) in looked.into_iter().enumerate() {
            let (one, words) = one.map_err(|e| (Some(r), e))?;
            regexes.push(one);
            regex_words.push(words);
        }
        let mut by_word: Vec<(Vec<u8>, Target)> = Vec::new();
        let (mut classes, mut always, mut wholes) = (vec![], vec![], vec![]);
        for (i, &r) in pattern_hir.iter().enumerate() {
            let (found, exact) = match &regex_words[r] {
                Words::Class(class) => {
                    classes.push((i, class.clone()));
                    continue;
                }
                Words::None => {
                    always.push(i);
                    continue;
                }
                Words::Some(found, exact) => (found, *exact),
            };
            for word in found {
                let mut word = word.clone();
                let need = if !exact {
                    Need::Maybe
                } else if word.len() <= WORD_LEN {
                    Need::Sure
                } else {
                    let from = wholes.len() as u32;
                    wholes.extend_from_slice(&word[WORD_LEN..]);
                    word.truncate(WORD_LEN);
                    let to = wholes.len() as u32;
                    Need::Whole { from, to, shared: 0 }
                };
                by_word.push((word, Target { pattern: i, need }));
            }
        }
        // By word; then a word's `Whole` targets last, by rest.
        let rest = |t: &Target| match t.need {
            Need::Whole { from, to, .. } => {
                Some(&wholes[from as usize..to as usize])
            }
            _ => None,
        };
        by_word.sort_by(|a, b| (&a.0, rest(&a.1)).cmp(&(&b.0, rest(&b.1))));
        let (mut words, mut spans, mut targets) = (Vec::new(), vec![], vec![]);
        let mut before: Option<&[u8]> = None;
        for (word, mut target) in by_word {
            if words.last() != Some(&word) {
                words.push(word);
                spans.push(targets.len()..targets.len());
                before = None;
            }
            if let Some(r) = rest(&target) {
                let common = before.map_or(0, |b| common_prefix(b, r));
                if let Need::Whole { shared, .. } = &mut target.need {
                    *shared = common as u32;
                }
                before = Some(r);
            }
            targets.push(target);
            spans.last_mut().expect("pushed above").end = targets.len();
        }
        let words = if words.is_empty() {
            None
        } else {
            Some(Finder::new(words).map_err(|e| (None, e))?)
        };
        Ok(Automaton {
            regexes,
            regex_of: pattern_hir.into_iter().map(|r| r as u32).collect(),
            words,
            spans,
            targets,
            wholes,
            classes,
            always,
        })
    }

    /// Fresh search state.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            caches: Caches(
                (0..self.regexes.len()).map(|_| Cache::default()).collect(),
            ),
            candidates: Vec::new(),
            matched: Vec::new(),
        }
    }

    /// Finds every pattern that matches somewhere in `text`: afterwards
    /// `s.matched` lists them.
    pub fn search(&self, s: &mut Scratch, text: &str) {
        self.find(s, text);
        let Scratch { caches, candidates, matched } = s;
        let known = matched.len();
        for &p in candidates.iter() {
            if self.verify(caches, p, text) {
                matched.push(p);
            }
        }
        if matched.len() > known {
            matched.sort_unstable();
        }
    }

    /// The first step of [`Automaton::search`]: one pass of the word finder
    /// fills `s.matched` with the patterns that surely match `text` and
    /// `s.candidates` with those that may (no pattern in both).
    pub fn find(&self, s: &mut Scratch, text: &str) {
        let Scratch { candidates, matched, .. } = s;
        matched.clear();
        candidates.clear();
        if folds_beyond_ascii(text) {
            // The words are searched ASCII-case-insensitively; this text
            // has a letter that only Unicode folds to an ASCII one.
            candidates.extend(0..self.regex_of.len());
        } else if let Some(words) = &self.words {
            for m in words.get().find_overlapping_iter(text) {
                let span = self.spans[m.pattern().as_usize()].clone();
                let at = &text.as_bytes()[m.end()..];
                // How many first bytes of `at` the last rest tried has
                // (ignoring case); a rest that shares fewer with it
                // differs from the text where it does not, and so does
                // every rest after it (they are sorted).
                let mut read = 0;
                for t in &self.targets[span] {
                    match t.need {
                        Need::Maybe => candidates.push(t.pattern),
                        Need::Sure => matched.push(t.pattern),
                        Need::Whole { from, to, shared } => {
                            let shared = shared as usize;
                            if shared < read {
                                break;
                            } else if shared > read {
                                continue; // differs where the last one did
                            }
                            let rest = &self.wholes[from as usize..to as usize];
                            while read < rest.len()
                                && at.get(read).map(u8::to_ascii_lowercase)
                                    == Some(rest[read])
                            {
                                read += 1;
                            }
                            if read == rest.len() {
                                matched.push(t.pattern);
                            }
                        }
                    }
                }
            }
        }
        for (p, class) in &self.classes {
            if class_matches(class, text) {
                matched.push(*p);
            }
        }
        candidates.extend_from_slice(&self.always);
        matched.sort_unstable();
        matched.dedup();
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|p| matched.binary_search(p).is_err());
    }

    /// Whether pattern `p` matches somewhere in `text`, by its regex.
    pub fn is_match(&self, s: &mut Scratch, p: usize, text: &str) -> bool {
        self.verify(&mut s.caches, p, text)
    }

    /// Whether pattern `p` matches somewhere in `text`.
    fn verify(&self, caches: &mut Caches, p: usize, text: &str) -> bool {
        let r = self.regex_of[p] as usize;
        self.regexes[r].is_match(&mut caches.0[r], text)
    }
}

/// How the word finder can tell that a pattern may match.
enum Words {
    /// It is one class of characters: a character of the class.
    Class(Class),
    /// Words of which every match holds one, and whether finding one is a
    /// match (see [`required_words`]).
    Some(Vec<Vec<u8>>, bool),
    /// It cannot: the pattern is tried on every text.
    None,
}

/// One pattern made ready: its regex and its words (the compiler's message
/// when it cannot be compiled).
fn look_at(hir: Hir) -> Result<(Pattern, Words), String> {
    let words = match unwrap_captures(&hir).kind() {
        HirKind::Class(class) => Words::Class(class.clone()),
        _ => match required_words(&hir) {
            Some((found, exact)) => Words::Some(found, exact),
            None => Words::None,
        },
    };
    Ok((Pattern::new(hir)?, words))
}

/// True when a character (or, for a byte class, a byte) of `text` is in
/// `class`.
fn class_matches(class: &Class, text: &str) -> bool {
    match class {
        Class::Unicode(c) => text.chars().any(|ch| {
            let r = c.ranges();
            let i = r.partition_point(|r| r.end() < ch);
            r.get(i).is_some_and(|r| r.start() <= ch)
        }),
        Class::Bytes(c) => text.bytes().any(|b| {
            let r = c.ranges();
            let i = r.partition_point(|r| r.end() < b);
            r.get(i).is_some_and(|r| r.start() <= b)
        }),
    }
}

/// How many first bytes `a` and `b` have in common.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// True when `text` holds the Kelvin sign or the long s, which case
/// folding matches with `k` and `s`.
fn folds_beyond_ascii(text: &str) -> bool {
    !text.is_ascii() && text.contains(['\u{212A}', '\u{17F}'])
}

#[cfg(test)]
mod tests {
    use super::{parse, Automaton};

    fn hits(patterns: &[&str], text: &str) -> Vec<usize> {
        let hirs: Vec<_> = patterns.iter().map(|p| parse(p).unwrap()).collect();
        let n = hirs.len();
        let a = Automaton::build(hirs, (0..n).collect()).unwrap();
        let mut s = a.scratch();
        a.search(&mut s, text);
        s.matched.clone()
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
    fn a_regex_shared_by_patterns_reports_each_of_them() {
        let hirs =
            vec![parse("mailbox full").unwrap(), parse(r"\d+ x").unwrap()];
        let a = Automaton::build(hirs, vec![0, 1, 0, 1]).unwrap();
        let mut s = a.scratch();
        a.search(&mut s, "552 mailbox full");
        assert_eq!(s.matched, [0, 2]);
        a.search(&mut s, "12 x");
        assert_eq!(s.matched, [1, 3]);
    }

    #[test]
    fn a_pattern_in_one_case_only_keeps_its_case() {
        let p = ["(?-i)ACME", "(?-i:Hold) me"];
        assert_eq!(hits(&p, "550 5.7.1 acme hold me"), Vec::<usize>::new());
        assert_eq!(hits(&p, "550 5.7.1 ACME Hold ME"), [0, 1]);
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
    fn patterns_are_found_through_words_inside_them() {
        let p = [
            r"^\s*5\d\d .{0,20}mailbox (is )?full",
            r"\d{3} user unknown",
            "(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q|r)zz",
        ];
        assert_eq!(hits(&p, "  552 <a@example.com> Mailbox is FULL"), [0]);
        assert_eq!(
            hits(&p, "552 for <a@example.com>: mailbox full"),
            Vec::<usize>::new()
        );
        assert_eq!(hits(&p, "550 User Unknown"), [1]);
        assert_eq!(hits(&p, "55 user unknown"), Vec::<usize>::new());
        assert_eq!(hits(&p, "a fizz"), [2]);
        assert_eq!(hits(&p, "zz"), Vec::<usize>::new());
    }

    #[test]
    fn long_words_are_matched_in_full() {
        // Both share their first eight bytes, which the finder looks for.
        let p = ["recipient unknown", "recipient rejected", "mailbox full"];
        assert_eq!(hits(&p, "550 Recipient REJECTED"), [1]);
        assert_eq!(hits(&p, "550 recipient unknown, mailbox full"), [0, 2]);
        assert_eq!(hits(&p, "550 recipient unknow"), Vec::<usize>::new());
        assert_eq!(hits(&p, "recipient"), Vec::<usize>::new());
    }

    /// Many long exact words sharing their first eight bytes and more (so
    /// that a found word has many rests to try, sorted), random texts made
    /// of their pieces: the patterns found are those whose own regex
    /// matches.
    #[test]
    fn shared_rests_are_read_once_and_find_what_the_regexes_do() {
        fn next(seed: &mut u64, n: u64) -> u64 {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed % n
        }
        let seed = &mut 0x2545_f491_4f6c_dd1du64;
        let pieces = ["recipient", " un", "known", "kn", " ", "x", "Re", "ab"];
        let pick = |seed: &mut u64, n: u64| -> String {
            (0..n).map(|_| pieces[next(seed, 8) as usize]).collect()
        };
        let mut long_hits = 0;
        for _ in 0..30 {
            let mut patterns: Vec<String> = (0..12)
                .map(|_| format!("recipient{}", pick(seed, 3)))
                .collect();
            patterns.push("recipien".into());
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let hirs: Vec<_> = refs.iter().map(|p| parse(p).unwrap()).collect();
            let a = Automaton::build(hirs, (0..refs.len()).collect()).unwrap();
            let mut s = a.scratch();
            for _ in 0..60 {
                // A pattern's words, maybe cut short, among other pieces.
                let base = refs[next(seed, 12) as usize];
                let cut = base.len() - next(seed, 3) as usize;
                let (before, after) = (pick(seed, 1), pick(seed, 2));
                let mut text = format!("{before}{}{after}", &base[..cut]);
                if next(seed, 2) == 0 {
                    text = text.to_uppercase();
                }
                a.search(&mut s, &text);
                let found = s.matched.clone();
                let want: Vec<usize> = (0..refs.len())
                    .filter(|&p| a.is_match(&mut s, p, &text))
                    .collect();
                assert_eq!(found, want, "{text:?} {refs:?}");
                long_hits += want.iter().filter(|&&p| p < 12).count();
            }
        }
        assert!(long_hits > 500, "only {long_hits} long words found");
    }

    #[test]
    fn letters_that_fold_to_ascii_only_in_unicode_are_found() {
        // The Kelvin sign folds to `k`, the long s to `s`.
        let p = ["kelvin", "mailbox full", "kilo"];
        assert_eq!(hits(&p, "\u{212A}elvin"), [0]);
        assert_eq!(hits(&p, "mailbox full, \u{212A}ILO"), [1, 2]);
        assert_eq!(hits(&p, "mailbox full, \u{17F}ILO"), [1]);
        assert_eq!(hits(&["ſtatus"], "STATUS"), [0]);
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
