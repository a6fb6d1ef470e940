//! Tests of the cut: each shortened message reads as the whole one does.

use super::*;
use memchr::memmem;

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
    assert_eq!(shorter.taken[0], (at, Cow::Borrowed(&b"sorry"[..]), false));
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
    let whole = super::super::parse_whole(raw.as_bytes(), &[], None).unwrap();
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
        "aGk=\n",
        "Y2Fmw6k=\n",
        "QQ==",
        "Content-Type: multipart/mixed; boundary=\"in(1)\"\n",
        "Content-Type: multipart/mixed; boundary=in(1)\n",
        "--in(1)\n",
        "--in(1)--\n",
        "Content-Type: text/plain; name=(x)\n",
        // Lines of no field, or of odd names (see `block::odd_line`).
        "boundary=\"in\"\n",
        "no colon here\n",
        "Fr om: x@example.org\n",
        "by host; Sun, 5 Aug 2018 03:46:50 +0000\n",
        "Content-Type: multipart/mixed\n",
        "Content-Type: message/feedback-report\n",
        // HTML with pieces its reading drops (see `html_qp`).
        "<td style=3D\"x: y\">",
        "<style>p{}</sty=\nle>",
        "<!-- c -->",
    ];
    let pieces = |from: &'static [&'static str], most: usize| {
        prop::collection::vec(0..from.len(), 0..most)
            .prop_map(|ids| ids.iter().map(|&i| from[i]).collect::<String>())
    };
    let config = ProptestConfig::with_cases(10000);
    proptest!(config, |(
        top in pieces(TOP, 6),
        ph in pieces(PART, 4),
        a in pieces(PIECES, 12),
        b in pieces(PIECES, 12),
        c in pieces(PIECES, 12),
        e1 in pieces(ENVELOPES, 2),
        e2 in pieces(ENVELOPES, 2),
        short in 0..3usize,
        last in any::<bool>(),
        nested in 0..3usize,
    )| {
        let part = format!("--b\n{ph}\n{a}\n");
        // The returned message a multipart of its own, or not, or one
        // cut short before its first delimiter (which `c` may hold).
        let body = match nested {
            0 => format!("\nbody {c}\n"),
            1 => format!(
                "Content-Type: multipart/mixed; boundary=\"in\"\n\n\
    --in\n{ph}\n{c}\n--in--\n"
            ),
            _ => format!(
                "Content-Type: multipart/mixed; boundary=\"in\"\n\n{c}\n"
            ),
        };
        let attached = format!(
            "--b\nContent-Type: message/rfc822\n\n\
    From: a@example.org\n{b}{body}"
        );
        // The returned message, or a part after it, last.
        let parts = match last {
            false => part + &attached,
            true => attached + &part,
        };
        let mut raw = format!(
            "{e1}From: d@example.net\n{e2}{top}\
    Content-Type: multipart/report; boundary=\"b\"\n\n{parts}--b--\n"
        );
        // Cut short in the last part (or a multipart in it), as bounces
        // often are.
        let lost = ["", "--b--\n", "--in--\n--b--\n"][short];
        if raw.ends_with(lost) {
            raw.truncate(raw.len() - lost.len());
        }
        // An attached message that is itself a message/rfc822 trips
        // mail-parser 0.11.9 (see Cargo.toml): read whole, its recovery
        // takes the attached header for the top-level one, so the whole
        // reading is no measure of the cut's.
        if !b.contains("message/rfc822") {
            same_as_whole(raw.as_bytes())?;
        }
        let one = format!("{e1}Subject: s\n{e2}{top}{ph}\n{a}");
        same_as_whole(one.as_bytes())?;
    });
    // The pieces must make cuttable messages, or the test tests nothing,
    // and messages read without the parser's tree.
    let cuts = CUTS.load(std::sync::atomic::Ordering::Relaxed);
    let direct = DIRECT.load(std::sync::atomic::Ordering::Relaxed);
    assert!(cuts > 1000 && direct > 1000, "{cuts} {direct}");
}

/// Cases the property test once found (an attached multipart, a folded
/// attached `Content-Type`, each followed by a stray delimiter).
#[test]
fn past_failures_read_as_whole() {
    for (b, c) in [
        ("Content-Type: multipart/mixed; boundary=b\n", "--b\n"),
        ("Content-Type: message/rfc822\n folded\n", "--b\n"),
    ] {
        let raw = format!(
            "From: d@example.net\nSubject: s\n\
    Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
    Content-Type: text/plain\n\n\n--b\nContent-Type: message/rfc822\n\n\
    From: a@example.org\n{b}\nbody {c}\n--b--\n"
        );
        same_as_whole(raw.as_bytes()).unwrap();
    }
}

