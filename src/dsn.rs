//! The RFC 3464 field parser for `message/delivery-status` parts: one
//! per-message block and one block per recipient, field names
//! case-insensitive, values folded onto indented lines. Tolerates what real
//! servers write: missing blank lines between recipients, missing `rfc822;`
//! prefixes, LF, CRLF or lone-CR line ends. It only reads fields; choosing
//! among them is left to `decode`.

use std::borrow::Cow;

/// The fields of one `message/delivery-status` part, borrowed from its
/// text ([`text_of`]) where they stand there as they are given.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryStatus<'t> {
    /// `Reporting-MTA`, without its `dns;` type.
    pub reporting_mta: Cow<'t, str>,
    /// `Arrival-Date` as written.
    pub arrival_date: Cow<'t, str>,
    /// One entry per recipient block.
    pub recipients: Vec<DsnRecipient<'t>>,
}

/// The per-recipient fields, values unfolded and without their type prefix.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DsnRecipient<'t> {
    /// `Final-Recipient` address.
    pub final_recipient: Cow<'t, str>,
    /// `Original-Recipient` address.
    pub original_recipient: Cow<'t, str>,
    /// `Action`, lower-cased.
    pub action: Cow<'t, str>,
    /// `Status` as written, comment included.
    pub status: Cow<'t, str>,
    /// `Remote-MTA` host.
    pub remote_mta: Cow<'t, str>,
    /// The type of `Diagnostic-Code` (`smtp`, `x-postfix`, ...), lower-cased.
    pub diagnostic_type: Cow<'t, str>,
    /// The text of `Diagnostic-Code`.
    pub diagnostic: Cow<'t, str>,
    /// Vendor fields that carry the real reply (`X-Supplementary-Info`,
    /// `X-Display-Name` is not one), joined.
    pub supplementary: Cow<'t, str>,
    /// `Last-Attempt-Date` as written.
    pub last_attempt: Cow<'t, str>,
    /// Whether `final_recipient` and `original_recipient` are full
    /// addresses (all of each is the address found in it), told when they
    /// are read.
    final_full: bool,
    original_full: bool,
}

impl DsnRecipient<'_> {
    /// The failed address: `Final-Recipient`, unless it is no full address
    /// (a local name, a host without a domain) and `Original-Recipient` is.
    pub fn recipient(&self) -> &str {
        if self.final_full
            || !self.original_full
                && (self.final_recipient.contains('@')
                    || self.original_recipient.is_empty())
        {
            &self.final_recipient
        } else {
            &self.original_recipient
        }
    }
}

/// The text of a `message/delivery-status` part's body, for [`parse`]:
/// read as UTF-8 (or its undeclared charset), LF line ends.
pub fn text_of(raw: &[u8]) -> Cow<'_, str> {
    // Valid UTF-8 (most parts) is told by the word-at-a-time check, not
    // by the lossy reading's byte loop; the text is the same either way.
    let text = match std::str::from_utf8(raw) {
        Ok(t) => crate::charset::undeclared_str(t),
        Err(_) => crate::charset::undeclared_text(raw),
    };
    match text {
        Cow::Borrowed(t) => crate::text::normalize_newlines(t),
        Cow::Owned(t) => match crate::text::normalize_newlines(&t) {
            Cow::Owned(n) => n.into(),
            Cow::Borrowed(_) => t.into(),
        },
    }
}

/// Parses the body of a `message/delivery-status` part, as [`text_of`]
/// gives it.
pub fn parse(text: &str) -> DeliveryStatus<'_> {
    let mut out = DeliveryStatus::default();
    let mut current: Option<DsnRecipient> = None;
    for field in Fields::new(text) {
        let Some((name, value)) = field else {
            // A blank line ends a recipient block.
            if let Some(r) = current.take() {
                push(&mut out, r);
            }
            continue;
        };
        let Some(name) = Name::of(name) else {
            if let Some(r) = current.as_mut() {
                // Unknown fields inside a recipient block stay with it.
                if is_vendor_diagnostic(name) {
                    r.supplementary.to_mut().push_str(&value);
                }
            }
            continue;
        };
        if !name.is_recipients() {
            if current.is_none() {
                per_message(&mut out, name, value);
            }
            continue;
        }
        let r = current.get_or_insert_with(DsnRecipient::default);
        if repeats(r, name) {
            let done = std::mem::take(r);
            push(&mut out, done);
        }
        set(current.as_mut().expect("set above"), name, value);
    }
    if let Some(r) = current.take() {
        push(&mut out, r);
    }
    out
}

