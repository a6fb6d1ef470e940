//! Reading a message without building the MIME parser's tree, where the
//! cut (`cut.rs`) has read its whole structure and taken out every body
//! that is read: the parts are read in order as `collect` reads the
//! parser's tree, each field and body by mail-parser's own field readers
//! and charset decoders, so that the reading is the parser's.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;

use super::block::{has_word, Field};
use super::html::html_to_text;
use super::{
    decode_charset, first_address, iso_utc, mislabelled, parse_original,
    store_report, Attached, Original, Parsed, Sender, Taken,
};

/// A part read, of a message whose structure the cut read in full.
pub(super) enum Leaf<'a> {
    /// A part whose body was taken out, from `body` in the raw message;
    /// `given` is its type as its `Content-Type` gives it and where the
    /// field's value starts and ends (none when it declares no type).
    Taken { body: usize, given: Option<(&'a [u8], usize, usize)> },
    /// An attached message (whose header block has fields that are read),
    /// and where the parser finds it in the raw message (its range as an
    /// `Attached::Range`).
    Attached(Returned, (usize, usize)),
    /// The body of a multipart from `body` on, whose boundary is nowhere in
    /// it: the parser reads it as one text of the multipart's type, which
    /// `collect` does not read, and so reads the raw body as the text.
    Body(usize),
}

/// Where the values of the fields of a returned message's header block
/// that are read start (`To`, which is kept as it is, with where it
/// ends): of the last field of each name, the one the parser's getters
/// read.
#[derive(Default)]
pub(super) struct Returned {
    from: Option<(usize, usize)>,
    to: Option<(usize, usize)>,
    message_id: Option<(usize, usize)>,
    subject: Option<(usize, usize)>,
}

impl Returned {
    /// The fields of `fields` (of `raw`).
    pub fn of(raw: &[u8], fields: &[Field]) -> Returned {
        let mut read = Returned::default();
        for f in fields {
            let at = f.start + f.name_len + 1;
            if f.is(raw, b"from") {
                read.from = Some((at, f.end));
            } else if f.is(raw, b"to") {
                read.to = Some((at, f.end));
            } else if f.is(raw, b"message-id") {
                read.message_id = Some((at, f.end));
            } else if f.is(raw, b"subject") {
                read.subject = Some((at, f.end));
            }
        }
        read
    }

    /// True when there is none of the fields.
    pub fn is_empty(&self) -> bool {
        self.from.is_none()
            && self.to.is_none()
            && self.message_id.is_none()
            && self.subject.is_none()
    }

    /// The returned original, its fields read by the readers the parser
    /// reads them by (`original_of`).
    pub fn read(&self, raw: &[u8]) -> Original {
        let stream = |at: usize| MessageStream::new(&raw[at..]);
        let text = |at: Option<usize>, id: bool| {
            at.map(|at| {
                let value = match id {
                    true => stream(at).parse_id(),
                    false => stream(at).parse_unstructured(),
                };
                value.as_text().unwrap_or_default().to_string()
            })
            .unwrap_or_default()
        };
        let message_id = match self.message_id {
            Some((at, end)) => match plain_id(raw, at, end) {
                Some(id) => id.to_string(),
                None => text(Some(at), true),
            },
            None => String::new(),
        };
        Original {
            from: match self.from {
                Some((at, end)) => match plain_address(raw, at, end) {
                    Some(address) => address.to_string(),
                    None => {
                        first_address(stream(at).parse_address().as_address())
                    }
                },
                None => String::new(),
            },
            to_field: self
                .to
                .map(|(at, end)| raw[at..end].to_vec())
                .unwrap_or_default(),
            message_id,
            subject: match self.subject {
                Some((at, end)) => match plain_text(raw, at, end) {
                    Some(text) => text.into_owned(),
                    None => text(Some(at), false),
                },
                None => String::new(),
            },
        }
    }
}

/// The value `raw[at..end]` of a field of one line, white space (and a
/// CR) trimmed around it, when the field's line is ended and no folded
/// line follows: the field readers of the parser read on over a line end
/// followed by white space, and find nothing in a line not ended.
fn one_line(raw: &[u8], at: usize, end: usize) -> Option<&[u8]> {
    let value = raw.get(at..end)?;
    let line = value.strip_suffix(b"\n")?;
    if memchr::memchr(b'\n', line).is_some()
        || matches!(raw.get(end), Some(b' ' | b'\t'))
    {
        return None;
    }
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r');
    let start = line.iter().position(|c| !blank(c))?;
    let stop = line.iter().rposition(|c| !blank(c))? + 1;
    Some(&line[start..stop])
}

/// The id of the `Message-ID` field whose value is `raw[at..end]`, when
/// it is the plain `<id>` of one line (see [`one_line`]; an id of no
/// white space or angle brackets, valid UTF-8), as `parse_id` reads it
/// byte by byte: `None` for any other value, which is left to `parse_id`.
pub(super) fn plain_id(raw: &[u8], at: usize, end: usize) -> Option<&str> {
    let line = one_line(raw, at, end)?;
    let id = line.strip_prefix(b"<")?.strip_suffix(b">")?;
    let odd = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'<' | b'>');
    if id.is_empty() || id.iter().any(odd) {
        return None;
    }
    std::str::from_utf8(id).ok()
}

