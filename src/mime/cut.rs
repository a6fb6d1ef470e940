//! Cutting what cannot hold report data before the MIME parser sees it,
//! and doing some of its work in a cheaper way, so that it reads the same
//! for less:
//! - the top-level header fields that nothing reads (`Received` after
//!   the first, `DKIM-Signature`, `ARC-*`, `X-*` ...), which the parser
//!   would still walk byte by byte, and envelope lines (`>From ...`) among
//!   them;
//! - the body of each attached message (`message/rfc822`,
//!   `message/global`): only its header block is read (`Message-ID`,
//!   `Subject`, `From`, `To`), yet the parser would split and decode the
//!   whole returned copy. The cut keeps those fields of the attached
//!   header block and drops the rest and the body up to the line end
//!   before the next boundary;
//! - the HTML alternative of a `multipart/alternative` that has a plain
//!   one (only the plain text is read);
//! - quoted-printable text, put in decoded as mail-parser's parser decodes
//!   it (by its decoders, see `qp.rs`), so the parser does not decode it
//!   again while it reads the structure.
//!
//! The cut is made only where the structure is plain (clean header blocks,
//! simple `boundary` parameters, boundaries the parser finds the same way):
//! anything else leaves the message whole, which is always correct.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;

use super::direct::{Direct, Leaf, Returned, Top};
use delimiter::Delimiter;

use super::block::{
    has_word, header_block, headers_to_end, identity_encoded, line_end,
    line_start_before, only, top_header_block, ContentType, Field, Kind,
};

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
    /// The body taken was decoded from base64 or quoted-printable.
    decoded: bool,
}

impl Edit<'_> {
    fn drop(start: usize, end: usize) -> Self {
        let with = Vec::new();
        Edit { start, end, with, attached: false, taken: None, decoded: false }
    }
}

/// A message made shorter or cheaper to parse.
pub(super) struct Shortened<'a> {
    /// The new message (the message itself when nothing was changed).
    pub bytes: Cow<'a, [u8]>,
    /// The kept top-level fields (see `top_fields`), which the parser does
    /// not see.
    pub headers: Vec<(String, String)>,
    /// The value of the last top-level `Date`, when the parser is not given
    /// it (see `swallows`): to be read on its own.
    pub date: Option<String>,
    /// True when an attached message was cut.
    pub attached_cut: bool,
    /// The bodies of text parts taken out of `bytes`, each with where it
    /// was (the part's body offset in `bytes`, where it is now empty) and
    /// whether it was decoded from base64 or quoted-printable (its
    /// `Content-Transfer-Encoding` is gone), in the order of the message.
    pub taken: Vec<(usize, Cow<'a, [u8]>, bool)>,
    /// Where each edit lies in `bytes`, and how far the original bytes
    /// after it lie from those of `bytes` (original minus new).
    map: Vec<(usize, usize, isize)>,
    /// What a reading without the parser needs, when the cut read the
    /// whole structure and took out every body that is read.
    pub direct: Option<Direct<'a>>,
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
    let (fields, body) = top_header_block(raw)?;
    // Envelope lines alone: whether the parser finds a field rests on them.
    if fields.iter().all(|f| f.name_len == 0) && !fields.is_empty() {
        return None;
    }
    // A `Date` that the parser's date reader would read past (see
    // `swallows`) is not given to it: the last one is read on its own.
    let dates = || fields.iter().filter(|f| f.is(raw, b"date"));
    let date = dates().any(|f| swallows(raw, f)).then(|| {
        dates().last().map_or_else(String::new, |f| {
            let value = &raw[f.start + f.name_len + 1..f.end];
            String::from_utf8_lossy(value).into_owned()
        })
    });
    let (mut edits, headers, seen) = top_fields(raw, &fields, date.is_some());
    let mut leaves = Some(Vec::new());
    let ct = seen.content_type.and_then(|f| ContentType::of_field(raw, f));
    match ct {
        Some(ContentType {
            kind: Kind::Multipart { alternative },
            boundary: Some(boundary),
            ..
        }) => {
            let mut inner = Vec::new();
            let walk = Walk { edits: &mut inner, leaves: &mut leaves };
            if multipart(raw, body, boundary, alternative, walk, 0, true)
                .is_some()
            {
                edits.append(&mut inner);
            } else if Delimiter::new(boundary).find(&raw[body..]).is_none() {
                // A boundary that is nowhere: the parser reads no part,
                // and the raw body is the text (see `Leaf::Body`).
                leaves = Some(vec![Leaf::Body(body)]);
            } else {
                leaves = None;
            }
        }
        Some(ct) if ct.kind == Kind::Other && ct.leaf_text => {
            // One text part, which runs to the end.
            let taken = take_body(raw, &fields, &ct, body, raw.len(), None);
            leaf(&mut leaves, &taken, body, &ct);
            edits.extend(taken);
        }
        _ => leaves = None,
    }
    let direct = leaves.map(|leaves| Direct {
        leaves,
        top: seen.top,
        taken_from: Vec::new(),
    });
    if edits.is_empty() {
        let bytes = raw.into();
        let (taken, map) = (Vec::new(), Vec::new());
        return Some(Shortened {
            bytes,
            date,
            attached_cut: false,
            headers,
            taken,
            map,
            direct,
        });
    }
    edits.sort_unstable_by_key(|e| e.start);
    let mut out = Vec::with_capacity(raw.len());
    let mut map = Vec::with_capacity(edits.len());
    let mut taken = Vec::new();
    let mut at = 0;
    let attached_cut = edits.iter().any(|e| e.attached);
    let mut direct = direct;
    for e in edits {
        out.extend_from_slice(&raw[at..e.start]);
        let new_at = out.len();
        out.extend_from_slice(&e.with);
        map.push((new_at, out.len(), e.end as isize - out.len() as isize));
        if let Some(body) = e.taken {
            taken.push((new_at, body, e.decoded));
            if let Some(d) = &mut direct {
                d.taken_from.push(e.start);
            }
        }
        at = e.end;
    }
    out.extend_from_slice(&raw[at..]);
    let bytes = out.into();
    Some(Shortened { bytes, date, attached_cut, headers, taken, map, direct })
}