fn push<'t>(out: &mut DeliveryStatus<'t>, r: DsnRecipient<'t>) {
    if !r.final_recipient.is_empty() || !r.original_recipient.is_empty() {
        out.recipients.push(r);
    }
}

/// `piece`, a piece of `value`: borrowed from the text where `value` is
/// (a value not unfolded), else copied.
fn piece_of<'t>(value: &Cow<'t, str>, piece: &str) -> Cow<'t, str> {
    if let Cow::Borrowed(v) = value {
        // Where `piece` stands in `v`, if it is there.
        let at = (piece.as_ptr() as usize).wrapping_sub(v.as_ptr() as usize);
        if let Some(p) = v.get(at..at.wrapping_add(piece.len())) {
            return p.into();
        }
    }
    piece.to_string().into()
}

/// `text` lower-cased (ASCII), copied only when it has a capital.
fn lower(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.bytes().any(|c| c.is_ascii_uppercase()) {
        text.to_ascii_lowercase().into()
    } else {
        text
    }
}

fn per_message<'t>(
    out: &mut DeliveryStatus<'t>,
    name: Name,
    value: Cow<'t, str>,
) {
    match name {
        Name::ReportingMta => {
            out.reporting_mta = piece_of(&value, strip_type(&value));
        }
        Name::ArrivalDate => out.arrival_date = value,
        _ => {}
    }
}

/// The fields the parser knows, matched whatever their case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    ReportingMta,
    ArrivalDate,
    FinalRecipient,
    OriginalRecipient,
    Action,
    Status,
    RemoteMta,
    DiagnosticCode,
    LastAttemptDate,
    WillRetryUntil,
    FinalLogId,
    SupplementaryInfo,
    DisplayName,
}

impl Name {
    const ALL: [(&'static str, Name); 13] = [
        ("reporting-mta", Name::ReportingMta),
        ("arrival-date", Name::ArrivalDate),
        ("final-recipient", Name::FinalRecipient),
        ("original-recipient", Name::OriginalRecipient),
        ("action", Name::Action),
        ("status", Name::Status),
        ("remote-mta", Name::RemoteMta),
        ("diagnostic-code", Name::DiagnosticCode),
        ("last-attempt-date", Name::LastAttemptDate),
        ("will-retry-until", Name::WillRetryUntil),
        ("final-log-id", Name::FinalLogId),
        ("x-supplementary-info", Name::SupplementaryInfo),
        ("x-display-name", Name::DisplayName),
    ];

    fn of(name: &str) -> Option<Name> {
        Name::ALL
            .iter()
            .find(|(n, _)| {
                n.len() == name.len() && n.eq_ignore_ascii_case(name)
            })
            .map(|&(_, v)| v)
    }

    /// True for the fields of a recipient block.
    fn is_recipients(self) -> bool {
        !matches!(self, Name::ReportingMta | Name::ArrivalDate)
    }
}

/// An unknown `X-...Diagnostic...` field: a vendor's copy of the reply.
fn is_vendor_diagnostic(name: &str) -> bool {
    let lower = |n: &str| n.to_ascii_lowercase();
    name.get(..2).is_some_and(|x| x.eq_ignore_ascii_case("x-"))
        && lower(name).contains("diagnostic")
}

/// True when `name` is already set in `r`, so a new recipient starts.
fn repeats(r: &DsnRecipient, name: Name) -> bool {
    match name {
        Name::FinalRecipient => !r.final_recipient.is_empty(),
        Name::OriginalRecipient => !r.original_recipient.is_empty(),
        Name::Action => !r.action.is_empty(),
        Name::Status => !r.status.is_empty(),
        _ => false,
    }
}

fn set<'t>(r: &mut DsnRecipient<'t>, name: Name, value: Cow<'t, str>) {
    match name {
        Name::FinalRecipient => {
            (r.final_recipient, r.final_full) = address(&value);
        }
        Name::OriginalRecipient => {
            (r.original_recipient, r.original_full) = address(&value);
        }
        Name::Action => r.action = lower(piece_of(&value, value.trim())),
        Name::Status => r.status = value,
        Name::RemoteMta => r.remote_mta = remote_host(&value),
        Name::DiagnosticCode => match value.split_once(';') {
            Some((ty, text)) if !ty.contains(' ') || ty.len() < 12 => {
                r.diagnostic_type = lower(piece_of(&value, ty.trim()));
                r.diagnostic = piece_of(&value, text.trim());
            }
            _ => r.diagnostic = value,
        },
        Name::SupplementaryInfo => r.supplementary = value,
        Name::LastAttemptDate => r.last_attempt = value,
        _ => {}
    }
}

