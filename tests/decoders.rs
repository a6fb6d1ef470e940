//! Fixture bounces for the facts the decoders extract (recipient, status,
//! reply code, remote server, diagnostic), one per shape of text that was
//! once read wrongly. The messages are written for these tests.

use bounceaudit::decode::decode;
use bounceaudit::report::RecipientStatus;

fn recipients(raw: &[u8]) -> Vec<RecipientStatus> {
    decode(raw).expect("a bounce").recipients
}

#[test]
fn a_declared_iso_2022_jp_text_is_decoded() {
    // "エラー" (error) and "宛先不明" (unknown destination) in ISO-2022-JP.
    let raw = b"From: postmaster@mx.example.co.jp\nTo: ann@example.org\n\
Subject: Undeliverable message\nMIME-Version: 1.0\n\
Content-Type: text/plain; charset=ISO-2022-JP\n\n\
------- Failure Reasons --------\n\n\
\x1b$B%(%i!<\x1b(B: \x1b$B08@hITL@\x1b(B\nbob@example.co.jp\n\n\
------- Returned Message --------\n\
From: ann@example.org\nTo: bob@example.co.jp\nSubject: hi\n\nhello\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].recipient, "bob@example.co.jp");
    assert!(
        rs[0].diagnostic.contains("エラー: 宛先不明"),
        "{}",
        rs[0].diagnostic
    );
}

#[test]
fn iso_2022_jp_in_a_report_part_without_charset_is_decoded() {
    // "ユーザー" (user) in the Diagnostic-Code of a delivery-status part,
    // which declares no charset.
    let raw = b"From: MAILER-DAEMON@mx.example.co.jp\nTo: ann@example.org\n\
Subject: DELIVERY FAILURE\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nYour message was not delivered.\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.co.jp\n\n\
Final-Recipient: rfc822; bob@example.co.jp\nAction: failed\nStatus: 5.0.0\n\
Diagnostic-Code: X-Notes; \x1b$B%f!<%6!<\x1b(B bob \x1b$B$O8+$D$+$j$^$;$s\x1b(B\n\n\
--b--\n";
    let rs = recipients(raw);
    assert_eq!(rs[0].recipient, "bob@example.co.jp");
    assert_eq!(rs[0].diagnostic, "ユーザー bob は見つかりません");
}

#[test]
fn a_mailing_list_notice_names_the_list_as_the_failed_recipient() {
    let raw = b"From: cats-admin@lists.example.org\nTo: ann@example.com\n\
Subject: You ann@example.com are not member (cats ML)\n\
X-MLServer: fml [fml 4.0.3 release]\n\n\
Your post was refused by the list <cats@lists.example.org>.\n\n\
To join, write to\n\n\tcats-ctl@lists.example.org\n\n\
Original mail as follows:\n\n\
From: ann@example.com\nTo: cats@lists.example.org\nSubject: hi\n\nhello\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].recipient, "cats@lists.example.org");
    assert_eq!(
        rs[0].diagnostic,
        "Your post was refused by the list <cats@lists.example.org>."
    );
    // A post the list distributes comes from its author: not a notice.
    let post = b"From: ann@example.com\nTo: cats@lists.example.org\n\
Subject: lunch\nX-MLServer: fml [fml 4.0.3 release]\n\n\
Write to me at <ann@example.com>.\n";
    assert!(decode(post).is_err());
}

#[test]
fn a_transcript_of_several_dialogues_keeps_order_and_hosts() {
    let raw = b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n\
To: ann@example.com\nSubject: Returned mail: User unknown\n\n\
   ----- Transcript of session follows -----\n\
550 example.net (smtp)... 550 Host unknown\n\
554 <bob@example.net>... 550 Host unknown (Authoritative answer)\n\
While talking to mail.example.org:\n\
>>> RCPT To:<cy@example.org>\n\
<<< 550 No such user here.\n\
550 <cy@example.org>... User unknown\n\
While talking to mx.example.jp:\n\
>>> DATA\n\
<<< 451 Try later\n\
554 <dee@example.jp>... Remote protocol error\n\n\
   ----- Unsent message follows -----\n\
From: ann@example.com\nTo: bob@example.net\nSubject: hi\n\nhello\n";
    let rs = recipients(raw);
    let got: Vec<(&str, &str)> = rs
        .iter()
        .map(|r| (r.recipient.as_str(), r.remote_server.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("bob@example.net", ""),
            ("cy@example.org", "mail.example.org"),
            ("dee@example.jp", "mx.example.jp"),
        ]
    );
    assert!(rs[1].diagnostic.contains("No such user here"));
    // The verdict quotes no reply: the reply its dialogue got is the
    // server's.
    assert_eq!(
        (rs[2].reply_code.as_str(), rs[2].diagnostic.as_str()),
        ("451", "451 Try later 554 <dee@example.jp>... Remote protocol error")
    );
}

