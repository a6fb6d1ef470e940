//! Reading header blocks and `Content-Type` fields the plain way the cut
//! (`cut.rs`) relies on: anything less plain is not read at all, so that
//! what is read is read as mail-parser reads it.

/// True when `word` is in `value` (any case).
pub(super) fn has_word(value: &[u8], word: &[u8]) -> bool {
    // The first byte rules out most places cheaply.
    let first = word[0].to_ascii_lowercase();
    value.windows(word.len()).any(|w| {
        w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(word)
    })
}

/// The length of the line end that `rest` starts with.
pub(super) fn line_end(rest: &[u8]) -> Option<usize> {
    if rest.starts_with(b"\r\n") {
        Some(2)
    } else if rest.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// `at`, moved back over the line end just before it, if any.
pub(super) fn line_start_before(raw: &[u8], at: usize) -> usize {
    if raw[..at].ends_with(b"\r\n") {
        at - 2
    } else if raw[..at].ends_with(b"\n") {
        at - 1
    } else {
        at
    }
}

/// One header field: its bytes (with folded lines and line end) and the
/// length of its name (0 for an envelope line, see `top_header_block`, or
/// a line of no `:`, see `header_block`; a name read by `odd_line` has
/// white space or bytes of no field name the parser knows).
pub(super) struct Field {
    pub start: usize,
    pub end: usize,
    pub name_len: usize,
}

impl Field {
    pub fn is(&self, raw: &[u8], name: &[u8]) -> bool {
        // The length first: most fields are told apart by it alone,
        // without taking their name out of `raw`.
        self.name_len == name.len()
            && raw[self.start..self.start + self.name_len]
                .eq_ignore_ascii_case(name)
    }
}

/// The fields of the header block starting at `start`, and where its body
/// starts. `None` unless every line is a clean field (`name:` with a name
/// of visible characters), a folded continuation, or a line of no `:` at
/// all (given as a field of no name), ended by an empty line.
///
/// The parser skips a line of no `:` (its reading of a field name ends at
/// the line end, with no name), and reads a folded line after one as a
/// field of its own: such a block is not read here. A line of no `:` is
/// most often a value the sender forgot to fold (`boundary="..."`); one
/// with a `:` after white space is read as a field (see `odd_line`).
pub(super) fn header_block(
    raw: &[u8],
    start: usize,
) -> Option<(Vec<Field>, usize)> {
    block(raw, start, false, false, true)
}

/// The fields of the header block that `raw` starts with, as
/// [`header_block`] reads them, but for the end of `raw`, which ends it as
/// an empty line would (its last line may have no line end): returned
/// headers given as text often stop there.
pub(super) fn headers_to_end(raw: &[u8]) -> Option<Vec<Field>> {
    block(raw, 0, false, true, false).map(|(fields, _)| fields)
}

/// The same for the message's own header block, where envelope lines
/// (`>From ...`: an mbox's `From ` line kept in a message and escaped)
/// may stand among the fields, each given as a field of no name. The
/// parser skips such a line, or reads it as a field whose name starts with
/// `>`, which nothing reads. A folded line after one is not read here (the
/// parser would read it as a field of its own when the line has no `:`).
pub(super) fn top_header_block(raw: &[u8]) -> Option<(Vec<Field>, usize)> {
    block(raw, 0, true, false, false)
}

/// The search for line ends, set up once per header block: memchr's AVX2
/// searcher called directly where the CPU has it, which spares the
/// dispatch `memchr::memchr` goes through on every call (header lines are
/// short, so that counts); `memchr::memchr` elsewhere. Both find the first
/// `\n`.
pub(super) struct Newline {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::One>,
}

impl Newline {
    pub fn new() -> Newline {
        Newline {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::One::new(b'\n'),
        }
    }

    /// Where the first `\n` of `haystack` is.
    pub fn find(&self, haystack: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(haystack);
        }
        memchr::memchr(b'\n', haystack)
    }
}

/// The header block at `start`, envelope lines allowed when `envelopes`,
/// ended by the end of `raw` too when `to_end`, lines of no `:` allowed
/// when `skipped` (see [`header_block`]).
fn block(
    raw: &[u8],
    start: usize,
    envelopes: bool,
    to_end: bool,
    skipped: bool,
) -> Option<(Vec<Field>, usize)> {
    let mut fields: Vec<Field> = Vec::with_capacity(16);
    let mut pos = start;
    let newline = Newline::new();
    loop {
        let rest = raw.get(pos..)?;
        let len = match newline.find(rest) {
            Some(at) => at + 1,
            None if to_end && rest.is_empty() => return Some((fields, pos)),
            None if to_end => rest.len(),
            None => return None,
        };
        let line = &rest[..len];
        if line == b"\n" || line == b"\r\n" {
            return Some((fields, pos + len));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            let last = fields.last_mut().filter(|f| f.name_len > 0)?;
            last.end = pos + len;
        } else if envelopes && line.starts_with(b">From ") {
            fields.push(Field { start: pos, end: pos + len, name_len: 0 });
        } else {
            let name_len = name_end(line)?;
            let name_len = match line[name_len] == b':' {
                true if name_len > 0 => name_len,
                // Looked for only once no clean field is found.
                _ if skipped && line[0].is_ascii_graphic() => odd_line(line)?,
                _ => return None,
            };
            fields.push(Field { start: pos, end: pos + len, name_len });
        }
        pos += len;
    }
}

