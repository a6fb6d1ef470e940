//! The transcript shape: a record of the SMTP dialogue (`... while talking
//! to HOST:`, `>>> RCPT To:<addr>`, `<<< 550 ...`), as Sendmail and its
//! relatives write it. It names the remote server and gives the exact reply
//! to a recipient, or to the whole message when MAIL FROM or DATA failed.

use super::blocks::{best_status, Block};
use super::command;
use crate::codes;
use crate::fasthash::{FastMap, FastSet};

/// Fills in `blocks` from any transcript in `text`: the remote server where
/// a block names none, and the reply where a block has no reply code. A
/// recipient named only in the transcript gets a block of its own. The
/// command a failure reply answered is the last one sent before it
/// (`connect` before any, after `while talking to`); a block without a command takes it.
pub fn apply(text: &str, blocks: &mut Vec<Block>) {
    // A text with no line the dialogue reading takes changes nothing.
    if may_hold_transcript(text) {
        apply_lines(text, blocks);
    }
}

/// The marks of the lines [`apply_lines`] reads: an arrow, a verdict's
/// `... ` and `while talking to`, which count anywhere, then `in:` and
/// `out:`, which count only at the start of a line and are written out in
/// every case (an automaton that ignores case has no fast prefilter).
const MARKS: &[&str] = &[
    ">>>",
    "<<<",
    "... ",
    "hile talking to ",
    "in:",
    "In:",
    "iN:",
    "IN:",
    "out:",
    "Out:",
    "oUt:",
    "ouT:",
    "OUt:",
    "OuT:",
    "oUT:",
    "OUT:",
];

/// How many of [`MARKS`] count anywhere in a line.
const ANYWHERE: usize = 4;

/// False when no line of `text` can be a dialogue line, a verdict or the
/// line that opens a dialogue: one pass of an automaton instead of a
/// reading of every line.
fn may_hold_transcript(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(MARKS)
                .ok()
        });
    let Some(finder) = FINDER.as_ref() else { return true };
    finder.find_iter(text).any(|m| {
        if m.pattern().as_usize() < ANYWHERE {
            return true;
        }
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..m.start()])
            .map_or(0, |n| n + 1);
        text[line_start..m.start()].trim_start().is_empty()
    })
}

/// From how many entries (names and replies) a transcript's facts are
/// looked up by address in tables built once rather than by a pass over
/// the lists each time: few transcripts name more than a handful.
const TABLES_FROM: usize = 48;

/// [`apply`] on every line of `text`.
fn apply_lines(text: &str, blocks: &mut Vec<Block>) {
    apply_lines_with(text, blocks, TABLES_FROM);
}

