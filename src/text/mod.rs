//! Decoding bounces from their human-readable text, for the many servers that
//! send no machine-readable report (qmail, Exim, old Sendmail, Exchange text
//! NDRs, provider formats) and to fill in what a generic report leaves out.
//!
//! Rather than one decoder per vendor, the text is read through a few shapes
//! that most layouts share: an address line followed by reason lines
//! (`blocks`), and a transcript of the SMTP dialogue (`transcript`). What the
//! shapes find is a set of facts per recipient; judging them is left to the
//! rules.

use crate::codes;

mod blocks;
pub mod command;
pub mod json;
mod lead;
mod reasons;
mod returned;
mod signs;
mod transcript;
mod view;

pub use blocks::{best_status, Block};
pub use command::named_in as command_named;
pub use lead::{lead_reason, with_lead};
pub use view::View;

/// Text with every line end (CRLF, lone CR) turned into LF.
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let Some(first) = memchr::memchr(b'\r', b) else { return text.into() };
    // One pass: a CR before an LF goes, any other CR becomes an LF.
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for cr in std::iter::once(first).chain(
        memchr::memchr_iter(b'\r', &b[first + 1..]).map(|p| first + 1 + p),
    ) {
        out.push_str(&text[from..cr]);
        if b.get(cr + 1) != Some(&b'\n') {
            out.push('\n');
        }
        from = cr + 1;
    }
    out.push_str(&text[from..]);
    out.into()
}

/// The lines of `text`, each with its `\n` (what `split_inclusive('\n')`
/// gives), found by one vectorized scan for the line ends rather than a
/// search per line.
pub(crate) fn lines_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes());
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = ends.next().map_or(text.len(), |p| p + 1);
        let line = &text[start..end];
        start = end;
        Some(line)
    })
}

/// True for a line of white space only.
pub(crate) fn is_blank(line: &str) -> bool {
    // ASCII white space (tab, LF, VT, FF, CR, space) is passed over
    // byte by byte; only a line with other white space needs `trim`.
    let b = line.as_bytes();
    let ascii_space = |c: &u8| matches!(c, b'\t'..=b'\r' | b' ');
    match b.iter().position(|c| !ascii_space(c)) {
        None => true,
        Some(i) if b[i].is_ascii() => false,
        Some(_) => line.trim().is_empty(),
    }
}

/// The lines of `text` without their line ends (what `str::lines` gives:
/// `\n` or `\r\n`), found as [`lines_inclusive`] finds them.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    lines_inclusive(text).map(line_body)
}

/// A line of [`lines_inclusive`] without its line end (`\n` or `\r\n`).
fn line_body(line: &str) -> &str {
    let Some(l) = line.strip_suffix('\n') else { return line };
    l.strip_suffix('\r').unwrap_or(l)
}

/// Splits a text bounce into the report and the returned original (which
/// may be empty).
pub fn split_returned(text: &str) -> (&str, &str) {
    returned::split(text)
}

/// The text layout a bounce uses, for the `format` column.
pub fn detect_format(view: &View<'_>, subject: &str) -> &'static str {
    if let Some(name) = view.signs().layout {
        return name;
    }
    if codes::contains_ignore_case(subject, "failure notice") {
        return "qmail";
    }
    "text"
}

/// What the decoder already knows about a text bounce's recipients.
#[derive(Debug, Default)]
pub struct Hints<'a> {
    /// Addresses a header names as failed (`X-Failed-Recipients`).
    pub failed: &'a [String],
    /// Addresses that are not failed recipients (the original sender, the
    /// bounce's own recipient).
    pub exclude: &'a [&'a str],
    /// Addresses to fall back on when the text names none (the returned
    /// original's `To`).
    pub fallback: &'a [String],
    /// Whether to read the "copy" as the report when the report part names
    /// no one (a bounce pasted into a message).
    pub pasted: bool,
}

/// Facts found in the text about each failed recipient, in order of first
/// mention, one entry per address. The shapes are tried from the most to the
/// least specific: address blocks, then the addresses `hints` names, then
/// addresses mentioned in sentences; a recipient left without a reason takes
/// the nearest paragraph that carries a code.
pub fn recipients(text: &str, hints: &Hints<'_>) -> Vec<Block> {
    recipients_in(&View::new(text), hints)
}

