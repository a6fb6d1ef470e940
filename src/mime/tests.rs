//! Tests of the MIME layer.

use super::*;

#[test]
fn finds_report_parts_and_returned_headers() {
    let raw = b"From: MAILER-DAEMON@example.net\r\nSubject: Undelivered\r\n\
Date: Mon, 12 Oct 2026 09:14:02 +0200\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n\
Final-Recipient: rfc822; bob@example.com\r\nAction: failed\r\n\
--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: a@example.org\r\n\
Subject: hi\r\nMessage-ID: <m1@example.org>\r\n\r\n--b--\r\n";
    let p = parse(raw).unwrap();
    assert_eq!(p.date, "2026-10-12T07:14:02Z");
    assert_eq!(p.texts, vec!["sorry".to_string()]);
    let ds = String::from_utf8(p.delivery_status.unwrap()).unwrap();
    assert!(ds.contains("Final-Recipient: rfc822; bob@example.com"));
    let o = p.returned.unwrap();
    assert_eq!((o.from.as_str(), o.subject.as_str()), ("a@example.org", "hi"));
    assert_eq!(o.message_id, "m1@example.org");
}

#[test]
fn ascii_based_charsets_read_ascii_as_it_is() {
    let ascii: Vec<u8> = (0..0x80).collect();
    let names = [
        "US-ASCII",
        "ascii",
        "utf-8",
        "ISO-8859-1",
        "iso-8859-2",
        "ISO-8859-5",
        "iso-8859-7",
        "iso-8859-11",
        "iso-8859-15",
        "iso8859-1",
        "iso88591",
        "windows-1250",
        "windows-1251",
        "Windows-1252",
        "windows-1256",
        "windows-1258",
        "cp1252",
    ];
    for name in names {
        assert!(ascii_based(name), "{name}");
        if let Some(decode) = charset_decoder(name.as_bytes()) {
            assert_eq!(decode(&ascii).as_bytes(), &ascii[..], "{name}");
        }
    }
    for name in ["iso-2022-jp", "utf-7", "utf-16", "hz-gb-2312", "gbk"] {
        assert!(!ascii_based(name), "{name}");
    }
}

/// Returned headers read with only the fields that matter read as the
/// whole block does.
#[test]
fn returned_headers_read_the_same_trimmed() {
    use proptest::prelude::*;
    const FIELDS: &[&str] = &[
        "Received: from a.example.org by b.example.net;\n\tMon, 1 Oct\n",
        "From: \"A, B\" <a@example.org>\n",
        "To: c@example.com, =?utf-8?q?D?= <d@example.com>\n",
        "Subject: =?iso-8859-1?q?caf=E9?=\n",
        "Subject: two\n",
        "Message-ID: <m1@example.org>\n",
        "DKIM-Signature: v=1; b=xyz\n abc\n",
        "X-Junk\n",
        " folded\n",
        "\n",
        "\r\n",
        "body\n",
        // Lines the end of the text may end (or that run into the next).
        "Message-ID: <m2@example.org>",
        "From: e@example.org",
        "Subject: end",
        "To: f@example.com",
        "X-Last: x",
        " folded",
        "\r",
    ];
    let config = ProptestConfig::with_cases(3000);
    proptest!(config, |(ids in prop::collection::vec(0..FIELDS.len(), 0..10))| {
        let raw: String = ids.iter().map(|&i| FIELDS[i]).collect();
        let whole = parser()
            .parse_headers(raw.as_bytes())
            .filter(|m| !m.headers().is_empty())
            .map(|m| original_of(&m));
        let trimmed = parse_original(raw.as_bytes());
        prop_assert_eq!(format!("{whole:?}"), format!("{trimmed:?}"));
    });
}

/// `To`, read only when needed, reads as the parser reads it in place.
#[test]
fn to_read_when_needed_reads_as_in_place() {
    use proptest::prelude::*;
    const FIELDS: &[&str] = &[
        "To: c@example.com, =?utf-8?q?D?= <d@example.com>\n",
        "To: \"E,\n F\" <e@example.com>,\n\t(g) g@example.com\n",
        "To: undisclosed-recipients:;\r\n",
        "To: =?utf-8?b?SMOp?= <h@example.com\n",
        "To:\n",
        "To: i@example.com",
        "Date: Mon, 1 Oct 2026 10:00:00 UT\n",
        "Date: 1-a\n",
        "From: j@example.org\n",
        "Subject: =?utf-8?q?k?=\n",
        " folded\n",
        "\n",
    ];
    let reference = MessageParser::new()
        .header_date(HeaderName::Date)
        .header_address(HeaderName::To)
        .default_header_ignore();
    let config = ProptestConfig::with_cases(3000);
    proptest!(config, |(ids in prop::collection::vec(0..FIELDS.len(), 1..8))| {
        let raw: String = ids.iter().map(|&i| FIELDS[i]).collect();
        let got = parser()
            .parse_headers(raw.as_bytes())
            .map(|m| original_of(&m).to());
        let want = reference.parse_headers(raw.as_bytes()).map(|m| {
            m.to()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.address())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        });
        prop_assert_eq!(got, want);
    });
}