#[test]
fn a_no_reply_auto_reply_answers_for_the_mailbox_it_names() {
    let raw = b"From: <no-reply@example.com>\nTo: <ann@example.org>\n\
Subject: Automatic reply: hello\nAuto-Submitted: auto-replied\n\n\
Thank you, ann@example.org (cc cy@example.net). The inbox \
bob@example.com is no longer in use; please write to help@example.com.\n";
    let rs = recipients(raw);
    assert_eq!(rs[0].recipient, "bob@example.com");
    let own = b"From: <cy@example.com>\nTo: <ann@example.org>\n\
Subject: Out of office\nAuto-Submitted: auto-replied\n\n\
I am away; write to dee@example.com.\n";
    assert_eq!(recipients(own)[0].recipient, "cy@example.com");
}

#[test]
fn a_complaint_about_undisclosed_recipients_names_no_one() {
    let raw = b"From: <fbl@example.net>\nTo: <abuse@example.org>\n\
Subject: FW: hi\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nAn abuse report.\n\n\
--b\nContent-Type: message/feedback-report\n\n\
Feedback-Type: abuse\nVersion: 1\n\n\
--b\nContent-Type: message/rfc822\n\n\
From: <ann@example.org>\nTo: <Undisclosed Recipients>\nSubject: hi\n\n\
hello\n--b--\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(
        (rs[0].recipient.as_str(), rs[0].feedback_type.as_str()),
        ("", "abuse")
    );
}

#[test]
fn a_reason_leaves_out_the_notice_furniture() {
    let raw = b"From: MAILER-DAEMON@mx.example.com\nTo: ann@example.com\n\
Subject: Warning: could not send message for past 4 hours\n\
MIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\n\n\
    **      THIS IS A WARNING MESSAGE ONLY      **\n\n\
   ----- Transcript of session follows -----\n\
451 4.3.0 Queue file write error\n\
Warning: message still undelivered after 4 hours\n\
Will keep trying until message is 5 days old\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.com\n\n\
Final-Recipient: RFC822; bob@example.com\nAction: delayed\nStatus: 4.3.0\n\
Diagnostic-Code: X-Unix; 73\n\n--b--\n";
    let rs = recipients(raw);
    assert_eq!(rs[0].diagnostic, "451 4.3.0 Queue file write error");
    assert_eq!(rs[0].reply_code, "451");
    let labelled = b"From: MAILER-DAEMON@mx.example.com\nTo: ann@example.com\n\
Subject: Mail delivery failed\n\n\
Your message could not be delivered.\n\n\
bob@example.com\n-------server message\n550 5.1.1 unknown user <bob@example.com>\n";
    let rs = recipients(labelled);
    assert_eq!(rs[0].diagnostic, "550 5.1.1 unknown user <bob@example.com>");
}

#[test]
fn report_fields_in_the_text_are_not_the_reason() {
    // A multipart/report whose boundary never appears: its fields are text.
    let raw = b"From: MAILER-DAEMON@mx.example.edu\nTo: ann@example.com\n\
Subject: Returned mail: Service unavailable\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"gone\"\n\n\
   ----- The following addresses had permanent fatal errors -----\n\
\"|/usr/bin/filter #bob\"\n    (expanded from: <bob@example.edu>)\n\n\
   ----- Transcript of session follows -----\n\
554 \"|/usr/bin/filter #bob\"... Service unavailable\n\n\
Reporting-MTA: dns; mx.example.edu\n\n\
Final-Recipient: RFC822; bob@mx.example.edu\n\
X-Actual-Recipient: RFC822; |/usr/bin/filter #bob@mx.example.edu\n\
Action: failed\nStatus: 5.5.0\n\n\
Return-Path: <ann@example.com>\nFrom: ann@example.com\n\
To: bob@example.edu\nSubject: hi\n\nhello\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].recipient, "bob@mx.example.edu");
    assert_eq!(
        (rs[0].reply_code.as_str(), rs[0].diagnostic.as_str()),
        ("554", "554 \"|/usr/bin/filter #bob\"... Service unavailable")
    );
}