/// A returned copy cut short before the first delimiter of its own
/// multipart: the parser reads its body as one text, up to the next
/// delimiter of the report, and so does the cut.
#[test]
fn an_attached_multipart_without_its_boundary_is_cut() {
    let raw = "From: d@example.net\nSubject: s\n\
Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
Content-Type: text/plain\n\nsorry\n--b\nContent-Type: message/rfc822\n\n\
From: a@example.org\nReceived: x\nMessage-ID: <m@example.org>\n\
Content-Type: multipart/alternative; boundary=\"in\"\n\n\
the body\n--b--\n";
    let shorter = shorten(raw.as_bytes()).unwrap();
    assert!(shorter.attached_cut);
    assert!(memmem::find(&shorter.bytes, b"the body").is_none());
    assert!(read_directly(raw.as_bytes()));
    same_as_whole(raw.as_bytes()).unwrap();
    let read = super::super::parse(raw.as_bytes()).unwrap();
    assert_eq!(read.texts, ["sorry"]);
    let returned = read.returned.unwrap();
    assert_eq!(returned.message_id, "m@example.org");
    // Its boundary further on, in a later part, is the parser's to read.
    let later = raw
        .replace("--b--\n", "--b\nContent-Type: text/plain\n\n--in\n--b--\n");
    assert!(!read_directly(later.as_bytes()));
    same_as_whole(later.as_bytes()).unwrap();
}

/// Lines that are no fields (mbox envelope lines escaped, or not).
const ENVELOPES: &[&str] = &[
    ">From MAILER-DAEMON Thu Apr 29 23:34:45 2004\n",
    ">From nobody\n",
    ">From a: b\n",
    ">From x\n folded\n",
    ">From x: y\n folded: z\n",
    ">From x\n To: bob@example.com\n",
    "From MAILER-DAEMON Thu Apr 29 23:34:45 2004\n",
    ">From \n\n",
];

const TOP: &[&str] = &[
    "Received: x\n",
    "Received: y\n\tfolded\n",
    "DKIM-Signature: v=1\n",
    "To: bob@example.com\n",
    "X-Failed-Recipients: bob@example.com\n",
    "Date: Mon, 12 Oct 2026 09:14:02 +0200\n",
    "Date: Mon, 12 Oct 2026 09:14:02 UT\n",
    "Date: Mon, 12 Oct 2026 09:14:02 Z\n",
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
    "boundary=\"in\"\n",
    "(UTC)\n",
    "Aug 2018 03:46:51 +0000\n",
    "Sub ject: x\n",
    "Content-Type: multipart/alternative;\n",
    "Content-Type: message/feedback-report\n",
];

