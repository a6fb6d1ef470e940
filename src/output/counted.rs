//! What the summaries need of a row ([`Counted`]), and the rows of one
//! message packed for the writer thread ([`Packed`]). A worker formats the
//! `bounces.csv` lines of its rows, copies what the summaries need of them
//! into one string and drops the rows itself: the writer then frees three
//! buffers per message instead of every string of every row (freeing memory
//! that another thread allocated costs several times more).

use std::io;

use super::csvfile::Formatter;
use super::period::{Period, Place};
use crate::classify::{Row, COLUMNS};

/// The facts of one row that the summaries count, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    /// The `kind` column.
    pub kind: &'static str,
    /// The `hard_bounce` column.
    pub hard_bounce: bool,
    /// Whether a rule matched (the `rule` column is not empty).
    pub has_rule: bool,
    /// The `recipient` column.
    pub recipient: &'a str,
    /// The `recipient_domain` column.
    pub recipient_domain: &'a str,
    /// The `date` column.
    pub date: &'a str,
    /// The `cause` column.
    pub cause: &'a str,
    /// The `diagnostic` column.
    pub diagnostic: &'a str,
    /// The `status` column.
    pub status: &'a str,
    /// The `code_class` column.
    pub code_class: &'a str,
    /// The `remote_server` column.
    pub remote_server: &'a str,
    /// The `advice` column.
    pub advice: &'a str,
    /// The `action` column.
    pub action: &'a str,
}

impl<'a> Counted<'a> {
    /// The counted facts of `row`.
    pub fn of(row: &'a Row) -> Counted<'a> {
        Counted::new(row, &row.cells())
    }

    /// The counted facts of `row`, whose cells are `cells`: the cells made
    /// from other columns (domain, class) are taken from them.
    pub fn new(row: &'a Row, cells: &[&'a str; COLUMNS.len()]) -> Counted<'a> {
        Counted {
            kind: row.kind,
            hard_bounce: row.hard_bounce,
            has_rule: !row.rule.is_empty(),
            recipient: &row.recipient,
            recipient_domain: cells[DOMAIN],
            date: &row.date,
            cause: &row.cause,
            diagnostic: &row.diagnostic,
            status: &row.status,
            code_class: cells[CLASS],
            remote_server: &row.remote_server,
            advice: &row.advice,
            action: &row.action,
        }
    }

    /// The texts, in the order [`Packed`] keeps them.
    fn texts(&self) -> [&'a str; TEXTS] {
        [
            self.recipient,
            self.recipient_domain,
            self.date,
            self.cause,
            self.diagnostic,
            self.status,
            self.code_class,
            self.remote_server,
            self.advice,
            self.action,
        ]
    }
}

/// Room enough for the texts of `row` (the domain and the class are
/// parts of the recipient and the status).
fn room(row: &Row) -> usize {
    2 * row.recipient.len()
        + row.date.len()
        + row.cause.len()
        + row.diagnostic.len()
        + 2 * row.status.len()
        + row.remote_server.len()
        + row.advice.len()
        + row.action.len()
}

/// The column `recipient_domain`.
const DOMAIN: usize = 5;
/// The column `code_class`.
const CLASS: usize = 9;

/// Number of texts in a [`Counted`].
const TEXTS: usize = 10;

/// One row of a [`Packed`]: where its texts end in the string.
#[derive(Debug)]
struct PackedRow {
    place: Place,
    kind: &'static str,
    hard_bounce: bool,
    has_rule: bool,
    /// Where its first text starts.
    start: usize,
    /// Where each text ends.
    ends: [usize; TEXTS],
}

/// The rows of one message as the writer needs them: their `bounces.csv`
/// lines (those inside the period) and, for each row, where it falls and
/// what the summaries count of it.
#[derive(Debug)]
pub struct Packed {
    lines: Vec<u8>,
    text: String,
    rows: Vec<PackedRow>,
}

impl Packed {
    /// Packs `rows`: lines made by `csv`, each row placed in `period`.
    pub(super) fn new(
        rows: &[Row],
        csv: &Formatter,
        period: &Period,
    ) -> io::Result<Packed> {
        let mut text = String::with_capacity(rows.iter().map(room).sum());
        let mut packed = Vec::with_capacity(rows.len());
        // Each row is packed as its cells go to the formatter, so that the
        // cells made from others are made once.
        let inside = rows.iter().filter_map(|row| {
            let place = period.place(&row.date);
            let cells = row.cells();
            let c = Counted::new(row, &cells);
            let start = text.len();
            let mut ends = [start; TEXTS];
            let inside = matches!(place, Place::Inside);
            if inside {
                for (end, t) in ends.iter_mut().zip(c.texts()) {
                    text.push_str(t);
                    *end = text.len();
                }
            }
            packed.push(PackedRow {
                place,
                kind: c.kind,
                hard_bounce: c.hard_bounce,
                has_rule: c.has_rule,
                start,
                ends,
            });
            inside.then_some(cells)
        });
        let mut lines = Vec::new();
        csv.rows(inside, &mut lines)?;
        Ok(Packed { lines, text, rows: packed })
    }

