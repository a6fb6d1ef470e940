//! Unknown keys in a rule file, every one of them with its place. Serde's
//! `deny_unknown_fields` stops at the first; this pass reads only the keys
//! (with their spans) so that `rules check` can list them all, and the
//! typed model then ignores them.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;
use toml::Spanned;

/// The keys a `[cause.NAME]` table may have.
pub const CAUSE_KEYS: &[&str] =
    &["summary", "hard", "hard_when_temporary", "advice", "status"];

/// The keys a `[[rule]]` may have.
pub const RULE_KEYS: &[&str] = &[
    "id",
    "cause",
    "status",
    "reply",
    "diagnostic",
    "like",
    "remote",
    "action",
    "kind",
    "sender_domain",
    "recipient_domain",
    "command",
    "hard",
    "advice",
    "implies",
    "priority",
    "examples",
];

type Keys = BTreeMap<Spanned<String>, IgnoredAny>;

#[derive(Deserialize)]
struct Shape {
    #[serde(default)]
    cause: BTreeMap<String, Keys>,
    #[serde(default)]
    rule: Vec<Keys>,
}

/// Every unknown key of `text` as (byte offset, message). A file whose
/// shape is wrong (e.g. `rule` not an array of tables) yields nothing here:
/// the typed parse reports it.
pub fn unknown(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    if let Ok(top) = toml::from_str::<Keys>(text) {
        for k in top.keys() {
            if !matches!(k.get_ref().as_str(), "cause" | "rule") {
                let m = format!(
                    "unknown key `{}` (a rule file has `[cause.NAME]` tables \
                     and `[[rule]]` entries)",
                    k.get_ref()
                );
                out.push((k.span().start, m));
            }
        }
    }
    let Ok(shape) = toml::from_str::<Shape>(text) else { return out };
    for (name, keys) in &shape.cause {
        for k in keys.keys() {
            if !CAUSE_KEYS.contains(&k.get_ref().as_str()) {
                let m = format!(
                    "unknown key `{}` in cause `{name}` (known: {})",
                    k.get_ref(),
                    CAUSE_KEYS.join(", ")
                );
                out.push((k.span().start, m));
            }
        }
    }
    for keys in &shape.rule {
        for k in keys.keys() {
            if !RULE_KEYS.contains(&k.get_ref().as_str()) {
                let m = format!(
                    "unknown key `{}` in rule (known: {})",
                    k.get_ref(),
                    RULE_KEYS.join(", ")
                );
                out.push((k.span().start, m));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::unknown;

    #[test]
    fn lists_every_unknown_key_with_its_offset() {
        let text = "colour = 1\n[cause.x]\nsummary = \"s\"\nhrad = true\n\
                    [[rule]]\nid = \"a\"\ncause = \"x\"\ndiagnostics = [\"y\"]\n";
        let found = unknown(text);
        let names: Vec<&str> =
            found.iter().map(|(_, m)| m.split('`').nth(1).unwrap()).collect();
        assert_eq!(names, ["colour", "hrad", "diagnostics"]);
        assert_eq!(&text[found[1].0..found[1].0 + 4], "hrad");
        assert_eq!(&text[found[2].0..found[2].0 + 11], "diagnostics");
    }

    #[test]
    fn the_built_in_files_have_no_unknown_key() {
        // Loading skips this pass for them.
        for (name, text) in crate::rules::DEFAULT_RULES {
            assert_eq!(unknown(text), [], "{name}");
        }
    }

    #[test]
    fn known_keys_are_not_reported() {
        let text = "[cause.x]\nsummary = \"s\"\nhard = true\nadvice = \"a\"\n\
                    [[rule]]\nid = \"a\"\ncause = \"x\"\npriority = 3\n";
        assert!(unknown(text).is_empty());
    }
}
