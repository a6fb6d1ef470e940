//! Quoted-printable HTML bodies decoded without what the HTML reading
//! (`html_to_text`) drops whole: the attributes of tags, the contents of
//! `style` and `script` elements, comments. Those are found in the
//! encoded bytes, where they are sure to be what the reading drops, and
//! the rest is decoded by mail-parser's decoder as one piece (see `qp`),
//! so that the reading of the part is the same, for less decoding (the
//! style sheets and inline styles of some bounces are most of their 60
//! KB). Where anything is unclear, the scan stops and the rest is decoded
//! as it is.
//!
//! Why the reading is the same: the decoder is a byte state machine. Each
//! piece taken out starts after and ends before a plain byte (no `=`, CR,
//! LF or white space), where the decoder has nothing pending, and every
//! `=` in it is a well-formed escape or soft line break, so it decodes
//! without failing and leaves nothing pending either; its only effect on
//! what follows, a CR that makes later line ends CR LF, is kept by a CR
//! put in its place. Every `=` before the scan stops is read as such, so
//! the scan knows the decoded text around each cut: no escape gives a `<`
//! (or `>`, `-`) where it would matter, no soft line break or CR joins
//! bytes that would matter. Charsets that read each ASCII byte as itself
//! keep that text's structure (a byte above ASCII never reads as ASCII).

use mail_parser::decoders::quoted_printable::quoted_printable_decode_char;
use mail_parser::parsers::MessageStream;

use super::qp;

/// The body of a text/html part, as `qp::decode` decodes it but for
/// pieces that `html_to_text` would drop whole (its reading of the result
/// is the same). `given` is the part's Content-Type (see `ContentType`).
pub(super) fn decode(
    raw: &[u8],
    body: usize,
    end: usize,
    boundary: Option<&[u8]>,
    given: Option<(&[u8], usize, usize)>,
) -> Option<Vec<u8>> {
    let text = raw.get(body..end)?;
    let delimited = boundary.is_some();
    // A soft line break before the delimiter makes the parser's decoder
    // take back decoded bytes, not the line end (see `qp::by_slice`).
    let soft_end = delimited
        && text
            .strip_suffix(b"\n")
            .is_some_and(|t| t.trim_ascii_end().ends_with(b"="));
    let cuts = match ascii_charset(raw, given) && !soft_end {
        true => drops(text),
        false => Vec::new(),
    };
    if cuts.is_empty() {
        return qp::decode(raw, body, end, boundary);
    }
    let mut kept = Vec::with_capacity(text.len() + 1);
    let mut at = 0;
    for (from, to) in cuts {
        kept.extend_from_slice(&text[at..from]);
        if memchr::memchr(b'\r', &text[from..to]).is_some() {
            kept.push(b'\r');
        }
        at = to;
    }
    kept.extend_from_slice(&text[at..]);
    let decoded = if delimited {
        // With the delimiter's first `-`, as `qp::by_slice` reads it.
        kept.push(*raw.get(end)?);
        qp::by_slice(&kept, 0, kept.len() - 1, true)
    } else {
        qp::by_slice(&kept, 0, kept.len(), false)
    };
    decoded.or_else(|| qp::decode(raw, body, end, boundary))
}

/// True when the part's text is decoded from a charset that reads each
/// ASCII byte as itself and no other byte as ASCII (or none is named).
fn ascii_charset(raw: &[u8], given: Option<(&[u8], usize, usize)>) -> bool {
    let Some((_, at, _)) = given else {
        return true;
    };
    let ct = MessageStream::new(&raw[at..]).parse_content_type();
    let charset = ct.as_content_type().and_then(|ct| ct.attribute("charset"));
    charset.is_none_or(super::super::ascii_based)
}

/// The pieces `from..to` of the encoded HTML `t` that `html_to_text`
/// drops whole, in order, found as it reads the decoded text.
pub(super) fn drops(t: &[u8]) -> Vec<(usize, usize)> {
    let mut drops = Vec::new();
    let mut at = 0;
    while let Some(next) = step(t, at, &mut drops) {
        at = next;
    }
    drops
}

