//! The corpus check: when `BOUNCEAUDIT_CORPUS` names a folder laid out like
//! `../shared/corpus/sisimai` (`emails/maildir/...` and `expected.csv`), scans
//! `emails/maildir`, pairs our rows with the expected ones by (file,
//! recipient order) and prints the agreement per field. It fails when a
//! field is under its floor: 85% unless `BOUNCEAUDIT_CORPUS_FLOORS` says
//! otherwise (`rows=98,status=98,reply=98,cause=95,hard=97`). Without the
//! variable it does nothing. Mismatches are written to
//! `target/corpus-mismatches.csv` (or `$BOUNCEAUDIT_MISMATCHES`) for whoever
//! works on them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use bounceaudit::output::CsvStyle;
use bounceaudit::rules::RuleSet;
use bounceaudit::scan::{scan, ScanOptions};

#[derive(Debug, Clone, Default)]
struct Expected {
    status: String,
    reply: String,
    cause: String,
    hard: String,
}

#[derive(Debug, Clone, Default)]
struct Ours {
    recipient: String,
    status: String,
    reply: String,
    cause: String,
    hard: String,
    diagnostic: String,
    rule: String,
}

const FIELDS: [&str; 5] = ["rows", "status", "reply", "cause", "hard"];

#[test]
fn corpus_agreement() {
    let Some(root) = std::env::var_os("BOUNCEAUDIT_CORPUS").map(PathBuf::from)
    else {
        eprintln!("BOUNCEAUDIT_CORPUS is not set: corpus check not run");
        return;
    };
    let floors = floors();
    let expected = read_expected(&root.join("expected.csv"));
    let (ours, files_read, accounted) =
        scan_corpus(&root.join("emails/maildir"));
    assert_eq!(
        accounted, files_read,
        "every file read must be in bounces.csv or skipped.csv"
    );

    let mut agree: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses =
        vec!["file,index,field,expected,ours,recipient,rule,diagnostic"
            .to_string()];
    for (file, exp) in &expected {
        let got = ours.get(file).cloned().unwrap_or_default();
        let rows_ok = got.len() == exp.len();
        count(&mut agree, "rows", rows_ok);
        if !rows_ok {
            misses.push(format!("{file},,rows,{},{},,,", exp.len(), got.len()));
        }
        for (i, e) in exp.iter().enumerate() {
            let o = got.get(i).cloned().unwrap_or_default();
            let private = e
                .status
                .split('.')
                .nth(2)
                .is_some_and(|d| d.len() == 3 && d.starts_with('9'));
            // A bounce row without a status is one whose status the corpus
            // does not give (its README: "status not compared").
            let unstated = e.status.is_empty()
                && !matches!(e.cause.as_str(), "feedback" | "vacation");
            let checks = [
                (
                    "status",
                    e.status.as_str(),
                    o.status.as_str(),
                    !private && !unstated,
                ),
                ("reply", e.reply.as_str(), o.reply.as_str(), true),
                ("cause", e.cause.as_str(), o.cause.as_str(), true),
                ("hard", e.hard.as_str(), o.hard.as_str(), true),
            ];
            for (field, want, have, scored) in checks {
                if !scored {
                    continue;
                }
                count(&mut agree, field, want == have);
                if want != have {
                    misses.push(format!(
                        "{file},{},{field},{want},{have},{},{},\"{}\"",
                        i + 1,
                        o.recipient,
                        o.rule,
                        o.diagnostic
                            .replace('"', "'")
                            .chars()
                            .take(160)
                            .collect::<String>()
                    ));
                }
            }
        }
    }
    let misses_path = std::env::var_os("BOUNCEAUDIT_MISMATCHES").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/corpus-mismatches.csv")
        },
        PathBuf::from,
    );
    let _ = std::fs::write(&misses_path, misses.join("\n") + "\n");

    println!(
        "\ncorpus agreement ({} files with expected rows)",
        expected.len()
    );
    println!(
        "{:<8} {:>7} {:>7} {:>8} {:>7}",
        "field", "agree", "total", "percent", "floor"
    );
    let mut failed = Vec::new();
    for field in FIELDS {
        let (a, t) = agree.get(field).copied().unwrap_or((0, 0));
        let pct = if t == 0 { 100.0 } else { a as f64 * 100.0 / t as f64 };
        let floor = floors[field];
        println!("{field:<8} {a:>7} {t:>7} {pct:>7.1}% {floor:>6.1}%");
        if pct < floor {
            failed.push(format!("{field} {pct:.1}% < {floor}%"));
        }
    }
    assert!(
        failed.is_empty(),
        "corpus agreement under the floor: {}",
        failed.join(", ")
    );
}

