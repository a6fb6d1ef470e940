//! The one place that uses the MIME library (mail-parser): it turns a raw
//! message into a [`Parsed`] view that holds only what the decoders need —
//! a few top-level headers, the human-readable text before any returned
//! message, the machine-readable report parts as raw bytes, and the headers
//! of the returned original. Decoding what those parts say is left to `dsn`,
//! `arf` and `text`.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{
    Encoding, HeaderName, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};

mod block;
mod cut;
mod direct;
mod html;
mod sender;

use html::html_to_text;
pub use sender::Sender;

/// The parts of a message that can hold report data.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Top-level `Subject`.
    pub subject: String,
    /// Address of the top-level `From` (read by [`Sender::address`]).
    pub from: Sender,
    /// Top-level `Date` as ISO 8601 UTC, or empty.
    pub date: String,
    /// Selected top-level headers, names lower-cased, values unfolded
    /// (empty for those only looked for, see `PRESENCE_ONLY`).
    pub headers: Vec<(String, String)>,
    /// Human-readable text parts, in order (HTML converted to text).
    pub texts: Vec<String>,
    /// The raw `message/delivery-status` part, if any.
    pub delivery_status: Option<Vec<u8>>,
    /// The raw `message/feedback-report` part, if any.
    pub feedback_report: Option<Vec<u8>>,
    /// The returned original, if one is attached.
    pub returned: Option<Original>,
    /// The first attached `message/rfc822` part, so that a forwarded
    /// bounce can be decoded.
    pub attached: Option<Attached>,
    /// True when the bodies of attached messages were cut before parsing
    /// and where the first one lies is not known (`attached` is none:
    /// [`attached`] finds it).
    pub cut: bool,
}

/// Where the bytes of an attached message are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attached {
    /// A byte range of the raw message: the part is not transfer-encoded.
    Range(usize, usize),
    /// The part's body after its base64 or quoted-printable transfer
    /// encoding was undone by the MIME parser.
    Decoded(Vec<u8>),
}

impl Attached {
    /// The attached message's bytes, given the raw message it came from;
    /// `None` when the range lies outside `raw`.
    pub fn bytes<'a>(&'a self, raw: &'a [u8]) -> Option<&'a [u8]> {
        match self {
            Attached::Range(start, end) => {
                raw.get(*start..(*end).min(raw.len()))
            }
            Attached::Decoded(bytes) => Some(bytes),
        }
    }
}

/// Headers of the returned original message.
#[derive(Debug, Default, Clone)]
pub struct Original {
    /// Address of `From`.
    pub from: String,
    /// The value of `To` (read by [`Original::to`]).
    to_field: Vec<u8>,
    /// `Message-ID` without angle brackets.
    pub message_id: String,
    /// `Subject`.
    pub subject: String,
}

impl Parsed {
    /// The value of a kept top-level header (`name` lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Original {
    /// Addresses of `To`, in order.
    pub fn to(&self) -> Vec<String> {
        let to = MessageStream::new(&self.to_field).parse_address();
        to.as_address()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.address())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The bytes of the value of the last field `name` of `message` (the one
/// the parser's getters read), or none: a value read only when needed, by
/// the parser's reader of its kind, as `Message::header_as` reads one.
fn field_value(message: &Message<'_>, name: HeaderName<'_>) -> Vec<u8> {
    let field = message.headers().iter().rev().find(|h| h.name == name);
    field
        .and_then(|h| {
            let (start, end) = (h.offset_start(), h.offset_end());
            message.raw_message.get(start as usize..end as usize)
        })
        .unwrap_or_default()
        .to_vec()
}

/// The value kept of the top-level field `name` (one of [`KEPT`]): for
/// those of [`PRESENCE_ONLY`], nothing (not unfolded for nothing).
fn kept_value(name: &str, value: &str) -> String {
    if PRESENCE_ONLY.contains(&name) {
        return String::new();
    }
    crate::codes::unfold(value)
}

/// Kept fields whose value no decoder reads: only that there is one
/// counts (a message with no other field is still mail).
const PRESENCE_ONLY: &[&str] = &[
    "x-auto-response-suppress",
    "in-reply-to",
    "content-type",
    "return-path",
    "received",
];

/// Top-level headers the decoders look at (the values of
/// [`PRESENCE_ONLY`] ones are left empty).
const KEPT: &[&str] = &[
    "auto-submitted",
    "x-failed-recipients",
    "precedence",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "in-reply-to",
    "content-type",
    "x-apple-action",
    "return-path",
    "to",
    "received",
    "x-mlserver",
    "mailing-list",
];

/// The MIME parser, made once: only the fields read as values are parsed
/// (`Content-Type` and `Content-Transfer-Encoding`, which the parser reads
/// the structure by, and those of [`read_original`]); every other field
/// is skipped, its bytes still found by its offsets (the kept fields of
/// [`KEPT`], `To`). `Content-Disposition` would only sort parts into the
/// parser's lists of attachments and bodies, which nothing reads.
fn parser() -> &'static MessageParser {
    static PARSER: std::sync::LazyLock<MessageParser> =
        std::sync::LazyLock::new(|| {
            read_original(MessageParser::new())
                .header_content_type(HeaderName::ContentType)
                .header_text(HeaderName::ContentTransferEncoding)
        });
    &PARSER
}

/// The parser of returned headers given as text: only the fields
/// [`original_of`] reads are parsed.
fn originals() -> &'static MessageParser {
    static PARSER: std::sync::LazyLock<MessageParser> =
        std::sync::LazyLock::new(|| read_original(MessageParser::new()));
    &PARSER
}

