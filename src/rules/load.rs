//! Reading rule files into a [`RuleSet`]: TOML parsing with positions,
//! checks of every value (unknown causes, bad patterns, duplicate ids, globs
//! that cannot match), and the compilation of all diagnostic patterns into
//! one automaton.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use regex_syntax::hir::Hir;
use thiserror::Error;
use toml::Spanned;

use super::automaton::{self, Automaton};
use super::model::{RuleDef, RuleFile};
use super::values::{check_values, status_glob_ok};
use super::{keys, Cause, Example, Place, Rule, RuleSet, DEFAULT_RULES};

/// A problem in a rule file, at a place.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("{file}{}: {message}", position(*.line, *.column))]
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

/// `:line:column`, or nothing for a problem with the whole file (line 0).
fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

/// A rule file's name and text.
pub(super) struct Source {
    name: String,
    text: String,
    user: bool,
    /// A file built into the program: its keys are known to be right (a
    /// test checks them), so they are not read twice at every start.
    builtin: bool,
    /// Where each line starts (byte offsets), worked out when first asked.
    lines: OnceLock<Vec<usize>>,
}

impl Source {
    fn new(name: String, text: String, user: bool, builtin: bool) -> Source {
        Source { name, text, user, builtin, lines: OnceLock::new() }
    }

    /// The line and column of byte `offset`.
    fn place(&self, offset: usize) -> Place {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let lines = self.lines.get_or_init(|| {
            let ends = memchr::memchr_iter(b'\n', self.text.as_bytes());
            std::iter::once(0).chain(ends.map(|i| i + 1)).collect()
        });
        // The lines that start at or before `end`: at least the first.
        let line = lines.partition_point(|&start| start <= end);
        let column = self.text[lines[line - 1]..end].chars().count() + 1;
        Place { file: self.name.clone(), line, column }
    }

    /// A problem at byte `offset`.
    pub(super) fn error(
        &self,
        offset: usize,
        message: impl Into<String>,
    ) -> RuleError {
        let Place { file, line, column } = self.place(offset);
        RuleError { file, line, column, message: message.into() }
    }
}

/// See [`RuleSet::load`]; returns the problems beside the rules.
pub fn load(user: &[PathBuf], defaults: bool) -> (RuleSet, Vec<RuleError>) {
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    for path in user {
        read_user(path, &mut sources, &mut errors);
    }
    if defaults {
        for (name, text) in DEFAULT_RULES {
            let name = format!("rules/{name}");
            sources.push(Source::new(name, text.to_string(), false, true));
        }
    }
    from_sources(&sources, errors)
}

/// See [`RuleSet::from_texts`].
pub fn from_texts(
    user: &[(&str, &str)],
    defaults: &[(&str, &str)],
) -> (RuleSet, Vec<RuleError>) {
    let source = |(name, text): &(&str, &str), user| {
        Source::new(name.to_string(), text.to_string(), user, false)
    };
    let sources: Vec<Source> = user
        .iter()
        .map(|f| source(f, true))
        .chain(defaults.iter().map(|f| source(f, false)))
        .collect();
    from_sources(&sources, Vec::new())
}

