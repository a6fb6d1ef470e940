//! The rule engine: loads the TOML rule files (the defaults compiled into the
//! binary, then the user's), compiles every diagnostic pattern of every rule
//! into one multi-pattern automaton, and picks the winning rule for the facts
//! of one recipient.
//!
//! Which rule wins, in order: a user rule beats a default rule; a rule that
//! matched on diagnostic text beats one that matched on codes alone; then the
//! higher `priority`; then the earlier rule (file order, files in name order).
//! Matching itself lives in `select`, loading in `load`, the checks that
//! `rules check` adds in `check`.

mod automaton;
mod check;
mod finder;
mod glob;
mod keys;
mod load;
mod memo;
pub mod model;
mod regex;
mod select;
mod values;
mod why;
mod words;

use std::ops::Range;
use std::sync::Arc;

use crate::report::Kind;
pub use load::RuleError;
pub use select::{Match, Standing};

include!(concat!(env!("OUT_DIR"), "/default_rules.rs"));

/// A declared cause.
#[derive(Debug, Clone)]
pub struct Cause {
    /// Its name (`userunknown`), shared with every row it classifies.
    pub name: Arc<str>,
    /// One line saying what happened.
    pub summary: String,
    /// Whether the address should not be mailed again.
    pub hard: bool,
    /// Whether `hard` holds also for a temporary (4xx) failure.
    pub hard_when_temporary: bool,
    /// What to do about it (shared with the rows).
    pub advice: Arc<str>,
    /// The standard status code it implies when a report gives none.
    pub status: Option<String>,
    /// `file:line` where it is declared (empty for the built-in fallback).
    pub place: String,
}

/// Where something is written in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file (`rules/NAME.toml` for a default file).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One of a rule's `examples`: a diagnostic text it must win.
#[derive(Debug, Clone)]
pub struct Example {
    /// The text.
    pub text: String,
    /// Where it is written.
    pub place: Place,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its id (shared with the rows).
    pub id: Arc<str>,
    /// Index of its cause in [`RuleSet::causes`].
    pub cause: usize,
    /// True for a rule from a user's file.
    pub user: bool,
    /// `file:line` where it is written.
    pub place: String,
    status: Vec<String>,
    reply: Vec<String>,
    remote: Vec<String>,
    action: Vec<String>,
    kind: Vec<String>,
    sender_domain: Vec<String>,
    recipient_domain: Vec<String>,
    command: Vec<String>,
    /// The rule's diagnostic patterns, as written.
    pub diagnostic: Vec<String>,
    /// Its patterns' indices in the one automaton.
    patterns: Range<usize>,
    /// Overrides the cause's hard flag.
    pub hard: Option<bool>,
    /// Overrides the cause's advice.
    pub advice: Option<Arc<str>>,
    /// Overrides the status the cause implies.
    pub implies: Option<String>,
    /// Its priority.
    pub priority: i32,
    /// Diagnostic texts it must win.
    pub examples: Vec<Example>,
}

/// The facts of one recipient that rules look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The report kind.
    pub kind: Option<Kind>,
    /// `failed`, `delayed`, ...
    pub action: &'a str,
    /// Enhanced status code (may be empty).
    pub status: &'a str,
    /// SMTP reply code (may be empty).
    pub reply: &'a str,
    /// The diagnostic text.
    pub diagnostic: &'a str,
    /// Remote server host.
    pub remote: &'a str,
    /// Domain of the original sender.
    pub sender_domain: &'a str,
    /// Domain of the recipient.
    pub recipient_domain: &'a str,
    /// The SMTP command the failure reply answered (may be empty).
    pub command: &'a str,
}

/// What the rules decided for one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    /// The cause.
    pub cause: &'a Cause,
    /// The winning rule (none when nothing matched).
    pub rule: Option<&'a Rule>,
    /// Whether to stop mailing the address.
    pub hard: bool,
    /// What to do.
    pub advice: &'a Arc<str>,
    /// The standard status implied by the rule or cause.
    pub implies: Option<&'a str>,
}