#[test]
fn a_delivery_report_pasted_into_a_message_is_read() {
    let raw = b"From: helpdesk@example.net\nTo: ann@example.com\n\
Subject: Undelivered Mail Returned to Sender\n\n\
Your message could not be delivered; the report follows.\n\n\
---------------------------------\n\
Return-Path: <>\nReceived: by mx.example.net (Postfix) id 1\n\
From: MAILER-DAEMON@mx.example.net\nTo: ann@example.com\n\
Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\n\
<bob@example.org>: host mx.example.org[192.0.2.8] refused to talk to me\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 4.0.0\n\
Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.8]: server\n\
\x20   refused to talk to me: 421 Busy, try later\n\n--b--\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].recipient, "bob@example.org");
    assert_eq!(
        (rs[0].status.as_str(), rs[0].reply_code.as_str()),
        ("4.0.0", "421")
    );
}

#[test]
fn utf8_declared_as_iso_2022_jp_is_read_as_utf8() {
    let raw = "From: postmaster@mx.example.jp\nTo: ann@example.com\n\
Subject: Undeliverable mail\nMIME-Version: 1.0\n\
Content-Type: text/plain; charset=\"ISO-2022-JP\"\n\
Content-Transfer-Encoding: 7bit\n\n\
Your message was not delivered to:\n\n\
bob@example.jp\n    メールボックスが一杯です (mailbox full)\n";
    let rs = recipients(raw.as_bytes());
    assert_eq!(rs[0].recipient, "bob@example.jp");
    assert_eq!(rs[0].diagnostic, "メールボックスが一杯です (mailbox full)");
}

#[test]
fn euc_jp_declared_as_iso_2022_jp_is_read_as_euc_jp() {
    // "メールボックスが一杯です" (the mailbox is full) in EUC-JP.
    let raw = b"From: postmaster@mx.example.jp\nTo: ann@example.com\n\
Subject: Undeliverable mail\nMIME-Version: 1.0\n\
Content-Type: text/plain; charset=iso-2022-jp\n\n\
Your message was not delivered to:\n\n\
bob@example.jp\n    \xa5\xe1\xa1\xbc\xa5\xeb\xa5\xdc\xa5\xc3\xa5\xaf\xa5\xb9\
\xa4\xac\xb0\xec\xc7\xd5\xa4\xc7\xa4\xb9 (mailbox full)\n";
    let rs = recipients(raw);
    assert_eq!(rs[0].diagnostic, "メールボックスが一杯です (mailbox full)");
}

#[test]
fn a_bounce_whose_copy_is_a_report_names_its_own_recipient() {
    let raw = b"From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
To: postmaster@example.org\nSubject: Mail delivery failed\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n\
\x20 cy@example.net\n\
\x20   550 5.1.1 no such user\n\n\
------ This is a copy of the message, including all the headers. ------\n\n\
From: MAILER-DAEMON@example.org\nTo: cy@example.net\n\
Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; example.org\n\n\
Final-Recipient: rfc822; dee@example.com\nAction: failed\nStatus: 5.2.2\n\n\
--b--\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(
        (rs[0].recipient.as_str(), rs[0].status.as_str()),
        ("cy@example.net", "5.1.1")
    );
}

/// A forwarded bounce attached with no text part of its own: the parser
/// reads such a message from its raw body, so the attached copy must not be
/// cut away before it does.
#[test]
fn a_forwarded_bounce_without_a_text_part_is_read_whole() {
    let raw = b"From: postmaster@relay.example.net\nTo: sender@example.org\n\
Subject: Fwd: Returned mail\nMIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"b1\"\n\n\
--b1\nContent-Type: message/rfc822\n\n\
From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\n\
Subject: Undelivered Mail Returned to Sender\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"fw\"\n\n\
--fw\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822; bob@example.com\nAction: failed\nStatus: 5.1.1\n\
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>: User unknown\n\n\
--fw--\n\n\
--b1\nContent-Type: text/rfc822-headers\n\n\
From: sender@example.org\nTo: carol@example.com\nSubject: hi\n\n\
--b1--\n";
    let rs = recipients(raw);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].recipient, "bob@example.com");
    assert_eq!(rs[0].status, "5.1.1");
}