/// How the parser reads a line of a part's header block that starts with
/// a visible byte but is no clean field: with no `:`, as no field (the
/// reading of its name ends at the line end: 0 is given); else as a field
/// whose name is the bytes before the first `:` less their white space
/// (`Aug 2018 03:46:51 +0000`, a `Received` line not folded), the length
/// of the name as written given. `None` when that name could be one the
/// parser reads (of letters and `-` only: `Sub ject:`).
fn odd_line(line: &[u8]) -> Option<usize> {
    let Some(colon) = memchr::memchr(b':', line) else {
        return Some(0);
    };
    let name = &line[..colon];
    let known = |c: &u8| c.is_ascii_alphabetic() || *c == b'-';
    let odd = name.iter().any(|c| !c.is_ascii_whitespace() && !known(c));
    odd.then_some(colon)
}

/// Where the name that `line` starts with ends: at the first byte that is
/// `:` or not visible (a line end is not), as [`name_end_plain`] finds it,
/// but eight bytes at a time.
pub(super) fn name_end(line: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while let Some(chunk) = line.get(at..at + 8) {
        let x = u64::from_le_bytes(chunk.try_into().ok()?);
        // The high bit of each byte below `!` (a borrow may mark bytes
        // above the first such byte too, never one below it), of each
        // `:`, and of each byte past `~`: the lowest one marked is the
        // first that ends the name.
        let low = x.wrapping_sub(ONES * 0x21) & !x;
        let colon = x ^ (ONES * b':' as u64);
        let colon = colon.wrapping_sub(ONES) & !colon;
        let high = x | x.wrapping_add(ONES);
        let marked = (low | colon | high) & HIGH;
        if marked != 0 {
            return Some(at + (marked.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    name_end_plain(&line[at..]).map(|end| at + end)
}

/// [`name_end`] a byte at a time.
pub(super) fn name_end_plain(line: &[u8]) -> Option<usize> {
    line.iter().position(|&c| c == b':' || !c.is_ascii_graphic())
}

/// The one field named `name` among `fields`: `Some(None)` when there is
/// none, `None` when there are several.
pub(super) fn only<'f>(
    raw: &[u8],
    fields: &'f [Field],
    name: &[u8],
) -> Option<Option<&'f Field>> {
    let mut named = fields.iter().filter(|f| f.is(raw, name));
    let first = named.next();
    named.next().is_none().then_some(first)
}

/// True unless the part is base64 or quoted-printable encoded (the parser
/// decodes those before reading an attached message).
pub(super) fn identity_encoded(raw: &[u8], fields: &[Field]) -> Option<bool> {
    let Some(f) = only(raw, fields, b"content-transfer-encoding")? else {
        return Some(true);
    };
    let v = &raw[f.start + f.name_len + 1..f.end];
    Some(!has_word(v, b"base64") && !has_word(v, b"quoted-printable"))
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// `alternative`: a `multipart/alternative`.
    Multipart {
        alternative: bool,
    },
    Digest,
    Message,
    Other,
}

/// What a part's `Content-Type` says, as far as cutting needs it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ContentType<'a> {
    /// What kind of part it is.
    pub kind: Kind,
    /// The `boundary` parameter.
    pub boundary: Option<&'a [u8]>,
    /// A text body part: `text/plain` or `text/html` (or one with no
    /// Content-Type, which is text/plain).
    pub text: bool,
    /// Declared `text/plain`.
    pub plain: bool,
    /// Declared `text/html`.
    pub html: bool,
    /// A text the decoders read as text (`text/*` but headers or a
    /// report, or none declared).
    pub leaf_text: bool,
    /// An image, audio, video or application part, or a multipart of no
    /// boundary (see `of`): nothing reads it.
    pub unread: bool,
    /// The type and subtype as given (none without a `Content-Type`),
    /// and where the field's value starts and ends.
    pub given: Option<(&'a [u8], usize, usize)>,
}

/// The bytes a type read here may hold: those of a token and `/`.
static TYPE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'+' | b'.' | b'_' | b'/');
        c += 1;
    }
    table
};

impl<'a> ContentType<'a> {
    /// True for a `message/*` report (`delivery-status`,
    /// `feedback-report`), which the reading keeps whatever its body.
    pub fn is_report(&self) -> bool {
        let Some((ty, ..)) = self.given else { return false };
        let Some((major, minor)) = ty.split_at_checked(8) else {
            return false;
        };
        if !major.eq_ignore_ascii_case(b"message/") {
            return false;
        }
        has_word(minor, b"delivery-status")
            || has_word(minor, b"feedback-report")
    }

