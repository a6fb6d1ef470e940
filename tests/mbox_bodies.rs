//! A bounce whose text quotes an unquoted From_ line ("From bob@example.com
//! Mon Sep 14 10:13:00 2026") is one message: scanning an mbox of two such
//! bounces gives a row for each recipient and skips nothing.

use assert_cmd::Command;

/// A plain-text bounce for `rcpt` whose body holds a From_ line.
fn bounce(n: usize, rcpt: &str) -> String {
    format!(
        "From MAILER-DAEMON Mon Sep 14 10:15:0{n} 2026\n\
         From: MAILER-DAEMON@mx.example.org\n\
         To: news@example.org\n\
         Date: Mon, 14 Sep 2026 10:15:0{n} +0000\n\
         Subject: Delivery Status Notification (Failure)\n\
         Message-ID: <bounce-{n}@mx.example.org>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; \
         boundary=\"B{n}\"\n\
         \n\
         --B{n}\n\
         Content-Type: text/plain\n\
         \n\
         Your message could not be delivered. It began:\n\
         \n\
         From bob@example.com Mon Sep 14 10:13:00 2026\n\
         hello from bob\n\
         \n\
         --B{n}\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.example.org\n\
         \n\
         Final-Recipient: rfc822; {rcpt}\n\
         Action: failed\n\
         Status: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{rcpt}>: user unknown\n\
         \n\
         --B{n}--\n\
         \n"
    )
}

#[test]
fn from_lines_in_bounce_bodies_do_not_split_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("in.mbox");
    let text = bounce(1, "alice@example.net") + &bounce(2, "carol@example.net");
    std::fs::write(&mbox, text).unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("bounceaudit")
        .unwrap()
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg(&mbox)
        .assert()
        .success();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let bounces = read("bounces.csv");
    let rows: Vec<&str> = bounces.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{bounces}");
    assert!(rows[0].contains("alice@example.net"));
    assert!(rows[1].contains("carol@example.net"));
    assert!(rows.iter().all(|r| r.contains(",5.1.1,")));
    assert_eq!(read("skipped.csv").lines().count(), 1);
}
