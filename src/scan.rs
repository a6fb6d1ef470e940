//! The main job, streamed: the inputs are cut into units of whole messages
//! (chunks of an mbox, groups of single-message files); each unit is decoded
//! and classified in parallel (rayon) while the next one is read and split,
//! and the workers also turn the rows into `bounces.csv` lines and pack what
//! the summaries need of them (see [`Packed`]); one writer thread writes the
//! lines in input order and tallies the summaries while later units are
//! still being decoded. Memory holds a few units, whatever the archive's
//! size, and outputs are identical whatever the thread count.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use crate::classify::{classify_owned, Row};
use crate::decode::{decode, Skip};
use crate::mbox;
use crate::output::{CsvStyle, Packed, Reports, RowFormatter, Tally};
use crate::rules::RuleSet;
use crate::source::{self, Input, SourceError};

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
pub enum Outcome {
    /// The rows of a decoded report.
    Rows(Vec<Row>),
    /// Why the message is not one.
    Skipped(Skip),
}

/// One processed message, on its way to the writer.
struct Done {
    origin: String,
    outcome: Written,
}

/// An [`Outcome`] as the writer takes it.
enum Written {
    /// Rows for the writer to format and count (see [`RowFormatter::pack`]).
    Rows(Vec<Row>),
    /// Rows formatted and packed by the worker, which dropped them.
    Packed(Packed),
    /// Why the message is not a report.
    Skipped(Skip),
}

impl Done {
    fn new(
        mut origin: String,
        outcome: Outcome,
        format: &RowFormatter,
    ) -> Done {
        let outcome = match outcome {
            Outcome::Rows(rows) => match format.pack(&rows) {
                Some(packed) => {
                    // Unused by the writer: freed here, by the thread that
                    // made it.
                    if !packed.needs_origin() {
                        origin = String::new();
                    }
                    Written::Packed(packed)
                }
                None => Written::Rows(rows),
            },
            Outcome::Skipped(skip) => Written::Skipped(skip),
        };
        Done { origin, outcome }
    }
}

/// Bytes of a unit: a range of a shared memory map, or owned.
enum Data {
    Map(Arc<memmap2::Mmap>, Range<usize>),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Map(m, r) => &m[r.clone()],
            Data::Owned(v) => v,
        }
    }
}

impl Data {
    /// Gives the pages of a mapped range back to the system once they are
    /// decoded, so that resident memory does not grow with the file.
    fn release(&self) {
        if let Data::Map(map, r) = self {
            const PAGE: usize = 4096;
            let start = r.start.div_ceil(PAGE) * PAGE;
            let end = r.end / PAGE * PAGE;
            if end > start {
                // SAFETY: the map is a read-only file mapping: dropped pages
                // read back the same bytes from the file if touched again.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
    }
}

/// Whole messages ready to decode.
enum Unit {
    /// A chunk of an mbox; `base` is its offset in the file. It is split
    /// into messages while the unit before it is decoded, so that the
    /// workers never wait for the splitting.
    Mbox { name: Arc<str>, base: u64, data: Data, pieces: Vec<mbox::Span> },
    /// Single-message files, each with its origin.
    Files(Vec<(String, Data)>),
}

impl Unit {
    /// The chunk `data` of mbox `name`, split into messages.
    fn mbox(name: Arc<str>, base: u64, data: Data) -> Unit {
        let pieces = mbox::spans(&data).collect();
        Unit::Mbox { name, base, data, pieces }
    }
}

/// Target size of an mbox chunk, and of a group of single files.
const CHUNK: usize = 4 << 20;
/// Target size of the first mbox chunk: chunks grow from it to [`CHUNK`],
/// so that the workers start after little splitting.
const FIRST_CHUNK: usize = 256 << 10;
/// Most single-message files in one unit.
const FILES: usize = 1024;

/// Runs the scan over `paths`.
pub fn scan(
    paths: &[PathBuf],
    opts: &ScanOptions<'_>,
) -> Result<ScanResult, ScanError> {
    let write_err =
        |e| ScanError::Write { dir: opts.out.display().to_string(), source: e };
    let (files, errors) = source::discover(paths);
    let reports = Reports::create(&opts.out, opts.style).map_err(write_err)?;
    let format = reports.formatter();
    let (tx, rx) = mpsc::channel::<(usize, Vec<Done>)>();
    let window = &Window::default();
    let mut units = Units::new(files, opts.mmap, errors);

    let (fed, written) = std::thread::scope(|s| {
        let writer = s.spawn(move || {
            let _closing = Closing(window);
            write_all(rx, window, reports)
        });
        let fed = feed(&mut units, opts, &format, &tx, window);
        drop(tx);
        (fed, writer.join().expect("the writer thread"))
    });

    let reports = written.map_err(write_err)?;
    if fed.is_err() || opts.interrupted.load(Ordering::Relaxed) {
        return Err(ScanError::Interrupted);
    }
    let tally = reports.finish().map_err(write_err)?;
    Ok(ScanResult { tally, errors: units.errors })
}

/// Messages of a unit per task: few enough that both workers finish the
/// last unit together, enough that handing out tasks costs little.
const BATCH: usize = 64;

/// Tasks read ahead of the writer at most: decoded, being decoded or
/// waiting for a worker (about three 4 MB chunks of the corpus archive).
const WINDOW: usize = 40;

/// The tasks handed out and not yet written, at most [`WINDOW`]. A reader
/// that finds the window full sleeps until half of it is written, then
/// hands out tasks until it is full again: one wake-up per half window
/// rather than one per task.
#[derive(Default)]
struct Window {
    /// Tasks out, and whether the writer has stopped.
    state: std::sync::Mutex<(usize, bool)>,
    room: std::sync::Condvar,
}

impl Window {
    fn lock(&self) -> std::sync::MutexGuard<'_, (usize, bool)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a slot, waiting while the window is full; `Err` once the
    /// writer has stopped.
    fn take(&self) -> Result<(), ()> {
        let mut state = self.lock();
        if state.0 >= WINDOW {
            state = self
                .room
                .wait_while(state, |s| s.0 > WINDOW / 2 && !s.1)
                .unwrap_or_else(|e| e.into_inner());
        }
        if state.1 {
            return Err(());
        }
        state.0 += 1;
        Ok(())
    }

    /// Gives back the slot of a task written.
    fn free(&self) {
        let mut state = self.lock();
        state.0 -= 1;
        if state.0 == WINDOW / 2 {
            self.room.notify_one();
        }
    }
}

/// Closes the window when the writer stops, however it stops (an error, a
/// panic): a reader waiting for room then gives up.
struct Closing<'a>(&'a Window);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.lock().1 = true;
        self.0.room.notify_one();
    }
}

