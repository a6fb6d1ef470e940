//! Splitting an mbox into messages. A separator is a `From ` line at the
//! start of the data or right after a line end (LF, CRLF or lone CR) that
//! has the shape of one (an envelope sender and an asctime-like date) and,
//! except at the start of the data, is followed by a header field line
//! (`Name:`). Lines that merely start with `From ` inside bodies (unquoted
//! mboxo), even ones that copy a whole From_ line, are left in the message:
//! a body line after them is not a header field. Quoting (`>From `) is left
//! as it is: it only ever occurs in bodies, where it does not change what a
//! report says.
//!
//! Big archives are handled in chunks of whole messages: [`cut`] finds where
//! a chunk of a memory-mapped file may end, [`Reader`] hands out such chunks
//! from a stream (a decompressor, stdin) with bounded memory.

use std::io::{self, Read};

use memchr::memmem;

/// One message of an mbox: where it starts in the file and its bytes (the
/// From_ line excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Byte offset of the message's From_ line in the file.
    pub offset: u64,
    /// The message, from its first header to the next separator.
    pub bytes: &'a [u8],
}

/// True when `data` begins with a From_ separator line (after a byte-order
/// mark or blank lines, which some tools write first).
pub fn is_mbox(data: &[u8]) -> bool {
    let at = lead_len(data);
    data[at..].starts_with(b"From ") && is_separator(line_at(data, at))
}

/// Length of a leading UTF-8 byte-order mark and blank lines.
fn lead_len(data: &[u8]) -> usize {
    let rest = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let bom = data.len() - rest.len();
    bom + rest.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

/// Splits `data` (an mbox) into messages. Text before the first separator,
/// if any, becomes a message of its own so that nothing is lost.
pub fn split(data: &[u8]) -> impl Iterator<Item = Piece<'_>> {
    spans(data).map(|s| Piece { offset: s.offset, bytes: &data[s.bytes] })
}

/// Where one message of an mbox is, as [`split`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the message's From_ line in the data.
    pub offset: u64,
    /// Where its bytes are in the data.
    pub bytes: std::ops::Range<usize>,
}

/// The messages of `data` (an mbox) as [`split`] gives them, by position:
/// for splitting ahead of the work, the bytes kept elsewhere.
pub fn spans(data: &[u8]) -> impl Iterator<Item = Span> + '_ {
    let mut starts = separators(data).peekable();
    let mut pending: Option<usize> = None;
    let mut lead = true;
    std::iter::from_fn(move || {
        if lead {
            lead = false;
            let first = starts.peek().copied().unwrap_or(data.len());
            if first > 0 && lead_len(&data[..first]) < first {
                pending = None;
                return Some(Span { offset: 0, bytes: 0..first });
            }
        }
        let start = match pending.take() {
            Some(s) => s,
            None => starts.next()?,
        };
        let end = starts.next();
        pending = end;
        let stop = end.unwrap_or(data.len());
        let body_start = skip_line(data, start).min(stop);
        Some(Span { offset: start as u64, bytes: body_start..stop })
    })
}

/// Where a chunk of whole messages that starts at `from` (a separator, or
/// the start of the data) and is about `target` bytes long ends: the last
/// separator within `target` bytes, else the first one after, else the end.
pub fn cut(data: &[u8], from: usize, target: usize) -> usize {
    let want = from.saturating_add(target.max(1));
    if want >= data.len() {
        return data.len();
    }
    let before = memmem::rfind_iter(&data[from + 1..want], b"From ")
        .map(|at| from + 1 + at)
        .find(|&at| separator_at(data, at));
    before.unwrap_or_else(|| {
        memmem::find_iter(&data[want..], b"From ")
            .map(|at| want + at)
            .find(|&at| separator_at(data, at))
            .unwrap_or(data.len())
    })
}

