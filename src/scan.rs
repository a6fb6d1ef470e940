//! The main job: every message behind the given paths is decoded and
//! classified in parallel (rayon, in batches) and written in input order by
//! this thread, so that outputs are identical whatever the thread count.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::classify::{classify, Row};
use crate::decode::{decode, Skip};
use crate::mbox;
use crate::output::{CsvStyle, Reports, Tally};
use crate::rules::RuleSet;
use crate::source::{self, SourceError};

/// What the scan needs besides the paths.
pub struct ScanOptions<'a> {
    /// The rule set.
    pub rules: &'a RuleSet,
    /// The output folder.
    pub out: PathBuf,
    /// How to write CSV.
    pub style: CsvStyle,
    /// Memory-map plain files.
    pub mmap: bool,
    /// Set from another thread to stop the run.
    pub interrupted: &'a AtomicBool,
    /// Called with the number of bytes done, for a progress bar.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// How a scan ended.
pub struct ScanResult {
    /// Totals.
    pub tally: Tally,
    /// Paths that could not be read.
    pub errors: Vec<SourceError>,
}

/// Failure of the whole scan.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Writing the reports failed.
    #[error("writing reports to {dir}: {source}")]
    Write { dir: String, source: std::io::Error },
    /// SIGINT arrived: nothing was written.
    #[error("interrupted")]
    Interrupted,
}

/// The outcome for one message.
enum Outcome {
    Rows(Vec<Row>),
    Skipped(Skip),
}

/// One message waiting to be processed: where it came from and its bytes.
struct Item<'a> {
    origin: String,
    bytes: &'a [u8],
}

/// Messages per parallel batch.
const BATCH: usize = 2048;

/// Runs the scan over `paths`.
pub fn scan(
    paths: &[PathBuf],
    opts: &ScanOptions<'_>,
) -> Result<ScanResult, ScanError> {
    let write_err =
        |e| ScanError::Write { dir: opts.out.display().to_string(), source: e };
    let (files, mut errors) = source::discover(paths);
    let mut reports =
        Reports::create(&opts.out, opts.style).map_err(write_err)?;
    for file in &files {
        if opts.interrupted.load(Ordering::Relaxed) {
            return Err(ScanError::Interrupted);
        }
        let contents = match source::read(file, opts.mmap) {
            Ok(c) => c,
            Err(e) => {
                errors.push(SourceError::Open {
                    path: file.display().to_string(),
                    source: e,
                });
                continue;
            }
        };
        scan_one(file, &contents, opts, &mut reports).map_err(write_err)?;
        (opts.progress)(contents.len() as u64);
    }
    if opts.interrupted.load(Ordering::Relaxed) {
        return Err(ScanError::Interrupted);
    }
    let tally = reports.finish().map_err(write_err)?;
    Ok(ScanResult { tally, errors })
}

/// Processes the messages of one file in batches.
fn scan_one(
    path: &Path,
    data: &[u8],
    opts: &ScanOptions<'_>,
    reports: &mut Reports,
) -> std::io::Result<()> {
    let name = path.display().to_string();
    if !mbox::is_mbox(data) {
        let item = Item { origin: name, bytes: data };
        return write_batch(&[item], opts, reports);
    }
    let mut batch = Vec::with_capacity(BATCH);
    for piece in mbox::split(data) {
        batch.push(Item {
            origin: format!("{name}:{}", piece.offset),
            bytes: piece.bytes,
        });
        if batch.len() == BATCH {
            write_batch(&batch, opts, reports)?;
            batch.clear();
            if opts.interrupted.load(Ordering::Relaxed) {
                return Ok(());
            }
        }
    }
    write_batch(&batch, opts, reports)
}

fn write_batch(
    batch: &[Item<'_>],
    opts: &ScanOptions<'_>,
    reports: &mut Reports,
) -> std::io::Result<()> {
    let outcomes: Vec<Outcome> = batch
        .par_iter()
        .map(|item| process(item.bytes, &item.origin, opts.rules))
        .collect();
    for (item, outcome) in batch.iter().zip(outcomes) {
        reports.tally.messages += 1;
        match outcome {
            Outcome::Rows(rows) => {
                reports.tally.decoded += 1;
                for row in &rows {
                    reports.bounce(row)?;
                }
            }
            Outcome::Skipped(skip) => {
                reports.skip(&item.origin, skip.reason, &skip.detail)?
            }
        }
    }
    Ok(())
}

/// Decodes and classifies one message. A panic inside the decoders (a bug)
/// is caught and reported as an undecodable message, never lost.
fn process(bytes: &[u8], origin: &str, rules: &RuleSet) -> Outcome {
    let result = std::panic::catch_unwind(|| decode(bytes));
    match result {
        Ok(Ok(report)) => Outcome::Rows(classify(&report, origin, rules)),
        Ok(Err(skip)) => Outcome::Skipped(skip),
        Err(_) => Outcome::Skipped(Skip {
            reason: "undecodable",
            detail:
                "the decoder failed on this message (a bug: please report it)"
                    .into(),
        }),
    }
}