static CUTS: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// How many of them were read without the parser's tree.
static DIRECT: std::sync::atomic::AtomicUsize =
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
    // What the pass over the top-level fields finds on its way is what
    // passes of their own find.
    let (fields, _) = top_header_block(raw).unwrap();
    let (_, _, seen) = top_fields(raw, &fields, false);
    let start = |c: Option<Option<&Field>>| c.map(|f| f.map(|f| f.start));
    let only_ct = only(raw, &fields, b"content-type");
    prop_assert_eq!(start(seen.content_type), start(only_ct));
    prop_assert_eq!(&seen.top, &super::super::direct::Top::of(raw, &fields));
    let read = shorter.direct.as_ref().and_then(|d| {
        super::super::direct::read(raw, d, &shorter.taken, shorter.attached_cut)
    });
    if read.is_some() {
        DIRECT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    prop_assert!(shorter.bytes.len() <= raw.len());
    // A debug build of mail-parser 0.11.9 overflows a subtraction on some
    // broken quoted-printable (release builds wrap, which the cut copies):
    // where it does, the whole message has no reading to compare with.
    // The parser's date reader swallows the line after a one- or
    // two-letter zone at a line end, which the cut keeps it from: such a
    // message is compared with itself with the zone written as an offset
    // (the same instant), whose attached message lies elsewhere.
    let fixed =
        [b" UT\n", b" Z\n".as_slice()].iter().fold(raw.to_vec(), |m, z| {
            // In the top-level header only.
            let header = memmem::find(&m, b"\n\n").map_or(m.len(), |e| e + 1);
            let mut out = Vec::with_capacity(m.len());
            let mut at = 0;
            for i in memmem::find_iter(&m[..header], z) {
                out.extend_from_slice(&m[at..i]);
                out.extend_from_slice(b" +0000\n");
                at = i + z.len();
            }
            out.extend_from_slice(&m[at..]);
            out
        });
    let moved = fixed.len() != raw.len();
    let whole = std::panic::catch_unwind(|| {
        super::super::parse_whole(&fixed, &[], None)
    });
    let Ok(whole) = whole else {
        return Ok(());
    };
    let cut = super::super::parse(raw);
    prop_assert_eq!(whole.is_some(), cut.is_some());
    let (Some(a), Some(b)) = (whole, cut) else {
        return Ok(());
    };
    prop_assert_eq!(&a.subject, &b.subject);
    prop_assert_eq!(a.from.address(), b.from.address());
    prop_assert_eq!(&a.date, &b.date);
    prop_assert_eq!(&a.headers, &b.headers);
    prop_assert_eq!(&a.delivery_status, &b.delivery_status);
    prop_assert_eq!(&a.feedback_report, &b.feedback_report);
    if moved {
        prop_assert_eq!(a.attached.is_some(), b.attached.is_some() || b.cut);
    } else if b.cut {
        prop_assert!(b.attached.is_none());
        prop_assert_eq!(super::super::attached(raw), a.attached.clone());
    } else {
        prop_assert_eq!(&a.attached, &b.attached);
    }
    prop_assert_eq!(format!("{:?}", a.returned), format!("{:?}", b.returned));
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
    assert_eq!(shorter.taken[0], (33, Cow::Borrowed(&b"body\n"[..]), false));
    // A boundary with a byte outside ASCII, which the parser may not
    // find the way the cut would.
    assert!(left_whole(&REPORT.replace("b1", "b\u{e9}1")));
    // No text part of its own: the parser reads the raw body.
    assert!(left_whole(&REPORT.replace("text/plain", "application/x-note")));
    // A header field that is not one: nothing is read here.
    assert!(shorten(b"From a@example.org\nSubject: hi\n\nbody\n").is_none());
}

#[test]
fn envelope_lines_go_with_the_unread_fields() {
    let raw = "X-Archive-Seq: 1\n\
>From MAILER-DAEMON Thu Apr 29 23:34:45 2004\nReceived: x\n\
Subject: hi\n\nbody\n";
    let shorter = shorten(raw.as_bytes()).unwrap();
    assert_eq!(&shorter.bytes[..], b"Subject: hi\n\n");
    same_as_whole(raw.as_bytes()).unwrap();
    // With no field beside them, the parser's reading rests on them.
    assert!(shorten(b">From a 12:00\n\nbody\n").is_none());
    let spare = shorten(b">From a\nX-A: 1\n\nbody\n").unwrap();
    assert_eq!(&spare.bytes[..], b"X-A: 1\n\n");
}

#[test]
fn a_plain_report_is_read_without_the_parsers_tree() {
    let shorter = shorten(REPORT.as_bytes()).unwrap();
    let direct = shorter.direct.as_ref().unwrap();
    let read = super::super::direct::read(
        REPORT.as_bytes(),
        direct,
        &shorter.taken,
        true,
    )
    .unwrap();
    let whole =
        super::super::parse_whole(REPORT.as_bytes(), &[], None).unwrap();
    assert_eq!(read.texts, ["sorry"]);
    assert_eq!(read.texts, whole.texts);
    assert_eq!(read.from.address(), whole.from.address());
    let returned = |p: &super::super::Parsed| format!("{:?}", p.returned);
    assert_eq!(returned(&read), returned(&whole));
    assert!(returned(&read).contains("a@example.org"));
    // An HTML part the parser alone reads: no such reading.
    let html =
        REPORT.replace("text/plain", "multipart/alternative; boundary=a");
    let html =
        html.replace("sorry\n", "--a\nContent-Type: text/html\n\nx\n--a--\n");
    assert!(shorten(html.as_bytes()).unwrap().direct.is_none());
}

/// True when `raw` is read without the parser's tree.
fn read_directly(raw: &[u8]) -> bool {
    let Some(shorter) = shorten(raw) else {
        return false;
    };
    shorter.direct.as_ref().is_some_and(|d| {
        let (taken, cut) = (&shorter.taken, shorter.attached_cut);
        super::super::direct::read(raw, d, taken, cut).is_some()
    })
}