/// All causes and rules, ready to classify.
pub struct RuleSet {
    /// Declared causes.
    pub causes: Vec<Cause>,
    /// Rules in order of writing (user files first, then the defaults).
    pub rules: Vec<Rule>,
    /// Every diagnostic pattern of every rule, in rule order.
    automaton: Option<automaton::Automaton>,
    /// For each pattern of the automaton, the rule it belongs to.
    pattern_rule: Vec<usize>,
    /// The rules without a diagnostic condition, best standing first.
    code_rules: Vec<usize>,
    /// The rules with a diagnostic condition, best standing (as a text
    /// match) first: the rule of rank `r` is `text_rules[r]`.
    text_rules: Vec<usize>,
    /// For each pattern of the automaton, the rank of its rule.
    pattern_rank: Vec<u32>,
    /// Index of the cause given when no rule matches.
    fallback: usize,
    /// Tells rule sets apart, for the per-thread matching scratch.
    serial: u64,
}

impl RuleSet {
    /// Loads the default rules (unless `defaults` is false) and the user's
    /// files or folders, which take precedence. All problems are returned.
    pub fn load(
        user: &[std::path::PathBuf],
        defaults: bool,
    ) -> Result<RuleSet, Vec<RuleError>> {
        only_if_clean(load::load(user, defaults))
    }

    /// Builds a rule set from texts given as `(name, text)`: `user` files
    /// first (they win), then `defaults`. For tests and tools that hold
    /// rules in memory; problems are returned as [`RuleSet::load`] does.
    pub fn from_texts(
        user: &[(&str, &str)],
        defaults: &[(&str, &str)],
    ) -> Result<RuleSet, Vec<RuleError>> {
        only_if_clean(load::from_texts(user, defaults))
    }

    /// Like [`RuleSet::load`], then runs every rule's examples: an example
    /// won by another rule is one more problem (unless a user rule overrides
    /// a default one, which is the point of user rules). The examples run
    /// even when
    /// there are other problems (on the rules that loaded), and problems come
    /// file by file in line order. This is `rules check`.
    pub fn check(
        user: &[std::path::PathBuf],
        defaults: bool,
    ) -> Result<RuleSet, Vec<RuleError>> {
        let (set, mut errors) = load::load(user, defaults);
        // Without the automaton every text example would fail: noise.
        if set.automaton.is_some() || errors.is_empty() {
            let failures = check::examples(&set).into_iter();
            errors.extend(failures.filter(|f| !f.overridden).map(|f| f.error));
        }
        let mut files: Vec<String> = Vec::new();
        for e in &errors {
            if !files.contains(&e.file) {
                files.push(e.file.clone());
            }
        }
        errors.sort_by_key(|e| {
            let file = files.iter().position(|f| *f == e.file);
            (file, e.line, e.column)
        });
        only_if_clean((set, errors))
    }

    /// Every example of every rule that another rule (or none) wins, in rule
    /// order. This is `rules test`.
    pub fn test_examples(&self) -> Vec<check::ExampleFailure> {
        check::examples(self)
    }

