//! The reports, driven through the built program: every summary is
//! recomputed from `bounces.csv` and must agree with it line by line; the
//! period flags, `--excel`, `--format jsonl`, defusing and the terminal
//! tables are each checked on an mbox this test writes (example.com-style
//! addresses, dates over four months, one undated report, formula-like text).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A CSV file read back: header and rows of cells keyed by column.
struct Table {
    header: Vec<String>,
    rows: Vec<BTreeMap<String, String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let mut rdr = csv::Reader::from_path(path).unwrap();
        let header: Vec<String> =
            rdr.headers().unwrap().iter().map(String::from).collect();
        let rows = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                header.iter().cloned().zip(r.iter().map(String::from)).collect()
            })
            .collect();
        Table { header, rows }
    }

    fn count(&self, row: usize) -> u64 {
        self.rows[row]["bounces"].parse().unwrap()
    }
}

/// One RFC 3464 report in an mbox; no `Date` at all when `date` is empty.
fn report(
    n: usize,
    date: &str,
    rcpt: &str,
    action: &str,
    status: &str,
    remote: &str,
    diag: &str,
    subject: &str,
) -> String {
    let date_field =
        if date.is_empty() { String::new() } else { format!("Date: {date}\n") };
    let arrival = if date.is_empty() {
        String::new()
    } else {
        format!("Arrival-Date: {date}\n")
    };
    let remote = if remote.is_empty() {
        String::new()
    } else {
        format!("Remote-MTA: dns; {remote}\n")
    };
    format!(
        "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n\
         From: MAILER-DAEMON@out.example.org\n\
         To: news@example.org\n\
         {date_field}Subject: Delivery Status Notification\n\
         Message-ID: <dsn-{n}@out.example.org>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"B{n}\"\n\
         \n\
         --B{n}\n\
         Content-Type: text/plain\n\
         \n\
         The message could not be delivered.\n\
         \n\
         --B{n}\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; out.example.org\n\
         {arrival}\n\
         Final-Recipient: rfc822; {rcpt}\n\
         Action: {action}\n\
         Status: {status}\n\
         {remote}Diagnostic-Code: smtp; {diag}\n\
         \n\
         --B{n}\n\
         Content-Type: text/rfc822-headers\n\
         \n\
         From: news@example.org\n\
         To: {rcpt}\n\
         Subject: {subject}\n\
         Message-ID: <orig-{n}@example.org>\n\
         \n\
         --B{n}--\n\n"
    )
}

