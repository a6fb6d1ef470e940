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

/// The little-endian word of eight bytes.
fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        // The length first: the words below may overlap. No copy of a
        // variable length (a `memcpy` call): fixed-size reads only.
        let n = bytes.len();
        self.add(n as u64);
        if n >= 8 {
            // Whole words up to the last byte, then the last eight bytes
            // (overlapping the last word read unless `n` is a multiple of
            // eight).
            for c in bytes[..n - 1].chunks_exact(8) {
                self.add(word(c));
            }
            self.add(word(&bytes[n - 8..]));
        } else if n >= 4 {
            let half = |b: &[u8]| {
                u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes")))
            };
            self.add(half(&bytes[..4]) | half(&bytes[n - 4..]) << 32);
        } else if n > 0 {
            let b = |i: usize| u64::from(bytes[i]);
            self.add(b(0) | b(n / 2) << 8 | b(n - 1) << 16);
        }
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
    use super::{BuildFast, FastMap, FastSet};
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    #[test]
    fn equal_bytes_hash_alike_and_different_bytes_apart() {
        let build = BuildFast::default();
        let hash = |b: &[u8]| build.hash_one(b);
        // Every length to 40, and each of those with one byte changed at
        // each place, or a zero byte added: no two hash alike.
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        let mut texts = vec![Vec::new()];
        for n in 1..=base.len() {
            let t = base[..n].to_vec();
            for i in 0..n {
                let mut u = t.clone();
                u[i] ^= 1;
                texts.push(u);
            }
            let mut z = t.clone();
            z.push(0);
            texts.push(z);
            texts.push(t);
        }
        texts.sort();
        texts.dedup();
        let hashes: HashSet<u64> = texts.iter().map(|t| hash(t)).collect();
        assert_eq!(hashes.len(), texts.len());
        for t in &texts {
            assert_eq!(hash(t), hash(&t.clone()), "{t:?}");
        }
        // The low bits, which tables index by, tell them apart too.
        let low: HashSet<u64> = texts.iter().map(|t| hash(t) & 0xfff).collect();
        assert!(low.len() > texts.len() * 3 / 4, "{}", low.len());
    }

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