/// The decoded recipients of `raw`, classified by the default rules.
fn classified(raw: &[u8]) -> Vec<bounceaudit::classify::Row> {
    use std::sync::OnceLock;
    static RULES: OnceLock<bounceaudit::rules::RuleSet> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        bounceaudit::rules::RuleSet::load(&[], true).expect("default rules")
    });
    let report = decode(raw).expect("a bounce");
    bounceaudit::classify::classify(&report, "x", rules)
}

#[test]
fn a_reason_stated_once_before_the_recipients_is_theirs() {
    let raw = b"From: MAILER-DAEMON@mx.example.net\nTo: ann@example.org\n\
Subject: Undelivered Mail Returned to Sender\n\n\
This is the mail system at host mx.example.net.\n\n\
The mailbox of the recipient has been suspended.\n\n\
<bob@example.net>: 550 unknown user (in reply to RCPT TO command)\n\n\
<cy@example.net>: 550 unknown user (in reply to RCPT TO command)\n";
    let rows = classified(raw);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(
            r.diagnostic,
            "550 unknown user (in reply to RCPT TO command) The mailbox of \
             the recipient has been suspended."
        );
        assert_eq!(&*r.cause, "suspend", "{}", r.recipient);
    }
}

#[test]
fn a_reason_in_the_text_beside_a_report_is_read_with_its_fields() {
    let raw = b"From: MAILER-DAEMON@gw.example.com\nTo: ann@example.org\n\
Subject: Returned mail\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\n\
Your message to <dee> was automatically rejected:\n\
Not enough disk space\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; gw.example.com\n\n\
Final-Recipient: rfc822; dee@example.com\nAction: failed\nStatus: 5.1.1\n\
Diagnostic-Code: smtp; 550 5.1.1 <dee@example.com>... User unknown\n\n\
--b--\n";
    let rows = classified(raw);
    assert_eq!(
        rows[0].diagnostic,
        "550 5.1.1 <dee@example.com>... User unknown Your message to <dee> \
         was automatically rejected: Not enough disk space"
    );
    assert_eq!(&*rows[0].cause, "mailboxfull");
}

#[test]
fn a_time_limit_in_the_list_introduction_says_delivery_expired() {
    let raw = b"From: postmaster@relay.example.com\nTo: ann@example.org\n\
Subject: Delivery Status Notification\n\n\
This is an automatically generated Delivery Status Notification.\n\n\
Delivery to the following recipients was aborted after 6 hour(s):\n\n\
\x20 * eve@example.co.jp\n\n\
Technical details:\n\n\
Routing: Could not find a gateway for eve@example.co.jp\n";
    let rows = classified(raw);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].diagnostic.ends_with("aborted after 6 hour(s):"));
    assert_eq!(&*rows[0].cause, "expired");
}

#[test]
fn notice_boilerplate_before_the_recipients_is_no_reason() {
    let raw = b"From: MAILER-DAEMON@mx.example.net\nTo: ann@example.org\n\
Subject: Undelivered Mail Returned to Sender\n\n\
This is the mail system at host mx.example.net.\n\n\
I'm sorry to have to inform you that your message could not\n\
be delivered to one or more recipients. It's attached below.\n\n\
For further assistance, please send mail to postmaster.\n\n\
\x20                  The mail system\n\n\
<fay@example.net>: 550 5.1.1 unknown user (in reply to RCPT TO command)\n";
    let rs = recipients(raw);
    assert_eq!(
        rs[0].diagnostic,
        "550 5.1.1 unknown user (in reply to RCPT TO command)"
    );
}

