//! The made-up messages of `make-archive`: one function per layout, the
//! varying parts (addresses, servers, codes, dates, the returned original)
//! drawn from the generator.

use super::Rng;

/// Reasons a server gives: enhanced status, reply code, text.
const REASONS: &[(&str, &str, &str)] = &[
    (
        "5.1.1",
        "550",
        "Recipient address rejected: User unknown in local recipient table",
    ),
    (
        "5.1.1",
        "550",
        "The email account that you tried to reach does not exist",
    ),
    ("5.2.2", "552", "Mailbox full: quota exceeded"),
    (
        "5.7.1",
        "550",
        "Message rejected due to SPF policy of the sending domain",
    ),
    (
        "5.7.1",
        "554",
        "Service unavailable; client host blocked using a DNS blocklist",
    ),
    ("5.4.1", "550", "Recipient address rejected: Access denied"),
    ("5.2.1", "550", "Mailbox disabled, not accepting messages"),
    ("5.3.4", "552", "Message size exceeds fixed maximum message size"),
    ("4.2.2", "452", "Mailbox over quota, try again later"),
    ("4.7.0", "421", "Too many connections from your IP, rate limited"),
    ("5.7.26", "550", "Unauthenticated email is not accepted from this domain"),
    ("5.1.2", "550", "Host or domain name not found"),
];

const SERVERS: &[&str] = &[
    "mx1.example.com",
    "mx2.example.net",
    "mail.example.org",
    "inbound.example.co.jp",
    "smtp-in.example.edu",
];

const DOMAINS: &[&str] =
    &["example.com", "example.net", "example.org", "example.co.jp"];

const SUBJECTS: &[&str] = &[
    "Your invoice for October",
    "Weekly newsletter",
    "Meeting notes",
    "Password reset",
    "Order confirmation",
];

