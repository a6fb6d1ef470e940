//! What the rules' patterns are made of: parsing a pattern as rules mean
//! it, and the words without which a pattern cannot match, which the
//! automaton's word finder looks for.

use regex_automata::util::syntax;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{
    Capture, Class, ClassUnicode, Hir, HirKind, Look, Repetition,
};

/// Parses one pattern as rules mean it: case-insensitive, ASCII word
/// boundaries. The error is a one-line message.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    let config = syntax::Config::new().case_insensitive(true);
    match syntax::parse_with(pattern, &config) {
        // Rebuilding the tree costs more than parsing: only when needed.
        Ok(hir) if hir.properties().look_set().contains_word_unicode() => {
            Ok(map_leaves(hir, &ascii_boundary))
        }
        Ok(hir) => Ok(hir),
        Err(e) => {
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("").trim();
            let last = last.strip_prefix("error: ").unwrap_or(last);
            Err(format!("invalid pattern `{pattern}`: {last}"))
        }
    }
}

/// At most this many words stand for a pattern exactly; a larger exact set
/// is cut to [`WORD_LEN`] bytes and the pattern tried when one is found.
const EXACT_WORDS: usize = 64;

/// The finder looks for words of at most this many bytes (a longer word of
/// an exact set is checked in full where its start is found): short words
/// keep the finder small enough to stay in the processor's cache.
pub(super) const WORD_LEN: usize = 8;

/// Words (lower-case bytes) of which every match of `hir` holds one, and
/// whether each word found is itself a match; none when no such set of
/// non-empty words is known.
pub(super) fn required_words(hir: &Hir) -> Option<(Vec<Vec<u8>>, bool)> {
    words_among_tries(hir, false)
}

/// The best of the tries of [`required_words`]; with `all`, every try is
/// made even when the first one is known to be best (as the tests compare).
fn words_among_tries(hir: &Hir, all: bool) -> Option<(Vec<Vec<u8>>, bool)> {
    // A letter written to match in one case only (`(?-i)ACME`) is a
    // literal; the finder ignores case, so such a pattern is never exact.
    let one_case = any_leaf(hir, &|h| match h.kind() {
        HirKind::Literal(l) => l.0.iter().any(u8::is_ascii_alphabetic),
        _ => false,
    });
    let folded = lower_letters(hir);
    let exact_ok = folded.properties().look_set().is_empty() && !one_case;
    let prefix =
        |h: &Hir| Extractor::new().kind(ExtractKind::Prefix).extract(h);
    // (words, exact); every later try is a prefix or suffix of the pattern
    // or of its tail, so finding one of its words is necessary only.
    let mut tries: Vec<(Vec<Vec<u8>>, bool)> = Vec::new();
    let whole = prefix(&folded);
    if exact_ok && whole.is_exact() && whole.len() <= Some(EXACT_WORDS) {
        let words = words_of(&whole, None);
        // No other try can rank above an exact one whose words are all
        // [`GOOD_LEN`] bytes or longer (see `rank`).
        if !all && usable(&words) && shortest(&words) >= GOOD_LEN {
            return Some((words, true));
        }
        tries.push((words, true));
    }
    tries.push((words_of(&whole, Some(true)), false));
    let suffix = Extractor::new().kind(ExtractKind::Suffix).extract(&folded);
    tries.push((words_of(&suffix, Some(false)), false));
    if let HirKind::Concat(subs) = unwrap_captures(&folded).kind() {
        for i in 1..subs.len() {
            let tail = prefix(&Hir::concat(subs[i..].to_vec()));
            tries.push((words_of(&tail, Some(true)), false));
        }
    }
    tries.into_iter().filter(|(words, _)| usable(words)).max_by_key(rank)
}

/// Words no shorter than this are as good as any for the finder.
const GOOD_LEN: usize = 3;

/// Whether a try found words, none of them empty.
fn usable(words: &[Vec<u8>]) -> bool {
    !words.is_empty() && words.iter().all(|w| !w.is_empty())
}

/// The length of the shortest of `words`.
fn shortest(words: &[Vec<u8>]) -> usize {
    words.iter().map(Vec::len).min().unwrap_or(0)
}

/// How good a try is, the best greatest: words long enough (up to
/// [`GOOD_LEN`]), exact, few, long.
fn rank(
    (words, exact): &(Vec<Vec<u8>>, bool),
) -> (usize, bool, std::cmp::Reverse<usize>, usize) {
    let shortest = shortest(words);
    (shortest.min(GOOD_LEN), *exact, std::cmp::Reverse(words.len()), shortest)
}

