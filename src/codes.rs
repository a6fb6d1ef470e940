//! Small text scanners shared by the decoders: enhanced status codes, SMTP
//! reply codes, e-mail addresses and host names inside free text, and the
//! clean-up of diagnostic text (unfolding, removing the continuation codes of
//! multi-line replies). They find facts; they never judge them.

use std::borrow::Cow;

/// Returns the first enhanced status code (`5.1.1`, `4.4.7`, `5.4.317`) that
/// stands as a word of its own in `text`: class 2, 4 or 5, a subject of one
/// to three digits and a detail of one to three digits.
pub fn find_status(text: &str) -> Option<&str> {
    find_all_status(text).next()
}

/// Every enhanced status code in `text`, in order.
pub fn find_all_status(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(start) = class_digit(b, i) {
            i = start + 1;
            if start > 0 && is_code_char(b[start - 1]) {
                continue;
            }
            if let Some(end) = status_end(b, start) {
                i = end;
                return Some(&text[start..end]);
            }
        }
        i = b.len();
        None
    })
}

/// Where the next `2`, `4` or `5` (the classes a code starts with) stands
/// at or after `from`, found by a vectorized search: codes are rare in
/// text, so most bytes are skipped without a look of their own.
fn class_digit(b: &[u8], from: usize) -> Option<usize> {
    memchr::memchr3(b'2', b'4', b'5', b.get(from..)?).map(|p| from + p)
}

fn is_code_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.'
}

/// Where a status code that starts at `start` ends, if one does.
fn status_end(b: &[u8], start: usize) -> Option<usize> {
    let mut j = start + 1;
    if b.get(j) != Some(&b'.') {
        return None;
    }
    for part in 0..2 {
        j += 1;
        let digits = b[j.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 3 {
            return None;
        }
        j += digits;
        if part == 0 {
            if b.get(j) != Some(&b'.') {
                return None;
            }
        }
    }
    // A following digit, letter or ".digit" means a version number or an IP.
    match b.get(j) {
        Some(c) if c.is_ascii_alphanumeric() => None,
        Some(b'.') if b.get(j + 1).is_some_and(|c| c.is_ascii_digit()) => None,
        _ => Some(j),
    }
}

/// Returns the first SMTP reply code (`2xx`, `4xx`, `5xx`) at the start of
/// `text` or after a separator such as `;`, `:`, `#` or a space, when it is
/// followed by a space, `-`, end of text or a status code.
pub fn find_reply(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 3 <= b.len() {
        i = class_digit(b, i)?;
        if i + 3 > b.len() {
            return None;
        }
        let ok_before = i == 0 || !is_code_char(b[i - 1]);
        if ok_before
            && matches!(b[i], b'4' | b'5' | b'2')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && b[i + 1] <= b'5'
        {
            let after = b.get(i + 3).copied();
            let after_ok = matches!(
                after,
                None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n' | b',')
            ) || after == Some(b':')
                && !b.get(i + 4).is_some_and(u8::is_ascii_digit);
            if after_ok {
                return Some(&text[i..i + 3]);
            }
        }
        i += 1;
    }
    None
}

/// Returns the reply code only when `text` starts with one (after white
/// space), as in `550 5.1.1 user unknown` or `550-5.1.1 ...`.
pub fn leading_reply(text: &str) -> Option<&str> {
    let t = text.trim_start();
    let b = t.as_bytes();
    if b.len() >= 3
        && matches!(b[0], b'2' | b'4' | b'5')
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && matches!(b.get(3), None | Some(b' ' | b'-' | b'\t' | b':'))
        && !(b.get(3) == Some(&b':')
            && b.get(4).is_some_and(u8::is_ascii_digit))
    {
        Some(&t[..3])
    } else {
        None
    }
}

/// The last reply in `text` that names itself as one: a reply code with an
/// enhanced status code after it (`550 5.7.1`, `550-5.7.1`, `550 '5.7.1`),
/// or a reply code after the `addr... ` of a Sendmail verdict or after
/// `said: ` / `server refused to talk to me: `. When a server
/// quotes the remote reply inside its own (`554 4.4.7 expired <421 4.4.2
/// timed out>`, `554 <a@example.com>... 550 Host unknown`), the quoted one
/// is last and is the remote server's own word. Returns the reply code and
/// the status code, if any.
pub fn last_reply(text: &str) -> Option<(&str, Option<&str>)> {
    let b = text.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i + 3 <= b.len() {
        let Some(start) = class_digit(b, i) else { break };
        i = start + 1;
        if start + 3 > b.len() {
            break;
        }
        if start > 0 && is_code_char(b[start - 1])
            || !(b[start + 1].is_ascii_digit() && b[start + 2].is_ascii_digit())
        {
            continue;
        }
        let rest = &text[start + 3..];
        let after = rest.trim_start_matches([' ', '-']);
        let after = after.strip_prefix(['\'', '"', '#']).unwrap_or(after);
        let gap = rest.len() - after.len();
        let status = (1..=3)
            .contains(&gap)
            .then(|| status_end(after.as_bytes(), 0).map(|e| &after[..e]))
            .flatten()
            .filter(|_| after.starts_with(|c: char| c.is_ascii_digit()));
        let quoted = ["... ", "said: ", "talk to me: "]
            .iter()
            .any(|q| text[..start].ends_with(q))
            && rest.starts_with(' ');
        if status.is_some() || quoted {
            found = Some((&text[start..start + 3], status));
        }
    }
    found
}

/// Joins folded lines into one, collapsing runs of white space, and removes
/// the `550-5.7.1` / `550 5.7.1` prefixes that multi-line replies leave in the
/// middle of the text (the first one is kept).
pub fn clean_diagnostic(text: &str) -> String {
    strip_continuations(unfold(text))
}

/// [`clean_diagnostic`] of a piece of a text it gave back: such a piece
/// holds no white space but single spaces, so there is nothing to unfold
/// and only the continuation codes are left to remove. Given back as a
/// piece of `piece` when none had to go.
pub fn clean_piece(piece: &str) -> Cow<'_, str> {
    continuations_removed(piece.trim())
}

