//! Which SMTP command the remote server's failure reply answered, from the
//! words servers write around the reply: Postfix's `(in reply to RCPT TO
//! command)`, Exim's `SMTP error from remote mail server after end of data`,
//! qmail's `does not like recipient`, DragonFly's `did not like our MAIL
//! FROM`. The names are those of the `command` fact: `connect`, `helo`,
//! `starttls`, `auth`, `mail`, `rcpt`, `data`.

use std::sync::LazyLock;

/// The phrases, each with the command it names. Words match across any run
/// of white space (a report may fold a phrase over two lines), case does
/// not matter, and a phrase ending in a letter must end a word.
const PHRASES: &[(&str, &str)] = &[
    // Postfix.
    ("in reply to RCPT TO command", "rcpt"),
    ("in reply to end of DATA command", "data"),
    ("in reply to DATA command", "data"),
    ("in reply to MAIL FROM command", "mail"),
    ("in reply to EHLO command", "helo"),
    ("in reply to HELO command", "helo"),
    ("in reply to STARTTLS command", "starttls"),
    ("in reply to AUTH command", "auth"),
    ("in reply to initial greeting", "connect"),
    ("refused to talk to me", "connect"),
    // Exim.
    ("after RCPT TO", "rcpt"),
    ("after pipelined RCPT TO", "rcpt"),
    ("after end of data", "data"),
    ("after DATA:", "data"),
    ("after pipelined DATA", "data"),
    ("after MAIL FROM", "mail"),
    ("after pipelined MAIL FROM", "mail"),
    ("after initial connection", "connect"),
    ("after EHLO", "helo"),
    ("after HELO", "helo"),
    ("after STARTTLS", "starttls"),
    ("after AUTH", "auth"),
    // A labelled step (m-FILTER: `SMTP command` over the verb).
    ("SMTP command RCPT", "rcpt"),
    ("SMTP command MAIL", "mail"),
    ("SMTP command DATA", "data"),
    // DragonFly.
    ("did not like our RCPT TO", "rcpt"),
    ("did not like our DATA", "data"),
    ("did not like our final DATA", "data"),
    ("did not like our MAIL FROM", "mail"),
    ("did not like our EHLO", "helo"),
    ("did not like our HELO", "helo"),
    // qmail.
    ("does not like recipient", "rcpt"),
    ("failed after I sent the message", "data"),
    ("but sender was rejected", "mail"),
    ("but my name was rejected", "helo"),
    ("but greeting failed", "connect"),
    ("for RCPT TO response", "rcpt"),
    // Other servers' labels of the step.
    ("SMTP:RCPT", "rcpt"),
    ("[RCPT_TO]", "rcpt"),
];

/// [`PHRASES`] as one regular expression: pattern `i` is phrase `i`. It
/// states what [`named_in`] finds (the tests hold them to each other).
#[cfg(test)]
static AUTOMATON: LazyLock<Option<regex_automata::meta::Regex>> =
    LazyLock::new(|| {
        let patterns: Vec<String> = PHRASES
            .iter()
            .map(|(phrase, _)| {
                let words: Vec<String> =
                    phrase.split(' ').map(regex_syntax::escape).collect();
                let end = phrase.ends_with(|c: char| c.is_ascii_alphabetic());
                format!(
                    "{}{}",
                    words.join(r"\s+"),
                    if end { r"\b" } else { "" }
                )
            })
            .collect();
        regex_automata::meta::Regex::builder()
            .syntax(
                regex_automata::util::syntax::Config::new()
                    .case_insensitive(true)
                    .unicode(false),
            )
            .build_many(&patterns)
            .ok()
    });

/// [`PHRASES`] lower-cased, as an automaton built once (`kind` its match
/// kind): it runs on text lower-cased with each run of white space made
/// one space, where a phrase is plain text.
fn finder(kind: aho_corasick::MatchKind) -> Option<aho_corasick::AhoCorasick> {
    let phrases = PHRASES.iter().map(|(p, _)| p.to_ascii_lowercase());
    aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .match_kind(kind)
        .build(phrases)
        .ok()
}

/// The leftmost-first match of [`finder`].
static FIRST: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| finder(aho_corasick::MatchKind::LeftmostFirst));

/// Every match of [`finder`], needed only when the leftmost-first one
/// ends inside a word (rare: built when first needed).
static ALL: LazyLock<Option<aho_corasick::AhoCorasick>> =
    LazyLock::new(|| finder(aho_corasick::MatchKind::Standard));

/// Pieces of words of which every phrase holds one (`reply`, `refused`,
/// `after`, `command`, `like`, `but`, `greeting`, `rcpt`), seldom met in
/// reasons that name no command.
const ANCHORS: &[&str] =
    &["epl", "efu", "aft", "mma", "lik", "but", "eet", "rcp"];