/// Where the walk of a multipart puts what it finds: the edits, and the
/// parts read (`None` once a part is met that only the parser can read).
struct Walk<'w, 'a> {
    edits: &'w mut Vec<Edit<'a>>,
    leaves: &'w mut Option<Vec<Leaf<'a>>>,
}

/// Notes the part of type `ct` whose body at `body` the edits `taken`
/// take out: a body taken is read from them, a part whose body is only
/// dropped is not read at all, and a part whose body stays (no edits) is
/// one only the parser can read.
fn leaf<'a>(
    leaves: &mut Option<Vec<Leaf<'a>>>,
    taken: &[Edit<'a>],
    body: usize,
    ct: &ContentType<'a>,
) {
    if taken.iter().any(|e| e.taken.is_some()) {
        if let Some(l) = leaves {
            l.push(Leaf::Taken { body, given: ct.given });
        }
    } else if taken.is_empty() {
        *leaves = None;
    }
}

/// What [`top_fields`] finds on its way through the top-level fields.
struct Seen<'f> {
    /// The one `Content-Type` (none when there is none), or `None` when
    /// there are several (as `block::only` finds it).
    content_type: Option<Option<&'f Field>>,
    /// The fields read without the parser (as `Top::of` finds them).
    top: Top,
}

/// The top-level fields the parser reads as values.
const TOP_PARSED: &[&[u8]] = &[b"date", b"from", b"subject"];

