//! The RFC 3464 field parser for `message/delivery-status` parts: one
//! per-message block and one block per recipient, field names
//! case-insensitive, values folded onto indented lines. Tolerates what real
//! servers write: missing blank lines between recipients, missing `rfc822;`
//! prefixes, LF, CRLF or lone-CR line ends. It only reads fields; choosing
//! among them is left to `decode`.

/// The fields of one `message/delivery-status` part.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// `Reporting-MTA`, without its `dns;` type.
    pub reporting_mta: String,
    /// `Arrival-Date` as written.
    pub arrival_date: String,
    /// One entry per recipient block.
    pub recipients: Vec<DsnRecipient>,
}

/// The per-recipient fields, values unfolded and without their type prefix.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DsnRecipient {
    /// `Final-Recipient` address.
    pub final_recipient: String,
    /// `Original-Recipient` address.
    pub original_recipient: String,
    /// `Action`, lower-cased.
    pub action: String,
    /// `Status` as written, comment included.
    pub status: String,
    /// `Remote-MTA` host.
    pub remote_mta: String,
    /// The type of `Diagnostic-Code` (`smtp`, `x-postfix`, ...), lower-cased.
    pub diagnostic_type: String,
    /// The text of `Diagnostic-Code`.
    pub diagnostic: String,
    /// Vendor fields that carry the real reply (`X-Supplementary-Info`,
    /// `X-Display-Name` is not one), joined.
    pub supplementary: String,
    /// `Last-Attempt-Date` as written.
    pub last_attempt: String,
}

impl DsnRecipient {
    /// The failed address: `Final-Recipient`, unless it is no full address
    /// (a local name, a host without a domain) and `Original-Recipient` is.
    pub fn recipient(&self) -> &str {
        let full = |a: &str| crate::codes::find_address(a) == Some(a);
        if full(&self.final_recipient)
            || !full(&self.original_recipient)
                && (self.final_recipient.contains('@')
                    || self.original_recipient.is_empty())
        {
            &self.final_recipient
        } else {
            &self.original_recipient
        }
    }
}

/// Parses the body of a `message/delivery-status` part.
pub fn parse(raw: &[u8]) -> DeliveryStatus {
    let text = crate::charset::undeclared_text(raw);
    let mut out = DeliveryStatus::default();
    let mut current: Option<DsnRecipient> = None;
    for field in fields(&text) {
        let Some((name, value)) = field else {
            // A blank line ends a recipient block.
            if let Some(r) = current.take() {
                push(&mut out, r);
            }
            continue;
        };
        let name = name.to_ascii_lowercase();
        if !is_recipient_field(&name) {
            if current.is_none() {
                per_message(&mut out, &name, &value);
            } else if let Some(r) = current.as_mut() {
                // Unknown fields inside a recipient block stay with it.
                if name.starts_with("x-") && name.contains("diagnostic") {
                    r.supplementary.push_str(&value);
                }
            }
            continue;
        }
        let r = current.get_or_insert_with(DsnRecipient::default);
        if repeats(r, &name) {
            let done = std::mem::take(r);
            push(&mut out, done);
        }
        set(current.as_mut().expect("set above"), &name, value);
    }
    if let Some(r) = current.take() {
        push(&mut out, r);
    }
    out
}

fn push(out: &mut DeliveryStatus, r: DsnRecipient) {
    if !r.final_recipient.is_empty() || !r.original_recipient.is_empty() {
        out.recipients.push(r);
    }
}

fn per_message(out: &mut DeliveryStatus, name: &str, value: &str) {
    match name {
        "reporting-mta" => out.reporting_mta = strip_type(value).to_string(),
        "arrival-date" => out.arrival_date = value.to_string(),
        _ => {}
    }
}

fn is_recipient_field(name: &str) -> bool {
    matches!(
        name,
        "final-recipient"
            | "original-recipient"
            | "action"
            | "status"
            | "remote-mta"
            | "diagnostic-code"
            | "last-attempt-date"
            | "will-retry-until"
            | "final-log-id"
            | "x-supplementary-info"
            | "x-display-name"
    )
}

/// True when `name` is already set in `r`, so a new recipient starts.
fn repeats(r: &DsnRecipient, name: &str) -> bool {
    match name {
        "final-recipient" => !r.final_recipient.is_empty(),
        "original-recipient" => !r.original_recipient.is_empty(),
        "action" => !r.action.is_empty(),
        "status" => !r.status.is_empty(),
        _ => false,
    }
}

fn set(r: &mut DsnRecipient, name: &str, value: String) {
    match name {
        "final-recipient" => r.final_recipient = address(&value),
        "original-recipient" => r.original_recipient = address(&value),
        "action" => r.action = value.trim().to_ascii_lowercase(),
        "status" => r.status = value,
        "remote-mta" => r.remote_mta = remote_host(&value),
        "diagnostic-code" => match value.split_once(';') {
            Some((ty, text)) if !ty.contains(' ') || ty.len() < 12 => {
                r.diagnostic_type = ty.trim().to_ascii_lowercase();
                r.diagnostic = text.trim().to_string();
            }
            _ => r.diagnostic = value,
        },
        "x-supplementary-info" => r.supplementary = value,
        "last-attempt-date" => r.last_attempt = value,
        _ => {}
    }
}

