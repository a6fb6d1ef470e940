//! `bounceaudit explain`: finds one message (a file, or `path:offset` as in
//! the `origin` column), decodes it and writes, for each recipient, the
//! decoded fields, the rule that won and why, and the other rules that
//! matched. It reuses the decoder and the rule engine as `scan` runs them;
//! it only adds the words.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::classify::{facts, status_column};
use crate::decode::decode;
use crate::mbox;
use crate::report::Report;
use crate::rules::{Match, RuleSet};
use crate::source;

/// Why a message could not be found.
#[derive(Debug, Error)]
pub enum FindError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        source: io::Error,
    },
    /// No message of the mbox starts at the offset.
    #[error("{path}: no message starts at byte {offset} (see the origin column of bounces.csv)")]
    NoOffset {
        /// The file.
        path: String,
        /// The offset asked for.
        offset: u64,
    },
}

/// One message to explain: its origin and its bytes.
pub struct Found {
    /// `path` or `path:offset`.
    pub origin: String,
    /// The raw message.
    pub bytes: Vec<u8>,
}

/// The messages `spec` names: a file (every message of it, when it is an
/// mbox) or `path:offset` (the message of an mbox starting there).
pub fn find(spec: &str) -> Result<Vec<Found>, FindError> {
    let (path, offset) = match spec.rsplit_once(':') {
        Some((p, o)) if !Path::new(spec).exists() => match o.parse::<u64>() {
            Ok(n) => (PathBuf::from(p), Some(n)),
            Err(_) => (PathBuf::from(spec), None),
        },
        _ => (PathBuf::from(spec), None),
    };
    let name = path.display().to_string();
    let data = source::read(&path, false)
        .map_err(|e| FindError::Read { path: name.clone(), source: e })?;
    if !mbox::is_mbox(&data) {
        return match offset {
            None | Some(0) => {
                Ok(vec![Found { origin: name, bytes: data.to_vec() }])
            }
            Some(offset) => Err(FindError::NoOffset { path: name, offset }),
        };
    }
    let found: Vec<Found> = mbox::split(&data)
        .filter(|p| offset.is_none_or(|o| o == p.offset))
        .map(|p| Found {
            origin: format!("{name}:{}", p.offset),
            bytes: p.bytes.to_vec(),
        })
        .collect();
    match offset {
        Some(offset) if found.is_empty() => {
            Err(FindError::NoOffset { path: name, offset })
        }
        _ => Ok(found),
    }
}

/// Writes the explanation of message `found` to `out`.
pub fn explain(
    found: &Found,
    rules: &RuleSet,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "message {}", found.origin)?;
    let report = match decode(&found.bytes) {
        Ok(r) => r,
        Err(skip) => {
            writeln!(out, "  not a report: {} {}", skip.reason, skip.detail)?;
            return Ok(());
        }
    };
    header(&report, out)?;
    for (n, r) in report.recipients.iter().enumerate() {
        let facts = facts(&report, r);
        let matches = rules.matches(&facts);
        let winner = matches.first().map(|m| &rules.rules[m.rule]);
        let v = rules.verdict(winner, &facts);
        let (status, implied) =
            status_column(&r.status, v.implies, &r.action, &r.reply_code);
        writeln!(out, "\nrecipient {}: {}", n + 1, r.recipient)?;
        field(out, "kind", r.kind.as_str())?;
        field(out, "action", &r.action)?;
        let note = if implied { " (none in the report: implied)" } else { "" };
        field(out, "status", &format!("{status}{note}"))?;
        field(out, "reply code", &r.reply_code)?;
        field(out, "remote server", &r.remote_server)?;
        field(out, "command", r.command)?;
        field(out, "diagnostic", &r.diagnostic)?;
        writeln!(
            out,
            "  cause {} ({}): {}",
            v.cause.name,
            if v.hard { "hard" } else { "soft" },
            v.cause.summary
        )?;
        writeln!(out, "  advice: {}", v.advice)?;
        if let Some(rule) = winner {
            overrides(rule, v.cause, v.hard, out)?;
        }
        match matches.split_first() {
            None => writeln!(
                out,
                "  no rule matched: the cause is `{}`, given when none does",
                v.cause.name
            )?,
            Some((best, others)) => {
                verdict_lines(rules, &facts, best, others, out)?
            }
        }
    }
    Ok(())
}

/// Says which of the verdict's values the winning rule set itself, and why
/// a bounce that the rule or cause calls hard came out soft.
fn overrides(
    rule: &crate::rules::Rule,
    cause: &crate::rules::Cause,
    hard: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let word = |h: bool| if h { "hard" } else { "soft" };
    if let Some(h) = rule.hard.filter(|h| *h != cause.hard) {
        writeln!(
            out,
            "  the rule says {} (the cause says {})",
            word(h),
            word(cause.hard)
        )?;
    }
    if rule.hard.unwrap_or(cause.hard) && !hard {
        writeln!(
            out,
            "  soft all the same: a delay notice, or a temporary (4xx) \
             failure whose cause does not set hard_when_temporary"
        )?;
    }
    if rule.advice.is_some() {
        writeln!(out, "  the advice is the rule's own")?;
    }
    Ok(())
}

fn header(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    field(out, "format", report.format)?;
    field(out, "reporting server", &report.reporting_server)?;
    field(out, "date", &report.date)?;
    field(out, "sender", &report.sender)?;
    field(out, "message-id", &report.message_id)?;
    field(out, "subject", &report.subject)
}

fn field(out: &mut dyn Write, name: &str, value: &str) -> io::Result<()> {
    let value = if value.is_empty() { "(none)" } else { value };
    writeln!(out, "  {name:<16} {}", escape(value))
}

/// The winner with its reasons, then every other rule that matched and why
/// it lost.
fn verdict_lines(
    rules: &RuleSet,
    facts: &crate::rules::Facts<'_>,
    best: &Match,
    others: &[Match],
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule = &rules.rules[best.rule];
    let whose = if rule.user { "user" } else { "default" };
    writeln!(
        out,
        "  winner: rule `{}` ({}, {whose}, priority {})",
        rule.id, rule.place, rule.priority
    )?;
    for reason in rule.reasons(facts, best) {
        writeln!(out, "    {}", escape(&reason))?;
    }
    if others.is_empty() {
        return writeln!(out, "  no other rule matched");
    }
    writeln!(out, "  also matched, losing:")?;
    for m in others {
        let r = &rules.rules[m.rule];
        writeln!(
            out,
            "    `{}` ({}, cause {}, priority {}): {}",
            r.id,
            r.place,
            rules.causes[r.cause].name,
            r.priority,
            best.standing.beats(&m.standing)
        )?;
    }
    Ok(())
}

/// Control characters from the message are shown escaped.
fn escape(s: &str) -> String {
    crate::output::terminal::escape(s)
}
