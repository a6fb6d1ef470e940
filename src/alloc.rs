//! The global allocator: mimalloc, called as C's `malloc` family is.
//!
//! The `mimalloc` crate's glue asks for every block with its alignment
//! (`mi_malloc_aligned`), a longer path than `mi_malloc`'s. mimalloc's plain
//! calls give blocks aligned to 16 bytes, or to their size when smaller (as
//! `std`'s `System` allocator relies on for `malloc`), so a layout whose
//! alignment is at most that takes the plain call; any other the aligned
//! one.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// What mimalloc's plain calls align every block of at least this size to
/// (its `MI_MAX_ALIGN_SIZE` on 64-bit targets).
const PLAIN_ALIGN: usize = 16;

/// mimalloc as the global allocator.
pub struct MiMalloc;

/// Whether a block of `size` bytes aligned to `align` may come from the
/// plain calls.
#[inline(always)]
fn plain(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if plain(size, align) {
            mi::mi_malloc(size) as *mut u8
        } else {
            mi::mi_malloc_aligned(size, align) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let (size, align) = (layout.size(), layout.align());
        if plain(size, align) {
            mi::mi_zalloc(size) as *mut u8
        } else {
            mi::mi_zalloc_aligned(size, align) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void);
    }

    #[inline]
    unsafe fn realloc(
        &self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
    ) -> *mut u8 {
        let p = ptr as *mut c_void;
        if plain(new_size, layout.align()) {
            mi::mi_realloc(p, new_size) as *mut u8
        } else {
            mi::mi_realloc_aligned(p, new_size, layout.align()) as *mut u8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MiMalloc;
    use std::alloc::{GlobalAlloc, Layout};

    /// Every size up to 300 (and some large ones) with every alignment up
    /// to 4096: blocks are aligned, hold what is written, keep it through
    /// growing and shrinking, and zeroed ones are zero.
    #[test]
    fn blocks_are_aligned_and_keep_their_bytes() {
        let sizes = (1..=300).chain([1000, 4095, 4096, 65_536, 1 << 20]);
        for size in sizes {
            for shift in 0..=12 {
                let align = 1usize << shift;
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe { check(layout) };
            }
        }
    }

    unsafe fn check(layout: Layout) {
        let (size, align) = (layout.size(), layout.align());
        let a = MiMalloc;
        let mut p = a.alloc(layout);
        assert!(!p.is_null());
        assert_eq!(p as usize % align, 0, "{layout:?}");
        fill(p, size);
        let z = a.alloc_zeroed(layout);
        assert_eq!(z as usize % align, 0, "{layout:?}");
        assert!((0..size).all(|i| *z.add(i) == 0), "{layout:?}");
        a.dealloc(z, layout);
        for new in [size * 3 + 7, (size / 2).max(1), size] {
            let q = a.realloc(p, layout, new);
            assert_eq!(q as usize % align, 0, "{layout:?} -> {new}");
            assert!((0..size.min(new)).all(|i| *q.add(i) == i as u8));
            // Back to the first size for the next step.
            let grown = Layout::from_size_align(new, align).unwrap();
            p = a.realloc(q, grown, size);
            assert_eq!(p as usize % align, 0, "{grown:?} -> {size}");
            fill(p, size);
        }
        a.dealloc(p, layout);
    }

    unsafe fn fill(p: *mut u8, size: usize) {
        for i in 0..size {
            *p.add(i) = i as u8;
        }
    }
}
