//! Cutting what cannot hold report data before the MIME parser sees it:
//! the body of each attached message (`message/rfc822`, `message/global`).
//! Only its header block is read (`Message-ID`, `Subject`, `From`, `To`),
//! yet the parser would split and decode the whole returned copy. The cut
//! keeps the attached header block without its `Content-Type` and
//! `Content-Transfer-Encoding` fields (which describe the cut body) and
//! drops the body up to the line end before the next boundary.
//!
//! The cut is made only where the structure is plain (clean header blocks,
//! simple `boundary` parameters, boundaries the parser finds the same way):
//! anything else leaves the message whole, which is always correct.

use memchr::memmem;

/// `raw` without the bodies of its attached messages, or `None` when
/// nothing was cut.
pub(super) fn cut_returned(raw: &[u8]) -> Option<Vec<u8>> {
    // Most messages attach none: one quick look saves walking their parts.
    static ATTACHED: std::sync::LazyLock<[memmem::Finder<'static>; 4]> =
        std::sync::LazyLock::new(|| {
            [b"/rfc822", b"/RFC822", b"/global", b"/GLOBAL"]
                .map(|n| memmem::Finder::new(n))
        });
    if !ATTACHED.iter().any(|f| f.find(raw).is_some()) {
        return None;
    }
    let (fields, body) = header_block(raw, 0)?;
    let ct = ContentType::of(raw, &fields)?;
    if ct.kind != Kind::Multipart {
        return None;
    }
    let mut drops = Vec::new();
    multipart(raw, body, ct.boundary?, &mut drops, 0)?;
    if drops.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    for (start, end) in drops {
        out.extend_from_slice(&raw[at..start]);
        at = end;
    }
    out.extend_from_slice(&raw[at..]);
    Some(out)
}

/// The fields of an attached message that are read (see `original_of`).
const READ: &[&[u8]] = &[b"from", b"to", b"message-id", b"subject"];

/// How deep multiparts are followed before giving up on cutting.
const MAX_DEPTH: usize = 16;

/// Walks the multipart whose body starts at `from`, adding byte ranges
/// to drop. Returns where its closing delimiter ends.
fn multipart(
    raw: &[u8],
    from: usize,
    boundary: &[u8],
    drops: &mut Vec<(usize, usize)>,
    depth: usize,
) -> Option<usize> {
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
    // A message with no text part of its own is read from its raw body,
    // attached copies included: such a message is left whole.
    let mut texts = 0;
    loop {
        let rest = &raw[pos..];
        if rest.starts_with(b"--") {
            let whole = parts == 0 || depth == 0 && texts == 0;
            return (!whole).then_some(pos + 2);
        }
        parts += 1;
        let part = pos + line_end(rest)?;
        let (fields, body) = header_block(raw, part)?;
        let ct = ContentType::of(raw, &fields)?;
        texts += usize::from(ct.text);
        pos = match ct.kind {
            Kind::Multipart => {
                let end = multipart(raw, body, ct.boundary?, drops, depth + 1)?;
                find(end)?
            }
            Kind::Message if identity_encoded(raw, &fields)? => {
                let (inner, inner_body) = header_block(raw, body)?;
                // The parser reads an attached multipart by its own
                // boundary and looks for this one only after its end.
                let inner_ct = ContentType::of(raw, &inner)?;
                let from = match inner_ct.kind {
                    Kind::Multipart => {
                        let own = inner_ct.boundary?;
                        if own.starts_with(boundary)
                            || boundary.starts_with(own)
                        {
                            return None;
                        }
                        let mut unused = Vec::new();
                        multipart(raw, inner_body, own, &mut unused, depth + 1)?
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
                for (i, f) in inner.iter().enumerate() {
                    if !keep(f) && i != spare {
                        drops.push((f.start, f.end));
                    }
                }
                let end = line_start_before(raw, delimiter_at);
                if end > inner_body {
                    drops.push((inner_body, end));
                }
                next
            }
            Kind::Digest => return None,
            _ => find(body)?,
        };
    }
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
    let mut fields: Vec<Field> = Vec::new();
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
    let has = |word: &[u8]| {
        v.windows(word.len()).any(|w| w.eq_ignore_ascii_case(word))
    };
    Some(!has(b"base64") && !has(b"quoted-printable"))
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Multipart,
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
            });
        };
        let value = &raw[f.start + f.name_len + 1..f.end];
        if value.iter().any(|c| matches!(c, b'(' | b'\\' | b'*' | b'\'')) {
            return None;
        }
        let mut params = value.split(|&c| c == b';');
        let ty = params.next()?.trim_ascii().to_ascii_lowercase();
        let token = |c: &u8| c.is_ascii_alphanumeric() || b"-+._/".contains(c);
        if ty.iter().filter(|&&c| c == b'/').count() != 1
            || !ty.iter().all(token)
        {
            return None;
        }
        let kind = match ty.as_slice() {
            b"multipart/digest" => Kind::Digest,
            b"message/rfc822" | b"message/global" => Kind::Message,
            t if t.starts_with(b"multipart/") => Kind::Multipart,
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
        if kind == Kind::Multipart && boundary.is_none() {
            return None;
        }
        let text = matches!(ty.as_slice(), b"text/plain" | b"text/html");
        Some(ContentType { kind, boundary, text })
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
        let cut = cut_returned(REPORT.as_bytes()).unwrap();
        let cut = String::from_utf8(cut).unwrap();
        assert!(cut.contains(
            "--b1\nContent-Type: message/rfc822\n\n\
From: a@example.org\nSubject: hi\n\n\n--b1--\n"
        ));
        let routed = REPORT.replace("From: a@", "Received: x\nFrom: a@");
        let shorter = cut_returned(routed.as_bytes()).unwrap();
        assert!(!String::from_utf8(shorter).unwrap().contains("Received"));
        assert!(cut.contains("--b1\nContent-Type: text/plain\n\nsorry\n"));
        assert!(!cut.contains("the body"));
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
        ];
        let pieces = || {
            prop::collection::vec(0..PIECES.len(), 0..12).prop_map(|ids| {
                ids.iter().map(|&i| PIECES[i]).collect::<String>()
            })
        };
        static CUTS: std::sync::atomic::AtomicUsize =
            std::sync::atomic::AtomicUsize::new(0);
        let config = ProptestConfig::with_cases(10000);
        proptest!(config, |(a in pieces(), b in pieces(), c in pieces())| {
            let raw = format!(
                "From: d@example.net\nSubject: s\n\
        Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
        Content-Type: text/plain\n\n{a}\n--b\nContent-Type: message/rfc822\n\n\
        From: a@example.org\n{b}\nbody {c}\n--b--\n"
            );
            if let Some(shorter) = cut_returned(raw.as_bytes()) {
                CUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                prop_assert!(shorter.len() < raw.len());
                let whole = super::super::parse_whole(raw.as_bytes());
                let cut = super::super::parse_whole(&shorter);
                let (a, b) = (whole.unwrap(), cut.unwrap());
                prop_assert_eq!(&a.subject, &b.subject);
                prop_assert_eq!(&a.headers, &b.headers);
                prop_assert_eq!(&a.delivery_status, &b.delivery_status);
                prop_assert_eq!(&a.feedback_report, &b.feedback_report);
                prop_assert_eq!(&a.report_type, &b.report_type);
                prop_assert_eq!(a.attached.is_some(), b.attached.is_some());
                prop_assert_eq!(
                    format!("{:?}", a.returned),
                    format!("{:?}", b.returned)
                );
                prop_assert_eq!(a.texts, b.texts);
            }
        });
        // The pieces must make cuttable messages, or the test tests nothing.
        assert!(CUTS.load(std::sync::atomic::Ordering::Relaxed) > 0);
    }

    #[test]
    fn unclear_structure_is_left_whole() {
        // An attached header block that runs into the boundary.
        let start = REPORT.find("Content-Type: multipart/mixed").unwrap();
        let end = REPORT.find("--b1--").unwrap();
        let no_blank = format!("{}{}", &REPORT[..start], &REPORT[end..]);
        assert!(cut_returned(no_blank.as_bytes()).is_none());
        let encoded = REPORT.replace(
            "message/rfc822\n",
            "message/rfc822\nContent-Transfer-Encoding: base64\n",
        );
        assert!(cut_returned(encoded.as_bytes()).is_none());
        let plain = "From: a@example.org\nSubject: hi\n\nbody\n";
        assert!(cut_returned(plain.as_bytes()).is_none());
        // A boundary with a byte outside ASCII, which the parser may not
        // find the way the cut would.
        let latin1 = REPORT.replace("b1", "b\u{e9}1");
        assert!(cut_returned(latin1.as_bytes()).is_none());
        // No text part of its own: the parser reads the raw body.
        let no_text = REPORT.replace("text/plain", "application/x-note");
        assert!(cut_returned(no_text.as_bytes()).is_none());
    }
}
