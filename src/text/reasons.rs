//! Two looser shapes, used where the address-line shape finds too little.
//!
//! The reason paragraph: many layouts name the failed address on a line of
//! its own (or in a sentence) and give the server's reply in a separate
//! paragraph before or after it (`Technical details of permanent failure:
//! ... 550 5.1.1 ...`, `Could not be delivered because of\n\n550 5.1.1 User
//! unknown`). A paragraph that carries a reply or status code is such a
//! reason.
//!
//! The mentioned address: a sentence that names the failed address
//! (`There was an error delivering your mail to <a@example.com>.`,
//! `Unable to deliver message to: <a@example.com>`).

use crate::codes;

/// A paragraph of the report that carries a reply or status code.
#[derive(Debug, Clone)]
pub struct Reason<'a> {
    /// Byte offset of the paragraph in the report.
    pub at: usize,
    /// The paragraph's text.
    pub text: &'a str,
}

/// Every paragraph of `report` (blank-line separated) that holds a reply
/// code or an enhanced status code, in order.
#[cfg(test)]
pub fn paragraphs(report: &str) -> Vec<Reason<'_>> {
    coded(report).collect()
}

/// Where the first paragraph [`paragraphs`] would give starts, found
/// without reading past it.
pub fn first_paragraph_at(report: &str) -> Option<usize> {
    coded(report).next().map(|r| r.at)
}

/// The first paragraph [`paragraphs`] would give, found without reading
/// past it.
pub fn first_paragraph(report: &str) -> Option<&str> {
    coded(report).next().map(|r| r.text)
}

/// The paragraphs of [`paragraphs`], each found when asked for.
fn coded(report: &str) -> impl Iterator<Item = Reason<'_>> {
    let (mut start, mut pos, mut done) = (0, 0, false);
    std::iter::from_fn(move || {
        while !done {
            let rest = &report[pos..];
            if rest.is_empty() {
                done = true;
                return reason_in(report, start, pos);
            }
            let end = memchr::memchr(b'\n', rest.as_bytes())
                .map_or(rest.len(), |p| p + 1);
            let at = pos;
            pos += end;
            if super::is_blank(&rest[..end]) {
                let from = std::mem::replace(&mut start, pos);
                if let Some(r) = reason_in(report, from, at) {
                    return Some(r);
                }
            }
        }
        None
    })
}

/// The paragraph `report[start..end]`, when it carries a code.
fn reason_in(report: &str, start: usize, end: usize) -> Option<Reason<'_>> {
    let text = &report[start..end];
    if text.len() > 4000 || super::is_blank(text) {
        return None;
    }
    // Every code starts with a 2, 4 or 5: a paragraph without one (most
    // prose) holds none, and its lines are not read.
    memchr::memchr3(b'2', b'4', b'5', text.as_bytes())?;
    let coded = super::lines(text).any(|l| {
        let l = l.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        codes::leading_reply(l).is_some()
    }) || codes::find_status(text).is_some()
        || codes::find_reply(text).is_some_and(|_| has_error_word(text));
    coded.then_some(Reason { at: start, text })
}

/// The coded paragraphs of a report, read only as far as the reasons
/// asked for need: [`Paragraphs::reason_for`] answers what
/// [`reason_for`] answers of all of them.
pub struct Paragraphs<'a> {
    /// The paragraphs not yet read.
    rest: Box<dyn Iterator<Item = Reason<'a>> + 'a>,
    /// Those read.
    read: Vec<Reason<'a>>,
}

impl<'a> Paragraphs<'a> {
    /// The coded paragraphs of `report`, none read yet.
    pub fn new(report: &'a str) -> Self {
        Paragraphs { rest: Box::new(coded(report)), read: Vec::new() }
    }

    /// The reason for an address mentioned at byte `at`: the first coded
    /// paragraph after it, else the last one before it.
    pub fn reason_for(&mut self, at: usize) -> Option<&'a str> {
        loop {
            if let Some(r) = self.read.iter().find(|r| r.at + r.text.len() > at)
            {
                return Some(r.text);
            }
            match self.rest.next() {
                Some(r) => self.read.push(r),
                None => return self.read.last().map(|r| r.text),
            }
        }
    }
}

/// True when the text speaks of a failure, so that a bare number in it is
/// likely a reply code.
fn has_error_word(text: &str) -> bool {
    const WORDS: &[&str] =
        &["error", "reject", "refused", "said", "failed", "failure", "reply"];
    WORDS.iter().any(|w| codes::contains_ignore_case(text, w))
}

/// The reason for an address mentioned at byte `at`: the first coded
/// paragraph after it, else the last one before it.
#[cfg(test)]
pub fn reason_for<'a>(reasons: &[Reason<'a>], at: usize) -> Option<&'a str> {
    reasons
        .iter()
        .find(|r| r.at + r.text.len() > at)
        .or_else(|| reasons.last())
        .map(|r| r.text)
}

