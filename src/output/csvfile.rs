//! One CSV report file: RFC 4180 through the `csv` crate, cells that a
//! spreadsheet would run as a formula defused, written to a temporary file in
//! the output folder and renamed into place only when the run completes, so
//! that an interrupted run leaves no partial report.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

/// A CSV file being written.
pub struct CsvFile {
    writer: csv::Writer<BufWriter<NamedTempFile>>,
    name: String,
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
        let mut writer =
            csv::WriterBuilder::new().terminator(terminator).from_writer(buf);
        writer.write_record(header)?;
        Ok(CsvFile { writer, name: name.to_string() })
    }

    /// Writes one row of text cells, each defused.
    pub fn row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<()> {
        for cell in cells {
            self.writer.write_field(defuse(cell).as_bytes())?;
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flushes and renames the file into place.
    pub fn finish(self, dir: &Path) -> io::Result<()> {
        let buf = self.writer.into_inner().map_err(|e| e.into_error())?;
        let tmp = buf.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(dir.join(&self.name)).map_err(|e| e.error)?;
        Ok(())
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
    // Most cells start with a letter or digit and hold no control
    // character: they are as they are, and cost one pass over the bytes.
    let first = cell.as_bytes().first().copied().unwrap_or(b'a');
    if !b" \t\r=+-@".contains(&first) && !may_hold_controls(cell.as_bytes()) {
        return Cow::Borrowed(cell);
    }
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

/// A quick test that a cell holds no control character: none of its bytes
/// is below 0x20, 0x7F, or 0xC2 (the first byte of the C1 controls in
/// UTF-8). Eight bytes at a time: this runs on every cell of every row.
fn may_hold_controls(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(8);
    let hit = (&mut blocks).any(|b| {
        let x = u64::from_le_bytes(b.try_into().expect("8 bytes"));
        has_below(x, 0x20) | has_zero(x ^ LOW * 0x7f) | has_zero(x ^ LOW * 0xc2)
    });
    hit || blocks
        .remainder()
        .iter()
        .any(|&b| (b < 0x20) | (b == 0x7f) | (b == 0xc2))
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
    fn the_word_test_finds_every_control_byte() {
        for len in 0..20 {
            for at in 0..len {
                for b in [0u8, 0x09, 0x0a, 0x1f, 0x7f, 0xc2] {
                    let mut v = vec![b'x'; len];
                    v[at] = b;
                    assert!(super::may_hold_controls(&v), "{len} {at} {b}");
                }
            }
            let clean: Vec<u8> =
                (0..len).map(|i| 0x20 + (i as u8 * 7) % 0x5f).collect();
            assert!(!super::may_hold_controls(&clean));
        }
        assert!(!super::may_hold_controls(&[
            0x80, 0xc3, 0xff, 0x7e, 0x20, 0x21, 0xc1, 0xc4, 0x41
        ]));
    }
}
