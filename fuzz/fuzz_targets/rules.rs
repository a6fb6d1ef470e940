//! Fuzz target: the rule loader. Any text as a user's rule file either
//! loads or gives errors with a place; it never panics. The default rules
//! are left out so that each run compiles only the fuzzed file.

#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use bounceaudit::rules::{Facts, RuleSet};
use libfuzzer_sys::fuzz_target;

fn file() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    Box::leak(dir.path().join("fuzz.toml").into_boxed_path())
}

fuzz_target!(|data: &[u8]| {
    let path = file();
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(data).unwrap();
    drop(f);
    match RuleSet::load(&[path.to_path_buf()], false) {
        Ok(set) => {
            for rule in &set.rules {
                for example in &rule.examples {
                    let _ = set.classify(&rule.sample_facts(&example.text));
                }
            }
            let _ = set.classify(&Facts::default());
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
