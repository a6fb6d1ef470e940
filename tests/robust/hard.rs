//! Hard cases: a folder of broken and hostile messages and mboxes, scanned
//! by the built program. Nothing may panic and every message read must be
//! accounted for, as rows in `bounces.csv` or one row of `skipped.csv`.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::Path;

use crate::gen::{self, Rng};

fn recipients(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{tag}{i}@example.com")).collect()
}

/// Writes every single-message hard case into `dir`; returns how many.
fn write_messages(dir: &Path) -> usize {
    let mut rng = Rng::new(7);
    let one = |tag: &str| gen::dsn(tag, &recipients(tag, 1), "sorry");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.eml", Vec::new()),
        ("blank.eml", b"\n\r\n  \t\n".to_vec()),
        ("binary.bin", rng.bytes(64 * 1024)),
        ("headers-only.eml", {
            b"From: MAILER-DAEMON@example.net\nSubject: Undelivered\n".to_vec()
        }),
        ("nul.eml", one("nul").replace("sorry", "so\0rry\0\0").into_bytes()),
        (
            "nul-headers.eml",
            one("nulh").replace("MIME-Version", "MI\0ME").into(),
        ),
        ("utf8.eml", {
            let mut m = one("utf").into_bytes();
            let at = m.windows(12).position(|w| w == b"User unknown").unwrap();
            m.splice(at..at, b"\xff\xfe\xc3(\xe2\x82 ".iter().copied());
            m
        }),
    ];

    // A report cut in the middle of its delivery-status part: the boundary
    // is never closed, nor is the returned message there.
    let full = one("cut");
    let cut = full.find("--b-cut\nContent-Type: text/rfc822").unwrap();
    cases.push(("truncated.eml", full[..cut].as_bytes().to_vec()));
    let cut = full.find("Remote-MTA").unwrap();
    cases.push(("truncated-fields.eml", full[..cut].as_bytes().to_vec()));
    cases.push(("truncated-early.eml", full[..200].as_bytes().to_vec()));

    // One report with an 8 MB line in the returned message, one with an
    // 8 MB header line.
    let line = "x".repeat(8 << 20);
    let long = one("long").replace(
        "Subject: hello long\n",
        &format!("Subject: hello long\nX-Big: {line}\n"),
    );
    cases.push(("long-line.eml", long.into_bytes()));
    cases.push(("long-header.eml", format!("Subject: {line}\n\nx\n").into()));

    // Thousands of recipients in one report.
    let many = gen::dsn("many", &recipients("many", 3000), "sorry");
    cases.push(("many-recipients.eml", many.into_bytes()));

    // Thousands of nested multiparts, with and without closing boundaries.
    for (name, close) in [("nested.eml", true), ("nested-open.eml", false)] {
        let depth = 5000;
        let mut m = String::from("From: a@example.net\nSubject: deep\n");
        for d in 0..depth {
            m.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"n{d}\"\n\n--n{d}\n"
            ));
        }
        m.push_str("Content-Type: text/plain\n\nbottom\n");
        if close {
            for d in (0..depth).rev() {
                m.push_str(&format!("--n{d}--\n"));
            }
        }
        cases.push((name, m.into_bytes()));
    }

    // A returned message that holds another message (mail-parser 0.11.9
    // fails a debug assertion on it: found by fuzzing).
    let nested = one("fwd").replacen(
        "Content-Type: text/rfc822-headers\n\n",
        "Content-Type: message/rfc822\n\nX-Forwarded: yes\n\
         Content-Type: message/rfc822\n\nz\n",
        1,
    );
    cases.push(("nested-returned.eml", nested.into_bytes()));
    let nested =
        "Subject: x\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
                  --b\nContent-Type: message/rfc822\n\nX: y\n\
                  Content-Type: message/rfc822\n\nz\n\n--b--\n";
    cases.push(("nested-rfc822.eml", nested.into()));

    // Broken base64 in the human-readable part and in the report part.
    let b64 = one("b64").replacen(
        "Content-Type: text/plain; charset=us-ascii\n\nThis is",
        "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n\
         ###not base64 at all=====\n=A\nThis is",
        1,
    );
    cases.push(("base64-text.eml", b64.into_bytes()));
    let b64 = one("b64r").replacen(
        "Content-Type: message/delivery-status\n",
        "Content-Type: message/delivery-status\n\
         Content-Transfer-Encoding: base64\n",
        1,
    );
    cases.push(("base64-report.eml", b64.into_bytes()));

    let n = cases.len();
    for (name, bytes) in cases {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    n
}

/// Messages of the mbox cases, with unquoted From lines in their bodies.
fn mbox_messages(tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let extra = gen::UNQUOTED_FROM.join("\n");
            gen::dsn(
                &format!("{tag}{i}"),
                &recipients(&format!("{tag}{i}-"), 1),
                &extra,
            )
        })
        .collect()
}