/// Writes the test's mbox: 11 reports from July to October 2026.
fn fixture(dir: &Path) -> PathBuf {
    let m = [
        (
            "Fri, 3 Jul 2026 10:00:00 +0000",
            "alice@example.com",
            "failed",
            "5.1.1",
            "mx.example.com",
            "550 5.1.1 user unknown",
            "=1+1",
        ),
        (
            "Wed, 15 Jul 2026 10:00:00 +0000",
            "bob@example.net",
            "delayed",
            "4.4.1",
            "mx.example.net",
            "421 4.4.1 connection timed out",
            "+44 news",
        ),
        (
            "Sun, 2 Aug 2026 10:00:00 +0000",
            "alice@example.com",
            "failed",
            "5.1.1",
            "mx.example.com",
            "550 5.1.1 user unknown",
            "-2 news",
        ),
        (
            "Thu, 20 Aug 2026 10:00:00 +0000",
            "carol@example.org",
            "failed",
            "5.7.1",
            "",
            "=HYPERLINK(\"http://x.example\",\"open\")",
            "@SUM(A1)",
        ),
        (
            "Tue, 1 Sep 2026 10:00:00 +0000",
            "dave@example.org",
            "failed",
            "5.2.2",
            "mx.example.org",
            "@SUM(1,2) mailbox full",
            "news",
        ),
        (
            "Thu, 10 Sep 2026 10:00:00 +0000",
            "erin@example.net",
            "failed",
            "5.7.1",
            "mx.example.net",
            "-2+3 blocked",
            "news",
        ),
        (
            "",
            "frank@example.com",
            "failed",
            "5.1.1",
            "mx.example.com",
            "550 5.1.1 user unknown",
            "news",
        ),
        (
            "Wed, 30 Sep 2026 23:30:00 +0000",
            "bob@example.net",
            "failed",
            "5.1.1",
            "mx.example.net",
            "550 5.1.1 no such user",
            "news",
        ),
        (
            "Thu, 1 Oct 2026 00:30:00 +0000",
            "grace@example.com",
            "failed",
            "5.2.2",
            "mx.example.com",
            "552 5.2.2 mailbox full",
            "news",
        ),
        (
            "Mon, 5 Oct 2026 08:00:00 +0000",
            "alice@example.com",
            "delayed",
            "4.2.2",
            "mx.example.com",
            "452 4.2.2 over quota",
            "news",
        ),
        (
            "Mon, 5 Oct 2026 09:00:00 +0000",
            "heidi@example.org",
            "failed",
            "5.7.1",
            "",
            "550 5.7.1 rejected",
            "news",
        ),
    ];
    let text: String = m
        .iter()
        .enumerate()
        .map(|(n, (d, r, a, s, rm, diag, subj))| {
            report(n, d, r, a, s, rm, diag, subj)
        })
        .collect();
    let path = dir.join("fixture.mbox");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `scan` with `args` and the paths; returns the output folder and stdout.
fn scan(paths: &[&Path], args: &[&str]) -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    let assert = Command::cargo_bin("bounceaudit")
        .unwrap()
        .arg("scan")
        .args(args)
        .arg("--out")
        .arg(out.path())
        .args(paths)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    (out, stdout)
}

fn corpus_paths(tmp: &Path) -> Vec<PathBuf> {
    vec![fixture(tmp), PathBuf::from("samples"), PathBuf::from("tests/cases")]
}

/// Counts that a summary line must show, recomputed from `bounces.csv`.
#[derive(Default, Debug, PartialEq)]
struct Expect {
    bounces: u64,
    recipients: BTreeSet<String>,
    first: String,
    last: String,
}

impl Expect {
    fn add(&mut self, row: &BTreeMap<String, String>) {
        self.bounces += 1;
        self.recipients.insert(row["recipient"].clone());
        let d = &row["date"];
        if !d.is_empty() {
            if self.first.is_empty() || *d < self.first {
                self.first = d.clone();
            }
            if *d > self.last {
                self.last = d.clone();
            }
        }
    }
}

/// Checks one summary against groups of `bounces.csv` made by `key`.
fn check_summary(
    bounces: &Table,
    summary: &Table,
    key_columns: &[&str],
    key: impl Fn(&BTreeMap<String, String>) -> Vec<String>,
) {
    let mut want: BTreeMap<Vec<String>, Expect> = BTreeMap::new();
    for row in &bounces.rows {
        want.entry(key(row)).or_default().add(row);
    }
    assert_eq!(summary.rows.len(), want.len(), "one line per group");
    let total: u64 = (0..summary.rows.len()).map(|i| summary.count(i)).sum();
    assert_eq!(total, bounces.rows.len() as u64, "counts add up to the rows");
    for line in &summary.rows {
        let k: Vec<String> =
            key_columns.iter().map(|c| line[*c].clone()).collect();
        let w = want.get(&k).unwrap_or_else(|| panic!("no group {k:?}"));
        assert_eq!(line["bounces"], w.bounces.to_string(), "{k:?}");
        if let Some(n) = line.get("recipients") {
            assert_eq!(*n, w.recipients.len().to_string(), "{k:?}");
        }
        if let Some(first) = line.get("first_seen") {
            assert_eq!(
                (first, &line["last_seen"]),
                (&w.first, &w.last),
                "{k:?}"
            );
        }
    }
}

fn server_of(row: &BTreeMap<String, String>) -> String {
    match row["remote_server"].as_str() {
        "" => format!("[{}]", row["recipient_domain"]),
        s => s.to_string(),
    }
}