    /// The cause called `name`.
    pub fn cause(&self, name: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| &*c.name == name)
    }

    /// The cause given when no rule matches.
    pub fn fallback(&self) -> &Cause {
        &self.causes[self.fallback]
    }

    /// Decides the cause for `facts`: one pass of the automaton over the
    /// diagnostic, then the best rule whose other conditions hold.
    pub fn classify(&self, facts: &Facts<'_>) -> Verdict<'_> {
        self.verdict(self.winner(facts).map(|i| &self.rules[i]), facts)
    }

    /// The verdict that `rule` (or no rule) gives for `facts`.
    pub fn verdict<'s>(
        &'s self,
        rule: Option<&'s Rule>,
        facts: &Facts<'_>,
    ) -> Verdict<'s> {
        let cause = &self.causes[rule.map_or(self.fallback, |r| r.cause)];
        let delayed = facts.action == "delayed";
        let temporary = facts.status.starts_with('4')
            || facts.status.is_empty() && facts.reply.starts_with('4');
        let hard = rule.and_then(|r| r.hard).unwrap_or(cause.hard)
            && !delayed
            && (!temporary || cause.hard_when_temporary);
        Verdict {
            cause,
            rule,
            hard,
            advice: rule
                .and_then(|r| r.advice.as_ref())
                .unwrap_or(&cause.advice),
            implies: rule
                .and_then(|r| r.implies.as_deref())
                .or(cause.status.as_deref()),
        }
    }
}

pub use check::ExampleFailure;

