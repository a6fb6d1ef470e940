//! Cutting what cannot hold report data before the MIME parser sees it,
//! and doing some of its work in a cheaper way, so that it reads the same
//! for less:
//! - the top-level header fields that nothing reads (`Received` after
//!   the first, `DKIM-Signature`, `ARC-*`, `X-*` ...), which the parser
//!   would still walk byte by byte;
//! - the body of each attached message (`message/rfc822`,
//!   `message/global`): only its header block is read (`Message-ID`,
//!   `Subject`, `From`, `To`), yet the parser would split and decode the
//!   whole returned copy. The cut keeps those fields of the attached
//!   header block and drops the rest and the body up to the line end
//!   before the next boundary;
//! - the HTML alternative of a `multipart/alternative` that has a plain
//!   one (only the plain text is read);
//! - quoted-printable text, put in decoded (see `qp.rs`), as the parser
//!   decodes it a byte at a time.
//!
//! The cut is made only where the structure is plain (clean header blocks,
//! simple `boundary` parameters, boundaries the parser finds the same way):
//! anything else leaves the message whole, which is always correct.

use std::borrow::Cow;

use memchr::memmem;

use super::qp;

/// One change: the bytes `start..end` of the message are replaced by
/// `with` (most often nothing).
struct Edit<'a> {
    start: usize,
    end: usize,
    with: Vec<u8>,
    /// Made in an attached message.
    attached: bool,
    /// The body of a text part taken out (`start..end` is the body), as
    /// the parser would read it before its charset is decoded.
    taken: Option<Cow<'a, [u8]>>,
}

impl Edit<'_> {
    fn drop(start: usize, end: usize) -> Self {
        Edit { start, end, with: Vec::new(), attached: false, taken: None }
    }
}

/// A message made shorter or cheaper to parse.
pub(super) struct Shortened<'a> {
    /// The new message (the message itself when nothing was changed).
    pub bytes: Cow<'a, [u8]>,
    /// The kept top-level fields (see `top_fields`), which the parser does
    /// not see.
    pub headers: Vec<(String, String)>,
    /// True when an attached message was cut.
    pub attached_cut: bool,
    /// The bodies of text parts taken out of `bytes`, each with where it
    /// was (the part's body offset in `bytes`, where it is now empty).
    pub taken: Vec<(usize, Cow<'a, [u8]>)>,
    /// Where each edit lies in `bytes`, and how far the original bytes
    /// after it lie from those of `bytes` (original minus new).
    map: Vec<(usize, usize, isize)>,
}

impl Shortened<'_> {
    /// The range of the original message that holds the bytes `start..end`
    /// of the new one, unless an edit lies inside them or touches them (a
    /// drop just at the end of a range may be what shortened it).
    pub fn original(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let mut delta = 0;
        for &(at, to, after) in &self.map {
            if to < start {
                delta = after;
            } else if at <= end {
                return None;
            } else {
                break;
            }
        }
        let shift = |p: usize| p.checked_add_signed(delta);
        Some((shift(start)?, shift(end)?))
    }
}