/// The rules of every source that could be read, and every problem found.
/// A rule with a problem is left out (or loses the bad pattern), so that
/// the rest can still be checked.
fn from_sources(
    sources: &[Source],
    mut errors: Vec<RuleError>,
) -> (RuleSet, Vec<RuleError>) {
    let mut files = Vec::new();
    // The files are read on all cores, their problems kept in order.
    let read: Vec<_> = sources
        .par_iter()
        .map(|s| {
            let unknown =
                if s.builtin { Vec::new() } else { keys::unknown(&s.text) };
            (unknown, toml::from_str::<RuleFile>(&s.text))
        })
        .collect();
    for (s, (unknown, file)) in sources.iter().zip(read) {
        for (at, message) in unknown {
            errors.push(s.error(at, message));
        }
        match file {
            Ok(f) => files.push((s, f)),
            Err(e) => {
                let at = e.span().map_or(0, |r| r.start);
                let message = e.message().trim().replace('\n', "; ");
                errors.push(s.error(at, message));
            }
        }
    }
    let set = build(&files, &mut errors);
    (set, errors)
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
        Ok(text) => {
            let name = path.display().to_string();
            sources.push(Source::new(name, text, true, false))
        }
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
    let causes = build_causes(files, errors);
    let mut rules: Vec<Rule> = Vec::new();
    // The patterns' different regexes; for each pattern, its regex.
    let (mut hirs, mut pattern_hir): (Vec<Hir>, Vec<usize>) = (vec![], vec![]);
    let mut pattern_rule = Vec::new();
    // Where each pattern is written, to report one that cannot be compiled.
    let mut hir_at: Vec<(&Source, usize)> = Vec::new();
    let mut parsed = parse_all(files);
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (src, f) in files {
        for def in &f.rule {
            let d = def.get_ref();
            let id = d.id.get_ref();
            check_values(src, d, errors);
            let Some(borrowed) = borrowed(d, files, src, errors) else {
                continue;
            };
            if let Some(prev) = rules.iter().find(|r| *r.id == **id) {
                if prev.user == src.user {
                    errors.push(src.error(
                        d.id.span().start,
                        format!(
                            "duplicate rule id `{id}` (first at {})",
                            prev.place
                        ),
                    ));
                }
                continue; // a user rule replaces the default of that id
            }
            let Some(cause) =
                causes.iter().position(|c| *c.name == **d.cause.get_ref())
            else {
                errors.push(src.error(
                    d.cause.span().start,
                    format!("unknown cause `{}`", d.cause.get_ref()),
                ));
                continue;
            };
            let first = pattern_hir.len();
            let mut written = Vec::new();
            let own = d.diagnostic.iter().map(|p| (p, true));
            let all = own.chain(borrowed.into_iter().map(|p| (p, false)));
            for (p, here) in all {
                // A pattern written twice (borrowed with `like`) is one
                // regex, or has the same problem.
                let text = p.get_ref().as_str();
                let found = match (first_at.get(text), parsed.remove(text)) {
                    (Some(&i), _) => Ok(i),
                    (None, found) => {
                        let found =
                            found.unwrap_or_else(|| automaton::parse(text));
                        match found {
                            Ok(hir) => {
                                first_at.insert(text, hirs.len());
                                hirs.push(hir);
                                hir_at.push((*src, p.span().start));
                                Ok(hirs.len() - 1)
                            }
                            Err(m) => {
                                parsed.insert(text, Err(m.clone()));
                                Err(m)
                            }
                        }
                    }
                };
                match found {
                    Ok(i) => {
                        pattern_hir.push(i);
                        pattern_rule.push(rules.len());
                    }
                    // A borrowed pattern's problem is reported at its rule.
                    Err(_) if !here => continue,
                    Err(m) => errors.push(src.error(p.span().start, m)),
                }
                written.push(p.get_ref().clone());
            }
            let place = src.place(def.span().start);
            let mut rule = rule_of(d, cause, src, place);
            rule.diagnostic = written;
            rule.patterns = first..pattern_hir.len();
            rules.push(rule);
        }
    }
    let regex = compile_all(hirs, pattern_hir, &hir_at, errors);
    let fallback =
        causes.iter().position(|c| &*c.name == "undefined").unwrap_or(0);
    let mut set = RuleSet {
        causes,
        rules,
        automaton: regex,
        pattern_rule,
        code_rules: Vec::new(),
        text_rules: Vec::new(),
        pattern_rank: Vec::new(),
        fallback,
        serial: SERIAL.fetch_add(1, Ordering::Relaxed),
    };
    let mut code_rules: Vec<usize> = (0..set.rules.len())
        .filter(|&i| set.rules[i].diagnostic.is_empty())
        .collect();
    code_rules.sort_by_key(|&i| set.standing(i, false));
    set.code_rules = code_rules;
    rank_text_rules(&mut set);
    set
}

