//! One cell of a CSV report made safe for a spreadsheet ([`defuse`],
//! [`cut`]), and what [`prepare`] learns of it on the way: whether the
//! `csv` writer must quote it, so that rows formatted by the workers skip
//! the writer's own scan of every byte for cells known to need none.

use std::borrow::Cow;

/// Whether a prepared cell needs quoting, as far as [`prepare`] knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Printable ASCII without comma or double quote: never quoted.
    No,
    /// Printable ASCII with a comma or a double quote: always quoted.
    Yes,
    /// Anything else (changed by [`defuse`] or [`cut`], non-ASCII): the
    /// `csv` writer's own test decides.
    Ask,
}

/// The cell as [`cut`]`(`[`defuse`]`(cell))` makes it, and whether it needs
/// quoting. One pass over the bytes tells both, for most cells.
#[inline]
pub fn prepare(cell: &str) -> (Cow<'_, str>, Quoting) {
    let found = marks(cell.as_bytes());
    if risky_start(cell) || found & ODD != 0 || cell.len() > CELL_LIMIT {
        return (cut(defuse_slow(cell)), Quoting::Ask);
    }
    let quoting = if found != 0 { Quoting::Yes } else { Quoting::No };
    (Cow::Borrowed(cell), quoting)
}

/// A mark of [`marks`]: a byte that is not printable ASCII (below 0x20,
/// above 0x7E).
const ODD: u32 = 1;
/// A mark of [`marks`]: a comma or a double quote.
const SPECIAL: u32 = 2;

/// [`ODD`] and [`SPECIAL`] as the bytes of a cell hold them.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn marks(bytes: &[u8]) -> u32 {
    // SAFETY: built only for targets with SSE2 (every x86-64 processor).
    unsafe { marks_sse2(bytes) }
}

/// [`marks`] sixteen bytes at a time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn marks_sse2(bytes: &[u8]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x,
    };
    let test = |v: __m128i| {
        let odd = _mm_or_si128(
            _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
        );
        let special = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
        );
        (odd, special)
    };
    let n = bytes.len();
    let (odd, special) = if n >= 16 {
        let chunk = |at: usize| {
            let c: &[u8; 16] = bytes[at..at + 16].try_into().expect("16");
            // SAFETY: reads the 16 bytes of `c`, unaligned.
            unsafe { _mm_loadu_si128(c.as_ptr().cast()) }
        };
        let (mut odd, mut special) = test(chunk(n - 16));
        let mut at = 0;
        while at + 16 < n {
            let (o, s) = test(chunk(at));
            odd = _mm_or_si128(odd, o);
            special = _mm_or_si128(special, s);
            at += 16;
        }
        (odd, special)
    } else if n > 0 {
        let [lo, hi] = short_words(bytes);
        test(_mm_set_epi64x(hi as i64, lo as i64))
    } else {
        return 0;
    };
    let odd = u32::from(_mm_movemask_epi8(odd) != 0);
    let special = u32::from(_mm_movemask_epi8(special) != 0);
    odd * ODD | special * SPECIAL
}