/// Reads from `at` (outside any tag) through the next tag, comment or
/// element of style or script, adding what is dropped of it to `drops`.
/// Where to go on, or `None` to stop.
fn step(t: &[u8], at: usize, drops: &mut Vec<(usize, usize)>) -> Option<usize> {
    let open = next_of(t, at, b'<')?;
    if let Some((dashes, after)) = comment_start(t, open + 1)? {
        return comment(t, dashes, after, drops);
    }
    let tag = Tag::read(t, open + 1)?;
    if tag.attributes {
        drops.push((tag.name_end, tag.end));
    }
    let Some(name) = tag.raw_text else {
        return Some(tag.end + 1);
    };
    let close = closing_tag(t, tag.end + 1, name)?;
    if close > tag.end + 1 {
        drops.push((tag.end + 1, close));
    }
    Some(next_of(t, close, b'>')? + 1)
}

/// A tag as `html_to_text` reads it, from after its `<`.
struct Tag {
    /// Where its name (after any `/`) ends.
    name_end: usize,
    /// Where its `>` is.
    end: usize,
    /// A name followed by white space: the rest can go (`html_to_text`
    /// reads the name only), but for a `style` or `script` tag.
    attributes: bool,
    /// `style` or `script` when it opens such an element.
    raw_text: Option<&'static [u8]>,
}

impl Tag {
    fn read(t: &[u8], at: usize) -> Option<Tag> {
        let (mut slashes, mut len, mut name_end) = (0, 0, at);
        let mut name = [0u8; 6];
        let mut pos = at;
        // The first byte after the name, and where it is.
        let (after, after_at) = loop {
            match next_literal(t, pos)? {
                // Never closed: the rest is no text.
                Read::End => return None,
                Read::Byte { byte: b'/', next, .. } if len == 0 => {
                    slashes += 1;
                    pos = next;
                }
                Read::Byte { byte, next, .. }
                    if byte.is_ascii_alphanumeric() =>
                {
                    if let Some(n) = name.get_mut(len) {
                        *n = byte.to_ascii_lowercase();
                    }
                    len += 1;
                    (name_end, pos) = (next, next);
                }
                Read::Byte { byte, at, .. } => break (byte, at),
            }
        };
        let end = match after {
            b'>' => after_at,
            _ => next_of(t, after_at, b'>')?,
        };
        let white = matches!(after, b' ' | b'\t' | b'\n' | b'\x0c');
        let raw_name = [b"style".as_slice(), b"script"]
            .into_iter()
            .find(|n| slashes == 0 && name.get(..len) == Some(n));
        let raw_text = match raw_name {
            Some(_) if after == b'>' => raw_name,
            // Unless closed by `/>`.
            Some(_) if white => match prev_literal(t, end, after_at)? {
                Back::Byte(b'/', _) => None,
                _ => raw_name,
            },
            _ => None,
        };
        let attributes = len > 0 && white && raw_name.is_none();
        Some(Tag { name_end, end, attributes, raw_text })
    }
}

/// Where the closing tag of a `style` or `script` element starts (its
/// `<`), as `html_to_text` finds it, from `at` in its contents.
fn closing_tag(t: &[u8], mut at: usize, name: &[u8]) -> Option<usize> {
    loop {
        let open = next_of(t, at, b'<')?;
        let mut pos = open + 1;
        let mut closes = true;
        for &want in b"/".iter().chain(name) {
            match next_literal(t, pos)? {
                Read::Byte { byte, next, .. }
                    if byte.to_ascii_lowercase() == want =>
                {
                    pos = next;
                }
                _ => {
                    closes = false;
                    break;
                }
            }
        }
        if closes
            && match next_literal(t, pos)? {
                Read::End => true,
                Read::Byte { byte, .. } => {
                    byte.is_ascii_whitespace() || byte == b'/' || byte == b'>'
                }
            }
        {
            return Some(open);
        }
        at = open + 1;
    }
}

/// Whether the text from `at` (after a `<`) starts a comment: where its
/// first `-` is and where the text after `!--` starts.
fn comment_start(t: &[u8], at: usize) -> Option<Option<(usize, usize)>> {
    let (mut pos, mut dashes) = (at, at);
    for (i, &want) in b"!--".iter().enumerate() {
        match next_literal(t, pos)? {
            Read::Byte { byte, at, next } if byte == want => {
                if i == 1 {
                    dashes = at;
                }
                pos = next;
            }
            _ => return Some(None),
        }
    }
    Some(Some((dashes, pos)))
}

