//! Where the report ends and the copy of the returned message begins in a
//! text bounce. Two signs: a marker line that servers write before the copy
//! (`------ This is a copy of the message`), or, for the many layouts that
//! write none or an unusual one, the first run of lines shaped like the
//! header of a mail message (`Received:`, `Message-ID:`, `From:` ...).

/// Marker lines (matched anywhere in a line, ignoring ASCII case); the copy
/// starts on the next line.
const MARKERS: &[&str] = &[
    "this is a copy of the message",
    "below this line is a copy of the message",
    "-- the header and top",
    "original message headers:",
    "----- original message -----",
    "this is a copy of your message",
    "the header of the original message is following",
    "------ original message ------",
    "content-type: message/rfc822",
    "----- the header of the original message",
    "-----original message-----",
    "------ returned message ------",
    "the original message headers are attached",
    "message headers follow",
    "original message follows",
    "included is a copy of the message header",
    "--- original message follows",
    "original mail as follows",
];

/// Header names that mark the start of a returned message's header block.
const HEADER_NAMES: &[&str] = &[
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "date",
    "from",
    "to",
    "subject",
    "cc",
    "reply-to",
    "sender",
    "dkim-signature",
    "delivered-to",
    "x-original-to",
    "user-agent",
    "x-mailer",
    "references",
    "in-reply-to",
    "authentication-results",
    "x-originating-ip",
    "errors-to",
];

/// Names that an ordinary summary in a report (`From:`, `To:`, `Subject:`,
/// `Date:`) does not use: a header run must hold one of them.
const STRONG: &[&str] = &[
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "dkim-signature",
    "delivered-to",
    "x-original-to",
    "authentication-results",
    "x-originating-ip",
];

/// All marker lines as one case-insensitive automaton, built once.
static MARKER: std::sync::LazyLock<regex_automata::meta::Regex> =
    std::sync::LazyLock::new(|| crate::codes::phrase_finder(MARKERS));

/// Pieces of which every marker holds one (`copy`, `original`, `rfc822`,
/// `header`, `- returned`), few and rare in reports so that the search
/// for them is fast and seldom stops on a line without a marker (not
/// `follow` nor `-- t`, which the notices' own `following addresses` and
/// `----- Transcript` lines hold). They hold no `s` or `k`, the two ASCII
/// letters that match a non-ASCII letter when case is ignored, so a
/// marker in any case holds one of them in ASCII letters of some case.
const PIECES: &[&str] = &["opy", "rigi", "fc8", "ade", "- r"];

/// Every ASCII spelling of [`PIECES`] in upper and lower case, searched as
/// one set by a SIMD searcher, built once (`None` where the machine has
/// no such searcher: then the whole text is searched for markers).
static PIECE: std::sync::LazyLock<Option<aho_corasick::packed::Searcher>> =
    std::sync::LazyLock::new(|| {
        let mut spellings = aho_corasick::packed::Config::new().builder();
        for piece in PIECES {
            let b = piece.as_bytes();
            for mask in 0..1u32 << b.len() {
                // Only letters have two spellings.
                let other = |i: usize| !b[i].is_ascii_alphabetic();
                if (0..b.len()).any(|i| mask >> i & 1 == 1 && other(i)) {
                    continue;
                }
                let s: Vec<u8> = (0..b.len())
                    .map(|i| match mask >> i & 1 {
                        1 => b[i].to_ascii_uppercase(),
                        _ => b[i],
                    })
                    .collect();
                spellings.add(s);
            }
        }
        spellings.build()
    });

/// For each of [`PIECES`], the markers that hold it, each with where the
/// piece stands in it, worked out once.
static PLACES: std::sync::LazyLock<Vec<Vec<(&str, usize)>>> =
    std::sync::LazyLock::new(|| {
        let places = |piece| {
            let at = |m: &'static str| m.match_indices(piece).map(|(o, _)| o);
            MARKERS.iter().flat_map(|m| at(m).map(|o| (*m, o))).collect()
        };
        PIECES.iter().map(places).collect()
    });

/// The characters past ASCII that match a letter of a marker when case
/// is ignored, as [`MARKER`] ignores it: `ſ` (`s`; the markers hold no
/// `k`, which the Kelvin sign matches, the tests hold).
const FOLDED_TO_ASCII: &[&str] = &["\u{17f}"];

