//! Property tests of the invariants of issue 7: splitting an mbox of N
//! generated messages yields N, whole or in chunks; decoding never panics on arbitrary bytes
//! (nor on a real report with arbitrary bytes spliced in); LF and CRLF line
//! ends give the same rows.

use std::sync::OnceLock;

use bounceaudit::classify::{classify, Row};
use bounceaudit::decode::decode;
use bounceaudit::mbox;
use bounceaudit::rules::RuleSet;
use proptest::prelude::*;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::load(&[], true).expect("default rules"))
}

/// A body line: words, sometimes opening with `From ` (unquoted mboxo) or
/// with quoting, never shaped like a separator (sender then date).
fn body_line() -> impl Strategy<Value = String> {
    let word = "[A-Za-z0-9@.,:;<>()=-]{1,12}";
    (
        prop_oneof![
            Just(""),
            Just("From "),
            Just(">From "),
            Just(">>From "),
            Just("From: "),
            Just(" "),
        ],
        prop::collection::vec(word, 0..8),
    )
        .prop_map(|(lead, words)| format!("{lead}{}", words.join(" ")))
        .prop_filter("not a From_ line", |l| {
            !(l.starts_with("From ") && l.contains(':') && has_digits(l, 4))
        })
}

fn has_digits(s: &str, n: usize) -> bool {
    s.split(|c: char| !c.is_ascii_digit()).any(|w| w.len() >= n)
}

fn message() -> impl Strategy<Value = String> {
    ("[a-z]{1,10}", prop::collection::vec(body_line(), 0..20)).prop_map(
        |(subject, lines)| {
            format!("Subject: {subject}\nFrom: a@example.com\n\n{}\n", {
                lines.join("\n")
            })
        },
    )
}

fn from_line(i: usize) -> String {
    let sender = ["MAILER-DAEMON", "-", "bob@example.com"][i % 3];
    format!(
        "From {sender} Tue Mar {:2} 0{}:17:0{} 2026\n",
        1 + i % 28,
        i % 10,
        i % 10
    )
}

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn an_mbox_of_n_messages_splits_into_n(
        messages in prop::collection::vec(message(), 1..40),
        use_crlf in any::<bool>(),
        lead in prop_oneof![Just(""), Just("\n"), Just("\u{feff}"), Just("\n \n")],
    ) {
        let mut data = String::from(lead);
        for (i, m) in messages.iter().enumerate() {
            data.push_str(&from_line(i));
            data.push_str(m);
        }
        let data = if use_crlf { crlf(&data) } else { data };
        prop_assert!(mbox::is_mbox(data.as_bytes()));
        let pieces: Vec<_> = mbox::split(data.as_bytes()).collect();
        prop_assert_eq!(pieces.len(), messages.len());
        for (piece, m) in pieces.iter().zip(&messages) {
            let m = if use_crlf { crlf(m) } else { m.clone() };
            prop_assert_eq!(piece.bytes, m.as_bytes());
        }
    }

    #[test]
    fn reading_in_chunks_gives_the_same_messages(
        messages in prop::collection::vec(message(), 1..30),
        target in 1usize..600,
        use_crlf in any::<bool>(),
    ) {
        let mut data = String::new();
        for (i, m) in messages.iter().enumerate() {
            data.push_str(&from_line(i));
            data.push_str(m);
        }
        let data = if use_crlf { crlf(&data) } else { data };
        let whole: Vec<(u64, Vec<u8>)> = mbox::split(data.as_bytes())
            .map(|p| (p.offset, p.bytes.to_vec()))
            .collect();

        // From a stream, as for stdin and compressed files.
        let mut reader = mbox::Reader::new(data.as_bytes());
        let mut streamed = Vec::new();
        while let Some(chunk) = reader.next_chunk(target).unwrap() {
            for p in mbox::split(&chunk.data) {
                streamed.push((chunk.base + p.offset, p.bytes.to_vec()));
            }
        }
        prop_assert_eq!(&streamed, &whole);

        // From a memory map, as for plain files.
        let bytes = data.as_bytes();
        let (mut at, mut mapped) = (0, Vec::new());
        while at < bytes.len() {
            let end = mbox::cut(bytes, at, target);
            for p in mbox::split(&bytes[at..end]) {
                mapped.push((at as u64 + p.offset, p.bytes.to_vec()));
            }
            at = end;
        }
        prop_assert_eq!(&mapped, &whole);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        if let Ok(report) = decode(&bytes) {
            let _ = classify(&report, "x", rules());
        }
    }

    #[test]
    fn decoding_a_report_with_bytes_spliced_in_never_panics(
        at in 0.0f64..1.0,
        cut in any::<bool>(),
        junk in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut m = report("a@example.com", "5.2.2", "552 mailbox full", "\n")
            .into_bytes();
        let at = (m.len() as f64 * at) as usize;
        if cut {
            m.truncate(at);
        }
        m.splice(at..at, junk);
        if let Ok(report) = decode(&m) {
            let _ = classify(&report, "x", rules());
        }
    }

    #[test]
    fn lf_and_crlf_give_the_same_rows(
        user in "[a-z][a-z0-9.]{0,10}",
        status in prop_oneof![
            Just("5.1.1"), Just("4.2.2"), Just("5.7.1"), Just("5.0.0"),
            Just("4.4.7"), Just(""),
        ],
        reply in prop_oneof![Just("550"), Just("452"), Just("554"), Just("")],
        words in prop::collection::vec("[a-zA-Z0-9.<>@]{1,10}", 1..12),
        text_only in any::<bool>(),
    ) {
        let diagnostic = format!("{reply} {}", words.join(" "));
        let recipient = format!("{user}@example.com");
        let m = if text_only {
            text_bounce(&recipient, &diagnostic)
        } else {
            report(&recipient, status, &diagnostic, "\n")
        };
        let lf = rows(&m);
        let crlf = rows(&crlf(&m));
        prop_assert!(!lf.is_empty() || text_only);
        prop_assert_eq!(lf, crlf);
    }
}