/// Ranks the rules with a diagnostic condition by standing, so that the
/// rules a text matched sort best first as plain numbers.
fn rank_text_rules(set: &mut RuleSet) {
    let mut text_rules: Vec<usize> = (0..set.rules.len())
        .filter(|&i| !set.rules[i].diagnostic.is_empty())
        .collect();
    text_rules.sort_by_key(|&i| set.standing(i, true));
    let mut rank = vec![0u32; set.rules.len()];
    for (r, &i) in text_rules.iter().enumerate() {
        rank[i] = r as u32;
    }
    set.pattern_rank = set.pattern_rule.iter().map(|&i| rank[i]).collect();
    set.text_rules = text_rules;
}

/// Every diagnostic pattern written in `files`, parsed (on all cores:
/// parsing them is a good part of the startup).
fn parse_all<'f>(
    files: &'f [(&Source, RuleFile)],
) -> HashMap<&'f str, Result<Hir, String>> {
    let mut texts: Vec<&str> = files
        .iter()
        .flat_map(|(_, f)| &f.rule)
        .flat_map(|d| &d.get_ref().diagnostic)
        .map(|p| p.get_ref().as_str())
        .collect();
    texts.sort_unstable();
    texts.dedup();
    texts.into_par_iter().map(|t| (t, automaton::parse(t))).collect()
}

/// The diagnostic patterns that rule `d` borrows with `like`, or `None`
/// (and a problem) when a name it gives is no rule that has patterns of its
/// own. A user's rule borrows from the user's rules first (so a rule
/// replacing a default one of the same id is the one found), then from the
/// defaults; a default rule borrows from the defaults only, so that
/// replacing a rule never breaks the defaults that borrow from it.
fn borrowed<'f>(
    d: &RuleDef,
    files: &'f [(&Source, RuleFile)],
    src: &Source,
    errors: &mut Vec<RuleError>,
) -> Option<Vec<&'f Spanned<String>>> {
    let mut out = Vec::new();
    for name in &d.like {
        let defs = files
            .iter()
            .filter(|(s, _)| src.user || !s.user)
            .flat_map(|(_, f)| &f.rule);
        let target = defs
            .map(|r| r.get_ref())
            .find(|r| r.id.get_ref() == name.get_ref());
        let problem = match target {
            None => "names no rule",
            Some(t) if !t.like.is_empty() => {
                "names a rule that itself uses `like`"
            }
            Some(t) if t.diagnostic.is_empty() => {
                "names a rule with no diagnostic patterns"
            }
            Some(t) => {
                out.extend(&t.diagnostic);
                continue;
            }
        };
        errors.push(src.error(
            name.span().start,
            format!("like `{}` {problem}", name.get_ref()),
        ));
        return None;
    }
    Some(out)
}

/// Numbers rule sets, so that matching scratch is never shared by two.
static SERIAL: AtomicU64 = AtomicU64::new(0);