/// [`ANCHORS`] as one SIMD searcher built once (`None` where the machine
/// has no such searcher). A piece holds no white space, so closing up
/// white space neither makes nor breaks one: a text lower-cased without
/// one holds no phrase.
static ANCHOR: LazyLock<Option<aho_corasick::packed::Searcher>> =
    LazyLock::new(|| aho_corasick::packed::Searcher::new(ANCHORS));

/// The longest phrase, in bytes.
const LONGEST: usize = {
    let mut i = 0;
    let mut longest = 0;
    while i < PHRASES.len() {
        if PHRASES[i].0.len() > longest {
            longest = PHRASES[i].0.len();
        }
        i += 1;
    }
    longest
};

/// The command the first phrase of `text` names, or `""` when it names
/// none.
///
/// The phrase that starts first wins, and of those that start at the same
/// place, the first of [`PHRASES`] (what [`AUTOMATON`] finds). They are
/// found in one cheap pass over a folded copy of `text` (lower case, each
/// run of white space one space), where a match must end a word when its
/// phrase ends in a letter; a text without an anchor (most) is neither
/// closed up nor searched.
pub fn named_in(text: &str) -> &'static str {
    let mut folded = lower(text);
    if ANCHOR.as_ref().is_some_and(|a| a.find(&folded).is_none()) {
        return "";
    }
    close_up(&mut folded);
    let Some(first) = FIRST.as_ref() else { return "" };
    let valid = |m: &aho_corasick::Match| {
        let ends_word = PHRASES[m.pattern().as_usize()]
            .0
            .ends_with(|c: char| c.is_ascii_alphabetic());
        !(ends_word && folded.get(m.end()).is_some_and(|&c| is_word_byte(c)))
    };
    let Some(m) = first.find(&folded[..]) else { return "" };
    if valid(&m) {
        return PHRASES[m.pattern().as_usize()].1;
    }
    // Rare: the leftmost-first phrase runs on into a word; the answer is
    // the valid match that starts first, then the first phrase.
    let Some(all) = ALL.as_ref() else { return "" };
    let mut best: Option<(usize, usize)> = None;
    for m in all.find_overlapping_iter(&folded[..]) {
        // Matches come by where they end: once one ends a whole phrase
        // length past the best start, none can start before it.
        if best.is_some_and(|(start, _)| m.end() > start + LONGEST) {
            break;
        }
        let key = (m.start(), m.pattern().as_usize());
        if valid(&m) && best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    best.map_or("", |(_, pattern)| PHRASES[pattern].1)
}

/// `text` with ASCII letters lower-cased and each run of white space
/// made one space.
#[cfg(test)]
fn fold(text: &str) -> Vec<u8> {
    let mut out = lower(text);
    close_up(&mut out);
    out
}

