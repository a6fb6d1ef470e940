//! `bounces.jsonl`: the rows of `bounces.csv` as JSON Lines, for pipelines
//! and databases. One object per row with the same keys as the CSV columns;
//! the text is raw (not defused: JSON is not opened by spreadsheets), and
//! `hard_bounce` is a JSON boolean. Written to a temporary file and renamed
//! into place at the end, like the CSV files.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use tempfile::NamedTempFile;

use crate::classify::Row;

/// The file name.
pub const NAME: &str = "bounces.jsonl";

/// One row, borrowed from a [`Row`], in column order.
#[derive(Serialize)]
struct Line<'a> {
    origin: &'a str,
    date: &'a str,
    kind: &'a str,
    sender: &'a str,
    recipient: &'a str,
    recipient_domain: &'a str,
    action: &'a str,
    status: &'a str,
    reply_code: &'a str,
    code_class: &'a str,
    remote_server: &'a str,
    reporting_server: &'a str,
    diagnostic: &'a str,
    cause: &'a str,
    hard_bounce: bool,
    rule: &'a str,
    advice: &'a str,
    format: &'a str,
    message_id: &'a str,
    subject: &'a str,
}

/// `bounces.jsonl` being written.
pub struct JsonLines {
    out: BufWriter<NamedTempFile>,
}

impl JsonLines {
    /// Starts the file in `dir`.
    pub fn create(dir: &Path) -> io::Result<JsonLines> {
        let tmp = super::csvfile::temp_in(dir, NAME)?;
        Ok(JsonLines { out: BufWriter::with_capacity(1 << 16, tmp) })
    }

    /// Writes one row.
    pub fn row(&mut self, r: &Row) -> io::Result<()> {
        let line = Line {
            origin: &r.origin,
            date: &r.date,
            kind: r.kind,
            sender: &r.sender,
            recipient: &r.recipient,
            recipient_domain: r.recipient_domain(),
            action: &r.action,
            status: &r.status,
            reply_code: &r.reply_code,
            code_class: r.code_class(),
            remote_server: &r.remote_server,
            reporting_server: &r.reporting_server,
            diagnostic: &r.diagnostic,
            cause: &r.cause,
            hard_bounce: r.hard_bounce,
            rule: &r.rule,
            advice: &r.advice,
            format: r.format,
            message_id: &r.message_id,
            subject: &r.subject,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    /// Flushes and renames the file into place.
    pub fn finish(self, dir: &Path) -> io::Result<()> {
        let tmp = self.out.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(dir.join(NAME)).map_err(|e| e.error)?;
        Ok(())
    }
}
