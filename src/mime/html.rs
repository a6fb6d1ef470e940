//! A rough reading of HTML parts as text.

/// A rough HTML-to-text conversion, what a mail client would show: tags
/// become line breaks or nothing, comments and the contents of `style`
/// and `script` elements are dropped, the common entities are decoded.
pub(super) fn html_to_text(html: &str) -> String {
    const BREAKS: &[&[u8]] =
        &[b"br", b"p", b"div", b"tr", b"li", b"table", b"h1", b"h2", b"h3"];
    let mut out = String::with_capacity(html.len());
    let mut rest: &str = html;
    while let Some(open) = memchr::memchr(b'<', rest.as_bytes()) {
        out.push_str(&rest[..open]);
        // A comment ends at its first `-->`, or `<!-->` ends at once, as
        // in a browser; one never closed swallows the rest of the text.
        if rest.as_bytes()[open + 1..].starts_with(b"!--") {
            let from = open + 2;
            rest = match memchr::memmem::find(&rest.as_bytes()[from..], b"-->")
            {
                Some(end) => &rest[from + end + 3..],
                None => "",
            };
            continue;
        }
        // A tag never closed swallows the rest of the text.
        let Some(len) = memchr::memchr(b'>', &rest.as_bytes()[open..]) else {
            rest = "";
            break;
        };
        let inside = &rest[open + 1..open + len];
        let tag = inside.trim_start_matches('/');
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
        // An opening style or script tag (not one closed by `/>`): its
        // contents are no text.
        if first == Some(b's')
            && tag.len() == inside.len()
            && !tag.ends_with('/')
        {
            if let Some(name) = raw_text_name(tag) {
                rest = after_closing_tag(rest, name);
            }
        }
    }
    out.push_str(rest);
    if !out.contains('&') {
        return out;
    }
    decode_entities(&out)
}

/// `style` or `script` when the tag (its text between `<` and `>`) is
/// one of them, in any case, with or without attributes.
fn raw_text_name(tag: &str) -> Option<&'static [u8]> {
    let tag = tag.as_bytes();
    [b"style".as_slice(), b"script"].into_iter().find(|name| {
        tag.get(..name.len()).is_some_and(|t| t.eq_ignore_ascii_case(name))
            && tag.get(name.len()).is_none_or(u8::is_ascii_whitespace)
    })
}

/// What follows the closing tag `</name ...>` of an element whose
/// contents are not HTML, found as a browser finds it: at the first `</`
/// followed by the name in any case and a space, `/` or `>`. With no such
/// tag the element runs to the end of the text, as in a browser.
fn after_closing_tag<'a>(text: &'a str, name: &[u8]) -> &'a str {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&bytes[from..], b"</") {
        let at = from + at;
        let after = &bytes[at + 2..];
        if after.get(..name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name))
            && after.get(name.len()).is_none_or(|&b| {
                b.is_ascii_whitespace() || b == b'/' || b == b'>'
            })
        {
            return match memchr::memchr(b'>', &bytes[at..]) {
                Some(end) => &text[at + end + 1..],
                None => "",
            };
        }
        from = at + 2;
    }
    ""
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

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn style_script_and_comments_are_no_text() {
        let html = "<html><head><title>Delivery failure</title>\n\
            <style type=\"text/css\">body { color: red; } p>a { x: 1 }</style>\n\
            <script>if (a < b && c > d) { w('<p>'); }</script>\n\
            </head><body><!-- a note, <b>not</b> shown -->\
            <p>Mail to bob@example.com failed.</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Delivery failure\n\n\n\nMail to bob@example.com failed.\n"
        );
    }

    #[test]
    fn tag_names_in_any_case_with_attributes() {
        let html = "a<STYLE Media=all>x{}</Style >b<Script\tsrc=x>y</SCRIPT>c";
        assert_eq!(html_to_text(html), "abc");
        // Names that only start like them are ordinary tags.
        let html = "<styles>d</styles><scripts>e</scripts><s>f</s>";
        assert_eq!(html_to_text(html), "def");
        // A closing tag by itself, or one that only starts like the
        // element's, ends nothing.
        assert_eq!(html_to_text("g</style>h"), "gh");
        assert_eq!(html_to_text("<style>i</styles>j</style>k"), "k");
    }

    #[test]
    fn self_closed_elements_hold_nothing() {
        let html = "<script src=\"x.js\" /><p>Mailbox full</p>";
        assert_eq!(html_to_text(html), "\nMailbox full\n");
    }

    #[test]
    fn unclosed_elements_run_to_the_end() {
        assert_eq!(html_to_text("a<style>b{}<p>c"), "a");
        assert_eq!(html_to_text("a<script>b</script"), "a");
        assert_eq!(html_to_text("a<!-- b <p> c"), "a");
        assert_eq!(html_to_text("a<style"), "a");
    }

    #[test]
    fn comments_end_at_the_first_closing() {
        assert_eq!(html_to_text("a<!-- b -- c -->d-->e"), "ad-->e");
        assert_eq!(html_to_text("a<!---->b<!-->c<!--->d"), "abcd");
        // Other declarations are tags.
        assert_eq!(html_to_text("<!DOCTYPE html>a<!x>b"), "ab");
    }

    #[test]
    fn entities_inside_dropped_parts_are_dropped() {
        let html = "<style>&amp;</style>&lt;<!-- &gt; -->&quot;";
        assert_eq!(html_to_text(html), "<\"");
    }

    #[test]
    fn any_mix_of_pieces_reads_without_panic() {
        use proptest::prelude::*;
        const PIECES: &[&str] = &[
            "<style>",
            "</style>",
            "<STYLE a>",
            "</Style",
            "<script>",
            "</SCRIPT >",
            "<script/>",
            "<!--",
            "-->",
            "--",
            "<!-",
            "<",
            ">",
            "/",
            "</",
            "s",
            "caf\u{e9}",
            "\u{1f600}",
            "<p>",
            "&amp;",
            " ",
        ];
        let config = ProptestConfig::with_cases(3000);
        proptest!(config, |(ids in prop::collection::vec(0..PIECES.len(), 0..16))| {
            let html: String = ids.iter().map(|&i| PIECES[i]).collect();
            let text = html_to_text(&html);
            // Nothing is added but the line breaks and decoded entities.
            prop_assert!(text.len() <= html.len());
        });
    }
}