/// `parser` made to parse the fields of a message read as values (those
/// of [`original_of`] but `To`, read when needed by [`Original::to`]) and
/// `Date`, and to skip any it has not been told of. Skipping a field ends
/// where the readers of the others end, at the first line end not followed
/// by a fold, but for the date reader (which takes the two bytes after the
/// first letter of a zone, a line end among them): `Date` is parsed even
/// where it is not read, so that the fields after it are read the same.
fn read_original(parser: MessageParser) -> MessageParser {
    parser
        .header_date(HeaderName::Date)
        .header_address(HeaderName::From)
        .header_id(HeaderName::MessageId)
        .header_text(HeaderName::Subject)
        .default_header_ignore()
}

/// Parses `raw`. Returns `None` when it does not look like a mail message
/// at all (no header field could be read). The bodies of attached messages
/// are cut first: only their headers are read.
pub fn parse(raw: &[u8]) -> Option<Parsed> {
    let Some(mut shorter) = cut::shorten(raw) else {
        return parse_whole(raw, &[], None);
    };
    let kept = std::mem::take(&mut shorter.headers);
    let direct = shorter.direct.as_ref().and_then(|d| {
        direct::read(raw, d, &shorter.taken, shorter.attached_cut)
    });
    let (mut parsed, read_raw) = match direct {
        Some(parsed) => (Parsed { headers: kept, ..parsed }, true),
        None => {
            (parse_whole(&shorter.bytes, &shorter.taken, Some(kept))?, false)
        }
    };
    if let Some(date) = &shorter.date {
        parsed.date = parse_date(&crate::codes::unfold(date));
    }
    // An attached message's range is one of the shorter message: it is
    // found in `raw` unless an edit lies in it. A cut attached message is
    // found again, when needed, by `attached`, but where the direct
    // reading gives its range in `raw`.
    let mut lost = shorter.attached_cut;
    parsed.attached = match parsed.attached.take() {
        Some(attached) if read_raw => {
            lost = false;
            Some(attached)
        }
        _ if lost => None,
        Some(Attached::Range(start, end)) => {
            let range = shorter.original(start, end);
            lost = range.is_none();
            range.map(|(start, end)| Attached::Range(start, end))
        }
        attached => attached,
    };
    parsed.cut = lost;
    Some(parsed)
}

/// The first attached message of `raw`, for a message that [`parse`] read
/// with the attached bodies cut.
pub fn attached(raw: &[u8]) -> Option<Attached> {
    parse_whole(raw, &[], None)?.attached
}

/// Bodies of text parts taken out of the message before parsing, by
/// where they were, in order, each with whether it was decoded from its
/// transfer encoding (see [`cut::Shortened::taken`]).
type Taken<'a> = [(usize, Cow<'a, [u8]>, bool)];