/// [`apply_lines`] with tables from `tables_from` entries.
fn apply_lines_with(text: &str, blocks: &mut Vec<Block>, tables_from: usize) {
    let mut remote = String::new();
    let mut rcpt: Option<String> = None;
    let mut last = "";
    let mut whole: Option<(String, &'static str)> = None;
    let mut replies: Vec<(String, String, &'static str)> = Vec::new();
    // Where each address is first named, to keep the blocks in that order.
    let mut named_at: Vec<(String, usize)> = Vec::new();
    let mut rcpts: Vec<String> = Vec::new();
    // Where the next `hile talking to ` stands, if anywhere (the searcher
    // built once: building one costs more than most searches).
    static TALKING: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| {
            memchr::memmem::Finder::new(b"hile talking to ")
        });
    let talking_finder = &*TALKING;
    let mut talking = talking_finder.find(text.as_bytes());
    // Each dialogue's host, and for each reply given in one, its host.
    let mut dialogues: Vec<String> = Vec::new();
    let mut reply_remote: Vec<(String, String)> = Vec::new();
    // Each dialogue's first failure reply that answered no RCPT.
    let mut dialogue_whole: Vec<(String, String)> = Vec::new();
    let mut pos = 0;
    for line in super::lines_inclusive(text) {
        let at = pos;
        pos += line.len();
        let lead = line.trim_start();
        // Only a line that holds the phrase can open a dialogue.
        let talks = talking.is_some_and(|p| p < pos);
        if talks {
            talking =
                talking_finder.find(&text.as_bytes()[pos..]).map(|n| pos + n);
        }
        if let Some(host) = talks.then(|| talking_to(lead.trim_end())).flatten()
        {
            if let Some(h) = codes::leading_host(host) {
                remote = h.to_ascii_lowercase();
                dialogues.push(remote.clone());
            }
            // A new dialogue: a reply before any command is the greeting.
            last = "connect";
            continue;
        }
        // Dialogue lines and verdicts start with a marker word, an arrow
        // or a reply code: other lines are passed over.
        if !lead.as_bytes().first().is_some_and(|c| {
            matches!(
                c.to_ascii_lowercase(),
                b's' | b'r' | b'o' | b'i' | b'>' | b'<' | b'2' | b'4' | b'5'
            )
        }) {
            continue;
        }
        let t = lead.trim_end();
        if let Some(step) = dialogue_step(t) {
            match step {
                Step::Command(cmd) => {
                    last = command::of_verb(cmd);
                    rcpt = cmd
                        .to_ascii_uppercase()
                        .starts_with("RCPT")
                        .then(|| codes::find_address(cmd))
                        .flatten()
                        .map(str::to_ascii_lowercase);
                    rcpts.extend(rcpt.iter().cloned());
                    if let Some(a) = &rcpt {
                        named_at.push((a.clone(), at));
                    }
                }
                // A positive reply is not a failure.
                Step::Reply(reply) if reply.starts_with(['2', '3']) => {}
                Step::Reply(reply) => match &rcpt {
                    Some(a) => {
                        reply_remote.push((a.clone(), remote.clone()));
                        replies.push((a.clone(), reply.to_string(), last))
                    }
                    None => {
                        if !dialogue_whole.iter().any(|(h, _)| h == &remote) {
                            dialogue_whole
                                .push((remote.clone(), reply.to_string()));
                        }
                        whole.get_or_insert_with(|| (reply.to_string(), last));
                    }
                },
            }
            continue;
        }
        // Sendmail's own verdict: "553 5.0.0 addr... reason".
        if codes::leading_reply(t).is_some() && holds_ellipsis(t) {
            if let Some(a) = codes::find_address(t) {
                let a = a.to_ascii_lowercase();
                named_at.push((a.clone(), at));
                replies.push((a, t.to_string(), ""));
            }
        }
    }
    // A failure after the recipients were accepted (at DATA) is theirs.
    let accepted =
        rcpts.iter().filter(|_| replies.is_empty() && whole.is_some());
    let named = replies.iter().map(|(a, _, _)| a).chain(accepted);
    // Looked up by address (a transcript may name thousands).
    let by = ByAddress::new(&named_at, &replies, &reply_remote, tables_from);
    let mut have: Option<FastSet<String>> = by
        .tables
        .is_some()
        .then(|| blocks.iter().map(|b| b.address.clone()).collect());
    let mut added = false;
    for address in named {
        let known = match &mut have {
            Some(have) => !have.insert(address.clone()),
            None => blocks.iter().any(|b| &b.address == address),
        };
        if !known {
            let mut b = Block::default();
            b.address = address.clone();
            b.at = by.first_at(address);
            blocks.push(b);
            added = true;
        }
    }
    if added {
        // Blocks found before take their place among the transcript's by
        // where the transcript first names them.
        for b in blocks.iter_mut() {
            b.at = b.at.min(by.first_at(&b.address));
        }
        blocks.sort_by_key(|b| b.at);
    }
    for b in blocks.iter_mut() {
        let own = by.replies_of(&b.address);
        if b.remote.is_empty() {
            let own_verdict = own.clone().any(|(_, _, c)| c.is_empty());
            let replied = by.host_of(&b.address);
            b.remote = remote_of(&b.address, replied, &dialogues, own_verdict);
        }
        if b.command.is_empty() {
            b.command = own
                .clone()
                .map(|(_, _, c)| *c)
                .find(|c| !c.is_empty())
                .or(whole.as_ref().map(|(_, c)| *c))
                .unwrap_or_default();
        }
        if !b.reply.is_empty() {
            continue;
        }
        let verdict_only = own.clone().all(|(_, _, c)| c.is_empty());
        let reply =
            own.map(|(_, r, _)| r).next().or(whole.as_ref().map(|(r, _)| r));
        if let Some(r) = reply {
            let mut r = codes::clean_diagnostic(r);
            // A verdict that quotes no reply of the remote server
            // (`554 <a@example.org>... Remote protocol error`) follows the
            // reply its dialogue got, which is the server's answer.
            let said = dialogue_whole
                .iter()
                .find(|(h, _)| !h.is_empty() && *h == b.remote)
                .map(|(_, said)| codes::clean_diagnostic(said))
                .filter(|said| {
                    verdict_only && !quotes_reply(&r) && !repeats(&r, said)
                });
            let code = said.as_deref().unwrap_or(&r);
            b.reply = codes::last_reply(code)
                .map(|(reply, _)| reply)
                .or_else(|| codes::leading_reply(code))
                .unwrap_or_default()
                .to_string();
            if let Some(said) = said {
                r = format!("{said} {r}");
            }
            if b.status.is_empty() || b.status.ends_with(".0.0") {
                if let Some(s) = best_status(&r) {
                    b.status = s.to_string();
                }
            }
            b.diagnostic = r;
        }
    }
}

/// True when a verdict line quotes the remote server's reply after its
/// own code (`554 <a@example.org>... 550 Host unknown`).
fn quotes_reply(verdict: &str) -> bool {
    let own = codes::leading_reply(verdict);
    let p = verdict.find("... ").map_or(verdict.len(), |p| p + 4);
    own.is_none() || codes::leading_reply(&verdict[p..]).is_some()
}

/// True when the verdict already repeats the reply's words (`<<< 550
/// 5.1.1 <a@example.com>... User unknown` then `550 5.1.1 <a@example.com>...
/// User unknown`).
fn repeats(verdict: &str, said: &str) -> bool {
    let words = said.split_once(' ').map_or(said, |(_, w)| w);
    verdict.contains(words.trim())
}

/// True when `line` holds `... ` (what `line.contains("... ")` tells,
/// without setting up a substring search for each line): dots are few,
/// each is looked at.
fn holds_ellipsis(line: &str) -> bool {
    let b = line.as_bytes();
    memchr::memchr_iter(b'.', b).any(|p| b[p..].starts_with(b"... "))
}

/// The text after `while talking to ` (any case) in `line`.
fn talking_to(line: &str) -> Option<&str> {
    let p = line.find("hile talking to ")?;
    let w = line[..p].chars().next_back()?;
    matches!(w, 'w' | 'W').then(|| &line[p + 16..])
}

/// The transcript's facts by address: read from the lists for a short
/// transcript, from tables built once for a long one.
struct ByAddress<'a> {
    named_at: &'a [(String, usize)],
    replies: &'a [(String, String, &'static str)],
    reply_remote: &'a [(String, String)],
    tables: Option<Tables<'a>>,
}