/// [`recipients`] on a text already read into a [`View`].
pub fn recipients_in(view: &View<'_>, hints: &Hints<'_>) -> Vec<Block> {
    let (text, report, copy) = view.unquoted();
    let mut found = shapes(text, report, view.take_unquoted_blocks(), hints);
    if found.is_empty() && hints.pasted && !copy.is_empty() {
        // A bounce pasted into a message: the "copy" is a bounce whose
        // body holds the report.
        let body = memchr::memmem::find(copy.as_bytes(), b"\n\n")
            .map_or("", |p| &copy[p + 2..]);
        let report = split_returned(body).0;
        found = shapes(body, report, blocks::find(report), hints);
    }
    if found.is_empty() {
        return fallback_recipients(view, hints);
    }
    complete(found, report, view)
}

/// The recipients of a text in which [`recipients_in`] found none: the
/// addresses `hints` falls back on, with the reasons the text gives.
pub fn fallback_recipients(view: &View<'_>, hints: &Hints<'_>) -> Vec<Block> {
    let (text, report, _) = view.unquoted();
    let mut found = Vec::new();
    for a in hints.fallback {
        found.push(Block { address: a.clone(), ..Block::default() });
    }
    if found.is_empty() {
        return found;
    }
    transcript::apply(text, &mut found);
    give_reasons(&mut found, report);
    complete(found, report, view)
}

/// Gives every recipient found in `report`, the unquoted report of
/// `view`, what the report says for all.
fn complete(
    mut found: Vec<Block>,
    report: &str,
    view: &View<'_>,
) -> Vec<Block> {
    let global_remote = blocks::rejecting_organization(report);
    // A command named outside every recipient's own text is the whole
    // report's.
    let whole = if found.iter().all(|b| b.command.is_empty()) {
        view.unquoted_command()
    } else {
        ""
    };
    for b in &mut found {
        if b.remote.is_empty() {
            if let Some(r) = &global_remote {
                b.remote = r.clone();
            }
        }
        if b.command.is_empty() {
            b.command = whole;
        }
    }
    found
}

/// The shapes of [`recipients`], on the report part `report` of `text`,
/// whose address blocks are `found`.
fn shapes(
    text: &str,
    report: &str,
    mut found: Vec<Block>,
    hints: &Hints<'_>,
) -> Vec<Block> {
    let excluded =
        |a: &str| hints.exclude.iter().any(|e| e.eq_ignore_ascii_case(a));
    found.retain(|b| !(b.diagnostic.is_empty() && excluded(&b.address)));
    if found.iter().any(|b| hints.failed.contains(&b.address)) {
        found.retain(|b| hints.failed.contains(&b.address));
    }
    if found.is_empty() {
        for a in hints.failed {
            found.push(Block { address: a.clone(), ..Block::default() });
        }
    }
    if found.is_empty() {
        for (address, at) in reasons::mentioned(report, hints.exclude) {
            found.push(Block { address, at, ..Block::default() });
        }
    }
    transcript::apply(text, &mut found);
    give_reasons(&mut found, report);
    found
}

/// The first paragraph of the report part of `text` that carries a reply
/// or status code, read as the reason for `address`.
pub fn reason_block(text: &str, address: &str) -> Option<Block> {
    reason_block_in(&View::new(text), address)
}

/// [`reason_block`] on a text already read into a [`View`].
pub fn reason_block_in(view: &View<'_>, address: &str) -> Option<Block> {
    let p = reasons::first_paragraph(view.report())?;
    Some(blocks::block_of(address, p))
}

/// Gives each recipient still without a reason the nearest paragraph of
/// `report` that carries a code.
fn give_reasons(found: &mut [Block], report: &str) {
    if found.iter().all(|b| !b.diagnostic.is_empty()) {
        return;
    }
    let mut paragraphs = reasons::Paragraphs::new(report);
    let starts: Vec<usize> = found.iter().map(|b| b.at).collect();
    let near = reasons::Near::new(report, &starts);
    // The labelled reason is the report's, the same for every block: read
    // once when first needed, not once per block (a report naming
    // thousands of recipients was read as many times).
    let mut labelled = None;
    let mut read: Option<(&str, Block)> = None;
    for b in found.iter_mut() {
        if !b.diagnostic.is_empty() {
            continue;
        }
        if let Some(p) = paragraphs.reason_for(b.at) {
            // Recipients that share a paragraph share its facts: read once.
            let from_text = match &read {
                Some((q, facts)) if std::ptr::eq(*q, p) => facts.clone(),
                _ => read.insert((p, blocks::facts_of(p))).1.clone(),
            };
            b.diagnostic = from_text.diagnostic;
            b.status = from_text.status;
            b.reply = from_text.reply;
            if b.command.is_empty() {
                b.command = from_text.command;
            }
            if b.remote.is_empty() {
                b.remote = from_text.remote;
            }
        } else if let Some(r) =
            *labelled.get_or_insert_with(|| reasons::labelled_reason(report))
        {
            b.diagnostic = codes::clean_diagnostic(r);
        } else {
            b.diagnostic = near.reason(b.at);
        }
    }
}

