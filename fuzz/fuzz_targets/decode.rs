//! Fuzz target: the message decoder and the classifier behind it. No
//! input may panic; a decoded report classifies with the default rules.

#![no_main]

use std::sync::OnceLock;

use bounceaudit::classify::classify;
use bounceaudit::decode::decode;
use bounceaudit::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&[], true).expect("default rules"))
}

fuzz_target!(|data: &[u8]| {
    match decode(data) {
        Ok(report) => {
            assert!(!report.recipients.is_empty());
            let rows = classify(&report, "fuzz", rules());
            assert_eq!(rows.len(), report.recipients.len());
        }
        Err(skip) => assert!(!skip.reason.is_empty()),
    }
});
