//! The decoders of messages that are not plain bounces: RFC 3834
//! auto-replies, ARF complaints (RFC 5965) and the JSON notifications of
//! sending services. Each turns a parsed message into a [`Report`]; choosing
//! among them is left to `decode`.

use crate::codes;
use crate::mime::{self, Parsed};
use crate::report::{Kind, RecipientStatus, Report};
use crate::text;

use super::reporting_host;

/// A JSON notification from a sending service (bounce, complaint or
/// delivery).
pub(super) fn notification(human: &str) -> Report {
    let mut report = Report { format: "json", ..Report::default() };
    for n in text::json::notifications(human) {
        let kind = match n.kind {
            "complaint" => Kind::Feedback,
            _ if n.action == "delayed" => Kind::Delay,
            _ => Kind::Bounce,
        };
        let mut rs = RecipientStatus::new(kind, &n.address);
        if kind == Kind::Feedback {
            rs.diagnostic = format!("feedback-type: {}", n.feedback_type);
            rs.feedback_type = n.feedback_type;
        } else {
            if !n.action.is_empty() {
                rs.action = n.action;
            }
            let diagnostic = codes::clean_diagnostic(&n.diagnostic);
            let last = codes::last_reply(&diagnostic);
            rs.status = codes::find_status(&n.status)
                .or(last.and_then(|(_, s)| s))
                .unwrap_or_default()
                .to_string();
            rs.reply_code = last
                .map(|(r, _)| r)
                .or_else(|| codes::leading_reply(&diagnostic))
                .unwrap_or_default()
                .to_string();
            rs.diagnostic = diagnostic;
        }
        if report.reporting_server.is_empty() {
            report.reporting_server = n.reporting_mta.to_ascii_lowercase();
        }
        report.recipients.push(rs);
    }
    report
}

/// An RFC 3834 automatic reply: the recipient is the one who replied.
pub(super) fn auto_reply(parsed: &Parsed, body: &str) -> Option<Report> {
    let subject = parsed.subject.to_ascii_lowercase();
    let header =
        |n: &str| parsed.header(n).unwrap_or_default().to_ascii_lowercase();
    const SUBJECTS: &[&str] = &[
        "automatic reply",
        "auto:",
        "autoreply",
        "auto-reply",
        "auto reply",
        "out of office",
        "out of the office",
        "abwesenheit",
        "réponse automatique",
        "vacation",
        "away from",
        "respuesta automática",
        "risposta automatica",
    ];
    let is_reply = header("auto-submitted").starts_with("auto-replied")
        || parsed.header("x-autoreply").is_some()
        || parsed.header("x-autorespond").is_some()
        || header("precedence").contains("auto_reply")
        || header("x-apple-action").contains("vacation")
        || SUBJECTS.iter().any(|s| subject.contains(s));
    let from = parsed.from.address().to_ascii_lowercase();
    if !is_reply || from.is_empty() || is_role_address(&from) {
        return None;
    }
    let mut rs = RecipientStatus::new(Kind::AutoReply, replier(parsed, body));
    // Cut after unfolding, so that line ends do not change the text kept.
    let head: String = body.chars().take(2400).collect();
    rs.diagnostic =
        codes::clean_diagnostic(&head).chars().take(600).collect::<String>();
    Some(Report {
        format: "rfc3834",
        reporting_server: reporting_host(parsed),
        recipients: vec![rs],
        ..Report::default()
    })
}

/// The mailbox an auto-reply answers for: its sender, unless that is a
/// no-reply address, which answers for the mailbox of its own domain that
/// its text names (`This inbox ann@example.com is no longer in use`).
fn replier<'a>(parsed: &'a Parsed, body: &'a str) -> &'a str {
    let local = parsed.from.address().split('@').next().unwrap_or_default();
    let local: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if !matches!(local.as_str(), "noreply" | "donotreply" | "noresponse") {
        return parsed.from.address();
    }
    let to = parsed.header("to").and_then(codes::find_address);
    let domain = parsed.from.address().rsplit_once('@').map_or("", |(_, d)| d);
    let head = &body[..body.floor_char_boundary(2400)];
    let mut named = head
        .split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '('))
        .filter_map(codes::find_address)
        .filter(|a| to.is_none_or(|t| !t.eq_ignore_ascii_case(a)))
        .filter(|a| {
            a.rsplit_once('@')
                .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
        });
    named.next().unwrap_or(parsed.from.address())
}

/// Mail system senders, which never write auto-replies.
pub(super) fn is_role_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or_default();
    let local: String =
        local.chars().filter(|c| !matches!(c, '-' | '_' | '.')).collect();
    local.starts_with("mailerdaemon")
        || local.starts_with("postmaster")
        || local.contains("maildaemon")
        || local == "maildeliverysystem"
}

/// An ARF feedback report (RFC 5965): the complaining recipient comes from
/// `Original-Rcpt-To`, or the returned message's `To`.
pub(super) fn feedback(parsed: &Parsed) -> Report {
    let raw = parsed.feedback_report.as_deref().unwrap_or_default();
    let text = String::from_utf8_lossy(raw);
    let text = text::normalize_newlines(&text);
    let mut feedback_type = String::new();
    let mut rcpts = Vec::new();
    let mut arrival = String::new();
    let mut source = String::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "feedback-type" => feedback_type = value.to_ascii_lowercase(),
            "original-rcpt-to" | "removal-recipient" => {
                if let Some(a) = codes::find_address(value) {
                    rcpts.push(a.to_ascii_lowercase());
                }
            }
            "arrival-date" | "received-date" => {
                arrival = mime::parse_date(value)
            }
            "reporting-mta" => {
                source = value.rsplit(';').next().unwrap_or("").trim().into()
            }
            _ => {}
        }
    }
    if rcpts.is_empty() {
        if let Some(o) = &parsed.returned {
            // `To: <Undisclosed Recipients>` names no one.
            let to = o.to();
            let to = to.iter().filter_map(|a| codes::find_address(a));
            rcpts.extend(to.map(str::to_ascii_lowercase));
        }
    }
    if rcpts.is_empty() {
        // The complaint stands even when it names no recipient.
        rcpts.push(String::new());
    }
    let mut report = Report {
        format: "arf",
        reporting_server: source.to_ascii_lowercase(),
        date: arrival,
        ..Report::default()
    };
    for a in rcpts {
        let mut rs = RecipientStatus::new(Kind::Feedback, &a);
        rs.feedback_type = feedback_type.clone();
        rs.diagnostic = format!("feedback-type: {feedback_type}");
        report.recipients.push(rs);
    }
    report
}