    /// True when a row falls outside the period: the writer then needs the
    /// message's origin, to count the messages left out.
    pub fn needs_origin(&self) -> bool {
        self.rows.iter().any(|r| !matches!(r.place, Place::Inside))
    }

    /// The `bounces.csv` lines.
    pub fn lines(&self) -> &[u8] {
        &self.lines
    }

    /// Each row: where it falls, and (when inside the period) its facts.
    pub fn rows(&self) -> impl Iterator<Item = (Place, Counted<'_>)> {
        self.rows.iter().map(|r| {
            let mut start = r.start;
            let t = r.ends.map(|end| {
                let s = &self.text[start..end];
                start = end;
                s
            });
            let counted = Counted {
                kind: r.kind,
                hard_bounce: r.hard_bounce,
                has_rule: r.has_rule,
                recipient: t[0],
                recipient_domain: t[1],
                date: t[2],
                cause: t[3],
                diagnostic: t[4],
                status: t[5],
                code_class: t[6],
                remote_server: t[7],
                advice: t[8],
                action: t[9],
            };
            (r.place, counted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Bound, Period, ReportOptions, Reports};
    use crate::classify::Row;

    /// The rows of message `m`: some inside a period, some outside or
    /// undated, with cells to defuse and quote, and varied facts.
    fn rows(origin: &str, m: usize) -> Vec<Row> {
        let dates = ["2026-01-31T23:00:00Z", "2026-02-01T00:00:00Z", ""];
        (0..m % 3 + 1)
            .map(|i| Row {
                origin: origin.to_string(),
                date: dates[(m + i) % 3].to_string(),
                kind: ["bounce", "delay", "feedback"][(m * 7 + i) % 3],
                sender: "=cmd|x".into(),
                recipient: format!("u{}@d{}.example", i % 2, m % 2),
                action: ["failed", "delivered", ""][(m + 2 * i) % 3].into(),
                status: ["5.1.1", "4.4.7", ""][m % 3].into(),
                remote_server: ["", "mx.example"][(m + i) % 2].into(),
                diagnostic: format!("550 \"no\", user\nline {m}"),
                cause: ["userunknown", "expired"][i % 2].into(),
                hard_bounce: (m + i) % 2 == 0,
                rule: ["", "r1"][m % 2].into(),
                advice: format!("advice {i}").into(),
                subject: "-1, é".into(),
                ..Row::default()
            })
            .collect()
    }

    #[test]
    fn packed_rows_write_and_count_what_the_rows_do() {
        let feb = Period {
            since: Some(Bound::parse("2026-02").unwrap()),
            until: None,
        };
        for (excel, period) in [(false, Period::default()), (true, feb)] {
            let options = ReportOptions { excel, jsonl: false, period };
            let (a, b) =
                (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let mut plain = Reports::create(a.path(), options).unwrap();
            let mut packed = Reports::create(b.path(), options).unwrap();
            let format = packed.formatter();
            for m in 0..12 {
                let origin = format!("a.mbox:{m}");
                let rows = rows(&origin, m);
                for row in &rows {
                    plain.bounce(row).unwrap();
                }
                let p = format.pack(&rows).unwrap();
                packed.bounces_packed(&origin, &p).unwrap();
            }
            let (ta, tb) = (plain.finish().unwrap(), packed.finish().unwrap());
            assert_eq!(
                (ta.rows, ta.outside, &ta.kinds),
                (tb.rows, tb.outside, &tb.kinds)
            );
            assert!(ta.rows > 0 && (excel == (ta.outside.rows() > 0)));
            let mut names: Vec<_> = std::fs::read_dir(a.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            assert_eq!(names.len(), 7);
            for name in names {
                let read = |d: &tempfile::TempDir| {
                    std::fs::read(d.path().join(&name)).unwrap()
                };
                assert_eq!(read(&a), read(&b), "{name:?}");
            }
        }
    }

    #[test]
    fn cells_made_from_others_are_where_counted_takes_them() {
        use super::{CLASS, COLUMNS, DOMAIN};
        assert_eq!(COLUMNS[DOMAIN], "recipient_domain");
        assert_eq!(COLUMNS[CLASS], "code_class");
        let row = &rows("x", 0)[0];
        let c = super::Counted::of(row);
        assert_eq!(c.recipient_domain, row.recipient_domain());
        assert_eq!(c.code_class, row.code_class());
    }

    #[test]
    fn rows_stay_whole_for_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let options = ReportOptions { jsonl: true, ..ReportOptions::default() };
        let reports = Reports::create(dir.path(), options).unwrap();
        assert!(reports.formatter().pack(&rows("x", 0)).is_none());
    }
}
