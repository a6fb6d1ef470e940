//! A bounce's text read once: what every text decoder starts from (line
//! ends, the split into report and returned copy, quoting removed), and
//! fixed phrase tables searched with searchers built once.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};

use super::signs::{self, Signs};
use super::Block;
use super::{blocks, command, normalize_newlines, split_returned, unquote};

/// A bounce's text read once for all the shapes: line ends turned into LF,
/// split into the report and the returned copy, and the same for the text
/// with one level of quoting removed (a bounce forwarded inline).
#[derive(Debug)]
pub struct View<'a> {
    text: Cow<'a, str>,
    /// Where the report ends and the copy starts in `text`.
    split: (usize, usize),
    /// The unquoted text and its split, when quoting was removed.
    unquoted: Option<(String, (usize, usize))>,
    /// The command the report names, and the unquoted report, once found.
    command: OnceCell<&'static str>,
    unquoted_command: OnceCell<&'static str>,
    /// The address blocks of the report and of the unquoted report, once
    /// found, until taken ([`Self::take_unquoted_blocks`]).
    blocks: RefCell<Option<Vec<Block>>>,
    unquoted_blocks: RefCell<Option<Vec<Block>>>,
    /// What the phrases of the text tell, once found.
    signs: OnceCell<Signs>,
}

/// The split of `text` as offsets: the end of the report, the start of the
/// copy.
fn split_at(text: &str) -> (usize, usize) {
    let (report, copy) = split_returned(text);
    (report.len(), text.len() - copy.len())
}

impl<'a> View<'a> {
    /// Reads `text`.
    pub fn new(text: &'a str) -> Self {
        Self::of_lf(normalize_newlines(text))
    }

    /// Reads `text`, whose line ends are all LF already (no CR in it).
    pub fn new_lf(text: &'a str) -> Self {
        debug_assert!(memchr::memchr(b'\r', text.as_bytes()).is_none());
        Self::of_lf(Cow::Borrowed(text))
    }

    /// Reads `text`, made LF.
    fn of_lf(text: Cow<'a, str>) -> Self {
        let split = split_at(&text);
        let unquoted = match unquote(&text) {
            Cow::Borrowed(_) => None,
            Cow::Owned(u) => {
                let at = split_at(&u);
                Some((u, at))
            }
        };
        View {
            text,
            split,
            unquoted,
            command: OnceCell::new(),
            unquoted_command: OnceCell::new(),
            blocks: RefCell::new(None),
            unquoted_blocks: RefCell::new(None),
            signs: OnceCell::new(),
        }
    }

    /// The whole text, LF line ends.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The report part of the text.
    pub fn report(&self) -> &str {
        &self.text[..self.split.0]
    }

    /// The returned copy (may be empty).
    pub fn copy(&self) -> &str {
        &self.text[self.split.1..]
    }

    /// The command the report names ([`command_named`] on [`Self::report`]).
    pub fn report_command(&self) -> &'static str {
        *self.command.get_or_init(|| command::named_in(self.report()))
    }

    /// [`Self::report_command`] for the report with quoting removed.
    pub(super) fn unquoted_command(&self) -> &'static str {
        match &self.unquoted {
            Some((u, (r, _))) => *self
                .unquoted_command
                .get_or_init(|| command::named_in(&u[..*r])),
            None => self.report_command(),
        }
    }

    /// What the phrases of the whole text tell ([`signs::signs`]), found
    /// once.
    pub(super) fn signs(&self) -> Signs {
        *self.signs.get_or_init(|| signs::signs(self.text()))
    }

    /// Whether the report has address blocks ([`blocks::find`]), which
    /// are found once and kept.
    pub(super) fn report_names_any(&self) -> bool {
        let mut kept = self.blocks.borrow_mut();
        !kept.get_or_insert_with(|| blocks::find(self.report())).is_empty()
    }

    /// The address blocks of the report with quoting removed: those kept,
    /// taken (not copied), else found anew.
    pub(super) fn take_unquoted_blocks(&self) -> Vec<Block> {
        let kept = match &self.unquoted {
            Some(_) => &self.unquoted_blocks,
            None => &self.blocks,
        };
        let taken = kept.borrow_mut().take();
        taken.unwrap_or_else(|| blocks::find(self.unquoted().1))
    }

    /// Text, report and copy with quoting removed.
    pub(super) fn unquoted(&self) -> (&str, &str, &str) {
        match &self.unquoted {
            Some((u, (r, c))) => (u, &u[..*r], &u[*c..]),
            None => (self.text(), self.report(), self.copy()),
        }
    }
}

/// Fixed phrases, searched for together with one automaton built once.
pub(super) struct Phrases<T: 'static> {
    table: &'static [(&'static str, T)],
    /// The leftmost phrase, and of those that start there the first of
    /// the table (`None` if it could not be built: then each phrase is
    /// searched for in turn).
    finder: Option<aho_corasick::AhoCorasick>,
}

impl<T: Copy> Phrases<T> {
    pub(super) fn new(table: &'static [(&'static str, T)]) -> Self {
        // The search runs in the automaton's SIMD prefilter, the
        // automaton only confirms its candidates: one cheap to build.
        let finder = aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(table.iter().map(|(p, _)| p))
            .ok();
        Phrases { table, finder }
    }

    /// Calls `found` with the index of each phrase that starts somewhere
    /// in `text`, the first of the table where several start at one
    /// place, from left to right, while it returns true.
    pub(super) fn each_in(
        &self,
        text: &str,
        mut found: impl FnMut(usize) -> bool,
    ) {
        let Some(finder) = &self.finder else {
            for (i, (p, _)) in self.table.iter().enumerate() {
                if text.contains(p) && !found(i) {
                    return;
                }
            }
            return;
        };
        let mut at = 0;
        while let Some(m) =
            finder.find(aho_corasick::Input::new(text).range(at..))
        {
            if !found(m.pattern().as_usize()) {
                return;
            }
            at = m.start() + 1;
        }
    }

    /// The value of the first phrase of the table found in `text`
    /// ([`Self::each_in`] seen whole).
    #[cfg(test)]
    fn first_in(&self, text: &str) -> Option<T> {
        let mut first: Option<usize> = None;
        self.each_in(text, |i| {
            first = Some(first.map_or(i, |f| f.min(i)));
            i != 0
        });
        first.map(|i| self.table[i].1)
    }

    /// [`Self::first_in`] by a search for each phrase in turn.
    #[cfg(test)]
    fn first_plainly(&self, text: &str) -> Option<T> {
        self.table.iter().find(|(p, _)| text.contains(p)).map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_finds_the_phrase_a_search_for_each_finds() {
        const TABLE: &[(&str, usize)] = &[
            ("is delayed", 0),
            ("delayed mail", 1),
            ("mail system", 2),
            ("system at host", 3),
            ("a", 4),
            ("host a", 5),
        ];
        let phrases = Phrases::new(TABLE);
        let pieces = [
            "is ", "delayed", " mail", "mail ", "system", " at ", "host", " a",
            "x", "\n", "é",
        ];
        let mut found = 0;
        for t in crate::codes::random_texts(&pieces, 31, 5000, 12) {
            let want = phrases.first_plainly(&t);
            assert_eq!(phrases.first_in(&t), want, "{t:?}");
            found += want.is_some_and(|v| v > 0) as usize;
        }
        assert!(found > 1000, "{found}");
    }
}