/// A bounce forwarded inline is quoted (`> ` before each line): when most
/// lines are, one level of quoting is removed.
fn unquote(text: &str) -> std::borrow::Cow<'_, str> {
    // Most texts have too few lines starting with `>` to count them all:
    // counting stops at five.
    static QUOTED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n>"));
    let starts = QUOTED.find_iter(text.as_bytes()).take(5).count()
        + text.starts_with('>') as usize;
    if starts < 5 {
        return text.into();
    }
    let (mut quoted, mut written) = (0, 0);
    for l in lines(text).filter(|l| !is_blank(l)) {
        written += 1;
        quoted += (l.starts_with('>') && !l.starts_with(">>>")) as usize;
    }
    if quoted < 5 || quoted * 5 < written * 3 {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for l in lines_inclusive(text) {
        let l =
            l.strip_prefix('>').map_or(l, |r| r.strip_prefix(' ').unwrap_or(r));
        out.push_str(l);
    }
    out.into()
}

/// True when the text says the failure is only a delay (the server is still
/// retrying).
pub fn says_delayed(view: &View<'_>, subject: &str) -> bool {
    let has = |phrase| codes::contains_ignore_case(subject, phrase);
    has("delayed mail")
        || has("(delay)")
        || codes::starts_with_ignore_case(subject, "warning: could not send")
        || has("delivery delay")
        || view.signs().delay && !view.signs().permanent
}

/// The key/value shape: an RFC 3464 field block written into the text of
/// a message that has no `message/delivery-status` part (`Final-Recipient:`
/// with `Action:` or `Status:`). Returns the text from the block's first
/// field, for the field parser.
pub fn embedded_status(text: &str) -> Option<&str> {
    let (report, copy) = split_returned(text);
    embedded_in(report, copy, || !blocks::find(report).is_empty())
}

/// [`embedded_status`] on a text already read into a [`View`].
pub fn embedded_status_in<'v>(view: &'v View<'_>) -> Option<&'v str> {
    embedded_in(view.report(), view.copy(), || view.report_names_any())
}

/// [`embedded_status`] on `report` and `copy`; `named` tells whether the
/// report has address blocks.
fn embedded_in<'t>(
    report: &'t str,
    copy: &'t str,
    named: impl FnOnce() -> bool,
) -> Option<&'t str> {
    field_block(report).or_else(|| {
        // A bounce pasted into a message: the copy is a delivery report
        // and the message's own text names no failed address.
        if named() {
            return None;
        }
        let c = copy.as_bytes();
        let body = memchr::memmem::find(c, b"\n\n")
            .or_else(|| memchr::memmem::find(c, b"\n\r\n"))?;
        says_delivery_status(&copy[..body])
            .then(|| field_block(split_returned(&copy[body..]).0))?
    })
}

/// True when `head` holds `report-type=delivery-status` (any ASCII
/// case). Its `=` is rare in a header: each is looked at, not each `r`.
fn says_delivery_status(head: &str) -> bool {
    let b = head.as_bytes();
    memchr::memchr_iter(b'=', b).any(|p| {
        p >= 11
            && b[p - 11..p].eq_ignore_ascii_case(b"report-type")
            && b[p..]
                .get(..16)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"=delivery-status"))
    })
}

/// The RFC 3464 field block in `report`, from its first field.
fn field_block(report: &str) -> Option<&str> {
    // A block needs a recipient field, whose colon follows `recipient`:
    // without one the lines are not read.
    if !names_recipient(report) {
        return None;
    }
    let mut start = None;
    let mut recipient = false;
    let mut outcome = false;
    let mut pos = 0;
    for line in lines_inclusive(report) {
        let at = pos;
        pos += line.len();
        let t = line.trim_start();
        // The longest name looked for has 18 bytes: the colon stands no
        // further.
        let head = &t.as_bytes()[..t.len().min(19)];
        let Some(colon) = memchr::memchr(b':', head) else { continue };
        let name = &t[..colon];
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        if is("reporting-mta") {
            start.get_or_insert(at);
        } else if is("final-recipient") || is("original-recipient") {
            start.get_or_insert(at);
            recipient = true;
        } else if is("action") || is("status") || is("diagnostic-code") {
            outcome = true;
        }
    }
    (recipient && outcome).then(|| &report[start.unwrap_or(0)..])
}

