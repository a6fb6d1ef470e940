//! Picking the winner: one pass of the multi-pattern automaton over the
//! diagnostic text tells which rules' text conditions hold; then the rule of
//! best standing whose other conditions hold wins.
//!
//! Standing, best first: a user rule before a default rule; a rule that
//! matched on diagnostic text before one that matched on codes alone; the
//! higher `priority`; the earlier rule. The order is total (the rule index
//! breaks every tie), so the answer never depends on the run.
//!
//! The hot path ([`RuleSet::winner`]) allocates nothing for a text met
//! lately: the automaton's caches, the list of matched patterns and a memo
//! of the matching rules of recent texts (best standing first, so the first
//! whose other conditions hold is the text winner) live in per-thread
//! scratch, and code-only rules are pre-sorted by standing so the first that
//! holds is the best of them. A rule whose words were found but whose regex
//! must still be tried is tried only when no better rule won: most texts
//! need few regexes.

use std::cell::RefCell;
use std::cmp::Reverse;

use super::automaton::{Automaton, Scratch};
use super::memo::{self, Matched, Memo, GONE};
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
    pub fn beats(&self, other: &Standing) -> String {
        if self.default != other.default {
            "a user rule beats a default rule".into()
        } else if self.codes_only != other.codes_only {
            "a rule that matched the diagnostic text beats one that matched \
             codes alone"
                .into()
        } else if self.priority != other.priority {
            format!(
                "the winner's priority is higher ({} against {})",
                self.priority.0, other.priority.0
            )
        } else {
            "the winner is written earlier (file order)".into()
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

thread_local! {
    /// Matching state reused from one recipient to the next, with the
    /// serial number of the rule set it belongs to.
    static SCRATCH: RefCell<Option<(u64, Scratch, Memo)>> =
        const { RefCell::new(None) };
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

    /// Calls `work` with the automaton and this thread's scratch for it;
    /// nothing when there are no patterns or `text` is empty.
    fn with_scratch(
        &self,
        text: &str,
        work: impl FnOnce(&Automaton, &mut Scratch, &mut Memo),
    ) {
        let Some(automaton) = &self.automaton else { return };
        if text.is_empty() {
            return;
        }
        SCRATCH.with(|cell| {
            let mut slot = cell.borrow_mut();
            let (_, s, memo) = match &mut *slot {
                Some((serial, s, memo)) if *serial == self.serial => {
                    (serial, s, memo)
                }
                other => {
                    let fresh = (self.serial, automaton.scratch(), memo::new());
                    let (serial, s, memo) = other.insert(fresh);
                    (serial, s, memo)
                }
            };
            work(automaton, s, memo);
        });
    }

    /// Runs the automaton once over `text` and calls `found` with each
    /// pattern that matched, in ascending order.
    fn scan_text(&self, text: &str, mut found: impl FnMut(usize)) {
        self.with_scratch(text, |automaton, s, _| {
            automaton.search(s, text);
            for &p in &s.matched {
                found(p);
            }
        });
    }

    /// The index of the winning rule for `facts`, if any matched.
    pub fn winner(&self, facts: &Facts<'_>) -> Option<usize> {
        let text = facts.diagnostic;

        // Rules whose diagnostic condition matched, best first: the first
        // whose other conditions hold is the text winner.
        let mut best: Option<Standing> = None;
        self.with_scratch(text, |automaton, s, memo| {
            let mut fresh = None;
            let known = match memo.get_mut(text) {
                Some(known) => known,
                None => {
                    automaton.find(s, text);
                    fresh.insert(self.matched(s))
                }
            };
            let verify = |p| automaton.is_match(s, p, text);
            let rule = self.text_winner(known, facts, verify);
            best = rule.map(|i| self.standing(i, true));
            if let Some(known) = fresh {
                memo.put(text, known);
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

    /// What [`Automaton::find`] left in `s`: the rules of the patterns
    /// that surely match and of those that may, each once, best first.
    fn matched(&self, s: &Scratch) -> Matched {
        let rank = |p: &usize| self.pattern_rank[*p] * 2;
        let sure = s.matched.iter().map(rank);
        let maybe = s.candidates.iter().map(|p| rank(p) + 1);
        let mut rules: Vec<u32> = sure.chain(maybe).collect();
        // A rule that surely matches sorts before the same one that may,
        // and stays.
        rules.sort_unstable();
        rules.dedup_by_key(|r| *r / 2);
        let maybe = s.candidates.iter().map(|&p| p as u32).collect();
        Matched { rules: rules.into(), maybe }
    }

    /// The best of the rules `known` to match a text whose other conditions
    /// hold for `facts`. A rule that only may match is tried when it is
    /// reached (`verify` tells whether a pattern matches), and the answer
    /// is kept in `known`.
    fn text_winner(
        &self,
        known: &mut Matched,
        facts: &Facts<'_>,
        mut verify: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        let Matched { rules, maybe } = known;
        for entry in rules.iter_mut().filter(|e| **e != GONE) {
            let rule = self.text_rules[(*entry / 2) as usize];
            if !self.rules[rule].accepts(facts) {
                continue;
            }
            if *entry % 2 == 1 {
                let own = &self.rules[rule].patterns;
                let from = maybe.partition_point(|&p| (p as usize) < own.start);
                let tried = maybe[from..].iter().map(|&p| p as usize);
                let hit =
                    tried.take_while(|p| own.contains(p)).any(&mut verify);
                *entry = if hit { *entry - 1 } else { GONE };
                if !hit {
                    continue;
                }
            }
            return Some(rule);
        }
        None
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

#[cfg(test)]
mod tests {
    use crate::report::Kind;
    use crate::rules::{Facts, RuleSet};

    const CAUSES: &str = r#"
[cause.a]
summary = "a"
hard = true
advice = "do a"
[cause.b]
summary = "b"
hard = false
advice = "do b"
"#;

    fn set(user: &str, defaults: &str) -> RuleSet {
        let defaults = format!("{CAUSES}{defaults}");
        let user = [("user.toml", user)];
        let user: &[(&str, &str)] =
            if user[0].1.is_empty() { &[] } else { &user };
        RuleSet::from_texts(user, &[("rules/d.toml", &defaults)])
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn facts(diagnostic: &str) -> Facts<'_> {
        Facts {
            kind: Some(Kind::Bounce),
            action: "failed",
            status: "5.1.1",
            reply: "550",
            diagnostic,
            ..Facts::default()
        }
    }

    fn winner<'s>(set: &'s RuleSet, diagnostic: &str) -> &'s str {
        let w = set.winner(&facts(diagnostic)).map(|i| &set.rules[i]);
        let first = set.matches(&facts(diagnostic)).first().map(|m| m.rule);
        assert_eq!(w.map(|r| &*r.id), first.map(|i| &*set.rules[i].id));
        w.map_or("", |r| &r.id)
    }

    #[test]
    fn a_user_rule_beats_a_default_rule() {
        // The default rule matches on text with a high priority; the user's
        // matches on codes alone, and still wins.
        let s = set(
            "[[rule]]\nid = \"mine\"\ncause = \"b\"\nstatus = [\"5.1.1\"]\n",
            "[[rule]]\nid = \"theirs\"\ncause = \"a\"\n\
             diagnostic = [\"unknown\"]\npriority = 99\n",
        );
        assert_eq!(winner(&s, "user unknown"), "mine");
    }

    #[test]
    fn a_text_match_beats_a_code_match_of_higher_priority() {
        let s = set(
            "",
            "[[rule]]\nid = \"code\"\ncause = \"a\"\nstatus = [\"5.1.1\"]\n\
             priority = 50\n\
             [[rule]]\nid = \"text\"\ncause = \"b\"\n\
             diagnostic = [\"over quota\"]\n",
        );
        assert_eq!(winner(&s, "550 5.1.1 over quota"), "text");
        assert_eq!(winner(&s, "550 5.1.1 no such user"), "code");
    }

    #[test]
    fn priority_beats_file_order() {
        let s = set(
            "",
            "[[rule]]\nid = \"first\"\ncause = \"a\"\ndiagnostic = [\"x\"]\n\
             [[rule]]\nid = \"second\"\ncause = \"b\"\ndiagnostic = [\"x\"]\n\
             priority = 1\n",
        );
        assert_eq!(winner(&s, "x"), "second");
    }

    #[test]
    fn file_order_breaks_ties_the_same_way_every_time() {
        let rules = |a: &str, b: &str| {
            format!(
                "[[rule]]\nid = \"{a}\"\ncause = \"a\"\ndiagnostic = [\"same\"]\n\
                 [[rule]]\nid = \"{b}\"\ncause = \"b\"\ndiagnostic = [\"same\"]\n"
            )
        };
        let s = set("", &rules("one", "two"));
        for _ in 0..50 {
            assert_eq!(winner(&s, "the same text"), "one");
        }
        let s = set("", &rules("two", "one"));
        assert_eq!(winner(&s, "the same text"), "two");
    }

    #[test]
    fn user_files_keep_their_order_among_themselves() {
        let one = "[[rule]]\nid = \"u1\"\ncause = \"a\"\nreply = [\"5*\"]\n";
        let two = "[[rule]]\nid = \"u2\"\ncause = \"b\"\nreply = [\"5*\"]\n";
        let defaults = CAUSES.to_string();
        let s = RuleSet::from_texts(
            &[("one.toml", one), ("two.toml", two)],
            &[("d.toml", &defaults)],
        )
        .unwrap();
        assert_eq!(winner(&s, ""), "u1");
    }

    #[test]
    fn every_matching_rule_is_listed_best_first() {
        let s = set(
            "[[rule]]\nid = \"u\"\ncause = \"a\"\nreply = [\"550\"]\n",
            "[[rule]]\nid = \"c\"\ncause = \"a\"\nstatus = [\"5.*\"]\n\
             [[rule]]\nid = \"t\"\ncause = \"b\"\n\
             diagnostic = [\"nope\", \"user\", \"unknown\"]\n\
             [[rule]]\nid = \"miss\"\ncause = \"b\"\nstatus = [\"4.*\"]\n",
        );
        let m = s.matches(&facts("user unknown"));
        let ids: Vec<&str> = m.iter().map(|m| &*s.rules[m.rule].id).collect();
        assert_eq!(ids, ["u", "t", "c"]);
        assert_eq!(m[1].patterns, [1, 2]);
        assert!(m[1].by_text && !m[2].by_text);
        assert_eq!(
            m[0].standing.beats(&m[1].standing),
            "a user rule beats a default rule"
        );
    }

    #[test]
    fn nothing_matched_gives_the_fallback_cause() {
        let s = set(
            "",
            "[[rule]]\nid = \"t\"\ncause = \"a\"\nstatus = [\"4.*\"]\n",
        );
        let v = s.classify(&facts("whatever"));
        assert!(v.rule.is_none());
        assert_eq!(&*v.cause.name, "undefined");
    }

    #[test]
    fn a_rule_tried_late_is_tried_for_the_facts_of_each_recipient() {
        // `late` has its word in every text below but its regex needs a
        // number; it is only tried when its status condition holds.
        let s = set(
            "",
            "[[rule]]\nid = \"late\"\ncause = \"a\"\n\
             diagnostic = [\"mailbox \\\\d+ full\"]\nstatus = [\"5.2.2\"]\n\
             priority = 9\n\
             [[rule]]\nid = \"plain\"\ncause = \"b\"\n\
             diagnostic = [\"mailbox\"]\n",
        );
        let full = |status, text| {
            let f = Facts { status, ..facts(text) };
            let i = s.winner(&f).expect("a rule matches");
            assert_eq!(Some(i), s.matches(&f).first().map(|m| m.rule));
            &*s.rules[i].id
        };
        for _ in 0..2 {
            assert_eq!(full("5.1.1", "mailbox 3 full"), "plain");
            assert_eq!(full("5.2.2", "mailbox 3 full"), "late");
            assert_eq!(full("5.2.2", "mailbox is full"), "plain");
            assert_eq!(full("5.1.1", "mailbox is full"), "plain");
        }
    }

    #[test]
    fn two_rule_sets_on_one_thread_do_not_share_matching_state() {
        let s1 = set(
            "",
            "[[rule]]\nid = \"p\"\ncause = \"a\"\ndiagnostic = [\"pear\"]\n",
        );
        let s2 = set(
            "",
            "[[rule]]\nid = \"x\"\ncause = \"a\"\ndiagnostic = [\"x\", \"y\"]\n\
             [[rule]]\nid = \"q\"\ncause = \"b\"\ndiagnostic = [\"pear\"]\n",
        );
        for _ in 0..3 {
            assert_eq!(winner(&s1, "pear"), "p");
            assert_eq!(winner(&s2, "pear"), "q");
        }
    }
}
