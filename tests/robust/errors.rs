//! Errors a user meets: missing and unreadable paths (named, the run goes
//! on, exit 1), bad rule files and flags (exit 2 before any work), text
//! from messages escaped before it reaches the terminal, exit codes
//! documented.

use assert_cmd::Command;

use crate::gen;

fn bin() -> Command {
    Command::cargo_bin("bounceaudit").unwrap()
}

fn one_bounce(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("good.eml");
    let text = gen::dsn("good", &["good@example.com".to_string()], "sorry");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_missing_path_is_named_and_the_run_goes_on() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    let missing = input.path().join("no-such-archive.mbox");
    let scan = gen::scan(&[missing.as_os_str(), good.as_os_str()], out.path());
    assert_eq!(scan.code, 1);
    let lines: Vec<&str> = scan.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("bounceaudit: "), "{}", lines[0]);
    assert!(lines[0].contains(&missing.display().to_string()));
    assert_eq!(scan.rows.len(), 1);
    assert_eq!(scan.rows[0][1], "good@example.com");
    scan.assert_accounted();
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_is_named_and_the_run_goes_on() {
    // Reading /proc/self/mem from offset 0 fails (EIO), even for root.
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    let bad = std::path::Path::new("/proc/self/mem");
    let scan = gen::scan(&[bad.as_os_str(), good.as_os_str()], out.path());
    assert_eq!(scan.code, 1);
    let lines: Vec<&str> = scan.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("bounceaudit: /proc/self/mem: "));
    assert_eq!(scan.rows.len(), 1);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_folder_is_named() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    one_bounce(input.path());
    std::os::unix::fs::symlink(input.path(), input.path().join("loop"))
        .unwrap();
    let scan = gen::scan(&[input.path().as_os_str()], out.path());
    assert_eq!(scan.code, 1);
    assert_eq!(scan.stderr.lines().count(), 1, "{}", scan.stderr);
    assert!(scan.stderr.contains("loop"), "{}", scan.stderr);
    assert_eq!(scan.rows.len(), 1);
}

#[test]
fn a_bad_rule_file_exits_2_before_any_work() {
    let input = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    let rules = input.path().join("mine.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"x\"\ncause = \"userunknown\"\n\
         diagnostic = [\"(unclosed\"]\n",
    )
    .unwrap();
    let out = input.path().join("report");
    let assert = bin()
        .arg("scan")
        .arg(&good)
        .arg("--rules")
        .arg(&rules)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert!(stderr.contains(&format!("{}:4:", rules.display())), "{stderr}");
    assert!(!out.exists(), "no output folder for a run that did not start");
}

#[test]
fn a_bad_flag_exits_2_before_any_work() {
    let input = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    let out = input.path().join("report");
    bin()
        .arg("scan")
        .arg(&good)
        .arg("--no-such-flag")
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
    for bad in [["--since", "notadate"], ["--format", "xml"]] {
        bin()
            .arg("scan")
            .arg(&good)
            .args(bad)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        assert!(!out.exists(), "{bad:?}");
    }
    bin().arg("scan").arg(&good).assert().code(2);
    bin().arg("frobnicate").assert().code(2);
}

#[test]
fn text_from_messages_is_escaped_on_the_terminal() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let text = gen::dsn("esc", &["esc@example.com".to_string()], "sorry")
        .replace(
            "Remote-MTA: dns; mx.example.com",
            "Remote-MTA: dns; mx.\x1b[2J\x1b]0;owned\x07example.com",
        );
    std::fs::write(input.path().join("esc.eml"), text).unwrap();
    // A file name with control characters, given as a missing path.
    let missing = input.path().join("gone\x1b[31m\r.eml");
    let scan =
        gen::scan(&[input.path().as_os_str(), missing.as_os_str()], out.path());
    assert_eq!(scan.code, 1);
    assert_eq!(scan.rows.len(), 1);
    for (name, text) in [("stdout", &scan.stdout), ("stderr", &scan.stderr)] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{name} has raw control characters: {text:?}"
        );
    }
    assert!(scan.stderr.contains("gone\\u{1b}[31m\\r.eml"), "{}", scan.stderr);
    assert!(scan.stdout.contains("mx.\\u{1b}"), "{}", scan.stdout);
}

#[test]
fn exit_codes_are_documented() {
    for args in [&["--help"][..], &["scan", "--help"][..]] {
        let assert = bin().args(args).assert().success();
        let help = String::from_utf8_lossy(&assert.get_output().stdout);
        for code in ["0 ", "1 ", "2 ", "130 "] {
            assert!(
                help.contains("Exit codes:") && help.contains(code),
                "{args:?}: exit code {code} not in help:\n{help}"
            );
        }
    }
    let readme = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/README.md"
    ))
    .unwrap();
    for row in ["| 0 |", "| 1 |", "| 2 |", "| 130 |"] {
        assert!(readme.contains(row), "README lacks {row}");
    }
}

#[test]
fn a_corrupt_compressed_file_is_named_and_the_run_goes_on() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    // gzip magic bytes, then junk.
    let bad = input.path().join("broken.mbox.gz");
    let mut junk = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    junk.extend(gen::Rng::new(3).bytes(500));
    std::fs::write(&bad, junk).unwrap();
    let scan = gen::scan(&[bad.as_os_str(), good.as_os_str()], out.path());
    assert_eq!(scan.code, 1);
    let lines: Vec<&str> = scan.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("broken.mbox.gz: "), "{}", lines[0]);
    assert_eq!(scan.rows.len(), 1);
}

#[test]
fn an_output_folder_that_cannot_be_made_exits_2_and_is_named() {
    let input = tempfile::tempdir().unwrap();
    let good = one_bounce(input.path());
    let file = input.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let assert =
        bin().arg("scan").arg(&good).arg("--out").arg(&file).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}