/// True when the line `start..end` of `text`, in which a piece starts at
/// `first` (the line's first), holds a marker ([`MARKER`] matches in it).
///
/// A line without [`FOLDED_TO_ASCII`] holds a marker exactly where, in
/// some ASCII case, a marker stands around one of the line's pieces (as
/// [`PLACES`] has it for the piece): the markers are ASCII, and no other
/// character of the line matches an ASCII letter when case is ignored.
/// Other lines (rare) are searched by [`MARKER`].
fn holds_marker(
    text: &str,
    (start, end): (usize, usize),
    mut first: usize,
    piece: &aho_corasick::packed::Searcher,
) -> bool {
    let line = &text.as_bytes()[start..end];
    let folded = |c: &&str| memchr::memmem::find(line, c.as_bytes()).is_some();
    if !line.is_ascii() && FOLDED_TO_ASCII.iter().any(folded) {
        return MARKER.is_match(&text[start..end]);
    }
    loop {
        let at = first - start;
        let is = |p: &&str| {
            let head = line[at..].get(..p.len());
            head.is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        };
        let piece_at =
            PIECES.iter().position(is).map_or(&[][..], |i| &PLACES[i]);
        let found = piece_at.iter().any(|&(marker, o)| {
            at >= o
                && line[at - o..]
                    .get(..marker.len())
                    .is_some_and(|m| m.eq_ignore_ascii_case(marker.as_bytes()))
        });
        if found {
            return true;
        }
        let span = aho_corasick::Span::from(first + 1..end);
        match piece.find_in(text.as_bytes(), span) {
            Some(m) => first = m.start(),
            None => return false,
        }
    }
}

/// The line that holds the first marker in `text` ([`MARKER`]'s leftmost
/// match): where it starts, and where it ends (its `\n`, or the end).
///
/// A marker lies in one line and holds a piece, so only lines with a piece
/// are searched, in order, each only for whether it holds a marker.
fn find_marker(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let line_of = |at: usize| {
        let start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |n| n + 1);
        let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |n| at + n);
        (start, end)
    };
    let Some(piece) = PIECE.as_ref() else {
        return MARKER.find(text).map(|m| line_of(m.start()));
    };
    let mut from = 0;
    while let Some(p) =
        piece.find_in(b, aho_corasick::Span::from(from..b.len()))
    {
        let (start, end) = line_of(p.start());
        if holds_marker(text, (start, end), p.start(), piece) {
            return Some((start, end));
        }
        from = end;
    }
    None
}

/// Splits a text bounce into the report and the returned original (which
/// may be empty).
///
/// The copy starts at the first header run that ends before the first
/// marker line, else after that marker line. The header run is found
/// first, so that the marker is looked for only in the text up to where
/// the run ends, not in the whole copy.
pub fn split(text: &str) -> (&str, &str) {
    let run = header_run(text);
    let scope = run.map_or(text.len(), |(_, end)| end);
    // Markers hold no line end: one that starts before the run's end lies
    // in that text.
    match find_marker(&text[..scope]) {
        Some((start, end)) => {
            (&text[..start], &text[(end + 1).min(text.len())..])
        }
        None => match run {
            Some((start, _)) => (&text[..start], &text[start..]),
            None => (text, ""),
        },
    }
}

/// [`header_run`] as first written: every line read in turn.
#[cfg(test)]
fn header_run_plainly(text: &str) -> Option<(usize, usize)> {
    let mut pos = 0;
    let mut run_start = None;
    let mut run_len = 0;
    let mut run_strong = false;
    for line in super::lines_inclusive(text) {
        let start = pos;
        pos += line.len();
        match header_name(line) {
            Some(name) => {
                run_start.get_or_insert(start);
                run_len += 1;
                run_strong |=
                    STRONG.iter().any(|s| s.eq_ignore_ascii_case(name));
                if run_len >= 3 && run_strong {
                    return run_start.map(|s| (s, pos));
                }
            }
            None if run_start.is_some() && line.starts_with([' ', '\t']) => {}
            None => {
                run_start = None;
                run_len = 0;
                run_strong = false;
            }
        }
    }
    None
}