#[test]
fn every_summary_adds_up_to_bounces_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = corpus_paths(tmp.path());
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (out, _) = scan(&paths, &["--quiet"]);
    let read = |name: &str| Table::read(&out.path().join(name));
    let bounces = read("bounces.csv");
    assert!(bounces.rows.len() > 40, "{} rows", bounces.rows.len());

    let by_server = read("summary-by-server.csv");
    check_summary(
        &bounces,
        &by_server,
        &["remote_server", "code_class"],
        |r| vec![server_of(r), r["code_class"].clone()],
    );
    assert!(by_server.rows.iter().all(|l| !l["remote_server"].is_empty()));
    assert!(by_server
        .rows
        .iter()
        .any(|l| l["remote_server"] == "[example.org]"));
    let by_domain = read("summary-by-domain.csv");
    check_summary(
        &bounces,
        &by_domain,
        &["recipient_domain", "code_class"],
        |r| vec![r["recipient_domain"].clone(), r["code_class"].clone()],
    );
    let by_cause = read("summary-by-cause.csv");
    check_summary(
        &bounces,
        &by_cause,
        &["cause"],
        |r| vec![r["cause"].clone()],
    );
    for line in &by_cause.rows {
        let hard: BTreeSet<&str> = bounces
            .rows
            .iter()
            .filter(|r| r["cause"] == line["cause"])
            .map(|r| r["hard_bounce"].as_str())
            .collect();
        let want = match hard.len() {
            1 => *hard.first().unwrap(),
            _ => "mixed",
        };
        assert_eq!(line["hard"], want, "{line:?}");
        let share: f64 = line["share"].trim_end_matches('%').parse().unwrap();
        let rows: f64 = line["bounces"].parse().unwrap();
        let exact = rows * 100.0 / bounces.rows.len() as f64;
        assert!((share - exact).abs() <= 0.05, "{line:?}");
    }
    let by_month = read("summary-by-month.csv");
    check_summary(&bounces, &by_month, &["month", "cause"], |r| {
        let month = r["date"].get(..7).unwrap_or("undated");
        vec![month.to_string(), r["cause"].clone()]
    });
    let recipients = read("recipients.csv");
    check_summary(&bounces, &recipients, &["recipient"], |r| {
        vec![r["recipient"].clone()]
    });
}

/// The top cause of a group of `bounces.csv` rows (most rows, ties to the
/// name first in order) and the first non-empty diagnostic of its rows.
fn top_of(rows: &[&BTreeMap<String, String>]) -> (String, String) {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *counts.entry(r["cause"].as_str()).or_default() += 1;
    }
    let most = counts.values().copied().max().unwrap_or(0);
    let top = counts.iter().find(|(_, &n)| n == most).map_or("", |(c, _)| c);
    let example = rows
        .iter()
        .filter(|r| r["cause"] == top)
        .map(|r| r["diagnostic"].as_str())
        .find(|d| !d.is_empty())
        .unwrap_or("");
    (top.to_string(), example.to_string())
}

#[test]
fn summary_example_is_a_diagnostic_of_the_top_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = corpus_paths(tmp.path());
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (out, _) = scan(&paths, &["--quiet"]);
    let read = |name: &str| Table::read(&out.path().join(name));
    let bounces = read("bounces.csv");
    let mut mixed = 0;
    for (name, place) in [
        ("summary-by-server.csv", "remote_server"),
        ("summary-by-domain.csv", "recipient_domain"),
    ] {
        for line in &read(name).rows {
            let rows: Vec<&BTreeMap<String, String>> = bounces
                .rows
                .iter()
                .filter(|r| {
                    let at = match place {
                        "remote_server" => server_of(r),
                        _ => r[place].clone(),
                    };
                    at == line[place] && r["code_class"] == line["code_class"]
                })
                .collect();
            let causes: BTreeSet<&str> =
                rows.iter().map(|r| r["cause"].as_str()).collect();
            mixed += usize::from(causes.len() > 1);
            let (top, example) = top_of(&rows);
            assert_eq!(line["top_cause"], top, "{name}: {line:?}");
            // The example is the diagnostic cut to 300 characters.
            let got = &line["example_diagnostic"];
            assert_eq!(got.is_empty(), example.is_empty(), "{line:?}");
            assert!(example.starts_with(got.as_str()), "{name}: {line:?}");
            assert!(got.chars().count() >= example.chars().count().min(300));
        }
    }
    assert!(mixed >= 2, "only {mixed} lines hold more than one cause");
}