/// The key/value shape: a `Reason: ...` (`reject reason:`, `Error:`,
/// `Diagnostic:`) line in the report, whose value is the reason.
pub fn labelled_reason(report: &str) -> Option<&str> {
    // Only a line with a colon is read: each is found from its first
    // colon, the lines between passed over unread.
    let b = report.as_bytes();
    let mut from = 0;
    while let Some(p) = memchr::memchr(b':', &b[from..]) {
        let colon = from + p;
        let start = memchr::memrchr(b'\n', &b[from..colon])
            .map_or(from, |q| from + q + 1);
        let end = memchr::memchr(b'\n', &b[colon..])
            .map_or(b.len(), |q| colon + q + 1);
        if let Some(value) =
            labelled_value(super::line_body(&report[start..end]))
        {
            return Some(value);
        }
        from = end;
    }
    None
}

/// The value of a `Reason: ...` line, if `line` is one.
fn labelled_value(line: &str) -> Option<&str> {
    const KEYS: &[&str] = &["reason", "error", "diagnostic", "problem"];
    let (key, value) = line.trim().split_once(':')?;
    let key = key.trim();
    let value = value.trim();
    let keyed = key.len() <= 30
        && key.split(' ').count() <= 3
        && KEYS.iter().any(|k| codes::ends_with_ignore_case(key, k));
    (keyed && value.len() > 3).then_some(value)
}

/// The longest uncoded reason kept, in characters.
const MAX_NEAR: usize = 600;

/// Where no paragraph carries a code, the reason is the prose itself: the
/// text after the line at byte `at` up to the next recipient's line (one of
/// `starts`), or when that is empty, the report's text, unfolded and cut at
/// a few hundred characters. Offsets past the report's end (a recipient
/// named only in the returned copy, as a transcript may) count as its end.
#[cfg(test)]
pub fn text_near(report: &str, at: usize, starts: &[usize]) -> String {
    Near::new(report, starts).reason(at)
}

/// [`text_near`] for the recipients of one report, each asked in turn:
/// what is the same for all is worked out once (the recipients' starts
/// sorted, the report's own text that a recipient with nothing after its
/// line takes, where the last line asked for ends), so that a report
/// naming thousands of recipients is not read again for each.
pub struct Near<'r> {
    report: &'r str,
    /// The starts, sorted.
    starts: Vec<usize>,
    /// The reason made of the whole report, once made.
    whole: std::cell::OnceCell<String>,
    /// The last offset asked for and where its line ends.
    line: std::cell::Cell<Option<(usize, usize)>>,
}

impl<'r> Near<'r> {
    pub fn new(report: &'r str, starts: &[usize]) -> Self {
        let mut starts = starts.to_vec();
        starts.sort_unstable();
        Near {
            report,
            starts,
            whole: std::cell::OnceCell::new(),
            line: std::cell::Cell::new(None),
        }
    }

    /// [`text_near`] of the recipient whose line starts at `at`.
    pub fn reason(&self, at: usize) -> String {
        let report = self.report;
        let line_end = match self.line.get() {
            Some((a, end)) if a == at => end,
            _ => {
                let end = report[at.min(report.len())..]
                    .find('\n')
                    .map_or(report.len(), |n| at + n + 1);
                self.line.set(Some((at, end)));
                end
            }
        };
        // The first start past `at`.
        let i = self.starts.partition_point(|s| *s <= at);
        let next = self
            .starts
            .get(i)
            .copied()
            .unwrap_or(report.len())
            .clamp(line_end, report.len());
        let after =
            if at > 0 { prose(&report[line_end..next]) } else { String::new() };
        if after.trim().is_empty() {
            return self.whole.get_or_init(|| cut_near(prose(report))).clone();
        }
        cut_near(after)
    }
}

/// `text` cleaned as a diagnostic and cut after `MAX_NEAR` characters.
fn cut_near(text: String) -> String {
    let mut near = codes::clean_diagnostic(&text);
    // Cut after `MAX_NEAR` characters (a text of no more bytes has no
    // more characters).
    if near.len() > MAX_NEAR {
        let cut =
            near.char_indices().nth(MAX_NEAR).map_or(near.len(), |(i, _)| i);
        near.truncate(cut);
    }
    near
}