/// The replies to one address ([`ByAddress::replies_of`]): those its
/// table lists, or those a pass over all finds.
#[derive(Clone)]
enum Own<'a, 'q> {
    Listed(std::slice::Iter<'a, usize>, &'a [(String, String, &'static str)]),
    Scanned(std::slice::Iter<'a, (String, String, &'static str)>, &'q str),
}

impl<'a> Iterator for Own<'a, '_> {
    type Item = &'a (String, String, &'static str);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Own::Listed(at, replies) => at.next().map(|&i| &replies[i]),
            Own::Scanned(all, address) => all.find(|(a, _, _)| a == address),
        }
    }
}

/// Where each address is first named, its replies in order, the host of
/// its first reply.
struct Tables<'a> {
    first: FastMap<&'a str, usize>,
    replies: FastMap<&'a str, Vec<usize>>,
    host: FastMap<&'a str, &'a String>,
}

impl<'a> ByAddress<'a> {
    fn new(
        named_at: &'a [(String, usize)],
        replies: &'a [(String, String, &'static str)],
        reply_remote: &'a [(String, String)],
        tables_from: usize,
    ) -> Self {
        let big = named_at.len() + replies.len() >= tables_from;
        let tables = big.then(|| {
            let mut t = Tables {
                first: FastMap::default(),
                replies: FastMap::default(),
                host: FastMap::default(),
            };
            for (a, at) in named_at {
                t.first.entry(a).or_insert(*at);
            }
            for (i, (a, _, _)) in replies.iter().enumerate() {
                t.replies.entry(a).or_default().push(i);
            }
            for (a, h) in reply_remote {
                t.host.entry(a).or_insert(h);
            }
            t
        });
        ByAddress { named_at, replies, reply_remote, tables }
    }

    /// Where `address` is first named (`usize::MAX` if it is not).
    fn first_at(&self, address: &str) -> usize {
        match &self.tables {
            Some(t) => t.first.get(address).copied(),
            None => self
                .named_at
                .iter()
                .find(|(a, _)| a == address)
                .map(|(_, at)| *at),
        }
        .unwrap_or(usize::MAX)
    }

    /// The replies to `address`, in order.
    fn replies_of<'q>(&self, address: &'q str) -> Own<'_, 'q> {
        match &self.tables {
            Some(t) => Own::Listed(
                t.replies.get(address).map_or(&[][..], |v| v).iter(),
                self.replies,
            ),
            None => Own::Scanned(self.replies.iter(), address),
        }
    }

    /// The host of the first reply to `address`.
    fn host_of(&self, address: &str) -> Option<&'a String> {
        match &self.tables {
            Some(t) => t.host.get(address).copied(),
            None => self
                .reply_remote
                .iter()
                .find(|(a, _)| a == address)
                .map(|(_, h)| h),
        }
    }
}

/// The server `address` was refused by: the host of the dialogue that
/// refused it; with no such reply, the only dialogue, or the last one whose
/// host lies in the address's domain. A recipient that has a verdict line of
/// its own (`554 <a@example.org>... Host unknown`) and no dialogue in its
/// domain failed elsewhere; any other takes the last dialogue.
fn remote_of(
    address: &str,
    replied: Option<&String>,
    dialogues: &[String],
    own_verdict: bool,
) -> String {
    if let Some(h) = replied {
        return h.clone();
    }
    if let [only] = dialogues {
        return only.clone();
    }
    let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
    let in_domain = dialogues.iter().rev().find(|h| {
        h.as_str() == domain
            || h.strip_suffix(domain).is_some_and(|r| r.ends_with('.'))
    });
    match in_domain {
        Some(h) => h.clone(),
        None if own_verdict => String::new(),
        None => dialogues.last().cloned().unwrap_or_default(),
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
    const VERBS: &[&str] = &[
        "RCPT", "MAIL", "DATA", "EHLO", "HELO", "QUIT", "RSET", "STAR", "AUTH",
        "LHLO",
    ];
    if VERBS.contains(&upper.as_str()) {
        return Some(Step::Command(t));
    }
    codes::leading_reply(t).map(|_| Step::Reply(t))
}

#[cfg(test)]
mod tests;
