//! Turning one raw message into a [`Report`], or saying why it is not one.
//! It chooses among the decoders: an RFC 3464 report (filled in from the
//! human-readable text where the report is vague), an ARF complaint, a JSON
//! notification, a text bounce (`plain`), a bounce forwarded as an
//! attachment, an RFC 3834 auto-reply (`others`). Judging causes is left to
//! `rules`.

use crate::codes;
use crate::dsn;
use crate::mime::{self, Parsed};
use crate::report::{Kind, RecipientStatus, Report};
use crate::text;

mod others;
mod plain;

use others::{auto_reply, feedback, is_role_address, notification};
use plain::TextBounce;

/// Why a message produced no report row, as `skipped.csv` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Short reason: `empty`, `not a mail message`, `no report found`.
    pub reason: &'static str,
    /// A human detail (the subject, or what was missing).
    pub detail: String,
}

/// The longest prefix of a message that is decoded; beyond it lies only
/// returned content, which never decides a report.
const MAX_DECODE: usize = 4 << 20;

/// Decodes `raw`.
pub fn decode(raw: &[u8]) -> Result<Report, Skip> {
    decode_at(raw, 0)
}

/// How deep forwarded bounces are followed.
const MAX_FORWARDS: usize = 2;

fn decode_at(raw: &[u8], depth: usize) -> Result<Report, Skip> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Skip { reason: "empty", detail: String::new() });
    }
    let raw = &raw[..raw.len().min(MAX_DECODE)];
    let fixed;
    let raw = if has_lone_cr(raw) || !raw.ends_with(b"\n") {
        // mail-parser reads no header from a last line without its end (a
        // message cut short, or one ending in a header), so one is added.
        let mut lf = lone_cr_to_lf(raw);
        if !lf.ends_with(b"\n") {
            lf.push(b'\n');
        }
        fixed = lf;
        &fixed[..]
    } else {
        raw
    };
    let Some(mut parsed) = mime::parse(raw).filter(looks_like_mail) else {
        return Err(Skip {
            reason: "not a mail message",
            detail: "no header fields at the start".into(),
        });
    };
    let human = human_text(&mut parsed);
    // `human_text` made every line end LF.
    let view = text::View::new_lf(&human);
    let mut report = if parsed.feedback_report.is_some() {
        feedback(&parsed)
    } else if let Some(ds) = &parsed.delivery_status {
        delivery_status(ds, &view)
    } else if let Some(ds) = text::embedded_status_in(&view) {
        delivery_status(ds.as_bytes(), &view)
    } else if says_notification(&human) {
        notification(&human)
    } else {
        Report::default()
    };
    if report.recipients.is_empty() {
        let bounce = TextBounce::new(&parsed, &view);
        if let Some(r) = bounce.as_ref().and_then(|b| b.report(false)) {
            report = r;
        } else if let Some(r) = forwarded(raw, &parsed, depth) {
            return Ok(r);
        } else {
            report = bounce
                .and_then(|b| b.report(true))
                .or_else(|| auto_reply(&parsed, &human))
                .ok_or_else(|| Skip {
                    reason: "no report found",
                    detail: parsed.subject.chars().take(200).collect(),
                })?;
        }
    }
    finish(&mut report, &mut parsed);
    Ok(report)
}

/// True when `human` holds `notificationType` (an SES notification), as
/// `str::contains` tells, by a vectorized searcher built once.
fn says_notification(human: &str) -> bool {
    static NOTIFICATION: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| {
            memchr::memmem::Finder::new(b"notificationType")
        });
    NOTIFICATION.find(human.as_bytes()).is_some()
}

/// A bounce forwarded as an attachment (`Fwd: Returned mail`): the attached
/// message is decoded in its place.
fn forwarded(raw: &[u8], parsed: &Parsed, depth: usize) -> Option<Report> {
    if depth >= MAX_FORWARDS {
        return None;
    }
    let found;
    let attached = match &parsed.attached {
        None if parsed.cut => {
            found = mime::attached(raw)?;
            &found
        }
        attached => attached.as_ref()?,
    };
    decode_at(attached.bytes(raw)?, depth + 1).ok().filter(|r| {
        r.recipients
            .iter()
            .all(|x| matches!(x.kind, Kind::Bounce | Kind::Delay))
    })
}

fn has_lone_cr(raw: &[u8]) -> bool {
    memchr::memchr(b'\r', raw).is_some_and(|p| raw.get(p + 1) != Some(&b'\n'))
}

