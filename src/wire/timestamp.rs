//! The request time as both signature versions carry it: `YYYY-MM-DDThh:mm:ssZ`, UTC.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// `time` as `2024-01-01T00:00:00Z`.
pub(crate) fn format(time: OffsetDateTime) -> String {
    time.to_offset(UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC time within years 0 to 9999 formats")
}

/// Reads a request time of that form, or `None`.
pub(crate) fn parse(text: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(text, FORMAT)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_and_parses() {
        let time = datetime!(2024-01-01 00:00:00 UTC);
        assert_eq!(format(time), "2024-01-01T00:00:00Z");
        assert_eq!(
            format(datetime!(2024-01-01 08:00:00 +8)),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(parse("2024-01-01T00:00:00Z"), Some(time));
        assert_eq!(parse("2024-01-01T00:00:00"), None);
        assert_eq!(parse("2024-01-01T00:00:00.000Z"), None);
        assert_eq!(parse("2024-13-01T00:00:00Z"), None);
    }
}