/// The literals of `seq` lower-cased, sorted, without repeats (none when
/// `seq` is infinite). With `cut` (true: keep the start, false: the end)
/// each is cut to [`WORD_LEN`] bytes and a word that starts with another is
/// dropped, since finding the other is as good.
fn words_of(seq: &Seq, cut: Option<bool>) -> Vec<Vec<u8>> {
    let Some(literals) = seq.literals() else { return Vec::new() };
    let mut words: Vec<Vec<u8>> = literals
        .iter()
        .map(|l| {
            let w = l.as_bytes().to_ascii_lowercase();
            match cut {
                Some(true) => w[..w.len().min(WORD_LEN)].to_vec(),
                Some(false) => w[w.len().saturating_sub(WORD_LEN)..].to_vec(),
                None => w,
            }
        })
        .collect();
    words.sort();
    words.dedup();
    if cut.is_some() {
        // Sorted, a word that starts with another comes right after it (or
        // after others that start with it too).
        let mut kept: Vec<Vec<u8>> = Vec::with_capacity(words.len());
        for w in words {
            if !kept.last().is_some_and(|k| w.starts_with(k)) {
                kept.push(w);
            }
        }
        words = kept;
    }
    words
}

/// `hir` inside any capture groups around it.
pub(super) fn unwrap_captures(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(c) => unwrap_captures(&c.sub),
        _ => hir,
    }
}

/// `hir` with `leaf` applied to each literal, class, look and empty.
fn map_leaves(hir: Hir, leaf: &impl Fn(Hir) -> Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(map_leaves(*r.sub, leaf)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(map_leaves(*c.sub, leaf)),
            ..c
        }),
        HirKind::Concat(subs) => {
            Hir::concat(subs.into_iter().map(|h| map_leaves(h, leaf)).collect())
        }
        HirKind::Alternation(subs) => Hir::alternation(
            subs.into_iter().map(|h| map_leaves(h, leaf)).collect(),
        ),
        HirKind::Empty => leaf(Hir::empty()),
        HirKind::Literal(l) => leaf(Hir::literal(l.0)),
        HirKind::Class(c) => leaf(Hir::class(c)),
        HirKind::Look(l) => leaf(Hir::look(l)),
    }
}

/// Whether `test` holds for a literal, class, look or empty of `hir`.
fn any_leaf(hir: &Hir, test: &impl Fn(&Hir) -> bool) -> bool {
    match hir.kind() {
        HirKind::Repetition(r) => any_leaf(&r.sub, test),
        HirKind::Capture(c) => any_leaf(&c.sub, test),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().any(|h| any_leaf(h, test))
        }
        _ => test(hir),
    }
}

/// `hir` with each class of one ASCII letter in both cases made the
/// lower-case letter (see [`lower_of`]); built from the borrowed tree,
/// with no copy of it first.
fn lower_letters(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(lower_letters(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(lower_letters(&c.sub)),
        }),
        HirKind::Concat(subs) => {
            Hir::concat(subs.iter().map(lower_letters).collect())
        }
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(lower_letters).collect())
        }
        HirKind::Class(Class::Unicode(class)) => match lower_of(class) {
            Some(b) => Hir::literal([b]),
            None => hir.clone(),
        },
        _ => hir.clone(),
    }
}

/// A Unicode word-boundary assertion made ASCII; anything else as it is.
fn ascii_boundary(hir: Hir) -> Hir {
    let HirKind::Look(look) = hir.kind() else { return hir };
    Hir::look(match *look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    })
}

/// The lower-case letter of a class of one ASCII letter in both cases
/// (with the Kelvin sign or long s that fold to `k` and `s`). For finding
/// words only, never for matching.
fn lower_of(class: &ClassUnicode) -> Option<u8> {
    let mut chars =
        class.ranges().iter().flat_map(|r| r.start()..=r.end()).take(4);
    let first = [chars.next(), chars.next(), chars.next(), chars.next()];
    let lower = match first {
        [Some(upper), Some(lower), None, None]
            if upper.is_ascii_uppercase()
                && lower == upper.to_ascii_lowercase() =>
        {
            lower
        }
        [Some('K'), Some('k'), Some('\u{212A}'), None] => 'k',
        [Some('S'), Some('s'), Some('\u{17F}'), None] => 's',
        _ => return None,
    };
    Some(lower as u8)
}

#[cfg(test)]
mod tests {
    use super::{parse, required_words, words_among_tries};

    /// Every default pattern, and some made to end the tries early or not:
    /// stopping at an exact set of long words picks what trying all does.
    #[test]
    fn stopping_early_picks_what_trying_all_does() {
        let mut patterns: Vec<String> = [
            "mailbox full",
            "(user|mailbox) unknown",
            "ab|cd",
            "a|bcd",
            "(?-i)ACME corp",
            r"\bquota\b",
            "x(yz|w)",
            r"\d{3} user",
        ]
        .map(String::from)
        .to_vec();
        patterns.extend(crate::rules::default_patterns());
        assert!(patterns.len() > 100, "only {} patterns", patterns.len());
        let mut early = 0;
        for p in &patterns {
            let hir = parse(p).unwrap();
            let all = words_among_tries(&hir, true);
            let fast = required_words(&hir);
            assert_eq!(fast, all, "{p}");
            early += usize::from(fast.is_some_and(|(_, exact)| exact));
        }
        assert!(early > 10, "only {early} exact patterns");
    }
}