/// `text` with ASCII letters lower-cased and tab, LF, VT, FF and CR
/// (bytes 9 to 13) made spaces, in one pass of selects, which the
/// compiler does many at a time.
fn lower(text: &str) -> Vec<u8> {
    text.bytes()
        .map(|c| match c.wrapping_sub(b'\t') < 5 {
            true => b' ',
            false => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Closes up each run of spaces in `out` to one space, in place.
fn close_up(out: &mut Vec<u8>) {
    // Runs of spaces, found two at a time.
    let Some(first) = crate::codes::find_two_spaces(out) else { return };
    let (mut read, mut write) = (first + 1, first + 1);
    while read < out.len() {
        while out.get(read) == Some(&b' ') {
            read += 1;
        }
        let end = crate::codes::find_two_spaces(&out[read..])
            .map_or(out.len(), |p| read + p + 1);
        out.copy_within(read..end, write);
        write += end - read;
        read = end;
    }
    out.truncate(write);
}

/// A byte of a word, for `\b` without Unicode.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// [`named_in`] by [`AUTOMATON`] on the text itself: what it must always
/// agree with.
#[cfg(test)]
fn named_in_plainly(text: &str) -> &'static str {
    let Some(re) = AUTOMATON.as_ref() else { return "" };
    re.find(text).map_or("", |m| PHRASES[m.pattern().as_usize()].1)
}

/// The command a recorded dialogue line starting with `verb` (`RCPT To:<a>`,
/// `DATA`) gave, or `""` for one that names no failing step (`QUIT`).
pub fn of_verb(verb: &str) -> &'static str {
    let head = verb.get(..4).unwrap_or(verb).to_ascii_uppercase();
    match head.as_str() {
        "RCPT" => "rcpt",
        "MAIL" => "mail",
        "DATA" => "data",
        "EHLO" | "HELO" | "LHLO" => "helo",
        "STAR" => "starttls",
        "AUTH" => "auth",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::{named_in, named_in_plainly, of_verb, PHRASES};

    #[test]
    fn postfix_exim_qmail_and_dragonfly_phrases() {
        let cases = [
            ("550 5.1.1 <a@example.com>: User unknown (in reply to RCPT TO command)", "rcpt"),
            ("550 5.7.1 spam (in reply to end of DATA\n    command)", "data"),
            ("553 sender denied (in reply to MAIL FROM command)", "mail"),
            ("SMTP error from remote mail server after RCPT TO:<b@example.com>: 550 no such user", "rcpt"),
            ("SMTP error from remote mail server after end of data: 550 rejected", "data"),
            ("SMTP error from remote mail server after MAIL FROM:<s@example.org> SIZE=12: 550 denied", "mail"),
            ("SMTP error from remote mail server after initial connection: 554 go away", "connect"),
            ("mx.example.com [192.0.2.9] did not like our RCPT TO: 550 unknown", "rcpt"),
            ("192.0.2.9 does not like recipient. Remote host said: 550 no", "rcpt"),
            ("Connected to 192.0.2.9 but sender was rejected.", "mail"),
            ("host mx.example.com[192.0.2.9] refused to talk to me: 554 no", "connect"),
            ("-------server message\n550 no\n\n-------SMTP command\nDATA\n", "data"),
            ("SMTP:RCPT host 192.0.2.8: 553 5.3.0 <a@example.com>... No such user", "rcpt"),
            ("550 5.2.1 <a@example.com>... User Unknown [RCPT_TO]", "rcpt"),
            ("192.0.2.32 said 550 for RCPT TO response", "rcpt"),
        ];
        for (text, command) in cases {
            assert_eq!(named_in(text), command, "{text}");
        }
    }

    #[test]
    fn every_phrase_holds_an_anchor_within_a_word() {
        #[cfg(target_arch = "x86_64")]
        assert!(super::ANCHOR.is_some(), "the SIMD searcher is built");
        for a in super::ANCHORS {
            assert!(a.bytes().all(|c| c.is_ascii_lowercase()), "{a}");
        }
        for (phrase, _) in PHRASES {
            let p = phrase.to_ascii_lowercase();
            assert!(super::ANCHORS.iter().any(|a| p.contains(a)), "{phrase}");
        }
    }

    #[test]
    fn no_phrase_no_command() {
        assert_eq!(named_in("550 5.1.1 User unknown"), "");
        assert_eq!(named_in("checked after authentication failed"), "");
        assert_eq!(named_in("after data was lost"), "");
        assert_eq!(named_in(""), "");
    }

    #[test]
    fn the_folded_search_finds_what_the_expression_finds() {
        // Phrases in any case, folded over white space of every kind,
        // cut short, run on into a word, overlapping, inside other text:
        // the folded search agrees with the regular expression.
        let mut texts: Vec<String> = Vec::new();
        for (i, (phrase, _)) in PHRASES.iter().enumerate() {
            let (other, _) = PHRASES[(i * 7 + 3) % PHRASES.len()];
            texts.push(phrase.to_string());
            texts.push(phrase.to_ascii_lowercase());
            texts.push(phrase.to_ascii_uppercase());
            texts.push(phrase.replacen(' ', "\n    ", 1));
            texts.push(phrase.replace(' ', " \t\x0b\x0c\r\n "));
            texts.push(phrase.replace(' ', "\u{a0}"));
            texts.push(format!("550 5.1.1 x ({phrase}) y"));
            texts.push(format!("{phrase}s and {other}"));
            texts.push(format!("{phrase}_ {phrase}é"));
            texts.push(phrase[..phrase.len() - 1].to_string());
            texts.push(format!("{other} and {phrase}"));
            texts.push(format!("{phrase}{other}"));
            texts.push(format!("x{}", &phrase[1..]));
        }
        // And pseudo-random mixtures of phrase pieces and other words.
        let pieces: Vec<&str> = PHRASES
            .iter()
            .flat_map(|(p, _)| p.split(' '))
            .chain(["x", "Ünï", "_", ":", "\t", "\n", "  ", "1", "[", "]"])
            .chain([" "; 40])
            .collect();
        texts.extend(crate::codes::random_texts(&pieces, 0x9e37, 3000, 16));
        let mut found = 0;
        for t in &texts {
            assert_eq!(named_in(t), named_in_plainly(t), "{t:?}");
            found += !named_in(t).is_empty() as usize;
        }
        assert!(found > texts.len() / 10, "{found} of {}", texts.len());
    }

    #[test]
    fn folding_lowers_case_and_closes_up_white_space() {
        assert_eq!(super::fold("A  b\t\n C"), b"a b c");
        assert_eq!(super::fold("  x  "), b" x ");
        assert_eq!(super::fold("\r\n\r\nÉ x\x0b"), " É x ".as_bytes());
        assert_eq!(super::fold("plain"), b"plain");
    }

    #[test]
    fn dialogue_verbs() {
        assert_eq!(of_verb("RCPT To:<a@example.com>"), "rcpt");
        assert_eq!(of_verb("mail from:<s@example.org>"), "mail");
        assert_eq!(of_verb("DATA"), "data");
        assert_eq!(of_verb("EHLO mx.example.org"), "helo");
        assert_eq!(of_verb("STARTTLS"), "starttls");
        assert_eq!(of_verb("QUIT"), "");
    }
}
