//! The audit period of `--since` and `--until`: which rows of a run fall
//! inside it. Dates are compared as ISO 8601 UTC text, so a bound may be as
//! coarse as a year (`2026`) or as fine as a second
//! (`2026-09-30T12:00:00Z`); both bounds include the whole unit they name.
//! When a bound is given, rows without a date are left out (they cannot be
//! shown to fall inside) and counted apart.

/// One bound: ISO 8601 text of at most 20 bytes, kept inline so that the
/// options stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    bytes: [u8; 20],
    len: u8,
}

impl Bound {
    /// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or a UTC time
    /// `YYYY-MM-DDTHH:MM[:SS][Z]`; the error says what is expected.
    pub fn parse(text: &str) -> Result<Bound, String> {
        let t = text.trim();
        let t = t.strip_suffix('Z').unwrap_or(t);
        let shape = "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)";
        let ok = [4, 7, 10, 16, 19].contains(&t.len())
            && t.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T' || b == b' ',
                13 | 16 => b == b':',
                _ => b.is_ascii_digit(),
            });
        if !ok {
            return Err(format!("`{text}` is not a date; use {shape}"));
        }
        if !in_calendar(t) {
            return Err(format!("`{text}` is not a date of the calendar"));
        }
        let mut bytes = [0u8; 20];
        bytes[..t.len()].copy_from_slice(t.as_bytes());
        if t.len() > 10 {
            bytes[10] = b'T';
        }
        Ok(Bound { bytes, len: t.len() as u8 })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::str::from_utf8(self.as_bytes()).unwrap_or(""))
    }
}

/// Where a row falls with respect to the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside (or no period was asked for).
    Inside,
    /// Before `--since`.
    Earlier,
    /// After `--until`.
    Later,
    /// No date, and a period was asked for.
    Undated,
}

/// The period of `--since` and `--until`, both inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// The first date included.
    pub since: Option<Bound>,
    /// The last date included.
    pub until: Option<Bound>,
}

impl Period {
    /// True when no bound was given.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Fails when `since` comes after `until`.
    pub fn check(&self) -> Result<(), String> {
        match (self.since, self.until) {
            (Some(s), Some(u))
                if prefix(s.as_bytes(), u.len) > u.as_bytes() =>
            {
                Err(format!("--since {s} comes after --until {u}"))
            }
            _ => Ok(()),
        }
    }

    /// Where a row dated `date` (ISO 8601 UTC, or empty) falls.
    pub fn place(&self, date: &str) -> Place {
        if self.is_all() {
            return Place::Inside;
        }
        if date.is_empty() {
            return Place::Undated;
        }
        let d = date.as_bytes();
        if self.since.is_some_and(|s| d < s.as_bytes()) {
            return Place::Earlier;
        }
        if self.until.is_some_and(|u| prefix(d, u.len) > u.as_bytes()) {
            return Place::Later;
        }
        Place::Inside
    }
}

/// True when the fields of a well-shaped `t` exist: month 1-12, a day of
/// that month (29 February only in leap years), hour < 24, minute and
/// second < 60.
fn in_calendar(t: &str) -> bool {
    let field = |at: usize| -> Option<u32> { t.get(at..at + 2)?.parse().ok() };
    let year: u32 = t[..4].parse().unwrap_or(0);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month = field(5);
    if month.is_some_and(|m| !(1..=12).contains(&m)) {
        return false;
    }
    if let (Some(m), Some(d)) = (month, field(8)) {
        let days = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days).contains(&d) {
            return false;
        }
    }
    field(11).is_none_or(|h| h < 24)
        && field(14).is_none_or(|m| m < 60)
        && field(17).is_none_or(|s| s < 60)
}

/// The first `len` bytes of `d` (all of it when shorter).
fn prefix(d: &[u8], len: u8) -> &[u8] {
    &d[..d.len().min(usize::from(len))]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(since: &str, until: &str) -> Period {
        let b = |t: &str| (!t.is_empty()).then(|| Bound::parse(t).unwrap());
        Period { since: b(since), until: b(until) }
    }

    #[test]
    fn bounds_include_the_whole_unit() {
        let p = period("2026-09", "2026-09-30");
        assert_eq!(p.place("2026-08-31T23:59:59Z"), Place::Earlier);
        assert_eq!(p.place("2026-09-01T00:00:00Z"), Place::Inside);
        assert_eq!(p.place("2026-09-30T23:59:59Z"), Place::Inside);
        assert_eq!(p.place("2026-10-01T00:00:00Z"), Place::Later);
        assert_eq!(p.place(""), Place::Undated);
        assert_eq!(period("", "").place(""), Place::Inside);
    }

    #[test]
    fn times_compare_to_the_second() {
        let p = period("2026-09-01T12:00", "2026-09-01 12:30:00Z");
        assert_eq!(p.place("2026-09-01T11:59:59Z"), Place::Earlier);
        assert_eq!(p.place("2026-09-01T12:30:00Z"), Place::Inside);
        assert_eq!(p.place("2026-09-01T12:30:01Z"), Place::Later);
    }

    #[test]
    fn bad_dates_and_reversed_periods_are_refused() {
        for bad in
            ["", "26-09-01", "2026/09/01", "2026-09-01+02:00", "yesterday"]
        {
            assert!(Bound::parse(bad).is_err(), "{bad}");
        }
        for bad in [
            "2026-13",
            "2026-00",
            "2026-09-31",
            "2025-02-29",
            "2026-09-01T24:00",
            "2026-09-01T12:60",
        ] {
            assert!(Bound::parse(bad).is_err(), "{bad}");
        }
        for good in ["2024-02-29", "2026-12-31T23:59:59Z", "2026-01"] {
            assert!(Bound::parse(good).is_ok(), "{good}");
        }
        assert!(period("2026-10", "2026-09-30").check().is_err());
        assert!(period("2026-09-30", "2026-09").check().is_ok());
    }
}