/// True when a From_ separator line starts at `at`: after a line end,
/// with the shape of one and followed by a header field line.
fn separator_at(data: &[u8], at: usize) -> bool {
    if at > 0 && !matches!(data[at - 1], b'\n' | b'\r') {
        return false;
    }
    let rest = &data[at..];
    let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
    let next = match rest.get(end..) {
        Some([b'\r', b'\n', ..]) => end + 2,
        _ => (end + 1).min(rest.len()),
    };
    is_separator(&rest[..end.min(1000)]) && starts_field(&rest[next..])
}

/// True when `rest` starts with a header field name (printable ASCII, no
/// space or colon) and a colon.
fn starts_field(rest: &[u8]) -> bool {
    let name = rest.iter().take_while(|&&c| c > b' ' && c < 127 && c != b':');
    let n = name.count();
    n > 0 && rest.get(n) == Some(&b':')
}

/// The most one read of a stream asks for (see [`Reader::fill`]).
const READ_STEP: usize = 16 << 10;

/// Reads an mbox from a stream and hands it out in chunks of whole messages
/// of about a target size; only the chunk and the start of the next message
/// are held in memory.
pub struct Reader<R> {
    inner: R,
    buf: Vec<u8>,
    base: u64,
    eof: bool,
    /// A read error, given once what was read before it is handed out
    /// (a truncated compressed file still yields its messages).
    error: Option<io::Error>,
}

/// A chunk of whole messages read from a stream.
pub struct Chunk {
    /// Offset of its first byte in the stream.
    pub base: u64,
    /// The bytes: [`split`] them.
    pub data: Vec<u8>,
}

impl<R: Read> Reader<R> {
    /// Starts reading `inner`.
    pub fn new(inner: R) -> Reader<R> {
        Reader { inner, buf: Vec::new(), base: 0, eof: false, error: None }
    }

    /// Reads until `n` bytes are buffered or the stream ends. A read error
    /// ends the stream and is kept for later. Each read asks for at most
    /// [`READ_STEP`] bytes: a decompressor that meets damage drops what it
    /// decoded in the read that fails, so a small read loses little.
    fn fill(&mut self, n: usize) {
        while !self.eof && self.buf.len() < n {
            let want = (n - self.buf.len()).min(READ_STEP) as u64;
            match (&mut self.inner).take(want).read_to_end(&mut self.buf) {
                Ok(got) => self.eof = got == 0,
                Err(e) => {
                    self.eof = true;
                    self.error = Some(e);
                }
            }
        }
    }

    /// True when the stream starts with a From_ line (reads its start).
    pub fn starts_mbox(&mut self) -> bool {
        self.fill(4096);
        is_mbox(&self.buf)
    }

    /// Everything not handed out yet, read to the end (a single message),
    /// with the read error that ended it early, if one did.
    pub fn rest(mut self) -> (Vec<u8>, Option<io::Error>) {
        self.fill(usize::MAX);
        (self.buf, self.error)
    }

