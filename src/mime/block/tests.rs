//! Tests of the header block readers.

use super::*;

/// `ContentType::of` as first written (a piece, a byte or a pass at a
/// time), which the faster one must read the same.
fn plain_of<'a>(raw: &'a [u8], fields: &[Field]) -> Option<ContentType<'a>> {
    let Some(f) = only(raw, fields, b"content-type")? else {
        return Some(ContentType {
            kind: Kind::Other,
            boundary: None,
            text: true,
            plain: false,
            html: false,
            leaf_text: true,
            unread: false,
            given: None,
        });
    };
    let at = f.start + f.name_len + 1;
    let value = &raw[at..f.end];
    if memchr::memchr3(b'\'', b'\\', b'*', value).is_some() {
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
    if ty.iter().filter(|&&c| c == b'/').count() != 1 || !ty.iter().all(token) {
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
        // A `(` outside a quoted value starts a comment, which the
        // parser drops (`boundary="Boundary_(ID_...)"` is common).
        let inner = v.strip_prefix(b"\"").and_then(|q| q.strip_suffix(b"\""));
        let quoted = inner.is_some_and(|q| !q.contains(&b'"'));
        if name.contains(&b'(') || !quoted && v.contains(&b'(') {
            return None;
        }
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
    let plain = ty == b"text/plain".as_slice();
    let html = ty == b"text/html".as_slice();
    let report = |t: &[u8]| {
        has_word(t, b"headers")
            || has_word(t, b"status")
            || has_word(t, b"report")
    };
    let leaf_text = ty.starts_with(b"text/") && !report(ty);
    let mut unread = [&b"image/"[..], b"audio/", b"video/", b"application/"]
        .iter()
        .any(|t| ty.starts_with(t))
        && !report(ty);
    // A multipart of no boundary is a part nothing reads, but a report.
    let mut kind = kind;
    if matches!(kind, Kind::Multipart { .. }) && boundary.is_none() {
        if report(ty) {
            return None;
        }
        (kind, unread) = (Kind::Other, true);
    }

    Some(ContentType {
        kind,
        boundary,
        text: plain || html,
        plain,
        html,
        leaf_text,
        unread,
        given: Some((given, at, f.end)),
    })
}

#[test]
fn content_types_read_as_first_written() {
    use proptest::prelude::*;
    const TYPES: &[&str] = &[
        "text/plain",
        "TEXT/HTML",
        "text/html",
        "Text/RFC822-Headers",
        "text/x-status",
        "text/report-ish",
        "multipart/alternative",
        "multipart/mixed",
        "Multipart/Report",
        "multipart/digest",
        "multipartx/y",
        "message/rfc822",
        "message/global",
        "message/delivery-status",
        "Message/Feedback-Report",
        "image/png",
        "application/pdf",
        "application/x-report",
        "audio/status",
        "text//plain",
        "te xt/plain",
        "text/pl@in",
        "a/b/c",
        "text",
        "",
        "x-a-very-long-type-name-past-sixty-four-bytes/of-a-long-subtype-too",
        "t\u{e9}xt/plain",
    ];
    const PIECES: &[&str] = &[
        ";",
        " ",
        "\r\n\t",
        " charset=us-ascii",
        " CHARSET=\"utf-8\"",
        " boundary=\"b(1)\"",
        " boundary=abc",
        " Boundary=\"==_x y_==\"",
        "boundary = \"x\"",
        " boundary=a b",
        " boundary=\"\"",
        " boundary=\"a\"b\"",
        " name=(c)",
        " n(x)=1",
        " report-type=delivery-status",
        " x",
        "=",
        "\"",
        "'",
        "*",
        "\u{e9}",
    ];
    let config = ProptestConfig::with_cases(4000);
    proptest!(config, |(
        ty in 0..TYPES.len(),
        params in prop::collection::vec(0..PIECES.len(), 0..8),
        twice in any::<bool>(),
    )| {
        let mut value = format!(" {}", TYPES[ty]);
        for p in params {
            value.push_str(PIECES[p]);
        }
        let mut raw = format!("Content-Type:{value}\r\nX-Other: 1\r\n");
        if twice {
            raw.push_str("content-type: text/plain\r\n");
        }
        raw.push_str("\r\nbody\r\n");
        let Some((fields, _)) = header_block(raw.as_bytes(), 0) else {
            return Ok(());
        };
        let fast = ContentType::of(raw.as_bytes(), &fields);
        let plain = plain_of(raw.as_bytes(), &fields);
        prop_assert_eq!(fast, plain, "{:?}", raw);
    });
    // A few read at all, as they should be.
    let raw = b"Content-Type: Multipart/Alternative; boundary=\"b(1)\"\n\n";
    let (fields, _) = header_block(raw, 0).unwrap();
    let ct = ContentType::of(raw, &fields).unwrap();
    assert_eq!(ct.kind, Kind::Multipart { alternative: true });
    assert_eq!(ct.boundary, Some(&b"b(1)"[..]));
    let raw = b"Content-Type: text/rfc822-headers\n\n";
    let (fields, _) = header_block(raw, 0).unwrap();
    let ct = ContentType::of(raw, &fields).unwrap();
    assert!(!ct.leaf_text && !ct.text && !ct.unread);
}

#[test]
fn line_ends_are_found_as_memchr_finds_them() {
    use proptest::prelude::*;
    let newline = Newline::new();
    let byte = prop_oneof![4 => Just(b'a'), 1 => Just(b'\n'), 1 => any::<u8>()];
    let config = ProptestConfig::with_cases(2000);
    proptest!(config, |(hay in prop::collection::vec(byte, 0..300))| {
        prop_assert_eq!(newline.find(&hay), memchr::memchr(b'\n', &hay));
    });
    let long = [&[b'x'; 200][..], b"\n"].concat();
    assert_eq!(newline.find(&long), Some(200));
    assert_eq!(newline.find(b""), None);
}

#[test]
fn reports_are_message_types_naming_one() {
    let report = |ty: &str| {
        let raw = format!("Content-Type: {ty}\n\n");
        let (fields, _) = header_block(raw.as_bytes(), 0).unwrap();
        ContentType::of(raw.as_bytes(), &fields).unwrap().is_report()
    };
    assert!(report("message/delivery-status"));
    assert!(report("Message/Feedback-Report; x=y"));
    assert!(report("message/global-delivery-status"));
    assert!(!report("text/delivery-status"));
    assert!(!report("message/rfc822"));
    assert!(!report("text/plain"));
    assert!(!report("messages/delivery-status"));
    // A multipart of no boundary is read as a part nothing reads.
    let raw = b"Content-Type: multipart/alternative;\nboundary=\"b\"\n\n";
    let (fields, _) = header_block(raw, 0).unwrap();
    let unbounded = ContentType::of(raw, &fields).unwrap();
    assert!(unbounded.unread && unbounded.kind == Kind::Other);
    let raw = b"Content-Type: multipart/report\n\n";
    let (fields, _) = header_block(raw, 0).unwrap();
    assert!(ContentType::of(raw, &fields).is_none());
}