/// `raw` made shorter or cheaper to parse as above, or `None` when its
/// header block is not plain enough to be read here.
pub(super) fn shorten(raw: &[u8]) -> Option<Shortened<'_>> {
    let (fields, body) = header_block(raw, 0)?;
    let (mut edits, headers) = top_fields(raw, &fields);
    match ContentType::of(raw, &fields) {
        Some(ContentType {
            kind: Kind::Multipart { alternative },
            boundary: Some(boundary),
            ..
        }) => {
            let mut inner = Vec::new();
            if multipart(raw, body, boundary, alternative, &mut inner, 0)
                .is_some()
            {
                edits.append(&mut inner);
            }
        }
        Some(ct) if ct.kind == Kind::Other && ct.leaf_text => {
            // One text part, which runs to the end.
            edits.extend(take_body(raw, &fields, &ct, body, raw.len(), None));
        }
        _ => {}
    }
    if edits.is_empty() {
        let bytes = raw.into();
        let (taken, map) = (Vec::new(), Vec::new());
        return Some(Shortened {
            bytes,
            attached_cut: false,
            headers,
            taken,
            map,
        });
    }
    edits.sort_unstable_by_key(|e| e.start);
    let mut out = Vec::with_capacity(raw.len());
    let mut map = Vec::with_capacity(edits.len());
    let mut taken = Vec::new();
    let mut at = 0;
    let attached_cut = edits.iter().any(|e| e.attached);
    for e in edits {
        out.extend_from_slice(&raw[at..e.start]);
        let new_at = out.len();
        out.extend_from_slice(&e.with);
        at = e.end;
        map.push((new_at, out.len(), at as isize - out.len() as isize));
        if let Some(body) = e.taken {
            taken.push((new_at, body));
        }
    }
    out.extend_from_slice(&raw[at..]);
    let bytes = out.into();
    Some(Shortened { bytes, attached_cut, headers, taken, map })
}

/// The top-level fields the parser reads as values.
const TOP_PARSED: &[&[u8]] = &[b"date", b"from", b"subject"];

/// The kept top-level fields (`super::KEPT`: the first of each name, its
/// value unfolded, none when not UTF-8), read here, and drops for all
/// the fields the parser need not see: all but the ones it parses (one
/// other stays if there are none: a header left empty would make the
/// message no mail message at all).
fn top_fields<'a>(
    raw: &[u8],
    fields: &[Field],
) -> (Vec<Edit<'a>>, Vec<(String, String)>) {
    let mut first: [Option<&Field>; super::KEPT.len()] =
        [None; super::KEPT.len()];
    let mut parsed = Vec::with_capacity(fields.len());
    for f in fields {
        let name = &raw[f.start..f.start + f.name_len];
        let kept = super::KEPT
            .iter()
            .position(|n| name.eq_ignore_ascii_case(n.as_bytes()));
        if let Some(i) = kept {
            first[i].get_or_insert(f);
        }
        parsed.push(
            name.get(..8).is_some_and(|n| n.eq_ignore_ascii_case(b"content-"))
                || TOP_PARSED.iter().any(|n| name.eq_ignore_ascii_case(n)),
        );
    }
    let headers = super::KEPT
        .iter()
        .zip(first)
        .filter_map(|(name, f)| {
            let f = f?;
            let value = &raw[f.start + f.name_len + 1..f.end];
            let value = std::str::from_utf8(value).ok()?;
            Some((name.to_string(), super::kept_value(name, value)))
        })
        .collect();
    if !parsed.contains(&true) {
        if let Some(spare) = parsed.first_mut() {
            *spare = true;
        }
    }
    let mut edits: Vec<Edit> = Vec::new();
    for (f, keep) in fields.iter().zip(parsed) {
        if keep {
            continue;
        }
        match edits.last_mut() {
            Some(last) if last.end == f.start => last.end = f.end,
            _ => edits.push(Edit::drop(f.start, f.end)),
        }
    }
    (edits, headers)
}

/// The fields of an attached message that are read (see `original_of`).
const READ: &[&[u8]] = &[b"from", b"to", b"message-id", b"subject"];

/// The header block that `raw` starts with (the headers of a returned
/// message) with only the fields that are read from it, or `None` when
/// it is not plain enough to be read here or has none of them.
pub(super) fn read_fields(raw: &[u8]) -> Option<Vec<u8>> {
    let (fields, _) = header_block(raw, 0)?;
    let mut out = Vec::new();
    for f in &fields {
        if READ.iter().any(|n| f.is(raw, n)) {
            out.extend_from_slice(&raw[f.start..f.end]);
        }
    }
    if out.is_empty() {
        return None;
    }
    out.push(b'\n');
    Some(out)
}

/// How deep multiparts are followed before giving up on cutting.
const MAX_DEPTH: usize = 16;