/// The causes of all files; the first declaration of a name wins (user
/// files come first), a second one at the same standing is an error. The
/// cause `undefined` is added when no file declares it.
fn build_causes(
    files: &[(&Source, RuleFile)],
    errors: &mut Vec<RuleError>,
) -> Vec<Cause> {
    let mut causes: Vec<(Cause, bool)> = Vec::new();
    for (src, f) in files {
        for (name, def) in &f.cause {
            if let Some((prev, user)) =
                causes.iter().find(|(c, _)| *c.name == **name)
            {
                if *user == src.user {
                    errors.push(src.error(
                        def.span().start,
                        format!(
                            "cause `{name}` is declared twice (first at {})",
                            prev.place
                        ),
                    ));
                }
                continue;
            }
            let d = def.get_ref();
            if let Some(s) = &d.status {
                if !status_glob_ok(s) || s.contains(['*', '?']) {
                    errors.push(src.error(
                        def.span().start,
                        format!(
                            "cause `{name}`: status `{s}` is not a status \
                             code (e.g. 5.1.1)"
                        ),
                    ));
                }
            }
            let at = src.place(def.span().start);
            causes.push((
                Cause {
                    name: name.as_str().into(),
                    summary: d.summary.clone(),
                    hard: d.hard,
                    hard_when_temporary: d.hard_when_temporary,
                    advice: d.advice.as_str().into(),
                    status: d.status.clone(),
                    place: format!("{}:{}", at.file, at.line),
                },
                src.user,
            ));
        }
    }
    let mut causes: Vec<Cause> = causes.into_iter().map(|(c, _)| c).collect();
    if !causes.iter().any(|c| &*c.name == "undefined") {
        causes.push(Cause {
            name: "undefined".into(),
            summary: "No rule matched the facts of this report.".into(),
            hard: false,
            hard_when_temporary: false,
            advice: "Read the diagnostic text; add a rule if it recurs.".into(),
            status: None,
            place: String::new(),
        });
    }
    causes
}

fn rule_of(d: &RuleDef, cause: usize, src: &Source, place: Place) -> Rule {
    let v = |x: &[Spanned<String>]| {
        x.iter().map(|s| s.get_ref().trim().to_string()).collect()
    };
    Rule {
        id: d.id.get_ref().as_str().into(),
        cause,
        user: src.user,
        place: format!("{}:{}", place.file, place.line),
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
        command: v(&d.command)
            .into_iter()
            .map(|c: String| c.to_ascii_lowercase())
            .collect(),
        diagnostic: Vec::new(),
        patterns: 0..0,
        hard: d.hard,
        advice: d.advice.as_deref().map(Arc::from),
        implies: d.implies.clone(),
        priority: d.priority,
        examples: d
            .examples
            .iter()
            .map(|e| Example {
                text: e.get_ref().clone(),
                place: src.place(e.span().start),
            })
            .collect(),
    }
}

