//! Glob patterns for codes and host names: `*` matches any run of
//! characters, `?` one character; matching ignores ASCII case. A glob
//! written with a leading `!` excludes what it matches.

/// True when `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti]))
        {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether a condition's globs accept `value`: some glob without `!`
/// matches it (or the condition has none), and no `!glob` does.
pub fn holds(globs: &[String], value: &str) -> bool {
    let (mut wanted, mut hit) = (false, false);
    for g in globs {
        match g.strip_prefix('!') {
            Some(not) if matches(not, value) => return false,
            Some(_) => {}
            None => {
                wanted = true;
                hit = hit || matches(g, value);
            }
        }
    }
    hit || !wanted
}

/// The glob without its leading `!`, if it has one.
pub fn without_not(glob: &str) -> &str {
    glob.strip_prefix('!').unwrap_or(glob)
}

#[cfg(test)]
mod tests {
    use super::{holds, matches};

    fn list(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn negated_globs_exclude() {
        let not_rcpt_or_mail = list(&["!rcpt", "!mail"]);
        assert!(holds(&not_rcpt_or_mail, "data"));
        assert!(holds(&not_rcpt_or_mail, ""));
        assert!(!holds(&not_rcpt_or_mail, "rcpt"));
        assert!(!holds(&not_rcpt_or_mail, "MAIL"));
        let five_not_511 = list(&["5.*", "!5.1.1"]);
        assert!(holds(&five_not_511, "5.2.1"));
        assert!(!holds(&five_not_511, "5.1.1"));
        assert!(!holds(&five_not_511, "4.2.1"));
        assert!(!holds(&five_not_511, ""));
        assert!(holds(&[], "anything"));
    }

    #[test]
    fn globs() {
        assert!(matches("5.7.*", "5.7.509"));
        assert!(matches("55*", "554"));
        assert!(!matches("55*", "450"));
        assert!(matches("*.Outlook.com", "mx.protection.outlook.com"));
        assert!(matches("5.1.?", "5.1.1"));
        assert!(!matches("5.1.?", "5.1.10"));
        assert!(matches("*", ""));
    }
}