/// Walks the multipart whose body starts at `from`, adding the edits of
/// its parts. Returns where its closing delimiter ends and how many text
/// parts it holds (nested multiparts included).
fn multipart<'a>(
    raw: &'a [u8],
    from: usize,
    boundary: &[u8],
    alternative: bool,
    edits: &mut Vec<Edit<'a>>,
    depth: usize,
) -> Option<(usize, usize)> {
    if depth > MAX_DEPTH || boundary.is_empty() {
        return None;
    }
    let mut delimiter = Vec::with_capacity(boundary.len() + 2);
    delimiter.extend_from_slice(b"--");
    delimiter.extend_from_slice(boundary);
    let finder = memmem::Finder::new(&delimiter);
    let find = |from: usize| {
        finder.find(raw.get(from..)?).map(|p| from + p + delimiter.len())
    };
    let mut pos = find(from)?;
    // A multipart of no parts is one the parser reads its own way.
    let mut parts = 0;
    // A message with no text part of its own (in nested multiparts
    // either) is read from its raw body, attached copies included: such a
    // message is left whole.
    let mut texts = 0;
    // Of alternatives, only the plain text is read: the HTML ones are cut
    // once a plain one is known to be there.
    let mut plain = false;
    let mut html = Vec::new();
    loop {
        let rest = &raw[pos..];
        if rest.starts_with(b"--") {
            let whole = parts == 0 || depth == 0 && texts == 0;
            if plain {
                edits.append(&mut html);
            }
            return (!whole).then_some((pos + 2, texts));
        }
        parts += 1;
        let part = pos + line_end(rest)?;
        let (fields, body) = header_block(raw, part)?;
        let ct = ContentType::of(raw, &fields)?;
        texts += usize::from(ct.text);
        // Of a part's fields, the parser's reading depends on these two
        // only (`Content-Disposition` makes an attachment of a part, which
        // nothing here minds).
        for f in &fields {
            if !f.is(raw, b"content-type")
                && !f.is(raw, b"content-transfer-encoding")
            {
                edits.push(Edit::drop(f.start, f.end));
            }
        }
        pos = match ct.kind {
            Kind::Multipart { alternative } => {
                let boundary = ct.boundary?;
                let (end, inner) = multipart(
                    raw,
                    body,
                    boundary,
                    alternative,
                    edits,
                    depth + 1,
                )?;
                texts += inner;
                find(end)?
            }
            Kind::Message if identity_encoded(raw, &fields)? => {
                let (inner, inner_body) = header_block(raw, body)?;
                // The parser reads an attached multipart by its own
                // boundary and looks for this one only after its end.
                let inner_ct = ContentType::of(raw, &inner)?;
                let from = match inner_ct.kind {
                    Kind::Multipart { .. } => {
                        let own = inner_ct.boundary?;
                        if own.starts_with(boundary)
                            || boundary.starts_with(own)
                        {
                            return None;
                        }
                        let mut unused = Vec::new();
                        multipart(
                            raw,
                            inner_body,
                            own,
                            false,
                            &mut unused,
                            depth + 1,
                        )?
                        .0
                    }
                    Kind::Digest | Kind::Message => return None,
                    Kind::Other => inner_body,
                };
                let next = find(from)?;
                let delimiter_at = next - delimiter.len();
                let keep = |f: &Field| READ.iter().any(|n| f.is(raw, n));
                // A header block left empty would make the parser read no
                // attached message at all: one other field stays.
                let spare = if inner.iter().any(keep) {
                    usize::MAX
                } else {
                    inner.iter().position(|f| {
                        !f.is(raw, b"content-type")
                            && !f.is(raw, b"content-transfer-encoding")
                    })?
                };
                let mut cut = |start, end| {
                    let e = Edit::drop(start, end);
                    edits.push(Edit { attached: true, ..e });
                };
                for (i, f) in inner.iter().enumerate() {
                    if !keep(f) && i != spare {
                        cut(f.start, f.end);
                    }
                }
                let end = line_start_before(raw, delimiter_at);
                if end > inner_body {
                    cut(inner_body, end);
                }
                next
            }
            Kind::Digest => return None,
            _ => {
                let next = find(body)?;
                let delimiter_at = next - delimiter.len();
                plain |= alternative && ct.plain;
                if alternative && ct.html {
                    // The body goes, and its encoding with it (an empty
                    // body is read the same way in any).
                    let cte = only(raw, &fields, b"content-transfer-encoding")?;
                    html.extend(cte.map(|f| Edit::drop(f.start, f.end)));
                    let end = line_start_before(raw, delimiter_at);
                    if end > body {
                        html.push(Edit::drop(body, end));
                    }
                } else if ct.kind == Kind::Other {
                    let at = delimiter_at;
                    edits.extend(take_body(
                        raw,
                        &fields,
                        &ct,
                        body,
                        at,
                        Some(()),
                    ));
                }
                next
            }
        };
    }
}