/// The words of `text` (split at white space) joined by single spaces.
pub fn unfold(text: &str) -> String {
    let b = text.as_bytes();
    // VT, FF and some characters past ASCII are white space too
    // (`char::is_whitespace` has them), but rare: text with them takes the
    // general path.
    if memchr::memchr2(0x0b, 0x0c, b).is_some() || has_wide_space(text) {
        let mut out = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        return out;
    }
    // Runs of words joined by single spaces are copied whole: each ends
    // where a tab or a line end stands, or two spaces in a row.
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let after =
        |found: Option<usize>, from: usize| found.map_or(b.len(), |p| from + p);
    let folds = |from: usize| {
        after(memchr::memchr3(b'\n', b'\t', b'\r', &b[from..]), from)
    };
    let doubles = |from: usize| after(find_two_spaces(&b[from..]), from);
    let (mut fold, mut double) = (folds(0), doubles(0));
    let (mut out, mut i) = (String::with_capacity(b.len()), 0);
    loop {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        if fold < i {
            fold = folds(i);
        }
        if double < i {
            double = doubles(i);
        }
        let end = fold.min(double);
        // The run starts with a word; it may end with one space. (It
        // starts and ends at white space of ASCII or at the text's ends:
        // each a character's boundary.)
        let run = &text[i..end];
        let run = run.strip_suffix(' ').unwrap_or(run);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(run);
        i = end;
    }
    out
}

/// True when `text` holds white space past ASCII (no-break space, the
/// wide spaces, line and paragraph separators): every such character
/// starts with one of the bytes looked for here.
fn has_wide_space(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    let b = text.as_bytes();
    let is_space =
        |p: usize| text[p..].chars().next().is_some_and(char::is_whitespace);
    memchr::memchr3_iter(0xc2, 0xe2, 0xe3, b).any(is_space)
        || memchr::memchr_iter(0xe1, b).any(is_space)
}

/// [`unfold`] of a text owned: given back as it is when it is already one
/// line of single spaces (as a text put together from unfolded pieces
/// mostly is).
fn unfold_owned(text: String) -> String {
    let b = text.as_bytes();
    let unfolded = text.is_ascii()
        && !b.starts_with(b" ")
        && !b.ends_with(b" ")
        && memchr::memchr3(b'\n', b'\t', b'\r', b).is_none()
        && memchr::memchr2(0x0b, 0x0c, b).is_none()
        && find_two_spaces(b).is_none();
    if unfolded {
        text
    } else {
        unfold(&text)
    }
}