/// Parses `raw` (with the bodies `taken` out of it). The kept top-level
/// fields are `kept` when already read, else read from the parsed header.
fn parse_whole(
    raw: &[u8],
    taken: &Taken<'_>,
    kept: Option<Vec<(String, String)>>,
) -> Option<Parsed> {
    let message = parser().parse(raw)?;
    if message.headers().is_empty() {
        return None;
    }
    let mut parsed = Parsed {
        subject: message.subject().unwrap_or_default().to_string(),
        from: Sender::read(first_address(message.from())),
        date: message.date().map(iso_utc).unwrap_or_default(),
        ..Parsed::default()
    };
    match kept {
        Some(kept) => parsed.headers = kept,
        None => read_kept(&message, raw, &mut parsed.headers),
    }
    let mut seen = vec![false; message.parts.len()];
    collect(&message, 0, &mut parsed, &mut seen, taken, 0);
    if parsed.texts.is_empty()
        && parsed.delivery_status.is_none()
        && parsed.feedback_report.is_none()
    {
        // A multipart whose boundary never appears: its body is the text.
        if let Some(root) = message.part(0) {
            let body = raw.get(root.offset_body as usize..).unwrap_or_default();
            parsed.texts.push(String::from_utf8_lossy(body).into_owned());
        }
    }
    Some(parsed)
}

/// The kept top-level fields of `message` (parsed from `raw`).
fn read_kept(
    message: &Message<'_>,
    raw: &[u8],
    headers: &mut Vec<(String, String)>,
) {
    // The first field of each kept name, found in one pass (as
    // `header_raw` would give it: `None` when not UTF-8).
    let mut first: [Option<Option<&str>>; KEPT.len()] = [None; KEPT.len()];
    for h in message.headers() {
        let name = h.name();
        if let Some(i) = KEPT.iter().position(|k| k.eq_ignore_ascii_case(name))
        {
            let bytes = raw
                .get(h.offset_start() as usize..h.offset_end() as usize)
                .unwrap_or_default();
            first[i].get_or_insert(std::str::from_utf8(bytes).ok());
        }
    }
    for (name, value) in KEPT.iter().zip(first) {
        if let Some(Some(v)) = value {
            headers.push((name.to_string(), kept_value(name, v)));
        }
    }
}

/// Walks the parts of `message` below part `id`, filling `parsed`.
/// Each part is visited once, at most 64 deep: a broken message can make
/// mail-parser's part tree loop back on itself (found by fuzzing), which
/// would never end.
fn collect(
    message: &Message<'_>,
    id: u32,
    parsed: &mut Parsed,
    seen: &mut [bool],
    taken: &Taken<'_>,
    depth: usize,
) {
    let Some(part) = message.part(id) else { return };
    if depth > 64 {
        return;
    }
    match seen.get_mut(id as usize) {
        Some(s) if !*s => *s = true,
        _ => return,
    }
    let (ctype, subtype) = content_type(part);
    match &part.body {
        PartType::Multipart(children) => {
            // Of the alternatives, the plain text says it all.
            let plain = subtype == "alternative"
                && children.iter().any(|c| is_text(message, *c, "plain"));
            for child in children {
                if plain && is_text(message, *child, "html") {
                    continue;
                }
                collect(message, *child, parsed, seen, taken, depth + 1);
            }
        }
        PartType::Message(original) => {
            if parsed.returned.is_none() {
                parsed.returned = Some(original_of(original));
            }
            if parsed.attached.is_none() {
                // The offsets are those of the still-encoded body.
                parsed.attached = Some(match part.encoding {
                    Encoding::None => Attached::Range(
                        part.offset_body as usize,
                        part.offset_end as usize,
                    ),
                    _ => Attached::Decoded(original.raw_message().to_vec()),
                });
            }
        }
        PartType::Text(text)
            if ctype == "text" && subtype.contains("headers") =>
        {
            if parsed.returned.is_none() {
                let side = taken_text(taken, part, text);
                let text = side.as_deref().unwrap_or(text);
                parsed.returned = parse_original(text.as_bytes());
            }
        }
        PartType::Text(text) | PartType::Html(text)
            if ctype == "message" || subtype.contains("delivery-status") =>
        {
            let side = taken_text(taken, part, text);
            let text = side.as_deref().unwrap_or(text);
            store_report(parsed, &subtype, text.as_bytes());
        }
        PartType::Text(text) => {
            if ctype == "text" || ctype.is_empty() {
                let side = taken_text(taken, part, text);
                let body = side.as_deref().unwrap_or(text);
                // A body taken out is the raw one, or decoded from its
                // transfer encoding (which `utf8_body` passes by).
                let entry = taken_entry(taken, part, text.as_bytes());
                let decoded = entry.is_some_and(|(_, _, d)| *d);
                let raw = entry
                    .map(|(_, b, _)| b.as_ref())
                    .or_else(|| raw_body(message, part));
                let changed = match utf8_body(raw, part, decoded, body) {
                    Some(body) => Some(body.into_owned()),
                    None => match crate::charset::undeclared_str(body) {
                        Cow::Owned(t) => Some(t),
                        Cow::Borrowed(_) => None,
                    },
                };
                // A taken body left as it is is moved, not copied.
                let text = changed.or(side).unwrap_or_else(|| text.to_string());
                parsed.texts.push(text);
            }
        }
        PartType::Html(html) => {
            let side = taken_text(taken, part, html);
            parsed.texts.push(html_to_text(side.as_deref().unwrap_or(html)));
        }
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            let bytes = taken_bytes(taken, part, bytes).unwrap_or(bytes);
            if ctype == "message" {
                store_report(parsed, &subtype, bytes);
            } else if ctype == "text" {
                let text = crate::charset::undeclared_text(bytes);
                parsed.texts.push(text.into_owned());
            }
        }
    }
}

