//! Running the rules' `examples`: each is a diagnostic text that its rule
//! must win, classified with facts drawn from the rule itself (codes quoted
//! in the text, else the rule's first status, reply, kind and so on). Used
//! by `rules test` and `rules check`. A default rule's example won by a
//! user rule is an override, not a problem: the user's rules win on
//! purpose.

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
    /// True when a default rule's example is won by a user rule: the user
    /// overrode the default on purpose, so this is not a problem.
    pub overridden: bool,
    /// The problem at the example's place, as `rules check` prints it.
    pub error: RuleError,
}

/// Every example of every rule that another rule (or none) wins, including
/// the default examples that user rules override.
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
            let overridden =
                !rule.user && won_by.is_some_and(|w| set.rules[w].user);
            out.push(ExampleFailure {
                rule: i,
                example: example.clone(),
                won_by,
                overridden,
                error,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::RuleSet;

    #[test]
    fn an_example_won_by_another_rule_is_reported_at_the_example() {
        let text = "[cause.a]\nsummary = \"a\"\nhard = true\nadvice = \"a\"\n\
                    [[rule]]\nid = \"quota\"\ncause = \"a\"\n\
                    diagnostic = [\"quota\"]\npriority = 5\n\
                    [[rule]]\nid = \"full\"\ncause = \"a\"\n\
                    diagnostic = [\"full\"]\n\
                    examples = [\"mailbox full\", \"full: over quota\"]\n";
        let set = RuleSet::from_texts(&[], &[("t.toml", text)]).unwrap();
        let failures = set.test_examples();
        assert_eq!(failures.len(), 1, "{failures:?}");
        let f = &failures[0];
        assert_eq!(&*set.rules[f.rule].id, "full");
        assert_eq!(f.won_by.map(|w| &*set.rules[w].id), Some("quota"));
        assert_eq!((f.error.line, f.error.column), (14, 29));
        assert!(f.error.message.contains("won by rule `quota` (t.toml:5)"));
    }

    #[test]
    fn codes_quoted_in_an_example_are_used() {
        let text = "[cause.a]\nsummary = \"a\"\nhard = true\nadvice = \"a\"\n\
                    [[rule]]\nid = \"s\"\ncause = \"a\"\nstatus = [\"5.2.2\"]\n\
                    examples = [\"552 5.2.2 full\", \"550 5.1.1 unknown\"]\n";
        let set = RuleSet::from_texts(&[], &[("t.toml", text)]).unwrap();
        let failures = set.test_examples();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].example.text, "550 5.1.1 unknown");
        assert_eq!(failures[0].won_by, None);
    }
}