/// Writes the mboxes (mboxo, mboxrd, CRLF); returns how many messages.
fn write_mboxes(dir: &Path) -> usize {
    let mut total = 0;
    // How each form writes a message's body, and its line ends.
    let forms: [(&str, fn(&str) -> String, fn(&str) -> String); 3] = [
        ("mboxo.mbox", |m| m.to_string(), |m| m.to_string()),
        ("mboxrd.mbox", gen::mboxrd_quote, |m| m.to_string()),
        ("crlf.mbox", |m| m.to_string(), gen::crlf),
    ];
    for (name, quote, ends) in forms {
        let messages = mbox_messages(name, 5);
        let mut text = String::new();
        for (i, m) in messages.iter().enumerate() {
            text.push_str(&gen::from_line(i));
            text.push_str(&quote(m));
            text.push('\n');
        }
        std::fs::write(dir.join(name), ends(&text)).unwrap();
        total += messages.len();
    }

    // Blank lines or a byte-order mark before the first From_ line.
    for (name, lead) in
        [("lead-blank.mbox", "\n\n"), ("lead-bom.mbox", "\u{feff}")]
    {
        let mut text = String::from(lead);
        for (i, m) in mbox_messages(name, 5).iter().enumerate() {
            text.push_str(&gen::from_line(i));
            text.push_str(m);
        }
        std::fs::write(dir.join(name), text).unwrap();
        total += 5;
    }
    total
}

#[test]
fn every_hard_case_is_accounted_for() {
    let input = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let expected = write_messages(input.path()) + write_mboxes(input.path());

    let scan = gen::scan(&[input.path().as_os_str()], out.path());
    assert_eq!(scan.code, 0, "stderr: {}", scan.stderr);
    assert!(!scan.stderr.contains("panicked"), "{}", scan.stderr);
    let read = scan.assert_accounted();
    assert_eq!(
        read,
        expected as u64,
        "decoded {:?}, skipped {:?}",
        scan.decoded(),
        scan.skipped
    );
    assert!(
        !scan.skipped.iter().any(|(_, r)| r == "undecodable"),
        "a decoder failed: {:?}",
        scan.skipped
    );

    // What each case gave.
    let skipped_as = |file: &str| {
        scan.skipped
            .iter()
            .find(|(o, _)| o.ends_with(file))
            .map(|(_, r)| r.as_str())
    };
    let rows_of =
        |file: &str| scan.rows.iter().filter(|r| r[0].ends_with(file)).count();
    assert_eq!(skipped_as("/empty.eml"), Some("empty"));
    assert_eq!(skipped_as("/blank.eml"), Some("empty"));
    assert!(skipped_as("/binary.bin").is_some());
    assert_eq!(skipped_as("/headers-only.eml"), Some("no report found"));
    assert_eq!(skipped_as("/long-header.eml"), Some("no report found"));
    assert_eq!(skipped_as("/nested-rfc822.eml"), Some("no report found"));
    let row =
        scan.rows.iter().find(|r| r[0].ends_with("/truncated-fields.eml"));
    assert_eq!(
        row.map(|r| (r[1].as_str(), r[2].as_str(), r[3].as_str())),
        Some(("cut0@example.com", "5.1.1", ""))
    );
    assert_eq!(rows_of("/many-recipients.eml"), 3000);
    let many: BTreeSet<&str> = scan
        .rows
        .iter()
        .filter(|r| r[0].ends_with("/many-recipients.eml"))
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(many.len(), 3000, "every recipient its own row");
    for file in [
        "/nul.eml",
        "/nul-headers.eml",
        "/utf8.eml",
        "/truncated.eml",
        "/long-line.eml",
        "/base64-text.eml",
        "/nested-returned.eml",
    ] {
        let row = scan.rows.iter().find(|r| r[0].ends_with(file));
        let row = row.unwrap_or_else(|| panic!("{file}: no row"));
        assert_eq!(
            (row[2].as_str(), row[3].as_str()),
            ("5.1.1", "550"),
            "{file}"
        );
    }

    // Each mbox split into its 5 messages, all decoded.
    for name in [
        "mboxo.mbox",
        "mboxrd.mbox",
        "crlf.mbox",
        "lead-blank.mbox",
        "lead-bom.mbox",
    ] {
        let origins: BTreeSet<&str> = scan
            .decoded()
            .into_iter()
            .filter(|o| o.contains(&format!("/{name}:")))
            .collect();
        assert_eq!(origins.len(), 5, "{name}: {origins:?}");
    }
}

#[test]
fn a_thousand_message_mbox_splits_into_exactly_a_thousand() {
    let input = tempfile::tempdir().unwrap();
    let messages = mbox_messages("k", 1000);
    let mut lf = String::new();
    for (i, m) in messages.iter().enumerate() {
        lf.push_str(&gen::from_line(i));
        lf.push_str(m);
        lf.push('\n');
    }
    let lf_path = input.path().join("lf.mbox");
    let crlf_path = input.path().join("crlf.mbox");
    std::fs::write(&lf_path, &lf).unwrap();
    std::fs::write(&crlf_path, gen::crlf(&lf)).unwrap();

    let mut scans = Vec::new();
    for path in [&lf_path, &crlf_path] {
        let out = tempfile::tempdir().unwrap();
        let scan = gen::scan(&[path.as_os_str(), OsStr::new("-q")], out.path());
        assert_eq!(scan.code, 0, "stderr: {}", scan.stderr);
        let read = std::fs::read_to_string(out.path().join("skipped.csv"));
        assert_eq!(read.unwrap().lines().count(), 1, "nothing skipped");
        assert_eq!(scan.rows.len(), 1000);
        assert_eq!(scan.decoded().len(), 1000);
        let recipients: BTreeSet<&str> =
            scan.rows.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(recipients.len(), 1000);
        scans.push(scan);
    }
    assert_eq!(gen::values(&scans[0]), gen::values(&scans[1]));
}