/// The raw body of `part` of `message`.
fn raw_body<'a>(
    message: &'a Message<'_>,
    part: &MessagePart<'_>,
) -> Option<&'a [u8]> {
    let (start, end) = (part.offset_body as usize, part.offset_end as usize);
    message.raw_message().get(start..end)
}

/// The raw body `raw` of a part declared 7-bit ISO-2022-JP whose bytes are
/// 8-bit (see [`mislabelled`]), when decoding as declared has turned them
/// into replacement characters.
fn utf8_body<'a>(
    raw: Option<&'a [u8]>,
    part: &MessagePart<'_>,
    taken_decoded: bool,
    decoded: &str,
) -> Option<Cow<'a, str>> {
    let charset = part.content_type()?.attribute("charset")?;
    let encoded = taken_decoded
        || part.content_transfer_encoding().is_some_and(|e| {
            e.eq_ignore_ascii_case("base64")
                || e.eq_ignore_ascii_case("quoted-printable")
        });
    mislabelled(charset, encoded, decoded, raw?)
}

/// The raw body `raw` of a part of charset `charset` as [`utf8_body`]
/// reads it, `encoded` when it is base64 or quoted-printable encoded.
fn mislabelled<'a>(
    charset: &str,
    encoded: bool,
    decoded: &str,
    raw: &'a [u8],
) -> Option<Cow<'a, str>> {
    if !charset.eq_ignore_ascii_case("iso-2022-jp")
        || encoded
        || !decoded.contains('\u{fffd}')
    {
        return None;
    }
    crate::charset::mislabelled(raw)
}

/// The body of a part that was taken out before parsing (the parser read
/// it empty, as `parsed`), as the parser would have read it before
/// decoding its charset.
fn taken_bytes<'t>(
    taken: &'t Taken<'_>,
    part: &MessagePart<'_>,
    parsed: &[u8],
) -> Option<&'t [u8]> {
    taken_entry(taken, part, parsed).map(|(_, body, _)| body.as_ref())
}

/// The entry of `taken` of a part that was taken out before parsing (the
/// parser read it empty, as `parsed`).
fn taken_entry<'t, 'a>(
    taken: &'t Taken<'a>,
    part: &MessagePart<'_>,
    parsed: &[u8],
) -> Option<&'t (usize, Cow<'a, [u8]>, bool)> {
    if !parsed.is_empty() {
        return None;
    }
    let at = part.offset_body as usize;
    // In the order of the message (a message may have thousands of parts).
    let i = taken.binary_search_by_key(&at, |(start, ..)| *start).ok()?;
    taken.get(i)
}

/// The text of a part whose body was taken out before parsing (the parser
/// read it empty), its charset decoded as the parser decodes one.
fn taken_text(
    taken: &Taken<'_>,
    part: &MessagePart<'_>,
    parsed: &str,
) -> Option<String> {
    let body = taken_bytes(taken, part, parsed.as_bytes())?;
    let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
    Some(decode_charset(body, charset))
}

/// `body` decoded from `charset` as the parser decodes a text part's body.
fn decode_charset(body: &[u8], charset: Option<&str>) -> String {
    let decoder = charset.and_then(|c| charset_decoder(c.as_bytes()));
    match decoder {
        // Such a charset reads ASCII as ASCII, byte for byte.
        Some(_) if charset.is_some_and(ascii_based) && body.is_ascii() => {
            utf8_lossy(body)
        }
        Some(decode) => decode(body),
        None => utf8_lossy(body),
    }
}