/// `rfc822; <Bob@Example.com>` -> `bob@example.com` (malformed values are
/// kept as written, minus brackets, so nothing is lost), and whether it is
/// a full address (all of it is the address found in it).
fn address<'t>(value: &Cow<'t, str>) -> (Cow<'t, str>, bool) {
    let v = strip_type(value);
    // A source route (`<@relay.example:bob@example.com>`) names relays.
    let v = match v.trim_start_matches('<').strip_prefix('@') {
        Some(route) => route.split_once(':').map_or(v, |(_, a)| a),
        None => v,
    };
    let found = crate::codes::find_address(v);
    let a = found.unwrap_or(v).trim_matches(['<', '>', ' ', '"', '\'']);
    // An address found is all of itself; trimmed (of a leading quote) it
    // is asked again. Where none is found, none is in what is kept.
    let full = found.is_some_and(|f| {
        f.len() == a.len() || crate::codes::find_address(a) == Some(a)
    });
    (lower(piece_of(value, a)), full)
}

/// A `Remote-MTA` host: only a DNS name is one (`X-Unix; mirapoint` names
/// a local program, not a server).
fn remote_host<'t>(value: &Cow<'t, str>) -> Cow<'t, str> {
    let ty = value.split_once(';').map(|(t, _)| t.trim());
    let h = host(value);
    let dns = ty.is_none_or(|t| t.eq_ignore_ascii_case("dns"));
    if dns || crate::codes::is_hostname(&h) {
        h
    } else {
        Cow::Borrowed("")
    }
}

/// `dns; mx.example.net` -> `mx.example.net`; drops `[ip]` and comments.
fn host<'t>(value: &Cow<'t, str>) -> Cow<'t, str> {
    let v = strip_type(value);
    let v = v.split(['[', '(', ' ']).next().unwrap_or_default();
    lower(piece_of(value, v.trim_end_matches('.')))
}

fn strip_type(value: &str) -> &str {
    // Values are short: plain byte loops cost less here than the set-up
    // of a vectorized search.
    match value.bytes().position(|c| c == b';') {
        Some(p) if !has_space(value[..p].trim()) => value[p + 1..].trim(),
        _ => value.trim(),
    }
}

/// True when `s` holds a space (a plain loop: `s` is short).
fn has_space(s: &str) -> bool {
    s.bytes().any(|c| c == b' ')
}

/// Yields each field of an LF text as (name, unfolded value), and `None`
/// for a blank line. A line that is no field (no colon, or a name with a
/// space) is dropped with its continuation lines.
struct Fields<'t> {
    text: &'t str,
    /// Where the next line starts.
    at: usize,
}

impl<'t> Fields<'t> {
    fn new(text: &'t str) -> Self {
        Fields { text, at: 0 }
    }

