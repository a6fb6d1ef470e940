//! Checks of a rule's values that need no other rule: conditions that can
//! never match (status and reply globs that fit no code, unknown actions and
//! kinds), implied codes that are not codes, and rules with no condition.

use toml::Spanned;

use super::glob::without_not;
use super::load::{RuleError, Source};
use super::model::RuleDef;

/// Checks globs and enumerated values that could never match.
pub fn check_values(src: &Source, d: &RuleDef, errors: &mut Vec<RuleError>) {
    let conditions = [
        &d.status,
        &d.reply,
        &d.diagnostic,
        &d.remote,
        &d.action,
        &d.kind,
        &d.sender_domain,
        &d.recipient_domain,
        &d.command,
    ];
    if conditions.iter().all(|c| c.is_empty()) && d.like.is_empty() {
        errors.push(src.error(
            d.id.span().start,
            format!(
                "rule `{}` has no conditions: it would match every recipient",
                d.id.get_ref()
            ),
        ));
    }
    for s in &d.status {
        let g = without_not(s.get_ref().trim());
        if !g.is_empty() && !status_glob_ok(g) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "status `{}` can never match a status code \
                     (class.subject.detail, e.g. 5.1.1 or 5.7.*)",
                    s.get_ref()
                ),
            ));
        }
    }
    for s in &d.reply {
        let g = without_not(s.get_ref().trim());
        if !g.is_empty() && !reply_glob_ok(g) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "reply `{}` can never match a three-digit reply code",
                    s.get_ref()
                ),
            ));
        }
    }
    if let Some(s) = &d.implies {
        if !status_glob_ok(s) || s.contains(['*', '?']) {
            errors.push(src.error(
                d.id.span().start,
                format!(
                    "rule `{}`: implies `{s}` is not a status code",
                    d.id.get_ref()
                ),
            ));
        }
    }
    check_enum(src, &d.action, "action", ACTIONS, errors);
    check_enum(src, &d.kind, "kind", KINDS, errors);
    check_command(src, &d.command, errors);
}

/// The values of the `command` fact.
pub const COMMANDS: &[&str] =
    &["connect", "helo", "starttls", "auth", "mail", "rcpt", "data"];

/// A `command` glob must match one of [`COMMANDS`]; `""` matches the
/// empty fact (a report that does not say).
fn check_command(
    src: &Source,
    values: &[Spanned<String>],
    errors: &mut Vec<RuleError>,
) {
    for s in values {
        let g = without_not(s.get_ref().trim());
        let fits = |c: &&str| super::glob::matches(g, c);
        if !g.is_empty() && g != "*" && !COMMANDS.iter().any(fits) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "command `{}` can never match (one of {}; globs \
                     allowed; EHLO is `helo`, end of data is `data`)",
                    s.get_ref(),
                    COMMANDS.join(", ")
                ),
            ));
        }
    }
}

const ACTIONS: &[&str] =
    &["failed", "delayed", "delivered", "relayed", "expanded"];
const KINDS: &[&str] = &["bounce", "delay", "feedback", "auto-reply"];

fn check_enum(
    src: &Source,
    values: &[Spanned<String>],
    what: &str,
    known: &[&str],
    errors: &mut Vec<RuleError>,
) {
    for s in values {
        let v = without_not(s.get_ref().trim()).to_ascii_lowercase();
        if !known.contains(&v.as_str()) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "unknown {what} `{}` (one of {})",
                    s.get_ref(),
                    known.join(", ")
                ),
            ));
        }
    }
}

/// Whether a status glob can match some `class.subject.detail` code: class
/// 2, 4 or 5, subject and detail of one to three digits. A `*` may stand
/// for several characters, dots included.
pub fn status_glob_ok(g: &str) -> bool {
    let parts: Vec<&str> = g.split('.').collect();
    let wild = g.contains('*');
    let chars_ok =
        g.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '*' | '?'));
    let parts_ok =
        parts.iter().all(|p| p.contains('*') || (1..=3).contains(&p.len()));
    let class_ok = match g.as_bytes().first() {
        Some(b'2' | b'4' | b'5' | b'?' | b'*') => {
            parts[0].contains('*') || parts[0].len() == 1
        }
        _ => false,
    };
    chars_ok
        && parts_ok
        && class_ok
        && parts.len() <= 3
        && (parts.len() == 3 || wild)
}

/// Whether a reply glob can match some three-digit code from 200 to 599.
pub fn reply_glob_ok(g: &str) -> bool {
    let chars_ok =
        g.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '?'));
    let first_ok = matches!(
        g.as_bytes().first(),
        Some(b'2' | b'3' | b'4' | b'5' | b'?' | b'*')
    );
    let len_ok = if g.contains('*') {
        g.chars().filter(|c| *c != '*').count() <= 3
    } else {
        g.len() == 3
    };
    chars_ok && first_ok && len_ok
}

#[cfg(test)]
mod tests {
    use super::{reply_glob_ok, status_glob_ok};

    #[test]
    fn status_and_reply_globs_that_can_match() {
        for g in ["5.1.1", "5.7.*", "4.*", "*", "5.?.?", "5.4.317", "2.*.*"] {
            assert!(status_glob_ok(g), "{g}");
        }
        for g in ["5.1", "6.1.1", "5.1.1.1", "55.1.1", "5.1000.1", "x.1.1", ""]
        {
            assert!(!status_glob_ok(g), "{g}");
        }
        for g in ["550", "55*", "5??", "*", "4*"] {
            assert!(reply_glob_ok(g), "{g}");
        }
        for g in ["5", "5500", "650", "5x0", ""] {
            assert!(!reply_glob_ok(g), "{g}");
        }
    }
}
