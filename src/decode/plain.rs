//! Bounces with no report part: telling a failure notice from other mail
//! (its sender, subject or own words), then reading its recipients through
//! the text shapes of `text`.

use crate::codes;
use crate::mime::{self, Parsed};
use crate::report::{Kind, RecipientStatus, Report};
use crate::text;

use super::{is_role_address, reporting_host};

/// A message read as a bounce that has no machine-readable part: what its
/// headers and text say, gathered once for both tries of [`Self::report`].
pub(super) struct TextBounce<'a> {
    parsed: &'a Parsed,
    view: &'a text::View<'a>,
    /// The returned original's headers quoted in the text, when no part
    /// gives them.
    quoted: Option<mime::Original>,
    /// `X-Failed-Recipients`, lower-cased.
    failed: Vec<String>,
    format: &'static str,
    /// A mailing list's notice, read by [`list_notice`].
    list: bool,
}

impl<'a> TextBounce<'a> {
    /// `None` when the message does not present itself as a failure notice.
    pub(super) fn new(
        parsed: &'a Parsed,
        view: &'a text::View<'a>,
    ) -> Option<Self> {
        let from = parsed.from.address().to_ascii_lowercase();
        if is_list_notice(parsed, &from) {
            let (quoted, failed) = (None, Vec::new());
            let (format, list) = ("text", true);
            return Some(TextBounce {
                parsed,
                view,
                quoted,
                failed,
                format,
                list,
            });
        }
        let format = text::detect_format(view, &parsed.subject);
        if !is_bounce_like(parsed, &from, view.text(), format) {
            return None;
        }
        let returned = view.copy();
        let quoted = if parsed.returned.is_none() && !returned.is_empty() {
            mime::parse_original(returned.trim_start().as_bytes())
        } else {
            None
        };
        let failed = parsed
            .header("x-failed-recipients")
            .unwrap_or_default()
            .split(',')
            .filter_map(codes::find_address)
            .map(str::to_ascii_lowercase)
            .collect();
        let list = false;
        Some(TextBounce { parsed, view, quoted, failed, format, list })
    }

    /// The bounce decoded from its text. With `fallback` (a second try,
    /// after the first found no recipient in the text), the recipients of
    /// the returned original stand in.
    pub(super) fn report(&self, fallback: bool) -> Option<Report> {
        let parsed = self.parsed;
        if self.list {
            return list_notice(parsed, self.view.report());
        }
        let original = parsed.returned.as_ref().or(self.quoted.as_ref());
        let to = parsed.header("to").and_then(codes::find_address);
        let exclude: Vec<&str> = original
            .map(|o| o.from.as_str())
            .into_iter()
            .chain(to)
            .filter(|a| !a.is_empty())
            .collect();
        let fallback_to: Vec<String> = original
            .filter(|_| fallback)
            .map(|o| o.to().iter().map(|a| a.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        let hints = text::Hints {
            failed: &self.failed,
            exclude: &exclude,
            fallback: &fallback_to,
            pasted: true,
        };
        let blocks = if fallback {
            text::fallback_recipients(self.view, &hints)
        } else {
            text::recipients_in(self.view, &hints)
        };
        if blocks.is_empty() {
            return None;
        }
        let delayed = text::says_delayed(self.view, &parsed.subject);
        let kind = if delayed { Kind::Delay } else { Kind::Bounce };
        let mut report = Report {
            format: self.format,
            reporting_server: reporting_host(parsed),
            ..Report::default()
        };
        let lead = text::lead_reason(self.view, &blocks);
        for b in blocks {
            let mut rs = RecipientStatus::new(kind, &b.address);
            rs.status = b.status;
            rs.reply_code = b.reply;
            rs.remote_server = b.remote;
            rs.diagnostic = text::with_lead(lead.as_deref(), &b.diagnostic);
            rs.command = b.command;
            report.recipients.push(rs);
        }
        if let Some(o) = &self.quoted {
            report.message_id = o.message_id.clone();
            report.subject = o.subject.clone();
            report.sender = o.from.to_ascii_lowercase();
        }
        Some(report)
    }
}

/// Phrases with which a failure notice's own text says what it is.
const BODIES: &[&str] = &[
    "could not be delivered",
    "couldn't be delivered",
    "was not delivered",
    "wasn't delivered",
    "undeliverable",
    "delivery has failed",
    "delivery failed",
    "failed permanently",
    "permanent error",
    "trouble delivering",
    "unable to deliver",
    "error delivering",
];

/// [`BODIES`] as one case-insensitive automaton, built once.
static BODY_SIGNS: std::sync::LazyLock<regex_automata::meta::Regex> =
    std::sync::LazyLock::new(|| codes::phrase_finder(BODIES));

/// True when the message presents itself as a delivery failure notice;
/// `from` is its sender, lower-cased. The cheap signs are looked at first.
fn is_bounce_like(
    parsed: &Parsed,
    from: &str,
    human: &str,
    format: &str,
) -> bool {
    const SUBJECTS: &[&str] = &[
        "undeliver",
        "delivery",
        "failure",
        "returned mail",
        "failed",
        "mail system error",
        "delayed",
        "nondeliverable",
        "non-deliverable",
        "could not send",
        "rejected",
        "returned to sender",
        "unzustellbar",
        "non remis",
        "no entregado",
        "warning",
        "error sending",
        "mail error",
        "bounce",
        "not delivered",
    ];
    if format != "text"
        || parsed.header("x-failed-recipients").is_some()
        || is_role_address(from)
        || from.starts_with("microsoftexchange")
    {
        return true;
    }
    let subject = parsed.subject.to_ascii_lowercase();
    let head = &human[..human.floor_char_boundary(4096)];
    SUBJECTS.iter().any(|s| subject.contains(s)) || BODY_SIGNS.is_match(head)
}

/// A mailing-list server's notice: the failed recipient is the list its
/// first paragraph names (`You are not a member of this mailing list
/// <list@example.org>.`), that paragraph the diagnostic.
fn list_notice(parsed: &Parsed, report: &str) -> Option<Report> {
    let poster = parsed.header("to").and_then(codes::find_address);
    let paragraph = report.split("\n\n").find_map(|p| {
        let address = codes::find_address(p)?;
        let poster = poster.is_some_and(|a| a.eq_ignore_ascii_case(address));
        (!poster).then_some((address, p))
    })?;
    let mut rs = RecipientStatus::new(Kind::Bounce, paragraph.0);
    rs.diagnostic = codes::clean_diagnostic(paragraph.1);
    Some(Report {
        format: "text",
        reporting_server: reporting_host(parsed),
        recipients: vec![rs],
        ..Report::default()
    })
}

/// True when a mailing-list server writes to a poster from the list's own
/// administrative address (`list-admin@`, `owner-list@`): its notices say
/// why the list refused a post, naming the list as the failed recipient.
/// Posts the list distributes come from their authors, not from there.
fn is_list_notice(parsed: &Parsed, from: &str) -> bool {
    let list_server = ["x-mlserver", "mailing-list"]
        .iter()
        .any(|h| parsed.header(h).is_some());
    let local = from.split('@').next().unwrap_or_default();
    list_server
        && (local.ends_with("-admin")
            || local.ends_with("-owner")
            || local.starts_with("owner-"))
}
