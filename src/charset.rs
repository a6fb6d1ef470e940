//! Reading text whose charset is missing or wrong, as Japanese servers
//! write it: ISO-2022-JP in parts that declare no charset (recognised by
//! its escape sequences), and 8-bit text (UTF-8, EUC-JP, Shift_JIS)
//! labelled as 7-bit ISO-2022-JP. Declared charsets are decoded by the MIME
//! library; this only repairs what it cannot know.

use std::borrow::Cow;

/// The text of bytes whose charset is not declared (a report part, which
/// should be US-ASCII, or a text part without `charset`): Japanese servers
/// write ISO-2022-JP there, recognised by its escape into a kanji set
/// (`ESC $ B`, `ESC $ @`) and decoded; anything else is read as UTF-8 with
/// invalid bytes replaced.
pub fn undeclared_text(raw: &[u8]) -> Cow<'_, str> {
    if has_jis_escape(raw) {
        let (text, _) =
            encoding_rs::ISO_2022_JP.decode_without_bom_handling(raw);
        return text;
    }
    String::from_utf8_lossy(raw)
}

/// [`undeclared_text`] for text already read as UTF-8 (ISO-2022-JP is
/// 7-bit, so its escapes survive that reading unchanged).
pub fn undeclared_str(text: &str) -> Cow<'_, str> {
    if has_jis_escape(text.as_bytes()) {
        return undeclared_text(text.as_bytes()).into_owned().into();
    }
    text.into()
}

/// ISO-2022-JP is 7-bit: text with 8-bit bytes beside the escapes is
/// something else and is left as it is.
fn has_jis_escape(raw: &[u8]) -> bool {
    let escape =
        |i: usize| matches!(raw.get(i + 1..i + 3), Some(b"$B" | b"$@"));
    memchr::memchr_iter(0x1b, raw).any(escape) && raw.is_ascii()
}

/// The text of 8-bit bytes labelled ISO-2022-JP (a 7-bit charset): the first
/// of UTF-8, EUC-JP and Shift_JIS that reads them without an error.
pub fn mislabelled(raw: &[u8]) -> Option<Cow<'_, str>> {
    if let Ok(text) = std::str::from_utf8(raw) {
        return Some(text.into());
    }
    [encoding_rs::EUC_JP, encoding_rs::SHIFT_JIS].iter().find_map(|e| {
        e.decode_without_bom_handling_and_without_replacement(raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_undeclared_iso_2022_jp() {
        // "ユーザー" in ISO-2022-JP, between ASCII words.
        let raw = b"Status: 5.0.0 \x1b$B%f!<%6!<\x1b(B bob@example.com";
        assert_eq!(
            undeclared_text(raw),
            "Status: 5.0.0 \u{30e6}\u{30fc}\u{30b6}\u{30fc} bob@example.com"
        );
        assert_eq!(undeclared_str("plain \x1b[1m text"), "plain \x1b[1m text");
        assert_eq!(undeclared_text(b"caf\xe9"), "caf\u{fffd}");
        assert_eq!(undeclared_str("\x1b$B%( caf\u{e9}"), "\x1b$B%( caf\u{e9}");
        assert_eq!(
            undeclared_str("\x1b$B%(%i!<\x1b(B: no"),
            "\u{30a8}\u{30e9}\u{30fc}: no"
        );
    }

    #[test]
    fn reads_mislabelled_8_bit_text() {
        // "一杯" (full) in UTF-8, EUC-JP and Shift_JIS.
        assert_eq!(mislabelled("一杯".as_bytes()).unwrap(), "一杯");
        assert_eq!(mislabelled(b"\xb0\xec\xc7\xd5").unwrap(), "一杯");
        assert_eq!(mislabelled(b"\x88\xea\x94\x74").unwrap(), "一杯");
    }
}
