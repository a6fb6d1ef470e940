//! Picking the winner: one pass of the multi-pattern automaton over the
//! diagnostic text tells which rules' text conditions hold; then the rule of
//! best standing whose other conditions hold wins.
//!
//! Standing, best first: a user rule before a default rule; a rule that
//! matched on diagnostic text before one that matched on codes alone; the
//! higher `priority`; the earlier rule. The order is total (the rule index
//! breaks every tie), so the answer never depends on the run.
//!
//! The hot path ([`RuleSet::winner`]) allocates nothing: the automaton's
//! cache and the set of matched patterns live in a per-thread scratch, and
//! code-only rules are pre-sorted by standing so the first that holds is the
//! best of them.

use std::cell::RefCell;
use std::cmp::Reverse;

use regex_automata::{meta, Input, PatternSet};

use super::{Facts, RuleSet};

/// The sort key of a rule that matched: smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Standing {
    /// False for a user rule (so that user rules sort first).
    pub default: bool,
    /// False when the rule matched on diagnostic text.
    pub codes_only: bool,
    /// The rule's priority, higher first.
    pub priority: Reverse<i32>,
    /// The rule's index in [`RuleSet::rules`]: file order.
    pub index: usize,
}

impl Standing {
    /// Why a rule of this standing beats one of `other`'s, in words.
    pub fn beats(&self, other: &Standing) -> &'static str {
        if self.default != other.default {
            "a user rule beats a default rule"
        } else if self.codes_only != other.codes_only {
            "a rule that matched the diagnostic text beats one that matched \
             codes alone"
        } else if self.priority != other.priority {
            "higher priority"
        } else {
            "written earlier (file order)"
        }
    }
}

/// One rule that matched, for `explain` and `rules test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index in [`RuleSet::rules`].
    pub rule: usize,
    /// True when the rule has a diagnostic condition (and so it matched).
    pub by_text: bool,
    /// Which of the rule's diagnostic patterns matched (indices into
    /// [`super::Rule::diagnostic`]).
    pub patterns: Vec<usize>,
    /// Its standing.
    pub standing: Standing,
}

/// Per-thread matching state, reused from one recipient to the next.
struct Scratch {
    serial: u64,
    cache: meta::Cache,
    set: PatternSet,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

impl RuleSet {
    /// The standing of rule `index` when it matched (`by_text` says whether
    /// through its diagnostic condition).
    pub fn standing(&self, index: usize, by_text: bool) -> Standing {
        let r = &self.rules[index];
        Standing {
            default: !r.user,
            codes_only: !by_text,
            priority: Reverse(r.priority),
            index,
        }
    }

    /// Runs the automaton once over `text` and calls `found` with each
    /// pattern that matched, in ascending order.
    fn scan_text(&self, text: &str, mut found: impl FnMut(usize)) {
        let Some(re) = &self.regex else { return };
        if text.is_empty() {
            return;
        }
        SCRATCH.with(|cell| {
            let mut slot = cell.borrow_mut();
            let s = match &mut *slot {
                Some(s) if s.serial == self.serial => s,
                other => other.insert(Scratch {
                    serial: self.serial,
                    cache: re.create_cache(),
                    set: PatternSet::new(re.pattern_len()),
                }),
            };
            s.set.clear();
            re.which_overlapping_matches_with(
                &mut s.cache,
                &Input::new(text),
                &mut s.set,
            );
            for p in s.set.iter() {
                found(p.as_usize());
            }
        });
    }

    /// The index of the winning rule for `facts`, if any matched.
    pub fn winner(&self, facts: &Facts<'_>) -> Option<usize> {
        let mut best: Option<Standing> = None;

        // Rules whose diagnostic condition matched.
        let mut last = usize::MAX;
        self.scan_text(facts.diagnostic, |p| {
            let i = self.pattern_rule[p];
            if i == last {
                return; // another pattern of the same rule
            }
            last = i;
            let s = self.standing(i, true);
            if best.is_none_or(|b| s < b) && self.rules[i].accepts(facts) {
                best = Some(s);
            }
        });

        // Code-only rules, best first: the first that holds is the best of
        // them; stop as soon as none left can beat the text winner.
        for &i in &self.code_rules {
            let s = self.standing(i, false);
            if best.is_some_and(|b| b < s) {
                break;
            }
            if self.rules[i].accepts(facts) {
                best = Some(s);
                break;
            }
        }
        best.map(|s| s.index)
    }

    /// Every rule that matches `facts`, best first, with the patterns that
    /// matched. The first is [`RuleSet::winner`].
    pub fn matches(&self, facts: &Facts<'_>) -> Vec<Match> {
        let mut hits: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        self.scan_text(facts.diagnostic, |p| {
            let i = self.pattern_rule[p];
            hits[i].push(p - self.rules[i].patterns.start);
        });
        let mut out: Vec<Match> = self
            .rules
            .iter()
            .enumerate()
            .zip(hits)
            .filter(|((_, r), hit)| {
                (r.diagnostic.is_empty() || !hit.is_empty()) && r.accepts(facts)
            })
            .map(|((i, r), hit)| {
                let by_text = !r.diagnostic.is_empty();
                Match {
                    rule: i,
                    by_text,
                    patterns: hit,
                    standing: self.standing(i, by_text),
                }
            })
            .collect();
        out.sort_by_key(|m| m.standing);
        out
    }
}