/// [`marks`] eight bytes at a time, where SSE2 is not there.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2"),
    allow(dead_code)
)]
fn marks_by_words(bytes: &[u8]) -> u32 {
    let mark = |x: u64| {
        let odd = x.wrapping_sub(LOW * 0x20) & !x | x.wrapping_add(LOW) | x;
        let (comma, quote) = (x ^ (LOW * 0x2c), x ^ (LOW * 0x22));
        let special =
            comma.wrapping_sub(LOW) & !comma | quote.wrapping_sub(LOW) & !quote;
        [odd & HIGH, special & HIGH]
    };
    let n = bytes.len();
    let [odd, special] = if n >= 16 {
        let word = |at: usize| {
            u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8"))
        };
        let mut found = mark(word(n - 8));
        let mut at = 0;
        while at + 8 < n {
            let [o, s] = mark(word(at));
            found = [found[0] | o, found[1] | s];
            at += 8;
        }
        found
    } else if n > 0 {
        let [lo, hi] = short_words(bytes);
        let ([a, b], [c, d]) = (mark(lo), mark(hi));
        [a | c, b | d]
    } else {
        [0, 0]
    };
    u32::from(odd != 0) * ODD | u32::from(special != 0) * SPECIAL
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use marks_by_words as marks;

/// A cell of 1 to 15 bytes as two words holding every byte of it (and
/// no other): overlapping when 8 or more, else one word given twice.
fn short_words(bytes: &[u8]) -> [u64; 2] {
    let n = bytes.len();
    if n >= 8 {
        let word = |at: usize| {
            u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8"))
        };
        [word(0), word(n - 8)]
    } else if n >= 4 {
        let half = |at: usize| {
            let b: [u8; 4] = bytes[at..at + 4].try_into().expect("4 bytes");
            u64::from(u32::from_le_bytes(b))
        };
        let w = half(0) | half(n - 4) << 32;
        [w, w]
    } else {
        let (a, b, c) = (bytes[0], bytes[n / 2], bytes[n - 1]);
        let w = u64::from_le_bytes([a, b, c, a, a, a, a, a]);
        [w, w]
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
    if !risky_start(cell) && !any_word(cell.as_bytes(), not_printable_ascii) {
        return Cow::Borrowed(cell);
    }
    defuse_slow(cell)
}

/// Whether the first byte of `cell` is one a defused cell may start with
/// (a blank before a formula sign, or the sign): the quick test, before
/// [`defuse_slow`] looks closer.
fn risky_start(cell: &str) -> bool {
    let first = cell.as_bytes().first().copied().unwrap_or(b'a');
    matches!(first, b' ' | b'\t' | b'\r' | b'=' | b'+' | b'-' | b'@')
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
    } else if n > 0 {
        // Under eight bytes, both words are the same one.
        hit(short_words(bytes)[0])
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

/// The high bit of every byte of a word.
const HIGH: u64 = LOW << 7;

#[cfg(test)]
mod tests {
    use super::{defuse, prepare, Quoting};
    use crate::output::csvfile::CsvFile;

    /// Pieces of cells: plain text, the bytes the quoting and defusing look
    /// for, non-ASCII and controls (C0, DEL, C1), risky starts.
    const PIECES: &[&str] = &[
        "a",
        "user@example.com",
        "550 5.1.1",
        ",",
        "\"",
        "\n",
        "\r",
        "\t",
        " ",
        "=",
        "-",
        "+",
        "@",
        "é",
        "\u{85}",
        "\x7f",
        "\x1f",
        "~",
        "0",
        "', '",
        "xxxxxxxxxxxxxxx",
    ];

    /// Whether the `csv` writer (quoting where needed) quotes `cell`, by
    /// its own test.
    fn csv_quotes(cell: &str) -> bool {
        let core = csv_core::WriterBuilder::new().build();
        core.should_quote(cell.as_bytes())
    }

    #[test]
    fn prepared_cells_are_defused_cells_and_know_their_quoting() {
        use proptest::prelude::*;
        let config = ProptestConfig::with_cases(20000);
        proptest!(config, |(ids in prop::collection::vec(0..PIECES.len(), 0..24))| {
            let cell: String = ids.iter().map(|&i| PIECES[i]).collect();
            let (prepared, quoting) = prepare(&cell);
            let plain = super::cut(defuse(&cell));
            prop_assert_eq!(&prepared, &plain);
            match quoting {
                Quoting::No => prop_assert!(!csv_quotes(&plain)),
                Quoting::Yes => prop_assert!(csv_quotes(&plain)),
                Quoting::Ask => {}
            }
            // Printable ASCII, not risky: always known.
            let printable = plain.bytes().all(|b| (0x20..0x7f).contains(&b));
            if printable && plain == cell {
                prop_assert!(quoting != Quoting::Ask || cell.starts_with(' '));
            }
        });
    }

    #[test]
    fn marks_find_every_byte_they_look_for() {
        use super::{marks, marks_by_words, ODD, SPECIAL};
        let plain = |v: &[u8]| {
            let odd = v.iter().any(|&b| !(0x20..0x7f).contains(&b));
            let special = v.iter().any(|&b| b == b',' || b == b'"');
            u32::from(odd) * ODD | u32::from(special) * SPECIAL
        };
        for len in 0..70 {
            let clean: Vec<u8> = (0..len)
                .map(|i| {
                    [b'a', b' ', b'~', b'!', b'#', b'+', b'-', b'0'][i % 8]
                })
                .collect();
            assert_eq!(marks(&clean), 0, "{len}");
            assert_eq!(marks_by_words(&clean), 0, "{len}");
            for at in 0..len {
                for b in [0u8, 0x09, 0x1f, b',', b'"', 0x7f, 0x80, 0xc2, 0xff] {
                    let mut v = clean.clone();
                    v[at] = b;
                    assert_eq!(marks(&v), plain(&v), "{len} {at} {b}");
                    assert_eq!(marks_by_words(&v), plain(&v), "{len} {at} {b}");
                    v[len - 1 - at] = b'"';
                    assert_eq!(marks(&v), plain(&v), "{len} {at} {b} \"");
                    assert_eq!(marks_by_words(&v), plain(&v), "{len} {at} {b}");
                }
            }
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
            CsvFile::create(dir.path(), "t.csv", &["h"], false).unwrap();
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
