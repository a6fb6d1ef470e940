//! Every message of `tests/cases/` (copied from the shared cases: the seed
//! bounces and the kinds of mistakes from public bug reports) must come out
//! as its folder's `expected.csv` says, with LF and with CRLF line ends.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The cells of `bounces.csv`, keyed by (file name, 1-based recipient index).
fn scan_rows(dir: &Path) -> HashMap<(String, usize), HashMap<String, String>> {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("bounceaudit")
        .unwrap()
        .args(["scan", "--quiet", "--out"])
        .arg(out.path())
        .arg(dir)
        .assert()
        .success();
    let mut rdr =
        csv::Reader::from_path(out.path().join("bounces.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let mut rows = HashMap::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let cells: HashMap<String, String> = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        // A file that starts with a From_ line is an mbox: `name:offset`.
        let origin = &cells["origin"];
        let origin = match origin.rsplit_once(':') {
            Some((p, off)) if off.bytes().all(|b| b.is_ascii_digit()) => p,
            _ => origin,
        };
        let file = Path::new(origin)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let n = index.entry(file.clone()).or_default();
        *n += 1;
        rows.insert((file, *n), cells);
    }
    rows
}

/// Copies the `.eml` files of `dir` into a temporary folder with CRLF ends.
fn crlf_copy(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            let text = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&text)
                .replace("\r\n", "\n")
                .replace('\n', "\r\n");
            std::fs::write(tmp.path().join(path.file_name().unwrap()), text)
                .unwrap();
        }
    }
    tmp
}

/// Compares every expected row; returns the list of differences.
fn check(dir: &Path, scanned: &Path) -> Vec<String> {
    let rows = scan_rows(scanned);
    let mut rdr = csv::Reader::from_path(dir.join("expected.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let mut problems = Vec::new();
    let mut expected_count: HashMap<String, usize> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let want: HashMap<&str, &str> =
            headers.iter().zip(rec.iter()).collect();
        let file = want["file"].to_string();
        let index: usize = want["index"].parse().unwrap();
        *expected_count.entry(file.clone()).or_default() += 1;
        let Some(got) = rows.get(&(file.clone(), index)) else {
            problems.push(format!("{file} #{index}: no row"));
            continue;
        };
        let columns = [
            ("recipient", "recipient"),
            ("action", "action"),
            ("status", "status"),
            ("reply_code", "reply_code"),
            ("remote_server", "remote_server"),
            ("cause", "cause"),
            ("hard_bounce", "hard_bounce"),
        ];
        for (theirs, ours) in columns {
            let Some(w) = want.get(theirs) else { continue };
            // An empty expected value is not checked, except where an empty
            // cell is the point (no action for complaints and auto-replies).
            if w.is_empty() && theirs != "action" {
                continue;
            }
            if got[ours] != *w {
                problems.push(format!(
                    "{file} #{index} {ours}: want {w:?}, got {:?}",
                    got[ours]
                ));
            }
        }
    }
    for (file, n) in expected_count {
        let extra = rows.keys().filter(|(f, _)| *f == file).count();
        if extra != n {
            problems.push(format!("{file}: {extra} rows, want {n}"));
        }
    }
    problems
}

fn cases(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(name)
}

#[test]
fn seed_cases_come_out_right() {
    let dir = cases("seed");
    let problems = check(&dir, &dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn seed_cases_with_crlf_come_out_right() {
    let dir = cases("seed");
    let crlf = crlf_copy(&dir);
    let problems = check(&dir, crlf.path());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn report_cases_come_out_right() {
    let dir = cases("reports");
    let problems = check(&dir, &dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn report_cases_with_crlf_come_out_right() {
    let dir = cases("reports");
    let crlf = crlf_copy(&dir);
    let problems = check(&dir, crlf.path());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
