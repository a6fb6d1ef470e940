//! One CSV report file: RFC 4180 as the `csv` crate writes it (the lines
//! are made by `cells`; a test here holds them to the crate's bytes),
//! written to a temporary file in the output folder and renamed into place
//! only when the run completes, so that an interrupted run leaves no
//! partial report.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use super::cells::Formatter;

/// A CSV file being written.
pub struct CsvFile {
    out: BufWriter<NamedTempFile>,
    format: Formatter,
    /// The line being made, reused.
    line: Vec<u8>,
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
        let mut out = BufWriter::with_capacity(1 << 16, temp_in(dir, name)?);
        if excel {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let format = Formatter::new(excel);
        let mut line = Vec::new();
        // The column names are ours: quoted if need be, never defused.
        format.line(header.iter().map(|h| h.as_bytes()), &mut line);
        out.write_all(&line)?;
        Ok(CsvFile { out, format, line, name: name.to_string() })
    }

    /// Writes one row of text cells, each defused.
    pub fn row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> io::Result<()> {
        self.line.clear();
        self.format.row(cells, &mut self.line);
        self.out.write_all(&self.line)
    }

    /// Writes rows that [`Formatter::rows`] already turned into bytes.
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    /// Flushes and renames the file into place.
    pub fn finish(self, dir: &Path) -> io::Result<()> {
        let tmp = self.out.into_inner().map_err(|e| e.into_error())?;
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

#[cfg(test)]
mod tests {
    use super::super::cells::{cut, defuse, Formatter, CELL_LIMIT};

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
        let rows = [
            vec!["a", "=1", "x,y", "say \"hi\"", "line\nend", ""],
            vec!["", "", "", "", "", ""],
            vec!["\"", "a\"\"b,", "cr\rlf\r\n", "\"x\"", ",", "ü\"é"],
            vec!["é", "-2", " @x", "\tz", "ok", "last"],
        ];
        let single = [vec![""], vec!["x"], vec!["\""], vec![""]];
        for excel in [false, true] {
            same_bytes(&rows, excel);
            same_bytes(&single, excel);
        }
    }

    /// The rows written by [`super::CsvFile::row`], and by
    /// [`Formatter::rows`] then [`super::CsvFile::raw`], are the
    /// bytes the `csv` crate writes for the defused cells.
    fn same_bytes(rows: &[Vec<&str>], excel: bool) {
        let mut header = vec!["h"; rows[0].len()];
        header[0] = "h,\"1\"";
        let mut want = Vec::new();
        if excel {
            want.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let terminator = if excel {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        };
        let mut w = csv::WriterBuilder::new()
            .terminator(terminator)
            .from_writer(&mut want);
        w.write_record(&header).unwrap();
        for r in rows {
            w.write_record(r.iter().map(|c| cut(defuse(c)).into_owned()))
                .unwrap();
        }
        drop(w);

        let dir = tempfile::tempdir().unwrap();
        let mut file =
            super::CsvFile::create(dir.path(), "t.csv", &header, excel)
                .unwrap();
        for r in rows {
            file.row(r.iter().copied()).unwrap();
        }
        file.finish(dir.path()).unwrap();
        let written = std::fs::read(dir.path().join("t.csv")).unwrap();
        assert_eq!(String::from_utf8(written), String::from_utf8(want.clone()));

        let mut file =
            super::CsvFile::create(dir.path(), "u.csv", &header, excel)
                .unwrap();
        let mut bytes = Vec::new();
        let f = Formatter::new(excel);
        let last = rows.len() - 1;
        f.rows(&rows[..last], &mut bytes).unwrap();
        file.raw(&bytes).unwrap();
        file.row(rows[last].iter().copied()).unwrap();
        file.finish(dir.path()).unwrap();
        let raw = std::fs::read(dir.path().join("u.csv")).unwrap();
        assert_eq!(String::from_utf8(raw), String::from_utf8(want));
    }

    #[test]
    fn long_cells_are_cut_to_what_a_spreadsheet_holds() {
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
}
