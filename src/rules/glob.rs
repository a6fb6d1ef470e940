//! Glob patterns for codes and host names: `*` matches any run of
//! characters, `?` one character; matching ignores ASCII case.

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

#[cfg(test)]
mod tests {
    use super::matches;

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
