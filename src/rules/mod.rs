//! The rule engine: loads the TOML rule files (the defaults compiled into the
//! binary, then the user's), compiles every diagnostic pattern of every rule
//! into one multi-pattern automaton, and picks the winning rule for the facts
//! of one recipient.
//!
//! Which rule wins, in order: a user rule beats a default rule; a rule that
//! matched on diagnostic text beats one that matched on codes alone; then the
//! higher `priority`; then the earlier rule (file order, files in name order).

mod glob;
mod load;
pub mod model;

use regex_automata::{meta, PatternSet};

use crate::report::Kind;
pub use load::RuleError;

include!(concat!(env!("OUT_DIR"), "/default_rules.rs"));

/// A declared cause.
#[derive(Debug, Clone)]
pub struct Cause {
    /// Its name (`userunknown`).
    pub name: String,
    /// One line saying what happened.
    pub summary: String,
    /// Whether the address should not be mailed again.
    pub hard: bool,
    /// What to do about it.
    pub advice: String,
    /// The standard status code it implies when a report gives none.
    pub status: Option<String>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its id.
    pub id: String,
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
    /// The rule's diagnostic patterns, as written.
    pub diagnostic: Vec<String>,
    hard: Option<bool>,
    advice: Option<String>,
    implies: Option<String>,
    /// Its priority.
    pub priority: i32,
    /// Diagnostic texts it must win.
    pub examples: Vec<String>,
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
}

/// One rule that matched, and whether its diagnostic condition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Index in [`RuleSet::rules`].
    pub rule: usize,
    /// True when the rule has a diagnostic condition and it matched.
    pub by_text: bool,
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
    pub advice: &'a str,
    /// The standard status implied by the rule or cause.
    pub implies: Option<&'a str>,
}

/// All causes and rules, ready to classify.
pub struct RuleSet {
    /// Declared causes.
    pub causes: Vec<Cause>,
    /// Rules in precedence order of writing (user files first).
    pub rules: Vec<Rule>,
    regex: Option<meta::Regex>,
    /// For each pattern of the automaton, the rule it belongs to.
    pattern_rule: Vec<usize>,
    fallback: usize,
}

impl RuleSet {
    /// Loads the default rules (unless `defaults` is false) and the user's
    /// files or folders, which take precedence. All problems are returned.
    pub fn load(
        user: &[std::path::PathBuf],
        defaults: bool,
    ) -> Result<RuleSet, Vec<RuleError>> {
        load::load(user, defaults)
    }

    /// The cause called `name`.
    pub fn cause(&self, name: &str) -> Option<&Cause> {
        self.causes.iter().find(|c| c.name == name)
    }

    /// Every rule that matches `facts`, best first.
    pub fn matches(&self, facts: &Facts<'_>) -> Vec<Match> {
        let mut by_text = vec![false; self.rules.len()];
        if let Some(re) = &self.regex {
            if !facts.diagnostic.is_empty() {
                let mut set = PatternSet::new(re.pattern_len());
                re.which_overlapping_matches(
                    &facts.diagnostic.into(),
                    &mut set,
                );
                for p in set.iter() {
                    by_text[self.pattern_rule[p.as_usize()]] = true;
                }
            }
        }
        let mut out: Vec<Match> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, r)| {
                (r.diagnostic.is_empty() || by_text[*i]) && r.accepts(facts)
            })
            .map(|(i, r)| Match { rule: i, by_text: !r.diagnostic.is_empty() })
            .collect();
        out.sort_by_key(|m| {
            let r = &self.rules[m.rule];
            (!r.user, !m.by_text, -r.priority, m.rule)
        });
        out
    }

    /// Decides the cause for `facts`.
    pub fn classify(&self, facts: &Facts<'_>) -> Verdict<'_> {
        let best = self.matches(facts).first().map(|m| &self.rules[m.rule]);
        let cause = &self.causes[best.map_or(self.fallback, |r| r.cause)];
        let transient = facts.action == "delayed"
            || facts.status.starts_with('4')
            || facts.status.is_empty() && facts.reply.starts_with('4');
        let hard =
            best.and_then(|r| r.hard).unwrap_or(cause.hard) && !transient;
        Verdict {
            cause,
            rule: best,
            hard,
            advice: best
                .and_then(|r| r.advice.as_deref())
                .unwrap_or(&cause.advice),
            implies: best
                .and_then(|r| r.implies.as_deref())
                .or(cause.status.as_deref()),
        }
    }
}

impl Rule {
    /// True when every condition other than the diagnostic holds.
    fn accepts(&self, f: &Facts<'_>) -> bool {
        let any = |globs: &[String], value: &str| {
            globs.is_empty() || globs.iter().any(|g| glob::matches(g, value))
        };
        let kind = f.kind.map_or("", Kind::as_str);
        any(&self.status, f.status)
            && any(&self.reply, f.reply)
            && any(&self.remote, f.remote)
            && any(&self.action, f.action)
            && any(&self.kind, kind)
            && any(&self.sender_domain, f.sender_domain)
            && any(&self.recipient_domain, f.recipient_domain)
    }

    /// A sample of the facts this rule looks for, with `diagnostic` as the
    /// text: used to run its examples.
    pub fn sample_facts<'a>(&'a self, diagnostic: &'a str) -> Facts<'a> {
        let first = |v: &'a [String]| v.first().map_or("", |s| s.as_str());
        let status = crate::codes::find_status(diagnostic)
            .unwrap_or_else(|| first(&self.status));
        let reply = crate::codes::leading_reply(diagnostic)
            .unwrap_or_else(|| first(&self.reply));
        let kind = match first(&self.kind) {
            "delay" => Kind::Delay,
            "feedback" => Kind::Feedback,
            "auto-reply" => Kind::AutoReply,
            _ => Kind::Bounce,
        };
        Facts {
            kind: Some(kind),
            action: match first(&self.action) {
                "" if kind == Kind::Bounce => "failed",
                a => a,
            },
            status,
            reply,
            diagnostic,
            remote: first(&self.remote),
            sender_domain: first(&self.sender_domain),
            recipient_domain: first(&self.recipient_domain),
        }
    }
}
