//! One CSV report file: RFC 4180 through the `csv` crate, cells that a
//! spreadsheet would run as a formula defused, written to a temporary file in
//! the output folder and renamed into place only when the run completes, so
//! that an interrupted run leaves no partial report.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

/// How CSV files are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvStyle {
    /// A UTF-8 byte-order mark and CRLF line ends, for Excel.
    pub excel: bool,
}

/// A CSV file being written.
pub struct CsvFile {
    writer: csv::Writer<BufWriter<NamedTempFile>>,
    name: String,
}

impl CsvFile {
    /// Starts `name` in `dir` with the given header row.
    pub fn create(
        dir: &Path,
        name: &str,
        header: &[&str],
        style: CsvStyle,
    ) -> io::Result<CsvFile> {
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        let mut buf = BufWriter::with_capacity(1 << 16, tmp);
        if style.excel {
            buf.write_all(b"\xEF\xBB\xBF")?;
        }
        let terminator = if style.excel {
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

/// Removes the temporary report files that runs left in `dir` (named
/// `.NAME.csv.XXXXXX.tmp` by [`CsvFile::create`]), for a run that must stop
/// at once. Errors are ignored: this is the last thing before exiting.
pub fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            && name.contains(".csv.")
            && name.ends_with(".tmp")
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Makes a cell safe to open in a spreadsheet: a cell whose first
/// non-blank character is `=`, `+`, `-`, `@`, or that starts with a tab or
/// CR, gets a leading `'` so that it is shown as text. Control characters
/// other than tab become spaces (reports are one line per cell).
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    let clean: std::borrow::Cow<'_, str> =
        if cell.chars().any(|c| c.is_control() && c != '\t') {
            cell.chars()
                .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
                .collect::<String>()
                .into()
        } else {
            cell.into()
        };
    let trimmed = clean.trim_start_matches(' ');
    let risky = clean.starts_with(['\t', '\r'])
        || trimmed.starts_with(['=', '+', '-', '@'])
        || clean.starts_with(['\t', '\r']);
    if risky && !is_number(&clean) {
        format!("'{clean}").into()
    } else {
        clean
    }
}

/// A plain negative number such as `-1` is left alone.
fn is_number(cell: &str) -> bool {
    let t = cell.strip_prefix('-').unwrap_or(cell);
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn defuses_formula_cells() {
        assert_eq!(defuse("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(defuse("+1 555"), "'+1 555");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("  =1+1"), "'  =1+1");
        assert_eq!(defuse("\tx"), "'\tx");
        assert_eq!(defuse("-1"), "-1");
        assert_eq!(defuse("550 5.1.1 user unknown"), "550 5.1.1 user unknown");
        assert_eq!(defuse("a\nb"), "a b");
    }
}
