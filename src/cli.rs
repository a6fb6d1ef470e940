//! Command-line arguments and the terminal side of each subcommand.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bounceaudit::output::CsvStyle;
use bounceaudit::rules::{RuleError, RuleSet};
use bounceaudit::scan::{self, ScanError, ScanOptions};
use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str =
    "Exit codes: 0 every input read; 1 finished, but some \
paths could not be read; 2 usage or rule-file error (nothing scanned); \
130 interrupted (no report written).";

/// Decode bounce mail (DSNs and text NDRs) and classify every failed
/// recipient with editable TOML rules.
#[derive(Parser)]
#[command(name = "bounceaudit", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan mbox files, maildirs, message files (or - for stdin) and write
    /// the CSV reports.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Check, test or write out rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Args)]
struct RuleArgs {
    /// A rule file or folder of *.toml files; repeatable. These win over
    /// the default rules.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Use only the rules given with --rules.
    #[arg(long)]
    no_default_rules: bool,
}

#[derive(Args)]
struct ScanArgs {
    /// Files and folders to read; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The folder to write the reports into.
    #[arg(long, short, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    rules: RuleArgs,
    /// Write a UTF-8 BOM and CRLF line ends, for Excel.
    #[arg(long)]
    excel: bool,
    /// Read files instead of memory-mapping them.
    #[arg(long)]
    no_mmap: bool,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load the rules and report every problem as file:line:column.
    Check(RuleArgs),
    /// Run every rule's examples and report those won by another rule.
    Test(RuleArgs),
    /// Write the default rule files into a folder, to start your own set.
    Dump {
        /// The folder to write into.
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Runs the command line and returns the exit code.
pub fn run() -> i32 {
    // A decoder bug is caught per message (it becomes an `undecodable`
    // skip); its panic text may quote the message, so it is escaped too.
    std::panic::set_hook(Box::new(|info| {
        let text: String = info.to_string().chars().take(400).collect();
        eprintln!("bounceaudit: internal error: {}", escape(&text));
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Scan(args) => scan_command(args),
        Command::Rules(RulesCommand::Check(args)) => match load_rules(&args) {
            Some(set) => {
                println!(
                    "rules ok: {} causes, {} rules",
                    set.causes.len(),
                    set.rules.len()
                );
                0
            }
            None => 2,
        },
        Command::Rules(RulesCommand::Test(args)) => rules_test(&args),
        Command::Rules(RulesCommand::Dump { out }) => rules_dump(&out),
    }
}

fn load_rules(args: &RuleArgs) -> Option<RuleSet> {
    match RuleSet::load(&args.rules, !args.no_default_rules) {
        Ok(set) => Some(set),
        Err(errors) => {
            report_rule_errors(&errors);
            None
        }
    }
}

fn report_rule_errors(errors: &[RuleError]) {
    for e in errors {
        eprintln!("{}", escape(&e.to_string()));
    }
}

fn scan_command(args: ScanArgs) -> i32 {
    let Some(rules) = load_rules(&args.rules) else { return 2 };
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        let out = args.out.clone();
        let _ = ctrlc::set_handler(move || {
            // The first Ctrl-C stops the scan at the next batch; a second
            // one ends a scan that is stuck (waiting on a terminal's stdin).
            if flag.swap(true, Ordering::SeqCst) {
                bounceaudit::output::remove_temporaries(&out);
                eprintln!("bounceaudit: interrupted; no report written");
                std::process::exit(130);
            }
        });
    }
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes} read, {bytes_per_sec} {msg}",
            )
            .expect("valid template"),
        );
        bar
    };
    let progress = |n: u64| bar.inc(n);
    let opts = ScanOptions {
        rules: &rules,
        out: args.out.clone(),
        style: CsvStyle { excel: args.excel },
        mmap: !args.no_mmap,
        interrupted: &interrupted,
        progress: &progress,
    };
    let result = scan::scan(&args.paths, &opts);
    bar.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(ScanError::Interrupted) => {
            eprintln!("bounceaudit: interrupted; no report written");
            return 130;
        }
        Err(e) => {
            eprintln!("bounceaudit: {}", escape(&e.to_string()));
            return 2;
        }
    };
    for e in &result.errors {
        eprintln!("bounceaudit: {}", escape(&e.to_string()));
    }
    if !args.quiet {
        print_summary(&result.tally, &args.out);
    }
    if result.errors.is_empty() {
        0
    } else {
        1
    }
}

fn print_summary(t: &bounceaudit::output::Tally, out: &std::path::Path) {
    println!(
        "{} messages read = {} decoded + {} skipped; {} rows in {}",
        t.messages,
        t.decoded,
        t.skipped_total(),
        t.rows,
        out.join("bounces.csv").display()
    );
    let kinds: Vec<String> =
        t.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if !kinds.is_empty() {
        println!("rows by kind: {}", kinds.join(", "));
    }
    let skipped: Vec<String> =
        t.skipped.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if !skipped.is_empty() {
        println!("skipped: {}", skipped.join(", "));
    }
    let causes = t.top_causes(8);
    let servers = t.top_servers(8);
    if !causes.is_empty() {
        println!(
            "\n{:<20} {:>8}    {:<40} {:>8}",
            "top causes", "rows", "top servers", "rows"
        );
        for i in 0..causes.len().max(servers.len()) {
            let (c, cn) =
                causes.get(i).map_or(("", String::new()), |(c, n)| {
                    (c.as_str(), n.to_string())
                });
            let (s, sn) = servers
                .get(i)
                .map_or((String::new(), String::new()), |(s, n)| {
                    (escape(s), n.to_string())
                });
            println!("{c:<20} {cn:>8}    {s:<40} {sn:>8}");
        }
    }
}

fn rules_test(args: &RuleArgs) -> i32 {
    let Some(set) = load_rules(args) else { return 2 };
    let mut failures = 0;
    let mut total = 0;
    for (i, rule) in set.rules.iter().enumerate() {
        for example in &rule.examples {
            total += 1;
            let facts = rule.sample_facts(example);
            let won = set.matches(&facts).first().map(|m| m.rule);
            if won != Some(i) {
                failures += 1;
                let by = won.map_or("no rule".to_string(), |w| {
                    format!(
                        "rule `{}` ({})",
                        set.rules[w].id, set.rules[w].place
                    )
                });
                println!(
                    "{}: example of `{}` is won by {by}: {example:?}",
                    rule.place, rule.id
                );
            }
        }
    }
    println!(
        "{total} examples, {} passed, {failures} failed",
        total - failures
    );
    if failures == 0 {
        0
    } else {
        2
    }
}

fn rules_dump(out: &std::path::Path) -> i32 {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("bounceaudit: {}: {e}", out.display());
        return 2;
    }
    for (name, text) in bounceaudit::rules::DEFAULT_RULES {
        if let Err(e) = std::fs::write(out.join(name), text) {
            eprintln!("bounceaudit: {}: {e}", out.join(name).display());
            return 2;
        }
    }
    println!(
        "wrote {} rule files to {}",
        bounceaudit::rules::DEFAULT_RULES.len(),
        out.display()
    );
    0
}

/// Escapes control characters (and the invisible marks that reorder text,
/// U+200E/F, U+202A-E, U+2066-9) so that text from messages can neither
/// drive the terminal nor disguise itself.
fn escape(s: &str) -> String {
    let risky = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}')
            || matches!(c, '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(risky) {
        return s.to_string();
    }
    s.chars()
        .flat_map(|c| {
            if risky(c) {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