    /// The next chunk of about `target` bytes of whole messages, or `None`
    /// at the end. A message bigger than `target` makes a bigger chunk. A
    /// read error ends the stream: the bytes read before it make a last
    /// chunk, and the error comes on the call after that.
    pub fn next_chunk(&mut self, target: usize) -> io::Result<Option<Chunk>> {
        let mut target = target.max(1);
        loop {
            self.fill(target);
            if self.buf.is_empty() {
                return match self.error.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            let end = if self.eof {
                Some(self.buf.len())
            } else {
                last_complete_separator(&self.buf)
            };
            if let Some(end) = end {
                let rest = self.buf[end..].to_vec();
                let mut data = std::mem::replace(&mut self.buf, rest);
                data.truncate(end);
                let base = self.base;
                self.base += end as u64;
                return Ok(Some(Chunk { base, data }));
            }
            target = target.saturating_mul(2);
        }
    }
}

/// The last separator after the start of `buf` whose line and the line
/// after it are complete (so that more data cannot change the answer).
fn last_complete_separator(buf: &[u8]) -> Option<usize> {
    memmem::rfind_iter(&buf[1..], b"From ").map(|at| at + 1).find(|&at| {
        let next = skip_line(buf, at);
        next < buf.len()
            && memchr::memchr2(b'\n', b'\r', &buf[next..]).is_some()
            && separator_at(buf, at)
    })
}

/// Offsets of every separator line.
fn separators(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let lead = lead_len(data);
    memmem::find_iter(data, b"From ").filter(move |&at| {
        separator_at(data, at) || at == lead && is_separator(line_at(data, at))
    })
}

/// The line that starts at `at`, without its line end.
fn line_at(data: &[u8], at: usize) -> &[u8] {
    let rest = &data[at..];
    let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
    &rest[..end.min(1000)]
}

/// The offset just past the line that starts at `at`.
fn skip_line(data: &[u8], at: usize) -> usize {
    let rest = &data[at..];
    match memchr::memchr2(b'\n', b'\r', rest) {
        None => data.len(),
        Some(i) if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') => {
            at + i + 2
        }
        Some(i) => at + i + 1,
    }
}

/// True for `From <sender> <date>` where the date has a time of day
/// (`hh:mm`) and a four-digit year.
fn is_separator(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else { return false };
    let rest = trim_start(rest);
    let Some(sp) = rest.iter().position(|&c| c == b' ') else { return false };
    if sp == 0 {
        return false;
    }
    let date = &rest[sp..];
    asctime_end(date) || has_time(date) && has_year(date)
}

/// True when `date` ends as asctime's date does, ` hh:mm:ss yyyy` with a
/// year starting with 1 or 2: [`has_time`] and [`has_year`] then hold, and
/// nearly every From_ line is told at once.
fn asctime_end(date: &[u8]) -> bool {
    let Some(at) = date.len().checked_sub(14) else { return false };
    let t = &date[at..];
    let d = |i: usize| t[i].is_ascii_digit();
    t[0] == b' '
        && d(1)
        && d(2)
        && t[3] == b':'
        && d(4)
        && d(5)
        && t[6] == b':'
        && d(7)
        && d(8)
        && t[9] == b' '
        && matches!(t[10], b'1' | b'2')
        && d(11)
        && d(12)
        && d(13)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| **c == b' ').count();
    &s[n..]
}

fn has_time(s: &[u8]) -> bool {
    s.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    }) || s.windows(4).any(|w| {
        w[0] == b' '
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
    })
}