    /// `None` when the field is given twice or is not plain enough to be
    /// read the way the parser reads it.
    pub fn of(raw: &'a [u8], fields: &[Field]) -> Option<Self> {
        Self::of_field(raw, only(raw, fields, b"content-type")?)
    }

    /// The same from the one `Content-Type` field `field`, or none.
    pub fn of_field(raw: &'a [u8], field: Option<&Field>) -> Option<Self> {
        let Some(f) = field else {
            return Some(ContentType {
                kind: Kind::Other,
                boundary: None,
                text: true,
                plain: false,
                html: false,
                leaf_text: true,
                unread: false,
                given: None,
            });
        };
        let at = f.start + f.name_len + 1;
        let value = &raw[at..f.end];
        if memchr::memchr3(b'\'', b'\\', b'*', value).is_some() {
            return None;
        }
        // The type runs to the first `;`, the parameters after it.
        let (given, mut params) = match memchr::memchr(b';', value) {
            Some(i) => (&value[..i], Some(&value[i + 1..])),
            None => (value, None),
        };
        let given = given.trim_ascii();
        // Lower-cased on the stack (a longer type is not one to cut by)
        // and checked in the same pass: token bytes and one `/`.
        let mut lower = [0u8; 64];
        let ty = lower.get_mut(..given.len())?;
        ty.copy_from_slice(given);
        ty.make_ascii_lowercase();
        // Token bytes and `/` (by a table: no branch a byte), then one
        // `/` only.
        if !given.iter().fold(true, |ok, &c| ok & TYPE_BYTES[c as usize]) {
            return None;
        }
        let slash = ty.iter().position(|&c| c == b'/')?;
        if ty[slash + 1..].contains(&b'/') {
            return None;
        }
        let ty = &*ty;
        let (major, minor) = (&ty[..slash], &ty[slash + 1..]);
        let mut kind = match ty {
            b"multipart/digest" => Kind::Digest,
            b"message/rfc822" | b"message/global" => Kind::Message,
            b"multipart/alternative" => Kind::Multipart { alternative: true },
            t if t.starts_with(b"multipart/") => {
                Kind::Multipart { alternative: false }
            }
            t if t.starts_with(b"multipart") => return None,
            _ => Kind::Other,
        };
        let mut boundary = None;
        while let Some(rest) = params {
            let (p, next) = match memchr::memchr(b';', rest) {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            params = next;
            let p = p.trim_ascii();
            if p.is_empty() {
                continue;
            }
            let eq = memchr::memchr(b'=', p)?;
            let (name, v) = (p[..eq].trim_ascii(), p[eq + 1..].trim_ascii());
            // A `(` outside a quoted value starts a comment, which the
            // parser drops (`boundary="Boundary_(ID_...)"` is common).
            let inner =
                v.strip_prefix(b"\"").and_then(|q| q.strip_suffix(b"\""));
            let quoted = inner.is_some_and(|q| !q.contains(&b'"'));
            if name.contains(&b'(') || !quoted && v.contains(&b'(') {
                return None;
            }
            if !name.eq_ignore_ascii_case(b"boundary") {
                continue;
            }
            let v = match v.strip_prefix(b"\"") {
                Some(q) => q.strip_suffix(b"\"")?,
                None if v.iter().any(u8::is_ascii_whitespace) => return None,
                None => v,
            };
            if boundary.is_some()
                || v.is_empty()
                || v.iter().any(|c| !c.is_ascii_graphic() && *c != b' ')
                || v.contains(&b'"')
            {
                return None;
            }
            boundary = Some(v);
        }
        let plain = ty == b"text/plain".as_slice();
        let html = ty == b"text/html".as_slice();
        // Of the subtype only: no major type of a text or unread part
        // holds the words, and none spans the `/`.
        let report = |t: &[u8]| {
            !matches!(t, b"plain" | b"html")
                && (has_word(t, b"headers")
                    || has_word(t, b"status")
                    || has_word(t, b"report"))
        };
        let leaf_text = major == b"text" && !report(minor);
        let mut unread =
            matches!(major, b"image" | b"audio" | b"video" | b"application")
                && !report(minor);
        if matches!(kind, Kind::Multipart { .. }) && boundary.is_none() {
            // The parser reads a multipart of no boundary (most often one
            // whose `boundary` line was not folded) as a part of a type
            // it does not know, up to the next delimiter, and nothing
            // reads such a part: but one named a report.
            if report(minor) {
                return None;
            }
            kind = Kind::Other;
            unread = true;
        }
        Some(ContentType {
            kind,
            boundary,
            text: plain || html,
            plain,
            html,
            leaf_text,
            unread,
            given: Some((given, at, f.end)),
        })
    }
}

#[cfg(test)]
mod tests;
