//! The lead reason: many notices state why delivery failed once, in a
//! sentence of their own text before the per-recipient lines or the
//! report's fields (`The user(s) account is disabled.`, `Delivery was
//! aborted after 5 hours:`), and give only a generic reply per recipient.
//! That sentence, without the notice's boilerplate and its address lines,
//! is a part of each recipient's diagnostic, so that the rules can judge
//! it.

use std::cell::RefCell;
use std::sync::LazyLock;

use super::{blocks, reasons, Block, View};
use crate::codes;
use crate::recent::Recent;

/// The longest lead kept, in bytes: a longer text before the recipients
/// is a letter of explanation, not a reason stated once.
const MAX_LEAD: usize = 300;

/// The longest text before the recipients that is read for a lead, in
/// bytes: boilerplate included, a notice's introduction is shorter.
const MAX_REGION: usize = 1500;

/// Sentences every notice writes whatever the failure (the mail system's
/// introduction, greetings, the apology, the help offer, a bare "could not
/// be delivered", an introduction to the list of recipients): never a
/// reason. A sentence is boilerplate when it holds one of
/// [`BOILERPLATE_PHRASES`] or matches one of [`BOILERPLATE_PATTERNS`].
///
/// The phrases: plain text found anywhere in a sentence, ignoring ASCII
/// case.
const BOILERPLATE_PHRASES: &[&str] = &[
    "this is the mail system",
    "this is the mail delivery",
    "this is the postfix program",
    "this is the mailer-daemon",
    "enclosed is",
    "number of attempts",
    "trouble delivering",
    "to inform you",
    "to tell you",
    "to have to inform you",
    "to have to tell you",
    "i am sending you this message",
    "this report relates to",
    "the original message was received",
    "created automatically",
    "generated automatically",
    "sent automatically",
    "automatically generated",
    "automated notification",
    "automated alert notification",
    "delivery status notification",
    "delivery failure notification",
    "自動的に",
    "автоматически",
    "attached below",
    "for further assistance",
    "please contact",
    "please send mail to",
    "please include this problem report",
    "you can delete your own text",
    "please verify",
    "do not reply",
    "don't reply",
    "no need to resend",
    "not need to resend",
    "one or more recipients",
    "one or more of its recipients",
    "all of its recipients",
    "all of its intended recipients",
    "one of its recipients",
    "one of its intended recipients",
    "this is a permanent error",
    "this is a warning",
    "to some recipients",
    "some recipients failed",
    "qmail-send program",
    "wasn't able to deliver",
    "didn't work out",
    "full details follow",
    "transcript of session",
    "transcript of attempts",
    "transcript of the session",
    "transcript of the attempts",
    "forward message",
    "forwarded message",
    "forward the message",
    "forwarded the message",
    "message identifier is",
    "subject of the message is",
    "date of the message is",
    "mime-encapsulated",
    "multipart message",
    "multi-part message",
    "content-type:",
];

/// The patterns: matched case-insensitively against sentences written one
/// a line (`^` and `$` are a sentence's start and end; no pattern may
/// cross a line end).
const BOILERPLATE_PATTERNS: &[&str] = &[
    r"this is the [ -~]{0,40}(mail agent|mail server)",
    r"^the (mail system|postfix program)([ .,]|$)",
    r"^(your|a|the) message( sent by)?$|because of:?$|message below:?$",
    r"^(hi|hello|dear [ -~]{0,40})[ .!,]*$",
    r"^message from [a-z0-9.-]+\.?$",
    r"^your (mail|message) sent on",
    r"^(message|mail) delivery (has )?failed[ .:!]*$",
    r"^(\*+ )?(this |your |the |a )?(message|mail|e-?mail)( that)?( you sent)?( was| has been)? (could not|couldn't|cannot|can not|was not|wasn't|has not been|not)( be)? (delivered|sent)( to)?[ .:*]*$",
];

/// [`BOILERPLATE_PHRASES`] as one automaton, built once: a DFA built
/// ahead, so that new text costs no building of states while it is read.
static PHRASE_FINDER: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .ascii_case_insensitive(true)
            .build(BOILERPLATE_PHRASES)
            .expect("the boilerplate phrases build")
    });

/// [`BOILERPLATE_PATTERNS`] as one automaton, built once. The patterns
/// avoid `\b` and Unicode `.`, which would keep the fast DFA search from
/// running on non-ASCII text; they are few, so that the lazy DFA meets
/// few states.
static BOILERPLATE_FINDER: LazyLock<regex_automata::meta::Regex> =
    LazyLock::new(|| {
        let pattern = format!("(?im-u)(?:{})", BOILERPLATE_PATTERNS.join("|"));
        regex_automata::meta::Regex::builder()
            .configure(
                regex_automata::meta::Config::new()
                    .hybrid_cache_capacity(16 << 20),
            )
            .build(&pattern)
            .expect("the boilerplate patterns compile")
    });