fn has_year(s: &[u8]) -> bool {
    s.split(|c| !c.is_ascii_digit())
        .any(|w| w.len() == 4 && (w[0] == b'1' || w[0] == b'2'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &[u8] = b"From MAILER-DAEMON Thu Sep 18 17:54:04 2008\n\
Subject: one\n\nbody\nFrom here on, we talk.\n\n\
From MAILER-DAEMON  Wed Sep 17 22:25:40 2008\nSubject: two\n\nx\n";

    /// Reads `TWO`, then fails (a truncated compressed file).
    struct Truncated(usize);

    impl Read for Truncated {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let rest = &TWO[self.0..];
            if rest.is_empty() {
                return Err(io::Error::other("incomplete stream"));
            }
            let n = rest.len().min(out.len()).min(10);
            out[..n].copy_from_slice(&rest[..n]);
            self.0 += n;
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_comes_after_the_messages_read_before_it() {
        let mut reader = Reader::new(Truncated(0));
        let chunk = reader.next_chunk(1 << 20).unwrap().unwrap();
        assert_eq!(chunk.data, TWO);
        assert_eq!(split(&chunk.data).count(), 2);
        let err = reader.next_chunk(1 << 20).err().unwrap();
        assert_eq!(err.to_string(), "incomplete stream");
        assert!(reader.next_chunk(1 << 20).unwrap().is_none());
        let (bytes, err) = Reader::new(Truncated(0)).rest();
        assert_eq!(bytes, TWO);
        assert_eq!(err.unwrap().to_string(), "incomplete stream");
    }

    #[test]
    fn a_damaged_stream_loses_little_of_what_it_decoded() {
        use std::io::{BufReader, Write};
        let mbox: Vec<u8> = (0..4000)
            .flat_map(|i| {
                format!(
                    "From a@example.com Mon Jan  1 00:00:00 2024\n\
                     Subject: message {i}\n\n{}\n",
                    format!("line {i} of a body\n").repeat(i % 97 + 1)
                )
                .into_bytes()
            })
            .collect();
        let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
        xz.write_all(&mbox).unwrap();
        let mut xz = xz.finish().unwrap();
        let at = xz.len() / 2;
        xz[at..at + 16].fill(0x55);
        let same = |out: &[u8]| {
            out.iter().zip(&mbox).take_while(|(a, b)| a == b).count()
        };
        let decoder = |data| {
            let input = BufReader::with_capacity(1 << 16, data);
            liblzma::bufread::XzDecoder::new_multi_decoder(input)
        };
        // What the decoder gives before the damage, read 512 bytes at a
        // time (past that it may give junk).
        let (mut small, mut piece) = (decoder(&xz[..]), [0; 512]);
        let mut out = Vec::new();
        while let Ok(n @ 1..) = small.read(&mut piece) {
            out.extend_from_slice(&piece[..n]);
        }
        let decodable = same(&out);
        assert!(decodable > mbox.len() / 4 && decodable < mbox.len());
        let mut reader = Reader::new(decoder(&xz[..]));
        let mut read = Vec::new();
        let error = loop {
            match reader.next_chunk(4 << 20) {
                Ok(Some(chunk)) => read.extend_from_slice(&chunk.data),
                Ok(None) => panic!("the damage went unreported"),
                Err(e) => break e,
            }
        };
        let got = same(&read);
        assert!(got + (16 << 10) >= decodable, "{got} of {decodable}: {error}");
    }

    #[test]
    fn splits_on_separators_only() {
        let pieces: Vec<_> = split(TWO).collect();
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].bytes.starts_with(b"Subject: one"));
        assert!(pieces[0].bytes.ends_with(b"we talk.\n\n"));
        let second = memmem::find(TWO, b"From MAILER-DAEMON  Wed").unwrap();
        assert_eq!(pieces[1].offset, second as u64);
        assert!(pieces[1].bytes.starts_with(b"Subject: two"));
    }

    #[test]
    fn handles_crlf_and_lone_cr() {
        let crlf =
            String::from_utf8(TWO.to_vec()).unwrap().replace('\n', "\r\n");
        let pieces: Vec<_> = split(crlf.as_bytes()).collect();
        assert_eq!(pieces.len(), 2);
        assert!(pieces[1].bytes.starts_with(b"Subject: two\r\n"));
        let cr = String::from_utf8(TWO.to_vec()).unwrap().replace('\n', "\r");
        assert_eq!(split(cr.as_bytes()).count(), 2);
    }

    #[test]
    fn keeps_leading_text_and_detects_mbox() {
        assert!(is_mbox(TWO));
        assert!(!is_mbox(b"From: someone@example.com\n"));
        let data =
            b"junk before\nFrom a@example.com Mon Jan  5 00:00:00 2015\nX: y\n";
        let pieces: Vec<_> = split(data).collect();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].offset, 0);
        assert_eq!(pieces[1].offset, 12);
    }

    /// An mbox of `n` messages, with unquoted "From " lines in bodies.
    fn archive(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..n {
            out.extend_from_slice(
                format!(
                    "From MAILER-DAEMON Thu Sep 18 17:54:{:02} 2008\n\
                     Subject: {i}\n\nFrom here on, {}\n\n",
                    i % 60,
                    "x".repeat(i % 97)
                )
                .as_bytes(),
            );
        }
        out
    }

    #[test]
    fn chunks_hold_whole_messages() {
        let data = archive(500);
        let whole: Vec<_> = split(&data).collect();
        assert_eq!(whole.len(), 500);
        for target in [1, 100, 999, 4096, 1 << 20] {
            let mut from = 0;
            let mut pieces = Vec::new();
            while from < data.len() {
                let end = cut(&data, from, target);
                assert!(end > from);
                pieces.extend(
                    split(&data[from..end])
                        .map(|p| Piece { offset: p.offset + from as u64, ..p }),
                );
                from = end;
            }
            assert_eq!(pieces, whole, "cut with target {target}");
            let mut reader = Reader::new(&data[..]);
            assert!(reader.starts_mbox());
            let mut streamed = Vec::new();
            while let Some(c) = reader.next_chunk(target).unwrap() {
                for p in split(&c.data) {
                    streamed.push((p.offset + c.base, p.bytes.to_vec()));
                }
            }
            let expected: Vec<_> =
                whole.iter().map(|p| (p.offset, p.bytes.to_vec())).collect();
            assert_eq!(streamed, expected, "reader with target {target}");
        }
    }

    #[test]
    fn from_lines_in_bodies_stay_in_the_message() {
        let data = b"From MAILER-DAEMON Mon Sep 14 10:15:00 2026\n\
Subject: bounce\n\n\
From bob@example.com Mon Sep 14 10:13:00 2026\n\
the mail to bob@example.com failed\n\
From carol@example.com  Mon Sep 14 10:14:00 2026\n\n\
From MAILER-DAEMON Mon Sep 14 10:16:00 2026\n\
Return-Path: <>\n\nsecond\n";
        let pieces: Vec<_> = split(data).collect();
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].bytes.ends_with(b"10:14:00 2026\n\n"));
        assert!(pieces[1].bytes.starts_with(b"Return-Path: <>\n"));
        let second = pieces[1].offset;
        for target in 1..data.len() + 1 {
            assert!(cut(data, 0, target) as u64 >= second);
            let mut reader = Reader::new(&data[..]);
            let mut bases = Vec::new();
            while let Some(c) = reader.next_chunk(target).unwrap() {
                bases.push(c.base);
            }
            assert!(bases.iter().all(|&b| b == 0 || b == second));
        }
    }

    /// The asctime shortcut answers as the full reading of the date does.
    #[test]
    fn separators_read_as_the_full_reading_reads_them() {
        use proptest::prelude::*;
        const PIECES: &[&str] = &[
            " ",
            "MAILER-DAEMON",
            "a@b",
            "Thu Sep 18",
            "17:54:04",
            "2008",
            "1999",
            "3008",
            "20080",
            "9:5",
            "12:3",
            ":",
            "x",
            "7",
            "-",
        ];
        let full = |line: &[u8]| {
            let Some(rest) = line.strip_prefix(b"From ") else { return false };
            let rest = trim_start(rest);
            match rest.iter().position(|&c| c == b' ') {
                Some(sp) if sp > 0 => {
                    has_time(&rest[sp..]) && has_year(&rest[sp..])
                }
                _ => false,
            }
        };
        let config = ProptestConfig::with_cases(20000);
        proptest!(config, |(ids in prop::collection::vec(0..PIECES.len(), 0..12))| {
            let line = format!(
                "From {}",
                ids.iter().map(|&i| PIECES[i]).collect::<String>()
            );
            prop_assert_eq!(is_separator(line.as_bytes()), full(line.as_bytes()));
        });
        let asctime = b"From MAILER-DAEMON Thu Sep 18 17:54:04 2008";
        assert!(is_separator(asctime) && asctime_end(&asctime[18..]));
    }

    #[test]
    fn thunderbird_and_bare_separators() {
        assert!(is_separator(b"From - Tue Sep 18 10:00:00 2012"));
        assert!(!is_separator(b"From the desk of the editor"));
        assert!(!is_separator(b"From: a@example.com"));
    }
}