fn only_if_clean(
    (set, errors): (RuleSet, Vec<RuleError>),
) -> Result<RuleSet, Vec<RuleError>> {
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

impl Rule {
    /// True when every condition other than the diagnostic holds.
    fn accepts(&self, f: &Facts<'_>) -> bool {
        // Most conditions are not written: no call for them.
        let any = |globs: &[String], value| {
            globs.is_empty() || glob::holds(globs, value)
        };
        let kind = f.kind.map_or("", Kind::as_str);
        any(&self.status, f.status)
            && any(&self.reply, f.reply)
            && any(&self.remote, f.remote)
            && any(&self.action, f.action)
            && any(&self.kind, kind)
            && any(&self.sender_domain, f.sender_domain)
            && any(&self.recipient_domain, f.recipient_domain)
            && any(&self.command, f.command)
    }

    /// The conditions of this rule other than `diagnostic`, as
    /// `(name, globs)` pairs, for `explain`.
    pub fn conditions(&self) -> [(&'static str, &[String]); 8] {
        [
            ("status", &self.status),
            ("reply", &self.reply),
            ("remote", &self.remote),
            ("action", &self.action),
            ("kind", &self.kind),
            ("sender_domain", &self.sender_domain),
            ("recipient_domain", &self.recipient_domain),
            ("command", &self.command),
        ]
    }

    /// A sample of the facts this rule looks for, with `diagnostic` as the
    /// text: used to run its examples. Codes quoted in the text are used;
    /// other conditions take their first value.
    pub fn sample_facts<'a>(&'a self, diagnostic: &'a str) -> Facts<'a> {
        let first = |v: &'a [String]| {
            v.iter().find(|g| !g.starts_with('!')).map_or("", |s| s.as_str())
        };
        let status = crate::codes::find_status(diagnostic)
            .unwrap_or_else(|| first(&self.status));
        let reply = crate::codes::leading_reply(diagnostic)
            .unwrap_or_else(|| first(&self.reply));
        let command = match first(&self.command) {
            "" => crate::text::command::named_in(diagnostic),
            c => c,
        };
        // A condition written only with exclusions takes the first value
        // it lets through.
        let allowed =
            |globs: &'a [String], known: &'static [&'static str]| match first(
                globs,
            ) {
                "" if !globs.is_empty() => known
                    .iter()
                    .copied()
                    .find(|k| glob::holds(globs, k))
                    .unwrap_or(""),
                g => g,
            };
        let kind = match allowed(&self.kind, values::KINDS) {
            "delay" => Kind::Delay,
            "feedback" => Kind::Feedback,
            "auto-reply" => Kind::AutoReply,
            _ => Kind::Bounce,
        };
        Facts {
            kind: Some(kind),
            action: match allowed(&self.action, values::ACTIONS) {
                "" if kind == Kind::Bounce => "failed",
                "" if kind == Kind::Delay => "delayed",
                a => a,
            },
            status,
            reply,
            diagnostic,
            remote: first(&self.remote),
            sender_domain: first(&self.sender_domain),
            recipient_domain: first(&self.recipient_domain),
            command,
        }
    }
}

/// Every diagnostic pattern of the default rules, in file order (for
/// tests that hold a property for all of them).
#[cfg(test)]
pub(crate) fn default_patterns() -> Vec<String> {
    let mut patterns = Vec::new();
    for (_, text) in DEFAULT_RULES {
        let file: toml::Value = toml::from_str(text).unwrap();
        let rules = file.get("rule").and_then(|r| r.as_array());
        for rule in rules.into_iter().flatten() {
            let Some(ps) = rule.get("diagnostic") else { continue };
            for p in ps.as_array().unwrap() {
                patterns.push(p.as_str().unwrap().to_string());
            }
        }
    }
    patterns
}

#[cfg(test)]
mod tests {
    use super::{Facts, RuleSet};
    use crate::report::Kind;

    const CAUSES: &str = r#"
[cause.gone]
summary = "gone"
hard = true
advice = "stop"
status = "5.1.1"
"#;

    /// The id of the rule that wins `facts` when `rule` (one `[[rule]]`
    /// body, cause `gone`) is the only rule.
    fn wins(rule: &str, facts: &Facts<'_>) -> bool {
        let text =
            format!("{CAUSES}[[rule]]\nid = \"r\"\ncause = \"gone\"\n{rule}");
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)])
            .unwrap_or_else(|e| panic!("{e:?}"));
        set.classify(facts).rule.is_some()
    }

    fn bounce() -> Facts<'static> {
        Facts {
            kind: Some(Kind::Bounce),
            action: "failed",
            status: "5.7.1",
            reply: "554",
            diagnostic: "554 5.7.1 Message REJECTED as spam",
            remote: "mx2.mail.example.com",
            sender_domain: "news.example.org",
            recipient_domain: "example.net",
            command: "rcpt",
        }
    }

    #[test]
    fn status_globs() {
        assert!(wins("status = [\"5.7.*\"]", &bounce()));
        assert!(wins("status = [\"5.1.1\", \"5.7.1\"]", &bounce()));
        assert!(!wins("status = [\"5.1.*\"]", &bounce()));
        assert!(!wins(
            "status = [\"5.7.1\"]",
            &Facts { status: "", ..bounce() }
        ));
    }

    #[test]
    fn reply_globs() {
        assert!(wins("reply = [\"55*\"]", &bounce()));
        assert!(wins("reply = [\"5?4\"]", &bounce()));
        assert!(!wins("reply = [\"550\"]", &bounce()));
    }

    #[test]
    fn diagnostic_regexes_ignore_case() {
        assert!(wins("diagnostic = [\"rejected as spam\"]", &bounce()));
        assert!(wins("diagnostic = [\"^554 5\\\\.7\\\\.1\"]", &bounce()));
        assert!(wins("diagnostic = [\"nope\", \"sp(a|u)m\"]", &bounce()));
        assert!(!wins("diagnostic = [\"quota\"]", &bounce()));
        let empty = Facts { diagnostic: "", ..bounce() };
        assert!(!wins("diagnostic = [\".*\"]", &empty));
    }

    #[test]
    fn remote_host_globs() {
        assert!(wins("remote = [\"*.example.com\"]", &bounce()));
        assert!(wins("remote = [\"MX2.Mail.Example.COM\"]", &bounce()));
        assert!(!wins("remote = [\"*.example.org\"]", &bounce()));
    }

    #[test]
    fn action_kind_and_domains() {
        assert!(wins("action = [\"failed\"]", &bounce()));
        assert!(!wins("action = [\"delayed\"]", &bounce()));
        assert!(wins("action = [\"Failed\"]", &bounce()));
        assert!(wins("kind = [\"bounce\"]", &bounce()));
        assert!(!wins("kind = [\"auto-reply\"]", &bounce()));
        assert!(wins("sender_domain = [\"*.example.org\"]", &bounce()));
        assert!(!wins("sender_domain = [\"example.net\"]", &bounce()));
        assert!(wins("recipient_domain = [\"example.net\"]", &bounce()));
        assert!(!wins("recipient_domain = [\"*.example.net\"]", &bounce()));
    }

    #[test]
    fn command_globs() {
        assert!(wins("command = [\"rcpt\"]", &bounce()));
        assert!(wins("command = [\"DATA\", \"RCPT\"]", &bounce()));
        assert!(wins("command = [\"r*\"]", &bounce()));
        assert!(!wins("command = [\"data\"]", &bounce()));
        let unknown = Facts { command: "", ..bounce() };
        assert!(!wins("command = [\"rcpt\"]", &unknown));
        assert!(wins("command = [\"*\"]", &unknown));
        assert!(wins("command = [\"\"]", &unknown));
        assert!(!wins("command = [\"\"]", &bounce()));
    }

    #[test]
    fn negated_globs() {
        assert!(wins("status = [\"!5.1.1\"]", &bounce()));
        assert!(!wins("status = [\"5.*\", \"!5.7.*\"]", &bounce()));
        assert!(wins("command = [\"!data\", \"!mail\"]", &bounce()));
        assert!(!wins("command = [\"!rcpt\"]", &bounce()));
        let unknown = Facts { command: "", status: "", ..bounce() };
        assert!(wins("command = [\"!rcpt\"]", &unknown));
        assert!(wins("status = [\"!5.1.1\"]", &unknown));
        let text = format!(
            "{CAUSES}[[rule]]\nid = \"r\"\ncause = \"gone\"\n\
             status = [\"!6.1.1\"]\ncommand = [\"!quit\"]\n"
        );
        let errors = RuleSet::from_texts(&[], &[("t.toml", &text)])
            .err()
            .expect("a negated glob that fits no value is an error");
        assert_eq!(errors.len(), 2, "{errors:?}");
    }

    #[test]
    fn action_and_kind_take_globs_and_exclusions() {
        assert!(wins("action = [\"fail*\"]", &bounce()));
        assert!(wins("kind = [\"b*\", \"!auto-*\"]", &bounce()));
        assert!(!wins("kind = [\"!bounce\"]", &bounce()));
        // An example of a rule that only excludes runs with a value the
        // rule lets through.
        let text = format!(
            "{CAUSES}[[rule]]\nid = \"r\"\ncause = \"gone\"\n\
             kind = [\"!bounce\", \"!delay\"]\ndiagnostic = [\"away\"]\n\
             examples = [\"I am away\"]\n"
        );
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)]).unwrap();
        assert!(set.test_examples().is_empty());
    }

    #[test]
    fn like_borrows_another_rules_patterns() {
        let text = format!(
            "{CAUSES}[cause.filter]\nsummary = \"f\"\nhard = false\n\
             advice = \"a\"\n\
             [[rule]]\nid = \"spam\"\ncause = \"gone\"\n\
             diagnostic = [\"as spam\"]\n\
             [[rule]]\nid = \"spam-here\"\ncause = \"filter\"\n\
             like = [\"spam\"]\nremote = [\"*.example.com\"]\npriority = 1\n"
        );
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)]).unwrap();
        let win = |f: &Facts<'_>| set.classify(f).rule.map(|r| r.id.clone());
        assert_eq!(win(&bounce()).as_deref(), Some("spam-here"));
        let elsewhere = Facts { remote: "mx.example.org", ..bounce() };
        assert_eq!(win(&elsewhere).as_deref(), Some("spam"));
        let other = Facts { diagnostic: "554 no", ..bounce() };
        assert_eq!(win(&other), None);
        let bad = format!(
            "{CAUSES}[[rule]]\nid = \"r\"\ncause = \"gone\"\n\
             like = [\"nothing\"]\n"
        );
        let errors = RuleSet::from_texts(&[], &[("t.toml", &bad)])
            .err()
            .expect("like naming no rule is an error");
        assert!(errors[0].message.contains("names no rule"), "{errors:?}");

        // A user's replacement of the borrowed rule leaves the default
        // borrower as it was.
        let user = "[[rule]]\nid = \"spam\"\ncause = \"gone\"\n\
                    status = [\"5.9.9\"]\n";
        let set =
            RuleSet::from_texts(&[("u.toml", user)], &[("t.toml", &text)])
                .unwrap();
        let winner = set.classify(&bounce()).rule.map(|r| r.id.clone());
        assert_eq!(winner.as_deref(), Some("spam-here"));
    }

    #[test]
    fn a_command_no_server_sends_is_an_error() {
        let text = format!(
            "{CAUSES}[[rule]]\nid = \"r\"\ncause = \"gone\"\n\
             command = [\"rcpt\", \"quit\", \"m*\"]\n"
        );
        let errors = RuleSet::from_texts(&[], &[("t.toml", &text)])
            .err()
            .expect("an unknown command is an error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].message.contains("`quit`"), "{errors:?}");
    }

    #[test]
    fn conditions_are_anded() {
        let both = "status = [\"5.7.1\"]\nremote = [\"*.example.com\"]";
        assert!(wins(both, &bounce()));
        assert!(!wins(both, &Facts { remote: "mx.example.org", ..bounce() }));
        let text_and_code = "status = [\"5.1.*\"]\ndiagnostic = [\"spam\"]";
        assert!(!wins(text_and_code, &bounce()));
    }

    #[test]
    fn hard_advice_and_implied_status_overrides() {
        let text = format!(
            "{CAUSES}[[rule]]\nid = \"plain\"\ncause = \"gone\"\nreply = [\"550\"]\n\
             [[rule]]\nid = \"soft\"\ncause = \"gone\"\nreply = [\"554\"]\n\
             hard = false\nadvice = \"call the help desk\"\nimplies = \"5.7.1\"\n"
        );
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)]).unwrap();
        let v = set.classify(&Facts { reply: "550", ..bounce() });
        assert_eq!(
            (v.hard, &**v.advice, v.implies),
            (true, "stop", Some("5.1.1"))
        );
        let v = set.classify(&bounce());
        assert_eq!(&*v.rule.unwrap().id, "soft");
        assert_eq!(
            (v.hard, &**v.advice, v.implies),
            (false, "call the help desk", Some("5.7.1"))
        );
        // A delay is never a hard bounce, whatever the cause says.
        let delayed = Facts { action: "delayed", reply: "550", ..bounce() };
        assert!(!set.classify(&delayed).hard);
    }

    #[test]
    fn a_temporary_failure_is_hard_only_if_its_cause_says() {
        let rules = "[[rule]]\nid = \"r\"\ncause = \"gone\"\n\
                     diagnostic = [\"unknown\"]\n";
        let text = format!("{CAUSES}{rules}");
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)]).unwrap();
        let temporary = Facts {
            status: "4.1.1",
            reply: "450",
            diagnostic: "450 4.1.1 user unknown",
            ..bounce()
        };
        assert!(set.classify(&Facts { status: "5.1.1", ..temporary }).hard);
        assert!(!set.classify(&temporary).hard);
        let no_status = Facts { status: "", ..temporary };
        assert!(!set.classify(&no_status).hard);
        let always = CAUSES.replace(
            "hard = true\n",
            "hard = true\nhard_when_temporary = true\n",
        );
        let text = format!("{always}{rules}");
        let set = RuleSet::from_texts(&[], &[("t.toml", &text)]).unwrap();
        assert!(set.classify(&temporary).hard);
        assert!(set.classify(&no_status).hard);
        let delayed = Facts { action: "delayed", ..temporary };
        assert!(!set.classify(&delayed).hard);
    }
}
