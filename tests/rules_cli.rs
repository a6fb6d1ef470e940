//! The rule tooling driven through the built program: `rules check`,
//! `rules test`, `rules dump`, `explain`, `--no-default-rules`, and a user's
//! own cause taking effect in `scan`.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bounceaudit() -> Command {
    Command::cargo_bin("bounceaudit").expect("the binary")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules").join(name)
}

/// Writes `text` as `name` in a fresh folder and returns both.
fn rule_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    (dir, path)
}

/// Runs `rules check --rules PATH` and returns (exit code, stderr lines).
fn check(path: &Path) -> (i32, Vec<String>) {
    let out = bounceaudit()
        .args(["rules", "check", "--rules"])
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines = stderr
        .lines()
        .filter(|l| !l.starts_with("bounceaudit:"))
        .map(String::from)
        .collect();
    (out.status.code().unwrap(), lines)
}

const CAUSE: &str = "[cause.orgpolicy]\nsummary = \"s\"\nhard = false\n\
                     advice = \"a\"\n";

#[test]
fn the_default_rules_check_and_test_clean() {
    let out = bounceaudit().args(["rules", "check"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with("rules ok: "), "{text}");
    let out = bounceaudit().args(["rules", "test"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.ends_with(", 0 failed\n"), "{text}");
}

#[test]
fn a_bad_pattern_on_line_n_is_reported_at_file_n() {
    let text = format!(
        "{CAUSE}\n[[rule]]\nid = \"x\"\ncause = \"orgpolicy\"\n\
         diagnostic = [\"fine\", \"(broken\"]\n"
    );
    let (_dir, path) = rule_file("mine.toml", &text);
    let (code, lines) = check(&path);
    assert_eq!(code, 2);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let want = format!(
        "{}:9:23: invalid pattern `(broken`: unclosed group",
        path.display()
    );
    assert!(lines[0].starts_with(&want), "{lines:?}");
}

#[test]
fn every_kind_of_problem_gets_its_own_line() {
    let text = format!(
        "{CAUSE}\n\
         [[rule]]\nid = \"a\"\ncause = \"orgpolicy\"\nstatuss = [\"5.1.1\"]\n\
         [[rule]]\nid = \"b\"\ncause = \"no-such-cause\"\n\
         [[rule]]\nid = \"a\"\ncause = \"orgpolicy\"\nstatus = [\"5.1\"]\n\
         [[rule]]\nid = \"c\"\ncause = \"orgpolicy\"\ndiagnostic = [\"x\"]\n\
         priority = 9\n\
         [[rule]]\nid = \"d\"\ncause = \"orgpolicy\"\ndiagnostic = [\"x\"]\n\
         examples = [\"x marks the spot\"]\n"
    );
    let (_dir, path) = rule_file("mine.toml", &text);
    let (code, lines) = check(&path);
    assert_eq!(code, 2);
    let file = path.display().to_string();
    let at: Vec<(String, &str)> = lines
        .iter()
        .map(|l| {
            let rest = l.strip_prefix(&format!("{file}:")).unwrap();
            let (place, message) = rest.split_once(": ").unwrap();
            (place.to_string(), message)
        })
        .collect();
    let places: Vec<&str> = at.iter().map(|(p, _)| p.as_str()).collect();
    let want = ["7:6", "9:1", "11:6", "12:9", "14:6", "16:11", "26:13"];
    assert_eq!(places, want, "{lines:?}");
    assert!(at[0].1.starts_with("rule `a` has no conditions"));
    assert!(at[1].1.starts_with("unknown key `statuss`"));
    assert!(at[3].1.starts_with("unknown cause `no-such-cause`"));
    assert!(at[4].1.starts_with("duplicate rule id `a`"));
    assert!(at[5].1.starts_with("status `5.1` can never match"));
    assert!(at[6].1.starts_with("example of rule `d` is won by rule `c`"));
}

#[test]
fn rules_test_names_the_rule_that_won_an_example() {
    let text = format!(
        "{CAUSE}[[rule]]\nid = \"wide\"\ncause = \"orgpolicy\"\n\
         reply = [\"5*\"]\npriority = 1\n\
         [[rule]]\nid = \"narrow\"\ncause = \"orgpolicy\"\nreply = [\"550\"]\n\
         examples = [\"550 no\"]\n"
    );
    let (_dir, path) = rule_file("mine.toml", &text);
    let out = bounceaudit()
        .args(["rules", "test", "--no-default-rules", "--rules"])
        .arg(&path)
        .assert()
        .code(2);
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("example of rule `narrow` is won by rule `wide`"),
        "{text}"
    );
    assert!(text.ends_with("1 examples, 0 passed, 1 failed\n"), "{text}");
}

#[test]
fn dump_leaves_edited_files_alone_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let dump = |force: bool| {
        let mut cmd = bounceaudit();
        cmd.args(["rules", "dump", "--out"]).arg(dir.path());
        if force {
            cmd.arg("--force");
        }
        cmd.assert()
    };
    dump(false).success();
    dump(false).success(); // the same files again: nothing to lose
    let edited = dir.path().join("20-recipient.toml");
    fs::write(&edited, "# my own rules\n").unwrap();
    dump(false).code(2);
    assert_eq!(fs::read_to_string(&edited).unwrap(), "# my own rules\n");
    dump(true).success();
    assert_ne!(fs::read_to_string(&edited).unwrap(), "# my own rules\n");
}

