//! Why a rule matched, in words: for each of its conditions, the value of
//! the recipient's facts and the pattern or glob that accepted it. Used by
//! `explain`; classification itself never builds these strings.

use super::{glob, Facts, Match, Rule};
use crate::report::Kind;

impl Rule {
    /// One line per condition of this rule that held for `facts`, e.g.
    /// `status 5.1.1 matched 5.1.*` or `diagnostic matched /user unknown/`.
    pub fn reasons(&self, facts: &Facts<'_>, m: &Match) -> Vec<String> {
        let mut out = Vec::new();
        for &p in &m.patterns {
            if let Some(text) = self.diagnostic.get(p) {
                out.push(format!("diagnostic matched /{text}/"));
            }
        }
        let kind = facts.kind.map_or("", Kind::as_str);
        let values = [
            facts.status,
            facts.reply,
            facts.remote,
            facts.action,
            kind,
            facts.sender_domain,
            facts.recipient_domain,
            facts.command,
        ];
        for ((name, globs), value) in self.conditions().into_iter().zip(values)
        {
            if globs.is_empty() {
                continue;
            }
            let (yes, not): (Vec<&String>, Vec<&String>) =
                globs.iter().partition(|g| !g.starts_with('!'));
            if let Some(g) = yes.iter().find(|g| glob::matches(g, value)) {
                out.push(format!("{name} `{value}` matched `{g}`"));
            }
            if !not.is_empty() {
                let list: Vec<&str> = not.iter().map(|g| g.as_str()).collect();
                out.push(format!(
                    "{name} `{value}` is none of {}",
                    list.join(" ")
                ));
            }
        }
        if out.is_empty() {
            out.push(
                "the rule has no conditions: it matches everything".into(),
            );
        }
        out
    }
}
