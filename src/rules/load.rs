//! Reading rule files into a [`RuleSet`]: TOML parsing with positions,
//! checks of every value (unknown causes, bad patterns, duplicate ids, globs
//! that cannot match), and the compilation of all diagnostic patterns into
//! one automaton.

use std::path::{Path, PathBuf};

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use thiserror::Error;
use toml::Spanned;

use super::model::{RuleDef, RuleFile};
use super::{Cause, Rule, RuleSet, DEFAULT_RULES};

/// A problem in a rule file, at a place.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RuleError {
    /// The file (`rules/causes.toml` for a default file).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A rule file's name and text.
struct Source {
    name: String,
    text: String,
    user: bool,
}

impl Source {
    fn error(&self, offset: usize, message: impl Into<String>) -> RuleError {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column =
            before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        RuleError {
            file: self.name.clone(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// See [`RuleSet::load`].
pub fn load(
    user: &[PathBuf],
    defaults: bool,
) -> Result<RuleSet, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    for path in user {
        read_user(path, &mut sources, &mut errors);
    }
    if defaults {
        for (name, text) in DEFAULT_RULES {
            sources.push(Source {
                name: format!("rules/{name}"),
                text: text.to_string(),
                user: false,
            });
        }
    }
    let mut files = Vec::new();
    for s in &sources {
        match toml::from_str::<RuleFile>(&s.text) {
            Ok(f) => files.push((s, f)),
            Err(e) => {
                let at = e.span().map_or(0, |r| r.start);
                errors.push(s.error(at, e.message().trim().to_string()));
            }
        }
    }
    let set = build(&files, &mut errors);
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

fn read_user(
    path: &Path,
    sources: &mut Vec<Source>,
    errors: &mut Vec<RuleError>,
) {
    let here = |m: String| RuleError {
        file: path.display().to_string(),
        line: 0,
        column: 0,
        message: m,
    };
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            errors.push(here("cannot read this folder".into()));
            return;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            read_user(&f, sources, errors);
        }
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(text) => sources.push(Source {
            name: path.display().to_string(),
            text,
            user: true,
        }),
        Err(e) => errors.push(here(e.to_string())),
    }
}

/// Builds the set from parsed files: causes first (a user's declaration of a
/// cause replaces the default one), then rules (a user rule with the id of a
/// default rule replaces it).
fn build(
    files: &[(&Source, RuleFile)],
    errors: &mut Vec<RuleError>,
) -> RuleSet {
    let mut causes: Vec<Cause> = Vec::new();
    for (_, f) in files {
        for (name, def) in &f.cause {
            if causes.iter().any(|c| &c.name == name) {
                continue; // an earlier (user) declaration wins
            }
            let d = def.get_ref();
            causes.push(Cause {
                name: name.clone(),
                summary: d.summary.clone(),
                hard: d.hard,
                advice: d.advice.clone(),
                status: d.status.clone(),
            });
        }
    }
    if !causes.iter().any(|c| c.name == "undefined") {
        causes.push(Cause {
            name: "undefined".into(),
            summary: "No rule matched the facts of this report.".into(),
            hard: false,
            advice: "Read the diagnostic text; add a rule if it recurs.".into(),
            status: None,
        });
    }

    let mut rules: Vec<Rule> = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_rule = Vec::new();
    for (src, f) in files {
        for def in &f.rule {
            let at = def.span().start;
            let d = def.get_ref();
            let id = d.id.get_ref();
            if let Some(prev) = rules.iter().find(|r| &r.id == id) {
                if prev.user == src.user {
                    errors.push(src.error(
                        d.id.span().start,
                        format!(
                            "duplicate rule id `{id}` (first at {})",
                            prev.place
                        ),
                    ));
                }
                continue;
            }
            let Some(cause) =
                causes.iter().position(|c| c.name == *d.cause.get_ref())
            else {
                errors.push(src.error(
                    d.cause.span().start,
                    format!("unknown cause `{}`", d.cause.get_ref()),
                ));
                continue;
            };
            check_values(src, d, errors);
            for p in &d.diagnostic {
                match compile_one(p.get_ref()) {
                    Ok(()) => {
                        patterns.push(p.get_ref().clone());
                        pattern_rule.push(rules.len());
                    }
                    Err(m) => errors.push(src.error(p.span().start, m)),
                }
            }
            let line = src.error(at, "").line;
            rules.push(rule_of(
                d,
                cause,
                src.user,
                format!("{}:{line}", src.name),
            ));
        }
    }
    let regex = compile_all(&patterns, errors);
    let fallback =
        causes.iter().position(|c| c.name == "undefined").unwrap_or(0);
    RuleSet { causes, rules, regex, pattern_rule, fallback }
}

fn rule_of(d: &RuleDef, cause: usize, user: bool, place: String) -> Rule {
    let v = |x: &[Spanned<String>]| {
        x.iter().map(|s| s.get_ref().trim().to_string()).collect()
    };
    Rule {
        id: d.id.get_ref().clone(),
        cause,
        user,
        place,
        status: v(&d.status),
        reply: v(&d.reply),
        remote: v(&d.remote),
        action: v(&d.action)
            .into_iter()
            .map(|a: String| a.to_ascii_lowercase())
            .collect(),
        kind: v(&d.kind),
        sender_domain: v(&d.sender_domain),
        recipient_domain: v(&d.recipient_domain),
        diagnostic: v(&d.diagnostic),
        hard: d.hard,
        advice: d.advice.clone(),
        implies: d.implies.clone(),
        priority: d.priority,
        examples: v(&d.examples),
    }
}

/// Checks globs and enumerated values that could never match.
fn check_values(src: &Source, d: &RuleDef, errors: &mut Vec<RuleError>) {
    for s in &d.status {
        if !status_glob_ok(s.get_ref()) {
            errors.push(src.error(
                s.span().start,
                format!("status `{}` can never match a status code (class.subject.detail, e.g. 5.1.1 or 5.7.*)", s.get_ref()),
            ));
        }
    }
    for s in &d.reply {
        let g = s.get_ref();
        if g.is_empty()
            || g.len() > 3
            || !g.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '?')
        {
            errors.push(src.error(
                s.span().start,
                format!("reply `{g}` can never match a three-digit reply code"),
            ));
        }
    }
    const ACTIONS: &[&str] =
        &["failed", "delayed", "delivered", "relayed", "expanded"];
    for s in &d.action {
        if !ACTIONS.contains(&s.get_ref().to_ascii_lowercase().as_str()) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "unknown action `{}` (one of {})",
                    s.get_ref(),
                    ACTIONS.join(", ")
                ),
            ));
        }
    }
    const KINDS: &[&str] = &["bounce", "delay", "feedback", "auto-reply"];
    for s in &d.kind {
        if !KINDS.contains(&s.get_ref().as_str()) {
            errors.push(src.error(
                s.span().start,
                format!(
                    "unknown kind `{}` (one of {})",
                    s.get_ref(),
                    KINDS.join(", ")
                ),
            ));
        }
    }
}