/// The kept top-level fields (`super::KEPT`: the first of each name, its
/// value unfolded, none when not UTF-8), read here, and drops for all
/// the fields the parser need not see: all but the ones it parses (one
/// other stays if there are none: a header left empty would make the
/// message no mail message at all). `Date` goes too when `no_date`.
fn top_fields<'a, 'f>(
    raw: &[u8],
    fields: &'f [Field],
    no_date: bool,
) -> (Vec<Edit<'a>>, Vec<(String, String)>, Seen<'f>) {
    let mut first: [Option<&Field>; super::KEPT.len()] =
        [None; super::KEPT.len()];
    let mut parsed = Vec::with_capacity(fields.len());
    let mut content_type = Some(None);
    let (mut subject, mut from, mut date_field) = (None, None, None);
    for f in fields {
        let name = &raw[f.start..f.start + f.name_len];
        // Lower-cased on the stack once, then compared byte for byte: its
        // first 32 bytes, more than any name looked for has (a longer
        // name's prefix equals none of them, and still tells `content-`).
        let mut lower = [0u8; 32];
        let name = {
            let lower = &mut lower[..name.len().min(32)];
            lower.copy_from_slice(&name[..lower.len()]);
            lower.make_ascii_lowercase();
            &*lower
        };
        let kept = super::KEPT.iter().position(|n| n.as_bytes() == name);
        if let Some(i) = kept {
            first[i].get_or_insert(f);
        }
        match name {
            b"content-type" => {
                content_type = content_type.and_then(|c| match c {
                    None => Some(Some(f)),
                    Some(_) => None,
                });
            }
            b"subject" => subject = Some(f),
            b"from" => from = Some(f),
            b"date" => date_field = Some(f),
            _ => {}
        }
        let date = name == b"date";
        parsed.push(
            name.starts_with(b"content-")
                || TOP_PARSED.contains(&name) && !(date && no_date),
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
        // Not an envelope line, which the parser may not read as a field.
        let spare =
            |f: &Field| f.name_len > 0 && !(no_date && f.is(raw, b"date"));
        if let Some(spare) = fields.iter().position(spare) {
            parsed[spare] = true;
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
    let top = Top::of_fields(subject, from, date_field);
    (edits, headers, Seen { content_type, top })
}

/// Whether the parser's date reader may read past the line end of the
/// `Date` field `f`: it takes the two bytes after the first letter of a
/// zone, so a zone of one or two letters at a line end (`UT`, `Z`)
/// swallows the next line: a field, or the blank line that ends the header
/// and the body after it. Says yes for any line of the field that ends in
/// one or two letters.
fn swallows(raw: &[u8], f: &Field) -> bool {
    raw[f.start + f.name_len + 1..f.end].split(|&b| b == b'\n').any(|line| {
        let line = line.trim_ascii_end();
        let letters =
            line.iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
        (1..=2).contains(&letters)
    })
}

/// The fields of an attached message that are read (see `original_of`).
const READ: &[&[u8]] = &[b"from", b"to", b"message-id", b"subject"];

/// Where the fields that are read are in the header block that `raw`
/// starts with (the headers of a returned message, ended by an empty line
/// or by the end of `raw`, which then ends the last field as it ends the
/// parser's reading), or `None` when it is not plain enough to be read
/// here or has none of them.
pub(super) fn read_fields(raw: &[u8]) -> Option<Returned> {
    let fields = headers_to_end(raw)?;
    let read = Returned::of(raw, &fields);
    (!read.is_empty()).then_some(read)
}

/// How deep multiparts are followed before giving up on cutting.
const MAX_DEPTH: usize = 16;

/// Walks the multipart whose body starts at `from`, adding the edits of
/// its parts (but for the bodies taken out of them when `bodies` is
/// false: the walk of an attached message, whose edits are not kept,
/// need not decode them) and the parts read to `walk`. Returns where its
/// closing delimiter ends, how many text and report parts it holds (nested
/// multiparts included), and whether the message
/// ends in its last part instead (its closing delimiter lost, the end
/// given is the message's end).
fn multipart<'a>(
    raw: &'a [u8],
    from: usize,
    boundary: &[u8],
    alternative: bool,
    walk: Walk<'_, 'a>,
    depth: usize,
    bodies: bool,
) -> Option<(usize, usize, bool)> {
    let Walk { edits, leaves } = walk;
    if depth > MAX_DEPTH || boundary.is_empty() {
        return None;
    }
    let delimiter = Delimiter::new(boundary);
    let find = |from: usize| {
        delimiter.find(raw.get(from..)?).map(|p| from + p + delimiter.len())
    };
    let mut pos = find(from)?;
    // A multipart of no parts is one the parser reads its own way.
    let mut parts = 0;
    // A message with no text part of its own (in nested multiparts
    // either) and no report part is read from its raw body, attached
    // copies included: such a message is left whole.
    let mut texts = 0;
    // Of alternatives, only the plain text is read: the HTML ones are cut
    // once a plain one is known to be there.
    let mut plain = false;
    let mut html = Vec::new();
    // An HTML one was met.
    let mut html_met = false;
    // The message ended in the last part, its closing delimiter lost.
    let mut open = false;
    loop {
        let rest = &raw[pos..];
        if rest.starts_with(b"--") || open {
            let whole = parts == 0 || depth == 0 && texts == 0;
            if plain {
                edits.append(&mut html);
            } else if html_met {
                // Left whole, the HTML ones only the parser reads.
                *leaves = None;
            }
            let end = if open { raw.len() } else { pos + 2 };
            return (!whole).then_some((end, texts, open));
        }
        parts += 1;
        let part = pos + line_end(rest)?;
        let (fields, body) = header_block(raw, part)?;
        let ct = ContentType::of(raw, &fields)?;
        // (Only whether there are any counts: a report is looked for
        // while none is known.)
        texts += usize::from(ct.text || texts == 0 && ct.is_report());
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
                let (end, inner, inner_open) = multipart(
                    raw,
                    body,
                    boundary,
                    alternative,
                    Walk { edits, leaves },
                    depth + 1,
                    bodies,
                )?;
                texts += inner;
                // Lost in the nested one, the closing delimiters of all
                // are: the parser reads to the end.
                open = inner_open;
                if open {
                    raw.len()
                } else {
                    find(end)?
                }
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
                        let (mut unused, mut none) = (Vec::new(), None);
                        let walk =
                            Walk { edits: &mut unused, leaves: &mut none };
                        let walked = multipart(
                            raw,
                            inner_body,
                            own,
                            false,
                            walk,
                            depth + 1,
                            false,
                        );
                        // The parser looks for its boundary through all
                        // the rest of the message: where it is nowhere (a
                        // returned copy cut short), it reads the body as
                        // one text, as a body of any other type.
                        match walked {
                            Some((end, ..)) => end,
                            None => {
                                let rest = &raw[inner_body..];
                                if Delimiter::new(own).find(rest).is_some() {
                                    return None;
                                }
                                inner_body
                            }
                        }
                    }
                    Kind::Digest | Kind::Message => return None,
                    Kind::Other => inner_body,
                };
                let (next, delimiter_at) = match find(from) {
                    Some(next) => (next, next - delimiter.len()),
                    // A returned message cut short, as bounces often hold
                    // them, that the message ends in (a multipart one
                    // with its own closing delimiter or without): the
                    // parser reads it to the end, an attached message
                    // whatever its body.
                    None => {
                        open = true;
                        (raw.len(), raw.len())
                    }
                };
                let keep = |f: &Field| READ.iter().any(|n| f.is(raw, n));
                // A header block left empty would make the parser read no
                // attached message at all: one other field stays.
                let spare = if inner.iter().any(keep) {
                    if let Some(l) = leaves {
                        let read = Returned::of(raw, &inner);
                        // Ended by the delimiter; else by the end of its
                        // own multipart or the message's end, where the
                        // parser's search for the delimiter stops.
                        let end = match open {
                            false => parser_end(raw, delimiter_at),
                            true if from > inner_body => from,
                            true => raw.len(),
                        };
                        l.push(Leaf::Attached(read, (body, end)));
                    }
                    usize::MAX
                } else {
                    // Read as the parser reads such a block only.
                    *leaves = None;
                    inner.iter().position(|f| {
                        f.name_len > 0
                            && !f.is(raw, b"content-type")
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
                plain |= alternative && ct.plain;
                let Some(next) = find(body) else {
                    // The message ends in this part, its closing delimiter
                    // lost: the parser reads the rest as text its own way
                    // (after a failed search for the delimiter), with no
                    // more delimiters to find. The part is left as it is.
                    open = true;
                    *leaves = None;
                    continue;
                };
                let delimiter_at = next - delimiter.len();
                if alternative && ct.html {
                    // The body goes, and its encoding with it (an empty
                    // body is read the same way in any).
                    let cte = only(raw, &fields, b"content-transfer-encoding")?;
                    html.extend(cte.map(|f| Edit::drop(f.start, f.end)));
                    let end = line_start_before(raw, delimiter_at);
                    if end > body {
                        html.push(Edit::drop(body, end));
                    }
                    html_met = true;
                } else if bodies && ct.kind == Kind::Other {
                    let at = delimiter_at;
                    let taken =
                        take_body(raw, &fields, &ct, body, at, Some(boundary));
                    leaf(leaves, &taken, body, &ct);
                    edits.extend(taken);
                } else {
                    *leaves = None;
                }
                next
            }
        };
    }
}

/// Where the parser ends an attached message (not transfer-encoded) that
/// the delimiter at `delimiter_at` ends: one byte before the delimiter, or
/// two after a `\r` (it takes the byte before the delimiter for a line
/// end without looking).
fn parser_end(raw: &[u8], delimiter_at: usize) -> usize {
    match raw.get(delimiter_at.wrapping_sub(2)) {
        Some(b'\r') => delimiter_at - 2,
        _ => delimiter_at.saturating_sub(1),
    }
}

/// The edits that take the body `body..end` of a part out of the message
/// (`end` is where the delimiter of `boundary` that ends it starts, or the
/// message's end for a message of one part, `boundary` is `None`): the
/// body of a text or report part, kept in the edit as the parser would
/// read it (decoded from quoted-printable, without the line end before the
/// delimiter), so that the parser does not scan it byte by byte; the body
/// of an image, audio, video or application part, which nothing reads, is
/// just dropped. None where the parser's reading could differ: an encoding
/// other than none, base64 or quoted-printable for a text, a body the
/// parser would not decode.
fn take_body<'a>(
    raw: &'a [u8],
    fields: &[Field],
    ct: &ContentType<'_>,
    body: usize,
    end: usize,
    boundary: Option<&[u8]>,
) -> Vec<Edit<'a>> {
    let Some(cte) = only(raw, fields, b"content-transfer-encoding") else {
        return Vec::new();
    };
    let drop_cte = cte.map(|f| Edit::drop(f.start, f.end));
    if ct.unread {
        return drop_cte.into_iter().chain([Edit::drop(body, end)]).collect();
    }
    let value = cte.map(|f| &raw[f.start + f.name_len + 1..f.end]);
    let decoded = value.is_some_and(|v| {
        let v = v.trim_ascii();
        v.eq_ignore_ascii_case(b"base64")
            || v.eq_ignore_ascii_case(b"quoted-printable")
    });
    let text: Cow<'a, [u8]> = match value {
        None => raw[body..text_end(raw, body, end, boundary)].into(),
        Some(v)
            if !has_word(v, b"base64") && !has_word(v, b"quoted-printable") =>
        {
            raw[body..text_end(raw, body, end, boundary)].into()
        }
        Some(v) if v.trim_ascii().eq_ignore_ascii_case(b"quoted-printable") => {
            // Of an HTML part, what its reading drops is not decoded.
            let decoded = match ct.html {
                true => html_qp::decode(raw, body, end, boundary, ct.given),
                false => qp::decode(raw, body, end, boundary),
            };
            match decoded {
                Some(decoded) => decoded.into(),
                None => return Vec::new(),
            }
        }
        Some(v) if v.trim_ascii().eq_ignore_ascii_case(b"base64") => {
            // By the parser's own decoder.
            let mut stream = MessageStream::new(&raw[body..]);
            let (to, decoded) =
                stream.decode_base64_mime(boundary.unwrap_or_default());
            if to == usize::MAX {
                return Vec::new();
            }
            decoded
        }
        Some(_) => return Vec::new(),
    };
    let mut edits: Vec<Edit<'a>> = drop_cte.into_iter().collect();
    let e = Edit::drop(body, end);
    edits.push(Edit { taken: Some(text), decoded, ..e });
    edits
}

/// Where the parser ends the undecoded body of a part that starts at `body`
/// and is ended at `end` by a delimiter (without the line end before it)
/// or by the message's end.
fn text_end(
    raw: &[u8],
    body: usize,
    end: usize,
    boundary: Option<&[u8]>,
) -> usize {
    match boundary {
        Some(_) => line_start_before(raw, end).max(body),
        None => end,
    }
}

mod delimiter;
mod html_qp;
mod qp;
#[cfg(test)]
mod tests;
