//! The rule-file format as written: TOML with `[cause.NAME]` tables and
//! `[[rule]]` entries. Every value keeps its position so that problems
//! point at a line; unknown keys are found (all of them) by `keys`, so the
//! model itself ignores them.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// One rule file as parsed.
#[derive(Debug, Deserialize)]
pub struct RuleFile {
    /// Causes declared in this file.
    #[serde(default)]
    pub cause: BTreeMap<String, Spanned<CauseDef>>,
    /// Rules, in file order.
    #[serde(default)]
    pub rule: Vec<Spanned<RuleDef>>,
}

/// A cause: what it means, whether it is a hard bounce, and what to do.
#[derive(Debug, Clone, Deserialize)]
pub struct CauseDef {
    /// One line saying what happened.
    pub summary: String,
    /// True when the address should not be mailed again.
    pub hard: bool,
    /// What an administrator should do.
    pub advice: String,
    /// Whether `hard` holds also for a failure given with a temporary
    /// (4xx) code; by default such a failure is soft.
    #[serde(default)]
    pub hard_when_temporary: bool,
    /// The standard status code this cause implies, for reports that give
    /// none (`5.1.1`; the class becomes 4 for delays).
    #[serde(default)]
    pub status: Option<String>,
}

/// A rule: conditions (ANDed; the values of one condition ORed) and the cause
/// it names.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleDef {
    /// Unique id, shown in the `rule` column.
    pub id: Spanned<String>,
    /// The cause this rule names.
    pub cause: Spanned<String>,
    /// Enhanced status code globs (`5.1.1`, `5.7.*`).
    #[serde(default)]
    pub status: Vec<Spanned<String>>,
    /// SMTP reply code globs (`550`, `55*`).
    #[serde(default)]
    pub reply: Vec<Spanned<String>>,
    /// Regular expressions, case-insensitive, on the diagnostic text.
    #[serde(default)]
    pub diagnostic: Vec<Spanned<String>>,
    /// The ids of rules whose diagnostic patterns this rule also uses.
    #[serde(default)]
    pub like: Vec<Spanned<String>>,
    /// Remote server host globs.
    #[serde(default)]
    pub remote: Vec<Spanned<String>>,
    /// Actions (`failed`, `delayed`, ...).
    #[serde(default)]
    pub action: Vec<Spanned<String>>,
    /// Report kinds (`bounce`, `delay`, `feedback`, `auto-reply`).
    #[serde(default)]
    pub kind: Vec<Spanned<String>>,
    /// Sender domain globs.
    #[serde(default)]
    pub sender_domain: Vec<Spanned<String>>,
    /// Recipient domain globs.
    #[serde(default)]
    pub recipient_domain: Vec<Spanned<String>>,
    /// Globs on the SMTP command the failure reply answered (`rcpt`,
    /// `data`, ...).
    #[serde(default)]
    pub command: Vec<Spanned<String>>,
    /// Overrides the cause's hard flag.
    #[serde(default)]
    pub hard: Option<bool>,
    /// Overrides the cause's advice.
    #[serde(default)]
    pub advice: Option<String>,
    /// Standard status this rule implies when the report gives none
    /// (overrides the cause's).
    #[serde(default)]
    pub implies: Option<String>,
    /// Higher wins among rules of the same standing.
    #[serde(default)]
    pub priority: i32,
    /// Diagnostic texts this rule must win.
    #[serde(default)]
    pub examples: Vec<Spanned<String>>,
}