/// [`split`] as first written: the marker searched in the whole text, the
/// header run before it, every line read. The tests hold [`split`] to it.
#[cfg(test)]
fn split_plainly(text: &str) -> (&str, &str) {
    let marker = MARKER.find(text).map(|m| {
        let start = text[..m.start()].rfind('\n').map_or(0, |n| n + 1);
        let end =
            text[m.end()..].find('\n').map_or(text.len(), |n| m.end() + n + 1);
        (start, end)
    });
    let limit = marker.map_or(text.len(), |(start, _)| start);
    if let Some((s, _)) = header_run_plainly(&text[..limit]) {
        return (&text[..s], &text[s..]);
    }
    match marker {
        Some((start, end)) => (&text[..start], &text[end..]),
        None => (text, ""),
    }
}

/// Where the first run of header lines (three or more, one of them a name
/// a summary does not use) starts in `text`, and where the line that
/// completes it ends.
///
/// A header line holds a colon, and most lines hold none: the lines are
/// read from colon to colon, and the lines between two header lines only
/// for whether they all continue a field (start with a blank), as a run
/// needs.
fn header_run(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut run_start = None;
    let mut run_len = 0;
    let mut run_strong = false;
    // Where the run's last header line ends.
    let mut run_end = 0;
    let mut from = 0;
    while let Some(colon) = memchr::memchr(b':', &b[from..]) {
        let colon = from + colon;
        let start = memchr::memrchr(b'\n', &b[from..colon])
            .map_or(from, |n| from + n + 1);
        let end = memchr::memchr(b'\n', &b[colon..])
            .map_or(b.len(), |n| colon + n + 1);
        from = end;
        let Some(name) = header_name(&text[start..end]) else { continue };
        let gap = &text[run_end..start];
        let continued = |l: &str| l.starts_with([' ', '\t']);
        if run_start.is_some() && !super::lines_inclusive(gap).all(continued) {
            run_start = None;
            run_len = 0;
            run_strong = false;
        }
        run_start.get_or_insert(start);
        run_len += 1;
        run_strong |= STRONG.iter().any(|s| s.eq_ignore_ascii_case(name));
        if run_len >= 3 && run_strong {
            return run_start.map(|s| (s, end));
        }
        run_end = end;
    }
    None
}

/// [`HEADER_NAMES`] by their length (the names of length `n` at `n`), so
/// that a name is compared with those of its length only; worked out
/// once.
static NAMES_BY_LENGTH: std::sync::LazyLock<Vec<Vec<&str>>> =
    std::sync::LazyLock::new(|| {
        let longest = HEADER_NAMES.iter().map(|h| h.len()).max().unwrap_or(0);
        (0..=longest)
            .map(|n| HEADER_NAMES.iter().copied().filter(move |h| h.len() == n))
            .map(Iterator::collect)
            .collect()
    });