/// Where the first two spaces in a row stand in `b`, found by a searcher
/// built once (building one costs more than most searches of a short text).
pub(crate) fn find_two_spaces(b: &[u8]) -> Option<usize> {
    static TWO: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));
    TWO.find(b)
}

/// Removes repeated reply-code prefixes (`550-5.1.1`, `550 5.1.1`, `550-`)
/// after the first one, from an unfolded text.
fn strip_continuations(whole: String) -> String {
    match continuations_removed(&whole) {
        Cow::Borrowed(kept) if kept.len() == whole.len() => whole,
        kept => kept.into_owned(),
    }
}

/// [`strip_continuations`] of a text borrowed: what is kept of it is given
/// back borrowed when nothing had to go.
fn continuations_removed(whole: &str) -> Cow<'_, str> {
    // The first reply starts the text, or follows words such as
    // `Remote host said:` ("NNN-" or "NNN d.d.d" anywhere).
    let start = if leading_reply(whole).is_some() {
        Some(0)
    } else {
        first_multiline_reply(whole)
    };
    let Some(start) = start else { return whole.into() };
    let (before, text) = whole.split_at(start);
    let Some(code) = leading_reply(text) else { return text.into() };
    // Keep the leading "550 5.1.1 " / "550-5.1.1 " as "550 5.1.1 ".
    let (status, mut rest) = split_prefix(text, code);
    // One reply that starts so already (one space after its code, one
    // after its status code, then words) is given back as it is.
    let kept = code.len() + status.map_or(0, |s| s.len() + 1) + 1 + rest.len();
    if text[code.len()..].starts_with(' ')
        && kept == text.len()
        && find_prefix(rest, code).is_none()
    {
        return whole.into();
    }
    let mut out = String::with_capacity(text.len() + before.len());
    out.push_str(before);
    out.push_str(code);
    if let Some(status) = status {
        out.push(' ');
        out.push_str(status);
    }
    out.push(' ');
    while let Some(pos) = find_prefix(rest, code) {
        out.push_str(rest[..pos].trim_end());
        out.push(' ');
        rest = split_prefix(&rest[pos..], code).1;
    }
    out.push_str(rest);
    unfold_owned(out).into()
}

