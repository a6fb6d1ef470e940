//! A bounded memory of values worked out from texts met lately. Bounce
//! archives repeat the same texts over and over (one full mailbox, one
//! unknown user, one blocklist wording per remote system; one notice
//! template per reporting server), so a text met again can cost one hash
//! lookup instead of the work. The memory is bounded: past its number of
//! entries it starts afresh, and texts longer than its limit are never
//! kept. Kept per thread by its users, so it needs no lock.

use crate::fasthash::FastMap;

/// Text -> value, for at most `entries` texts of at most `longest` bytes.
#[derive(Debug)]
pub struct Recent<V> {
    map: FastMap<Box<str>, V>,
    entries: usize,
    longest: usize,
}

impl<V> Recent<V> {
    /// An empty memory of at most `entries` texts of at most `longest`
    /// bytes each.
    pub fn new(entries: usize, longest: usize) -> Recent<V> {
        Recent { map: FastMap::default(), entries, longest }
    }

    /// How many texts are remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no text is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value remembered for `text`, if any.
    pub fn get(&self, text: &str) -> Option<&V> {
        self.map.get(text)
    }

    /// The value remembered for `text`, to change it.
    pub fn get_mut(&mut self, text: &str) -> Option<&mut V> {
        self.map.get_mut(text)
    }

    /// Remembers `value` for `text` (not when the text is too long).
    pub fn put(&mut self, text: &str, value: V) {
        if text.len() > self.longest {
            return;
        }
        if self.map.len() >= self.entries {
            self.map.clear();
        }
        self.map.insert(text.into(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn remembers_texts_and_stays_bounded() {
        const ENTRIES: usize = 4096;
        const LONGEST: usize = 1024;
        let mut m: Recent<Vec<u32>> = Recent::new(ENTRIES, LONGEST);
        m.put("550 5.1.1 user unknown", vec![3, 17]);
        assert_eq!(m.get("550 5.1.1 user unknown"), Some(&vec![3u32, 17]));
        assert_eq!(m.get("550 5.1.1 user unknown."), None);
        m.put("", vec![]);
        assert_eq!(m.get(""), Some(&vec![]));
        for i in 0..ENTRIES + 10 {
            m.put(&format!("text {i}"), vec![i as u32]);
        }
        assert!(m.map.len() <= ENTRIES);
        assert_eq!(
            m.get(&format!("text {}", ENTRIES + 9)),
            Some(&vec![(ENTRIES + 9) as u32])
        );
        let long = "x".repeat(LONGEST + 1);
        m.put(&long, vec![1]);
        assert_eq!(m.get(&long), None);
    }
}