#[test]
fn summaries_are_sorted_with_deterministic_ties() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) =
        scan(&[&fixture(tmp.path()), Path::new("samples")], &["--quiet"]);
    for (name, keys) in [
        ("summary-by-server.csv", ["remote_server", "code_class"]),
        ("summary-by-domain.csv", ["recipient_domain", "code_class"]),
        ("summary-by-cause.csv", ["cause", "cause"]),
        ("recipients.csv", ["recipient", "recipient"]),
    ] {
        let t = Table::read(&out.path().join(name));
        let order: Vec<(std::cmp::Reverse<u64>, String, String)> =
            (0..t.rows.len())
                .map(|i| {
                    let r = &t.rows[i];
                    (
                        std::cmp::Reverse(t.count(i)),
                        r[keys[0]].clone(),
                        r[keys[1]].clone(),
                    )
                })
                .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{name}");
    }
    let months = Table::read(&out.path().join("summary-by-month.csv"));
    let seq: Vec<&str> =
        months.rows.iter().map(|r| r["month"].as_str()).collect();
    let mut want = seq.clone();
    want.sort_by_key(|m| (*m == "undated", *m));
    assert_eq!(seq, want);
    assert_eq!(seq.last(), Some(&"undated"));
    assert!(seq.contains(&"2026-07") && seq.contains(&"2026-10"));
}

#[test]
fn recipients_csv_has_one_row_per_recipient_with_the_latest_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = scan(&[&fixture(tmp.path())], &["--quiet"]);
    let t = Table::read(&out.path().join("recipients.csv"));
    assert_eq!(
        t.header,
        [
            "recipient",
            "recipient_domain",
            "bounces",
            "first_seen",
            "last_seen",
            "latest_cause",
            "latest_status",
            "hard_or_soft",
            "suggested_action"
        ]
    );
    let by: BTreeMap<&str, &BTreeMap<String, String>> =
        t.rows.iter().map(|r| (r["recipient"].as_str(), r)).collect();
    assert_eq!(by.len(), t.rows.len(), "one row per recipient");
    assert_eq!(by.len(), 8);

    // Alice: two hard bounces, then a delay in October: retry.
    let alice = by["alice@example.com"];
    assert_eq!(alice["bounces"], "3");
    assert_eq!(alice["first_seen"], "2026-07-03T10:00:00Z");
    assert_eq!(alice["last_seen"], "2026-10-05T08:00:00Z");
    assert_eq!(alice["latest_status"], "4.2.2");
    assert_eq!(
        (alice["hard_or_soft"].as_str(), alice["suggested_action"].as_str()),
        ("soft", "retry")
    );
    // Bob: a delay, then a hard bounce: suppress.
    let bob = by["bob@example.net"];
    assert_eq!(
        (bob["bounces"].as_str(), bob["latest_status"].as_str()),
        ("2", "5.1.1")
    );
    assert_eq!(
        (bob["hard_or_soft"].as_str(), bob["suggested_action"].as_str()),
        ("hard", "suppress")
    );
    // Frank's only report has no date.
    let frank = by["frank@example.com"];
    assert_eq!(
        (frank["first_seen"].as_str(), frank["last_seen"].as_str()),
        ("", "")
    );
    assert_eq!(frank["suggested_action"], "suppress");

    // Complaints of the samples suppress the complainer; auto-replies are
    // for a person to review.
    let (out, _) = scan(&[Path::new("samples")], &["--quiet"]);
    let t = Table::read(&out.path().join("recipients.csv"));
    let bounces = Table::read(&out.path().join("bounces.csv"));
    for b in &bounces.rows {
        let r =
            t.rows.iter().find(|r| r["recipient"] == b["recipient"]).unwrap();
        if r["bounces"] == "1" {
            let want = match (b["hard_bounce"].as_str(), b["kind"].as_str()) {
                ("true", _) | (_, "feedback") => "suppress",
                (_, "bounce" | "delay") => "retry",
                _ => "review",
            };
            assert_eq!(r["suggested_action"], want, "{}", b["recipient"]);
        }
    }
    assert!(t.rows.iter().any(|r| r["suggested_action"] == "review"));
    assert!(bounces.rows.iter().any(|b| b["kind"] == "feedback"));
}