/// A status glob must be able to match `d.d.d`: three dot-separated parts
/// of digits, or a `*` standing for the rest.
fn status_glob_ok(g: &str) -> bool {
    let parts: Vec<&str> = g.split('.').collect();
    let first_ok = parts
        .first()
        .is_some_and(|p| *p == "*" || matches!(*p, "2" | "4" | "5" | "?"));
    let all_ok = parts.iter().all(|p| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '?')
    });
    let shape =
        parts.len() == 3 || parts.last().is_some_and(|p| p.ends_with('*'));
    first_ok && all_ok && shape && parts.len() <= 3
}

fn builder() -> meta::Builder {
    let mut b = meta::Regex::builder();
    // Only which patterns matched is asked, never where: no capture states
    // (the PikeVM cache of 300 patterns with captures is over 100 MB per
    // thread), and a lazy DFA cache large enough that the overlapping
    // search of all patterns does not give up and fall back to the PikeVM.
    b.syntax(syntax::Config::new().case_insensitive(true)).configure(
        meta::Config::new()
            .match_kind(regex_automata::MatchKind::All)
            .which_captures(WhichCaptures::None)
            .hybrid_cache_capacity(16 << 20),
    );
    b
}

/// Checks one pattern's syntax, so that an error points at its rule. Only
/// parsing: building a regex per pattern cost more than the scan of a
/// small archive; `compile_all` builds them all once.
fn compile_one(pattern: &str) -> Result<(), String> {
    let config = syntax::Config::new().case_insensitive(true);
    syntax::parse_with(pattern, &config).map(|_| ()).map_err(|e| {
        format!(
            "invalid pattern `{pattern}`: {}",
            e.to_string().lines().last().unwrap_or("")
        )
    })
}

fn compile_all(
    patterns: &[String],
    errors: &mut Vec<RuleError>,
) -> Option<meta::Regex> {
    if patterns.is_empty() || !errors.is_empty() {
        return None;
    }
    match builder().build_many(patterns) {
        Ok(re) => Some(re),
        Err(e) => {
            errors.push(RuleError {
                file: "(all rules)".into(),
                line: 0,
                column: 0,
                message: format!(
                    "the patterns could not be compiled together: {e}"
                ),
            });
            None
        }
    }
}
