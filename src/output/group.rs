//! The small pieces the summaries are made of: an [`Interner`] that turns
//! repeated text (recipients, servers, causes) into numbers so that a row
//! costs no allocation once its values have been seen, a compact [`Stamp`]
//! for ISO 8601 dates, and the [`Group`] of counts behind one summary line.

use crate::fasthash::{FastMap, FastSet};

/// Numbers for distinct strings, handed out in order of first sight.
#[derive(Debug, Default)]
pub struct Interner {
    ids: FastMap<Box<str>, u32>,
}

impl Interner {
    /// The number of `s`, allocating only the first time it is seen.
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(s.into(), id);
        id
    }

    /// The strings, indexed by their number (built once, at the end).
    pub fn names(&self) -> Vec<&str> {
        let mut names = vec![""; self.ids.len()];
        for (name, &id) in &self.ids {
            names[id as usize] = name;
        }
        names
    }
}

/// An ISO 8601 UTC date as `bounces.csv` writes it
/// (`YYYY-MM-DDTHH:MM:SSZ`), kept in 20 bytes; all zero when the row has
/// no date. Ordering is that of the text, so that of time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stamp([u8; 20]);

impl Ord for Stamp {
    /// The bytes' order, compared as two big-endian numbers (the bytes
    /// compared one by one cost a library call: stamps are compared
    /// several times per row).
    fn cmp(&self, other: &Stamp) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Stamp {
    fn partial_cmp(&self, other: &Stamp) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Stamp {
    /// The stamp of `date` (longer text is cut at 20 bytes).
    pub fn new(date: &str) -> Stamp {
        let mut bytes = [0u8; 20];
        let n = date.len().min(20);
        bytes[..n].copy_from_slice(&date.as_bytes()[..n]);
        Stamp(bytes)
    }

    /// The bytes as numbers that order as the bytes do.
    fn key(&self) -> (u128, u32) {
        let (high, low) = self.0.split_at(16);
        let high = u128::from_be_bytes(high.try_into().expect("16 bytes"));
        (high, u32::from_be_bytes(low.try_into().expect("4 bytes")))
    }

    /// True when the row had no date.
    pub fn is_none(&self) -> bool {
        self.0[0] == 0
    }

    /// The date as text (empty when none).
    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(20);
        std::str::from_utf8(&self.0[..n]).unwrap_or("")
    }
}

/// The first and last date seen; rows without a date leave it unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    /// The earliest date.
    pub first: Stamp,
    /// The latest date.
    pub last: Stamp,
}

impl Seen {
    /// Takes one date into account.
    pub fn add(&mut self, at: Stamp) {
        if at.is_none() {
            return;
        }
        if self.first.is_none() || at < self.first {
            self.first = at;
        }
        if at > self.last {
            self.last = at;
        }
    }
}

/// The facts of one row that the summaries use, looked up once per row.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Number of the recipient.
    pub recipient: u32,
    /// Number of the cause.
    pub cause: u32,
    /// When it happened.
    pub at: Stamp,
    /// Whether the rules called it a hard bounce.
    pub hard: bool,
    /// The diagnostic text.
    pub diagnostic: &'a str,
}

/// Longest example diagnostic kept, in characters.
const EXAMPLE_CHARS: usize = 300;

/// The first `n` characters of `s`.
fn first_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        // No more characters than bytes.
        return s;
    }
    s.char_indices().nth(n).map_or(s, |(at, _)| &s[..at])
}

/// The rows of one cause within a [`Group`].
#[derive(Debug)]
struct CauseRows {
    /// Number of the cause.
    cause: u32,
    /// Rows of that cause.
    rows: u64,
    /// The first non-empty diagnostic of a row of that cause, cut to 300
    /// characters.
    example: String,
}

/// The counts behind one summary line.
#[derive(Debug, Default)]
pub struct Group {
    /// Rows counted.
    pub rows: u64,
    /// Of which hard bounces.
    pub hard: u64,
    /// Distinct recipients.
    pub recipients: FastSet<u32>,
    /// First and last date.
    pub seen: Seen,
    /// Rows per cause number (a group holds few causes).
    causes: Vec<CauseRows>,
}

impl Group {
    /// Counts one row.
    pub fn add(&mut self, f: &Facts<'_>) {
        self.rows += 1;
        self.hard += u64::from(f.hard);
        self.recipients.insert(f.recipient);
        self.seen.add(f.at);
        let i = match self.causes.iter().position(|c| c.cause == f.cause) {
            Some(i) => i,
            None => {
                let example = String::new();
                self.causes.push(CauseRows {
                    cause: f.cause,
                    rows: 0,
                    example,
                });
                self.causes.len() - 1
            }
        };
        let c = &mut self.causes[i];
        c.rows += 1;
        if c.example.is_empty() && !f.diagnostic.is_empty() {
            c.example = first_chars(f.diagnostic, EXAMPLE_CHARS).to_string();
        }
    }

