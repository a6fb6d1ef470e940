//! Which SMTP command the remote server's failure reply answered, from the
//! words servers write around the reply: Postfix's `(in reply to RCPT TO
//! command)`, Exim's `SMTP error from remote mail server after end of data`,
//! qmail's `does not like recipient`, DragonFly's `did not like our MAIL
//! FROM`. The names are those of the `command` fact: `connect`, `helo`,
//! `starttls`, `auth`, `mail`, `rcpt`, `data`.

use std::sync::LazyLock;

use regex_automata::meta::Regex;
use regex_automata::util::syntax;

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

/// [`PHRASES`] as one automaton, built once: pattern `i` is phrase `i`.
static AUTOMATON: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let patterns: Vec<String> = PHRASES
        .iter()
        .map(|(phrase, _)| {
            let words: Vec<String> =
                phrase.split(' ').map(regex_syntax::escape).collect();
            let end = phrase.ends_with(|c: char| c.is_ascii_alphabetic());
            format!("{}{}", words.join(r"\s+"), if end { r"\b" } else { "" })
        })
        .collect();
    Regex::builder()
        .syntax(syntax::Config::new().case_insensitive(true).unicode(false))
        .build_many(&patterns)
        .ok()
});

/// The command the first phrase of `text` names, or `""` when it names
/// none.
pub fn named_in(text: &str) -> &'static str {
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
    use super::{named_in, of_verb};

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
    fn no_phrase_no_command() {
        assert_eq!(named_in("550 5.1.1 User unknown"), "");
        assert_eq!(named_in("checked after authentication failed"), "");
        assert_eq!(named_in("after data was lost"), "");
        assert_eq!(named_in(""), "");
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
