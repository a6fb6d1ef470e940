//! One CSV report file: RFC 4180 through the `csv` crate, cells that a
//! spreadsheet would run as a formula defused, cells cut to what a
//! spreadsheet cell holds, written to a temporary file in
//! the output folder and renamed into place only when the run completes, so
//! that an interrupted run leaves no partial report.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

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

/// A CSV writer into memory for one line-end style, and a record to gather
/// the cells of a row in.
struct Memory {
    excel: bool,
    writer: csv::Writer<Shared<Vec<u8>>>,
    record: csv::ByteRecord,
}

thread_local! {
    /// A writer into memory per thread, reused.
    static FORMAT: RefCell<Option<Memory>> = const { RefCell::new(None) };
}

/// The buffer of a writer into memory: room for the `csv` writer's fast
/// path (a whole record at a time) for all but huge rows.
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
            let Memory { writer, record, .. } = match &mut *slot {
                Some(m) if m.excel == self.excel => m,
                other => other.insert(self.memory()),
            };
            // A whole record at a time: the `csv` writer then copies each
            // cell at once (it finds no quoting needed in most) instead of
            // going through its field-by-field state machine.
            for row in rows {
                record.clear();
                for c in row {
                    record.push_field(cut(defuse(c)).as_bytes());
                }
                writer.write_byte_record(record)?;
            }
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
            .buffer_capacity(MEMORY_BUFFER)
            .has_headers(false)
            .from_writer(Shared(RefCell::new(Vec::new())));
        Memory { excel: self.excel, writer, record: csv::ByteRecord::new() }
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

/// Makes a cell safe to open in a spreadsheet: a cell whose first
/// non-blank character is `=`, `+`, `-` or `@`, or that starts with a tab
/// or CR, gets a leading `'` so that it is shown as text (a negative number
/// too: no count we write is negative). Control characters other than tab
/// become spaces, so that every row stays on one line.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    // Most cells start with a letter or digit and are printable ASCII:
    // they are as they are, and cost one quick pass over the bytes.
    let first = cell.as_bytes().first().copied().unwrap_or(b'a');
    let risky_start =
        matches!(first, b' ' | b'\t' | b'\r' | b'=' | b'+' | b'-' | b'@');
    if !risky_start && !any_word(cell.as_bytes(), not_printable_ascii) {
        return Cow::Borrowed(cell);
    }
    defuse_slow(cell)
}

/// [`defuse`] for a cell that may need it.
#[cold]
fn defuse_slow(cell: &str) -> Cow<'_, str> {
    let risky = |c: &str| {
        c.starts_with(['\t', '\r'])
            || c.trim_start_matches(' ').starts_with(['=', '+', '-', '@'])
    };
    let controls = may_hold_controls(cell.as_bytes())
        && cell.chars().any(|c| c.is_control() && c != '\t');
    match (controls, risky(cell)) {
        (false, false) => Cow::Borrowed(cell),
        (false, true) => Cow::Owned(format!("'{cell}")),
        (true, start) => {
            let mut out = String::with_capacity(cell.len() + 1);
            if start {
                out.push('\'');
            }
            out.extend(cell.chars().map(|c| {
                if c.is_control() && c != '\t' {
                    ' '
                } else {
                    c
                }
            }));
            if !start && risky(&out) {
                out.insert(0, '\'');
            }
            Cow::Owned(out)
        }
    }
}

/// The most characters a spreadsheet cell holds (Excel's and LibreOffice's
/// limit), counted as they count them: in UTF-16 code units.
pub const CELL_LIMIT: usize = 32_767;

/// Cuts a cell to at most [`CELL_LIMIT`] characters, on a character
/// boundary, so that a spreadsheet neither refuses the file nor spills
/// the rest of the cell into other cells.
#[inline]
pub fn cut(cell: Cow<'_, str>) -> Cow<'_, str> {
    // No more bytes than the limit: no more UTF-16 units either.
    if cell.len() <= CELL_LIMIT {
        return cell;
    }
    cut_long(cell)
}

/// [`cut`] for a cell of more bytes than the limit.
#[cold]
fn cut_long(cell: Cow<'_, str>) -> Cow<'_, str> {
    let mut units = 0;
    let end = cell.char_indices().find_map(|(at, c)| {
        units += c.len_utf16();
        (units > CELL_LIMIT).then_some(at)
    });
    match (end, cell) {
        (None, cell) => cell,
        (Some(end), Cow::Borrowed(s)) => Cow::Borrowed(&s[..end]),
        (Some(end), Cow::Owned(mut s)) => {
            s.truncate(end);
            Cow::Owned(s)
        }
    }
}

/// A quick test that a cell holds no control character: none of its bytes
/// is below 0x20, 0x7F, or 0xC2 (the first byte of the C1 controls in
/// UTF-8).
fn may_hold_controls(bytes: &[u8]) -> bool {
    any_word(bytes, |x| {
        has_below(x, 0x20)
            | has_zero(x ^ (LOW * 0x7f))
            | has_zero(x ^ (LOW * 0xc2))
    })
}

/// Whether a byte of `x` is below 0x20 or above 0x7E (cheaper than the
/// test of [`may_hold_controls`], which the rare cells it flags then take).
fn not_printable_ascii(x: u64) -> bool {
    (x.wrapping_sub(LOW * 0x20) & !x | x.wrapping_add(LOW) | x) & LOW << 7 != 0
}

/// Whether `hit` holds for a word of `bytes`: eight bytes at a time, the
/// last eight overlapping the ones before and a short cell read as one
/// word of its bytes (this runs on every cell of every row). `hit` must
/// hold for a word when it holds for a byte of it.
fn any_word(bytes: &[u8], hit: impl Fn(u64) -> bool) -> bool {
    let n = bytes.len();
    let word = |at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if hit(word(at)) {
                return true;
            }
            at += 8;
        }
        hit(word(n - 8))
    } else if n >= 4 {
        let half = |at: usize| {
            let b: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
            u64::from(u32::from_le_bytes(b))
        };
        hit(half(0) | half(n - 4) << 32)
    } else if n > 0 {
        let (a, b, c) = (bytes[0], bytes[n / 2], bytes[n - 1]);
        hit(u64::from_le_bytes([a, b, c, a, a, a, a, a]))
    } else {
        false
    }
}