/// The lines of `text` that are not a summary of the original message,
/// up to a few thousand bytes.
fn prose(text: &str) -> String {
    let text = &text[..text.floor_char_boundary(MAX_NEAR * 4)];
    let mut out = String::with_capacity(text.len());
    let wordy = |l: &&str| l.chars().any(char::is_alphanumeric);
    let lines = super::lines(text).filter(wordy);
    let reason = |l: &&str| {
        !super::blocks::is_summary_line(l) && !super::blocks::is_furniture(l)
    };
    for line in lines.filter(reason) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Words that, on a line naming an address, say it is a failed recipient.
const DELIVERY_WORDS: &[&str] = &[
    "deliver",
    "recipient",
    "failed",
    "failure",
    "could not",
    "couldn't",
    "unable",
    "rejected",
    "error",
    "undeliverable",
    "not be sent",
    "your message to",
    "returned",
];

/// Addresses named in sentences about a failed delivery, with the byte
/// offset of their line, skipping those in `exclude` and role addresses
/// (postmaster, mailer-daemon).
pub fn mentioned(report: &str, exclude: &[&str]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let b = report.as_bytes();
    let mut pos = 0;
    // Only a line with an `@` can name an address: the lines before the
    // next `@` are passed over unread, straight to the start of its line.
    while let Some(p) = memchr::memchr(b'@', &b[pos..]) {
        let at = memchr::memrchr(b'\n', &b[pos..pos + p])
            .map_or(pos, |q| pos + q + 1);
        pos = memchr::memchr(b'\n', &b[pos + p..])
            .map_or(b.len(), |q| pos + p + q + 1);
        mentioned_on(&report[at..pos], at, exclude, &mut out);
    }
    out
}

/// Adds to `out` the addresses that `line` (at byte `at`, with its end)
/// names in a sentence about a failed delivery, as [`mentioned`] takes
/// them.
fn mentioned_on(
    line: &str,
    at: usize,
    exclude: &[&str],
    out: &mut Vec<(String, usize)>,
) {
    let has = |w: &str| codes::contains_ignore_case(line, w);
    if !DELIVERY_WORDS.iter().any(|w| has(w))
        || codes::starts_with_ignore_case(line.trim_start(), "from")
        || is_report_field(line)
        || has("sent by")
    {
        return;
    }
    let mut rest = line;
    while let Some(a) = codes::find_address(rest) {
        let cut = rest.find(a).map_or(rest.len(), |p| p + a.len());
        rest = &rest[cut..];
        let a = a.to_ascii_lowercase();
        let local = a.split('@').next().unwrap_or_default();
        if matches!(local, "postmaster" | "mailer-daemon" | "root")
            || exclude.iter().any(|e| e.eq_ignore_ascii_case(&a))
            || out.iter().any(|(o, _)| *o == a)
        {
            continue;
        }
        out.push((a, at));
    }
}

/// True for an RFC 3464 recipient field written into the text
/// (`Final-Recipient: rfc822; a@example.com`): the report's fields give
/// those recipients, the field block is no sentence about them.
fn is_report_field(line: &str) -> bool {
    let t = line.trim_start();
    ["final-recipient:", "original-recipient:", "x-actual-recipient:"]
        .iter()
        .any(|f| codes::starts_with_ignore_case(t, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipping_to_lines_with_an_at_finds_what_reading_every_line_does() {
        let pieces = [
            "a@example.com",
            "<Bo@Example.org>",
            "postmaster@example.net",
            "@",
            "\n",
            "\r\n",
            " ",
            "could not deliver to ",
            "error",
            "sent by ",
            "From ",
            "Final-Recipient: ",
            "ü",
            "x",
        ];
        for t in codes::random_texts(&pieces, 13, 5000, 24) {
            // Every line read in turn.
            let mut plain = Vec::new();
            let mut pos = 0;
            for line in crate::text::lines_inclusive(&t) {
                if line.contains('@') {
                    mentioned_on(line, pos, &["bo@example.org"], &mut plain);
                }
                pos += line.len();
            }
            assert_eq!(mentioned(&t, &["bo@example.org"]), plain, "{t:?}");
        }
    }

    #[test]
    fn paragraphs_read_when_asked_answer_as_all_read_at_once() {
        let pieces = [
            "\n",
            "\n\n",
            " \n",
            "\r\n",
            "550 5.1.1 x",
            "5.7.1",
            "421",
            "error",
            "a@example.com",
            "words",
            " ",
            "2",
            "\t",
        ];
        for t in crate::codes::random_texts(&pieces, 3, 3000, 24) {
            let all = paragraphs(&t);
            assert_eq!(first_paragraph(&t), all.first().map(|r| r.text));
            let mut lazy = Paragraphs::new(&t);
            for at in [t.len() / 3, 0, t.len() / 2, t.len(), 1] {
                assert_eq!(lazy.reason_for(at), reason_for(&all, at), "{t:?}");
            }
        }
    }

    #[test]
    fn labelled_reasons_found_from_the_colons_as_by_every_line() {
        fn plainly(report: &str) -> Option<&str> {
            crate::text::lines(report).find_map(labelled_value)
        }
        let pieces = [
            "\n",
            "\r\n",
            ":",
            "Reason",
            "error",
            "Diagnostic:",
            "problem: ",
            " ",
            "x",
            "user unknown",
            "é",
            "a b c d",
            "\u{a0}",
        ];
        for t in crate::codes::random_texts(&pieces, 5, 4000, 20) {
            assert_eq!(labelled_reason(&t), plainly(&t), "{t:?}");
        }
        assert_eq!(
            labelled_reason("Hi\nx: y\nReject reason: mailbox full\n"),
            Some("mailbox full")
        );
    }

    #[test]
    fn finds_coded_paragraphs() {
        let t = "Delivery to the following recipient failed:\n\n\
                 \x20    ann@example.com\n\nTechnical details:\n\
                 The other server returned: 550 5.1.1 no such user.\n\n\
                 Sent at 2026-01-02.\n";
        let r = paragraphs(t);
        assert_eq!(r.len(), 1);
        assert!(r[0].text.starts_with("Technical details:"));
        assert_eq!(reason_for(&r, 50), Some(r[0].text));
        assert_eq!(first_paragraph_at(t), Some(r[0].at));
        assert_eq!(first_paragraph_at("No code here.\n\nNor here.\n"), None);
    }

    #[test]
    fn a_reason_before_the_address_serves_too() {
        let t = "Could not be delivered because of\n\n550 5.1.1 User \
                 unknown\n\nThe following recipients were affected:\n\
                 \x20   bea@example.com\n";
        let r = paragraphs(t);
        let at = t.find("bea@").unwrap();
        assert_eq!(reason_for(&r, at), Some("550 5.1.1 User unknown\n"));
    }

    #[test]
    fn uncoded_reasons_are_the_text_after_the_address() {
        let t = "was not delivered to:\n\n  jo@example.com\n\nbecause:\n\n\
                 \x20 User jo not listed in the directory\n";
        let at = t.find("  jo@").unwrap();
        assert_eq!(
            text_near(t, at, &[at]),
            "because: User jo not listed in the directory"
        );
        assert_eq!(
            text_near("Group may not exist.\n", 0, &[0]),
            "Group may not exist."
        );
        assert_eq!(
            text_near(
                "------- Failure Reasons -------\n\nNot listed\n",
                0,
                &[0]
            ),
            "Not listed"
        );
    }

    #[test]
    fn a_long_uncoded_reason_is_cut_after_so_many_characters() {
        for word in ["word ", "wörd ", "語 "] {
            let t = word.repeat(400);
            let want: String = codes::clean_diagnostic(&prose(&t))
                .chars()
                .take(MAX_NEAR)
                .collect();
            assert_eq!(text_near(&t, 0, &[0]), want, "{word}");
        }
    }

    #[test]
    fn one_near_for_all_recipients_gives_what_one_for_each_does() {
        let pieces = [
            "a@example.com",
            "bo@example.org",
            "\n",
            "\n\n",
            " ",
            "User ",
            "not listed",
            "Subject: x\n",
            "----- Failure -----\n",
            "ü",
            "word ",
            "x",
        ];
        for t in codes::random_texts(&pieces, 29, 2000, 40) {
            let mut starts: Vec<usize> = t
                .match_indices('@')
                .map(|(p, _)| t[..p].rfind('\n').map_or(0, |n| n + 1))
                .collect();
            starts.push(t.len() + 7);
            starts.reverse();
            let near = Near::new(&t, &starts);
            for &at in starts.iter().chain(&starts) {
                let want = Near::new(&t, &starts).reason(at);
                assert_eq!(near.reason(at), want, "{t:?} {at}");
            }
        }
    }

    #[test]
    fn recipients_named_past_the_report_get_its_text() {
        // Two recipients that a transcript in the returned copy named,
        // both past the end of the report.
        let t = "User not listed in the directory
bo@example.com
";
        let far = t.len() + 40;
        assert_eq!(
            text_near(t, far, &[far, far + 30]),
            "User not listed in the directory bo@example.com"
        );
    }

    #[test]
    fn a_reason_key_gives_the_reason() {
        let t = "Your email was rejected.\n\nreject reason: Mailbox full\n\
                 target mail address: kim@example.net\n";
        assert_eq!(labelled_reason(t), Some("Mailbox full"));
        assert_eq!(labelled_reason("Subject: an error: none\n"), None);
    }

    #[test]
    fn finds_addresses_in_delivery_sentences() {
        let t = "A message sent by <me@example.org> bounced.\n\
                 There was an error delivering your mail to \
                 <cy@example.net>.\nContact postmaster@example.net.\n";
        let m = mentioned(t, &["me@example.org"]);
        assert_eq!(m, vec![("cy@example.net".to_string(), 44)]);
    }
}