/// Where the first `550-` of a multi-line reply stands inside the text,
/// when the same code comes again later (so that it is one reply).
fn first_multiline_reply(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 1;
    while i + 4 <= b.len() {
        i = i + memchr::memchr2(b'4', b'5', &b[i..])?;
        if i + 4 > b.len() {
            return None;
        }
        if b[i - 1] == b' '
            && matches!(b[i], b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && b[i + 3] == b'-'
        {
            let code = &text[i..i + 3];
            if find_prefix(&text[i + 4..], code).is_some() {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// Splits `550-5.1.1 rest` (starting with `code`) into its status code,
/// if it has one (`5.1.1`), and `rest`.
fn split_prefix<'a>(text: &'a str, code: &str) -> (Option<&'a str>, &'a str) {
    let rest = &text[code.len()..];
    let rest = rest.strip_prefix(['-', ' ']).unwrap_or(rest);
    match status_end(rest.as_bytes(), 0)
        .filter(|_| rest.as_bytes().first().is_some_and(u8::is_ascii_digit))
    {
        Some(end) => (Some(&rest[..end]), rest[end..].trim_start()),
        None => (None, rest.trim_start()),
    }
}

/// Finds ` 550-` or ` 550 d.d.d` (the same code) inside the text.
fn find_prefix(text: &str, code: &str) -> Option<usize> {
    let (b, first) = (text.as_bytes(), code.as_bytes()[0]);
    let mut from = 0;
    // Codes are short: looking for their first digit and comparing costs
    // less than setting up a substring search on each call.
    while let Some(p) = memchr::memchr(first, &b[from..]) {
        let at = from + p;
        from = at + 1;
        if !b[at..].starts_with(code.as_bytes()) {
            continue;
        }
        let before_ok = at > 0 && b[at - 1] == b' ';
        let after = &text[at + code.len()..];
        let after_ok = after.starts_with('-')
            || after.starts_with(' ')
                && status_end(after[1..].as_bytes(), 0).is_some()
                && after[1..].starts_with(|c: char| c.is_ascii_digit());
        if before_ok && after_ok {
            return Some(at);
        }
        from = at + code.len();
    }
    None
}

/// Returns the first thing that looks like an e-mail address in `text`,
/// without angle brackets or a trailing dot.
pub fn find_address(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(p) = memchr::memchr(b'@', &b[from..]) {
        let at = from + p;
        let start = b[..at]
            .iter()
            .rposition(|&c| !is_local_char(c))
            .map_or(0, |i| i + 1);
        let end = b[at + 1..]
            .iter()
            .position(|&c| !is_domain_char(c))
            .map_or(b.len(), |i| at + 1 + i);
        let mut end = end;
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let domain = &text[at + 1..end];
        if start < at && domain.contains('.') {
            return Some(&text[start..end]);
        }
        from = at + 1;
    }
    None
}

fn is_local_char(c: u8) -> bool {
    LOCAL_CHARS[c as usize]
}

/// The bytes of an address's local part: letters, digits and
/// ``!#$%&'*+-/=?^_`{|}~.``, as a table.
const LOCAL_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    let others = b"!#$%&'*+-/=?^_`{|}~.";
    let mut j = 0;
    while j < others.len() {
        table[others[j] as usize] = true;
        j += 1;
    }
    table
};

fn is_domain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'.' || c == b'-'
}

/// True when `word` looks like a host name (`mx.example.com`), not an
/// address or a number.
pub fn is_hostname(word: &str) -> bool {
    let w = word.trim_end_matches('.');
    w.contains('.')
        && !w.contains('@')
        && w.bytes().all(is_domain_char)
        && w.bytes().any(|c| c.is_ascii_alphabetic())
        && !w.starts_with(['.', '-'])
}

/// Takes the host name at the start of `text` (up to `[`, space, `:` or `,`),
/// if it is one.
pub fn leading_host(text: &str) -> Option<&str> {
    let t = text.trim_start().trim_start_matches(['<', '(']);
    let end = t
        .bytes()
        .position(|c| {
            matches!(c, b'[' | b' ' | b':' | b',' | b'(' | b']' | b'>' | b';')
        })
        .unwrap_or(t.len());
    let h = t[..end].trim_end_matches('.');
    is_hostname(h).then_some(h)
}

/// Where the ASCII `needle` (lower case) first stands in `text`, ignoring
/// ASCII case: the same place as in `text.to_ascii_lowercase()`, without
/// the copy.
pub fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let first = *needle.first()?;
    let mut from = 0;
    while from + needle.len() <= hay.len() {
        let window = &hay[from..=hay.len() - needle.len()];
        let p =
            from + memchr::memchr2(first, first.to_ascii_uppercase(), window)?;
        if hay[p..p + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// [`find_ignore_case`] for a `needle` that ends in a byte other than a
/// letter, rare in text (`said:`, `returned '`): each place that byte
/// stands is looked at, backwards, instead of each place the needle's
/// first letter stands. For long texts; on short ones the plain search
/// costs less.
pub fn find_ignore_case_by_last(text: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (text.as_bytes(), needle.as_bytes());
    let (&last, head) = needle.split_last()?;
    debug_assert!(!last.is_ascii_alphabetic());
    let n = head.len();
    memchr::memchr_iter(last, hay.get(n..)?)
        .map(|p| p + n)
        .find(|&p| hay[p - n..p].eq_ignore_ascii_case(head))
        .map(|p| p - n)
}

/// True when `text` holds the ASCII `needle` (lower case), ignoring ASCII
/// case.
pub fn contains_ignore_case(text: &str, needle: &str) -> bool {
    find_ignore_case(text, needle).is_some()
}

/// True when `text` ends with the ASCII `suffix`, ignoring ASCII case.
pub fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    let (t, s) = (text.as_bytes(), suffix.as_bytes());
    t.len() >= s.len() && t[t.len() - s.len()..].eq_ignore_ascii_case(s)
}

/// True when `text` starts with the ASCII `prefix`, ignoring ASCII case.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Pseudo-random texts for the tests that hold a fast scan to a plain
/// one: `count` texts of fewer than `longest` of `pieces` each, the same
/// on every run for one `seed`.
#[cfg(test)]
pub(crate) fn random_texts(
    pieces: &[&str],
    seed: u64,
    count: usize,
    longest: u64,
) -> Vec<String> {
    let mut seed = seed;
    let mut next = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        seed
    };
    (0..count)
        .map(|_| {
            let n = (next() >> 40) % longest;
            (0..n)
                .map(|_| pieces[(next() >> 33) as usize % pieces.len()])
                .collect()
        })
        .collect()
}

/// One automaton that finds any of `phrases`, ignoring case: the fixed
/// phrase tables of the decoders (marker lines, failure wording). Phrases
/// are literal text, escaped here, so a table can hold any character.
pub fn phrase_finder(phrases: &[&str]) -> regex_automata::meta::Regex {
    let alternatives: Vec<String> =
        phrases.iter().map(|p| regex_syntax::escape(p)).collect();
    let pattern = format!("(?i)(?:{})", alternatives.join("|"));
    regex_automata::meta::Regex::new(&pattern)
        .expect("escaped literal phrases always compile")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_status_codes_with_long_details() {
        assert_eq!(find_status("550 5.4.317 Message expired"), Some("5.4.317"));
        assert_eq!(find_status("#5.1.10 smtp"), Some("5.1.10"));
        assert_eq!(find_status("exim 4.80 said 5.7.1 no"), Some("5.7.1"));
        assert_eq!(find_status("ip 192.0.2.25 refused"), None);
        assert_eq!(find_status("version 5.1.1.2"), None);
        assert_eq!(find_status("(#5.1.1)"), Some("5.1.1"));
    }

    #[test]
    fn finds_reply_codes() {
        assert_eq!(find_reply("smtp; 550 5.1.1 unknown"), Some("550"));
        assert_eq!(find_reply("said: 452-4.2.2 over"), Some("452"));
        assert_eq!(find_reply("smtp;530 5.7.1 Client"), Some("530"));
        assert_eq!(find_reply("port 25 then 5000 items"), None);
        assert_eq!(leading_reply("  421-4.7.0 try"), Some("421"));
        assert_eq!(leading_reply("5.1.1 user"), None);
    }

    #[test]
    fn finds_the_innermost_reply() {
        assert_eq!(last_reply("550 5.1.1 no"), Some(("550", Some("5.1.1"))));
        assert_eq!(
            last_reply("554 4.4.7 expired.<421 4.4.2 Connection timed out>"),
            Some(("421", Some("4.4.2")))
        );
        assert_eq!(
            last_reply("554 <a@example.com>... 550 Host unknown"),
            Some(("550", None))
        );
        assert_eq!(
            last_reply("5.1.0 - Unknown address error 550-'5.7.1 <x@y>"),
            Some(("550", Some("5.7.1")))
        );
        assert_eq!(last_reply("554 Blocked - see the page"), None);
        assert_eq!(
            last_reply("connect to mx.example.com[192.0.2.1]: server refused to talk to me: 421 Busy"),
            Some(("421", None))
        );
        assert_eq!(
            find_reply("ERROR_CODE :550, ERROR_CODE :5.2.1"),
            Some("550")
        );
        assert_eq!(leading_reply("550: 5.2.2 full"), Some("550"));
        assert_eq!(leading_reply("10:30 at"), None);
        assert_eq!(leading_reply("550 5.0.0 <a@b.example>"), Some("550"));
    }

    #[test]
    fn removes_continuation_codes_inside_sentences() {
        let raw = "550-5.7.1 [192.0.2.1] Our system has detected that this\n \
                   550-5.7.1 message is likely unsolicited mail. To reduce\n \
                   550 5.7.1 the amount of spam. gsmtp";
        assert_eq!(
            clean_diagnostic(raw),
            "550 5.7.1 [192.0.2.1] Our system has detected that this \
             message is likely unsolicited mail. To reduce the amount of \
             spam. gsmtp"
        );
        assert_eq!(
            clean_diagnostic(
                "Remote host said: 550-5.7.1 Our policy\n550-5.7.1 does \
                 not allow\n550 5.7.1 this mail"
            ),
            "Remote host said: 550 5.7.1 Our policy does not allow this mail"
        );
        assert_eq!(
            clean_diagnostic("550 5.1.1\n   user\tunknown"),
            "550 5.1.1 user unknown"
        );
    }

    /// The `Diagnostic-Code` fields (with their folded lines) of the
    /// shared cases: diagnostic text as servers write it.
    fn case_diagnostics() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/reports");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the shared cases") {
            let bytes = std::fs::read(entry.expect("a case").path());
            let text =
                String::from_utf8_lossy(&bytes.expect("a case")).into_owned();
            let mut field: Option<String> = None;
            for line in text.lines() {
                match field.as_mut() {
                    Some(f) if line.starts_with([' ', '\t']) => {
                        f.push('\n');
                        f.push_str(line);
                        continue;
                    }
                    Some(_) => out.extend(field.take()),
                    None => {}
                }
                if let Some(v) = line.strip_prefix("Diagnostic-Code:") {
                    field = Some(v.to_string());
                }
            }
            out.extend(field);
        }
        out
    }

    #[test]
    fn cleaning_a_piece_of_cleaned_text_is_cleaning_it_afresh() {
        let pieces = [
            "550",
            "550-",
            "550 ",
            "5.1.1",
            "5.7.1",
            "421-",
            "421 4.4.2",
            " ",
            "  ",
            "\n",
            "\t",
            "\r\n ",
            "said: ",
            "user",
            "(reason: ",
            ")",
            "\u{e9}",
            "\u{a0}",
            "-",
            "'",
        ];
        let cases = case_diagnostics();
        assert!(cases.len() >= 5, "{cases:?}");
        let mut texts = random_texts(&pieces, 3, 1500, 16);
        texts.extend(cases);
        for t in &texts {
            let clean = clean_diagnostic(t);
            let bounds: Vec<usize> = (0..=clean.len())
                .filter(|&i| clean.is_char_boundary(i))
                .collect();
            for (k, &i) in bounds.iter().enumerate().step_by(3) {
                for &j in bounds[k..].iter().step_by(4) {
                    let piece = &clean[i..j];
                    let afresh = clean_diagnostic(piece);
                    assert_eq!(clean_piece(piece), afresh, "{t:?} {piece:?}");
                }
            }
        }
    }

    #[test]
    fn replies_already_clean_are_given_back_as_they_are_built() {
        let pieces = [
            "550", "550 ", "550-", "5.1.1", " ", "user", "said: ", "421 ",
            "4.4.2", "-", "x",
        ];
        for t in random_texts(&pieces, 13, 20000, 10) {
            let u = unfold(&t);
            let plain = strip_continuations_plainly(u.clone());
            assert_eq!(strip_continuations(u), plain, "{t:?}");
        }
    }

    /// [`strip_continuations`] always building its text anew.
    fn strip_continuations_plainly(text: String) -> String {
        let start = if leading_reply(&text).is_some() {
            Some(0)
        } else {
            first_multiline_reply(&text)
        };
        let Some(start) = start else { return text };
        let (before, text) = text.split_at(start);
        let Some(code) = leading_reply(text) else { return text.to_string() };
        let mut out = before.to_string();
        let (status, mut rest) = split_prefix(text, code);
        out.push_str(code);
        if let Some(status) = status {
            out.push(' ');
            out.push_str(status);
        }
        out.push(' ');
        while let Some(pos) = find_prefix(rest, code) {
            out.push_str(rest[..pos].trim_end());
            out.push(' ');
            rest = split_prefix(&rest[pos..], code).1;
        }
        out.push_str(rest);
        unfold_owned(out)
    }

    #[test]
    fn case_blind_search_finds_what_the_lower_cased_copy_finds() {
        let texts = [
            "Host mx said: 550",
            "hoSt",
            "xhost host ",
            "ÉHOST é host",
            "",
            "said:said:",
            "SAID",
            "sa",
            "REMOTE SERVER RETURNED 'x'",
        ];
        for t in texts {
            for n in ["host ", "said:", "s", "remote server returned '"] {
                let lower = t.to_ascii_lowercase();
                assert_eq!(find_ignore_case(t, n), lower.find(n), "{t} {n}");
                assert_eq!(
                    ends_with_ignore_case(t, n),
                    lower.ends_with(n),
                    "{t} {n}"
                );
                assert_eq!(
                    starts_with_ignore_case(t, n),
                    lower.starts_with(n),
                    "{t} {n}"
                );
            }
        }
    }

    #[test]
    fn a_search_from_the_last_byte_finds_what_the_plain_one_finds() {
        let pieces = [
            "said:",
            "SaId:",
            "sai",
            "d:",
            ":",
            "'",
            "said",
            "é",
            " ",
            "remote server returned '",
            "Remote Server ",
            "returned '",
            "x",
        ];
        let mut found = 0;
        for t in random_texts(&pieces, 23, 5000, 12) {
            for n in ["said:", "remote server returned '", ":"] {
                let want = find_ignore_case(&t, n);
                assert_eq!(find_ignore_case_by_last(&t, n), want, "{t} {n}");
                found += want.is_some() as usize;
            }
        }
        assert!(found > 3000, "{found}");
    }

    #[test]
    fn code_scans_skipping_to_digits_find_what_byte_scans_find() {
        let pieces = [
            "550",
            "5.1.1",
            "4.4.7",
            "2",
            "25",
            "5",
            ".",
            " ",
            "-",
            ":",
            "554 ",
            "said: ",
            "... ",
            "#",
            "'",
            "a",
            "x5",
            "1",
            "é",
            "550-",
            "talk to me: ",
            "\n",
            "421",
            "0",
        ];
        for t in random_texts(&pieces, 5, 20000, 12) {
            assert_eq!(
                find_all_status(&t).collect::<Vec<_>>(),
                find_all_status_plainly(&t).collect::<Vec<_>>(),
                "{t:?}"
            );
            assert_eq!(find_reply(&t), find_reply_plainly(&t), "{t:?}");
            assert_eq!(last_reply(&t), last_reply_plainly(&t), "{t:?}");
            assert_eq!(
                first_multiline_reply(&t),
                first_multiline_reply_plainly(&t),
                "{t:?}"
            );
            for code in ["550", "555", "421"] {
                let plain = find_prefix_plainly(&t, code);
                assert_eq!(find_prefix(&t, code), plain, "{t:?}");
            }
        }
    }

    /// [`find_prefix`] by a substring search from each place it stops.
    fn find_prefix_plainly(text: &str, code: &str) -> Option<usize> {
        let mut from = 0;
        while let Some(p) = text[from..].find(code) {
            let at = from + p;
            let before_ok = at > 0 && text.as_bytes()[at - 1] == b' ';
            let after = &text[at + code.len()..];
            let status = after.strip_prefix(' ').is_some_and(|a| {
                status_end(a.as_bytes(), 0).is_some()
                    && a.starts_with(|c: char| c.is_ascii_digit())
            });
            if before_ok && (after.starts_with('-') || status) {
                return Some(at);
            }
            from = at + code.len();
        }
        None
    }

    fn find_all_status_plainly(text: &str) -> impl Iterator<Item = &str> {
        let b = text.as_bytes();
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < b.len() {
                let start = i;
                i += 1;
                if !matches!(b[start], b'2' | b'4' | b'5') {
                    continue;
                }
                if start > 0 && is_code_char(b[start - 1]) {
                    continue;
                }
                if let Some(end) = status_end(b, start) {
                    i = end;
                    return Some(&text[start..end]);
                }
            }
            None
        })
    }

    fn find_reply_plainly(text: &str) -> Option<&str> {
        let b = text.as_bytes();
        let mut i = 0;
        while i + 3 <= b.len() {
            let ok_before = i == 0 || !is_code_char(b[i - 1]);
            if ok_before
                && matches!(b[i], b'4' | b'5' | b'2')
                && b[i + 1].is_ascii_digit()
                && b[i + 2].is_ascii_digit()
                && b[i + 1] <= b'5'
            {
                let after = b.get(i + 3).copied();
                let after_ok = matches!(
                    after,
                    None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n' | b',')
                ) || after == Some(b':')
                    && !b.get(i + 4).is_some_and(u8::is_ascii_digit);
                if after_ok {
                    return Some(&text[i..i + 3]);
                }
            }
            i += 1;
        }
        None
    }

    fn last_reply_plainly(text: &str) -> Option<(&str, Option<&str>)> {
        let b = text.as_bytes();
        let mut found = None;
        let mut i = 0;
        while i + 3 <= b.len() {
            let start = i;
            i += 1;
            if !matches!(b[start], b'2' | b'4' | b'5')
                || start > 0 && is_code_char(b[start - 1])
                || !(b[start + 1].is_ascii_digit()
                    && b[start + 2].is_ascii_digit())
            {
                continue;
            }
            let rest = &text[start + 3..];
            let after = rest.trim_start_matches([' ', '-']);
            let after = after.strip_prefix(['\'', '"', '#']).unwrap_or(after);
            let gap = rest.len() - after.len();
            let status = (1..=3)
                .contains(&gap)
                .then(|| status_end(after.as_bytes(), 0).map(|e| &after[..e]))
                .flatten()
                .filter(|_| after.starts_with(|c: char| c.is_ascii_digit()));
            let quoted = ["... ", "said: ", "talk to me: "]
                .iter()
                .any(|q| text[..start].ends_with(q))
                && rest.starts_with(' ');
            if status.is_some() || quoted {
                found = Some((&text[start..start + 3], status));
            }
        }
        found
    }

    fn first_multiline_reply_plainly(text: &str) -> Option<usize> {
        let b = text.as_bytes();
        let mut i = 1;
        while i + 4 <= b.len() {
            if b[i - 1] == b' '
                && matches!(b[i], b'4' | b'5')
                && b[i + 1].is_ascii_digit()
                && b[i + 2].is_ascii_digit()
                && b[i + 3] == b'-'
            {
                let code = &text[i..i + 3];
                if find_prefix(&text[i + 4..], code).is_some() {
                    return Some(i);
                }
            }
            i += 1;
        }
        None
    }

    #[test]
    fn the_local_part_table_holds_the_listed_bytes() {
        for c in 0..=255u8 {
            let listed = c.is_ascii_alphanumeric()
                || b"!#$%&'*+-/=?^_`{|}~.".contains(&c);
            assert_eq!(is_local_char(c), listed, "{c}");
        }
    }

    #[test]
    fn unfolds_as_split_whitespace_does() {
        let slow = |v: &str| v.split_whitespace().collect::<Vec<_>>().join(" ");
        for v in [
            "",
            "  ",
            "from a\r\n\tby b;\r\n  Mon, 1 Oct",
            " x\x0b y\x0cz ",
            "caf\u{e9}\u{a0}au\u{3000} lait\n",
            "\x1b$B%f\x1b(B  ok",
        ] {
            assert_eq!(unfold(v), slow(v), "{v:?}");
        }
    }

    #[test]
    fn unfolding_ascii_and_other_text_alike() {
        // The ASCII path against the general one, on white space of every
        // kind and on text that is not ASCII.
        let pieces = [
            "550",
            "5.1.1",
            " ",
            "\t",
            "\n",
            "\x0b",
            "\x0c",
            "\r",
            "  ",
            "user",
            "ü",
            "\u{a0}",
            "\u{2028}",
            "\u{3000}",
            "\u{1680}",
            "\u{85}",
            "\u{2019}",
            "-",
            "550-5.1.1",
            "x",
        ];
        // Without VT, FF and wide spaces, all take the path of runs.
        let ascii: Vec<&str> = pieces
            .iter()
            .copied()
            .filter(|p| !p.contains(['\x0b', '\x0c']) && !has_wide_space(p))
            .collect();
        let texts = random_texts(&pieces, 7, 2000, 10);
        for t in texts.iter().chain(&random_texts(&ascii, 8, 5000, 14)) {
            let plain = t.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(unfold(t), plain, "{t:?}");
            assert_eq!(unfold_owned(t.clone()), plain, "{t:?}");
        }
    }

    #[test]
    fn every_wide_space_is_seen() {
        for c in ('\u{80}'..=char::MAX).filter(|c| c.len_utf8() > 1) {
            let t = format!("a{c}b");
            assert_eq!(has_wide_space(&t), c.is_whitespace(), "{c:?}");
        }
        assert!(!has_wide_space("plain text\n"));
    }

    #[test]
    fn finds_addresses_and_hosts() {
        assert_eq!(
            find_address("<Bob@Example.com>: host"),
            Some("Bob@Example.com")
        );
        assert_eq!(
            find_address("to user@example.net."),
            Some("user@example.net")
        );
        assert_eq!(find_address("no address @ here"), None);
        assert_eq!(leading_host("mx1.example.net.:"), Some("mx1.example.net"));
        assert_eq!(
            leading_host("mail.example.com[192.0.2.25]"),
            Some("mail.example.com")
        );
        assert_eq!(leading_host("192.0.2.25"), None);
    }
}