/// Facts shared by every layout.
struct Facts {
    seq: usize,
    rcpt: String,
    sender: String,
    server: &'static str,
    reason: (&'static str, &'static str, &'static str),
    date: String,
    subject: &'static str,
}

fn facts(rng: &mut Rng, seq: usize) -> Facts {
    let names = ["alice", "bob", "carol", "dave", "erin", "frank"];
    Facts {
        seq,
        rcpt: format!(
            "{}.{}@{}",
            rng.pick(&names),
            rng.below(5000),
            rng.pick(DOMAINS)
        ),
        sender: format!("news@{}", rng.pick(DOMAINS)),
        server: rng.pick(SERVERS),
        reason: REASONS[rng.below(REASONS.len())],
        date: format!(
            "{}, {} Oct 2026 {:02}:{:02}:{:02} +0000",
            rng.pick(&["Mon", "Tue", "Wed", "Thu", "Fri"]),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        subject: rng.pick(SUBJECTS),
    }
}

/// One message of a layout chosen by weight.
pub fn message(rng: &mut Rng, seq: usize) -> String {
    let f = facts(rng, seq);
    let body = original_body(rng);
    match rng.below(100) {
        0..=29 => rfc3464(&f, &body, false),
        30..=39 => rfc3464(&f, &body, true),
        40..=54 => exim(&f, &body),
        55..=64 => qmail(&f, &body),
        65..=76 => exchange(&f),
        77..=84 => sendmail(&f, &body),
        85..=89 => arf(&f),
        90..=94 => auto_reply(&f),
        _ => not_a_report(&f),
    }
}

/// Some paragraphs of the returned message, so sizes vary as in life.
fn original_body(rng: &mut Rng) -> String {
    let words = [
        "quarterly",
        "report",
        "attached",
        "please",
        "review",
        "the",
        "figures",
        "before",
        "Friday",
        "meeting",
        "thanks",
        "regards",
    ];
    let mut out = String::new();
    for _ in 0..rng.below(40) {
        for _ in 0..12 {
            out.push_str(rng.pick(&words));
            out.push(' ');
        }
        out.push('\n');
    }
    out
}

fn original_headers(f: &Facts) -> String {
    format!(
        "From: Example News <{}>\nTo: {}\nSubject: {}\nDate: {}\n\
         Message-ID: <m{}@example.org>\n",
        f.sender, f.rcpt, f.subject, f.date, f.seq
    )
}

fn rfc3464(f: &Facts, body: &str, delayed: bool) -> String {
    let (status, reply, text) = f.reason;
    let (action, status, subject) = if delayed {
        (
            "delayed",
            format!("4{}", &status[1..]),
            "Delayed Mail (still being retried)",
        )
    } else {
        ("failed", status.to_string(), "Undelivered Mail Returned to Sender")
    };
    let b = format!("PF{}.1790000000/out.example.org", f.seq);
    format!(
        "Return-Path: <>\nFrom: MAILER-DAEMON@out.example.org (Mail Delivery System)\n\
To: {sender}\nDate: {date}\nSubject: {subject}\nMessage-ID: <pf{seq}@out.example.org>\n\
Auto-Submitted: auto-replied\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{b}\"\n\n\
--{b}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n\
This is the mail system at host out.example.org.\n\n\
I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n\
<{rcpt}>: host {server}[192.0.2.{ip}] said: {reply} {status} <{rcpt}>:\n    {text} (in reply to RCPT TO command)\n\n\
--{b}\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; out.example.org\nArrival-Date: {date}\n\n\
Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\nAction: {action}\n\
Status: {status}\nRemote-MTA: dns; {server}\n\
Diagnostic-Code: smtp; {reply} {status} <{rcpt}>: {text}\n\n\
--{b}\nContent-Description: Undelivered Message\nContent-Type: message/rfc822\n\n\
{orig}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n--{b}--\n",
        sender = f.sender,
        date = f.date,
        seq = f.seq,
        rcpt = f.rcpt,
        server = f.server,
        ip = f.seq % 250,
        orig = original_headers(f),
    )
}

fn exim(f: &Facts, body: &str) -> String {
    let (_, reply, text) = f.reason;
    format!(
        "Return-path: <>\nFrom: Mail Delivery System <Mailer-Daemon@relay.example.net>\n\
To: {sender}\nSubject: Mail delivery failed: returning message to sender\n\
Date: {date}\nX-Failed-Recipients: {rcpt}\nAuto-Submitted: auto-replied\n\
Message-Id: <ex{seq}@relay.example.net>\n\n\
This message was created automatically by mail delivery software.\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n  {rcpt}\n\
    host {server} [192.0.2.{ip}]\n    SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n\
    {reply} {text}\n\n------ This is a copy of the message, including all the headers. ------\n\n\
{orig}\n{body}",
        sender = f.sender,
        date = f.date,
        rcpt = f.rcpt,
        seq = f.seq,
        server = f.server,
        ip = f.seq % 250,
        orig = original_headers(f),
    )
}

fn qmail(f: &Facts, body: &str) -> String {
    let (status, reply, text) = f.reason;
    format!(
        "Return-Path: <>\nFrom: MAILER-DAEMON@qmail.example.org\nTo: {sender}\n\
Subject: failure notice\nDate: {date}\n\n\
Hi. This is the qmail-send program at qmail.example.org.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\
This is a permanent error; I've given up. Sorry it didn't work out.\n\n\
<{rcpt}>:\n192.0.2.{ip} does not like recipient.\nRemote host said: {reply} {status} {text}\n\
Giving up on 192.0.2.{ip}.\n\n--- Below this line is a copy of the message.\n\n{orig}\n{body}",
        sender = f.sender,
        date = f.date,
        rcpt = f.rcpt,
        ip = f.seq % 250,
        orig = original_headers(f),
    )
}

fn exchange(f: &Facts) -> String {
    let (status, reply, text) = f.reason;
    let b = format!("_000_ndr{}_", f.seq);
    format!(
        "From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>\n\
To: {sender}\nDate: {date}\nSubject: Undeliverable: {subject}\n\
Content-Type: multipart/mixed; boundary=\"{b}\"\nMIME-Version: 1.0\n\n\
--{b}\nContent-Type: text/plain; charset=\"us-ascii\"\n\n\
Delivery has failed to these recipients or groups:\n\n{rcpt}\n\
The email address you entered couldn't be found.\n\n\
Diagnostic information for administrators:\n\nGenerating server: EX01.corp.example.com\n\n\
{rcpt}\nRemote Server returned '{reply} {status} {text}'\n\n\
Original message headers:\n\n{orig}\n--{b}--\n",
        sender = f.sender,
        date = f.date,
        subject = f.subject,
        rcpt = f.rcpt,
        orig = original_headers(f),
    )
}

fn sendmail(f: &Facts, body: &str) -> String {
    let (status, reply, text) = f.reason;
    let b = format!("SM{}.example.edu", f.seq);
    format!(
        "Return-Path: <>\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@smtp.example.edu>\n\
To: {sender}\nDate: {date}\nSubject: Returned mail: see transcript for details\n\
MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{b}\"\n\n\
--{b}\n\nThe original message was received at {date}\n\n\
   ----- The following addresses had permanent fatal errors -----\n<{rcpt}>\n\
    (reason: {reply} {status} {text})\n\n   ----- Transcript of session follows -----\n\
... while talking to {server}.:\n>>> RCPT To:<{rcpt}>\n<<< {reply} {status} {text}\n\
550 5.1.1 <{rcpt}>... User unknown\n\n--{b}\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; smtp.example.edu\n\nFinal-Recipient: RFC822; {rcpt}\nAction: failed\n\
Status: {status}\nRemote-MTA: DNS; {server}\nDiagnostic-Code: SMTP; {reply} {status} {text}\n\
Last-Attempt-Date: {date}\n\n--{b}\nContent-Type: message/rfc822\n\n{orig}\n{body}\n--{b}--\n",
        sender = f.sender,
        date = f.date,
        rcpt = f.rcpt,
        server = f.server,
        orig = original_headers(f),
    )
}

fn arf(f: &Facts) -> String {
    let b = format!("arf{}", f.seq);
    format!(
        "From: abuse@fbl.example.net\nTo: fbl@example.org\nDate: {date}\n\
Subject: Email Feedback Report\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"{b}\"\n\n\
--{b}\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n\
--{b}\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: FBL/1.0\n\
Version: 1\nOriginal-Rcpt-To: <{rcpt}>\nArrival-Date: {date}\nReporting-MTA: dns; fbl.example.net\n\n\
--{b}\nContent-Type: message/rfc822\n\n{orig}\nunsubscribe me\n--{b}--\n",
        date = f.date,
        rcpt = f.rcpt,
        orig = original_headers(f),
    )
}

fn auto_reply(f: &Facts) -> String {
    format!(
        "From: {rcpt}\nTo: {sender}\nDate: {date}\nSubject: Out of Office: {subject}\n\
Auto-Submitted: auto-replied\nPrecedence: auto_reply\n\n\
I am out of the office until Monday with limited access to email.\n\
For urgent matters please contact the help desk.\n",
        rcpt = f.rcpt,
        sender = f.sender,
        date = f.date,
        subject = f.subject,
    )
}

fn not_a_report(f: &Facts) -> String {
    format!(
        "From: {rcpt}\nTo: {sender}\nDate: {date}\nSubject: Re: {subject}\n\n\
Thanks, please take me off this list.\n\nFrom the desk of {rcpt}\n",
        rcpt = f.rcpt,
        sender = f.sender,
        date = f.date,
        subject = f.subject,
    )
}
