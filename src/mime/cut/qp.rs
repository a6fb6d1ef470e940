//! Quoted-printable bodies decoded as mail-parser's parser decodes them
//! (`MessageStream::decode_quoted_printable_mime`), mostly by its plain
//! slice decoder (`quoted_printable_decode`), which reads the same bytes
//! the same way for a fraction of the cost, and by the parser's own
//! decoder wherever the two could differ. Both decoders are mail-parser's:
//! nothing here decodes a byte.

use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::parsers::MessageStream;

/// The body of a part that starts at `body` in `raw`, decoded from
/// quoted-printable as the parser decodes it: up to the delimiter of
/// `boundary` that starts at `end`, or to the message's end when there is
/// no boundary (`end` is then `raw.len()`). `None` where the parser's
/// decoder fails.
pub(super) fn decode(
    raw: &[u8],
    body: usize,
    end: usize,
    boundary: Option<&[u8]>,
) -> Option<Vec<u8>> {
    if let Some(decoded) = by_slice(raw, body, end, boundary.is_some()) {
        return Some(decoded);
    }
    let mut stream = MessageStream::new(raw.get(body..)?);
    let (to, decoded) =
        stream.decode_quoted_printable_mime(boundary.unwrap_or(b""));
    (to != usize::MAX).then(|| decoded.into_owned())
}

/// The same by the slice decoder, or `None` where it might not give the
/// same bytes. Byte for byte, the two decoders read the same way, except
/// where the slice one fails: an `=` that is not followed by two hex
/// digits (or white space and a line end), where the parser's one keeps
/// the bytes as they are. The parser's one also stops at the delimiter,
/// once it has read its first `-` as text, and takes back that `-` and,
/// for a delimiter at the start of a line, as many bytes as a line end
/// takes (one, two once a CR was seen). The slice decoder is given the
/// body with that `-`, which also makes it fail where the body ends in the
/// middle of an `=` sequence (the parser's one would keep its bytes).
pub(super) fn by_slice(
    raw: &[u8],
    body: usize,
    end: usize,
    delimited: bool,
) -> Option<Vec<u8>> {
    if !delimited {
        return quoted_printable_decode(raw.get(body..)?);
    }
    let mut decoded = quoted_printable_decode(raw.get(body..=end)?)?;
    let text = &raw[body..end];
    let taken_back = if !text.ends_with(b"\n") {
        1
    } else if memchr::memchr(b'\r', text).is_some() {
        3
    } else {
        2
    };
    // Fewer bytes than that: the parser's decoder would underflow.
    decoded.truncate(decoded.len().checked_sub(taken_back)?);
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the parser's decoder alone gives.
    fn by_parser(raw: &[u8], body: usize, boundary: &[u8]) -> Option<Vec<u8>> {
        let mut stream = MessageStream::new(&raw[body..]);
        let (to, decoded) = stream.decode_quoted_printable_mime(boundary);
        (to != usize::MAX).then(|| decoded.into_owned())
    }

    /// Pieces of bodies: `=` sequences (good and broken), text, white
    /// space and line ends, dashes.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "=", "==", "=\n", "=\r\n", "= \n", "=3D", "=C3=A9", "=e9", "=4", "=A",
        "=g", "A", "f", "g", "0", "x", "b", "_", "caf\u{e9}",
        " ", "\t", "\x0c", "\x0b", "\r", "\n", "\r\n", "-", "--",
    ];

    /// Boundaries, some of which start like a delimiter or hold an `=`.
    const BOUNDARIES: &[&str] = &["b", "-b", "=_b", "--=_b"];

    #[test]
    fn bodies_decode_as_the_parser_decodes_them() {
        let slice = std::cell::Cell::new(0);
        let config = ProptestConfig::with_cases(20000);
        proptest!(config, |(
            ids in prop::collection::vec(0..PIECES.len(), 0..24),
            which in 0..BOUNDARIES.len(),
            line_start in any::<bool>(),
        )| {
            let text: String = ids.iter().map(|&i| PIECES[i]).collect();
            let boundary = BOUNDARIES[which];
            let head = "Content-Type: text/plain\n\n";
            let lead = if line_start { "\n" } else { "" };
            let raw = format!("{head}{text}{lead}--{boundary}--\n");
            let (raw, body) = (raw.as_bytes(), head.len());

            // Ended by the delimiter, first found where the parser finds it.
            let delimiter = format!("--{boundary}");
            let end = body
                + memchr::memmem::find(&raw[body..], delimiter.as_bytes())
                    .unwrap();
            let b = boundary.as_bytes();
            let quick = by_slice(raw, body, end, true).is_some();
            slice.set(slice.get() + usize::from(quick));
            prop_assert_eq!(
                decode(raw, body, end, Some(b)),
                by_parser(raw, body, b)
            );

            // Ended by the message's end.
            prop_assert_eq!(
                decode(raw, body, raw.len(), None),
                by_parser(raw, body, b"")
            );
        });
        // Both ways must be taken often, or the test tests little.
        assert!((5000..15000).contains(&slice.get()), "{}", slice.get());
    }
}
