//! Remembers, per thread, which patterns matched the diagnostic texts met
//! lately. Bounce archives repeat the same diagnostic texts over and over
//! (one full mailbox, one unknown user, one blocklist wording per remote
//! system); a text met again then costs one hash lookup instead of a pass of
//! the automaton. The memory is bounded: past [`ENTRIES`] texts it starts
//! afresh, and long texts are never kept.

use crate::fasthash::FastMap;

/// Texts remembered at most, per thread.
const ENTRIES: usize = 4096;

/// Texts longer than this (bytes) are not remembered.
const LONGEST: usize = 1024;

/// Diagnostic text -> the patterns that match it, ascending.
#[derive(Debug, Default)]
pub struct Memo {
    map: FastMap<Box<str>, Box<[u32]>>,
}

impl Memo {
    /// The patterns that match `text`, if it is remembered.
    pub fn get(&self, text: &str) -> Option<&[u32]> {
        self.map.get(text).map(|m| &**m)
    }

    /// Remembers that `matched` are the patterns that match `text`.
    pub fn put(&mut self, text: &str, matched: &[usize]) {
        if text.len() > LONGEST {
            return;
        }
        if self.map.len() >= ENTRIES {
            self.map.clear();
        }
        let matched = matched.iter().map(|&p| p as u32).collect();
        self.map.insert(text.into(), matched);
    }
}

#[cfg(test)]
mod tests {
    use super::{Memo, ENTRIES, LONGEST};

    #[test]
    fn remembers_texts_and_stays_bounded() {
        let mut m = Memo::default();
        m.put("550 5.1.1 user unknown", &[3, 17]);
        assert_eq!(m.get("550 5.1.1 user unknown"), Some(&[3u32, 17][..]));
        assert_eq!(m.get("550 5.1.1 user unknown."), None);
        m.put("", &[]);
        assert_eq!(m.get(""), Some(&[][..]));
        for i in 0..ENTRIES + 10 {
            m.put(&format!("text {i}"), &[i]);
        }
        assert!(m.map.len() <= ENTRIES);
        assert_eq!(
            m.get(&format!("text {}", ENTRIES + 9)),
            Some(&[(ENTRIES + 9) as u32][..])
        );
        let long = "x".repeat(LONGEST + 1);
        m.put(&long, &[1]);
        assert_eq!(m.get(&long), None);
    }
}
