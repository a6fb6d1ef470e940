//! Quoted-printable decoding of a MIME part's body exactly as mail-parser
//! 0.11.9 decodes one (its quirks included: a stray `=` kept, whitespace
//! before a line end dropped, the line end before the boundary removed),
//! but a run of plain bytes at a time instead of byte by byte. The cut
//! (`cut.rs`) puts the decoded text in place of the encoded one, so that
//! the parser reads the same text for less work.

/// The text mail-parser decodes from a part's body that a delimiter
/// ends: `encoded` runs from the body's start up to and including the
/// delimiter's first `-`. mail-parser decodes that `-` too, then removes
/// it, and with it the line end before when the delimiter starts a line
/// (as many bytes as the last line end it saw had, whatever this one
/// has). `None` where mail-parser gives up and reads the body undecoded
/// (`==`, `=A=`).
pub(super) fn decode_to_delimiter(encoded: &[u8]) -> Option<Vec<u8>> {
    let (mut out, crlf) = decode(encoded)?;
    let before = match encoded.len() {
        0 | 1 => 0,
        n => encoded[n - 2],
    };
    // Wrapping as mail-parser's release build does (a removal longer
    // than the text removes nothing).
    let cut = if before == b'\n' { crlf + 1 } else { 1 };
    out.truncate(out.len().wrapping_sub(cut));
    Some(out)
}

/// The text mail-parser decodes from the body of a message of one part,
/// which runs to the message's end.
pub(super) fn decode_to_end(encoded: &[u8]) -> Option<Vec<u8>> {
    decode(encoded).map(|(out, _)| out)
}

/// Decodes `encoded` with mail-parser's state machine; also gives the
/// length of the last line end seen (2 once any CR was seen, else 1).
fn decode(encoded: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::with_capacity(encoded.len());
    let mut state = State::None;
    let mut hex1 = 0u8;
    let mut ws_count = 0usize;
    let mut crlf: &[u8] = b"\n";
    let mut last = 0u8;
    let mut i = 0;
    while i < encoded.len() {
        let ch = encoded[i];
        if state == State::None && !matches!(ch, b'=' | b'\n' | b'\r') {
            // A run of plain bytes, copied whole.
            let rest = &encoded[i..];
            let len =
                memchr::memchr3(b'=', b'\n', b'\r', rest).unwrap_or(rest.len());
            let run = &rest[..len];
            out.extend_from_slice(run);
            let trailing = run
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
            ws_count = if trailing == len { ws_count + len } else { trailing };
            i += len;
            last = run[len - 1];
            continue;
        }
        match ch {
            b'=' if state == State::None => state = State::Eq,
            b'=' => return None,
            b'\n' => {
                if state == State::Eq {
                    state = State::None;
                } else {
                    out.truncate(out.len() - ws_count);
                    out.extend_from_slice(crlf);
                }
                ws_count = 0;
            }
            b'\r' => crlf = b"\r\n",
            _ if state == State::Eq => {
                if let Some(h) = hex(ch) {
                    hex1 = h;
                    state = State::Hex1;
                } else if !ch.is_ascii_whitespace() {
                    state = State::None;
                    out.extend_from_slice(&[b'=', ch]);
                    ws_count = 0;
                }
            }
            _ => {
                // State::Hex1 (in State::None the run above took it).
                state = State::None;
                match hex(ch) {
                    Some(h) => out.push(hex1 << 4 | h),
                    None => out.extend_from_slice(&[b'=', last, ch]),
                }
                ws_count = 0;
            }
        }
        last = ch;
        i += 1;
    }
    Some((out, crlf.len()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    None,
    Eq,
    Hex1,
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}
