//! The cells and lines of the CSV reports: cells that a spreadsheet would
//! run as a formula defused, cells cut to what a spreadsheet cell holds,
//! and lines made as the `csv` crate's writer makes them (a test in
//! `csvfile` holds the bytes to the crate's), by a formatter that any
//! thread can use.

use std::borrow::Cow;
use std::io;

/// Turns rows into the bytes of `bounces.csv` lines, on any thread: the
/// workers format their rows while the data is in their cache, and the
/// one writer only copies bytes. The bytes are those of the `csv` crate's
/// writer with its default settings (a cell is quoted when it holds a
/// comma, a quote or a line end; a quote is doubled; a line of one empty
/// cell is `""`), made directly.
#[derive(Debug, Clone, Copy)]
pub struct Formatter {
    excel: bool,
}

impl Formatter {
    /// A formatter for files made with `excel` as
    /// [`CsvFile::create`](super::csvfile::CsvFile::create) has it.
    pub fn new(excel: bool) -> Formatter {
        Formatter { excel }
    }

    /// Appends to `out` each row of cells, each cell defused.
    pub fn rows<'a, R, C>(&self, rows: R, out: &mut Vec<u8>) -> io::Result<()>
    where
        R: IntoIterator<Item = C>,
        C: AsRef<[&'a str]>,
    {
        for row in rows {
            let cells = row.as_ref();
            // Room for the cells as they are, their commas and a few quotes.
            let size: usize = cells.iter().map(|c| c.len()).sum();
            out.reserve(size + 2 * cells.len() + 8);
            self.row(cells.iter().copied(), out);
        }
        Ok(())
    }

    /// Appends one row of cells, each defused.
    pub(super) fn row<'a>(
        &self,
        cells: impl IntoIterator<Item = &'a str>,
        out: &mut Vec<u8>,
    ) {
        self.line(cells.into_iter().map(|c| CellText::Defuse(c)), out);
    }

    /// Appends one line of cells.
    pub(super) fn line<'a, T: Into<CellText<'a>>>(
        &self,
        cells: impl IntoIterator<Item = T>,
        out: &mut Vec<u8>,
    ) {
        let start = out.len();
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match c.into() {
                CellText::Defuse(c) => push_cell(out, c),
                CellText::AsIs(c) => push_quoted(out, c),
            }
        }
        if out.len() == start {
            // A record of one empty cell is written as an empty quoted
            // cell, so that the line is not blank.
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(if self.excel { b"\r\n" } else { b"\n" });
    }
}

/// A cell's text, defused or written as it is.
pub(super) enum CellText<'a> {
    Defuse(&'a str),
    AsIs(&'a [u8]),
}

impl<'a> From<&'a [u8]> for CellText<'a> {
    fn from(c: &'a [u8]) -> Self {
        CellText::AsIs(c)
    }
}

/// Appends one cell, defused, cut and quoted when it must be. Most cells
/// need none of that, which one pass over their bytes tells.
fn push_cell(out: &mut Vec<u8>, cell: &str) {
    let bytes = cell.as_bytes();
    let first = bytes.first().copied().unwrap_or(b'a');
    if !matches!(first, b' ' | b'\t' | b'\r' | b'=' | b'+' | b'-' | b'@')
        && bytes.len() <= CELL_LIMIT
        && !may_need_care(bytes)
    {
        out.extend_from_slice(bytes);
        return;
    }
    push_quoted(out, cut(defuse(cell)).as_bytes());
}

/// Appends one cell as it is, quoted when it holds a comma, a quote or a
/// line end.
fn push_quoted(out: &mut Vec<u8>, cell: &[u8]) {
    let quoted = memchr::memchr3(b',', b'"', b'\n', cell).is_some()
        || memchr::memchr(b'\r', cell).is_some();
    if !quoted {
        out.extend_from_slice(cell);
        return;
    }
    out.push(b'"');
    let mut rest = cell;
    while let Some(p) = memchr::memchr(b'"', rest) {
        out.extend_from_slice(&rest[..=p]);
        out.push(b'"');
        rest = &rest[p + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
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

/// The most characters a spreadsheet cell holds (Excel's and LibreOffice's
/// limit), counted as they count them: in UTF-16 code units.
pub const CELL_LIMIT: usize = 32_767;

/// Cuts a cell to at most [`CELL_LIMIT`] characters, on a character
/// boundary, so that a spreadsheet neither refuses the file nor spills
/// the rest of the cell into other cells.
pub fn cut(cell: Cow<'_, str>) -> Cow<'_, str> {
    // No more bytes than the limit: no more UTF-16 units either.
    if cell.len() <= CELL_LIMIT {
        return cell;
    }
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

/// [`may_hold_controls`], or a comma or a quote (which make a CSV cell
/// quoted). Eight bytes at a time, the last eight too.
fn may_need_care(bytes: &[u8]) -> bool {
    let care = |x: u64| {
        has_below(x, 0x20)
            | has_zero(x ^ LOW * 0x7f)
            | has_zero(x ^ LOW * 0xc2)
            | has_zero(x ^ LOW * u64::from(b','))
            | has_zero(x ^ LOW * u64::from(b'"'))
    };
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    if bytes.len() < 8 {
        return bytes.iter().any(|&b| {
            (b < 0x20) | (b == 0x7f) | (b == 0xc2) | (b == b',') | (b == b'"')
        });
    }
    let mut blocks = bytes.chunks_exact(8);
    // Then the last eight bytes, which may overlap the blocks tested.
    (&mut blocks).any(|b| care(word(b)))
        || !blocks.remainder().is_empty()
            && care(word(&bytes[bytes.len() - 8..]))
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
                for b in [0u8, 0x09, 0x0a, 0x1f, 0x7f, 0xc2, b',', b'"'] {
                    let mut v = vec![b'x'; len];
                    v[at] = b;
                    let control = ![b',', b'"'].contains(&b);
                    assert_eq!(super::may_hold_controls(&v), control);
                    assert!(super::may_need_care(&v), "{len} {at} {b}");
                }
            }
            let clean: Vec<u8> =
                (0..len).map(|i| 0x20 + (i as u8 * 7) % 0x5f).collect();
            assert!(!super::may_hold_controls(&clean));
            let plain: Vec<u8> = (0..len).map(|i| b'a' + i as u8).collect();
            assert!(!super::may_need_care(&plain));
        }
        assert!(!super::may_hold_controls(&[
            0x80, 0xc3, 0xff, 0x7e, 0x20, 0x21, 0xc1, 0xc4, 0x41
        ]));
    }
}
