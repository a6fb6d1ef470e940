//! A fast hash for the program's own tables (interned names, summary keys,
//! recipient sets, the rules' memo): keys are short strings and integers,
//! and the standard SipHash costs more than the lookups it serves. The hash
//! mixes a word at a time and starts from a seed drawn once per process, so
//! that the table layout cannot be planned from outside.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildFast>;

/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildFast>;

/// Makes [`FastHasher`]s from the process's seed.
#[derive(Debug, Clone, Copy)]
pub struct BuildFast(u64);

impl Default for BuildFast {
    fn default() -> BuildFast {
        static SEED: OnceLock<u64> = OnceLock::new();
        BuildFast(*SEED.get_or_init(|| {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        }))
    }
}

impl BuildHasher for BuildFast {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher(self.0)
    }
}

/// Rotate, xor a word in, multiply.
#[derive(Debug, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 =
            (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // Spread the high bits down: tables index by the low bits.
        self.0 ^ (self.0 >> 29)
    }
}

#[cfg(test)]
mod tests {
    use super::{FastMap, FastSet};

    #[test]
    fn maps_and_sets_work_with_strings_and_numbers() {
        let mut m: FastMap<Box<str>, u32> = FastMap::default();
        for i in 0..1000u32 {
            m.insert(format!("user{i}@example.com").into(), i);
        }
        assert_eq!(m.get("user999@example.com"), Some(&999));
        assert_eq!(m.get("user1000@example.com"), None);
        // Strings that differ only in length or trailing zero bytes.
        m.insert("ab".into(), 1);
        m.insert("ab\0".into(), 2);
        assert_eq!((m.get("ab"), m.get("ab\0")), (Some(&1), Some(&2)));
        let s: FastSet<(u32, u32)> = (0..100).map(|i| (i, i * 7)).collect();
        assert!(s.contains(&(99, 693)) && !s.contains(&(99, 692)));
    }
}
