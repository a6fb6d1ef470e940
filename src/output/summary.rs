//! Running totals over the rows of `bounces.csv`, and the summary tables
//! made from them. Every count adds up to the rows written.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::classify::Row;

/// Columns of `summary-by-server.csv`.
pub const SERVER_COLUMNS: [&str; 8] = [
    "remote_server",
    "code_class",
    "bounces",
    "recipients",
    "first_seen",
    "last_seen",
    "top_cause",
    "example_diagnostic",
];

/// Columns of `summary-by-cause.csv`.
pub const CAUSE_COLUMNS: [&str; 6] =
    ["cause", "hard", "bounces", "recipients", "share", "advice"];

#[derive(Debug, Default)]
struct Group {
    rows: u64,
    recipients: HashSet<String>,
    first: String,
    last: String,
    causes: HashMap<String, u64>,
    example: String,
    hard: bool,
    advice: String,
}

impl Group {
    fn add(&mut self, row: &Row) {
        self.rows += 1;
        if !self.recipients.contains(&row.recipient) {
            self.recipients.insert(row.recipient.clone());
        }
        if !row.date.is_empty() {
            if self.first.is_empty() || row.date < self.first {
                self.first = row.date.clone();
            }
            if row.date > self.last {
                self.last = row.date.clone();
            }
        }
        *self.causes.entry(row.cause.clone()).or_default() += 1;
        if self.example.is_empty() {
            self.example = row.diagnostic.chars().take(300).collect();
            self.hard = row.hard_bounce;
            self.advice = row.advice.clone();
        }
    }

    fn top_cause(&self) -> String {
        let mut v: Vec<_> = self.causes.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.first().map_or_else(String::new, |(c, _)| (*c).clone())
    }
}

/// Totals for one run.
#[derive(Debug, Default)]
pub struct Tally {
    /// Messages read.
    pub messages: u64,
    /// Messages decoded into at least one row.
    pub decoded: u64,
    /// Rows written to `bounces.csv`.
    pub rows: u64,
    /// Skipped messages by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Rows by kind.
    pub kinds: BTreeMap<&'static str, u64>,
    servers: HashMap<(String, String), Group>,
    causes: HashMap<String, Group>,
}

impl Tally {
    /// Counts one row.
    pub fn add(&mut self, row: &Row) {
        self.rows += 1;
        *self.kinds.entry(row.kind).or_default() += 1;
        let server = if row.remote_server.is_empty() {
            format!("[{}]", row.recipient_domain)
        } else {
            row.remote_server.clone()
        };
        self.servers
            .entry((server, row.code_class.clone()))
            .or_default()
            .add(row);
        self.causes.entry(row.cause.clone()).or_default().add(row);
    }

    /// Counts one skipped message.
    pub fn skipped(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }

    /// Total of skipped messages.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Rows of `summary-by-server.csv`, most bounces first.
    pub fn server_rows(&self) -> Vec<Vec<String>> {
        let mut v: Vec<_> = self.servers.iter().collect();
        v.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then(a.0.cmp(b.0)));
        v.into_iter()
            .map(|((server, class), g)| {
                vec![
                    server.clone(),
                    class.clone(),
                    g.rows.to_string(),
                    g.recipients.len().to_string(),
                    g.first.clone(),
                    g.last.clone(),
                    g.top_cause(),
                    g.example.clone(),
                ]
            })
            .collect()
    }

    /// Rows of `summary-by-cause.csv`, most bounces first.
    pub fn cause_rows(&self) -> Vec<Vec<String>> {
        let mut v: Vec<_> = self.causes.iter().collect();
        v.sort_by(|a, b| b.1.rows.cmp(&a.1.rows).then(a.0.cmp(b.0)));
        v.into_iter()
            .map(|(cause, g)| {
                let share = if self.rows == 0 {
                    0.0
                } else {
                    g.rows as f64 * 100.0 / self.rows as f64
                };
                vec![
                    cause.clone(),
                    g.hard.to_string(),
                    g.rows.to_string(),
                    g.recipients.len().to_string(),
                    format!("{share:.1}%"),
                    g.advice.clone(),
                ]
            })
            .collect()
    }

    /// The top `n` causes with their row counts.
    pub fn top_causes(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<_> =
            self.causes.iter().map(|(c, g)| (c.clone(), g.rows)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// The top `n` servers with their row counts (all code classes).
    pub fn top_servers(&self, n: usize) -> Vec<(String, u64)> {
        let mut by: HashMap<&str, u64> = HashMap::new();
        for ((s, _), g) in &self.servers {
            *by.entry(s).or_default() += g.rows;
        }
        let mut v: Vec<_> =
            by.into_iter().map(|(s, c)| (s.to_string(), c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}
