//! The search for a multipart's delimiter (`--` and its boundary), set up
//! once per multipart. A boundary is searched for a few times only, so the
//! set-up counts: memchr's `memmem::Finder` also builds a Two-Way searcher
//! for a needle longer than 32 bytes, as most delimiters are, which costs
//! more than the searches it serves. Here memchr's packed-pair searcher
//! (the one `memmem::Finder` uses for shorter needles, which costs next to
//! nothing to set up) serves delimiters of up to [`PACKED_LONGEST`] bytes,
//! memchr's Rabin-Karp searcher the haystacks too short for it, and
//! `memmem::Finder` any other delimiter. All of them find the first
//! occurrence, as `memmem::find` does.

use memchr::arch::all::rabinkarp;
use memchr::memmem;

#[cfg(target_arch = "x86_64")]
use memchr::arch::x86_64::avx2::packedpair::Finder as Packed;

/// The longest delimiter given to the packed-pair searcher: it checks each
/// place where its two rare bytes match by comparing the whole needle, so
/// the worst case grows with the needle's length. RFC 2046 boundaries have
/// at most 70 bytes.
const PACKED_LONGEST: usize = 72;

pub(super) struct Delimiter {
    needle: Vec<u8>,
    how: How,
}

enum How {
    #[cfg(target_arch = "x86_64")]
    Packed(Packed, rabinkarp::Finder),
    Any(memmem::Finder<'static>),
}

impl Delimiter {
    /// The search for `--` and `boundary`.
    pub fn new(boundary: &[u8]) -> Delimiter {
        let mut needle = Vec::with_capacity(boundary.len() + 2);
        needle.extend_from_slice(b"--");
        needle.extend_from_slice(boundary);
        #[cfg(target_arch = "x86_64")]
        if needle.len() <= PACKED_LONGEST {
            if let Some(packed) = Packed::new(&needle) {
                let short = rabinkarp::Finder::new(&needle);
                return Delimiter { needle, how: How::Packed(packed, short) };
            }
        }
        let any = memmem::Finder::new(&needle).into_owned();
        Delimiter { needle, how: How::Any(any) }
    }

    /// The length of the delimiter.
    pub fn len(&self) -> usize {
        self.needle.len()
    }

    /// Where the delimiter first starts in `haystack`.
    pub fn find(&self, haystack: &[u8]) -> Option<usize> {
        match &self.how {
            #[cfg(target_arch = "x86_64")]
            How::Packed(packed, short) => {
                if haystack.len() < packed.min_haystack_len() {
                    short.find(haystack, &self.needle)
                } else {
                    packed.find(haystack, &self.needle)
                }
            }
            How::Any(any) => any.find(haystack),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boundaries of every length up to past the packed searcher's longest,
    /// in haystacks of pieces of them, found where `memmem::find` finds
    /// them (or not at all, as it does).
    #[test]
    fn delimiters_are_found_where_memmem_finds_them() {
        let alphabet = b"-=_a0";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut found = 0;
        for round in 0..4000 {
            let len = 1 + round % (PACKED_LONGEST + 8);
            let boundary: Vec<u8> =
                (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let delimiter = Delimiter::new(&boundary);
            let mut needle = b"--".to_vec();
            needle.extend_from_slice(&boundary);
            assert_eq!(delimiter.len(), needle.len());
            // Pieces of the needle, single bytes and the needle itself.
            let mut haystack = Vec::new();
            for _ in 0..next(12) {
                match next(4) {
                    0 => haystack.extend_from_slice(&needle),
                    1 => {
                        let cut = next(needle.len());
                        haystack.extend_from_slice(&needle[..cut]);
                    }
                    2 => {
                        let cut = next(needle.len());
                        haystack.extend_from_slice(&needle[cut..]);
                    }
                    _ => haystack.push(alphabet[next(alphabet.len())]),
                }
            }
            for from in [0, next(haystack.len() + 1)] {
                let hay = &haystack[from..];
                let want = memmem::find(hay, &needle);
                found += usize::from(want.is_some());
                assert_eq!(delimiter.find(hay), want, "{boundary:?} {hay:?}");
            }
        }
        // Both outcomes must be common, or the test tests little.
        assert!((1500..6500).contains(&found), "{found}");
    }
}
