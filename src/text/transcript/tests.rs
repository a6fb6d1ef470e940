//! Tests of the transcript shape.

use super::*;

#[test]
fn transcript_gives_reply_and_remote() {
    let t = "... while talking to mx1.example.net.:\n>>> RCPT To:<a@example.net>\n<<< 550 5.1.1 <a@example.net>... User unknown\n";
    let mut blocks = Vec::new();
    apply(t, &mut blocks);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].remote, "mx1.example.net");
    assert_eq!(blocks[0].reply, "550");
    assert_eq!(blocks[0].status, "5.1.1");
}

#[test]
fn texts_the_prefilter_passes_over_change_nothing() {
    let pieces = [
        "... while talking to mx1.example.net.:\n",
        "While talking to mx2.example.net:\n",
        ">>> RCPT To:<a@example.net>\n",
        "<<< 550 5.1.1 unknown\n",
        "<<< 250 ok\n",
        "Sent <<< MAIL FROM:<s@example.org>\n",
        " In:  RCPT TO:<f@example.net>\n",
        " out: 451 4.3.0 Error\n",
        "\u{a0}OUT: 554 no\n",
        "Domain: in: 550 x\n",
        "553 5.0.0 <b@example.net>... User unknown\n",
        "550 5.1.1 no such user\n",
        "received from x\n",
        "in",
        ":",
        " ",
        "\n",
        "\r\n",
        "out",
        "é",
    ];
    let mut applied = 0;
    for (i, t) in
        crate::codes::random_texts(&pieces, 21, 6000, 10).iter().enumerate()
    {
        let start = match i % 3 {
            0 => vec![],
            1 => vec![Block {
                address: "a@example.net".into(),
                ..Block::default()
            }],
            _ => vec![Block {
                address: "c@example.com".into(),
                remote: "mx.example.com".into(),
                reply: "550".into(),
                ..Block::default()
            }],
        };
        let (mut fast, mut plain) = (start.clone(), start);
        apply(t, &mut fast);
        apply_lines(t, &mut plain);
        assert_eq!(fast, plain, "{t:?}");
        applied += may_hold_transcript(t) as usize;
    }
    assert!((1000..5000).contains(&applied), "{applied}");
}

#[test]
fn sent_and_received_notation() {
    let t = "Sent <<< RCPT TO:<d@example.net>\n\
             Received >>> 550 5.1.1 <d@example.net>... user unknown\n";
    let mut blocks = Vec::new();
    apply(t, &mut blocks);
    assert_eq!(blocks.len(), 1);
    assert_eq!(
        (blocks[0].reply.as_str(), blocks[0].status.as_str()),
        ("550", "5.1.1")
    );
}

#[test]
fn a_failure_at_data_falls_on_the_accepted_recipients() {
    let t = " In:  RCPT TO:<f@example.net>\n Out: 250 2.1.5 Ok\n\
             \x20In:  DATA\n Out: 354 go ahead\n\
             \x20Out: 451 4.3.0 Error: queue file write error\n";
    let mut blocks = Vec::new();
    apply(t, &mut blocks);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].address, "f@example.net");
    assert_eq!(
        (blocks[0].reply.as_str(), blocks[0].status.as_str()),
        ("451", "4.3.0")
    );
}

#[test]
fn each_reply_knows_the_command_it_answered() {
    let t = "... while talking to mx1.example.net.:\n\
             >>> MAIL From:<s@example.org>\n<<< 250 ok\n\
             >>> RCPT To:<a@example.net>\n<<< 550 5.1.1 unknown\n\
             >>> RCPT To:<b@example.net>\n<<< 250 ok\n\
             >>> DATA\n<<< 354 go\n>>> .\n\
             <<< 550 5.7.1 <b@example.net>... User unknown\n";
    let mut blocks: Vec<Block> = ["a@example.net", "b@example.net"]
        .iter()
        .map(|a| Block { address: a.to_string(), ..Block::default() })
        .collect();
    apply(t, &mut blocks);
    let got: Vec<(&str, &str)> =
        blocks.iter().map(|b| (b.address.as_str(), b.command)).collect();
    assert_eq!(got, [("a@example.net", "rcpt"), ("b@example.net", "data")]);
}

#[test]
fn a_refused_greeting_is_at_connect() {
    let t = "... while talking to mx1.example.net.:\n\
             <<< 554 5.7.1 no mail from your network\n";
    let mut blocks =
        vec![Block { address: "c@example.net".into(), ..Block::default() }];
    apply(t, &mut blocks);
    assert_eq!(
        (blocks[0].reply.as_str(), blocks[0].command),
        ("554", "connect")
    );
}

#[test]
fn mail_from_failure_applies_to_every_recipient() {
    let t = "... while talking to mx1.example.net.:\n>>> MAIL From:<n@example.org>\n<<< 550 5.0.0 SPF check failed\n";
    let mut blocks =
        vec![Block { address: "c@example.net".into(), ..Block::default() }];
    apply(t, &mut blocks);
    assert_eq!(blocks[0].diagnostic, "550 5.0.0 SPF check failed");
    assert_eq!(blocks[0].command, "mail");
}

#[test]
fn tables_by_address_give_what_passes_over_the_lists_do() {
    let pieces = [
        "... while talking to mx1.example.net.:\n",
        "While talking to mx2.example.com:\n",
        ">>> RCPT To:<a@example.net>\n",
        ">>> RCPT To:<B@example.com>\n",
        ">>> RCPT To:<c@example.net>\n",
        ">>> DATA\n",
        "<<< 550 5.1.1 unknown\n",
        "<<< 452 4.2.2 full\n",
        "<<< 250 ok\n",
        "553 5.0.0 <b@example.com>... User unknown\n",
        "554 <a@example.net>... Remote protocol error\n",
        "x\n",
    ];
    let mut named = 0;
    for (i, t) in
        crate::codes::random_texts(&pieces, 23, 3000, 30).iter().enumerate()
    {
        let start = match i % 2 {
            0 => vec![],
            _ => vec![Block {
                address: "c@example.net".into(),
                at: 5,
                ..Block::default()
            }],
        };
        let (mut tables, mut lists) = (start.clone(), start);
        apply_lines_with(t, &mut tables, 0);
        apply_lines_with(t, &mut lists, usize::MAX);
        assert_eq!(tables, lists, "{t:?}");
        named += usize::from(lists.len() > 1);
    }
    assert!(named > 500, "{named}");
}

#[test]
fn an_ellipsis_is_found_as_contains_finds_it() {
    let pieces = [".", "..", "...", " ", "... ", "x", "é", "\t"];
    for t in crate::codes::random_texts(&pieces, 9, 3000, 10) {
        assert_eq!(holds_ellipsis(&t), t.contains("... "), "{t:?}");
    }
}
