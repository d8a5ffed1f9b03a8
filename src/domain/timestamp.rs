//! Timestamps as the wire carries them: RFC 3339 in UTC, as chrono writes them
//! (`2026-12-07T20:41:13.123456Z`). Read here rather than by chrono's `FromStr`, whose general
//! parser (every format item, RFC 2822 among them) was 15 KB of the browser's bundle for the one
//! shape our server writes. Fields use it with `#[serde(deserialize_with = ...)]`; writing is
//! chrono's.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::de::{Deserialize, Deserializer, Error};

/// For a `DateTime<Utc>` field.
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).ok_or_else(|| D::Error::custom(format!("not an RFC 3339 timestamp: {text}")))
}

/// For an `Option<DateTime<Utc>>` field (with `#[serde(default)]`: absent is `None` too).
pub fn read_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(text) => parse(&text).map(Some).ok_or_else(|| D::Error::custom(format!("not an RFC 3339 timestamp: {text}"))),
        None => Ok(None),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `None` for anything else or an impossible date.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let number = |from: usize, to: usize| -> Option<u32> {
        text.get(from..to)?.bytes().try_fold(0u32, |n, digit| digit.is_ascii_digit().then(|| n * 10 + u32::from(digit - b'0')))
    };
    let bytes = text.as_bytes();
    let at = |index: usize| bytes.get(index).copied();
    if at(4) != Some(b'-') || at(7) != Some(b'-') || !matches!(at(10), Some(b'T' | b't' | b' ')) || at(13) != Some(b':') || at(16) != Some(b':') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0, 4)?).ok()?, number(5, 7)?, number(8, 10)?)?;
    let mut rest = text.get(19..)?;
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = number(20, 20 + digits)? * 10u32.pow(9 - digits as u32);
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let end = text.len();
            let minutes = i64::from(number(end - 5, end - 3)? * 60 + number(end - 2, end)?);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?, nanos)?;
    let local = date.and_time(time);
    Some(local.checked_sub_signed(TimeDelta::minutes(offset_minutes))?.and_utc())
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use proptest::prelude::*;

    use super::parse;

    #[test]
    fn reads_what_chrono_writes_and_offsets() {
        let at = Utc.with_ymd_and_hms(2026, 12, 7, 20, 41, 13).unwrap();
        assert_eq!(parse("2026-12-07T20:41:13Z"), Some(at));
        assert_eq!(parse("2026-12-07T20:41:13.5Z"), Some(at + chrono::TimeDelta::milliseconds(500)));
        assert_eq!(parse("2026-12-07T21:41:13+01:00"), Some(at));
        assert_eq!(parse("2026-12-07T19:11:13-01:30"), Some(at));
        assert_eq!(parse("2026-12-07 20:41:13z"), Some(at));
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for text in [
            "", "2026-12-07", "2026-12-07T20:41:13", "2026-13-07T20:41:13Z", "2026-02-30T20:41:13Z", "2026-12-07T24:00:00Z",
            "2026-12-07T20:41:13.Z", "2026-12-07T20:41:13.1234567890Z", "2026-12-07T20:41:13+0100", "2026-12-07T20:41:13Zjunk",
            "+026-12-07T20:41:13Z", "2026-12-07T20:4a:13Z", "２０２６-12-07T20:41:13Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    proptest! {
        /// Every instant of years 1–9999, written as serde writes it, reads back the same.
        #[test]
        fn reads_back_every_instant_serde_writes(seconds in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000) {
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            let written = serde_json::to_value(at).unwrap();
            prop_assert_eq!(parse(written.as_str().unwrap()), Some(at));
        }
    }
}
