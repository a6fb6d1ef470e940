//! Decoding bounces from their human-readable text, for the many servers that
//! send no machine-readable report (qmail, Exim, old Sendmail, Exchange text
//! NDRs, provider formats) and to fill in what a generic report leaves out.
//!
//! Rather than one decoder per vendor, the text is read through a few shapes
//! that most layouts share: an address line followed by reason lines
//! (`blocks`), and a transcript of the SMTP dialogue (`transcript`). What the
//! shapes find is a set of facts per recipient; judging them is left to the
//! rules.

mod blocks;
mod transcript;

pub use blocks::{best_status, Block};

/// Text with every line end (CRLF, lone CR) turned into LF.
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// Lines that start the copy of the returned message in a text bounce;
/// everything after them is the original, not the report.
const RETURNED_MARKERS: &[&str] = &[
    "------ This is a copy of the message",
    "--- Below this line is a copy of the message",
    "-- The header and top",
    "Original message headers:",
    "----- Original message -----",
    "------ This is a copy of your message",
    "--- The header of the original message is following",
    "----- Transcript of session follows -----",
    "------ Original message ------",
    "Content-Type: message/rfc822",
    "----- The header of the original message",
    "-----Original Message-----",
    "------ Returned message ------",
    "The original message headers are attached",
];

/// Splits a text bounce into the report and the returned original (which
/// may be empty). The Sendmail transcript marker is not a split point for
/// the original: it is kept with the report.
pub fn split_returned(text: &str) -> (&str, &str) {
    let best = find_line_with(text).unwrap_or(text.len());
    let rest = &text[best..];
    let after = rest.find('\n').map_or("", |n| &rest[n + 1..]);
    (&text[..best], after)
}

/// Byte offset of the first line that contains one of the returned-message
/// markers (ignoring case of ASCII letters), if any: one pass of one
/// automaton over the text.
fn find_line_with(text: &str) -> Option<usize> {
    static MARKERS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(
                    RETURNED_MARKERS
                        .iter()
                        .filter(|m| !m.starts_with("----- Transcript")),
                )
                .expect("the returned-message markers")
        });
    let at = MARKERS.find(text)?.start();
    Some(text[..at].rfind('\n').map_or(0, |n| n + 1))
}

/// The text layout a bounce uses, for the `format` column.
pub fn detect_format(text: &str, subject: &str) -> &'static str {
    const SIGNS: &[(&str, &str)] = &[
        ("This is the mail system at host", "postfix"),
        ("created automatically by mail delivery software", "exim"),
        ("This is the qmail-send program", "qmail"),
        ("I'm afraid I wasn't able to deliver your message", "qmail"),
        ("----- Transcript of session follows -----", "sendmail"),
        ("The following addresses had permanent fatal errors", "sendmail"),
        ("Diagnostic information for administrators", "exchange"),
        ("Delivery has failed to these recipients or groups", "exchange"),
        ("Your message to", "office365"),
        ("Remote Server returned", "exchange"),
    ];
    for (needle, name) in SIGNS {
        if text.contains(needle) {
            return name;
        }
    }
    if subject.to_ascii_lowercase().contains("failure notice") {
        return "qmail";
    }
    "text"
}

/// Facts found in the text about each failed recipient, in order of first
/// mention, one entry per address.
pub fn recipients(text: &str) -> Vec<Block> {
    let text = normalize_newlines(text);
    let (report, _) = split_returned(&text);
    let mut found = blocks::find(report);
    transcript::apply(&text, &mut found);
    let global_remote = blocks::rejecting_organization(report);
    for b in &mut found {
        if b.remote.is_empty() {
            if let Some(r) = &global_remote {
                b.remote = r.clone();
            }
        }
    }
    found
}

/// True when the text says the failure is only a delay (the server is still
/// retrying).
pub fn says_delayed(text: &str, subject: &str) -> bool {
    const DELAY: &[&str] = &[
        "THIS IS A WARNING ONLY",
        "will be retried until",
        "still being retried",
        "Warning: message",
        "Delivery attempts will continue",
        "has been delayed",
        "could not be delivered for more than",
        "is delayed",
    ];
    let s = subject.to_ascii_lowercase();
    s.contains("delayed mail")
        || s.contains("(delay)")
        || s.starts_with("warning: could not send")
        || s.contains("delivery delay")
        || DELAY.iter().any(|d| text.contains(d))
            && !text.contains("permanent error")
            && !text.contains("permanent fatal")
}
