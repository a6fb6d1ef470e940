//! Command-line arguments and the terminal side of each subcommand.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bounceaudit::output::{Bound, Period, ReportOptions};
use bounceaudit::rules::RuleSet;

use crate::cli_rules;
use bounceaudit::scan::{self, ScanError, ScanOptions};
use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str =
    "Exit codes: 0 every input read; 1 finished, but some \
paths could not be read; 2 usage or rule-file error (nothing scanned), or \
the reports could not be written; 130 interrupted (no report written).";

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
    /// Show how one message is decoded and which rule wins for each
    /// recipient, and why.
    Explain(ExplainArgs),
}

#[derive(Args)]
struct ExplainArgs {
    /// A message file, or `path:offset` for a message in an mbox (as the
    /// origin column of bounces.csv gives it). An mbox file without an
    /// offset explains each of its messages.
    #[arg(value_name = "MESSAGE")]
    message: String,
    #[command(flatten)]
    rules: RuleArgs,
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
    /// `jsonl` also writes the rows as bounces.jsonl (raw text).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Report only rows dated on or after DATE (UTC: YYYY, YYYY-MM,
    /// YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ). Undated rows are left out.
    #[arg(long, value_name = "DATE", value_parser = Bound::parse)]
    since: Option<Bound>,
    /// Report only rows dated up to DATE, the whole unit included
    /// (`--until 2026-09` takes all of September). Undated rows are left out.
    #[arg(long, value_name = "DATE", value_parser = Bound::parse)]
    until: Option<Bound>,
    /// Read files instead of memory-mapping them.
    #[arg(long)]
    no_mmap: bool,
    /// No progress bar and no summary on the terminal.
    #[arg(long, short)]
    quiet: bool,
}

/// The detail formats written besides the CSV reports.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// CSV only.
    Csv,
    /// CSV and bounces.jsonl.
    Jsonl,
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
        /// Replace files of the same names that differ (edited rules).
        #[arg(long)]
        force: bool,
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
        Command::Rules(RulesCommand::Check(a)) => {
            cli_rules::check(&a.rules, a.no_default_rules)
        }
        Command::Rules(RulesCommand::Test(a)) => {
            cli_rules::test(&a.rules, a.no_default_rules)
        }
        Command::Rules(RulesCommand::Dump { out, force }) => {
            cli_rules::dump(&out, force)
        }
        Command::Explain(a) => cli_rules::explain(
            &a.message,
            &a.rules.rules,
            a.rules.no_default_rules,
        ),
    }
}

fn load_rules(args: &RuleArgs) -> Option<RuleSet> {
    cli_rules::load(&args.rules, args.no_default_rules)
}

fn scan_command(args: ScanArgs) -> i32 {
    let period = Period { since: args.since, until: args.until };
    if let Err(e) = period.check() {
        eprintln!("bounceaudit: {e}");
        return 2;
    }
    let Some(rules) = load_rules(&args.rules) else { return 2 };
    // Kept until the process exits, which frees it at once: taking apart
    // hundreds of patterns one by one costs more than a small scan.
    let rules: &RuleSet = Box::leak(Box::new(rules));
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
            eprintln!("bounceaudit: stopping (Ctrl-C again to stop at once)");
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
        rules,
        out: args.out.clone(),
        style: ReportOptions {
            excel: args.excel,
            jsonl: args.format == Format::Jsonl,
            period,
        },
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
        print!(
            "{}",
            bounceaudit::output::terminal::summary(
                &result.tally,
                &args.out,
                &period
            )
        );
    }
    if result.errors.is_empty() {
        0
    } else {
        1
    }
}

/// Escapes text for the terminal: see `bounceaudit::output::terminal::escape`.
pub fn escape(s: &str) -> String {
    bounceaudit::output::terminal::escape(s)
}
