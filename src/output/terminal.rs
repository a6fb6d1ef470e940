//! The summary printed on the terminal after a scan: totals that reconcile
//! (messages read = decoded + skipped; rows left out by the period counted
//! and shown), then the top servers and causes as two small tables. Text
//! from messages goes through [`escape`], the program's one rule for what
//! may reach its terminal.

use std::fmt::Write;
use std::path::Path;

use super::period::Period;
use super::summary::Tally;

/// Lines in each top table.
const TOP: usize = 8;
/// Widest server name shown, in characters.
const NAME_WIDTH: usize = 40;

/// The whole summary, ending with a newline; every piece of text that came
/// from a message is escaped.
pub fn summary(t: &Tally, out: &Path, period: &Period) -> String {
    let mut s = String::new();
    let _ = totals(&mut s, t, out, period);
    let _ = top_servers(&mut s, t);
    let _ = top_causes(&mut s, t);
    s
}

fn totals(
    s: &mut String,
    t: &Tally,
    out: &Path,
    period: &Period,
) -> std::fmt::Result {
    writeln!(
        s,
        "{} messages read = {} decoded + {} skipped",
        t.messages,
        t.decoded,
        t.skipped_total()
    )?;
    writeln!(
        s,
        "{} rows for {} recipients in {}",
        t.rows,
        t.recipient_count(),
        out.join("bounces.csv").display()
    )?;
    if !period.is_all() {
        let o = &t.outside;
        let bound = |b: Option<super::Bound>| {
            b.map_or_else(|| "…".to_string(), |b| b.to_string())
        };
        writeln!(
            s,
            "period {} to {}: {} rows of {} decoded messages left out \
             ({} earlier, {} later, {} undated)",
            bound(period.since),
            bound(period.until),
            o.rows(),
            o.messages,
            o.earlier,
            o.later,
            o.undated
        )?;
    }
    let list = |m: &mut dyn Iterator<Item = (&str, u64)>| {
        m.map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
    };
    if !t.kinds.is_empty() {
        let mut kinds = t.kinds.iter().map(|(k, n)| (*k, *n));
        writeln!(s, "rows by kind: {}", list(&mut kinds))?;
    }
    if !t.skipped.is_empty() {
        let mut skipped = t.skipped.iter().map(|(k, n)| (k.as_str(), *n));
        writeln!(s, "skipped: {}", list(&mut skipped))?;
    }
    Ok(())
}

fn top_servers(s: &mut String, t: &Tally) -> std::fmt::Result {
    let lines = t.server_lines();
    if lines.is_empty() {
        return Ok(());
    }
    let causes = t.names.causes.names();
    writeln!(
        s,
        "\n{:<40} {:<6} {:>8} {:>10}  top cause",
        "top servers", "class", "bounces", "recipients"
    )?;
    for l in lines.iter().take(TOP) {
        writeln!(
            s,
            "{:<40} {:<6} {:>8} {:>10}  {}",
            cut(&escape(&l.keys[0]), NAME_WIDTH),
            escape(&l.keys[1]),
            l.group.rows,
            l.group.recipients.len(),
            escape(l.group.top_cause(&causes))
        )?;
    }
    if lines.len() > TOP {
        writeln!(s, "… {} more in summary-by-server.csv", lines.len() - TOP)?;
    }
    Ok(())
}

fn top_causes(s: &mut String, t: &Tally) -> std::fmt::Result {
    let lines = t.cause_lines();
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(
        s,
        "\n{:<24} {:<6} {:>8} {:>10} {:>7}",
        "top causes", "hard", "bounces", "recipients", "share"
    )?;
    for l in lines.iter().take(TOP) {
        writeln!(
            s,
            "{:<24} {:<6} {:>8} {:>10} {:>7}",
            escape(&l.keys[0]),
            l.group.hard_label(),
            l.group.rows,
            l.group.recipients.len(),
            t.share(l.group.rows)
        )?;
    }
    if lines.len() > TOP {
        writeln!(s, "… {} more in summary-by-cause.csv", lines.len() - TOP)?;
    }
    Ok(())
}

/// Escapes control characters (and the invisible marks that reorder text,
/// U+200E/F, U+202A-E, U+2066-9) so that text from messages can neither
/// drive the terminal nor disguise itself. Used for everything printed.
pub fn escape(s: &str) -> String {
    let risky = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}')
            || matches!(c, '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(risky) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if risky(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `width` characters, the last one `…` when cut.
fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Row;
    use crate::output::Counted;

    fn row(server: &str, cause: &str, date: &str) -> Row {
        Row {
            kind: "bounce",
            recipient: format!("a@{cause}.example"),
            remote_server: server.into(),
            status: "5.1.1".into(),
            cause: cause.into(),
            date: date.into(),
            ..Row::default()
        }
    }

    #[test]
    fn tables_show_top_lines_escaped() {
        let mut t = Tally::default();
        t.messages = 3;
        t.decoded = 3;
        t.add(&Counted::of(&row("mx\x1b[2J.example.net", "userunknown", "")));
        t.add(&Counted::of(&row("mx\x1b[2J.example.net", "userunknown", "")));
        t.add(&Counted::of(&row("", "blocked", "")));
        t.add(&Counted::of(&row("mx\u{202e}.example.org", "blocked", "")));
        let text = summary(&t, Path::new("out"), &Period::default());
        assert!(text.starts_with(
            "3 messages read = 3 decoded + 0 skipped\n4 rows for 2 recipients"
        ));
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains("mx\\u{202e}.example.org"), "{text}");
        let server = text.lines().find(|l| l.starts_with("mx\\u{1b}")).unwrap();
        assert!(server.ends_with(" 2          1  userunknown"), "{server}");
        assert!(text.contains("[blocked.example]"), "{text}");
        assert!(text
            .lines()
            .any(|l| l.starts_with("userunknown ") && l.ends_with("50.0%")));
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }
}