/// 0x01 in every byte of a word.
const LOW: u64 = 0x0101_0101_0101_0101;

/// Whether a byte of `x` is zero.
fn has_zero(x: u64) -> bool {
    x.wrapping_sub(LOW) & !x & (LOW << 7) != 0
}

/// Whether a byte of `x` is below `n` (`n` at most 0x80).
fn has_below(x: u64, n: u8) -> bool {
    x.wrapping_sub(LOW * u64::from(n)) & !x & (LOW << 7) != 0
}

#[cfg(test)]
mod tests {
    use super::defuse;

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

    #[test]
    fn defuses_formula_cells() {
        assert_eq!(defuse("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(defuse("+1 555"), "'+1 555");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("  =1+1"), "'  =1+1");
        assert_eq!(defuse("\tx"), "'\tx");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("\r=1"), "' =1");
        assert_eq!(defuse("\r\nx"), "'  x");
        assert_eq!(defuse("\u{85}=1"), "' =1");
        assert_eq!(defuse("550 5.1.1 user unknown"), "550 5.1.1 user unknown");
        assert_eq!(defuse("a\nb"), "a b");
        assert_eq!(defuse(""), "");
        assert_eq!(
            defuse("a long cell, then a tab:\tand a DEL \x7f"),
            "a long cell, then a tab:\tand a DEL  "
        );
        assert_eq!(
            defuse("C1 control after 8 bytes: \u{9b}"),
            "C1 control after 8 bytes:  "
        );
        assert_eq!(
            defuse("é and ü are no controls"),
            "é and ü are no controls"
        );
    }

    #[test]
    fn long_cells_are_cut_to_what_a_spreadsheet_holds() {
        use super::{cut, CELL_LIMIT};
        let units = |s: &str| s.encode_utf16().count();
        let exact = "x".repeat(CELL_LIMIT);
        assert_eq!(cut(exact.as_str().into()), exact);
        let long = format!("{exact}y");
        assert_eq!(cut(long.as_str().into()), exact);
        // Two-byte characters: cut after 32,767 of them.
        let wide = "é".repeat(CELL_LIMIT + 5);
        let c = cut(wide.as_str().into());
        assert_eq!(c.chars().count(), CELL_LIMIT);
        // Astral characters count twice; never split one.
        let astral = "a".to_string() + &"😀".repeat(CELL_LIMIT);
        let c = cut(astral.into());
        assert_eq!(units(&c), CELL_LIMIT);
        assert!(c.ends_with('😀'));
        // Through the file writer, defused too.
        let dir = tempfile::tempdir().unwrap();
        let mut file =
            super::CsvFile::create(dir.path(), "t.csv", &["h"], false).unwrap();
        let cell = format!("={}", "z".repeat(40_000));
        file.row([cell.as_str()]).unwrap();
        file.finish(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert_eq!(row.len(), CELL_LIMIT);
        assert!(row.starts_with("'="));
    }

    #[test]
    fn the_word_test_finds_every_control_byte() {
        for len in 0..40 {
            for at in 0..len {
                for b in [0u8, 0x09, 0x0a, 0x1f, 0x7f, 0xc2] {
                    let mut v = vec![b'x'; len];
                    v[at] = b;
                    assert!(super::may_hold_controls(&v), "{len} {at} {b}");
                }
            }
            let clean: Vec<u8> =
                (0..len).map(|i| 0x20 + (i * 7 % 0x5f) as u8).collect();
            assert!(!super::may_hold_controls(&clean));
            let ascii =
                |v: &[u8]| !super::any_word(v, super::not_printable_ascii);
            assert!(ascii(&clean));
            for at in 0..len {
                for b in [0u8, 0x09, 0x1f, 0x7f, 0x80, 0xc2, 0xc3, 0xff] {
                    let mut v = clean.clone();
                    v[at] = b;
                    assert!(!ascii(&v), "{len} {at} {b}");
                }
            }
        }
        assert!(!super::may_hold_controls(&[
            0x80, 0xc3, 0xff, 0x7e, 0x20, 0x21, 0xc1, 0xc4, 0x41
        ]));
    }
}
