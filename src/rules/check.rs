//! Running the rules' `examples`: each is a diagnostic text that its rule
//! must win, classified with facts drawn from the rule itself (codes quoted
//! in the text, else the rule's first status, reply, kind and so on). Used
//! by `rules test` and `rules check`.

use super::{Example, Place, RuleError, RuleSet};

/// An example that its rule does not win.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    /// The rule the example belongs to (index in [`RuleSet::rules`]).
    pub rule: usize,
    /// The example.
    pub example: Example,
    /// The rule that won it instead, if any.
    pub won_by: Option<usize>,
    /// The problem at the example's place, as `rules check` prints it.
    pub error: RuleError,
}

/// Every example of every rule that another rule (or none) wins.
pub fn examples(set: &RuleSet) -> Vec<ExampleFailure> {
    let mut out = Vec::new();
    for (i, rule) in set.rules.iter().enumerate() {
        for example in &rule.examples {
            let facts = rule.sample_facts(&example.text);
            let won_by = set.winner(&facts);
            if won_by == Some(i) {
                continue;
            }
            let by = match won_by {
                Some(w) => format!(
                    "rule `{}` ({})",
                    set.rules[w].id, set.rules[w].place
                ),
                None => "no rule".to_string(),
            };
            let Place { file, line, column } = example.place.clone();
            let error = RuleError {
                file,
                line,
                column,
                message: format!(
                    "example of rule `{}` is won by {by}: {:?}",
                    rule.id, example.text
                ),
            };
            out.push(ExampleFailure {
                rule: i,
                example: example.clone(),
                won_by,
                error,
            });
        }
    }
    out
}