    /// The rows of the cause with most rows; ties go to the cause whose
    /// name (in `names`, by cause number) sorts first.
    fn top<'n>(&self, names: &[&'n str]) -> Option<&CauseRows> {
        let name = |c: u32| names.get(c as usize).copied().unwrap_or("");
        self.causes.iter().max_by(|a, b| {
            a.rows.cmp(&b.rows).then(name(b.cause).cmp(name(a.cause)))
        })
    }

    /// The cause with most rows; ties go to the name first in order.
    pub fn top_cause<'n>(&self, names: &[&'n str]) -> &'n str {
        self.top(names)
            .and_then(|c| names.get(c.cause as usize).copied())
            .unwrap_or("")
    }

    /// The first non-empty diagnostic of a row of the [top
    /// cause](Self::top_cause), cut to 300 characters; empty when no row
    /// of that cause has one.
    pub fn example(&self, names: &[&str]) -> &str {
        self.top(names).map_or("", |c| c.example.as_str())
    }

    /// `true`, `false`, or `mixed` when rules disagreed within the group.
    pub fn hard_label(&self) -> &'static str {
        match self.hard {
            0 => "false",
            n if n == self.rows => "true",
            _ => "mixed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(recipient: u32, cause: u32, at: &str) -> Facts<'static> {
        Facts {
            recipient,
            cause,
            at: Stamp::new(at),
            hard: cause == 0,
            diagnostic: "",
        }
    }

    #[test]
    fn example_is_a_diagnostic_of_the_top_cause() {
        let names = ["blocked", "userunknown", "expired"];
        let mut g = Group::default();
        for (cause, diagnostic) in [
            (0, "554 5.7.1 blocked using a list"),
            (1, ""),
            (1, "550 5.1.1 no such user"),
            (1, "550 5.1.1 unknown user"),
            (2, "421 4.4.1 connection timed out"),
        ] {
            g.add(&Facts { diagnostic, ..facts(cause, cause, "") });
        }
        assert_eq!(g.top_cause(&names), "userunknown");
        assert_eq!(g.example(&names), "550 5.1.1 no such user");

        // A top cause whose rows carry no diagnostic has no example.
        let mut g = Group::default();
        g.add(&Facts { diagnostic: "554 5.7.1 blocked", ..facts(0, 0, "") });
        g.add(&facts(1, 1, ""));
        g.add(&facts(2, 1, ""));
        assert_eq!(
            (g.top_cause(&names), g.example(&names)),
            ("userunknown", "")
        );
    }

    #[test]
    fn example_follows_the_cause_that_wins_a_tie() {
        let mut g = Group::default();
        g.add(&Facts { diagnostic: "550 5.7.1 no PTR", ..facts(0, 0, "") });
        g.add(&Facts { diagnostic: "530 5.7.1 not auth", ..facts(1, 1, "") });
        let names = ["requireptr", "securityerror"];
        assert_eq!(g.top_cause(&names), "requireptr");
        assert_eq!(g.example(&names), "550 5.7.1 no PTR");
        let names = ["zeta", "alpha"];
        assert_eq!(g.top_cause(&names), "alpha");
        assert_eq!(g.example(&names), "530 5.7.1 not auth");
    }

    #[test]
    fn an_example_is_cut_after_300_characters() {
        assert_eq!(first_chars("abc", 300), "abc");
        assert_eq!(first_chars("abcd", 3), "abc");
        assert_eq!(first_chars("ééé", 3), "ééé");
        assert_eq!(first_chars("éééé", 3), "ééé");
        let long = "ü".repeat(400);
        let mut g = Group::default();
        g.add(&Facts { diagnostic: &long, ..facts(0, 0, "") });
        assert_eq!(g.example(&["x"]).chars().count(), EXAMPLE_CHARS);
    }

    #[test]
    fn interner_numbers_in_order_of_sight() {
        let mut i = Interner::default();
        assert_eq!(i.id("b"), 0);
        assert_eq!(i.id("a"), 1);
        assert_eq!(i.id("b"), 0);
        assert_eq!(i.names(), ["b", "a"]);
    }

    #[test]
    fn stamps_order_as_their_bytes() {
        let texts = [
            "",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z",
            "2026-01-01T00:00:0",
            "2025-12-31T23:59:59Z",
            "2026-01-01T00:00:00Z and more",
            "2026-01-01T00:00:00",
            "\u{e9}",
        ];
        for a in texts {
            for b in texts {
                let (x, y) = (Stamp::new(a), Stamp::new(b));
                assert_eq!(x.cmp(&y), x.0.cmp(&y.0), "{a} {b}");
            }
        }
    }

    #[test]
    fn seen_ignores_undated_rows() {
        let mut s = Seen::default();
        s.add(Stamp::new("2026-02-01T00:00:00Z"));
        s.add(Stamp::new(""));
        s.add(Stamp::new("2026-01-01T00:00:00Z"));
        assert_eq!(s.first.as_str(), "2026-01-01T00:00:00Z");
        assert_eq!(s.last.as_str(), "2026-02-01T00:00:00Z");
        assert!(Seen::default().first.as_str().is_empty());
    }

    #[test]
    fn group_counts_and_breaks_ties_by_name() {
        let mut g = Group::default();
        for (r, c) in [(0, 1), (1, 0), (1, 1), (2, 0)] {
            g.add(&facts(r, c, "2026-01-01T00:00:00Z"));
        }
        assert_eq!(g.rows, 4);
        assert_eq!(g.recipients.len(), 3);
        assert_eq!(g.top_cause(&["zeta", "alpha"]), "alpha");
        assert_eq!(g.top_cause(&["alpha", "zeta"]), "alpha");
        assert_eq!(g.hard_label(), "mixed");
    }
}