#[test]
fn dumped_rules_are_the_defaults_and_check_clean_alone() {
    let dir = tempfile::tempdir().unwrap();
    bounceaudit()
        .args(["rules", "dump", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut names = Vec::new();
    for entry in fs::read_dir(&ours).unwrap() {
        let name = entry.unwrap().file_name();
        if !name.to_string_lossy().ends_with(".toml") {
            continue;
        }
        let dumped = fs::read(dir.path().join(&name)).unwrap();
        assert_eq!(dumped, fs::read(ours.join(&name)).unwrap());
        names.push(name);
    }
    assert!(!names.is_empty());
    bounceaudit()
        .args(["rules", "check", "--no-default-rules", "--rules"])
        .arg(dir.path())
        .assert()
        .success();
}

/// Scans `message` with `args` and returns the rows of bounces.csv as
/// (recipient, cause, hard_bounce, rule, advice).
fn scan(message: &Path, args: &[&str]) -> Vec<[String; 5]> {
    let out = tempfile::tempdir().unwrap();
    bounceaudit()
        .arg("scan")
        .arg(message)
        .arg("--out")
        .arg(out.path())
        .arg("--quiet")
        .args(args)
        .assert()
        .success();
    let mut csv = csv::Reader::from_path(out.path().join("bounces.csv"))
        .expect("bounces.csv");
    let head = csv.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let cols = ["recipient", "cause", "hard_bounce", "rule", "advice"].map(col);
    csv.records()
        .map(|r| {
            let r = r.unwrap();
            cols.map(|c| r[c].to_string())
        })
        .collect()
}

#[test]
fn a_users_own_cause_wins_in_scan_and_explain_names_it() {
    let message = fixture("legal-hold.eml");
    let rules = fixture("acme.toml");
    let rules = rules.to_str().unwrap();

    // Without the user's file, the default rules decide.
    let before = scan(&message, &[]);
    assert_eq!(before.len(), 2);
    assert_ne!(before[0][1], "legalhold");

    // With it, the user's cause, rule, hard flag (the rule's override) and
    // advice appear; the other recipient keeps its default verdict.
    let after = scan(&message, &["--rules", rules]);
    assert_eq!(after[0][0], "dan@acme.example");
    assert_eq!(
        after[0][1..],
        [
            "legalhold".to_string(),
            "true".into(),
            "acme-legal-hold".into(),
            "Do not resend; ask legal@example.org to arrange delivery.".into()
        ]
    );
    assert_eq!(after[1], before[1]);

    let out = bounceaudit()
        .arg("explain")
        .arg(&message)
        .args(["--rules", rules])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let first = text.split("recipient 2:").next().unwrap();
    assert!(first.contains("cause legalhold (hard)"), "{text}");
    assert!(first.contains("winner: rule `acme-legal-hold`"), "{text}");
    assert!(
        first.contains("remote `mx1.acme.example` matched `*.acme.example`")
    );
    assert!(first.contains("a user rule beats a default rule"), "{text}");
}

#[test]
fn no_default_rules_leaves_only_the_users() {
    let message = fixture("legal-hold.eml");
    let rules = fixture("acme.toml");
    let rows = scan(
        &message,
        &["--no-default-rules", "--rules", rules.to_str().unwrap()],
    );
    assert_eq!(rows[0][1], "legalhold");
    assert_eq!((rows[1][1].as_str(), rows[1][3].as_str()), ("undefined", ""));
}

#[test]
fn explain_finds_a_message_of_an_mbox_by_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("bounces.mbox");
    let eml = fs::read(fixture("legal-hold.eml")).unwrap();
    let mut data = b"From MAILER-DAEMON Tue Nov  3 14:20:11 2026\n".to_vec();
    data.extend_from_slice(
        b"From: a@example.org\nSubject: hello\n\nnot a bounce\n\n",
    );
    let second = data.len();
    data.extend_from_slice(b"From MAILER-DAEMON Tue Nov  3 14:20:12 2026\n");
    data.extend_from_slice(&eml);
    fs::write(&mbox, &data).unwrap();

    let spec = format!("{}:{second}", mbox.display());
    let out = bounceaudit().arg("explain").arg(&spec).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with(&format!("message {spec}\n")), "{text}");
    assert!(text.contains("recipient 2: erin@example.net"), "{text}");
    assert!(text.contains("winner: rule `text-user-unknown`"), "{text}");

    let bad = format!("{}:{}", mbox.display(), second + 1);
    let out = bounceaudit().arg("explain").arg(&bad).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains(&format!("no message starts at byte {}", second + 1)));
}