/// Reads and splits unit after unit on this thread and hands each out to
/// the workers in tasks of [`BATCH`] messages, numbered, that a free worker
/// takes in turn (the writer puts their outcomes back in order). The tasks
/// share their unit, whose mapped pages are given back when the last one
/// is done. A task waits for a free slot of the [`Window`]; the writer
/// frees one per task written. Stops early (`Err`) when interrupted or when
/// the writer has given up.
fn feed(
    units: &mut Units,
    opts: &ScanOptions<'_>,
    format: &RowFormatter,
    tx: &mpsc::Sender<(usize, Vec<Done>)>,
    window: &Window,
) -> Result<(), ()> {
    rayon::in_place_scope(|s| {
        let mut index = 0;
        while let Some(unit) = units.next() {
            let unit = Arc::new(unit);
            let count = unit.count();
            for start in (0..count).step_by(BATCH) {
                if opts.interrupted.load(Ordering::Relaxed) {
                    return Err(());
                }
                window.take()?;
                let part = start..count.min(start + BATCH);
                let (unit, tx) = (unit.clone(), tx.clone());
                s.spawn(move |_| {
                    let done = unit.process(part.clone(), opts.rules, format);
                    (opts.progress)(unit.len_of(part));
                    let _ = tx.send((index, done));
                });
                index += 1;
            }
        }
        Ok(())
    })
}

impl Unit {
    /// How many messages the unit holds.
    fn count(&self) -> usize {
        match self {
            Unit::Mbox { pieces, .. } => pieces.len(),
            Unit::Files(files) => files.len(),
        }
    }

    /// Bytes of the messages `part` (of an mbox chunk, from the start of
    /// the first to that of the next, so that the parts add up to it).
    fn len_of(&self, part: Range<usize>) -> u64 {
        match self {
            Unit::Mbox { data, pieces, .. } => {
                let at = |i: usize| match pieces.get(i) {
                    Some(p) if i > 0 => p.offset,
                    Some(_) => 0,
                    None => data.len() as u64,
                };
                at(part.end) - at(part.start)
            }
            Unit::Files(files) => {
                files[part].iter().map(|(_, d)| d.len() as u64).sum()
            }
        }
    }