fn rows(m: &str) -> Vec<Row> {
    decode(m.as_bytes()).map(|r| classify(&r, "x", rules())).unwrap_or_default()
}

/// An RFC 3464 report with one recipient.
fn report(recipient: &str, status: &str, diagnostic: &str, nl: &str) -> String {
    [
        "From: MAILER-DAEMON@mx.example.net",
        "Subject: Delivery Status Notification (Failure)",
        "Date: Tue, 3 Mar 2026 10:00:00 +0000",
        "Content-Type: multipart/report; report-type=delivery-status;",
        " boundary=\"BB\"",
        "",
        "--BB",
        "Content-Type: text/plain",
        "",
        "Your message could not be delivered.",
        "",
        "--BB",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.net",
        "",
        &format!("Final-Recipient: rfc822; {recipient}"),
        "Action: failed",
        &format!("Status: {status}"),
        &format!("Diagnostic-Code: smtp; {diagnostic}"),
        "",
        "--BB--",
        "",
    ]
    .join(nl)
}

/// A Postfix-style text bounce with no report part.
fn text_bounce(recipient: &str, diagnostic: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.example.net\n\
         Subject: Undelivered Mail Returned to Sender\n\n\
         This is the mail system at host mx.example.net.\n\n\
         I'm sorry to have to inform you that your message could not\n\
         be delivered to one or more recipients.\n\n\
         <{recipient}>: host mx.example.com[192.0.2.1] said: {diagnostic}\n\
         \x20   (in reply to RCPT TO command)\n"
    )
}

/// Found by fuzzing (the decode target): mail-parser 0.11.9 fails a debug
/// assertion on a message/rfc822 part nested in another; its release build
/// recovers, and test builds now do the same (see Cargo.toml).
#[test]
fn a_message_nested_in_a_returned_message_does_not_panic() {
    let m = "Subject: x\nContent-Type: multipart/mixed; boundary=\"b\"\n\n\
             --b\nContent-Type: message/rfc822\n\nX: y\n\
             Content-Type: message/rfc822\n\nz\n\n--b--\n";
    let skip = decode(m.as_bytes()).unwrap_err();
    assert_eq!(skip.reason, "no report found");
}

/// Found by fuzzing: inputs that once hung or panicked the decoder (a part
/// tree that loops back on itself; a nested message/rfc822). Each must
/// decode, or be skipped, at once.
#[test]
fn inputs_found_by_fuzzing_decode() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-found");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let started = std::time::Instant::now();
        let _ = decode(&bytes);
        assert!(started.elapsed().as_secs() < 5, "{}", path.display());
    }
}
