//! A rough reading of HTML parts as text.

/// A rough HTML-to-text conversion: tags become line breaks or nothing,
/// the common entities are decoded.
pub(super) fn html_to_text(html: &str) -> String {
    const BREAKS: &[&[u8]] =
        &[b"br", b"p", b"div", b"tr", b"li", b"table", b"h1", b"h2", b"h3"];
    let mut out = String::with_capacity(html.len());
    let mut rest: &str = html;
    while let Some(open) = memchr::memchr(b'<', rest.as_bytes()) {
        out.push_str(&rest[..open]);
        // A tag never closed swallows the rest of the text.
        let Some(len) = memchr::memchr(b'>', &rest.as_bytes()[open..]) else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + len].trim_start_matches('/');
        let starts = |b: &&[u8]| {
            tag.as_bytes()
                .get(..b.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(b))
        };
        // The first letters of the breaking tags tell most tags apart.
        let first = tag.as_bytes().first().map(u8::to_ascii_lowercase);
        if matches!(first, Some(b'b' | b'p' | b'd' | b't' | b'l' | b'h'))
            && BREAKS.iter().any(starts)
        {
            out.push('\n');
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    if !out.contains('&') {
        return out;
    }
    decode_entities(&out)
}

/// The common entities decoded in one pass. Each starts with `&`, ends
/// at its first `;` and turns into a character no entity holds, so this
/// reads as replacing them one after another, `&amp;` last, would.
fn decode_entities(text: &str) -> String {
    const ENTITIES: &[(&str, char)] = &[
        ("&nbsp;", ' '),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#39;", '\''),
        ("&amp;", '&'),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(e, _)| rest.starts_with(e)) {
            Some((e, c)) => {
                out.push(*c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
