//! The sinks: the CSV reports in the output folder and the summary on the
//! terminal. Rows arrive in input order from one thread; summaries are
//! tallied as they pass, so memory grows only with the number of distinct
//! servers, causes and recipients.

mod csvfile;
mod summary;

use std::io;
use std::path::{Path, PathBuf};

use csvfile::CsvFile;
pub use csvfile::{defuse, remove_temporaries, CsvStyle};
pub use summary::Tally;

use crate::classify::{Row, COLUMNS};

/// All report files of one run, written atomically.
pub struct Reports {
    dir: PathBuf,
    style: CsvStyle,
    bounces: CsvFile,
    skipped: CsvFile,
    /// Running totals for the summaries.
    pub tally: Tally,
}

impl Reports {
    /// Creates the output folder (if needed) and starts the detail files.
    pub fn create(dir: &Path, style: CsvStyle) -> io::Result<Reports> {
        std::fs::create_dir_all(dir)?;
        Ok(Reports {
            dir: dir.to_path_buf(),
            style,
            bounces: CsvFile::create(dir, "bounces.csv", &COLUMNS, style)?,
            skipped: CsvFile::create(
                dir,
                "skipped.csv",
                &["origin", "reason", "detail"],
                style,
            )?,
            tally: Tally::default(),
        })
    }

    /// Writes one row of `bounces.csv` and counts it.
    pub fn bounce(&mut self, row: &Row) -> io::Result<()> {
        self.bounces.row(row.cells())?;
        self.tally.add(row);
        Ok(())
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
        let Reports { dir, style, bounces, skipped, tally } = self;
        let mut by_server = CsvFile::create(
            &dir,
            "summary-by-server.csv",
            &summary::SERVER_COLUMNS,
            style,
        )?;
        for r in tally.server_rows() {
            by_server.row(r.iter().map(String::as_str))?;
        }
        let mut by_cause = CsvFile::create(
            &dir,
            "summary-by-cause.csv",
            &summary::CAUSE_COLUMNS,
            style,
        )?;
        for r in tally.cause_rows() {
            by_cause.row(r.iter().map(String::as_str))?;
        }
        bounces.finish(&dir)?;
        skipped.finish(&dir)?;
        by_server.finish(&dir)?;
        by_cause.finish(&dir)?;
        Ok(tally)
    }
}
