//! Running totals over the rows of `bounces.csv`. Each row is looked up in a
//! few hash maps keyed by small numbers (see [`Interner`]), so a row costs no
//! allocation once its server, cause and recipient have been seen, and memory
//! grows only with the number of distinct servers, domains, causes, months
//! and recipients. Every count adds up to the rows written.

use std::collections::BTreeMap;

use crate::fasthash::FastMap;

use super::counted::Counted;
use super::group::{Facts, Group, Interner, Stamp};
use super::period::Place;
use super::recipients::{Recipient, Suggestion, Verdict};

/// Rows (and their messages) left out by `--since` / `--until`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outside {
    /// Rows dated before `--since`.
    pub earlier: u64,
    /// Rows dated after `--until`.
    pub later: u64,
    /// Rows without a date.
    pub undated: u64,
    /// Decoded messages whose rows were left out.
    pub messages: u64,
}

impl Outside {
    /// All rows left out.
    pub fn rows(&self) -> u64 {
        self.earlier + self.later + self.undated
    }
}

/// Where a summary line of `summary-by-server.csv` belongs: a named remote
/// server, or the recipient's domain when the report names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum ServerKey {
    Server(u32),
    Domain(u32),
}

/// The distinct values seen, by column.
#[derive(Debug, Default)]
pub(super) struct Names {
    pub recipients: Interner,
    pub domains: Interner,
    pub servers: Interner,
    pub classes: Interner,
    pub causes: Interner,
    pub statuses: Interner,
    pub months: Interner,
}

/// Totals for one run.
#[derive(Debug, Default)]
pub struct Tally {
    /// Messages read.
    pub messages: u64,
    /// Messages decoded into rows (including those left out by the period).
    pub decoded: u64,
    /// Rows written to `bounces.csv`.
    pub rows: u64,
    /// Skipped messages by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Rows by kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Rows left out by the period.
    pub outside: Outside,
    /// Origin of the last message left out, to count messages once.
    last_outside: String,
    pub(super) names: Names,
    pub(super) by_server: FastMap<(ServerKey, u32), Group>,
    pub(super) by_domain: FastMap<(u32, u32), Group>,
    /// Indexed by cause number.
    pub(super) by_cause: Vec<Group>,
    /// The advice of each cause's first row, by cause number.
    pub(super) advice: Vec<String>,
    pub(super) by_month: FastMap<(u32, u32), Group>,
    /// Indexed by recipient number.
    pub(super) recipients: Vec<Recipient>,
    /// The number of each status's class, by status number.
    class_of: Vec<u32>,
}

impl Tally {
    /// Counts one row written to `bounces.csv`.
    pub fn add(&mut self, row: &Counted<'_>) {
        self.rows += 1;
        *self.kinds.entry(row.kind).or_default() += 1;

        // Look every value up once; a recipient's domain and a status's
        // class are parts of them, known by number once they were seen.
        let n = &mut self.names;
        let cause = n.causes.id(row.cause) as usize;
        let facts = Facts {
            recipient: n.recipients.id(row.recipient),
            cause: cause as u32,
            at: Stamp::new(row.date),
            hard: row.hard_bounce,
            diagnostic: row.diagnostic,
        };
        let domain = match self.recipients.get(facts.recipient as usize) {
            Some(r) => r.domain,
            None => n.domains.id(row.recipient_domain),
        };
        let status = n.statuses.id(row.status);
        let class = match self.class_of.get(status as usize) {
            Some(&class) => class,
            None => {
                let class = n.classes.id(row.code_class);
                self.class_of.push(class);
                class
            }
        };
        let place = if row.remote_server.is_empty() {
            ServerKey::Domain(domain)
        } else {
            ServerKey::Server(n.servers.id(row.remote_server))
        };
        let month = n.months.id(row.date.get(..7).unwrap_or(""));
        let verdict = Verdict {
            domain,
            cause: facts.cause,
            status,
            hard: row.hard_bounce,
            suggestion: Suggestion::of(row),
        };

        // Count it in every summary.
        self.by_server.entry((place, class)).or_default().add(&facts);
        self.by_domain.entry((domain, class)).or_default().add(&facts);
        self.by_month.entry((month, facts.cause)).or_default().add(&facts);
        if cause == self.by_cause.len() {
            self.by_cause.push(Group::default());
            self.advice.push(row.advice.to_string());
        }
        self.by_cause[cause].add(&facts);
        let r = facts.recipient as usize;
        if r == self.recipients.len() {
            self.recipients.push(Recipient::default());
        }
        self.recipients[r].add(facts.at, verdict);
    }

    /// Counts one row left out by the period; `origin` names its message.
    pub fn left_out(&mut self, origin: &str, place: Place) {
        match place {
            Place::Earlier => self.outside.earlier += 1,
            Place::Later => self.outside.later += 1,
            Place::Undated | Place::Inside => self.outside.undated += 1,
        }
        if self.last_outside != origin {
            self.outside.messages += 1;
            self.last_outside.clear();
            self.last_outside.push_str(origin);
        }
    }

    /// Counts one skipped message.
    pub fn skipped(&mut self, reason: &str) {
        match self.skipped.get_mut(reason) {
            Some(n) => *n += 1,
            None => {
                self.skipped.insert(reason.to_string(), 1);
            }
        }
    }

    /// Total of skipped messages.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Distinct recipients in `bounces.csv`.
    pub fn recipient_count(&self) -> usize {
        self.recipients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Row;

    fn row(n: usize) -> Row {
        Row {
            kind: "bounce",
            recipient: format!("user{}@example.com", n % 3),
            remote_server: if n % 2 == 0 {
                "mx.example.com".into()
            } else {
                String::new()
            },
            status: "5.1.1".into(),
            cause: "userunknown".into(),
            date: format!("2026-0{}-01T00:00:00Z", 1 + n % 2),
            origin: format!("a.mbox:{n}"),
            ..Row::default()
        }
    }

    #[test]
    fn memory_grows_with_distinct_values_not_rows() {
        let mut t = Tally::default();
        for n in 0..10_000 {
            t.add(&Counted::of(&row(n)));
        }
        assert_eq!(t.rows, 10_000);
        assert_eq!(t.recipients.len(), 3);
        assert_eq!(t.by_server.len(), 2, "mx.example.com and [example.com]");
        assert_eq!((t.by_domain.len(), t.by_cause.len()), (1, 1));
        assert_eq!(t.by_month.len(), 2);
        assert!(t.by_server.values().all(|g| g.recipients.len() == 3));
        assert_eq!(t.recipients.iter().map(|r| r.rows).sum::<u64>(), 10_000);
    }

    #[test]
    fn rows_left_out_are_counted_once_per_message() {
        let mut t = Tally::default();
        t.left_out("a.mbox:0", Place::Earlier);
        t.left_out("a.mbox:0", Place::Earlier);
        t.left_out("a.mbox:99", Place::Undated);
        let want = Outside { earlier: 2, later: 0, undated: 1, messages: 2 };
        assert_eq!(t.outside, want);
        assert_eq!((t.outside.rows(), t.rows), (3, 0));
    }
}