/// The edits that take the body `body..end` of a part out of the message
/// (`end` is where the delimiter that ends it starts, or the message's
/// end for a message of one part, `delimited` is `None`): the body of a
/// text or report part, kept in the edit as the parser would read it
/// (decoded from quoted-printable, without the line end before the
/// delimiter), so that the parser does not scan it byte by byte; the body of an image, audio,
/// video or application part, which nothing reads, is just dropped. None
/// where the parser's reading could differ: an encoding other than none or
/// quoted-printable for a text, a body the parser would not decode,
/// ISO-2022-JP (read from the raw body when mislabelled, see
/// `utf8_body`).
fn take_body<'a>(
    raw: &'a [u8],
    fields: &[Field],
    ct: &ContentType<'_>,
    body: usize,
    end: usize,
    delimited: Option<()>,
) -> Vec<Edit<'a>> {
    let Some(cte) = only(raw, fields, b"content-transfer-encoding") else {
        return Vec::new();
    };
    let drop_cte = cte.map(|f| Edit::drop(f.start, f.end));
    if ct.unread {
        return drop_cte.into_iter().chain([Edit::drop(body, end)]).collect();
    }
    let charset = only(raw, fields, b"content-type").flatten();
    if charset.is_some_and(|f| {
        let v = &raw[f.start..f.end];
        v.windows(8).any(|w| w.eq_ignore_ascii_case(b"iso-2022"))
    }) {
        return Vec::new();
    }
    let value = cte.map(|f| &raw[f.start + f.name_len + 1..f.end]);
    let text: Cow<'a, [u8]> = match value {
        None => raw[body..text_end(raw, body, end, delimited)].into(),
        Some(v)
            if !has_word(v, b"base64") && !has_word(v, b"quoted-printable") =>
        {
            raw[body..text_end(raw, body, end, delimited)].into()
        }
        Some(v) if v.trim_ascii().eq_ignore_ascii_case(b"quoted-printable") => {
            let decoded = match delimited {
                Some(()) => qp::decode_to_delimiter(&raw[body..=end]),
                None => qp::decode_to_end(&raw[body..end]),
            };
            match decoded {
                Some(d) => d.into(),
                None => return Vec::new(),
            }
        }
        Some(_) => return Vec::new(),
    };
    let mut edits: Vec<Edit<'a>> = drop_cte.into_iter().collect();
    edits.push(Edit { taken: Some(text), ..Edit::drop(body, end) });
    edits
}

/// Where the parser ends the undecoded body of a part that starts at `body`
/// and is ended at `end` by a delimiter (without the line end before it)
/// or by the message's end.
fn text_end(
    raw: &[u8],
    body: usize,
    end: usize,
    delimited: Option<()>,
) -> usize {
    match delimited {
        Some(()) => line_start_before(raw, end).max(body),
        None => end,
    }
}

/// True when `word` is in `value` (any case).
fn has_word(value: &[u8], word: &[u8]) -> bool {
    value.windows(word.len()).any(|w| w.eq_ignore_ascii_case(word))
}