#[test]
fn encoded_and_mislabelled_texts_read_as_whole() {
    let parts = [
        ("text/plain; charset=utf-8", "base64", "Y2Fmw6kgYXUg\nbGFpdA==\n"),
        ("text/plain; charset=utf-8", "base64", "Y2Fmw6kgYXUg\r\nbGFpdA==\r\n"),
        ("text/html", "base64", "PHA+aGk8L3A+\n"),
        ("text/plain; charset=iso-2022-jp", "8bit", "caf\u{e9}\n"),
        ("text/plain; charset=ISO-2022-JP", "7bit", "\x1b$B%f!<%6!<\x1b(B\n"),
        ("text/plain; charset=iso-2022-jp", "quoted-printable", "=1B$B%f=\n"),
        ("text/plain; charset=iso-2022-jp", "base64", "Y2Fmw6k=\n"),
        ("message/delivery-status", "base64", "U3RhdHVzOiA1LjEuMQ==\n"),
    ];
    for (ty, cte, body) in parts {
        let raw = format!(
            "From: d@example.net\nSubject: s\n\
    Content-Type: multipart/report; boundary=\"b\"\n\n\
    --b\nContent-Type: text/plain\n\nsorry\n--b\n\
    Content-Type: {ty}\nContent-Transfer-Encoding: {cte}\n\n{body}\
    --b\nContent-Type: message/rfc822\n\nFrom: a@example.org\n\nbody\n--b--\n"
        );
        assert!(read_directly(raw.as_bytes()), "{raw}");
        same_as_whole(raw.as_bytes()).unwrap();
    }
}

#[test]
fn parentheses_in_quoted_boundaries_are_read() {
    let quoted = REPORT.replace("b1", "Boundary_(ID_1)");
    assert!(read_directly(quoted.as_bytes()));
    same_as_whole(quoted.as_bytes()).unwrap();
    // Unquoted, they start a comment.
    let comment = quoted.replace("\"Boundary_(ID_1)\"", "Boundary_(ID_1)");
    assert!(!read_directly(comment.as_bytes()));
    same_as_whole(comment.as_bytes()).unwrap();
}

/// A quoted-printable ISO-2022-JP text whose bytes are 8-bit, before an
/// attached message the parser has to read: the cut takes the text out
/// decoded, and it is still read as an encoded body (found by the
/// property test).
#[test]
fn decoded_text_taken_out_stays_encoded() {
    let raw = "From: d@example.net\n\
Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
Content-Transfer-Encoding: quoted-printable\n\
Content-Type: text/plain; charset=iso-2022-jp\n\n=C3=A9\n\n--b\n\
Content-Type: message/rfc822\n\nFrom: a@example.org\n\
Content-Transfer-Encoding: base64\n\nbody --b\n\n";
    assert!(!shorten(raw.as_bytes()).unwrap().taken.is_empty());
    same_as_whole(raw.as_bytes()).unwrap();
}

#[test]
fn top_field_names_are_told_by_their_lower_cased_prefix() {
    // Every name looked for is shorter than the 32 bytes compared, and
    // written in lower case.
    let names = super::super::KEPT.iter().map(|n| n.as_bytes());
    for name in names.chain(TOP_PARSED.iter().copied()) {
        assert!(name.len() < 32 && !name.iter().any(u8::is_ascii_uppercase));
    }
    let long = "Content-X-A-Name-Longer-Than-Thirty-Two-Bytes";
    let raw = format!(
        "Received: a\nRECEIVED: b\nFrom: d@example.net\n\
X-Failed-Recipients: bob@example.com\n{long}: kept\n\
X-Failed-Recipients-And-A-Longer-Name-Than-That: gone\n\
Content-Type: text/plain\n\nbody\n"
    );
    let shorter = shorten(raw.as_bytes()).unwrap();
    let cut = String::from_utf8(shorter.bytes.to_vec()).unwrap();
    assert_eq!(
        cut,
        format!(
            "From: d@example.net\n{long}: kept\nContent-Type: text/plain\n\n"
        )
    );
    let headers: Vec<_> =
        shorter.headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
    assert_eq!(
        headers,
        [
            ("x-failed-recipients", "bob@example.com"),
            ("content-type", ""),
            ("received", "")
        ]
    );
}

