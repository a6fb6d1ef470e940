//! Joins a decoded [`Report`] with the rules' [`Verdict`] for each recipient
//! into the [`Row`]s of `bounces.csv`.

use std::sync::Arc;

use crate::report::{RecipientStatus, Report};
use crate::rules::{Facts, RuleSet};

/// One row of `bounces.csv`, in column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub origin: String,
    pub date: String,
    pub kind: &'static str,
    pub sender: String,
    pub recipient: String,
    pub action: String,
    pub status: String,
    pub reply_code: String,
    pub remote_server: String,
    pub reporting_server: String,
    pub diagnostic: String,
    /// The cause, rule id (empty when no rule matched) and advice are
    /// shared with the rule set, not copied for each row.
    pub cause: Arc<str>,
    pub hard_bounce: bool,
    pub rule: Arc<str>,
    pub advice: Arc<str>,
    pub format: &'static str,
    pub message_id: String,
    pub subject: String,
    /// True when `status` is the code the cause implies, not one the report
    /// gave (not a column: the README explains it).
    pub status_implied: bool,
}

/// The column names of `bounces.csv`, in order.
pub const COLUMNS: [&str; 20] = [
    "origin",
    "date",
    "kind",
    "sender",
    "recipient",
    "recipient_domain",
    "action",
    "status",
    "reply_code",
    "code_class",
    "remote_server",
    "reporting_server",
    "diagnostic",
    "cause",
    "hard_bounce",
    "rule",
    "advice",
    "format",
    "message_id",
    "subject",
];

impl Row {
    /// The domain part of the recipient address (its own column).
    pub fn recipient_domain(&self) -> &str {
        crate::report::domain_of(&self.recipient)
    }

    /// The class and subject of the status, `5.1` for `5.1.1` (its own
    /// column).
    pub fn code_class(&self) -> &str {
        code_class(&self.status)
    }

    /// The cells in column order.
    pub fn cells(&self) -> [&str; 20] {
        [
            &self.origin,
            &self.date,
            self.kind,
            &self.sender,
            &self.recipient,
            self.recipient_domain(),
            &self.action,
            &self.status,
            &self.reply_code,
            self.code_class(),
            &self.remote_server,
            &self.reporting_server,
            &self.diagnostic,
            &self.cause,
            if self.hard_bounce { "true" } else { "false" },
            &self.rule,
            &self.advice,
            self.format,
            &self.message_id,
            &self.subject,
        ]
    }
}

/// The facts the rules look at for recipient `r` of `report`.
pub fn facts<'a>(report: &'a Report, r: &'a RecipientStatus) -> Facts<'a> {
    Facts {
        kind: Some(r.kind),
        action: &r.action,
        status: &r.status,
        reply: &r.reply_code,
        diagnostic: &r.diagnostic,
        remote: &r.remote_server,
        sender_domain: report.sender.rsplit_once('@').map_or("", |(_, d)| d),
        recipient_domain: r.recipient_domain(),
        command: r.command,
    }
}

/// The status column for a recipient whose report gave `status` (maybe
/// empty), with the code the verdict implies; true when it is implied.
/// `action` and `reply_code` (maybe empty) set an implied code's class.
pub fn status_column(
    status: &str,
    implies: Option<&str>,
    action: &str,
    reply_code: &str,
) -> (String, bool) {
    match implied_status(status, implies, action, reply_code) {
        Some(s) => (s, true),
        None => (status.to_string(), false),
    }
}

/// The code of [`status_column`] when it is implied.
fn implied_status(
    status: &str,
    implies: Option<&str>,
    action: &str,
    reply_code: &str,
) -> Option<String> {
    match (status.is_empty(), implies) {
        (true, Some(s)) => Some(with_class(s, action, reply_code)),
        _ => None,
    }
}

/// Classifies every recipient of `report`; `origin` names the message.
pub fn classify(report: &Report, origin: &str, rules: &RuleSet) -> Vec<Row> {
    classify_owned(report.clone(), origin, rules)
}

