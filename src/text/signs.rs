//! The phrases by which a text bounce tells its layout (`detect_format`)
//! and whether it reports only a delay (`says_delayed`), found together in
//! one pass over the text.

use std::sync::LazyLock;

use super::view::Phrases;

/// What a phrase tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    /// The text layout, for the `format` column.
    Layout(&'static str),
    /// The failure is only a delay (the server is still retrying).
    Delay,
    /// The failure is permanent, whatever else the text says.
    Permanent,
}

/// The phrases: the layouts first, the first found wins; then the delays
/// and the permanent failures. No phrase starts with a phrase of another
/// kind, so that where two start at one place, the first of the table
/// that one pass finds there hides none of another kind (the tests hold
/// it).
const TABLE: &[(&str, Sign)] = &[
    ("This is the mail system at host", Sign::Layout("postfix")),
    ("created automatically by mail delivery software", Sign::Layout("exim")),
    ("This is the qmail-send program", Sign::Layout("qmail")),
    ("I'm afraid I wasn't able to deliver your message", Sign::Layout("qmail")),
    ("----- Transcript of session follows -----", Sign::Layout("sendmail")),
    (
        "The following addresses had permanent fatal errors",
        Sign::Layout("sendmail"),
    ),
    ("Diagnostic information for administrators", Sign::Layout("exchange")),
    (
        "Delivery has failed to these recipients or groups",
        Sign::Layout("exchange"),
    ),
    ("Your message to", Sign::Layout("office365")),
    ("Remote Server returned", Sign::Layout("exchange")),
    ("THIS IS A WARNING ONLY", Sign::Delay),
    ("will be retried until", Sign::Delay),
    ("still being retried", Sign::Delay),
    ("Warning: message", Sign::Delay),
    ("Delivery attempts will continue", Sign::Delay),
    ("has been delayed", Sign::Delay),
    ("could not be delivered for more than", Sign::Delay),
    ("is delayed", Sign::Delay),
    ("permanent error", Sign::Permanent),
    ("permanent fatal", Sign::Permanent),
];

/// What the phrases of a text tell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signs {
    /// The layout of the first layout phrase of the table the text holds.
    pub layout: Option<&'static str>,
    /// Whether the text holds a delay phrase.
    pub delay: bool,
    /// Whether the text holds a permanent failure phrase.
    pub permanent: bool,
}

/// The signs of `text`, in one pass over it.
pub fn signs(text: &str) -> Signs {
    static FINDER: LazyLock<Phrases<Sign>> =
        LazyLock::new(|| Phrases::new(TABLE));
    let mut found = Signs::default();
    let mut best = usize::MAX;
    FINDER.each_in(text, |i| {
        match TABLE[i].1 {
            Sign::Layout(name) if i < best => {
                best = i;
                found.layout = Some(name);
            }
            Sign::Layout(_) => {}
            Sign::Delay => found.delay = true,
            Sign::Permanent => found.permanent = true,
        }
        // Nothing more to learn once the first layout, a delay and a
        // permanent failure are found.
        !(best == 0 && found.delay && found.permanent)
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`signs`] by a search for each phrase in turn.
    fn signs_plainly(text: &str) -> Signs {
        let has = |kind: fn(&Sign) -> bool| {
            TABLE.iter().filter(|(_, s)| kind(s)).any(|(p, _)| text.contains(p))
        };
        Signs {
            layout: TABLE.iter().find_map(|(p, s)| match s {
                Sign::Layout(name) if text.contains(p) => Some(*name),
                _ => None,
            }),
            delay: has(|s| *s == Sign::Delay),
            permanent: has(|s| *s == Sign::Permanent),
        }
    }

    #[test]
    fn no_phrase_starts_with_one_of_another_kind() {
        let kind = |s: &Sign| match s {
            Sign::Layout(_) => 0,
            Sign::Delay => 1,
            Sign::Permanent => 2,
        };
        for (a, x) in TABLE {
            for (b, y) in TABLE {
                if kind(x) != kind(y) {
                    assert!(!a.starts_with(b), "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn one_pass_finds_what_a_search_for_each_phrase_finds() {
        let mut pieces: Vec<&str> = TABLE.iter().map(|(p, _)| *p).collect();
        pieces.extend([
            "This is the ",
            "permanent ",
            "fatal",
            "Delivery ",
            "is ",
            "delayed",
            " ",
            "\n",
            "x",
            "é",
        ]);
        let (mut layouts, mut delays) = (0, 0);
        for t in crate::codes::random_texts(&pieces, 7, 5000, 8) {
            let want = signs_plainly(&t);
            assert_eq!(signs(&t), want, "{t:?}");
            layouts += want.layout.is_some_and(|l| l != "postfix") as usize;
            delays += (want.delay && !want.permanent) as usize;
        }
        assert!(layouts > 1000 && delays > 500, "{layouts} {delays}");
    }
}