#[test]
fn since_and_until_keep_the_period_and_totals_reconcile() {
    let tmp = tempfile::tempdir().unwrap();
    let mbox = fixture(tmp.path());
    let (all, quiet) = scan(&[&mbox], &["--quiet"]);
    assert_eq!(quiet, "", "--quiet prints no summary");
    let all = Table::read(&all.path().join("bounces.csv"));
    assert_eq!(all.rows.len(), 11);

    let (out, stdout) = scan(
        &[&mbox],
        &["--since", "2026-08", "--until", "2026-09-30", "--format", "jsonl"],
    );
    let kept = Table::read(&out.path().join("bounces.csv"));
    let dates: Vec<&str> =
        kept.rows.iter().map(|r| r["date"].as_str()).collect();
    assert_eq!(dates.len(), 5, "{dates:?}");
    assert!(
        dates.iter().all(|d| ("2026-08".."2026-10").contains(d)),
        "{dates:?}"
    );
    assert!(dates.contains(&"2026-09-30T23:30:00Z"));
    let jsonl =
        std::fs::read_to_string(out.path().join("bounces.jsonl")).unwrap();
    assert_eq!(
        jsonl.lines().count(),
        5,
        "the JSON rows are those of the period"
    );
    assert!(
        stdout.contains(
            "11 messages read = 11 decoded + 0 skipped\n5 rows for 5 recipients"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "period 2026-08 to 2026-09-30: 6 rows of 6 decoded messages left out (2 earlier, 3 later, 1 undated)"
        ),
        "{stdout}"
    );
    // The summaries count only the rows of the period.
    let causes = Table::read(&out.path().join("summary-by-cause.csv"));
    let total: u64 = (0..causes.rows.len()).map(|i| causes.count(i)).sum();
    assert_eq!(total, 5);
    let months = Table::read(&out.path().join("summary-by-month.csv"));
    let seen: BTreeSet<&str> =
        months.rows.iter().map(|r| r["month"].as_str()).collect();
    assert_eq!(seen, BTreeSet::from(["2026-08", "2026-09"]));

    // A time bound is exact to the second.
    let (out, _) =
        scan(&[&mbox], &["--quiet", "--since", "2026-09-30T23:30:00Z"]);
    let kept = Table::read(&out.path().join("bounces.csv"));
    assert_eq!(kept.rows.len(), 4);
}

#[test]
fn bad_period_flags_exit_2_before_any_work() {
    for args in [
        &["--since", "2026/08/01"][..],
        &["--until", "next week"][..],
        &["--since", "2026-10", "--until", "2026-09-30"][..],
    ] {
        let out = tempfile::tempdir().unwrap();
        Command::cargo_bin("bounceaudit")
            .unwrap()
            .arg("scan")
            .args(args)
            .arg("--out")
            .arg(out.path().join("r"))
            .arg("samples")
            .assert()
            .code(2);
        assert!(!out.path().join("r").exists(), "{args:?}");
    }
}

/// True when a spreadsheet would take the cell for a formula.
fn formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        || cell.trim_start().starts_with(['=', '+', '-', '@'])
}