/// True for a sentence that states no reason ([`reasons_among`]).
#[cfg(test)]
fn is_boilerplate(sentence: &str) -> bool {
    !reasons_among(sentence, &[(0, sentence.len())])[0]
}

/// For each sentence of `joined` (at `spans`, one a line), whether it
/// may state a reason: it is no boilerplate, no single word (a fragment
/// left by an address line), and no introduction to the list of
/// recipients (`Delivery to the following recipients failed:`) unless it
/// gives a measure such as a time. The patterns run once over all the
/// sentences, not once per sentence.
fn reasons_among(joined: &str, spans: &[(usize, usize)]) -> Vec<bool> {
    let boiler = boilerplate_marks(joined, spans);
    let intro = marked(joined, spans, regex_ends(&INTRO_FINDER, joined));
    spans
        .iter()
        .zip(boiler.iter().zip(&intro))
        .map(|(&(s, e), (&boiler, &intro))| {
            let sentence = &joined[s..e];
            let fragment = sentence.split_whitespace().nth(1).is_none()
                && sentence.is_ascii();
            let intro = intro || sentence.ends_with(':');
            !(fragment || boiler || intro && !has_measure(sentence))
        })
        .collect()
}

/// For each sentence of `joined` (at `spans`), whether it holds one of
/// [`BOILERPLATE_PHRASES`] or matches one of [`BOILERPLATE_PATTERNS`].
fn boilerplate_marks(joined: &str, spans: &[(usize, usize)]) -> Vec<bool> {
    let phrase_ends = |at: usize| {
        let input = aho_corasick::Input::new(joined).range(at..);
        PHRASE_FINDER.find(input).map(|m| m.end())
    };
    let mut out = marked(joined, spans, phrase_ends);
    let pattern =
        marked(joined, spans, regex_ends(&BOILERPLATE_FINDER, joined));
    for (o, p) in out.iter_mut().zip(pattern) {
        *o |= p;
    }
    out
}

/// Where the earliest match of `re` in `joined` from a byte on ends.
fn regex_ends<'a>(
    re: &'a regex_automata::meta::Regex,
    joined: &'a str,
) -> impl FnMut(usize) -> Option<usize> + 'a {
    move |at| {
        let input = regex_automata::Input::new(joined).range(at..);
        re.search_half(&input).map(|m| m.offset())
    }
}

/// For each sentence of `joined` (at `spans`), whether a match that
/// holds no line end is found in it; `end_from(at)` gives the end of the
/// earliest match from byte `at` on. Only match ends are searched for (no
/// reverse scan), and a sentence is left as soon as it has one.
fn marked(
    joined: &str,
    spans: &[(usize, usize)],
    mut end_from: impl FnMut(usize) -> Option<usize>,
) -> Vec<bool> {
    let mut out = vec![false; spans.len()];
    let mut at = 0;
    while at < joined.len() {
        let Some(end) = end_from(at) else { break };
        let i = spans.partition_point(|s| s.1 < end).min(spans.len() - 1);
        out[i] = true;
        at = spans[i].1 + 1;
    }
    out
}

/// Words of a sentence introducing the list of recipients.
static INTRO_FINDER: LazyLock<regex_automata::meta::Regex> =
    LazyLock::new(|| {
        codes::phrase_finder(&["the following", "these recipients", "below"])
    });

/// True when a word of `sentence` is a number (`5`, `5.0`): a time or a
/// count that makes a sentence more than an introduction.
fn has_measure(sentence: &str) -> bool {
    sentence.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        w.starts_with(|c: char| c.is_ascii_digit())
            && w.bytes().all(|c| c.is_ascii_digit() || c == b'.')
    })
}

