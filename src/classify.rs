//! Joins a decoded [`Report`] with the rules' [`Verdict`] for each recipient
//! into the [`Row`]s of `bounces.csv`.

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
    pub recipient_domain: String,
    pub action: String,
    pub status: String,
    pub reply_code: String,
    pub code_class: String,
    pub remote_server: String,
    pub reporting_server: String,
    pub diagnostic: String,
    pub cause: String,
    pub hard_bounce: bool,
    pub rule: String,
    pub advice: String,
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
    /// The cells in column order.
    pub fn cells(&self) -> [&str; 20] {
        [
            &self.origin,
            &self.date,
            self.kind,
            &self.sender,
            &self.recipient,
            &self.recipient_domain,
            &self.action,
            &self.status,
            &self.reply_code,
            &self.code_class,
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
pub fn status_column(
    status: &str,
    implies: Option<&str>,
    action: &str,
) -> (String, bool) {
    match (status.is_empty(), implies) {
        (true, Some(s)) => (transient(s, action), true),
        _ => (status.to_string(), false),
    }
}

/// Classifies every recipient of `report`; `origin` names the message.
pub fn classify(report: &Report, origin: &str, rules: &RuleSet) -> Vec<Row> {
    report
        .recipients
        .iter()
        .map(|r| {
            let v = rules.classify(&facts(report, r));
            let (status, implied) =
                status_column(&r.status, v.implies, &r.action);
            Row {
                origin: origin.to_string(),
                date: report.date.clone(),
                kind: r.kind.as_str(),
                sender: report.sender.clone(),
                recipient: r.recipient.clone(),
                recipient_domain: r.recipient_domain().to_string(),
                action: r.action.clone(),
                code_class: code_class(&status),
                status,
                reply_code: r.reply_code.clone(),
                remote_server: r.remote_server.clone(),
                reporting_server: report.reporting_server.clone(),
                diagnostic: r.diagnostic.clone(),
                cause: v.cause.name.clone(),
                hard_bounce: v.hard,
                rule: v.rule.map_or_else(String::new, |r| r.id.clone()),
                advice: v.advice.to_string(),
                format: report.format,
                message_id: report.message_id.clone(),
                subject: report.subject.clone(),
                status_implied: implied,
            }
        })
        .collect()
}

/// An implied code takes the class of the action: `4.x.x` for a delay,
/// `5.x.x` for a failure.
fn transient(status: &str, action: &str) -> String {
    match (action, status.split_at_checked(1)) {
        ("delayed", Some(("5", rest))) => format!("4{rest}"),
        ("failed", Some(("4", rest))) => format!("5{rest}"),
        _ => status.to_string(),
    }
}

/// `5.1.1` -> `5.1`.
pub fn code_class(status: &str) -> String {
    let mut parts = status.splitn(3, '.');
    match (parts.next(), parts.next()) {
        (Some(c), Some(s)) if !c.is_empty() && !s.is_empty() => {
            format!("{c}.{s}")
        }
        _ => String::new(),
    }
}
