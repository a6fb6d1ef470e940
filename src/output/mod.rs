//! The sinks: the CSV reports in the output folder (and `bounces.jsonl` on
//! request) and the totals for the terminal. Rows arrive in input order from
//! one thread; this sink decides whether a row falls in the audit period,
//! writes it, and tallies it as it passes, so memory grows only with the
//! number of distinct servers, domains, causes, months and recipients.

mod cell;
mod counted;
mod csvfile;
mod group;
mod jsonl;
mod period;
mod recipients;
mod summary;
mod tables;
pub mod terminal;

use std::io;
use std::path::{Path, PathBuf};

pub use cell::defuse;
pub use counted::{Counted, Packed};
pub use csvfile::remove_temporaries;
use csvfile::{CsvFile, Formatter};
use jsonl::JsonLines;
pub use period::{Bound, Period, Place};
pub use recipients::Suggestion;
pub use summary::{Outside, Tally};
pub use tables::Line;

use crate::classify::{Row, COLUMNS};

/// How the reports are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// A UTF-8 byte-order mark and CRLF line ends, for Excel.
    pub excel: bool,
    /// Also write the rows as `bounces.jsonl`.
    pub jsonl: bool,
    /// Only rows dated in this period are reported.
    pub period: Period,
}

/// The name the scan options still use for [`ReportOptions`].
pub type CsvStyle = ReportOptions;

/// Turns rows into `bounces.csv` lines on any thread (see
/// [`Reports::formatter`]).
#[derive(Debug, Clone, Copy)]
pub struct RowFormatter {
    csv: Formatter,
    period: Period,
    /// `bounces.jsonl` is written: the writer needs the rows themselves.
    jsonl: bool,
}

impl RowFormatter {
    /// The rows of one message packed for [`Reports::bounces_packed`], or
    /// `None` when the writer needs the rows themselves (for
    /// `bounces.jsonl`) or formatting failed: [`Reports::bounce`] then
    /// writes each.
    pub fn pack(&self, rows: &[Row]) -> Option<Packed> {
        if self.jsonl {
            return None;
        }
        Packed::new(rows, &self.csv, &self.period).ok()
    }
}

/// All report files of one run, written atomically.
pub struct Reports {
    dir: PathBuf,
    options: ReportOptions,
    bounces: CsvFile,
    skipped: CsvFile,
    jsonl: Option<JsonLines>,
    /// Running totals for the summaries.
    pub tally: Tally,
}

impl Reports {
    /// Creates the output folder (if needed) and starts the detail files.
    pub fn create(dir: &Path, options: ReportOptions) -> io::Result<Reports> {
        std::fs::create_dir_all(dir)?;
        let skipped_columns = ["origin", "reason", "detail"];
        Ok(Reports {
            dir: dir.to_path_buf(),
            options,
            bounces: CsvFile::create(
                dir,
                "bounces.csv",
                &COLUMNS,
                options.excel,
            )?,
            skipped: CsvFile::create(
                dir,
                "skipped.csv",
                &skipped_columns,
                options.excel,
            )?,
            jsonl: options.jsonl.then(|| JsonLines::create(dir)).transpose()?,
            tally: Tally::default(),
        })
    }

    /// Writes one row of `bounces.csv` (and `bounces.jsonl`) and counts it,
    /// or counts it as left out when it falls outside the period.
    pub fn bounce(&mut self, row: &Row) -> io::Result<()> {
        match self.options.period.place(&row.date) {
            Place::Inside => {}
            place => {
                self.tally.left_out(&row.origin, place);
                return Ok(());
            }
        }
        self.bounces.row(row.cells())?;
        if let Some(j) = &mut self.jsonl {
            j.row(row)?;
        }
        self.tally.add(&Counted::of(row));
        Ok(())
    }

    /// What the workers need to turn rows into `bounces.csv` lines.
    pub fn formatter(&self) -> RowFormatter {
        RowFormatter {
            csv: Formatter::new(self.options.excel),
            period: self.options.period,
            jsonl: self.jsonl.is_some(),
        }
    }

    /// Does what [`Reports::bounce`] does for each row of message `origin`,
    /// from the rows as [`RowFormatter::pack`] packed them.
    pub fn bounces_packed(
        &mut self,
        origin: &str,
        packed: &Packed,
    ) -> io::Result<()> {
        for (place, row) in packed.rows() {
            match place {
                Place::Inside => self.tally.add(&row),
                place => self.tally.left_out(origin, place),
            }
        }
        self.bounces.raw(packed.lines())
    }

    /// Writes one row of `skipped.csv`.
    pub fn skip(
        &mut self,
        origin: &str,
        reason: &str,
        detail: &str,
    ) -> io::Result<()> {
        self.tally.skipped(reason);
        self.skipped.row([origin, reason, detail])
    }

    /// Writes the summaries and renames every file into place.
    pub fn finish(self) -> io::Result<Tally> {
        let Reports { dir, options, bounces, skipped, jsonl, tally } = self;
        let create = |name, columns: &[&str]| {
            CsvFile::create(&dir, name, columns, options.excel)
        };

        let mut by_server =
            create("summary-by-server.csv", &tables::SERVER_COLUMNS)?;
        tally.write_places(&tally.server_lines(), &mut by_server)?;
        let mut by_domain =
            create("summary-by-domain.csv", &tables::DOMAIN_COLUMNS)?;
        tally.write_places(&tally.domain_lines(), &mut by_domain)?;
        let mut by_cause =
            create("summary-by-cause.csv", &tables::CAUSE_COLUMNS)?;
        tally.write_causes(&mut by_cause)?;
        let mut by_month =
            create("summary-by-month.csv", &tables::MONTH_COLUMNS)?;
        tally.write_months(&mut by_month)?;
        let mut recipients =
            create("recipients.csv", &tables::RECIPIENT_COLUMNS)?;
        tally.write_recipients(&mut recipients)?;

        // Everything is complete: put the files in place.
        bounces.finish(&dir)?;
        skipped.finish(&dir)?;
        if let Some(j) = jsonl {
            j.finish(&dir)?;
        }
        for file in [by_server, by_domain, by_cause, by_month, recipients] {
            file.finish(&dir)?;
        }
        Ok(tally)
    }
}
