//! Ctrl-C: a scan that gets SIGINT stops, removes its temporary files and
//! exits 130, leaving no partial report: an empty output folder when it was
//! new, the previous report untouched when there was one.

#![cfg(unix)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::gen;

fn start(args: &[&std::ffi::OsStr], out: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("bounceaudit"))
        .arg("scan")
        .args(args)
        .arg("--out")
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn sigint(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child with a deadline, so that a hang fails the test.
fn wait(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(
                child.stderr.as_mut().unwrap(),
                &mut err,
            )
            .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the scan did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An endless mbox of bounces, written to `sink` until `stop` is set or
/// the reader goes away; counts the bytes written.
fn feed(mut sink: impl Write, stop: &AtomicBool, written: &AtomicU64) {
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let mut chunk = String::new();
        for _ in 0..200 {
            let tag = format!("int{i}");
            chunk.push_str(&gen::from_line(i));
            chunk.push_str(&gen::dsn(
                &tag,
                &[format!("{tag}@example.com")],
                "",
            ));
            chunk.push('\n');
            i += 1;
        }
        if sink.write_all(chunk.as_bytes()).is_err() {
            return;
        }
        written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
}

#[test]
fn sigint_during_a_big_scan_exits_130_and_leaves_the_new_folder_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let mut child = start(&["-".as_ref()], &out);
    let stdin = child.stdin.take().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let feeder = {
        let (stop, written) = (stop.clone(), written.clone());
        std::thread::spawn(move || feed(stdin, &stop, &written))
    };

    // The scan is under way once it has taken in 30 MB of bounces.
    let deadline = Instant::now() + Duration::from_secs(60);
    while written.load(Ordering::Relaxed) < 30 << 20 {
        assert!(Instant::now() < deadline, "the scan does not read stdin");
        std::thread::sleep(Duration::from_millis(10));
    }
    sigint(&child);
    stop.store(true, Ordering::Relaxed);
    feeder.join().unwrap();

    let (code, stderr) = wait(child);
    assert_eq!(code, 130, "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    if out.exists() {
        assert_eq!(listing(&out), Vec::<String>::new());
    }
}

#[test]
fn sigint_after_a_file_was_read_removes_its_rows_and_keeps_the_old_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("bounces.csv"), "an earlier report\n").unwrap();

    // A file of 2,000 bounces, then a FIFO: opening the FIFO for writing
    // returns once the scan has read the file and opened the FIFO.
    let mut mbox = String::new();
    for i in 0..2000 {
        mbox.push_str(&gen::from_line(i));
        let r = format!("old{i}@example.com");
        mbox.push_str(&gen::dsn(&format!("f{i}"), &[r], ""));
    }
    let file = tmp.path().join("first.mbox");
    std::fs::write(&file, mbox).unwrap();
    let fifo = tmp.path().join("second.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());

    let child = start(&[file.as_os_str(), fifo.as_os_str()], &out);
    let writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    sigint(&child);
    std::thread::sleep(Duration::from_millis(300));
    drop(writer);

    let (code, stderr) = wait(child);
    assert_eq!(code, 130, "stderr: {stderr}");
    assert_eq!(listing(&out), vec!["bounces.csv".to_string()]);
    let old = std::fs::read_to_string(out.join("bounces.csv")).unwrap();
    assert_eq!(old, "an earlier report\n");
}

#[test]
fn a_second_sigint_ends_a_scan_stuck_on_stdin() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    // Standard input stays open and silent, as a terminal would.
    let mut child = start(&["-".as_ref()], &out);
    let _stdin = child.stdin.take().unwrap();
    // Once the temporary report files are there the scan is under way.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && (!out.exists() || listing(&out).is_empty())
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    sigint(&child);
    std::thread::sleep(Duration::from_millis(300));
    sigint(&child);

    let (code, stderr) = wait(child);
    assert_eq!(code, 130, "stderr: {stderr}");
    if out.exists() {
        assert_eq!(listing(&out), Vec::<String>::new());
    }
}
