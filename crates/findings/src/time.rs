//! Timestamps as every record here writes them: RFC 3339 in UTC with a
//! numeric offset (`2026-12-04T19:30:00+00:00`).

/// The current time, RFC 3339, UTC, whole seconds.
pub fn now_rfc3339() -> String {
    format(jiff::Timestamp::now())
}

/// Seconds since the Unix epoch as RFC 3339, UTC (empty if out of range).
pub fn format_seconds(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map(format).unwrap_or_default()
}

fn format(t: jiff::Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (as every record
/// here writes them), `None` if it is not one.
pub fn parse_seconds(text: &str) -> Option<i64> {
    text.trim().parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_rfc3339_in_utc() {
        let now = super::now_rfc3339();
        assert_eq!(now.len(), "2026-12-04T19:30:00+00:00".len(), "{now}");
        assert!(now.ends_with("+00:00"), "{now}");
        assert_eq!(&now[4..5], "-");
        assert_eq!(&now[10..11], "T");
        let back = super::parse_seconds(&now).unwrap();
        assert!(back > 1_700_000_000, "{back}");
        assert_eq!(super::parse_seconds("2023-11-14T22:13:20+00:00"), Some(1_700_000_000));
        assert_eq!(super::parse_seconds("2023-11-15T00:13:20+02:00"), Some(1_700_000_000));
        assert_eq!(super::parse_seconds("not a date"), None);
        assert_eq!(super::format_seconds(1_700_000_000), "2023-11-14T22:13:20+00:00");
    }
}
