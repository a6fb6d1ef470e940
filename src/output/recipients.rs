//! One entry per recipient for `recipients.csv`: how often it bounced, when,
//! its latest verdict, and what the sending system should do with it.

use super::counted::Counted;
use super::group::{Seen, Stamp};

/// Columns of `recipients.csv`.
pub const COLUMNS: [&str; 9] = [
    "recipient",
    "recipient_domain",
    "bounces",
    "first_seen",
    "last_seen",
    "latest_cause",
    "latest_status",
    "hard_or_soft",
    "suggested_action",
];

/// What to do with an address, from its latest row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Suggestion {
    /// The rules call the failure permanent, or the recipient complained
    /// (an ARF report): stop mailing the address.
    Suppress,
    /// A soft bounce or a delay that a rule judged: the address may work
    /// again, keep sending.
    Retry,
    /// The report says the message was delivered, relayed or expanded:
    /// nothing to do.
    Keep,
    /// Anything else (auto-replies, rows no rule judged): a person should
    /// look.
    #[default]
    Review,
}

impl Suggestion {
    /// The suggestion for one row. A complaint suppresses the address
    /// whatever its cause: the kind of report is a decoded fact, and a
    /// complainer must not be mailed again even though it is no bounce.
    pub fn of(row: &Counted<'_>) -> Suggestion {
        let failed = matches!(row.action, "failed" | "delayed");
        if row.hard_bounce || row.kind == "feedback" {
            Suggestion::Suppress
        } else if matches!(row.action, "delivered" | "relayed" | "expanded") {
            Suggestion::Keep
        } else if matches!(row.kind, "bounce" | "delay")
            && failed
            && row.has_rule
        {
            Suggestion::Retry
        } else {
            Suggestion::Review
        }
    }

    /// The word written in `suggested_action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Suggestion::Suppress => "suppress",
            Suggestion::Retry => "retry",
            Suggestion::Keep => "keep",
            Suggestion::Review => "review",
        }
    }
}

/// Everything kept about one recipient (a few dozen bytes).
#[derive(Debug, Clone, Copy, Default)]
pub struct Recipient {
    /// Rows of `bounces.csv` for this address.
    pub rows: u64,
    /// First and last date.
    pub seen: Seen,
    /// Number of its domain.
    pub domain: u32,
    /// Number of the latest row's cause.
    pub cause: u32,
    /// Number of the latest row's status code.
    pub status: u32,
    /// Whether the latest row was a hard bounce.
    pub hard: bool,
    /// What to do, from the latest row.
    pub suggestion: Suggestion,
}

/// The interned values of one row that a recipient entry keeps.
#[derive(Debug, Clone, Copy)]
pub struct Verdict {
    /// Number of the recipient's domain.
    pub domain: u32,
    /// Number of the cause.
    pub cause: u32,
    /// Number of the status code.
    pub status: u32,
    /// Whether it was a hard bounce.
    pub hard: bool,
    /// The suggestion for the row.
    pub suggestion: Suggestion,
}

impl Recipient {
    /// Counts one row dated `at`. The latest row is the one with the
    /// latest date; among rows of the same date (or without one), the
    /// later in input order; a row without a date never replaces a dated one.
    pub fn add(&mut self, at: Stamp, v: Verdict) {
        if self.rows == 0 || at >= self.seen.last {
            self.domain = v.domain;
            self.cause = v.cause;
            self.status = v.status;
            self.hard = v.hard;
            self.suggestion = v.suggestion;
        }
        self.rows += 1;
        self.seen.add(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(cause: u32, hard: bool) -> Verdict {
        let suggestion =
            if hard { Suggestion::Suppress } else { Suggestion::Retry };
        Verdict { domain: 0, cause, status: cause, hard, suggestion }
    }

    #[test]
    fn latest_row_is_the_latest_dated_one() {
        let mut r = Recipient::default();
        r.add(Stamp::new("2026-03-01T00:00:00Z"), verdict(1, true));
        r.add(Stamp::new("2026-01-01T00:00:00Z"), verdict(2, false));
        r.add(Stamp::new(""), verdict(3, false));
        assert_eq!((r.rows, r.cause, r.hard), (3, 1, true));
        r.add(Stamp::new("2026-03-01T00:00:00Z"), verdict(4, false));
        assert_eq!((r.cause, r.suggestion), (4, Suggestion::Retry));
        assert_eq!(r.seen.first.as_str(), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn suggestion_follows_hard_flag_and_kind() {
        use crate::classify::Row;
        let mut row = Row {
            kind: "bounce",
            action: "failed".into(),
            hard_bounce: true,
            rule: "x".into(),
            ..Row::default()
        };
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Suppress);
        row.hard_bounce = false;
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Retry);
        row.kind = "delay";
        row.action = "delayed".into();
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Retry);
        row.rule = "".into();
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Review);
        row.rule = "x".into();
        row.kind = "feedback";
        row.action.clear();
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Suppress);
        // An auto-reply that no rule calls hard: neither retry nor suppress.
        row.kind = "auto-reply";
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Review);
        row.hard_bounce = true;
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Suppress);
        row.hard_bounce = false;
        // A success report: nothing to do, whatever its kind.
        row.kind = "bounce";
        row.action = "delivered".into();
        assert_eq!(Suggestion::of(&Counted::of(&row)), Suggestion::Keep);
    }
}