/// The length of the line end that `rest` starts with.
fn line_end(rest: &[u8]) -> Option<usize> {
    if rest.starts_with(b"\r\n") {
        Some(2)
    } else if rest.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// `at`, moved back over the line end just before it, if any.
fn line_start_before(raw: &[u8], at: usize) -> usize {
    if raw[..at].ends_with(b"\r\n") {
        at - 2
    } else if raw[..at].ends_with(b"\n") {
        at - 1
    } else {
        at
    }
}

/// One header field: its bytes (with folded lines and line end) and the
/// length of its name.
struct Field {
    start: usize,
    end: usize,
    name_len: usize,
}

impl Field {
    fn is(&self, raw: &[u8], name: &[u8]) -> bool {
        raw[self.start..self.start + self.name_len].eq_ignore_ascii_case(name)
    }
}

/// The fields of the header block starting at `start`, and where its body
/// starts. `None` unless every line is a clean field (`name:` with a name
/// of visible characters) or a folded continuation, ended by an empty line.
fn header_block(raw: &[u8], start: usize) -> Option<(Vec<Field>, usize)> {
    let mut fields: Vec<Field> = Vec::with_capacity(16);
    let mut pos = start;
    loop {
        let rest = raw.get(pos..)?;
        let len = memchr::memchr(b'\n', rest)? + 1;
        let line = &rest[..len];
        if line == b"\n" || line == b"\r\n" {
            return Some((fields, pos + len));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            fields.last_mut()?.end = pos + len;
        } else {
            let name_len = memchr::memchr(b':', line)?;
            let name = &line[..name_len];
            if name.is_empty() || !name.iter().all(|c| c.is_ascii_graphic()) {
                return None;
            }
            fields.push(Field { start: pos, end: pos + len, name_len });
        }
        pos += len;
    }
}

/// The one field named `name` among `fields`: `Some(None)` when there is
/// none, `None` when there are several.
fn only<'f>(
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
fn identity_encoded(raw: &[u8], fields: &[Field]) -> Option<bool> {
    let Some(f) = only(raw, fields, b"content-transfer-encoding")? else {
        return Some(true);
    };
    let v = &raw[f.start + f.name_len + 1..f.end];
    Some(!has_word(v, b"base64") && !has_word(v, b"quoted-printable"))
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// `alternative`: a `multipart/alternative`.
    Multipart {
        alternative: bool,
    },
    Digest,
    Message,
    Other,
}

/// What a part's `Content-Type` says, as far as cutting needs it.
struct ContentType<'a> {
    kind: Kind,
    boundary: Option<&'a [u8]>,
    /// A text body part: `text/plain` or `text/html` (or one with no
    /// Content-Type, which is text/plain).
    text: bool,
    /// Declared `text/plain`.
    plain: bool,
    /// Declared `text/html`.
    html: bool,
    /// A text the decoders read as text (`text/*` but headers or a
    /// report, or none declared).
    leaf_text: bool,
    /// An image, audio, video or application part: nothing reads it.
    unread: bool,
}