fn lone_cr_to_lf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, &c) in raw.iter().enumerate() {
        if c == b'\r' && raw.get(i + 1) != Some(&b'\n') {
            out.push(b'\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// A message must start with something shaped like a header field.
fn looks_like_mail(parsed: &Parsed) -> bool {
    // `From` last: most messages are decided before it must be read.
    !parsed.subject.is_empty()
        || !parsed.headers.is_empty()
        || parsed.delivery_status.is_some()
        || !parsed.from.address().is_empty()
}

/// The reply codes RFC 5321 and its extensions define; anything else
/// (`426`, `522`, `542`) is a number that only looks like one. In
/// ascending order, for a binary search.
const REPLY_CODES: &[&str] = &[
    "211", "214", "220", "221", "235", "250", "251", "252", "334", "354",
    "421", "432", "450", "451", "452", "453", "454", "455", "458", "459",
    "500", "501", "502", "503", "504", "521", "523", "525", "530", "534",
    "535", "538", "550", "551", "552", "553", "554", "555", "556",
];

/// Keeps a reply code only when it is a real one and agrees in class with
/// the status code (a `4.x.x` status and a `554` reply cannot both be the
/// remote server's answer).
fn check_reply(rs: &mut RecipientStatus) {
    let class_differs = !rs.status.is_empty()
        && rs.status.as_bytes().first() != rs.reply_code.as_bytes().first();
    let known = REPLY_CODES.binary_search(&rs.reply_code.as_str()).is_ok();
    if !known || class_differs {
        rs.reply_code.clear();
    }
}

/// Fills the per-message columns from the message and its returned
/// original (taking their values: this is the last use of `parsed`).
fn finish(report: &mut Report, parsed: &mut Parsed) {
    report.recipients.iter_mut().for_each(check_reply);
    if report.date.is_empty() {
        report.date = std::mem::take(&mut parsed.date);
    }
    if let Some(o) = &mut parsed.returned {
        report.message_id = std::mem::take(&mut o.message_id);
        report.subject = std::mem::take(&mut o.subject);
        if report.sender.is_empty() {
            report.sender = o.from.to_ascii_lowercase();
        }
    }
    if report.sender.is_empty() {
        report.sender = parsed
            .header("to")
            .and_then(codes::find_address)
            .unwrap_or_default()
            .to_ascii_lowercase();
    }
}

/// The human-readable text of the message, all text parts joined, every
/// line end made LF. The parts are taken out of `parsed`.
fn human_text(parsed: &mut Parsed) -> String {
    let has_cr = |t: &String| memchr::memchr(b'\r', t.as_bytes()).is_some();
    if !parsed.texts.iter().any(has_cr) {
        return match parsed.texts.len() {
            1 => parsed.texts.pop().unwrap_or_default(),
            _ => parsed.texts.join("\n"),
        };
    }
    // Joined and made LF in one pass, as `text::normalize_newlines` of the
    // joined text would (CRLF, then a lone CR, become LF).
    let joined = parsed.texts.join("\n");
    let mut out = String::with_capacity(joined.len());
    let mut rest = joined.as_str();
    while let Some(at) = memchr::memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        out.push('\n');
        let crlf = rest.as_bytes().get(at + 1) == Some(&b'\n');
        rest = &rest[at + 1 + usize::from(crlf)..];
    }
    out.push_str(rest);
    out
}

/// An RFC 3464 report, with each recipient's vague fields filled in from the
/// text beside it.
fn delivery_status(raw: &[u8], view: &text::View<'_>) -> Report {
    let text = dsn::text_of(raw);
    let ds = dsn::parse(&text);
    let blocks = text::recipients_in(view, &text::Hints::default());
    let mut report = Report {
        format: "rfc3464",
        reporting_server: ds.reporting_mta.to_ascii_lowercase(),
        date: String::new(),
        ..Report::default()
    };
    // The command every recipient the text names was refused at, if they
    // agree: a recipient of the report that the text does not name shares
    // it.
    let mut named = blocks.iter().map(|b| b.command);
    let first = named.next().unwrap_or_default();
    let common = if named.all(|c| c == first) { first } else { "" };
    let lead = text::lead_reason(view, &blocks);
    for r in &ds.recipients {
        let address = r.recipient();
        let action = action_of(r);
        let kind = if action == "delayed" { Kind::Delay } else { Kind::Bounce };
        let mut rs = RecipientStatus::new(kind, address);
        rs.action = action;
        rs.remote_server = r.remote_mta.to_string();
        fill_from_dsn(&mut rs, r);
        if let Some(b) = blocks.iter().find(|b| b.address == rs.recipient) {
            fill_from_text(&mut rs, b);
        } else if ds.recipients.len() == 1 && blocks.len() == 1 {
            fill_from_text(&mut rs, &blocks[0]);
        } else if ds.recipients.len() == 1 && blocks.is_empty() {
            // The text names no address (a pipe, a program), but its
            // transcript may still hold the reply.
            if let Some(b) = text::reason_block_in(view, &rs.recipient) {
                fill_from_text(&mut rs, &b);
            }
        }
        if rs.command.is_empty() {
            rs.command = common;
        }
        rs.diagnostic = text::with_lead(lead.as_deref(), &rs.diagnostic);
        if report.date.is_empty() {
            report.date = mime::parse_date(&r.last_attempt);
        }
        report.recipients.push(rs);
    }
    // A command named in the text but for no recipient of its own is the
    // whole report's.
    if report.recipients.iter().all(|r| r.command.is_empty()) {
        let whole = view.report_command();
        report.recipients.iter_mut().for_each(|r| r.command = whole);
    }
    report
}

fn action_of(r: &dsn::DsnRecipient) -> String {
    let a = r.action.split_whitespace().next().unwrap_or_default();
    match a {
        "failed" | "delayed" | "delivered" | "relayed" | "expanded" => {
            a.to_string()
        }
        _ if r.status.trim_start().starts_with('4') => "delayed".into(),
        _ if r.status.trim_start().starts_with('2') => "delivered".into(),
        _ => "failed".into(),
    }
}

/// Status, reply and diagnostic from the report's own fields. A generic
/// `x.0.0` status gives way to a specific code quoted in the diagnostic or
/// in a vendor field.
fn fill_from_dsn(rs: &mut RecipientStatus, r: &dsn::DsnRecipient) {
    let mut diagnostic = codes::clean_diagnostic(&r.diagnostic);
    // Most reports have no vendor field: nothing to clean.
    let supplementary = match r.supplementary.as_ref() {
        "" => String::new(),
        s => codes::clean_diagnostic(s),
    };
    let supplementary = supplementary
        .find("smtp;")
        .map_or(supplementary.as_str(), |p| &supplementary[p + 5..])
        .trim()
        .trim_end_matches('>')
        .to_string();
    let status = codes::find_status(&r.status).unwrap_or_default().to_string();
    if is_generic(&status) || diagnostic.is_empty() {
        if !supplementary.is_empty()
            && (diagnostic.is_empty()
                || codes::find_reply(&diagnostic).is_none())
        {
            diagnostic = supplementary;
        }
    }
    // The reporting server's comment on the status is its own wording of
    // the failure: the only text some reports give, and a second opinion
    // beside the remote server's reply in others.
    if let Some((_, comment)) = r.status.split_once('(') {
        let comment = comment.trim_end_matches(')').trim();
        diagnostic = text::with_lead(Some(comment), &diagnostic);
    }
    rs.status = status;
    if let Some(s) = text::best_status(&diagnostic) {
        if rs.status.is_empty() || is_generic(&rs.status) && !is_generic(s) {
            rs.status = s.to_string();
        }
    }
    let last = codes::last_reply(&diagnostic);
    // The remote server's own code, given with its reply, is more exact
    // than the reporting server's summary of it.
    if let Some(s) = last.and_then(|(_, s)| s).filter(|s| !is_generic(s)) {
        rs.status = s.to_string();
    }
    rs.reply_code = last
        .map(|(r, _)| r)
        .or_else(|| codes::leading_reply(&diagnostic))
        .or_else(|| {
            codes::find_reply(&diagnostic)
                .filter(|_| r.diagnostic_type == "smtp")
        })
        .unwrap_or_default()
        .to_string();
    rs.diagnostic = diagnostic;
    rs.command = text::command_named(&r.diagnostic);
    // A number that is no reply must not keep the text's reply out.
    check_reply(rs);
}

/// A status is generic when it says only its class: `5.0.0`, `4.0.0`.
fn is_generic(status: &str) -> bool {
    status.is_empty() || status.ends_with(".0.0")
}

/// Fills what the report left empty from the text block for the recipient.
fn fill_from_text(rs: &mut RecipientStatus, b: &text::Block) {
    if rs.diagnostic.is_empty()
        || rs.reply_code.is_empty() && !b.reply.is_empty()
    {
        if !b.diagnostic.is_empty() {
            rs.diagnostic = b.diagnostic.clone();
        }
    }
    if rs.reply_code.is_empty() {
        rs.reply_code = b.reply.clone();
    }
    // The text may refine the report's class-only status, not contradict
    // its class.
    let same_class = rs.status.is_empty()
        || rs.status.as_bytes().first() == b.status.as_bytes().first();
    if is_generic(&rs.status) && !is_generic(&b.status) && same_class {
        rs.status = b.status.clone();
    }
    if rs.remote_server.is_empty() {
        rs.remote_server = b.remote.clone();
    }
    if rs.command.is_empty() {
        rs.command = b.command;
    }
}

/// The host that wrote a text bounce: the domain of its sender.
fn reporting_host(parsed: &Parsed) -> String {
    parsed
        .from
        .address()
        .rsplit_once('@')
        .map_or(String::new(), |(_, d)| d.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_text_is_the_texts_joined_with_lf_line_ends() {
        let cases: &[&[&str]] = &[
            &["a\r\nb", "c\rd"],
            &["ends in CR\r", "next"],
            &["\r\r\n\n\r"],
            &["no CR", "at all"],
            &[],
        ];
        for texts in cases {
            let joined = texts.join("\n");
            let want = text::normalize_newlines(&joined).into_owned();
            let mut parsed = Parsed {
                texts: texts.iter().map(|t| t.to_string()).collect(),
                ..Parsed::default()
            };
            assert_eq!(human_text(&mut parsed), want, "{texts:?}");
        }
    }

    const EXIM: &str = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
To: ann@example.org\nSubject: Mail delivery failed: returning message to sender\n\
Auto-Submitted: auto-replied\n\n\
This message was created automatically by mail delivery software.\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n\
\x20 bob@example.net\n\
\x20   host mx.example.net [192.0.2.7]\n\
\x20   SMTP error from remote mail server after RCPT TO:<bob@example.net>:\n\
\x20   550-5.1.1 The account does not exist. Please try\n\
\x20   550 5.1.1 again later\n\n\
------ This is a copy of the message, including all the headers. ------\n\n\
From: ann@example.org\nTo: bob@example.net\nSubject: hi\n\nbody\n";

    #[test]
    fn failed_recipients_header_is_read_as_addresses() {
        let m = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\n\
To: ann@example.org\nSubject: Mail delivery failed\n\
X-Failed-Recipients: <Bob@Example.NET>, carol@example.net\n\n\
Delivery failed permanently:\n\n550 5.1.1 mailbox unavailable\n";
        let r = decode(m.as_bytes()).unwrap();
        let got: Vec<&str> =
            r.recipients.iter().map(|r| r.recipient.as_str()).collect();
        assert_eq!(got, ["bob@example.net", "carol@example.net"]);
    }

    #[test]
    fn an_exim_bounce_with_auto_submitted_is_a_bounce() {
        let r = decode(EXIM.as_bytes()).unwrap();
        assert_eq!(r.recipients.len(), 1);
        let rs = &r.recipients[0];
        assert_eq!(rs.kind, Kind::Bounce);
        assert_eq!(rs.recipient, "bob@example.net");
        assert_eq!(
            (rs.status.as_str(), rs.reply_code.as_str()),
            ("5.1.1", "550")
        );
        assert_eq!(rs.remote_server, "mx.example.net");
        assert_eq!(rs.command, "rcpt");
        assert!(rs.diagnostic.ends_with(
            "550 5.1.1 The account does not exist. Please try again later"
        ));
    }

    #[test]
    fn a_report_takes_the_command_from_the_text_beside_it() {
        let raw = "From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\n\
Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\n\
<bob@example.net>: host mx.example.net[192.0.2.7] said: 550 5.1.1\n\
\x20   <bob@example.net>: User unknown (in reply to end of DATA command)\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.org\n\n\
Final-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1\n\
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.net>: User unknown\n\n\
--b--\n";
        let r = decode(raw.as_bytes()).unwrap();
        assert_eq!(r.format, "rfc3464");
        assert_eq!(r.recipients[0].command, "data");
    }

    #[test]
    fn a_recipient_the_text_does_not_name_shares_the_common_command() {
        let raw = "From: MAILER-DAEMON@mx.example.org\nTo: ann@example.org\n\
Subject: Returned mail\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\n\
<cy@example.net>\n    (reason: 550 5.7.1 User unknown)\n\n\
... while talking to mx.example.net.:\n>>> DATA\n\
<<< 550 5.7.1 <cy@example.net>... User unknown\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.org\n\n\
Final-Recipient: rfc822; cy@example.net\nAction: failed\nStatus: 5.7.1\n\n\
Final-Recipient: rfc822; dan@example.com\nAction: failed\nStatus: 5.7.1\n\n\
--b--\n";
        let r = decode(raw.as_bytes()).unwrap();
        let got: Vec<&str> = r.recipients.iter().map(|r| r.command).collect();
        assert_eq!(got, ["data", "data"]);
    }

    #[test]
    fn line_ends_do_not_change_a_text_bounce() {
        let lf = decode(EXIM.as_bytes()).unwrap().recipients;
        let crlf = EXIM.replace('\n', "\r\n");
        assert_eq!(decode(crlf.as_bytes()).unwrap().recipients, lf);
        let cr = EXIM.replace('\n', "\r");
        assert_eq!(decode(cr.as_bytes()).unwrap().recipients, lf);
    }

    #[test]
    fn a_forwarded_bounce_is_decoded_in_its_place() {
        let raw = format!(
            "From: ann@example.org\nTo: help@example.org\nSubject: Fwd: see this\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"z\"\n\n\
--z\nContent-Type: text/plain\n\nWhat does this mean?\n\
--z\nContent-Type: message/rfc822\n\n{EXIM}\n--z--\n"
        );
        let r = decode(raw.as_bytes()).unwrap();
        assert_eq!(r.recipients.len(), 1);
        assert_eq!(r.recipients[0].recipient, "bob@example.net");
        assert_eq!(r.recipients[0].status, "5.1.1");
    }

    #[test]
    fn mail_systems_do_not_send_auto_replies_and_letters_are_skipped() {
        let raw = "From: MAILER-DAEMON@example.net\nTo: ann@example.org\n\
Subject: Auto: hello\nAuto-Submitted: auto-replied\n\nThanks for writing.\n";
        assert!(decode(raw.as_bytes()).is_err());
        let letter = "From: cy@example.net\nTo: ann@example.org\n\
Subject: lunch\n\nSee you at noon at the usual place.\n";
        assert_eq!(
            decode(letter.as_bytes()).unwrap_err().reason,
            "no report found"
        );
        let reply = "From: cy@example.net\nTo: ann@example.org\n\
Subject: Out of office\nAuto-Submitted: auto-replied\n\nI am away.\n";
        let r = decode(reply.as_bytes()).unwrap();
        assert_eq!(r.recipients[0].kind, Kind::AutoReply);
        assert_eq!(r.recipients[0].recipient, "cy@example.net");
    }

    #[test]
    fn a_field_block_in_the_text_is_a_report() {
        let raw = "From: MAILER-DAEMON@example.com\nTo: ann@example.org\n\
Subject: Delivery Status Notification (Failure)\n\n\
An error occurred while trying to deliver the mail to:\ndee@example.jp\n\n\
Technical report:\n\nReporting-MTA: dsn; out.example.com\n\n\
Action: failed\nFinal-Recipient: rfc822; dee@example.jp\n\
Diagnostic-Code: smtp; 550 5.2.1 <dee@example.jp>... Mailbox disabled\n\
Status: 5.2.1\n";
        let r = decode(raw.as_bytes()).unwrap();
        assert_eq!(r.reporting_server, "out.example.com");
        let rs = &r.recipients[0];
        assert_eq!(
            (rs.status.as_str(), rs.reply_code.as_str()),
            ("5.2.1", "550")
        );
    }

    #[test]
    fn reply_codes_are_in_ascending_order() {
        assert!(REPLY_CODES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_reply_code_must_be_one_and_agree_with_the_status() {
        let mut rs = RecipientStatus::new(Kind::Bounce, "e@example.com");
        rs.status = "4.4.1".into();
        rs.reply_code = "554".into();
        check_reply(&mut rs);
        assert_eq!(rs.reply_code, "");
        rs.status = "5.2.0".into();
        rs.reply_code = "522".into();
        check_reply(&mut rs);
        assert_eq!(rs.reply_code, "");
        rs.reply_code = "552".into();
        check_reply(&mut rs);
        assert_eq!(rs.reply_code, "552");
    }
}
