//! The transcript shape: a record of the SMTP dialogue (`... while talking
//! to HOST:`, `>>> RCPT To:<addr>`, `<<< 550 ...`), as Sendmail and its
//! relatives write it. It names the remote server and gives the exact reply
//! to a recipient, or to the whole message when MAIL FROM or DATA failed.

use super::blocks::{best_status, Block};
use crate::codes;

/// Fills in `blocks` from any transcript in `text`: the remote server where
/// a block names none, and the reply where a block has no reply code. A
/// recipient named only in the transcript gets a block of its own.
pub fn apply(text: &str, blocks: &mut Vec<Block>) {
    let mut remote = String::new();
    let mut rcpt: Option<String> = None;
    let mut whole: Option<String> = None;
    let mut replies: Vec<(String, String)> = Vec::new();
    let mut rcpts: Vec<String> = Vec::new();
    let talking = memchr::memmem::find(text.as_bytes(), b"while talking to ");
    for line in text.lines() {
        let t = line.trim();
        if let Some(p) = talking.and_then(|_| t.find("while talking to ")) {
            if let Some(h) = codes::leading_host(&t[p + 17..]) {
                remote = h.to_ascii_lowercase();
            }
            continue;
        }
        if let Some(step) = dialogue_step(t) {
            match step {
                Step::Command(cmd) => {
                    rcpt = cmd
                        .to_ascii_uppercase()
                        .starts_with("RCPT")
                        .then(|| codes::find_address(cmd))
                        .flatten()
                        .map(str::to_ascii_lowercase);
                    rcpts.extend(rcpt.iter().cloned());
                }
                // A positive reply is not a failure.
                Step::Reply(reply) if reply.starts_with(['2', '3']) => {}
                Step::Reply(reply) => match &rcpt {
                    Some(a) => replies.push((a.clone(), reply.to_string())),
                    None => {
                        whole.get_or_insert_with(|| reply.to_string());
                    }
                },
            }
            continue;
        }
        // Sendmail's own verdict: "553 5.0.0 addr... reason".
        if codes::leading_reply(t).is_some() && t.contains("... ") {
            if let Some(a) = codes::find_address(t) {
                replies.push((a.to_ascii_lowercase(), t.to_string()));
            }
        }
    }
    // A failure after the recipients were accepted (at DATA) is theirs.
    let accepted =
        rcpts.iter().filter(|_| replies.is_empty() && whole.is_some());
    let named = replies.iter().map(|(a, _)| a).chain(accepted);
    for address in named {
        if !blocks.iter().any(|b| &b.address == address) {
            let mut b = Block::default();
            b.address = address.clone();
            blocks.push(b);
        }
    }
    for b in blocks.iter_mut() {
        if b.remote.is_empty() {
            b.remote = remote.clone();
        }
        if !b.reply.is_empty() {
            continue;
        }
        let reply = replies
            .iter()
            .find(|(a, _)| a == &b.address)
            .map(|(_, r)| r)
            .or(whole.as_ref());
        if let Some(r) = reply {
            let r = codes::clean_diagnostic(r);
            b.reply = codes::last_reply(&r)
                .map(|(reply, _)| reply)
                .or_else(|| codes::leading_reply(&r))
                .unwrap_or_default()
                .to_string();
            if b.status.is_empty() || b.status.ends_with(".0.0") {
                if let Some(s) = best_status(&r) {
                    b.status = s.to_string();
                }
            }
            b.diagnostic = r;
        }
    }
}

/// One line of a recorded SMTP dialogue.
enum Step<'a> {
    /// A command the sending server gave (`RCPT To:<a@example.com>`).
    Command(&'a str),
    /// A reply the remote server gave (`550 5.1.1 ...`).
    Reply(&'a str),
}

/// Reads a dialogue line in the notations servers use: `>>> RCPT To:<a>` /
/// `<<< 550 ...` (Sendmail), `Sent <<< RCPT TO:<a>` / `Received >>> 550 ...`,
/// `out: ...` / `in: ...`. The arrows are not trusted for direction: a
/// line that starts with a command verb is a command, one that starts with
/// a reply code is a reply.
fn dialogue_step(line: &str) -> Option<Step<'_>> {
    let mut t = line;
    let mut marked = false;
    for word in ["sent", "received", "out:", "in:"] {
        let head = t.as_bytes().get(..word.len());
        if head.is_some_and(|h| h.eq_ignore_ascii_case(word.as_bytes())) {
            t = t[word.len()..].trim_start();
            marked = word.ends_with(':');
            break;
        }
    }
    for arrow in [">>>", "<<<"] {
        if let Some(rest) = t.strip_prefix(arrow) {
            t = rest.trim();
            marked = true;
            break;
        }
    }
    if !marked {
        return None;
    }
    let upper = t.get(..4).unwrap_or_default().to_ascii_uppercase();
    if ["RCPT", "MAIL", "DATA", "EHLO", "HELO", "QUIT", "RSET"]
        .contains(&upper.as_str())
    {
        return Some(Step::Command(t));
    }
    codes::leading_reply(t).map(|_| Step::Reply(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_gives_reply_and_remote() {
        let t = "... while talking to mx1.example.net.:\n>>> RCPT To:<a@example.net>\n<<< 550 5.1.1 <a@example.net>... User unknown\n";
        let mut blocks = Vec::new();
        apply(t, &mut blocks);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].remote, "mx1.example.net");
        assert_eq!(blocks[0].reply, "550");
        assert_eq!(blocks[0].status, "5.1.1");
    }

    #[test]
    fn sent_and_received_notation() {
        let t = "Sent <<< RCPT TO:<d@example.net>\n\
                 Received >>> 550 5.1.1 <d@example.net>... user unknown\n";
        let mut blocks = Vec::new();
        apply(t, &mut blocks);
        assert_eq!(blocks.len(), 1);
        assert_eq!(
            (blocks[0].reply.as_str(), blocks[0].status.as_str()),
            ("550", "5.1.1")
        );
    }

    #[test]
    fn a_failure_at_data_falls_on_the_accepted_recipients() {
        let t = " In:  RCPT TO:<f@example.net>\n Out: 250 2.1.5 Ok\n\
                 \x20In:  DATA\n Out: 354 go ahead\n\
                 \x20Out: 451 4.3.0 Error: queue file write error\n";
        let mut blocks = Vec::new();
        apply(t, &mut blocks);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].address, "f@example.net");
        assert_eq!(
            (blocks[0].reply.as_str(), blocks[0].status.as_str()),
            ("451", "4.3.0")
        );
    }

    #[test]
    fn mail_from_failure_applies_to_every_recipient() {
        let t = "... while talking to mx1.example.net.:\n>>> MAIL From:<n@example.org>\n<<< 550 5.0.0 SPF check failed\n";
        let mut blocks =
            vec![Block { address: "c@example.net".into(), ..Block::default() }];
        apply(t, &mut blocks);
        assert_eq!(blocks[0].diagnostic, "550 5.0.0 SPF check failed");
    }
}