/// The reason the report of `view` states before the first of `found`
/// (or before its first coded paragraph), unfolded into one line; `None`
/// when that text holds nothing but boilerplate and addresses, or is too
/// long to be a lead.
pub fn lead_reason(view: &View<'_>, found: &[Block]) -> Option<String> {
    let (_, report, _) = view.unquoted();
    let first = found.iter().map(|b| b.at).min().unwrap_or(report.len());
    let before = &report[..report.floor_char_boundary(first)];
    // A long text before the recipients is a letter, not a lead: only its
    // first bytes need a look for a coded paragraph.
    let window = &before[..before.floor_char_boundary(MAX_REGION + 1)];
    if window.len() < before.len() {
        // Rare: only a coded paragraph within the window makes a lead.
        let end = reasons::first_paragraph_at(window)?;
        return (end <= MAX_REGION).then(|| lead_of(&before[..end]))?;
    }
    // The lead is a function of `before` alone here; notices of one
    // template share it, so it is worked out once per text.
    MEMO.with_borrow_mut(|memo| {
        if let Some(known) = memo.get(before) {
            return known.as_deref().map(str::to_string);
        }
        let end = reasons::first_paragraph_at(before).unwrap_or(before.len());
        let lead = (end <= MAX_REGION).then(|| lead_of(&before[..end]))?;
        memo.put(before, lead.as_deref().map(Box::from));
        lead
    })
}

/// Texts before the recipients remembered at most, per thread.
const MEMO_ENTRIES: usize = 1024;

thread_local! {
    /// Text before the recipients (at most [`MAX_REGION`] + 1 bytes) ->
    /// its lead reason, for the texts met lately on this thread.
    static MEMO: RefCell<Recent<Option<Box<str>>>> =
        RefCell::new(Recent::new(MEMO_ENTRIES, MAX_REGION + 1));
}

