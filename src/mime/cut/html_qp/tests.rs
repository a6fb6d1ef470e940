use super::*;
use crate::mime::decode_charset;
use crate::mime::html::html_to_text;
use proptest::prelude::*;

/// A Content-Type as `ContentType::given` holds it.
type Given = Option<(&'static [u8], usize, usize)>;

/// A part's header block with `charset` (if any), and where its
/// Content-Type value is.
fn head(charset: Option<&str>) -> (String, Given) {
    let cs = charset.map(|c| format!("; charset={c}")).unwrap_or_default();
    let head = format!(
        "Content-Type: text/html{cs}\nContent-Transfer-Encoding: quoted-printable\n\n"
    );
    let at = "Content-Type:".len();
    let end = head.find('\n').unwrap();
    (head, Some((b"text/html".as_slice(), at, end)))
}

/// `encoded` as the whole body of a message: decoded with and without
/// the pieces that go.
fn both(encoded: &str) -> (Vec<u8>, Vec<u8>) {
    let (head, given) = head(Some("utf-8"));
    let raw = format!("{head}{encoded}");
    let (raw, body) = (raw.as_bytes(), head.len());
    let whole = qp::decode(raw, body, raw.len(), None).unwrap();
    let cut = decode(raw, body, raw.len(), None, given).unwrap();
    (whole, cut)
}

fn read(bytes: &[u8], charset: Option<&str>) -> String {
    html_to_text(&decode_charset(bytes, charset))
}

#[test]
fn attributes_and_style_sheets_are_not_decoded() {
    let encoded = "<html><head><style type=3D\"text/css\">\n\
        body { color: red; } p { mar=\ngin: 0 }\n</style></head>\n\
        <body style=3D\"margin: 0; color: #f8842e; fon=\nt-size: 14px\">\
        <p class=3D\"x\">Mail to caf=C3=A9@example.com failed.</p>=\n\
        <im=\ng src=3D\"a.png\"><!-- a=3Db <p> --></body></html>\n";
    let (whole, cut) = both(encoded);
    assert_eq!(
        String::from_utf8(cut.clone()).unwrap(),
        "<html><head><style type=\"text/css\"></style></head>\n\
        <body><p>Mail to caf\u{e9}@example.com failed.</p><img><!---->\
        </body></html>\n"
    );
    let text = "\n\nMail to caf\u{e9}@example.com failed.\n\n";
    assert_eq!(read(&cut, None), text);
    assert_eq!(read(&whole, None), text);
}

#[test]
fn closing_tags_are_read_through_soft_line_breaks() {
    let (_, cut) = both("a<style>p{}</sty=\nle>b<script>x</SCRIPT\n>c");
    assert_eq!(cut, b"a<style></style>b<script></SCRIPT\n>c");
    // Not a closing tag: the contents run on.
    let (_, cut) = both("<style>p{}</styles>q{}</style>d");
    assert_eq!(cut, b"<style></style>d");
}

#[test]
fn unclear_text_is_decoded_as_it_is() {
    // An escaped `<` in the text: from there on, all is decoded.
    let (whole, cut) = both("<p a=3Db>x=3Cy<p c=3Dd>");
    assert_eq!(cut, b"<p>x<y<p c=d>");
    assert_eq!(&whole, b"<p a=b>x<y<p c=d>");
    // An escaped `>` in a tag, and an escape in a closing tag.
    assert_eq!(both("<p a=3E>x<p b>").1, b"<p a>>x<p b>");
    assert_eq!(both("<style>p{}<=2Fstyle>x").1, b"<style>p{}</style>x");
    // A self-closed script holds nothing.
    assert_eq!(both("<script src=3Dx />y<p c>").1, b"<script src=x />y<p>");
    assert_eq!(drops(b"<p a=3D=\n>x<p b=G>"), [(2, 9)]);
}

#[test]
fn other_charsets_and_soft_ends_are_decoded_whole() {
    let encoded = "<p a=3Db>x</p>=\n";
    for (charset, boundary, cut) in [
        (Some("utf-8"), false, true),
        (Some("ISO-8859-1"), false, true),
        (Some("\"windows-1252\""), false, true),
        (None, false, true),
        (Some("iso-2022-jp"), false, false),
        (Some("utf-16"), false, false),
        // Ended by a soft line break before the delimiter.
        (Some("utf-8"), true, false),
    ] {
        let (head, given) = head(charset);
        let tail = if boundary { "--b--\n" } else { "" };
        let raw = format!("{head}{encoded}{tail}");
        let (raw, body) = (raw.as_bytes(), head.len());
        let end = raw.len() - tail.len();
        let b = boundary.then_some(b"b".as_slice());
        let whole = qp::decode(raw, body, end, b);
        let got = decode(raw, body, end, b, given);
        assert_eq!(got != whole, cut, "{charset:?}");
    }
}

#[test]
fn ascii_based_charsets_read_no_other_byte_as_ascii() {
    use mail_parser::decoders::charsets::map::charset_decoder;
    let high: Vec<u8> = (0x80..=0xff).collect();
    for name in [
        "iso-8859-1",
        "iso-8859-2",
        "iso-8859-5",
        "iso-8859-7",
        "iso-8859-15",
        "windows-1250",
        "windows-1251",
        "windows-1252",
        "windows-1253",
        "windows-1255",
        "windows-1256",
        "cp1252",
        "ascii",
    ] {
        assert!(crate::mime::ascii_based(name), "{name}");
        let decode = charset_decoder(name.as_bytes()).unwrap();
        assert!(!decode(&high).chars().any(|c| c.is_ascii()), "{name}");
    }
}

/// Pieces of HTML: tags with attributes, style, script and comments
/// (closed and not), text with entities, non-ASCII and broken UTF-8,
/// line ends of all kinds.
#[rustfmt::skip]
const PIECES: &[&[u8]] = &[
    b"<p>", b"</p>", b"<td style=\"color: red; font-size: 14px\">",
    b"<TD\tclass=x>", b"<br/>", b"<br />", b"<img src=\"a.png\"\nalt=\"\">",
    b"<a href=\"http://example.com/?a=b&amp;c=d\">", b"</a>", b"<style>",
    b"<style type=\"text/css\">", b"<STYLE\n>", b"</style>", b"</Style >",
    b"</style", b"<script>", b"</script>", b"<script src=\"x.js\" />",
    b"<!--", b"-->", b"<!-- note -->", b"<", b">", b"/", b"-", b"--", b"!",
    b"=", b"&amp;", b"&lt;", "caf\u{e9}".as_bytes(), "\u{1f600}".as_bytes(),
    b"\xe9", b"\xff\xfe", b" ", b"\t", b"\n", b"\r\n", b"\r", b"a", b"style",
    b"body { margin: 0 }", b"<stylex>", b"<s>", b"</", b"<div\n>",
    b"<h1 id=x>", b"x<y", b"a>b", b"<!DOCTYPE html>", b"<o:p>", b"\x0b",
    b"<p\r\nclass=y>", b"<style >", b"<script/>",
    // Whole elements, for cuts to be made often.
    b"<style>a { b: c }</style>", b"<p class=\"x\">text</p>",
    b"<table width=\"100%\"><tr><td align=center>", b"<!-- a > b -- c -->",
    b"<script type=\"text/javascript\">if (a<b) {}</script >",
];

const CHARSETS: &[Option<&str>] = &[
    None,
    Some("utf-8"),
    Some("iso-8859-1"),
    Some("windows-1252"),
    Some("iso-2022-jp"),
];

/// `html` quoted-printable encoded, each byte as `how` says (cycled):
/// as it is, as an escape in upper or lower case, followed by a soft line
/// break (LF or CR LF, or one with white space that only the decoder
/// reads), an `=` sometimes left as it is; mostly as it is.
fn encode(html: &[u8], how: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &b) in html.iter().enumerate() {
        let h = how[i % how.len()];
        match (b, h) {
            (b'=', 15) => out.push(b),
            (b'=', _) | (_, 8 | 12) => {
                out.extend_from_slice(format!("={b:02X}").as_bytes());
            }
            (_, 9) => out.extend_from_slice(format!("={b:02x}").as_bytes()),
            _ => out.push(b),
        }
        match h {
            10 | 12 => out.extend_from_slice(b"=\n"),
            11 => out.extend_from_slice(b"=\r\n"),
            14 => out.extend_from_slice(b"= \n"),
            _ => {}
        }
    }
    out
}