/// The text of the unstructured field (`Subject`) whose value is
/// `raw[at..end]`, when it is of one line (see [`one_line`]) and holds no
/// `=?` (no encoded word), as `parse_unstructured` reads it: the line
/// trimmed, its bytes read as UTF-8 with replacements. `None` for any
/// other value (or one of white space only), left to it.
pub(super) fn plain_text(
    raw: &[u8],
    at: usize,
    end: usize,
) -> Option<Cow<'_, str>> {
    let line = one_line(raw, at, end)?;
    let encoded = memchr::memmem::find(line, b"=?").is_some();
    (!encoded).then(|| String::from_utf8_lossy(line))
}

/// True for a name before an address in angle brackets that cannot change
/// how the address is read: of letters, digits and spaces, or quoted (of
/// printable ASCII but quotes and backslashes) and followed by spaces.
fn plain_name(name: &[u8]) -> bool {
    let Some(quoted) = name.strip_prefix(b"\"") else {
        return name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b' ');
    };
    let Some(close) = memchr::memchr(b'"', quoted) else {
        return false;
    };
    let inside = |c: &u8| matches!(c, b' '..=b'~') && *c != b'\\';
    quoted[..close].iter().all(inside)
        && quoted[close + 1..].iter().all(|c| *c == b' ')
}

/// The address of the `From` field whose value is `raw[at..end]`, when it
/// is a plain one of one line (see [`one_line`]): `local@domain`, or in
/// angle brackets after a plain name ([`plain_name`]), the address
/// of letters, digits and `.-_+` around one `@`; as `parse_address` and
/// [`first_address`] read it. `None` for any other value, left to them.
pub(super) fn plain_address(raw: &[u8], at: usize, end: usize) -> Option<&str> {
    let line = one_line(raw, at, end)?;
    let address = match line.strip_suffix(b">") {
        Some(named) => {
            let open = memchr::memchr(b'<', named)?;
            if !plain_name(&named[..open]) {
                return None;
            }
            &named[open + 1..]
        }
        None => line,
    };
    let plain = |c: &u8| c.is_ascii_alphanumeric() || b".-_+".contains(c);
    let at_sign = memchr::memchr(b'@', address)?;
    let (local, domain) = (&address[..at_sign], &address[at_sign + 1..]);
    let clean = |part: &[u8]| !part.is_empty() && part.iter().all(plain);
    (clean(local) && clean(domain)).then_some(())?;
    std::str::from_utf8(address).ok()
}

/// Where the values of the top-level fields read start (`From`, which is
/// read when first asked for, with where it ends): of the last field of
/// each name, the one the parser's getters read.
#[derive(Default, Debug, PartialEq, Eq)]
pub(super) struct Top {
    subject: Option<usize>,
    from: Option<(usize, usize)>,
    date: Option<usize>,
}

impl Top {
    /// The top-level fields of `fields` (of `raw`), in a pass of their
    /// own (`cut::top_fields` finds them on its way).
    #[cfg(test)]
    pub fn of(raw: &[u8], fields: &[Field]) -> Top {
        let mut top = Top::default();
        for f in fields {
            let at = f.start + f.name_len + 1;
            if f.is(raw, b"subject") {
                top.subject = Some(at);
            } else if f.is(raw, b"from") {
                top.from = Some((at, f.end));
            } else if f.is(raw, b"date") {
                top.date = Some(at);
            }
        }
        top
    }

    /// The same from the last field of each name, found elsewhere.
    pub fn of_fields(
        subject: Option<&Field>,
        from: Option<&Field>,
        date: Option<&Field>,
    ) -> Top {
        let at = |f: &Field| f.start + f.name_len + 1;
        Top {
            subject: subject.map(at),
            from: from.map(|f| (at(f), f.end)),
            date: date.map(at),
        }
    }

    /// The top-level `From` (of `raw`), unread.
    pub fn sender(&self, raw: &[u8]) -> Sender {
        match self.from {
            Some((at, end)) => Sender::unread(&raw[at..end]),
            None => Sender::read(String::new()),
        }
    }
}