/// `rfc822; <Bob@Example.com>` -> `bob@example.com` (malformed values are
/// kept as written, minus brackets, so nothing is lost).
fn address(value: &str) -> String {
    let v = strip_type(value);
    // A source route (`<@relay.example:bob@example.com>`) names relays.
    let v = match v.trim_start_matches('<').strip_prefix('@') {
        Some(route) => route.split_once(':').map_or(v, |(_, a)| a),
        None => v,
    };
    let found = crate::codes::find_address(v).unwrap_or(v);
    found.trim_matches(['<', '>', ' ', '"', '\'']).to_ascii_lowercase()
}

/// A `Remote-MTA` host: only a DNS name is one (`X-Unix; mirapoint` names
/// a local program, not a server).
fn remote_host(value: &str) -> String {
    let ty = value.split_once(';').map(|(t, _)| t.trim());
    let h = host(value);
    let dns = ty.is_none_or(|t| t.eq_ignore_ascii_case("dns"));
    if dns || crate::codes::is_hostname(&h) {
        h
    } else {
        String::new()
    }
}

/// `dns; mx.example.net` -> `mx.example.net`; drops `[ip]` and comments.
fn host(value: &str) -> String {
    let v = strip_type(value);
    let v = v.split(['[', '(', ' ']).next().unwrap_or_default();
    v.trim_end_matches('.').to_ascii_lowercase()
}

fn strip_type(value: &str) -> &str {
    match value.split_once(';') {
        Some((ty, rest)) if !ty.trim().contains(' ') => rest.trim(),
        _ => value.trim(),
    }
}

/// Yields each field as (name, unfolded value), and `None` for a blank line.
fn fields(text: &str) -> Vec<Option<(String, String)>> {
    let text = crate::text::normalize_newlines(text);
    let mut pending: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut pending, &mut out);
            out.push(None);
        } else if line.starts_with([' ', '\t']) && !pending.is_empty() {
            pending.push(line);
        } else {
            flush(&mut pending, &mut out);
            pending.push(line);
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush(pending: &mut Vec<&str>, out: &mut Vec<Option<(String, String)>>) {
    if pending.is_empty() {
        return;
    }
    let first = pending[0];
    if let Some((name, value)) = first.split_once(':') {
        let name = name.trim();
        if !name.is_empty() && !name.contains(' ') {
            let mut v = value.trim().to_string();
            for cont in &pending[1..] {
                v.push(' ');
                v.push_str(cont.trim());
            }
            out.push(Some((name.to_string(), v)));
        }
    }
    pending.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "Reporting-MTA: dns; gw.example.com\n\n\
Original-Recipient: rfc822;omar@example.net\n\
Final-Recipient: rfc822;Omar@Example.net\nAction: failed\n\
Status: 5.0.0 (permanent failure)\n\
Diagnostic-Code: smtp;  550 'omar@example.net' is not a\n registered gateway user\n\
Remote-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822;quinn@example.com\nAction: Delayed\nStatus: 4.0.0\n";

    #[test]
    fn reads_blocks_and_folded_values() {
        let d = parse(TWO.as_bytes());
        assert_eq!(d.reporting_mta, "gw.example.com");
        assert_eq!(d.recipients.len(), 2);
        let r = &d.recipients[0];
        assert_eq!(r.final_recipient, "omar@example.net");
        assert_eq!(r.diagnostic_type, "smtp");
        assert_eq!(
            r.diagnostic,
            "550 'omar@example.net' is not a registered gateway user"
        );
        assert_eq!(r.remote_mta, "mx.example.net");
        assert_eq!(d.recipients[1].action, "delayed");
    }

    #[test]
    fn crlf_and_cr_give_the_same_fields() {
        let d = parse(TWO.as_bytes());
        assert_eq!(parse(TWO.replace('\n', "\r\n").as_bytes()), d);
        assert_eq!(parse(TWO.replace('\n', "\r").as_bytes()), d);
    }

    #[test]
    fn a_source_route_or_a_local_name_gives_way_to_the_original() {
        let raw = "Original-Recipient: rfc822;bob@example.com\n\
Final-Recipient: rfc822;@relay.example.net:bob@store\nAction: failed\n\n\
Final-Recipient: rfc822;<@relay.example.net:cy@example.org>\n\
Action: failed\n\n\
Original-Recipient: rfc822;dee@example.com\n\
Final-Recipient: rfc822;dee.list@example.net\nAction: failed\n\n\
Final-Recipient: rfc822;ed\nAction: failed\n";
        let got: Vec<String> = parse(raw.as_bytes())
            .recipients
            .iter()
            .map(|r| r.recipient().to_string())
            .collect();
        assert_eq!(
            got,
            ["bob@example.com", "cy@example.org", "dee.list@example.net", "ed"]
        );
    }

    #[test]
    fn a_remote_mta_must_be_a_server() {
        let raw = "Final-Recipient: rfc822; a@example.com\nAction: failed\n\
Remote-MTA: X-Unix; filterd\n\n\
Final-Recipient: rfc822; b@example.com\nAction: failed\n\
Remote-MTA: dns; [192.0.2.1]\n";
        let d = parse(raw.as_bytes());
        assert_eq!(d.recipients[0].remote_mta, "");
        assert_eq!(d.recipients[1].remote_mta, "");
        let d = parse(TWO.as_bytes());
        assert_eq!(d.recipients[0].remote_mta, "mx.example.net");
    }

    #[test]
    fn splits_recipients_without_blank_lines() {
        let raw = "Final-Recipient: rfc822; a@example.com\nAction: failed\n\
Status: 5.1.1\nFinal-Recipient: b@example.com\nAction: failed\nStatus: 5.2.2\n";
        let d = parse(raw.as_bytes());
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(d.recipients[1].final_recipient, "b@example.com");
        assert_eq!(d.recipients[1].status, "5.2.2");
    }
}