fn count(
    agree: &mut BTreeMap<&'static str, (usize, usize)>,
    field: &'static str,
    ok: bool,
) {
    let e = agree.entry(field).or_default();
    e.0 += ok as usize;
    e.1 += 1;
}

fn floors() -> BTreeMap<&'static str, f64> {
    let mut f: BTreeMap<&str, f64> =
        FIELDS.iter().map(|k| (*k, 85.0)).collect();
    if let Ok(spec) = std::env::var("BOUNCEAUDIT_CORPUS_FLOORS") {
        for pair in spec.split(',') {
            let (k, v) =
                pair.split_once('=').expect("floors are field=percent");
            let key =
                FIELDS.iter().find(|f| **f == k.trim()).expect("a known field");
            f.insert(key, v.trim().parse().expect("a number"));
        }
    }
    f
}

/// Expected rows by file (`maildir/bsd/x.eml`), in index order; files whose
/// only row is index 0 expect no rows.
fn read_expected(path: &Path) -> BTreeMap<String, Vec<Expected>> {
    let mut out: BTreeMap<String, Vec<Expected>> = BTreeMap::new();
    let mut rdr = csv::Reader::from_path(path).expect("expected.csv");
    for rec in rdr.records() {
        let r = rec.expect("a row");
        let list = out.entry(r[0].to_string()).or_default();
        if &r[1] == "0" {
            continue;
        }
        list.push(Expected {
            status: r[2].to_string(),
            reply: r[3].to_string(),
            cause: r[4].to_string(),
            hard: r[5].to_string(),
        });
    }
    out
}

/// Scans the maildir folder and returns our rows by file, the number of files
/// read, and the number accounted for (distinct origins + skipped rows).
fn scan_corpus(maildir: &Path) -> (BTreeMap<String, Vec<Ours>>, usize, usize) {
    let out = tempfile::tempdir().expect("temp dir");
    let rules = RuleSet::load(&[], true).expect("default rules load");
    let stop = AtomicBool::new(false);
    let opts = ScanOptions {
        rules: &rules,
        out: out.path().to_path_buf(),
        style: CsvStyle::default(),
        mmap: true,
        interrupted: &stop,
        progress: &|_| {},
    };
    let started = std::time::Instant::now();
    let result = scan(&[maildir.to_path_buf()], &opts).expect("scan");
    println!(
        "scanned {} messages in {:.2?} ({} decoded, {} skipped)",
        result.tally.messages,
        started.elapsed(),
        result.tally.decoded,
        result.tally.skipped_total()
    );
    let prefix = maildir.parent().expect("emails/").to_path_buf();
    // A file that starts with a From_ line is read as an mbox of one
    // message, so its origin is `path:0`: the file is the key either way.
    let key = |origin: &str| {
        let path = match origin.rsplit_once(':') {
            Some((p, off)) if off.bytes().all(|b| b.is_ascii_digit()) => p,
            _ => origin,
        };
        Path::new(path)
            .strip_prefix(&prefix)
            .map_or(path.to_string(), |p| p.display().to_string())
    };
    let mut rows: BTreeMap<String, Vec<Ours>> = BTreeMap::new();
    let mut origins = HashSet::new();
    let mut rdr = csv::Reader::from_path(out.path().join("bounces.csv"))
        .expect("bounces.csv");
    let h = rdr.headers().expect("header").clone();
    let col = |name: &str| h.iter().position(|c| c == name).expect(name);
    let (o, rc, st, rp, ca, hb, dg, ru) = (
        col("origin"),
        col("recipient"),
        col("status"),
        col("reply_code"),
        col("cause"),
        col("hard_bounce"),
        col("diagnostic"),
        col("rule"),
    );
    for rec in rdr.records() {
        let r = rec.expect("a row");
        origins.insert(r[o].to_string());
        rows.entry(key(&r[o])).or_default().push(Ours {
            recipient: r[rc].to_string(),
            status: r[st].to_string(),
            reply: r[rp].to_string(),
            cause: r[ca].to_string(),
            hard: r[hb].to_string(),
            diagnostic: r[dg].to_string(),
            rule: r[ru].to_string(),
        });
    }
    let skipped = csv::Reader::from_path(out.path().join("skipped.csv"))
        .expect("skipped.csv")
        .records()
        .count();
    (rows, result.tally.messages as usize, origins.len() + skipped)
}