    /// Decodes the messages `part` of the unit, in order.
    fn process(
        &self,
        part: Range<usize>,
        rules: &RuleSet,
        format: &RowFormatter,
    ) -> Vec<Done> {
        match self {
            Unit::Mbox { name, base, data, pieces } => pieces[part]
                .iter()
                .map(|p| {
                    let origin = origin_of(name, base + p.offset);
                    let outcome =
                        process(&data[p.bytes.clone()], &origin, rules);
                    Done::new(origin, outcome, format)
                })
                .collect(),
            Unit::Files(files) => files[part]
                .iter()
                .map(|(origin, data)| {
                    let outcome = process(data, origin, rules);
                    Done::new(origin.clone(), outcome, format)
                })
                .collect(),
        }
    }
}

impl Drop for Unit {
    /// A chunk's pages are given back once all its messages are decoded.
    fn drop(&mut self) {
        if let Unit::Mbox { data, .. } = self {
            data.release();
        }
    }
}

/// `name:offset`, the origin of the message at `offset` of mbox `name`,
/// made in one allocation (`format!` grows its string twice).
fn origin_of(name: &str, offset: u64) -> String {
    use std::fmt::Write;
    let mut origin = String::with_capacity(name.len() + 21);
    origin.push_str(name);
    let _ = write!(origin, ":{offset}");
    origin
}

/// The writer: rows in input order, summaries tallied as they pass. Tasks
/// come as their workers finish them; one that comes early waits for the
/// ones before it. Each task written frees a slot of the window.
fn write_all(
    rx: mpsc::Receiver<(usize, Vec<Done>)>,
    window: &Window,
    mut reports: Reports,
) -> std::io::Result<Reports> {
    let mut early = std::collections::BTreeMap::new();
    let mut next = 0;
    for (index, batch) in rx {
        early.insert(index, batch);
        while let Some(batch) = early.remove(&next) {
            write_batch(batch, &mut reports)?;
            next += 1;
            window.free();
        }
    }
    Ok(reports)
}

/// Writes the outcomes of one unit.
fn write_batch(batch: Vec<Done>, reports: &mut Reports) -> std::io::Result<()> {
    for done in batch {
        reports.tally.messages += 1;
        match done.outcome {
            Written::Rows(rows) => {
                reports.tally.decoded += 1;
                for row in &rows {
                    reports.bounce(row)?;
                }
            }
            Written::Packed(packed) => {
                reports.tally.decoded += 1;
                reports.bounces_packed(&done.origin, &packed)?;
            }
            Written::Skipped(skip) => {
                reports.skip(&done.origin, skip.reason, &skip.detail)?
            }
        }
    }
    Ok(())
}

/// Decodes and classifies one message. A panic inside the decoders or the
/// rules (a bug) is caught and reported as an undecodable message, never
/// lost.
pub fn process(bytes: &[u8], origin: &str, rules: &RuleSet) -> Outcome {
    let result = std::panic::catch_unwind(|| {
        decode(bytes).map(|report| classify_owned(report, origin, rules))
    });
    match result {
        Ok(Ok(rows)) => Outcome::Rows(rows),
        Ok(Err(skip)) => Outcome::Skipped(skip),
        Err(_) => Outcome::Skipped(Skip {
            reason: "undecodable",
            detail:
                "the decoder failed on this message (a bug: please report it)"
                    .into(),
        }),
    }
}

/// The units behind the list of files, in order: an mbox becomes chunks,
/// consecutive single-message files are grouped. Files that cannot be read
/// are noted in `errors` and skipped.
struct Units {
    files: std::vec::IntoIter<PathBuf>,
    mmap: bool,
    errors: Vec<SourceError>,
    /// The mbox being cut, if any.
    current: Option<Current>,
    /// A single-message file read ahead while grouping.
    pending: Option<(String, Data)>,
    /// Target size of the next mbox chunk.
    chunk: usize,
}

/// An mbox file in progress.
enum Current {
    Mapped {
        name: Arc<str>,
        map: Arc<memmap2::Mmap>,
        at: usize,
    },
    Stream {
        name: Arc<str>,
        reader: mbox::Reader<Box<dyn std::io::Read + Send>>,
    },
}

impl Units {
    fn new(files: Vec<PathBuf>, mmap: bool, errors: Vec<SourceError>) -> Units {
        Units {
            files: files.into_iter(),
            mmap,
            errors,
            current: None,
            pending: None,
            chunk: FIRST_CHUNK,
        }
    }

    /// The next unit, or `None` when every file is done.
    fn next(&mut self) -> Option<Unit> {
        let mut group: Vec<(String, Data)> = Vec::new();
        let mut size = 0;
        loop {
            if let Some(mut cur) = self.current.take() {
                if !group.is_empty() {
                    self.current = Some(cur);
                    return Some(Unit::Files(group));
                }
                if let Some(unit) = self.next_chunk_of(&mut cur) {
                    self.current = Some(cur);
                    return Some(unit);
                }
            }
            if let Some(single) = self.pending.take() {
                size += single.1.len();
                group.push(single);
                if group.len() >= FILES || size >= CHUNK {
                    return Some(Unit::Files(group));
                }
            }
            let Some(path) = self.files.next() else {
                return (!group.is_empty()).then_some(Unit::Files(group));
            };
            self.open(path);
        }
    }