#[test]
fn formula_like_cells_are_defused_in_every_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = scan(&[&fixture(tmp.path())], &["--quiet"]);
    let mut files = 0;
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            files += 1;
            let t = Table::read(&path);
            for row in &t.rows {
                for (column, cell) in row {
                    assert!(
                        !formula_like(cell),
                        "{}: {column} = {cell:?}",
                        path.display()
                    );
                }
            }
        }
    }
    assert_eq!(files, 7);
    let bounces = Table::read(&out.path().join("bounces.csv"));
    let subjects: BTreeSet<&str> =
        bounces.rows.iter().map(|r| r["subject"].as_str()).collect();
    for s in ["'=1+1", "'+44 news", "'-2 news", "'@SUM(A1)"] {
        assert!(subjects.contains(s), "{s:?} in {subjects:?}");
    }
    let servers = Table::read(&out.path().join("summary-by-server.csv"));
    let carol = servers
        .rows
        .iter()
        .find(|r| r["remote_server"] == "[example.org]")
        .unwrap();
    assert!(
        carol["example_diagnostic"].starts_with("'=HYPERLINK("),
        "{carol:?}"
    );
}

#[test]
fn excel_writes_a_bom_and_crlf_and_the_same_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let mbox = fixture(tmp.path());
    let (plain, _) = scan(&[&mbox, Path::new("samples")], &["--quiet"]);
    let (excel, _) =
        scan(&[&mbox, Path::new("samples")], &["--quiet", "--excel"]);
    for name in [
        "bounces.csv",
        "skipped.csv",
        "summary-by-server.csv",
        "summary-by-cause.csv",
        "summary-by-domain.csv",
        "summary-by-month.csv",
        "recipients.csv",
    ] {
        let bytes = std::fs::read(excel.path().join(name)).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name}");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.ends_with("\r\n"), "{name}");
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "{name}"
        );
        let plain_text =
            std::fs::read_to_string(plain.path().join(name)).unwrap();
        assert!(
            !plain_text.starts_with('\u{feff}') && !plain_text.contains('\r'),
            "{name}"
        );
        assert_eq!(text.replace("\r\n", "\n"), plain_text, "{name}");
    }
}

#[test]
fn format_jsonl_writes_raw_rows_beside_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let mbox = fixture(tmp.path());
    let (csv_only, _) = scan(&[&mbox], &["--quiet"]);
    assert!(!csv_only.path().join("bounces.jsonl").exists());

    let (out, _) =
        scan(&[&mbox, Path::new("samples")], &["--quiet", "--format", "jsonl"]);
    let csv = Table::read(&out.path().join("bounces.csv"));
    let text =
        std::fs::read_to_string(out.path().join("bounces.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), csv.rows.len());
    for (json, row) in lines.iter().zip(&csv.rows) {
        let obj = json.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut header: Vec<&str> =
            csv.header.iter().map(String::as_str).collect();
        header.sort();
        assert_eq!(keys, header, "same columns");
        assert_eq!(
            obj["hard_bounce"],
            serde_json::Value::Bool(row["hard_bounce"] == "true")
        );
        for (k, v) in obj {
            if let Some(s) = v.as_str() {
                // Raw text: the CSV cell is the defused form of it.
                let cell = &row[k];
                assert!(
                    cell == s || *cell == format!("'{s}"),
                    "{k}: {s:?} vs {cell:?}"
                );
            }
        }
    }
    assert_eq!(lines[0]["subject"], "=1+1");
    assert_eq!(
        lines[3]["diagnostic"],
        "=HYPERLINK(\"http://x.example\",\"open\")"
    );
}

#[test]
fn terminal_summary_shows_top_servers_and_causes() {
    let tmp = tempfile::tempdir().unwrap();
    let (_out, stdout) = scan(&[&fixture(tmp.path())], &[]);
    assert!(
        stdout.starts_with(
            "11 messages read = 11 decoded + 0 skipped\n11 rows for 8 recipients"
        ),
        "{stdout}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let servers =
        lines.iter().position(|l| l.starts_with("top servers")).unwrap();
    let first: Vec<&str> = lines[servers + 1].split_whitespace().collect();
    assert_eq!(
        first,
        ["mx.example.com", "5.1", "3", "2", "userunknown"],
        "{stdout}"
    );
    let causes =
        lines.iter().position(|l| l.starts_with("top causes")).unwrap();
    let first: Vec<&str> = lines[causes + 1].split_whitespace().collect();
    assert_eq!(first, ["userunknown", "true", "4", "3", "36.4%"], "{stdout}");
}
