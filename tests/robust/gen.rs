//! Generators of hostile and broken input, written into temporary folders
//! by the tests (nothing large is kept in the repository), and helpers that
//! run the built program and read its reports back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use assert_cmd::Command;

/// A small deterministic generator (xorshift64*), so that "random" inputs
/// are the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 24) as u8).collect()
    }
}

/// Lines starting with `From ` that a careless tool leaves unquoted in
/// bodies; none of them is shaped like a separator (sender and date).
pub const UNQUOTED_FROM: &[&str] = &[
    "From the logs of mx.example.net we see a permanent failure.",
    "From bob@example.com: are you coming on Monday?",
    "From here on, the original message follows.",
    "From 10:30 the queue was retried every hour.",
    "From: not a header, just body text",
    ">From a quoted line, as mboxo writes it",
    ">>From a doubly quoted line, as mboxrd writes it",
];

/// One RFC 3464 report for `recipient` with the given status and reply.
/// `extra` goes into the human-readable part (unquoted From lines, junk).
pub fn dsn(tag: &str, recipients: &[String], extra: &str) -> String {
    let mut per_recipient = String::new();
    for r in recipients {
        per_recipient.push_str(&format!(
            "\nFinal-Recipient: rfc822; {r}\nAction: failed\n\
             Status: 5.1.1\nRemote-MTA: dns; mx.example.com\n\
             Diagnostic-Code: smtp; 550 5.1.1 <{r}>: Recipient address \
             rejected: User unknown in local recipient table\n"
        ));
    }
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n\
         To: sender@example.org\n\
         Subject: Undelivered Mail Returned to Sender\n\
         Date: Mon, 12 Oct 2026 09:14:02 +0200\n\
         Message-ID: <bounce-{tag}@mx.example.net>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status;\n\
         \tboundary=\"b-{tag}\"\n\
         \n\
         --b-{tag}\n\
         Content-Type: text/plain; charset=us-ascii\n\
         \n\
         This is the mail system at host mx.example.net.\n\
         {extra}\n\
         \n\
         --b-{tag}\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.example.net\n\
         {per_recipient}\n\
         --b-{tag}\n\
         Content-Type: text/rfc822-headers\n\
         \n\
         From: sender@example.org\n\
         To: {first}\n\
         Subject: hello {tag}\n\
         Message-ID: <orig-{tag}@example.org>\n\
         \n\
         --b-{tag}--\n",
        first = recipients.first().map_or("", String::as_str),
    )
}

/// The From_ line of message `i` of a generated mbox.
pub fn from_line(i: usize) -> String {
    let day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i % 7];
    format!(
        "From MAILER-DAEMON {day} Oct {:2} {:02}:{:02}:{:02} 2026\n",
        1 + i % 28,
        i % 24,
        i % 60,
        (i * 7) % 60
    )
}

/// Quotes body lines as mboxrd does (`>` before any `>*From `).
pub fn mboxrd_quote(message: &str) -> String {
    message
        .split_inclusive('\n')
        .map(|l| {
            if l.trim_start_matches('>').starts_with("From ") {
                format!(">{l}")
            } else {
                l.to_string()
            }
        })
        .collect()
}

pub fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// What a scan printed and wrote.
pub struct Scan {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Rows of `bounces.csv` as (origin, recipient, status, reply).
    pub rows: Vec<[String; 4]>,
    /// Rows of `skipped.csv` as (origin, reason).
    pub skipped: Vec<(String, String)>,
}

impl Scan {
    /// Distinct origins in `bounces.csv`.
    pub fn decoded(&self) -> BTreeSet<&str> {
        self.rows.iter().map(|r| r[0].as_str()).collect()
    }

    /// Skip reasons counted from `skipped.csv`.
    pub fn reasons(&self) -> BTreeMap<String, u64> {
        let mut m = BTreeMap::new();
        for (_, reason) in &self.skipped {
            *m.entry(reason.clone()).or_default() += 1;
        }
        m
    }

    /// The figures of the terminal summary: `N messages read = D decoded
    /// + S skipped` and `R rows ...`.
    pub fn summary(&self) -> (u64, u64, u64, u64) {
        let numbers = |line: &str| -> Vec<u64> {
            line.split(|c: char| !c.is_ascii_digit())
                .filter(|w| !w.is_empty())
                .map(|w| w.parse().unwrap())
                .collect()
        };
        let line = |what: &str| {
            self.stdout
                .lines()
                .find(|l| l.contains(what))
                .unwrap_or_else(|| panic!("no {what:?} in {:?}", self.stdout))
        };
        let read = numbers(line(" messages read = "));
        // `...; R rows for N recipients in DIR`: the number before " rows".
        let (before_rows, _) = line(" rows ").split_once(" rows ").unwrap();
        let rows = numbers(before_rows);
        (read[0], read[1], read[2], *rows.last().unwrap())
    }

    /// The terminal's `skipped:` line as reason -> count.
    pub fn summary_reasons(&self) -> BTreeMap<String, u64> {
        let Some(line) =
            self.stdout.lines().find_map(|l| l.strip_prefix("skipped: "))
        else {
            return BTreeMap::new();
        };
        line.split(", ")
            .map(|part| {
                let (reason, n) = part.rsplit_once(' ').unwrap();
                (reason.to_string(), n.parse().unwrap())
            })
            .collect()
    }

    /// Checks that every message read is accounted for, in the files and on
    /// the terminal, and returns the number of messages read.
    pub fn assert_accounted(&self) -> u64 {
        let (read, decoded, skipped, rows) = self.summary();
        assert_eq!(self.decoded().len() as u64, decoded, "decoded");
        assert_eq!(self.skipped.len() as u64, skipped, "skipped");
        assert_eq!(decoded + skipped, read, "read = decoded + skipped");
        assert_eq!(self.rows.len() as u64, rows, "rows");
        assert_eq!(self.summary_reasons(), self.reasons(), "skip reasons");
        read
    }
}

/// Runs `bounceaudit scan ARGS --out OUT` and reads the reports back.
pub fn scan(args: &[&std::ffi::OsStr], out: &Path) -> Scan {
    let output = Command::cargo_bin("bounceaudit")
        .unwrap()
        .arg("scan")
        .args(args)
        .arg("--out")
        .arg(out)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    if let Ok(mut rdr) = csv::Reader::from_path(out.join("bounces.csv")) {
        for rec in rdr.records() {
            let rec = rec.unwrap();
            rows.push([0, 4, 7, 8].map(|i| rec[i].to_string()));
        }
    }
    if let Ok(mut rdr) = csv::Reader::from_path(out.join("skipped.csv")) {
        for rec in rdr.records() {
            let rec = rec.unwrap();
            skipped.push((rec[0].to_string(), rec[1].to_string()));
        }
    }
    Scan {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        rows,
        skipped,
    }
}

/// The rows of a scan without their origins, for comparing two scans of
/// the same messages in different forms.
pub fn values(scan: &Scan) -> Vec<[String; 3]> {
    scan.rows
        .iter()
        .map(|r| [r[1].clone(), r[2].clone(), r[3].clone()])
        .collect()
}