    /// The next line, without its LF.
    fn line(&mut self) -> Option<&'t str> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        self.at += (end + 1).min(rest.len());
        Some(&rest[..end])
    }

    /// The next line if it continues the field before it: indented and
    /// not blank.
    fn continuation(&mut self) -> Option<&'t str> {
        let rest = &self.text[self.at..];
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        let line = &rest[..end];
        if crate::text::is_blank(line) {
            return None;
        }
        self.at += (end + 1).min(rest.len());
        Some(line)
    }
}

/// Where the colon after a plain name stands in `line`: a name that
/// starts the line and is all printable ASCII (no space), so that it is
/// what [`split_field`] gives, untrimmed. `None` for any other line.
fn plain_name(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    // One pass: each byte is either the colon or a printable ASCII one.
    for (i, &c) in b.iter().enumerate() {
        if c == b':' {
            return (i > 0).then_some(i);
        }
        if !c.is_ascii_graphic() {
            return None;
        }
    }
    None
}

/// A line split at its first colon into the trimmed name and the value,
/// if the name is not empty and holds no space.
fn split_field(line: &str) -> Option<(&str, &str)> {
    line.bytes()
        .position(|c| c == b':')
        .map(|p| (line[..p].trim(), &line[p + 1..]))
        .filter(|(n, _)| !n.is_empty() && !has_space(n))
}

/// `s.trim()`: ASCII white space is passed over byte by byte, and only
/// an end past ASCII is left to `trim`.
fn trim(s: &str) -> &str {
    let space = |c: &u8| matches!(c, b'\t'..=b'\r' | b' ');
    let b = s.as_bytes();
    let start = b.iter().position(|c| !space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !space(c)).map_or(start, |e| e + 1);
    let t = &s[start..end.max(start)];
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(f), Some(l)) if !f.is_ascii() || !l.is_ascii() => t.trim(),
        _ => t,
    }
}