impl<'a> ContentType<'a> {
    /// `None` when the field is given twice or is not plain enough to be
    /// read the way the parser reads it.
    fn of(raw: &'a [u8], fields: &[Field]) -> Option<Self> {
        let Some(f) = only(raw, fields, b"content-type")? else {
            return Some(ContentType {
                kind: Kind::Other,
                boundary: None,
                text: true,
                plain: false,
                html: false,
                leaf_text: true,
                unread: false,
            });
        };
        let value = &raw[f.start + f.name_len + 1..f.end];
        if value.iter().any(|c| matches!(c, b'(' | b'\\' | b'*' | b'\'')) {
            return None;
        }
        let mut params = value.split(|&c| c == b';');
        // Lower-cased on the stack (a longer type is not one to cut by).
        let given = params.next()?.trim_ascii();
        let mut lower = [0u8; 64];
        let ty = lower.get_mut(..given.len())?;
        ty.copy_from_slice(given);
        ty.make_ascii_lowercase();
        let ty = &*ty;
        let token = |c: &u8| c.is_ascii_alphanumeric() || b"-+._/".contains(c);
        if ty.iter().filter(|&&c| c == b'/').count() != 1
            || !ty.iter().all(token)
        {
            return None;
        }
        let kind = match ty {
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
        for p in params {
            let p = p.trim_ascii();
            if p.is_empty() {
                continue;
            }
            let eq = memchr::memchr(b'=', p)?;
            let (name, v) = (p[..eq].trim_ascii(), p[eq + 1..].trim_ascii());
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
        if matches!(kind, Kind::Multipart { .. }) && boundary.is_none() {
            return None;
        }
        let plain = ty == b"text/plain".as_slice();
        let html = ty == b"text/html".as_slice();
        let report = |t: &[u8]| {
            has_word(t, b"headers")
                || has_word(t, b"status")
                || has_word(t, b"report")
        };
        let leaf_text = ty.starts_with(b"text/") && !report(ty);
        let unread = [&b"image/"[..], b"audio/", b"video/", b"application/"]
            .iter()
            .any(|t| ty.starts_with(t))
            && !report(ty);
        Some(ContentType {
            kind,
            boundary,
            text: plain || html,
            plain,
            html,
            leaf_text,
            unread,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "From: MAILER-DAEMON@example.net\n\
Content-Type: multipart/report; report-type=delivery-status;\n\
\tboundary=\"b1\"\n\n\
--b1\nContent-Type: text/plain\n\nsorry\n\
--b1\nContent-Type: message/rfc822\n\n\
From: a@example.org\nSubject: hi\n\
Content-Type: multipart/mixed; boundary=\"in\"\n\n\
--in\nContent-Type: text/plain\n\nthe body\n--in--\n\
--b1--\n";

    #[test]
    fn an_attached_message_keeps_only_its_headers() {
        let cut = shorten(REPORT.as_bytes()).unwrap().bytes;
        let cut = String::from_utf8(cut.to_vec()).unwrap();
        assert!(cut.contains(
            "--b1\nContent-Type: message/rfc822\n\n\
From: a@example.org\nSubject: hi\n\n\n--b1--\n"
        ));
        let routed = REPORT.replace("From: a@", "Received: x\nFrom: a@");
        let shorter = shorten(routed.as_bytes()).unwrap().bytes;
        assert!(memmem::find(&shorter, b"Received").is_none());
        assert!(!cut.contains("the body"));
        // The text part's body is taken out, to be read apart.
        let shorter = shorten(REPORT.as_bytes()).unwrap();
        assert!(cut.contains("--b1\nContent-Type: text/plain\n\n--b1\n"));
        let at = cut.find("text/plain\n\n").unwrap() + 12;
        assert_eq!(shorter.taken.len(), 1);
        assert_eq!(shorter.taken[0], (at, Cow::Borrowed(&b"sorry"[..])));
    }

    #[test]
    fn unread_fields_and_parts_go() {
        let raw = "Received: one\nReceived: two\nDKIM-Signature: v=1;\n\tb=x\n\
From: d@example.net\nX-Failed-Recipients: bob@example.com\n\
Content-Type: multipart/mixed; boundary=b\n\n--b\n\
Content-Type: multipart/alternative; boundary=a\n\n--a\n\
Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n\
<p>gone=3D</p>\n--a\nContent-Type: text/plain; charset=utf-8\n\
Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =\nau lait\n--a--\n\
--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n\
iVBORw0KGgo=\n--b--\n";
        let shorter = shorten(raw.as_bytes()).unwrap();
        let cut = String::from_utf8(shorter.bytes.to_vec()).unwrap();
        assert_eq!(
            cut,
            "From: d@example.net\n\
Content-Type: multipart/mixed; boundary=b\n\n--b\n\
Content-Type: multipart/alternative; boundary=a\n\n--a\n\
Content-Type: text/html\n\n\n--a\nContent-Type: text/plain; charset=utf-8\n\
\n--a--\n--b\nContent-Type: image/png\n\n--b--\n"
        );
        assert_eq!(shorter.taken.len(), 1);
        assert_eq!(shorter.taken[0].1.as_ref(), "caf\u{e9} au lait".as_bytes());
        // The kept fields are read here, not by the parser.
        let headers: Vec<_> =
            shorter.headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        assert_eq!(
            headers,
            [
                ("x-failed-recipients", "bob@example.com"),
                ("content-type", ""),
                ("received", ""),
            ]
        );
        let whole =
            super::super::parse_whole(raw.as_bytes(), &[], None).unwrap();
        let cut = super::super::parse(raw.as_bytes()).unwrap();
        assert_eq!(whole.texts, vec!["caf\u{e9} au lait".to_string()]);
        assert_eq!(whole.texts, cut.texts);
        assert_eq!(whole.headers, cut.headers);
    }

    /// Messages pieced together from MIME fragments: the cut never panics,
    /// only ever shortens, and keeps what the parser reads of the top-level
    /// message.
    #[test]
    fn pieced_together_messages_are_cut_safely() {
        use proptest::prelude::*;
        const PIECES: &[&str] = &[
            "Content-Type: multipart/mixed; boundary=b\n",
            "Content-Type: multipart/report; boundary=\"c\"\n",
            "Content-Type: message/rfc822\n",
            "Content-Transfer-Encoding: base64\n",
            "From: a@example.org\n",
            "Subject: hi\n",
            "Received: x\n",
            " folded\n",
            "--b\n",
            "--in\n",
            "--c\n",
            "--b--\n",
            "--c--\n",
            "\n",
            "\r\n",
            "text ",
            "-",
            "Content-Type: text/plain\n",
            "Content-Transfer-Encoding: quoted-printable\n",
            "=\n",
            "Content-Type: message/rfc822; boundary=in\n",
            "Content-Type: multipart/mixed; boundary=in\n",
            "--in--\n",
            "Content-Type: MULTIPART/Mixed; BOUNDARY=in x\n",
            "Content-Type: multipart/alternative; boundary=\"in\"; x=y\n",
            "X-Note: --b\n",
            "--b",
            "--in",
            "Content-Type: text/html\n",
            "Content-Type: image/png\n",
            "Content-Type: message/delivery-status\n",
            "Content-Type: text/rfc822-headers\n",
            "Final-Recipient: rfc822; bob@example.com\n",
            "Content-Type: text/plain; charset=windows-1252\n",
            "=3D",
            "=C3=A9",
            "=e9",
            "= \n",
            "==",
            "=4",
            "=\r\n",
            " \n",
            "\t\r\n",
            "caf\u{e9}",
            "<p>a&amp;b</p>",
            "\r",
        ];
        let pieces = |from: &'static [&'static str], most: usize| {
            prop::collection::vec(0..from.len(), 0..most).prop_map(|ids| {
                ids.iter().map(|&i| from[i]).collect::<String>()
            })
        };
        let config = ProptestConfig::with_cases(10000);
        proptest!(config, |(
            top in pieces(TOP, 6),
            ph in pieces(PART, 4),
            a in pieces(PIECES, 12),
            b in pieces(PIECES, 12),
            c in pieces(PIECES, 12),
        )| {
            let raw = format!(
                "From: d@example.net\n{top}\
        Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
        {ph}\n{a}\n--b\nContent-Type: message/rfc822\n\n\
        From: a@example.org\n{b}\nbody {c}\n--b--\n"
            );
            same_as_whole(raw.as_bytes())?;
            let one = format!("Subject: s\n{top}{ph}\n{a}");
            same_as_whole(one.as_bytes())?;
        });
        // The pieces must make cuttable messages, or the test tests nothing.
        assert!(CUTS.load(std::sync::atomic::Ordering::Relaxed) > 1000);
    }

    const TOP: &[&str] = &[
        "Received: x\n",
        "Received: y\n\tfolded\n",
        "DKIM-Signature: v=1\n",
        "To: bob@example.com\n",
        "X-Failed-Recipients: bob@example.com\n",
        "Date: Mon, 12 Oct 2026 09:14:02 +0200\n",
        "Subject: two\n",
        "X-Note: --b\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "Content-Type: text/html\n",
    ];

    const PART: &[&str] = &[
        "Content-Type: text/plain\n",
        "Content-Type: text/html; charset=utf-8\n",
        "Content-Type: text/plain; charset=iso-8859-1\n",
        "Content-Type: text/plain; charset=iso-2022-jp\n",
        "Content-Type: image/png\n",
        "Content-Type: message/delivery-status\n",
        "Content-Type: text/rfc822-headers\n",
        "Content-Type: multipart/alternative; boundary=in\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "Content-Transfer-Encoding: base64\n",
        "Content-Transfer-Encoding: 8bit\n",
        "X-Part: 1\n",
    ];

    static CUTS: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

    /// `raw` shortened reads as `raw` does.
    fn same_as_whole(
        raw: &[u8],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prelude::*;
        let Some(shorter) = shorten(raw) else {
            return Ok(());
        };
        CUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        prop_assert!(shorter.bytes.len() <= raw.len());
        let whole = super::super::parse_whole(raw, &[], None);
        let cut = super::super::parse(raw);
        prop_assert_eq!(whole.is_some(), cut.is_some());
        let (Some(a), Some(b)) = (whole, cut) else {
            return Ok(());
        };
        prop_assert_eq!(&a.subject, &b.subject);
        prop_assert_eq!(&a.from, &b.from);
        prop_assert_eq!(&a.date, &b.date);
        prop_assert_eq!(&a.headers, &b.headers);
        prop_assert_eq!(&a.delivery_status, &b.delivery_status);
        prop_assert_eq!(&a.feedback_report, &b.feedback_report);
        prop_assert_eq!(&a.report_type, &b.report_type);
        if b.cut {
            prop_assert!(b.attached.is_none());
            prop_assert_eq!(super::super::attached(raw), a.attached.clone());
        } else {
            prop_assert_eq!(&a.attached, &b.attached);
        }
        prop_assert_eq!(
            format!("{:?}", a.returned),
            format!("{:?}", b.returned)
        );
        prop_assert_eq!(a.texts, b.texts);
        Ok(())
    }

    /// True when the attached message of `raw` is left as it is.
    fn left_whole(raw: &str) -> bool {
        shorten(raw.as_bytes()).is_none_or(|s| {
            !s.attached_cut && memmem::find(&s.bytes, b"the body").is_some()
        })
    }

    #[test]
    fn unclear_structure_is_left_whole() {
        assert!(!left_whole(REPORT));
        // An attached header block that runs into the boundary.
        let start = REPORT.find("Content-Type: multipart/mixed").unwrap();
        let end = REPORT.find("--b1--").unwrap();
        let no_blank = format!("{}{}", &REPORT[..start], &REPORT[end..]);
        assert!(shorten(no_blank.as_bytes()).unwrap().taken.is_empty());
        let encoded = REPORT.replace(
            "message/rfc822\n",
            "message/rfc822\nContent-Transfer-Encoding: base64\n",
        );
        assert!(left_whole(&encoded));
        // A message of one text part: only its body is taken out.
        let plain = "From: a@example.org\nSubject: hi\n\nbody\n";
        let shorter = shorten(plain.as_bytes()).unwrap();
        assert_eq!(&shorter.bytes[..], b"From: a@example.org\nSubject: hi\n\n");
        assert_eq!(shorter.taken[0], (33, Cow::Borrowed(&b"body\n"[..])));
        // A boundary with a byte outside ASCII, which the parser may not
        // find the way the cut would.
        assert!(left_whole(&REPORT.replace("b1", "b\u{e9}1")));
        // No text part of its own: the parser reads the raw body.
        assert!(left_whole(
            &REPORT.replace("text/plain", "application/x-note")
        ));
        // A header field that is not one: nothing is read here.
        assert!(shorten(b"From a@example.org\nSubject: hi\n\nbody\n").is_none());
    }
}
