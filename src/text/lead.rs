//! The lead reason: many notices state why delivery failed once, in a
//! sentence of their own text before the per-recipient lines or the
//! report's fields (`The user(s) account is disabled.`, `Delivery was
//! aborted after 5 hours:`), and give only a generic reply per recipient.
//! That sentence, without the notice's boilerplate and its address lines,
//! is a part of each recipient's diagnostic, so that the rules can judge
//! it.

use std::sync::LazyLock;

use super::{blocks, reasons, Block, View};
use crate::codes;

/// The longest lead kept, in bytes: a longer text before the recipients
/// is a letter of explanation, not a reason stated once.
const MAX_LEAD: usize = 300;

/// Sentences every notice writes whatever the failure (the mail system's
/// introduction, the apology, the help offer): never a reason.
const BOILERPLATE: &[&str] = &[
    "this is the mail system",
    "this is the mail delivery",
    "mail delivery agent",
    "this report relates to",
    "to have to inform you",
    "the original message was received",
    "was created automatically",
    "automatically generated",
    "delivery status notification",
    "attached below",
    "for further assistance",
    "please include this problem report",
    "you can delete your own text",
    "please contact",
    "please send mail to",
    "the mail system",
    "the following address",
    "one or more recipients",
    "one or more of its recipients",
    "this is a permanent error",
    "qmail-send program",
    "wasn't able to deliver",
    "didn't work out",
    "this is a warning",
];

/// [`BOILERPLATE`] as one case-insensitive automaton, built once.
static BOILERPLATE_FINDER: LazyLock<regex_automata::meta::Regex> =
    LazyLock::new(|| codes::phrase_finder(BOILERPLATE));

/// The reason the report of `view` states before the first of `found`
/// (or before its first coded paragraph), unfolded into one line; `None`
/// when that text holds nothing but boilerplate and addresses.
pub fn lead_reason(view: &View<'_>, found: &[Block]) -> Option<String> {
    let (_, report, _) = view.unquoted();
    let first_block = found.iter().map(|b| b.at).min();
    let first_coded = reasons::paragraphs(report).first().map(|r| r.at);
    let end = first_block
        .into_iter()
        .chain(first_coded)
        .min()
        .unwrap_or(report.len())
        .min(report.len());
    lead_of(&report[..report.floor_char_boundary(end)])
}

/// The lead reason in `text`, the part of a report before its
/// recipients.
fn lead_of(text: &str) -> Option<String> {
    let mut out = String::new();
    for paragraph in text.split("\n\n") {
        let kept: Vec<&str> =
            paragraph.lines().filter(|l| is_reason_line(l)).collect();
        let unfolded = codes::clean_diagnostic(&kept.join(" "));
        for sentence in sentences(&unfolded) {
            if BOILERPLATE_FINDER.is_match(sentence) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(sentence);
        }
        if out.len() > MAX_LEAD {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// True for a line that may state a reason: words, no address, no
/// furniture, no summary of the original.
fn is_reason_line(line: &str) -> bool {
    line.chars().any(char::is_alphabetic)
        && codes::find_address(line).is_none()
        && !blocks::is_furniture(line)
        && !blocks::is_summary_line(line)
}

/// The sentences of one unfolded line.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(". ").map(str::trim).filter(|s| !s.is_empty())
}

/// `diagnostic` followed by `lead`, unless it already says it. The lead
/// goes after, so that the recipient's own reply still opens the text
/// (rules may anchor on it).
pub fn with_lead(lead: Option<&str>, diagnostic: &str) -> String {
    match lead {
        Some(l) if !diagnostic.contains(l) => {
            if diagnostic.is_empty() {
                l.to_string()
            } else {
                format!("{diagnostic} {l}")
            }
        }
        _ => diagnostic.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_leaves_out_boilerplate_and_addresses() {
        let t = "This is the mail system at host mx.example.org.\n\n\
                 I'm sorry to have to inform you that your message could \
                 not\nbe delivered to one or more recipients. It's attached \
                 below.\n\nThe mailbox is closed for good.\n\n\
                 <al@example.com>: 550 unknown\n";
        let found = [Block { at: t.find("<al@").unwrap(), ..Block::default() }];
        assert_eq!(
            lead_reason(&View::new(t), &found).as_deref(),
            Some("The mailbox is closed for good.")
        );
    }

    #[test]
    fn a_notice_of_boilerplate_only_has_no_lead() {
        let t = "This is the mail system at host mx.example.org.\n\n\
                 <al@example.com>: 550 unknown\n";
        let found = [Block { at: t.find("<al@").unwrap(), ..Block::default() }];
        assert_eq!(lead_reason(&View::new(t), &found), None);
    }

    #[test]
    fn a_long_letter_is_no_lead() {
        let t = format!("{}\n\n<al@example.com>: 550\n", "Word. ".repeat(80));
        let found = [Block { at: t.find("<al@").unwrap(), ..Block::default() }];
        assert_eq!(lead_reason(&View::new(&t), &found), None);
    }

    #[test]
    fn the_lead_goes_before_the_diagnostic_once() {
        assert_eq!(with_lead(Some("Gone."), "550 x"), "550 x Gone.");
        assert_eq!(with_lead(Some("Gone."), "Gone. 550 x"), "Gone. 550 x");
        assert_eq!(with_lead(Some("Gone."), ""), "Gone.");
        assert_eq!(with_lead(None, "550 x"), "550 x");
    }
}