/// The name when `line` starts with a known header field.
fn header_name(line: &str) -> Option<&str> {
    // A name is at most 30 bytes and holds no blank: the first colon,
    // space or tab of the line's first 31 bytes must be a colon after the
    // name (one short scan, which most lines of prose end at once).
    let head = &line.as_bytes()[..line.len().min(31)];
    let end = head.iter().position(|&c| matches!(c, b':' | b' ' | b'\t'))?;
    if end == 0 || head[end] != b':' {
        return None;
    }
    let name = &line[..end];
    let known = NAMES_BY_LENGTH.get(end).map_or(&[][..], Vec::as_slice);
    known.iter().any(|h| h.eq_ignore_ascii_case(name)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_line_starts_the_copy() {
        let t = "report\n----- This is a copy of the message -----\nFrom: a\n";
        assert_eq!(split(t), ("report\n", "From: a\n"));
    }

    #[test]
    fn a_header_run_starts_the_copy() {
        let t = "There was an error.\n\nReceived: from x\n\tby y\n\
                 Subject: hi\nTo: <c@example.com>\n\nbody\n";
        let (report, copy) = split(t);
        assert_eq!(report, "There was an error.\n\n");
        assert!(copy.starts_with("Received: from x"));
    }

    #[test]
    fn the_run_first_split_is_the_marker_first_split() {
        // Reports, markers and header lines in every order, with and
        // without a copy: both ways of splitting agree.
        let pieces = [
            "The mail could not be delivered.\n",
            "<a@example.com>: 550 unknown\n",
            "\n",
            "----- This is a copy of the message -----\n",
            "------ Original Message ------\n",
            "Content-Type: message/rfc822\n",
            "Received: from x\n",
            "\tby y\n",
            "Message-ID: <m@example.org>\n",
            "From: s@example.org\n",
            "To: a@example.com\n",
            "Subject: hi\n",
            "X-Long-Name-That-Is-Far-Beyond-Thirty: x\n",
            "body text\n",
            "original message follows",
            "This is a copy of the meſſage\n",
            "ORIGINAL MESSAGE FOLLOWS ",
            "Content-Type: Message/RFC822\n",
            "-- The Header and top ",
            "will retry; copying head orig ",
            "K ſ é ",
            "------ Returned Message ------\n",
            "Message headers FOLLOW\n",
        ];
        let mut copies = 0;
        for t in crate::codes::random_texts(&pieces, 11, 20000, 14) {
            assert_eq!(split(&t), split_plainly(&t), "{t:?}");
            copies += !split(&t).1.is_empty() as usize;
        }
        assert!(copies > 1000, "{copies}");
    }

    #[test]
    fn reading_from_colon_to_colon_finds_the_run_every_line_gives() {
        let pieces = [
            "Received: from x\n",
            "\tby y\n",
            " (z)\n",
            "Message-ID: <m@example.org>\n",
            "From: s@example.org\n",
            "To: a@example.com\n",
            "Subject: hi\n",
            "subject:x\n",
            "X-Mailer: m\n",
            "X-Long-Name-That-Is-Far-Beyond-Thirty: x\n",
            "Not a header: but a colon\n",
            "  indented: colon\n",
            "prose without one\n",
            "\n",
            ":\n",
            "::",
            "Date",
            ": ",
            " ",
            "é",
            "x",
        ];
        let mut runs = 0;
        for t in crate::codes::random_texts(&pieces, 29, 20000, 16) {
            assert_eq!(header_run(&t), header_run_plainly(&t), "{t:?}");
            runs += header_run(&t).is_some() as usize;
        }
        assert!(runs > 2000, "{runs}");
    }

    #[test]
    fn a_line_holds_a_marker_where_the_expression_finds_one() {
        let pieces = [
            "this is a copy of the message",
            "THIS IS A COPY OF THE MESSAGE",
            "Original Message Follows",
            "original meſſage follows",
            "-- The Header and top",
            "Content-Type: message/rfc822",
            "--- Original message follows",
            "copy",
            "original",
            " ",
            "x",
            "é",
            "K",
            "\u{212a}",
            "-",
        ];
        let mut found = 0;
        for t in crate::codes::random_texts(&pieces, 41, 5000, 8) {
            let want = MARKER.is_match(&t);
            assert_eq!(find_marker(&t).is_some(), want, "{t:?}");
            found += want as usize;
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn every_marker_holds_a_piece_in_ascii_letters() {
        #[cfg(target_arch = "x86_64")]
        assert!(PIECE.is_some(), "the SIMD searcher is built");
        for m in MARKERS {
            assert!(PIECES.iter().any(|p| m.contains(p)), "{m}");
        }
        // No letter of a piece matches a non-ASCII letter when case is
        // ignored, so a marker's piece is ASCII in any spelling.
        let letters: Vec<String> =
            PIECES.iter().flat_map(|p| p.chars()).map(String::from).collect();
        let letters: Vec<&str> = letters.iter().map(String::as_str).collect();
        let other: String =
            (0x80..=0x10ffff).filter_map(char::from_u32).collect();
        let finder = crate::codes::phrase_finder(&letters);
        assert_eq!(finder.find(&other), None);
        assert!(crate::codes::phrase_finder(&["s"]).find(&other).is_some());
    }

    #[test]
    fn only_the_long_s_past_ascii_matches_a_letter_of_a_marker() {
        let mut letters: Vec<String> = MARKERS
            .iter()
            .flat_map(|m| m.chars())
            .filter(char::is_ascii_alphabetic)
            .map(String::from)
            .collect();
        letters.sort();
        letters.dedup();
        let letters: Vec<&str> = letters.iter().map(String::as_str).collect();
        let other: String =
            (0x80..=0x10ffff).filter_map(char::from_u32).collect();
        let finder = crate::codes::phrase_finder(&letters);
        let mut matched: Vec<&str> =
            finder.find_iter(&other).map(|m| &other[m.range()]).collect();
        matched.sort();
        assert_eq!(matched, FOLDED_TO_ASCII);
    }

    #[test]
    fn a_summary_of_the_message_is_not_a_copy() {
        let t = "From: a@example.com\nTo: b@example.com\nSubject: hi\n\n\
                 b@example.com: 550 unknown\n";
        assert_eq!(split(t), (t, ""));
    }
}