/// A `boundary` line not folded (the parser reads a multipart of no
/// boundary, which nothing reads) and an attached `Received` field whose
/// lines are not folded either (one of no `:`, one read as a field of an
/// odd name): cut and read without the parser's tree, as whole.
#[test]
fn lines_not_folded_are_read_as_the_parser_reads_them() {
    let raw = "From: d@example.net\nSubject: s\n\
Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
Content-Type: multipart/alternative; differences=Content-Type;\n\
boundary=\"in\"\n\n--in\nContent-Type: text/plain\n\nsorry\n--in--\n\
--b\nContent-Type: message/delivery-status\n\n\
Final-Recipient: rfc822; bob@example.com\n\n\
--b\nContent-Type: message/rfc822\n\n\
Received: from x\n(10.0.0.1) by y\nAug 2018 03:46:51 +0000\n\
From: a@example.org\nMessage-ID: <m@example.org>\n\nthe body\n--b--\n";
    let shorter = shorten(raw.as_bytes()).unwrap();
    assert!(shorter.attached_cut);
    assert!(memmem::find(&shorter.bytes, b"sorry").is_none());
    assert!(read_directly(raw.as_bytes()));
    same_as_whole(raw.as_bytes()).unwrap();
    let read = super::super::parse(raw.as_bytes()).unwrap();
    assert!(read.texts.is_empty());
    assert!(read.delivery_status.unwrap().starts_with(b"Final-Recipient"));
    assert_eq!(read.returned.unwrap().message_id, "m@example.org");
    // A line the parser could read as a field it knows is not read here.
    let known = raw.replace("Aug 2018 03:46", "Mess age-ID: <x@y>\n");
    assert!(!read_directly(known.as_bytes()));
    same_as_whole(known.as_bytes()).unwrap();
    // With no report part beside it, the raw body is the parser's text.
    let bare = raw.replace("message/delivery-status", "image/png");
    assert!(!read_directly(bare.as_bytes()));
    same_as_whole(bare.as_bytes()).unwrap();
}

/// The attached message read without the parser's tree is found where
/// the parser finds it, whether a delimiter ends it or the message does.
#[test]
fn the_attached_range_is_the_parsers() {
    for end in ["\r\n--b--\r\n", "\n--b--\n", "", "\n--in--\n"] {
        let raw = format!(
            "From: d@example.net\nSubject: s\n\
Content-Type: multipart/report; boundary=\"b\"\n\n--b\n\
Content-Type: text/plain\n\nsorry\n--b\nContent-Type: message/rfc822\n\n\
From: a@example.org\nContent-Type: multipart/mixed; boundary=\"in\"\n\n\
--in\nContent-Type: text/plain\n\nthe body\n--in--{end}"
        );
        assert!(read_directly(raw.as_bytes()), "{raw:?}");
        let read = super::super::parse(raw.as_bytes()).unwrap();
        assert!(!read.cut);
        let whole = super::super::parse_whole(raw.as_bytes(), &[], None);
        assert_eq!(read.attached, whole.unwrap().attached, "{raw:?}");
        assert!(matches!(
            read.attached,
            Some(super::super::Attached::Range(..))
        ));
    }
}

/// A multipart whose boundary is nowhere in its body (another one is
/// used, or none): the parser reads the raw body as the text, and so does
/// the reading without its tree.
#[test]
fn a_boundary_that_is_nowhere_leaves_the_raw_body_as_text() {
    let raw = "From: d@example.net\nSubject: s\n\
Content-Type: multipart/report; boundary=\"b\"\n\
Content-Transfer-Encoding: 7bit\n\n--c\nContent-Type: text/plain\n\n\
caf\u{e9} sorry\n--c\nContent-Type: message/delivery-status\n\n\
Final-Recipient: rfc822; bob@example.com\n--c--\n";
    let variants = [
        raw.to_string(),
        raw.replace("7bit", "base64"),
        raw.replace("multipart/report", "multipart/alternative"),
        raw.replace("--c--\n", "\u{ff}--b"),
        raw.replace("caf\u{e9}", "caf\u{e9}\u{ff}"),
    ];
    for raw in &variants {
        let raw = raw.as_bytes();
        let expected = memmem::find(raw, b"--b").is_none();
        assert_eq!(read_directly(raw), expected);
        same_as_whole(raw).unwrap();
    }
    let read = super::super::parse(variants[0].as_bytes()).unwrap();
    let body = &variants[0][variants[0].find("\n\n").unwrap() + 2..];
    assert_eq!(read.texts, [body]);
    assert!(read.delivery_status.is_none());
}