/// The lead reason in `text`, the part of a report before its
/// recipients.
fn lead_of(text: &str) -> Option<String> {
    // The sentences, one a line, each paragraph unfolded.
    let mut joined = String::new();
    let mut spans = Vec::new();
    let mut unfolded = String::new();
    for paragraph in text.split("\n\n") {
        unfolded.clear();
        for line in super::lines(paragraph).filter(|l| is_reason_line(l)) {
            for word in line.split_whitespace() {
                if !unfolded.is_empty() {
                    unfolded.push(' ');
                }
                unfolded.push_str(word);
            }
        }
        for sentence in sentences(&unfolded) {
            spans.push((joined.len(), joined.len() + sentence.len()));
            joined.push_str(sentence);
            joined.push('\n');
        }
    }
    let keep = reasons_among(&joined, &spans);
    let mut out = String::new();
    for (&(s, e), _) in spans.iter().zip(&keep).filter(|(_, k)| **k) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&joined[s..e]);
    }
    (!out.is_empty() && out.len() <= MAX_LEAD).then_some(out)
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
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 1..b.len() {
        if b[i] == b' ' && matches!(b[i - 1], b'.' | b'!' | b'?') {
            out.push(text[start..i].trim());
            start = i + 1;
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| !s.is_empty());
    out
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
    fn a_text_met_again_gives_the_same_lead() {
        let t = "Hello.\n\nThe quota is used up.\n\n<al@example.com>: 552\n";
        let found = [Block { at: t.find("<al@").unwrap(), ..Block::default() }];
        for _ in 0..2 {
            assert_eq!(
                lead_reason(&View::new(t), &found).as_deref(),
                Some("The quota is used up.")
            );
        }
        let other = "Hello.\n\n<al@example.com>: 552\n";
        let found =
            [Block { at: other.find("<al@").unwrap(), ..Block::default() }];
        assert_eq!(lead_reason(&View::new(other), &found), None);
        assert!(MEMO.with_borrow(|m| m.len() >= 2 && m.len() <= MEMO_ENTRIES));
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
    fn a_list_introduction_is_a_reason_only_with_a_measure() {
        assert!(is_boilerplate("Delivery to the following recipients failed:"));
        assert!(is_boilerplate("mx-02.example.net rejected these recipients:"));
        assert!(!is_boilerplate(
            "Delivery to the following recipients was aborted after 5 hours:"
        ));
        assert!(!is_boilerplate("The user(s) account is disabled."));
        assert!(is_boilerplate("This message could not be delivered."));
        assert!(is_boilerplate(
            "Delivery to some recipients failed or is delayed."
        ));
        assert!(is_boilerplate(
            "Your message could not be delivered to some recipients."
        ));
        assert!(is_boilerplate("Message delivery failed."));
        assert!(!is_boilerplate("Message delivery failed: mailbox full."));
    }

    #[test]
    fn the_lead_follows_the_diagnostic_once() {
        assert_eq!(with_lead(Some("Gone."), "550 x"), "550 x Gone.");
        assert_eq!(with_lead(Some("Gone."), "Gone. 550 x"), "Gone. 550 x");
        assert_eq!(with_lead(Some("Gone."), ""), "Gone.");
        assert_eq!(with_lead(None, "550 x"), "550 x");
    }

    /// The boilerplate patterns as first written, one table.
    const AS_FIRST_WRITTEN: &[&str] = &[
        r"this is the (mail system|mail delivery|postfix program|mailer-daemon)",
        r"this is the [ -~]{0,40}(mail agent|mail server)",
        r"^the (mail system|postfix program)([ .,]|$)",
        r"^(your|a|the) message( sent by)?$|because of:?$|message below:?$",
        r"enclosed is|number of attempts|trouble delivering",
        r"^(hi|hello|dear [ -~]{0,40})[ .!,]*$",
        r"to (have to )?(inform|tell) you",
        r"i am sending you this message",
        r"this report relates to",
        r"the original message was received",
        r"(created|generated|sent) automatically|automatically generated",
        r"automated (alert )?notification|delivery (status|failure) notification",
        r"自動的に|автоматически",
        r"attached below|for further assistance|please (contact|send mail to)",
        r"please include this problem report|you can delete your own text",
        r"please verify|do not reply|don't reply|(no|not) need to resend",
        r"one or more (of its )?recipients|(all|one) of its (intended )?recipients",
        r"this is a (permanent error|warning)",
        r"qmail-send program|wasn't able to deliver|didn't work out",
        r"full details follow|transcript of (the )?(session|attempts)",
        r"forward(ed)? (the )?message",
        r"^message from [a-z0-9.-]+\.?$",
        r"(message identifier|(subject|date) of the message) is",
        r"^your (mail|message) sent on",
        r"^(message|mail) delivery (has )?failed[ .:!]*$",
        r"to some recipients|some recipients failed",
        r"mime-encapsulated|multi-?part message|content-type:",
        r"^(\*+ )?(this |your |the |a )?(message|mail|e-?mail)( that)?( you sent)?( was| has been)? (could not|couldn't|cannot|can not|was not|wasn't|has not been|not)( be)? (delivered|sent)( to)?[ .:*]*$",
    ];

    /// [`boilerplate_marks`] as first written: one regex over
    /// [`AS_FIRST_WRITTEN`].
    fn boilerplate_marks_plainly(
        joined: &str,
        spans: &[(usize, usize)],
    ) -> Vec<bool> {
        let pattern = format!("(?im-u)(?:{})", AS_FIRST_WRITTEN.join("|"));
        let re = regex_automata::meta::Regex::new(&pattern).unwrap();
        marked(joined, spans, regex_ends(&re, joined))
    }

    #[test]
    fn boilerplate_is_marked_as_by_the_patterns_first_written() {
        let mut pieces: Vec<&str> = vec![
            "\n",
            " ",
            ".",
            ":",
            "*",
            "!",
            ",",
            "x",
            "5",
            "\u{e9}",
            "Dear ",
            "HELLO",
            "hi",
            "mx.example.org",
            "message",
            "Mail ",
            "e-mail ",
            "could not ",
            "be ",
            "delivered",
            " to",
            "This is the ",
            "mail agent",
            "MAIL SERVER",
            "because of",
            "your ",
            "sent on",
            "message from ",
            "The ",
            "A ",
            "was ",
            "MESSAGE BELOW",
            "\u{410}\u{412}\u{422}",
            "Postfix Program",
            " sent by",
        ];
        for phrase in BOILERPLATE_PHRASES {
            pieces.push(phrase);
            pieces
                .push(&phrase[..phrase.floor_char_boundary(phrase.len() / 2)]);
            pieces.push(&phrase[phrase.ceil_char_boundary(phrase.len() / 2)..]);
        }
        // Short sentences, so that many hold no boilerplate.
        pieces.extend(["\n"; 40]);
        let upper: Vec<String> =
            BOILERPLATE_PHRASES.iter().map(|p| p.to_uppercase()).collect();
        pieces.extend(upper.iter().map(String::as_str));
        let (mut boiler, mut plain) = (0, 0);
        for text in codes::random_texts(&pieces, 41, 3000, 40) {
            let mut joined = String::new();
            let mut spans = Vec::new();
            for sentence in text.split('\n') {
                spans.push((joined.len(), joined.len() + sentence.len()));
                joined.push_str(sentence);
                joined.push('\n');
            }
            let fast = boilerplate_marks(&joined, &spans);
            assert_eq!(
                fast,
                boilerplate_marks_plainly(&joined, &spans),
                "{joined:?}"
            );
            boiler += fast.iter().filter(|b| **b).count();
            plain += fast.iter().filter(|b| !**b).count();
        }
        assert!(boiler > 2000 && plain > 2000, "{boiler} {plain}");
    }
}