#[test]
fn html_reads_the_same_decoded_with_and_without_what_goes() {
    let (cuts, fails) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let config = ProptestConfig::with_cases(20000);
    proptest!(config, |(
        ids in prop::collection::vec(0..PIECES.len(), 0..24),
        how in prop::collection::vec(any::<u8>(), 1..48),
        plain in 16u8..160,
        charset in 0..CHARSETS.len(),
        delimited in any::<bool>(),
        line_end in 0..3usize,
    )| {
        let html: Vec<u8> = ids.iter().flat_map(|&i| PIECES[i]).copied().collect();
        let charset = CHARSETS[charset];
        let (head, given) = head(charset);
        let mut raw = head.clone().into_bytes();
        // Few or many bytes encoded otherwise than as they are.
        let how: Vec<u8> = how.iter().map(|h| h % plain).collect();
        raw.extend(encode(&html, &how));
        let body = head.len();
        // Ended by a delimiter (after a line end or not), or by the
        // message's end.
        let (end, boundary) = if delimited {
            raw.extend_from_slice([&b""[..], b"\n", b"\r\n"][line_end]);
            let end = raw.len();
            raw.extend_from_slice(b"--=_b--\n");
            (end, Some(b"=_b".as_slice()))
        } else {
            (raw.len(), None)
        };
        let whole = qp::decode(&raw, body, end, boundary);
        let cut = decode(&raw, body, end, boundary, given);
        prop_assert_eq!(whole.is_some(), cut.is_some());
        let (Some(whole), Some(cut)) = (whole, cut) else {
            fails.set(fails.get() + 1);
            return Ok(());
        };
        cuts.set(cuts.get() + usize::from(whole != cut));
        prop_assert_eq!(read(&whole, charset), read(&cut, charset));
    });
    // Pieces must often go, or the test tests little.
    assert!(cuts.get() > 4000, "{} {}", cuts.get(), fails.get());
}
