//! The summary tables made from a [`Tally`] at the end of a run: the lines
//! of each `summary-*.csv` and `recipients.csv`, sorted by bounces (most
//! first) and then by their key text, so that the order never depends on
//! hashing or on thread count; and the top lines for the terminal.

use std::io;

use super::csvfile::CsvFile;
use super::group::Group;
use super::recipients;
use super::summary::{ServerKey, Tally};

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

/// Columns of `summary-by-domain.csv`.
pub const DOMAIN_COLUMNS: [&str; 8] = [
    "recipient_domain",
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

/// Columns of `summary-by-month.csv`.
pub const MONTH_COLUMNS: [&str; 7] = [
    "month",
    "cause",
    "hard",
    "bounces",
    "recipients",
    "first_seen",
    "last_seen",
];

/// What the month column says for rows without a date.
pub const UNDATED: &str = "undated";

/// One line of a summary: its key cells and its counts.
pub struct Line<'a> {
    /// The key cells (server and class, cause, month and cause, ...).
    pub keys: [String; 2],
    /// The counts.
    pub group: &'a Group,
    /// The cause number, on lines of `summary-by-cause.csv`.
    pub cause: usize,
}

/// Most bounces first, then by key text.
fn sort(lines: &mut [Line<'_>]) {
    lines.sort_unstable_by(|a, b| {
        b.group.rows.cmp(&a.group.rows).then_with(|| a.keys.cmp(&b.keys))
    });
}

impl Tally {
    /// Lines of `summary-by-server.csv`, sorted.
    pub fn server_lines(&self) -> Vec<Line<'_>> {
        let n = &self.names;
        let (servers, domains, classes) =
            (n.servers.names(), n.domains.names(), n.classes.names());
        let mut lines: Vec<Line<'_>> = self
            .by_server
            .iter()
            .map(|(&(place, class), group)| {
                let server = match place {
                    ServerKey::Server(s) => servers[s as usize].to_string(),
                    ServerKey::Domain(d) => {
                        format!("[{}]", domains[d as usize])
                    }
                };
                Line {
                    keys: [server, classes[class as usize].into()],
                    group,
                    cause: 0,
                }
            })
            .collect();
        sort(&mut lines);
        lines
    }

    /// Lines of `summary-by-domain.csv`, sorted.
    pub fn domain_lines(&self) -> Vec<Line<'_>> {
        let (domains, classes) =
            (self.names.domains.names(), self.names.classes.names());
        let mut lines: Vec<Line<'_>> = self
            .by_domain
            .iter()
            .map(|(&(d, c), group)| Line {
                keys: [domains[d as usize].into(), classes[c as usize].into()],
                group,
                cause: 0,
            })
            .collect();
        sort(&mut lines);
        lines
    }

    /// Lines of `summary-by-cause.csv`, sorted (the second key is empty).
    pub fn cause_lines(&self) -> Vec<Line<'_>> {
        let causes = self.names.causes.names();
        let mut lines: Vec<Line<'_>> = self
            .by_cause
            .iter()
            .enumerate()
            .map(|(cause, group)| Line {
                keys: [causes[cause].into(), String::new()],
                group,
                cause,
            })
            .collect();
        sort(&mut lines);
        lines
    }

    /// Lines of `summary-by-month.csv`: months in order (undated rows
    /// last), and within a month most bounces first.
    pub fn month_lines(&self) -> Vec<Line<'_>> {
        let (months, causes) =
            (self.names.months.names(), self.names.causes.names());
        let mut lines: Vec<Line<'_>> = self
            .by_month
            .iter()
            .map(|(&(m, c), group)| {
                let month = match months[m as usize] {
                    "" => UNDATED,
                    m => m,
                };
                Line {
                    keys: [month.into(), causes[c as usize].into()],
                    group,
                    cause: c as usize,
                }
            })
            .collect();
        lines.sort_unstable_by(|a, b| {
            let undated = |l: &Line<'_>| l.keys[0] == UNDATED;
            undated(a)
                .cmp(&undated(b))
                .then_with(|| a.keys[0].cmp(&b.keys[0]))
                .then_with(|| b.group.rows.cmp(&a.group.rows))
                .then_with(|| a.keys[1].cmp(&b.keys[1]))
        });
        lines
    }

    /// The share of all rows that `rows` is, as `12.5%`.
    pub fn share(&self, rows: u64) -> String {
        let share = if self.rows == 0 {
            0.0
        } else {
            rows as f64 * 100.0 / self.rows as f64
        };
        format!("{share:.1}%")
    }

    /// Writes `summary-by-server.csv` or `summary-by-domain.csv`.
    pub(super) fn write_places(
        &self,
        lines: &[Line<'_>],
        out: &mut CsvFile,
    ) -> io::Result<()> {
        let causes = self.names.causes.names();
        for l in lines {
            let g = l.group;
            out.row([
                l.keys[0].as_str(),
                &l.keys[1],
                &g.rows.to_string(),
                &g.recipients.len().to_string(),
                g.seen.first.as_str(),
                g.seen.last.as_str(),
                g.top_cause(&causes),
                g.example(&causes),
            ])?;
        }
        Ok(())
    }

    /// Writes `summary-by-cause.csv`.
    pub(super) fn write_causes(&self, out: &mut CsvFile) -> io::Result<()> {
        for l in self.cause_lines() {
            let g = l.group;
            out.row([
                l.keys[0].as_str(),
                g.hard_label(),
                &g.rows.to_string(),
                &g.recipients.len().to_string(),
                &self.share(g.rows),
                self.advice.get(l.cause).map_or("", String::as_str),
            ])?;
        }
        Ok(())
    }

    /// Writes `summary-by-month.csv`.
    pub(super) fn write_months(&self, out: &mut CsvFile) -> io::Result<()> {
        for l in self.month_lines() {
            let g = l.group;
            out.row([
                l.keys[0].as_str(),
                &l.keys[1],
                g.hard_label(),
                &g.rows.to_string(),
                &g.recipients.len().to_string(),
                g.seen.first.as_str(),
                g.seen.last.as_str(),
            ])?;
        }
        Ok(())
    }

    /// Writes `recipients.csv`: most bounces first, then by address.
    pub(super) fn write_recipients(&self, out: &mut CsvFile) -> io::Result<()> {
        let n = &self.names;
        let names = n.recipients.names();
        let (domains, causes, statuses) =
            (n.domains.names(), n.causes.names(), n.statuses.names());
        let mut order: Vec<u32> = (0..self.recipients.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (ra, rb) =
                (&self.recipients[a as usize], &self.recipients[b as usize]);
            rb.rows
                .cmp(&ra.rows)
                .then_with(|| names[a as usize].cmp(names[b as usize]))
        });
        for i in order {
            let r = &self.recipients[i as usize];
            out.row([
                names[i as usize],
                domains[r.domain as usize],
                &r.rows.to_string(),
                r.seen.first.as_str(),
                r.seen.last.as_str(),
                causes[r.cause as usize],
                statuses[r.status as usize],
                if r.hard { "hard" } else { "soft" },
                r.suggestion.as_str(),
            ])?;
        }
        Ok(())
    }
}

/// Columns of `recipients.csv`.
pub use recipients::COLUMNS as RECIPIENT_COLUMNS;
