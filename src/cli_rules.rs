//! The rule tooling on the command line: `rules check`, `rules test`,
//! `rules dump` and `explain`. Argument parsing stays in `cli`; the work is
//! in the library (`rules`, `explain`).

use std::io::Write;
use std::path::{Path, PathBuf};

use bounceaudit::rules::{RuleError, RuleSet, DEFAULT_RULES};

/// Loads the rules, printing every problem; `None` when there were any.
pub fn load(rules: &[PathBuf], no_defaults: bool) -> Option<RuleSet> {
    match RuleSet::load(rules, !no_defaults) {
        Ok(set) => Some(set),
        Err(errors) => {
            print_errors(&errors);
            None
        }
    }
}

/// Prints rule problems, one `file:line:column: message` line each.
pub fn print_errors(errors: &[RuleError]) {
    for e in errors {
        eprintln!("{}", crate::cli::escape(&e.to_string()));
    }
}

/// `rules check`: 0 when clean, 2 with one line per problem.
pub fn check(rules: &[PathBuf], no_defaults: bool) -> i32 {
    match RuleSet::check(rules, !no_defaults) {
        Ok(set) => {
            let examples: usize =
                set.rules.iter().map(|r| r.examples.len()).sum();
            println!(
                "rules ok: {} causes, {} rules, {examples} examples",
                set.causes.len(),
                set.rules.len(),
            );
            0
        }
        Err(errors) => {
            print_errors(&errors);
            let n = errors.len();
            let s = if n == 1 { "" } else { "s" };
            eprintln!("bounceaudit: {n} problem{s} in the rules");
            2
        }
    }
}

/// `rules test`: runs every example; 2 when one is won by another rule.
pub fn test(rules: &[PathBuf], no_defaults: bool) -> i32 {
    let Some(set) = load(rules, no_defaults) else { return 2 };
    let (overridden, failures): (Vec<_>, Vec<_>) =
        set.test_examples().into_iter().partition(|f| f.overridden);
    for f in &failures {
        println!("{}", crate::cli::escape(&f.error.to_string()));
    }
    let total: usize = set.rules.iter().map(|r| r.examples.len()).sum();
    let passed = total - failures.len() - overridden.len();
    print!("{total} examples, {passed} passed, {} failed", failures.len());
    if overridden.is_empty() {
        println!();
    } else {
        println!(
            ", {} default examples won by your rules (overrides)",
            overridden.len()
        );
    }
    if failures.is_empty() {
        0
    } else {
        2
    }
}

/// `rules dump`: writes the default rule files into `out`. A file of the
/// same name that differs (rules someone edited) is left alone, and nothing
/// is written, unless `force`.
pub fn dump(out: &Path, force: bool) -> i32 {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("bounceaudit: {}: {e}", out.display());
        return 2;
    }
    let edited: Vec<String> = DEFAULT_RULES
        .iter()
        .filter(|(name, text)| {
            std::fs::read(out.join(name))
                .is_ok_and(|old| old != text.as_bytes())
        })
        .map(|(name, _)| out.join(name).display().to_string())
        .collect();
    if !edited.is_empty() && !force {
        eprintln!(
            "bounceaudit: {} would be replaced and differs from the default; \
             nothing written (--force replaces it)",
            edited.join(", ")
        );
        return 2;
    }
    for (name, text) in DEFAULT_RULES {
        if let Err(e) = std::fs::write(out.join(name), text) {
            eprintln!("bounceaudit: {}: {e}", out.join(name).display());
            return 2;
        }
    }
    println!("wrote {} rule files to {}", DEFAULT_RULES.len(), out.display());
    0
}

/// `explain MESSAGE`: 0 when explained, 1 when the message cannot be
/// found, 2 for a rule error.
pub fn explain(message: &str, rules: &[PathBuf], no_defaults: bool) -> i32 {
    let Some(set) = load(rules, no_defaults) else { return 2 };
    let found = match bounceaudit::explain::find(message) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bounceaudit: {}", crate::cli::escape(&e.to_string()));
            return 1;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (i, m) in found.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(out);
        }
        if bounceaudit::explain::explain(m, &set, &mut out).is_err() {
            return 1;
        }
    }
    0
}