/// HTML read as the plain chain of replacements reads it.
#[test]
fn html_reads_as_replacing_one_entity_after_another() {
    use proptest::prelude::*;
    const PIECES: &[&str] = &[
        "<p>",
        "</P>",
        "<br/>",
        "<B>",
        "<table>",
        "<td>",
        "<h2 x>",
        "<",
        ">",
        "&",
        ";",
        "amp;",
        "&amp;",
        "&lt;",
        "&gt;",
        "&nbsp;",
        "&quot;",
        "&#39;",
        "&#3",
        "lt;",
        "caf\u{e9}",
        "text ",
        "\n",
    ];
    // The tags taken out with no entity in sight, then the entities.
    let slow = |html: &str| {
        let text = html_to_text(&html.replace('&', "\u{1}"));
        text.replace('\u{1}', "&")
            .replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let config = ProptestConfig::with_cases(3000);
    proptest!(config, |(ids in prop::collection::vec(0..PIECES.len(), 0..14))| {
        let html: String = ids.iter().map(|&i| PIECES[i]).collect();
        prop_assert_eq!(html_to_text(&html), slow(&html));
    });
}

#[test]
fn junk_is_not_a_message() {
    assert!(parse(b"").is_none());
}

#[test]
fn padded_numbers_are_written_as_format_writes_them() {
    for n in [0, 7, 42, 999, 1970, 2026, 9999, 10000, u16::MAX] {
        for width in [2, 4] {
            let mut out = String::new();
            push_padded(&mut out, n, width);
            assert_eq!(out, format!("{n:0width$}"));
        }
    }
}

#[test]
fn dates_are_iso_utc() {
    let date =
        mail_parser::DateTime::parse_rfc822("Mon, 2 Mar 2026 07:04:09 +0130")
            .unwrap();
    assert_eq!(iso_utc(&date), "2026-03-02T05:34:09Z");
}

#[test]
fn field_names_end_where_a_byte_at_a_time_they_do() {
    use super::block::{name_end, name_end_plain};
    use proptest::prelude::*;
    for line in [
        &b"Received: from a"[..],
        b"X-A-Very-Long-Field-Name-Of-Many-Words: v\r\n",
        b"Subject\x7f: x",
        b"Na\xc3\xa9me: x",
        b"NoColonAtAllInThisLine",
        b" folded",
        b"",
        b"Name :x",
    ] {
        assert_eq!(name_end(line), name_end_plain(line), "{line:?}");
    }
    assert_eq!(name_end(b"Content-Transfer-Encoding: 7bit\n"), Some(25));
    // Bytes near each edge the eight-at-a-time test draws, and any byte.
    let edges =
        vec![0u8, b'\t', b'\n', b' ', b'!', b':', b'9', b';', b'~', 0x7f];
    let byte = prop_oneof![
        4 => prop::sample::select(&b"abzAZ-_."[..]),
        2 => prop::sample::select(edges),
        1 => 0x80u8..=0xff,
        1 => any::<u8>(),
    ];
    let config = ProptestConfig::with_cases(4000);
    proptest!(config, |(line in prop::collection::vec(byte, 0..40))| {
        prop_assert_eq!(name_end(&line), name_end_plain(&line));
    });
}

/// Values of one field built of the pieces given, each with each white
/// space around it, line end and line after, as `(raw, value's start,
/// value's end)`.
fn one_line_values(
    heads: &[&str],
    bodies: &[&[u8]],
) -> Vec<(Vec<u8>, usize, usize)> {
    let mut values = Vec::new();
    for head in heads {
        for body in bodies {
            for (lead, trail) in
                [("", ""), (" ", " \r"), ("\t", "  "), (" ", "\r")]
            {
                for ended in ["\n", ""] {
                    for next in ["To: b\n", " x\n", "\tx\n", "\n", ""] {
                        let mut raw = b"Field:".to_vec();
                        raw.extend_from_slice(lead.as_bytes());
                        raw.extend_from_slice(head.as_bytes());
                        raw.extend_from_slice(body);
                        raw.extend_from_slice(trail.as_bytes());
                        raw.extend_from_slice(ended.as_bytes());
                        let end = raw.len();
                        raw.extend_from_slice(next.as_bytes());
                        values.push((raw, 6, end));
                    }
                }
            }
        }
    }
    values
}

/// A `Message-ID` read by `direct::plain_id` reads as `parse_id` reads it,
/// and plain ids are read by it.
#[test]
fn plain_ids_read_as_the_parser_reads_them() {
    let ids: &[&[u8]] = &[
        b"<m1@example.org>",
        b"<a>",
        b"<>",
        b"<a b>",
        b"<a<b>",
        b"<a>b>",
        b"<\xc3\xa9@x>",
        b"<\xff@x>",
        b"<a> (c)",
        b"(c) <a>",
        b"a",
        b"<a><b>",
        b"<a",
        b"a>",
        b"<a\tb>",
        b"<a\rb>",
    ];
    let mut hits = 0;
    for (raw, at, end) in one_line_values(&["", "x "], ids) {
        if let Some(id) = direct::plain_id(&raw, at, end) {
            hits += 1;
            let value = MessageStream::new(&raw[at..]).parse_id();
            assert_eq!(value.as_text(), Some(id), "{raw:?}");
        }
    }
    assert!(hits >= 36, "{hits}");
    let raw = b"Message-ID: \t<m1@example.org> \r\nTo: a\r\n";
    let end = raw.iter().position(|&c| c == b'\n').unwrap() + 1;
    assert_eq!(direct::plain_id(raw, 11, end), Some("m1@example.org"));
    // Not ended by its line end: `parse_id` finds no id.
    assert_eq!(direct::plain_id(raw, 11, end - 1), None);
    let folded = b"Message-ID: <m1@example.org>\n <m2@example.org>\n";
    assert_eq!(direct::plain_id(folded, 11, 29), None);
}

/// A `From` read by `direct::plain_address` reads as `parse_address` and
/// `first_address` read it, and plain ones are read by it.
#[test]
fn plain_addresses_read_as_the_parser_reads_them() {
    let names = [
        "",
        "Ann ",
        "Ann B ",
        "a1",
        "\"A\" ",
        "A, B ",
        "A: ",
        "=?x?= ",
        "A.B ",
        "(c) ",
        "<x@y> ",
        "a@b ",
        "\u{e9} ",
        "\"A, B\"",
        "\"A: B;\" ",
        "\"A\\\" B\" ",
        "\"a@b\" ",
        "\"A\" B ",
        "\"A\"\t",
        "\"\" ",
        "\"=?x?=\" ",
        "\"(c)\" ",
        "\"\u{e9}\" ",
        "\"A",
        "\"<x@y>\" ",
    ];
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    for address in [
        "a@b",
        "a.b@x.example",
        "a+b_c-d@x-y.z",
        "@b",
        "a@",
        "a@@b",
        "a b@c",
        "a.@b",
        ".a@b",
        "a@b.",
        "a\"b@c",
        "a,b@c",
        "a;b@c",
        "a(c)@b",
        "a@[1.2.3.4]",
        "\u{e9}@b",
        "a@b>",
        "<a@b",
    ] {
        bodies.push(address.as_bytes().to_vec());
        bodies.push(format!("<{address}>").into_bytes());
    }
    let bodies: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
    let mut hits = 0;
    for (raw, at, end) in one_line_values(&names, &bodies) {
        if let Some(address) = direct::plain_address(&raw, at, end) {
            hits += 1;
            let value = MessageStream::new(&raw[at..]).parse_address();
            let read = first_address(value.as_address());
            assert_eq!(read, address, "{:?}", String::from_utf8_lossy(&raw));
        }
    }
    assert!(hits >= 200, "{hits}");
    let read = |v: &[u8]| {
        let mut raw = b"From:".to_vec();
        raw.extend_from_slice(v);
        let end = raw.len();
        raw.extend_from_slice(b"To: b\n");
        direct::plain_address(&raw, 5, end).map(str::to_string)
    };
    let plain = Some("a.b@x.example".to_string());
    assert_eq!(read(b" a.b@x.example\r\n"), plain);
    assert_eq!(read(b" Ann B <a.b@x.example>\n"), plain);
    assert_eq!(read(b" <a.b@x.example>\n"), plain);
    assert_eq!(read(b" \"B, Ann\" <a.b@x.example>\n"), plain);
    assert_eq!(read(b" \"Ann\" B <a.b@x.example>\n"), None);
    assert_eq!(read(b" a.b@x.example\n (c)\n"), None);
}

/// A `Subject` read by `direct::plain_text` reads as `parse_unstructured`
/// reads it, and plain ones are read by it.
#[test]
fn plain_texts_read_as_the_parser_reads_them() {
    let texts: &[&[u8]] = &[
        b"hi",
        b"Re: a  b\tc",
        b"a \r b",
        b"x=?utf-8?Q?a?=",
        b"=?",
        b"a=b?",
        b"\xc3\xa9t\xc3\xa9",
        b"\xff x",
        b" ",
        b"",
    ];
    let mut hits = 0;
    for (raw, at, end) in one_line_values(&["", "x "], texts) {
        if let Some(text) = direct::plain_text(&raw, at, end) {
            hits += 1;
            let value = MessageStream::new(&raw[at..]).parse_unstructured();
            let read = value.as_text().unwrap_or_default();
            assert_eq!(read, text, "{:?}", String::from_utf8_lossy(&raw));
        }
    }
    assert!(hits >= 100, "{hits}");
}