/// True when some `:` in `text` follows `recipient` (any case), as the
/// colon of every `Final-Recipient:` and `Original-Recipient:` field does.
/// Colons are far fewer than lines: each is looked at, not each line.
fn names_recipient(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b':', b)
        .any(|p| p >= 9 && b[p - 9..p].eq_ignore_ascii_case(b"recipient"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_without_a_recipient_colon_has_no_field_block() {
        let pieces = [
            "Final-Recipient: rfc822; a@example.com",
            "original-RECIPIENT:",
            "  Recipient:",
            "recipient",
            "Status: 5.1.1",
            "action: failed",
            "Reporting-MTA: dns; mx.example.com",
            ":",
            "\n",
            "\r\n",
            " ",
            "x",
        ];
        for t in crate::codes::random_texts(&pieces, 9, 5000, 14) {
            // Where no colon follows `recipient`, the full reading finds
            // no block either.
            if !names_recipient(&t) {
                assert_eq!(field_block_read_whole(&t), None, "{t:?}");
            }
            assert_eq!(field_block(&t), field_block_read_whole(&t), "{t:?}");
        }
    }

    /// [`field_block`] without the check for a recipient colon.
    fn field_block_read_whole(report: &str) -> Option<&str> {
        let mut start = None;
        let (mut recipient, mut outcome) = (false, false);
        let mut pos = 0;
        for line in lines_inclusive(report) {
            let at = pos;
            pos += line.len();
            let t = line.trim_start();
            let head = &t.as_bytes()[..t.len().min(19)];
            let Some(colon) = memchr::memchr(b':', head) else { continue };
            let name = &t[..colon];
            let is = |n: &str| name.eq_ignore_ascii_case(n);
            if is("reporting-mta") {
                start.get_or_insert(at);
            } else if is("final-recipient") || is("original-recipient") {
                start.get_or_insert(at);
                recipient = true;
            } else if is("action") || is("status") || is("diagnostic-code") {
                outcome = true;
            }
        }
        (recipient && outcome).then(|| &report[start.unwrap_or(0)..])
    }

    #[test]
    fn a_delivery_status_type_is_found_from_its_equals_sign() {
        let pieces = [
            "Content-Type: multipart/report; ",
            "report-type=delivery-status",
            "Report-Type=Delivery-Status",
            "report-type=",
            "delivery-status",
            "=",
            "type=",
            "report-",
            "\n",
            " ",
            "é",
        ];
        for t in codes::random_texts(&pieces, 19, 5000, 8) {
            let want =
                codes::contains_ignore_case(&t, "report-type=delivery-status");
            assert_eq!(says_delivery_status(&t), want, "{t:?}");
        }
    }

    #[test]
    fn one_pass_line_ends_are_the_two_replacements() {
        let pieces = ["a", "\r", "\n", "\r\n", "\r\r", "é", "\n\r"];
        for t in codes::random_texts(&pieces, 9, 3000, 9) {
            let want = t.replace("\r\n", "\n").replace('\r', "\n");
            assert_eq!(normalize_newlines(&t), want, "{t:?}");
        }
    }

    #[test]
    fn a_blank_line_is_one_that_trims_to_nothing() {
        let pieces = [
            " ", "\t", "\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{2003}", "x",
            "é", "\x1c",
        ];
        for t in codes::random_texts(&pieces, 17, 3000, 6) {
            assert_eq!(is_blank(&t), t.trim().is_empty(), "{t:?}");
        }
    }

    #[test]
    fn line_scans_give_what_the_standard_ones_give() {
        let pieces = ["a", "\n", "\r", "\r\n", "é", " ", "\n\n", ">"];
        for t in codes::random_texts(&pieces, 3, 3000, 9) {
            let want: Vec<&str> = t.split_inclusive('\n').collect();
            assert_eq!(lines_inclusive(&t).collect::<Vec<_>>(), want, "{t:?}");
            let want: Vec<&str> = t.lines().collect();
            assert_eq!(lines(&t).collect::<Vec<_>>(), want, "{t:?}");
        }
    }

    #[test]
    fn finds_a_field_block_in_text() {
        let t = "We could not deliver to:\nann@example.com\n\n\
                 Technical report:\n\nReporting-MTA: dsn; mx.example.org\n\n\
                 Action: failed\nFinal-Recipient: rfc822; ann@example.com\n\
                 Status: 5.2.1\n";
        let block = embedded_status(t).unwrap();
        assert!(block.starts_with("Reporting-MTA: dsn; mx.example.org"));
        assert_eq!(embedded_status("Status: 5.1.1 only\n"), None);
    }

    #[test]
    fn recipients_take_a_reason_from_a_later_paragraph() {
        let t = "Delivery to the following recipient failed permanently:\n\n\
                 \x20    dee@example.com\n\nTechnical details of permanent \
                 failure:\nThe other server returned: 550 550 5.1.1 no such \
                 user (state 14).\n\n----- Original message -----\n\n\
                 To: dee@example.com\n";
        let r = recipients(t, &Hints::default());
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].status.as_str(), r[0].reply.as_str()),
            ("5.1.1", "550")
        );
    }

    #[test]
    fn each_recipient_takes_the_command_its_own_text_names() {
        let t = "<a@example.com>: host mx.example.com[192.0.2.1] said: 550 \
                 5.1.1\n    <a@example.com>: User unknown (in reply to RCPT \
                 TO\n    command)\n\n<b@example.com>: host \
                 mx.example.com[192.0.2.1] said: 550 5.7.1 User\n    unknown \
                 (in reply to end of DATA command)\n\n<c@example.com>: \
                 unknown user: \"c\"\n";
        let r = recipients(t, &Hints::default());
        let got: Vec<&str> = r.iter().map(|b| b.command).collect();
        assert_eq!(got, ["rcpt", "data", ""]);
    }

    #[test]
    fn a_command_outside_the_blocks_is_everyones() {
        let t = "SMTP error from remote mail server after MAIL \
                 FROM:<s@example.org>:\n\n  d@example.com\n  \
                 e@example.com\n\n550 5.7.1 sender refused\n";
        let hints = Hints {
            failed: &["d@example.com".into(), "e@example.com".into()],
            ..Hints::default()
        };
        let r = recipients(t, &hints);
        let got: Vec<&str> = r.iter().map(|b| b.command).collect();
        assert_eq!(got, ["mail", "mail"]);
    }

    #[test]
    fn an_inline_forwarded_bounce_is_unquoted() {
        let t = "Fyi.\n\n> The following addresses had errors\n>\n\
                 > <ida@example.com>\n>     (reason: 550 5.1.1 User \
                 unknown)\n>\n> Return-Path: <x@example.org>\n\
                 > Received: from a\n> Message-ID: <m@example.org>\n";
        let r = recipients(t, &Hints::default());
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].address.as_str(), r[0].reply.as_str()),
            ("ida@example.com", "550")
        );
    }

    #[test]
    fn a_transcript_without_an_address_still_gives_the_reply() {
        let t = "   ----- The following addresses had permanent fatal errors \
                 -----\n\"|/usr/local/bin/filter\"\n    (reason: 255)\n\n\
                 \x20  ----- Transcript of session follows -----\n\
                 554 5.3.0 unknown mailer error 255\n";
        let b = reason_block(t, "fi@example.com").unwrap();
        assert_eq!((b.reply.as_str(), b.status.as_str()), ("554", "5.3.0"));
    }

    #[test]
    fn every_recipient_without_a_code_takes_the_labelled_reason() {
        let mut t = String::from("Error: mailbox over quota\n\n");
        for i in 0..40 {
            t += &format!("Your message to u{i}@example.com failed.\n");
        }
        let r = recipients(&t, &Hints::default());
        assert_eq!(r.len(), 40);
        for (i, b) in r.iter().enumerate() {
            assert_eq!(b.address, format!("u{i}@example.com"));
            assert_eq!(b.diagnostic, "mailbox over quota");
        }
        // Without one, each takes the text near it.
        let t = t.replacen("Error:", "Note", 1);
        let r = recipients(&t, &Hints::default());
        assert_eq!(r.len(), 40);
        assert!(r.iter().all(|b| b.diagnostic.contains("failed")), "{r:?}");
    }

    #[test]
    fn a_mentioned_address_takes_the_reply_below_it() {
        let t = "There was an error delivering your mail to \
                 <eve@example.com>.\n\nmx.example.com [192.0.2.9] did not \
                 like our RCPT TO:\n552 5.2.2 <eve@example.com>: Mailbox \
                 full\n\nMessage headers follow.\n\nTo: <eve@example.com>\n";
        let r = recipients(t, &Hints::default());
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].address.as_str(), r[0].command),
            ("eve@example.com", "rcpt")
        );
        assert_eq!(
            (r[0].status.as_str(), r[0].reply.as_str()),
            ("5.2.2", "552")
        );
    }
}