/// `String::from_utf8_lossy`, with valid UTF-8 (nearly all text) checked
/// by a faster validator first.
fn utf8_lossy(bytes: &[u8]) -> String {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// True for the names of charsets whose decoder reads each ASCII byte as
/// itself whatever surrounds it (single-byte tables, UTF-8), unlike
/// ISO-2022-JP, UTF-7, UTF-16 or HZ.
fn ascii_based(charset: &str) -> bool {
    let name = charset.to_ascii_lowercase().replace('-', "_");
    ["us_ascii", "ascii", "utf_8", "utf8"].contains(&name.as_str())
        || ["iso_8859_", "iso8859", "windows_125", "cp125"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// True when part `id` is `text/<subtype>`.
fn is_text(message: &Message<'_>, id: u32, subtype: &str) -> bool {
    message.part(id).is_some_and(|p| {
        let (c, s) = content_type(p);
        c == "text" && s == subtype
    })
}

fn store_report(parsed: &mut Parsed, subtype: &str, bytes: &[u8]) {
    if subtype.contains("delivery-status") {
        parsed
            .delivery_status
            .get_or_insert_with(Vec::new)
            .extend_from_slice(bytes);
    } else if subtype.contains("feedback-report") {
        parsed.feedback_report.get_or_insert_with(|| bytes.to_vec());
    } else if subtype.contains("headers") && parsed.returned.is_none() {
        parsed.returned = parse_original(bytes);
    }
}

/// The type and subtype of a part, lower-cased (empty when it declares
/// none).
fn content_type<'a>(part: &'a MessagePart<'_>) -> (Cow<'a, str>, Cow<'a, str>) {
    match part.content_type() {
        Some(ct) => {
            (lower(ct.ctype()), lower(ct.subtype().unwrap_or_default()))
        }
        None => (Cow::Borrowed(""), Cow::Borrowed("")),
    }
}

/// `value` in ASCII lower case, copied only when it is not already (the
/// parser lower-cases types itself).
fn lower(value: &str) -> Cow<'_, str> {
    if value.bytes().any(|c| c.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    }
}

/// Reads the headers of a returned original given as raw text (a
/// `text/rfc822-headers` part, or headers quoted in a plain-text bounce).
pub fn parse_original(raw: &[u8]) -> Option<Original> {
    // Returned headers are mostly `Received` and signatures, which the
    // parser would walk through a byte at a time: the fields read are read
    // on their own, where they are.
    if let Some(read) = cut::read_fields(raw) {
        return Some(read.read(raw));
    }
    let message = originals().parse_headers(raw)?;
    if message.headers().is_empty() {
        return None;
    }
    Some(original_of(&message))
}

fn original_of(message: &Message<'_>) -> Original {
    Original {
        from: first_address(message.from()),
        to_field: field_value(message, HeaderName::To),
        message_id: message.message_id().unwrap_or_default().to_string(),
        subject: message.subject().unwrap_or_default().to_string(),
    }
}

fn first_address(address: Option<&mail_parser::Address<'_>>) -> String {
    address
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_string()
}

/// Formats a parsed date as ISO 8601 in UTC (`2026-10-12T07:14:02Z`).
pub fn iso_utc(date: &mail_parser::DateTime) -> String {
    if !date.is_valid() {
        return String::new();
    }
    let utc = mail_parser::DateTime::from_timestamp(date.to_timestamp());
    // Written digit by digit: `format!` with padded fields cost more than
    // the rest of reading the date.
    let mut out = String::with_capacity(20);
    push_padded(&mut out, utc.year, 4);
    for (sep, n) in [
        ('-', utc.month),
        ('-', utc.day),
        ('T', utc.hour),
        (':', utc.minute),
        (':', utc.second),
    ] {
        out.push(sep);
        push_padded(&mut out, n.into(), 2);
    }
    out.push('Z');
    out
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (at most
/// 5), as `{n:0width$}` writes it.
fn push_padded(out: &mut String, n: u16, width: usize) {
    let mut digits = [b'0'; 5];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = at.min(digits.len() - width);
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Parses an RFC 5322 date (as in `Arrival-Date`) into ISO 8601 UTC.
pub fn parse_date(value: &str) -> String {
    mail_parser::DateTime::parse_rfc822(value.trim())
        .map(|d| iso_utc(&d))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
