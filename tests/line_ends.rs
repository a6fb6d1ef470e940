//! Line ends must not change what is decoded: when `BOUNCEAUDIT_CORPUS`
//! names a folder like `../shared/corpus/sisimai`, every message of
//! `emails/maildir` is written out with LF, with CRLF and with lone-CR line
//! ends, each copy is scanned, and the rows of `bounces.csv` (origin
//! reduced to the file name) must be the same for the three. Without the
//! variable it does nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use bounceaudit::output::CsvStyle;
use bounceaudit::rules::RuleSet;
use bounceaudit::scan::{scan, ScanOptions};

/// Rewrites every line end of `raw` (LF, CRLF or lone CR) as `end`.
fn with_line_ends(raw: &[u8], end: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                out.extend_from_slice(end);
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(end),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Copies every file under `from` into `to` (flat, by file name) with the
/// line ends `end`.
fn copy_with(from: &Path, to: &Path, end: &[u8]) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("readable corpus");
        if !entry.file_type().is_file() {
            continue;
        }
        let raw = std::fs::read(entry.path()).expect("readable file");
        let name = entry.file_name();
        std::fs::write(to.join(name), with_line_ends(&raw, end))
            .expect("writable temp dir");
    }
}

/// Scans `dir` and returns the rows of `bounces.csv` keyed by (file name,
/// row number within the file), origin left out.
fn rows(dir: &Path) -> BTreeMap<(String, usize), Vec<String>> {
    let out = tempfile::tempdir().expect("temp dir");
    let rules = RuleSet::load(&[], true).expect("default rules");
    let stop = AtomicBool::new(false);
    let opts = ScanOptions {
        rules: &rules,
        out: out.path().to_path_buf(),
        style: CsvStyle::default(),
        mmap: true,
        interrupted: &stop,
        progress: &|_| {},
    };
    scan(&[dir.to_path_buf()], &opts).expect("scan");
    let mut rdr = csv::Reader::from_path(out.path().join("bounces.csv"))
        .expect("bounces.csv");
    let mut found = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.expect("a row");
        let origin = &rec[0];
        let path = match origin.rsplit_once(':') {
            Some((p, off)) if off.bytes().all(|b| b.is_ascii_digit()) => p,
            _ => origin,
        };
        let file = Path::new(path)
            .file_name()
            .map_or(String::new(), |f| f.to_string_lossy().into_owned());
        let n = counts.entry(file.clone()).or_default();
        *n += 1;
        found
            .insert((file, *n), rec.iter().skip(1).map(String::from).collect());
    }
    found
}

/// Lists the differences between two scans, at most `limit` of them.
fn differences(
    name: &str,
    base: &BTreeMap<(String, usize), Vec<String>>,
    other: &BTreeMap<(String, usize), Vec<String>>,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, row) in base {
        match other.get(key) {
            Some(o) if o == row => {}
            Some(o) => out.push(format!("{name}: {key:?}: {o:?} != {row:?}")),
            None => out.push(format!("{name}: {key:?} missing")),
        }
    }
    for key in other.keys().filter(|k| !base.contains_key(*k)) {
        out.push(format!("{name}: {key:?} extra"));
    }
    out.truncate(limit);
    out
}

#[test]
fn lf_crlf_and_cr_give_the_same_rows() {
    let Some(root) = std::env::var_os("BOUNCEAUDIT_CORPUS").map(PathBuf::from)
    else {
        eprintln!("BOUNCEAUDIT_CORPUS is not set: line-end check not run");
        return;
    };
    let maildir = root.join("emails/maildir");
    let copies: Vec<(&str, &[u8], tempfile::TempDir)> =
        [("LF", &b"\n"[..]), ("CRLF", b"\r\n"), ("CR", b"\r")]
            .into_iter()
            .map(|(name, end)| {
                let dir = tempfile::tempdir().expect("temp dir");
                copy_with(&maildir, dir.path(), end);
                (name, end, dir)
            })
            .collect();
    let lf = rows(copies[0].2.path());
    assert!(lf.len() > 400, "the corpus gave only {} rows", lf.len());
    let mut problems = Vec::new();
    for (name, _, dir) in &copies[1..] {
        problems.extend(differences(name, &lf, &rows(dir.path()), 20));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn line_ends_are_rewritten() {
    assert_eq!(with_line_ends(b"a\r\nb\rc\nd", b"\n"), b"a\nb\nc\nd");
    assert_eq!(with_line_ends(b"a\nb", b"\r\n"), b"a\r\nb");
    assert_eq!(with_line_ends(b"a\r\nb\n", b"\r"), b"a\rb\r");
}
