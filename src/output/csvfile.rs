//! One CSV report file: RFC 4180 through the `csv` crate, cells that a
//! spreadsheet would run as a formula defused, cells cut to what a
//! spreadsheet cell holds, written to a temporary file in
//! the output folder and renamed into place only when the run completes, so
//! that an interrupted run leaves no partial report.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use super::cell::{cut, defuse, prepare, Quoting};

/// A CSV file being written.
pub struct CsvFile {
    writer: csv::Writer<Shared<BufWriter<NamedTempFile>>>,
    name: String,
}

/// A writer the `csv` writer owns and we can still reach (through
/// `get_ref`), to add bytes formatted elsewhere or take what it wrote.
/// Its `flush` does not flush what it holds: the `csv` writer flushes to
/// hand over its buffer before bytes are added beside it, once per
/// message, and the file's buffer must not become a system call each time
/// (`finish` flushes the file).
struct Shared<W>(RefCell<W>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.get_mut().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.get_mut().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl CsvFile {
    /// Starts `name` in `dir` with the given header row; `excel` adds a
    /// UTF-8 byte-order mark and CRLF line ends.
    pub fn create(
        dir: &Path,
        name: &str,
        header: &[&str],
        excel: bool,
    ) -> io::Result<CsvFile> {
        let mut buf = BufWriter::with_capacity(1 << 16, temp_in(dir, name)?);
        if excel {
            buf.write_all(b"\xEF\xBB\xBF")?;
        }
        let terminator = if excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut writer = csv::WriterBuilder::new()
            .terminator(terminator)
            .from_writer(Shared(RefCell::new(buf)));
        writer.write_record(header)?;
        Ok(CsvFile { writer, name: name.to_string() })
    }

    /// Writes one row of text cells, each defused.
    pub fn row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<()> {
        for cell in cells {
            self.writer.write_field(cut(defuse(cell)).as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Writes rows that [`Formatter::rows`] already turned into bytes.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        if !bytes.is_empty() {
            self.writer.flush()?;
            self.writer.get_ref().0.borrow_mut().write_all(bytes)?;
        }
        Ok(())
    }

    /// Flushes and renames the file into place.
    pub fn finish(self, dir: &Path) -> io::Result<()> {
        let buf = self.writer.into_inner().map_err(|e| e.into_error())?;
        let tmp =
            buf.0.into_inner().into_inner().map_err(|e| e.into_error())?;
        tmp.persist(dir.join(&self.name)).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Turns rows into the bytes [`CsvFile::row`] would write, on any thread:
/// the workers format their rows while the data is in their cache, and the
/// one writer only copies bytes.
#[derive(Debug, Clone, Copy)]
pub struct Formatter {
    excel: bool,
}

/// A CSV writer into memory for one line-end style. It quotes nothing
/// itself: each cell comes to it quoted as the `csv` crate's quoting has
/// it ([`Memory::field`]).
struct Memory {
    excel: bool,
    writer: csv::Writer<Shared<Vec<u8>>>,
    /// The core of a writer that quotes where needed, set up as
    /// [`CsvFile::create`] sets up a file's: it decides for the cells that
    /// [`prepare`] cannot.
    quoting: csv_core::Writer,
    /// Room to quote a cell in.
    quoted: Vec<u8>,
}

thread_local! {
    /// A writer into memory per thread, reused.
    static FORMAT: RefCell<Option<Memory>> = const { RefCell::new(None) };
}

/// The buffer of a writer into memory.
const MEMORY_BUFFER: usize = 1 << 16;

impl Formatter {
    /// A formatter for files made with `excel` as [`CsvFile::create`] has it.
    pub fn new(excel: bool) -> Formatter {
        Formatter { excel }
    }

    /// Appends to `out` each row of cells, each cell defused.
    pub fn rows<'a, R, C>(&self, rows: R, out: &mut Vec<u8>) -> io::Result<()>
    where
        R: IntoIterator<Item = C>,
        C: IntoIterator<Item = &'a str>,
    {
        FORMAT.with(|cell| {
            let mut slot = cell.borrow_mut();
            let memory = match &mut *slot {
                Some(m) if m.excel == self.excel => m,
                other => other.insert(self.memory()),
            };
            for row in rows {
                for c in row {
                    memory.field(c)?;
                }
                memory.writer.write_record(None::<&[u8]>)?;
            }
            let writer = &mut memory.writer;
            writer.flush()?;
            out.append(&mut writer.get_ref().0.borrow_mut());
            Ok(())
        })
    }

    fn memory(&self) -> Memory {
        let terminator = if self.excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let writer = csv::WriterBuilder::new()
            .terminator(terminator)
            .quote_style(csv::QuoteStyle::Never)
            .buffer_capacity(MEMORY_BUFFER)
            .has_headers(false)
            .from_writer(Shared(RefCell::new(Vec::new())));
        let core_terminator = if self.excel {
            csv_core::Terminator::CRLF
        } else {
            csv_core::Terminator::Any(b'\n')
        };
        let quoting =
            csv_core::WriterBuilder::new().terminator(core_terminator).build();
        Memory { excel: self.excel, writer, quoting, quoted: Vec::new() }
    }
}

impl Memory {
    /// Writes `cell` as the next field, defused, cut and quoted as
    /// [`CsvFile::row`] writes it. A cell [`prepare`] finds clean skips the
    /// `csv` writer's test for quoting; one it finds in need of quotes is
    /// quoted by `csv_core::quote`, as the `csv` writer quotes.
    #[inline]
    fn field(&mut self, cell: &str) -> csv::Result<()> {
        let (cell, quoting) = prepare(cell);
        let cell = cell.as_bytes();
        let quote = match quoting {
            Quoting::No => false,
            Quoting::Yes => true,
            Quoting::Ask => self.quoting.should_quote(cell),
        };
        if !quote {
            return self.writer.write_field(cell);
        }
        // Every byte a quote, doubled, and the two around.
        let room = 2 * cell.len() + 2;
        if self.quoted.len() < room {
            self.quoted.resize(room, 0);
        }
        let q = self.quoting.get_quote();
        self.quoted[0] = q;
        let (_, _, n) = csv_core::quote(
            cell,
            &mut self.quoted[1..],
            q,
            self.quoting.get_escape(),
            self.quoting.get_double_quote(),
        );
        self.quoted[n + 1] = q;
        self.writer.write_field(&self.quoted[..n + 2])
    }
}

/// A temporary file in `dir` that will become `name` when persisted. It is
/// created with the mode an ordinary file gets (0666 less the umask), not
/// the private 0600 of temporary files, since it becomes the report.
pub fn temp_in(dir: &Path, name: &str) -> io::Result<NamedTempFile> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Removes the temporary report files that runs left in `dir` (named by
/// [`temp_in`]: `.NAME.XXXXXX.tmp`), for a run that must stop at once.
/// Errors are ignored: this is the last thing before exiting.
pub fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = [".csv.", ".jsonl."].iter().any(|x| name.contains(x));
        if name.starts_with('.') && ours && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {

    /// A report gets the mode of any file the user creates (0666 less the
    /// umask), not a temporary file's private 0600.
    #[cfg(unix)]
    #[test]
    fn reports_get_an_ordinary_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        let tmp = super::temp_in(dir.path(), "bounces.csv").unwrap();
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).unwrap().permissions().mode() & 0o777
        };
        assert_eq!(mode(tmp.path()), mode(&plain));
    }

    /// Rows of cells made of pieces that need quoting, defusing or both.
    #[test]
    fn formatted_random_rows_are_the_bytes_the_file_writes() {
        use proptest::prelude::*;
        const PIECES: &[&str] =
            &["a", ",", "\"", "\n", "\r\n", " ", "=", "-", "é", "\x7f", "1"];
        let config = ProptestConfig::with_cases(300);
        let cells = prop::collection::vec(0..PIECES.len(), 0..6);
        let rows = prop::collection::vec(prop::collection::vec(cells, 3), 1..8);
        proptest!(config, |(rows in rows, excel in any::<bool>())| {
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    r.iter().map(|c| c.iter().map(|&i| PIECES[i]).collect())
                        .collect()
                })
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let header = ["h"; 3];
            let mut file =
                super::CsvFile::create(dir.path(), "t.csv", &header, excel)
                    .unwrap();
            for r in &rows {
                file.row(r.iter().map(String::as_str)).unwrap();
            }
            file.finish(dir.path()).unwrap();
            let mut file =
                super::CsvFile::create(dir.path(), "u.csv", &header, excel)
                    .unwrap();
            let mut bytes = Vec::new();
            let some = rows.iter().map(|r| r.iter().map(String::as_str));
            super::Formatter::new(excel).rows(some, &mut bytes).unwrap();
            file.raw(&bytes).unwrap();
            file.finish(dir.path()).unwrap();
            let read = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
            prop_assert_eq!(read("t.csv"), read("u.csv"));
        });
    }

    #[test]
    fn formatted_rows_are_the_bytes_the_file_writes() {
        // Past the memory buffer too: a huge cell, then more rows than it
        // holds, then short rows again.
        let (huge, big) = ("\"é".repeat(20_000), "y,".repeat(10_000));
        let mut rows = vec![
            vec!["a", "=1", "x,y", "say \"hi\"", "line\nend", ""],
            vec!["", "", "", "", "", ""],
            vec![huge.as_str(), "=", "", "", "", "z"],
        ];
        rows.extend(std::iter::repeat_n(
            vec![big.as_str(), "a", "", "", "", ""],
            5,
        ));
        rows.push(vec!["a", "=1", "x,y", "say \"hi\"", "line\nend", ""]);
        rows.push(vec!["é", "-2", " @x", "\tz", "ok", "last"]);
        let last = rows.len() - 1;
        for excel in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let mut file =
                super::CsvFile::create(dir.path(), "t.csv", &["h"; 6], excel)
                    .unwrap();
            for r in &rows {
                file.row(r.iter().copied()).unwrap();
            }
            file.finish(dir.path()).unwrap();
            let written = std::fs::read(dir.path().join("t.csv")).unwrap();

            let mut file =
                super::CsvFile::create(dir.path(), "u.csv", &["h"; 6], excel)
                    .unwrap();
            let mut bytes = Vec::new();
            let f = super::Formatter::new(excel);
            let some = rows[..last].iter().map(|r| r.iter().copied());
            f.rows(some, &mut bytes).unwrap();
            file.raw(&bytes).unwrap();
            file.row(rows[last].iter().copied()).unwrap();
            file.finish(dir.path()).unwrap();
            let raw = std::fs::read(dir.path().join("u.csv")).unwrap();
            assert_eq!(String::from_utf8(raw), String::from_utf8(written));
        }
    }
}