impl<'t> Iterator for Fields<'t> {
    type Item = Option<(&'t str, Cow<'t, str>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.line()?;
            let field = match plain_name(line) {
                Some(p) => Some((&line[..p], &line[p + 1..])),
                None => {
                    if crate::text::is_blank(line) {
                        return Some(None);
                    }
                    split_field(line)
                }
            };
            let mut value = field.map(|(_, v)| Cow::Borrowed(trim(v)));
            while let Some(cont) = self.continuation() {
                if let Some(v) = value.as_mut() {
                    let v = v.to_mut();
                    v.push(' ');
                    v.push_str(trim(cont));
                }
            }
            if let (Some((name, _)), Some(value)) = (field, value) {
                return Some(Some((name, value)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`parse`] of the text of `raw`, kept for the test's length.
    fn read(raw: &str) -> DeliveryStatus<'static> {
        let text = text_of(raw.as_bytes()).into_owned();
        parse(Box::leak(text.into_boxed_str()))
    }

    #[test]
    fn full_addresses_told_when_read_are_those_a_search_finds() {
        let pieces = [
            "a",
            "B",
            "@",
            ".",
            "-",
            "'",
            "\"",
            "<",
            ">",
            " ",
            "x.org",
            ";",
            "rfc822;",
            ":",
            "@r.example:",
            "é",
        ];
        let full = |a: &str| crate::codes::find_address(a) == Some(a);
        for t in crate::codes::random_texts(&pieces, 41, 5000, 10) {
            let (a, told) = address(&Cow::Borrowed(t.as_str()));
            assert_eq!(told, full(&a), "{t:?}");
            let owned: Cow<'_, str> = Cow::Owned(t.clone());
            assert_eq!(address(&owned), (a, told), "{t:?}");
        }
    }

    /// The fields of `text` read the plain way: `is_blank`, then the
    /// first colon, then `trim` of name and value.
    fn plain_fields(text: &str) -> Vec<Option<(&str, String)>> {
        let lines: Vec<&str> = text.split('\n').collect();
        let lines = match text.is_empty() || text.ends_with('\n') {
            true => &lines[..lines.len() - 1],
            false => &lines[..],
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            if crate::text::is_blank(line) {
                out.push(None);
                continue;
            }
            let field = line
                .find(':')
                .map(|p| (line[..p].trim(), &line[p + 1..]))
                .filter(|(n, _)| !n.is_empty() && !n.contains(' '));
            let mut value = field.map(|(_, v)| v.trim().to_string());
            while let Some(&c) = lines.get(i) {
                if !c.starts_with([' ', '\t']) || crate::text::is_blank(c) {
                    break;
                }
                i += 1;
                if let Some(v) = value.as_mut() {
                    v.push(' ');
                    v.push_str(c.trim());
                }
            }
            if let (Some((n, _)), Some(v)) = (field, value) {
                out.push(Some((n, v)));
            }
        }
        out
    }

    #[test]
    fn fields_are_those_read_the_plain_way() {
        let pieces = [
            "Status", "a", "-", ":", " ", "\t", "\n", "\n ", "\u{a0}", "é",
            "\u{2003}", "\r", ";", "x", "\x0b", "\u{85}",
        ];
        for t in crate::codes::random_texts(&pieces, 43, 5000, 12) {
            let got: Vec<_> = Fields::new(&t)
                .map(|f| f.map(|(n, v)| (n, v.into_owned())))
                .collect();
            assert_eq!(got, plain_fields(&t), "{t:?}");
        }
    }

    const TWO: &str = "Reporting-MTA: dns; gw.example.com\n\n\
Original-Recipient: rfc822;omar@example.net\n\
Final-Recipient: rfc822;Omar@Example.net\nAction: failed\n\
Status: 5.0.0 (permanent failure)\n\
Diagnostic-Code: smtp;  550 'omar@example.net' is not a\n registered gateway user\n\
Remote-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822;quinn@example.com\nAction: Delayed\nStatus: 4.0.0\n";

    #[test]
    fn reads_blocks_and_folded_values() {
        let d = read(TWO);
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
        let d = read(TWO);
        assert_eq!(read(&TWO.replace('\n', "\r\n")), d);
        assert_eq!(read(&TWO.replace('\n', "\r")), d);
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
        let got: Vec<String> = read(&raw)
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
        let d = read(&raw);
        assert_eq!(d.recipients[0].remote_mta, "");
        assert_eq!(d.recipients[1].remote_mta, "");
        let d = read(TWO);
        assert_eq!(d.recipients[0].remote_mta, "mx.example.net");
    }

    #[test]
    fn names_in_any_case_vendor_diagnostics_and_stray_lines() {
        let raw = "REPORTING-mta: dns; gw.example.com\n\n\
Final-Recipient: rfc822; a@example.com\nACTION: Failed\n\
X-Vendor-Diagnostic: 550 5.1.1\n no such user\n\
a line that is no field\n  and its: continuation\n\
Status: 5.0.0\n";
        let d = read(&raw);
        assert_eq!(d.reporting_mta, "gw.example.com");
        assert_eq!(d.recipients.len(), 1);
        let r = &d.recipients[0];
        assert_eq!((&*r.action, &*r.status), ("failed", "5.0.0"));
        assert_eq!(r.supplementary, "550 5.1.1 no such user");
    }

    #[test]
    fn a_line_of_white_space_ends_a_block() {
        for blank in ["", " ", "\t ", "\x0b", "\u{a0}"] {
            let raw = format!(
                "Final-Recipient: rfc822; a@example.com\nAction: failed\n\
{blank}\nFinal-Recipient: rfc822; b@example.com\n"
            );
            assert_eq!(read(&raw).recipients.len(), 2, "{blank:?}");
        }
    }

    #[test]
    fn splits_recipients_without_blank_lines() {
        let raw = "Final-Recipient: rfc822; a@example.com\nAction: failed\n\
Status: 5.1.1\nFinal-Recipient: b@example.com\nAction: failed\nStatus: 5.2.2\n";
        let d = read(&raw);
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(d.recipients[1].final_recipient, "b@example.com");
        assert_eq!(d.recipients[1].status, "5.2.2");
    }
}