/// The automaton of patterns whose regexes are `hirs[pattern_hir[i]]`; a
/// regex that cannot be compiled is reported where `at` says it is written.
fn compile_all(
    hirs: Vec<Hir>,
    pattern_hir: Vec<usize>,
    at: &[(&Source, usize)],
    errors: &mut Vec<RuleError>,
) -> Option<Automaton> {
    if pattern_hir.is_empty() {
        return None;
    }
    match Automaton::build(hirs, pattern_hir) {
        Ok(a) => Some(a),
        Err((Some(i), e)) => {
            let (src, offset) = at[i];
            errors.push(src.error(
                offset,
                format!("this pattern cannot be compiled: {e}"),
            ));
            None
        }
        Err((None, e)) => {
            errors.push(RuleError {
                file: "(all rules)".into(),
                line: 0,
                column: 0,
                message: format!("the patterns' words cannot be indexed: {e}"),
            });
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::{RuleError, RuleSet};

    const CAUSE: &str =
        "[cause.gone]\nsummary = \"s\"\nhard = true\nadvice = \"a\"\n";

    fn errors(user: &str) -> Vec<RuleError> {
        let defaults = format!(
            "{CAUSE}[[rule]]\nid = \"d\"\ncause = \"gone\"\nreply = [\"5*\"]\n"
        );
        match RuleSet::from_texts(&[("u.toml", user)], &[("d.toml", &defaults)])
        {
            Ok(_) => Vec::new(),
            Err(e) => e,
        }
    }

    /// The problems of `user` other than rules without conditions.
    fn errors_but_empty_rules(user: &str) -> Vec<RuleError> {
        let mut e = errors(user);
        e.retain(|e| !e.message.contains("has no conditions"));
        e
    }

    fn at(e: &RuleError) -> (usize, usize) {
        (e.line, e.column)
    }

    #[test]
    fn a_pattern_too_big_to_compile_is_reported_where_it_is_written() {
        let user = format!(
            "{CAUSE}[[rule]]\nid = \"huge\"\ncause = \"gone\"\n\
             diagnostic = [\"fine\", '\\w{{500}}{{500}}']\n"
        );
        let e = errors(&user);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(at(&e[0]), (8, 23));
        assert!(e[0].message.contains("cannot be compiled"), "{e:?}");
    }

    #[test]
    fn a_bad_pattern_is_reported_at_its_line_and_column() {
        let e = errors(
            "[[rule]]\nid = \"x\"\ncause = \"gone\"\n\
             diagnostic = [\"fine\",\n  \"(unclosed\"]\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!((e[0].file.as_str(), at(&e[0])), ("u.toml", (5, 3)));
        assert!(e[0].message.contains("invalid pattern `(unclosed`"));
    }

    #[test]
    fn every_unknown_key_is_reported() {
        let e = errors_but_empty_rules(
            "[[rule]]\nid = \"x\"\ncause = \"gone\"\nstatuss = [\"5.1.1\"]\n\
             [[rule]]\nid = \"y\"\ncause = \"gone\"\n  diagnostics = [\"a\"]\n",
        );
        let got: Vec<_> = e.iter().map(at).collect();
        assert_eq!(got, [(4, 1), (8, 3)], "{e:?}");
        assert!(e[0].message.contains("unknown key `statuss`"));
    }

    #[test]
    fn unknown_causes_and_duplicate_ids() {
        let e = errors_but_empty_rules(
            "[[rule]]\nid = \"x\"\ncause = \"gonne\"\n\
             [[rule]]\nid = \"y\"\ncause = \"gone\"\n\
             [[rule]]\nid = \"y\"\ncause = \"gone\"\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(at(&e[0]), (3, 9));
        assert!(e[0].message.contains("unknown cause `gonne`"));
        assert_eq!(at(&e[1]), (8, 6));
        assert!(e[1]
            .message
            .contains("duplicate rule id `y` (first at u.toml:4)"));
    }

    #[test]
    fn a_user_rule_or_cause_replaces_the_default_of_that_name() {
        let user = "[cause.gone]\nsummary = \"mine\"\nhard = false\n\
                    advice = \"b\"\n[[rule]]\nid = \"d\"\ncause = \"gone\"\n\
                    reply = [\"550\"]\n";
        let defaults = format!(
            "{CAUSE}[[rule]]\nid = \"d\"\ncause = \"gone\"\nreply = [\"5*\"]\n"
        );
        let set =
            RuleSet::from_texts(&[("u.toml", user)], &[("d.toml", &defaults)])
                .unwrap();
        assert_eq!(set.rules.len(), 1);
        assert!(set.rules[0].user);
        assert_eq!(set.cause("gone").unwrap().summary, "mine");
    }

    #[test]
    fn a_cause_declared_twice_at_the_same_level_is_an_error() {
        let e = errors(CAUSE);
        assert!(e.is_empty(), "a user may redeclare a default cause: {e:?}");
        let e =
            RuleSet::from_texts(&[], &[("a.toml", CAUSE), ("b.toml", CAUSE)])
                .err()
                .unwrap();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("declared twice (first at a.toml:1)"));
    }

    #[test]
    fn values_that_cannot_match_are_reported() {
        let e = errors(
            "[[rule]]\nid = \"x\"\ncause = \"gone\"\n\
             status = [\"5.1\", \"6.1.1\", \"5.1.1\"]\nreply = [\"5\", \"55*\"]\n\
             action = [\"bounced\"]\n",
        );
        let got: Vec<_> = e.iter().map(at).collect();
        assert_eq!(got, [(4, 11), (4, 18), (5, 10), (6, 11)], "{e:?}");
    }

    #[test]
    fn a_rule_without_conditions_is_an_error() {
        let e =
            errors("[[rule]]\nid = \"all\"\ncause = \"gone\"\nhard = false\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(at(&e[0]), (2, 6));
        assert!(e[0].message.contains("has no conditions"));
    }
}