/// The reporting server's comment on the status is part of the wording the
/// rules read, beside the remote server's reply.
#[test]
fn a_status_comment_joins_the_diagnostic() {
    let raw = b"From: MAILER-DAEMON@mta.example.net\nTo: ann@example.org\n\
Subject: Delivery report\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nA message could not be delivered.\n\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mta.example.net\n\n\
Final-Recipient: rfc822; bob@example.com\nAction: failed\n\
Status: 5.2.1 (mailbox disabled, not accepting messages)\n\
Diagnostic-Code: smtp;550 5.2.1 <bob@example.com>... User Unknown\n\n\
--b--\n";
    let rs = classified(raw);
    assert_eq!(rs.len(), 1);
    assert!(
        rs[0].diagnostic.ends_with("mailbox disabled, not accepting messages"),
        "{}",
        rs[0].diagnostic
    );
    assert_eq!(&*rs[0].cause, "suspend");
}

/// Base64 of `bytes` (RFC 4648 alphabet, lines of 76 characters).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n');
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A bounce forwarded as an attachment whose `message/rfc822` part carries
/// `encoding` and `body`; the forwarding message has its own text part.
fn forwarded_as(encoding: &str, body: &str) -> String {
    format!(
        "From: postmaster@relay.example.net\nTo: helpdesk@example.org\n\
Date: Tue, 03 Nov 2026 09:00:00 +0000\nSubject: Fwd: Returned mail\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"out\"\n\n\
--out\nContent-Type: text/plain\n\nForwarded for a look.\n\n\
--out\nContent-Type: message/rfc822\n\
Content-Transfer-Encoding: {encoding}\n\n{body}\n--out--\n"
    )
}

/// The transfer encoding of the attached bounce is undone before it is
/// decoded: base64 would otherwise hide the report and leave the
/// forwarding message's own addressee as the recipient.
#[test]
fn a_forwarded_bounce_in_base64_is_decoded() {
    let inner = "From: MAILER-DAEMON@mx.example.net\nTo: news@example.org\n\
Subject: Delivery Status Notification (Failure)\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"in\"\n\n\
--in\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n\
--in\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822; carol@example.com\nAction: failed\nStatus: 5.2.2\n\
Remote-MTA: dns; mx.example.com\n\
Diagnostic-Code: smtp; 552 5.2.2 <carol@example.com>: Mailbox full\n\n\
--in--\n";
    let lf = forwarded_as("base64", &base64(inner.as_bytes()));
    for raw in [lf.clone(), lf.replace('\n', "\r\n")] {
        let rows = classified(raw.as_bytes());
        assert_eq!(rows.len(), 1, "{rows:?}");
        let r = &rows[0];
        assert_eq!(r.recipient, "carol@example.com");
        assert_eq!(
            (r.status.as_str(), r.reply_code.as_str()),
            ("5.2.2", "552")
        );
        assert_eq!(r.remote_server, "mx.example.com");
        assert_eq!(r.diagnostic, "552 5.2.2 <carol@example.com>: Mailbox full");
        assert_eq!(&*r.cause, "mailboxfull");
    }
}

/// A quoted-printable attached bounce: its `=3D` and soft line breaks
/// (`=` at a line end) are undone, so the multipart boundary is found and
/// the diagnostic reads as one sentence.
#[test]
fn a_forwarded_bounce_in_quoted_printable_is_decoded() {
    let inner = "From: MAILER-DAEMON@mx.example.net\nTo: news@example.org\n\
Subject: Undelivered Mail Returned to Sender\n\
Content-Type: multipart/report; report-type=3Ddelivery-status; bound=\nary=3D\"in\"\n\n\
--in\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.net\n\n\
Final-Recipient: rfc822; dan@example.net\nAction: failed\nStatus: 5.1.1\n\
Diagnostic-Code: smtp; 550 5.1.1 <dan@example.net>: Recipient address rej=\n\
ected: User unknown in local recipient table\n\n\
--in--\n";
    let lf = forwarded_as("quoted-printable", inner);
    for raw in [lf.clone(), lf.replace('\n', "\r\n")] {
        let rows = classified(raw.as_bytes());
        assert_eq!(rows.len(), 1, "{rows:?}");
        let r = &rows[0];
        assert_eq!(r.recipient, "dan@example.net");
        assert_eq!(r.status, "5.1.1");
        assert_eq!(
            r.diagnostic,
            "550 5.1.1 <dan@example.net>: Recipient address rejected: User \
             unknown in local recipient table"
        );
        assert_eq!(r.format, "rfc3464");
    }
}
