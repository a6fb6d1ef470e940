//! Fuzz target: the mbox splitter. Any bytes split without panic, every
//! byte after the first separator lands in exactly one piece, in order.

#![no_main]

use bounceaudit::mbox;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mbox::is_mbox(data);
    let mut last_end = 0usize;
    let base = data.as_ptr() as usize;
    for piece in mbox::split(data) {
        let start = piece.bytes.as_ptr() as usize - base;
        let end = start + piece.bytes.len();
        assert!(end <= data.len());
        assert!(start >= last_end, "pieces overlap or go backwards");
        assert!(piece.offset as usize <= start);
        last_end = end;
    }
});