/// [`classify`], moving the report's values into the rows instead of
/// copying them (the per-message values are copied for all but the last
/// row).
pub fn classify_owned(
    report: Report,
    origin: &str,
    rules: &RuleSet,
) -> Vec<Row> {
    let verdicts: Vec<_> = report
        .recipients
        .iter()
        .map(|r| rules.classify(&facts(&report, r)))
        .collect();
    let Report {
        format,
        mut reporting_server,
        mut date,
        mut sender,
        mut message_id,
        mut subject,
        recipients,
    } = report;
    let mut origin = origin.to_string();
    let n = recipients.len();
    let mut rows = Vec::with_capacity(n);
    for (i, (r, v)) in recipients.into_iter().zip(verdicts).enumerate() {
        let last = i + 1 == n;
        let share = |s: &mut String| {
            if last {
                std::mem::take(s)
            } else {
                s.clone()
            }
        };
        let implied =
            implied_status(&r.status, v.implies, &r.action, &r.reply_code);
        let status_implied = implied.is_some();
        let status = implied.unwrap_or(r.status);
        rows.push(Row {
            origin: share(&mut origin),
            date: share(&mut date),
            kind: r.kind.as_str(),
            sender: share(&mut sender),
            recipient: r.recipient,
            action: r.action,
            status,
            reply_code: r.reply_code,
            remote_server: r.remote_server,
            reporting_server: share(&mut reporting_server),
            diagnostic: r.diagnostic,
            cause: v.cause.name.clone(),
            hard_bounce: v.hard,
            rule: v.rule.map_or_else(Arc::default, |r| r.id.clone()),
            advice: v.advice.clone(),
            format,
            message_id: share(&mut message_id),
            subject: share(&mut subject),
            status_implied,
        });
    }
    rows
}

/// An implied code takes the class of the outcome: `4.x.x` for a delay or
/// a failure with a `4xx` reply code (a temporary refusal), `5.x.x` for
/// any other failure. Other actions keep the code as it is.
fn with_class(status: &str, action: &str, reply_code: &str) -> String {
    let temporary = action == "delayed" || reply_code.starts_with('4');
    let class = match action {
        "delayed" | "failed" if temporary => "4",
        "failed" => "5",
        _ => return status.to_string(),
    };
    match status.split_at_checked(1) {
        Some(("4" | "5", rest)) => format!("{class}{rest}"),
        _ => status.to_string(),
    }
}

/// `5.1.1` -> `5.1`: the status up to its second dot, or nothing when it
/// has no two non-empty parts.
fn code_class(status: &str) -> &str {
    // A byte loop: the status is a few bytes long.
    let b = status.as_bytes();
    let Some(first) = b.iter().position(|&c| c == b'.') else { return "" };
    let second = b[first + 1..]
        .iter()
        .position(|&c| c == b'.')
        .map_or(b.len(), |p| first + 1 + p);
    if first > 0 && second > first + 1 {
        &status[..second]
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both recipient domains are what follows the last `@`, as
    /// `rsplit_once` finds it.
    #[test]
    fn recipient_domain_follows_the_last_at() {
        let pieces = ["", "@", "a", "é", "b.example", "\"x@y\"", " "];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let recipient = format!("{a}{b}{c}");
                    let plain =
                        recipient.rsplit_once('@').map_or("", |(_, d)| d);
                    let row =
                        Row { recipient: recipient.clone(), ..Row::default() };
                    assert_eq!(row.recipient_domain(), plain, "{recipient}");
                    let kind = crate::report::Kind::Bounce;
                    let mut r = RecipientStatus::new(kind, "");
                    r.recipient = recipient.clone();
                    assert_eq!(r.recipient_domain(), plain);
                }
            }
        }
    }

    #[test]
    fn code_class_is_the_status_up_to_its_second_dot() {
        let plain = |status: &str| {
            let mut parts = status.splitn(3, '.');
            match (parts.next(), parts.next()) {
                (Some(c), Some(s)) if !c.is_empty() && !s.is_empty() => {
                    status[..c.len() + 1 + s.len()].to_string()
                }
                _ => String::new(),
            }
        };
        let pieces = ["5", ".", "1", "10", "x", "é", ""];
        for status in crate::codes::random_texts(&pieces, 3, 3000, 7) {
            assert_eq!(code_class(&status), plain(&status), "{status:?}");
        }
        assert_eq!(code_class("5.1.1"), "5.1");
        assert_eq!(code_class("4.4.7"), "4.4");
    }

    #[test]
    fn implied_code_takes_the_class_of_the_reply() {
        let col = |status, action, reply| {
            status_column(status, Some("5.4.7"), action, reply)
        };
        assert_eq!(col("", "failed", "421"), ("4.4.7".into(), true));
        assert_eq!(col("", "failed", "450"), ("4.4.7".into(), true));
        assert_eq!(col("", "failed", "550"), ("5.4.7".into(), true));
        assert_eq!(col("", "failed", ""), ("5.4.7".into(), true));
        assert_eq!(col("", "delayed", ""), ("4.4.7".into(), true));
        assert_eq!(col("5.1.1", "failed", "421"), ("5.1.1".into(), false));
        let four = status_column("", Some("4.2.2"), "failed", "552");
        assert_eq!(four, ("5.2.2".into(), true));
    }
}
