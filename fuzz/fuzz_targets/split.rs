//! Fuzz target: the mbox splitter. Any bytes split without panic, the
//! pieces are in order and never overlap, and reading the same bytes in
//! chunks (from a stream, or cut from a memory map, as `scan` does) gives
//! exactly the pieces of splitting them whole.

#![no_main]

use bounceaudit::mbox;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mbox::is_mbox(data);
    let base = data.as_ptr() as usize;
    let mut last_end = 0usize;
    let mut whole = Vec::new();
    for piece in mbox::split(data) {
        let start = piece.bytes.as_ptr() as usize - base;
        let end = start + piece.bytes.len();
        assert!(end <= data.len());
        assert!(start >= last_end, "pieces overlap or go backwards");
        assert!(piece.offset as usize <= start);
        last_end = end;
        whole.push((piece.offset, piece.bytes));
    }

    // The chunk size comes from the first byte, so that chunk ends fall
    // everywhere.
    let target = 1 + data.first().map_or(0, |&b| b as usize) * 4;
    let mut reader = mbox::Reader::new(data);
    let mut streamed = Vec::new();
    while let Some(chunk) = reader.next_chunk(target).unwrap() {
        for p in mbox::split(&chunk.data) {
            streamed.push((chunk.base + p.offset, p.bytes.to_vec()));
        }
    }
    let mut mapped = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let end = mbox::cut(data, at, target);
        assert!(end > at, "cut makes no progress");
        for p in mbox::split(&data[at..end]) {
            mapped.push((at as u64 + p.offset, p.bytes.to_vec()));
        }
        at = end;
    }
    if mbox::is_mbox(data) {
        let whole: Vec<(u64, Vec<u8>)> =
            whole.into_iter().map(|(o, b)| (o, b.to_vec())).collect();
        assert_eq!(streamed, whole, "stream chunks differ");
        assert_eq!(mapped, whole, "mapped chunks differ");
    }
});