/// A comment whose `--` (of `<!--`) is at `dashes`, its text from
/// `after`: it ends at the first `-->` from `dashes` on. What it holds is
/// added to `drops`; where the text after it starts.
fn comment(
    t: &[u8],
    dashes: usize,
    after: usize,
    drops: &mut Vec<(usize, usize)>,
) -> Option<usize> {
    let mut at = dashes;
    loop {
        let end = next_of(t, at, b'>')?;
        if let Back::Byte(b'-', second) = prev_literal(t, end, dashes)? {
            if let Back::Byte(b'-', first) = prev_literal(t, second, dashes)? {
                if first > after {
                    drops.push((after, first));
                }
                return Some(end + 1);
            }
        }
        at = end + 1;
    }
}

/// Where the next `c` (`<` or `>`) is from `at` on, every `=` before it
/// read as an escape or a soft line break. `None` where there is none, or
/// where an escape could decode to `c` or an `=` is not well-formed.
fn next_of(t: &[u8], mut at: usize, c: u8) -> Option<usize> {
    loop {
        let i = at + memchr::memchr2(c, b'=', t.get(at..)?)?;
        if t[i] == c {
            return Some(i);
        }
        match escape(t, i)? {
            (Some(b), _) if b == c => return None,
            (_, len) => at = i + len,
        }
    }
}

/// What the `=` at `at` starts: an escape (the byte it decodes to) or a
/// soft line break (`None`), and its length. `None` for anything else.
fn escape(t: &[u8], at: usize) -> Option<(Option<u8>, usize)> {
    match t.get(at + 1..)? {
        [b'\n', ..] => Some((None, 2)),
        [b'\r', b'\n', ..] => Some((None, 3)),
        [h1, h2, ..] => {
            quoted_printable_decode_char(*h1, *h2).map(|b| (Some(b), 3))
        }
        _ => None,
    }
}

/// A byte of the decoded text read from the encoded one.
enum Read {
    /// The byte, where it is and where the next one is read from.
    Byte { byte: u8, at: usize, next: usize },
    /// The text ends.
    End,
}

/// The next byte of the decoded text from `at` on, read through soft line
/// breaks. A CR LF reads as a LF: either is white space, which is all
/// that is asked of it (white space before a line end may be dropped,
/// with the line end still there). `None` at an escape or a lone CR,
/// which is not read here.
fn next_literal(t: &[u8], mut at: usize) -> Option<Read> {
    loop {
        let byte = match t.get(at) {
            None => return Some(Read::End),
            Some(&b) => b,
        };
        match byte {
            b'=' => match escape(t, at)? {
                (None, len) => at += len,
                _ => return None,
            },
            b'\r' if t.get(at + 1) == Some(&b'\n') => {
                return Some(Read::Byte { byte: b'\n', at, next: at + 2 })
            }
            b'\r' => return None,
            _ => return Some(Read::Byte { byte, at, next: at + 1 }),
        }
    }
}

/// A byte of the decoded text read backwards.
enum Back {
    /// The byte and where its encoding starts.
    Byte(u8, usize),
    /// `from` was reached.
    Start,
}

/// The decoded byte that ends before `at`, not reading before `from`;
/// every `=` from `from` to `at` must have been read by `next_of`, so that
/// each is known to start an escape or a soft line break. `None` at a
/// lone CR.
fn prev_literal(t: &[u8], mut at: usize, from: usize) -> Option<Back> {
    loop {
        if at <= from {
            return Some(Back::Start);
        }
        let before = |n: usize| at.checked_sub(n).map(|i| t[i]);
        match t[at - 1] {
            b'\n' if before(2) == Some(b'=') => at -= 2,
            b'\n' if before(2) == Some(b'\r') && before(3) == Some(b'=') => {
                at -= 3;
            }
            b'\n' => return Some(Back::Byte(b'\n', at - 1)),
            b'\r' => return None,
            last => {
                let hex = before(2)
                    .filter(|_| before(3) == Some(b'='))
                    .and_then(|h1| quoted_printable_decode_char(h1, last));
                return Some(match hex {
                    Some(b) => Back::Byte(b, at - 3),
                    None => Back::Byte(last, at - 1),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