    /// Opens `path`: an mbox becomes `current`, a single message `pending`.
    fn open(&mut self, path: PathBuf) {
        let name: Arc<str> = path.display().to_string().into();
        let opened = source::open(&path, self.mmap).and_then(|input| {
            Ok(match input {
                Input::Mapped(map) if mbox::is_mbox(&map) => {
                    let map = Arc::new(map);
                    self.current = Some(Current::Mapped {
                        name: name.clone(),
                        map,
                        at: 0,
                    });
                }
                Input::Mapped(map) => {
                    let range = 0..map.len();
                    let data = Data::Map(Arc::new(map), range);
                    self.pending = Some((name.to_string(), data));
                }
                Input::Stream(r) => {
                    let mut reader = mbox::Reader::new(r);
                    if reader.starts_mbox() {
                        self.current = Some(Current::Stream {
                            name: name.clone(),
                            reader,
                        });
                    } else {
                        // What was read of a message cut short is read too.
                        let (bytes, error) = reader.rest();
                        self.pending =
                            Some((name.to_string(), Data::Owned(bytes)));
                        if let Some(e) = error {
                            return Err(e);
                        }
                    }
                }
            })
        });
        if let Err(e) = opened {
            self.errors
                .push(SourceError::Open { path: name.to_string(), source: e });
        }
    }

    /// The next chunk of the current mbox, `None` at its end (a read error
    /// ends it and is noted).
    fn next_chunk_of(&mut self, cur: &mut Current) -> Option<Unit> {
        let target = self.chunk;
        self.chunk = (target * 2).min(CHUNK);
        match cur {
            Current::Mapped { name, map, at } => {
                if *at >= map.len() {
                    return None;
                }
                let end = mbox::cut(map, *at, target);
                let data = Data::Map(map.clone(), *at..end);
                let base = *at as u64;
                *at = end;
                Some(Unit::mbox(name.clone(), base, data))
            }
            Current::Stream { name, reader } => {
                match reader.next_chunk(target) {
                    Ok(Some(c)) => Some(Unit::mbox(
                        name.clone(),
                        c.base,
                        Data::Owned(c.data),
                    )),
                    Ok(None) => None,
                    Err(e) => {
                        self.errors.push(SourceError::Open {
                            path: name.to_string(),
                            source: e,
                        });
                        None
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::{scan, Closing, ScanOptions, Window, BATCH, CHUNK, WINDOW};
    use crate::output::CsvStyle;
    use crate::rules::RuleSet;

    #[test]
    fn rows_come_in_file_order_across_many_units() {
        // More tasks than the window holds, over several chunks.
        let message = format!(
            "From a@example.com Mon Jan  1 00:00:00 2024\nFrom: \
             a@example.com\nSubject: hello\n\n{}\n\n",
            "not a bounce ".repeat(60)
        );
        let n = ((WINDOW + 2) * BATCH).max(2 * CHUNK / message.len()) + 7;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.mbox");
        std::fs::write(&path, message.repeat(n)).unwrap();
        let rules = RuleSet::load(&[], true).unwrap();
        let stop = AtomicBool::new(false);
        let opts = ScanOptions {
            rules: &rules,
            out: dir.path().join("out"),
            style: CsvStyle::default(),
            mmap: true,
            interrupted: &stop,
            progress: &|_| {},
        };
        let done = scan(&[path], &opts).unwrap();
        assert_eq!(done.tally.messages, n as u64);
        let skipped = dir.path().join("out/skipped.csv");
        let mut rdr = csv::Reader::from_path(skipped).unwrap();
        let offsets: Vec<u64> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                r[0].rsplit_once(':').unwrap().1.parse().unwrap()
            })
            .collect();
        let expected: Vec<u64> =
            (0..n as u64).map(|i| i * message.len() as u64).collect();
        assert_eq!(offsets, expected);
    }

    #[test]
    fn a_full_window_waits_for_half_of_it_and_a_closed_one_gives_up() {
        let window = Window::default();
        for _ in 0..WINDOW {
            window.take().unwrap();
        }
        std::thread::scope(|s| {
            s.spawn(|| (0..WINDOW / 2).for_each(|_| window.free()));
            window.take().unwrap();
        });
        assert_eq!(window.lock().0, WINDOW / 2 + 1);
        drop(Closing(&window));
        assert!(window.take().is_err());
    }
}