/// What the cut found that this reading needs.
pub(super) struct Direct<'a> {
    /// The parts read, in order (HTML alternatives to a plain text and
    /// parts that nothing reads left out).
    pub leaves: Vec<Leaf<'a>>,
    pub top: Top,
    /// Where in the raw message each body taken out was, in the order of
    /// `Shortened::taken`.
    pub taken_from: Vec<usize>,
}

/// `raw` read from what the cut found, as `parse_whole` reads the
/// shortened message (`taken` its bodies taken out, `attached_cut` when it
/// cut an attached message), but for the kept top-level fields, left
/// empty. `None` where this reading cannot be sure to be the same.
pub(super) fn read(
    raw: &[u8],
    direct: &Direct<'_>,
    taken: &Taken<'_>,
    attached_cut: bool,
) -> Option<Parsed> {
    let top = &direct.top;
    let stream = |at: usize| MessageStream::new(&raw[at..]);
    let mut parsed = Parsed {
        subject: top
            .subject
            .map(|at| {
                let value = stream(at).parse_unstructured();
                value.as_text().unwrap_or_default().to_string()
            })
            .unwrap_or_default(),
        from: top.sender(raw),
        date: top
            .date
            .and_then(|at| stream(at).parse_date().as_datetime().map(iso_utc))
            .unwrap_or_default(),
        ..Parsed::default()
    };
    for leaf in &direct.leaves {
        match *leaf {
            Leaf::Attached(ref read, range) => {
                if !attached_cut {
                    return None;
                }
                if parsed.returned.is_none() {
                    parsed.returned = Some(read.read(raw));
                }
                // The first one's range, as the parser gives it.
                if parsed.attached.is_none() {
                    parsed.attached = Some(Attached::Range(range.0, range.1));
                }
            }
            Leaf::Body(body) => {
                let text = String::from_utf8_lossy(&raw[body..]);
                parsed.texts.push(text.into_owned());
            }
            Leaf::Taken { body, given } => {
                let i = direct.taken_from.binary_search(&body).ok()?;
                let (_, body, decoded) = taken.get(i)?;
                read_taken(raw, &mut parsed, given, body, *decoded)?;
            }
        }
    }
    // With nothing read, the parser's reading of the raw body is.
    if parsed.texts.is_empty()
        && parsed.delivery_status.is_none()
        && parsed.feedback_report.is_none()
    {
        return None;
    }
    Some(parsed)
}

/// Reads the part of type `given` whose body `body` was taken out, as
/// `collect` reads the part the parser makes of it: text (`text/*`, or no
/// type) decoded from its charset, other parts as bytes.
fn read_taken(
    raw: &[u8],
    parsed: &mut Parsed,
    given: Option<(&[u8], usize, usize)>,
    body: &[u8],
    decoded: bool,
) -> Option<()> {
    let (ty, value) = match given {
        Some((ty, at, end)) => (std::str::from_utf8(ty).ok()?, Some((at, end))),
        None => ("", None),
    };
    let ty = ty.to_ascii_lowercase();
    let (ctype, subtype) = match ty.split_once('/') {
        Some((c, s)) if !c.is_empty() && !s.is_empty() => (c, s),
        // A type the parser could read otherwise.
        Some(_) => return None,
        None => ("", ""),
    };
    if !ctype.is_empty() && ctype != "text" {
        if ctype == "message" {
            store_report(parsed, subtype, body);
        }
        return Some(());
    }
    // A value that names no charset has none.
    let named = value.filter(|&(at, end)| has_word(&raw[at..end], b"charset"));
    let ct = named
        .map(|(at, _)| MessageStream::new(&raw[at..]).parse_content_type());
    let charset =
        ct.as_ref().and_then(|ct| ct.as_content_type()?.attribute("charset"));
    let text = decode_charset(body, charset);
    if subtype == "html" {
        parsed.texts.push(html_to_text(&text));
    } else if ctype == "text" && subtype.contains("headers") {
        if parsed.returned.is_none() {
            parsed.returned = parse_original(text.as_bytes());
        }
    } else if subtype.contains("delivery-status") {
        store_report(parsed, subtype, text.as_bytes());
    } else {
        // Read from its raw body when mislabelled (see `utf8_body`).
        let raw_body =
            charset.and_then(|c| mislabelled(c, decoded, &text, body));
        let changed = match raw_body {
            Some(raw_body) => Some(raw_body.into_owned()),
            None => match crate::charset::undeclared_str(&text) {
                Cow::Owned(changed) => Some(changed),
                Cow::Borrowed(_) => None,
            },
        };
        parsed.texts.push(changed.unwrap_or(text));
    }
    Some(())
}
