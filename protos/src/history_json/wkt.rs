//! The string forms of proto3 JSON: `Timestamp` (RFC 3339), `Duration` (`"1.5s"`) and `bytes`
//! (base64).

use std::fmt::Write as _;

use base64::{
    DecodeError, Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use prost_wkt_types::{Duration, Timestamp};

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range proto3 JSON allows.
const MIN_TIMESTAMP_SECONDS: i64 = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS: i64 = 253_402_300_799;
/// About 10,000 years, the range proto3 JSON allows.
const MAX_DURATION_SECONDS: u64 = 315_576_000_000;

/// Parses an RFC 3339 timestamp (`2022-08-17T16:27:34.000Z`, `2022-08-17T18:27:34+02:00`) into
/// (seconds, nanos) since the Unix epoch.
pub(super) fn parse_timestamp(text: &str) -> Result<(i64, i32), String> {
    // prost's parser also takes forms RFC 3339 does not allow (no `T`, no offset); proto3 JSON
    // is strict, so check the shape first.
    if !is_rfc3339(text.as_bytes()) {
        return Err(format!("\"{text}\" is not an RFC 3339 timestamp such as \"2024-01-31T12:00:00.5Z\""));
    }
    if let Some(parsed) = parse_utc_timestamp(text.as_bytes()) {
        return Ok(parsed);
    }
    // `-00:00` ("offset unknown") denotes UTC too; prost-wkt-types refuses it.
    let parsed = match text.strip_suffix("-00:00") {
        Some(head) => format!("{head}Z").parse::<Timestamp>(),
        None => text.parse::<Timestamp>(),
    };
    let timestamp = parsed.map_err(|err| format!("invalid timestamp \"{text}\": {err}"))?;
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&timestamp.seconds) {
        return Err(format!("timestamp \"{text}\" is outside years 1 to 9999"));
    }
    Ok((timestamp.seconds, timestamp.nanos))
}

/// The form every exporter writes, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with at most nine
/// fraction digits, read directly (a third of the time of the general parser, and a history has
/// a timestamp per event). `None` for anything else, which the general parser handles. The
/// caller has checked the shape with [`is_rfc3339`].
fn parse_utc_timestamp(text: &[u8]) -> Option<(i64, i32)> {
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        text.get(range)?.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let fraction = match text.get(19..)? {
        b"Z" => &[][..],
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => fraction,
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let valid = year >= 1
        && (1..=12).contains(&month)
        && day >= 1
        && day <= month_days[usize::try_from(month - 1).ok()?]
        && hour < 24
        && minute < 60
        && second < 60;
    if !valid {
        return None;
    }
    // Days since 1970-01-01 of a proleptic Gregorian date, counting in 400-year eras from
    // 0000-03-01 so that the leap day ends each year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let mut nanos = 0i32;
    for (i, &digit) in fraction.iter().enumerate() {
        nanos += i32::from(digit - b'0') * 10i32.pow(8 - i as u32);
    }
    Some((days * 86_400 + hour * 3_600 + minute * 60 + second, nanos))
}

/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `±HH:MM`.
fn is_rfc3339(text: &[u8]) -> bool {
    fn shape(text: &[u8], pattern: &[u8]) -> bool {
        text.len() == pattern.len()
            && text.iter().zip(pattern).all(|(&c, &p)| if p == b'9' { c.is_ascii_digit() } else { c == p })
    }
    let Some((date_time, mut rest)) = text.split_at_checked(19) else {
        return false;
    };
    if !shape(date_time, b"9999-99-99T99:99:99") {
        return false;
    }
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', offset @ ..] => shape(offset, b"99:99"),
        _ => false,
    }
}

pub(super) fn format_timestamp(seconds: i64, nanos: i32) -> Result<String, String> {
    if !(MIN_TIMESTAMP_SECONDS..=MAX_TIMESTAMP_SECONDS).contains(&seconds) || !(0..1_000_000_000).contains(&nanos) {
        return Err(format!("timestamp ({seconds} s, {nanos} ns) is outside years 1 to 9999"));
    }
    Ok(Timestamp { seconds, nanos }.to_string())
}

/// Parses a proto3 JSON duration (`"10s"`, `"0.5s"`, `"-1.000000001s"`) into (seconds, nanos).
pub(super) fn parse_duration(text: &str) -> Result<(i64, i32), String> {
    let duration = text.parse::<Duration>().map_err(|_| {
        format!("\"{text}\" is not a duration: expected seconds with up to 9 decimals and an `s`, such as \"1.5s\"")
    })?;
    if duration.seconds.unsigned_abs() > MAX_DURATION_SECONDS {
        return Err(format!("duration \"{text}\" is longer than 10,000 years"));
    }
    Ok((duration.seconds, duration.nanos))
}

/// `10s`, `0.500s`, `-1.000000001s`: 0, 3, 6 or 9 decimals, as the protobuf runtimes write.
pub(super) fn format_duration(seconds: i64, nanos: i32) -> Result<String, String> {
    let out_of_range = seconds.unsigned_abs() > MAX_DURATION_SECONDS
        || nanos.unsigned_abs() >= 1_000_000_000
        || (seconds > 0 && nanos < 0)
        || (seconds < 0 && nanos > 0);
    if out_of_range {
        return Err(format!("duration ({seconds} s, {nanos} ns) is not a valid protobuf duration"));
    }
    let mut out = String::new();
    if seconds < 0 || nanos < 0 {
        out.push('-');
    }
    let (seconds, nanos) = (seconds.unsigned_abs(), nanos.unsigned_abs());
    let _ = match nanos {
        0 => write!(out, "{seconds}s"),
        n if n % 1_000_000 == 0 => write!(out, "{seconds}.{:03}s", n / 1_000_000),
        n if n % 1_000 == 0 => write!(out, "{seconds}.{:06}s", n / 1_000),
        n => write!(out, "{seconds}.{n:09}s"),
    };
    Ok(out)
}

// Exporters disagree on the base64 flavour: standard or URL-safe alphabet, padded or not.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_allow_trailing_bits(true)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decodes base64 in any of its usual flavours, appending the bytes to `out`.
pub(super) fn decode_base64(text: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let start = out.len();
    match STANDARD.decode_vec(text, out) {
        Ok(()) => Ok(()),
        Err(DecodeError::InvalidByte(_, b'-' | b'_')) => {
            out.truncate(start);
            URL_SAFE.decode_vec(text, out).map_err(|err| format!("invalid base64: {err}"))
        }
        Err(err) => Err(format!("invalid base64: {err}")),
    }
}

pub(super) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Ok((1, 0)));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Ok((1, 500_000_000)));
        assert_eq!(parse_timestamp("1970-01-01T02:00:01+02:00"), Ok((1, 0)));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01-00:00"), Ok((1, 0)));
        for bad in ["1970-01-01", "1970-01-01 00:00:01Z", "1970-01-01T00:00:01", "1970-01-01T00:00:01.Z", "soon"] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
        assert!(parse_timestamp("0000-12-31T23:59:59Z").is_err());
        assert_eq!(format_timestamp(1, 500_000_000).as_deref(), Ok("1970-01-01T00:00:01.500Z"));
        assert_eq!(format_timestamp(1_700_000_000, 456_583_836).as_deref(), Ok("2023-11-14T22:13:20.456583836Z"));
        assert!(format_timestamp(MAX_TIMESTAMP_SECONDS + 1, 0).is_err());
    }

    #[test]
    fn the_direct_utc_parser_agrees_with_the_general_one() {
        let mut checked = 0;
        for year in [1, 4, 99, 100, 400, 1582, 1900, 1969, 1970, 2000, 2024, 2100, 9999] {
            for (month, day) in [(1, 1), (2, 28), (2, 29), (3, 1), (6, 30), (6, 31), (12, 31), (13, 1), (1, 0)] {
                for (time, fraction) in
                    [("00:00:00", ""), ("23:59:59", ".5"), ("12:34:56", ".123456789"), ("24:00:00", "")]
                {
                    let text = format!("{year:04}-{month:02}-{day:02}T{time}{fraction}Z");
                    let general = text.parse::<Timestamp>().ok().map(|t| (t.seconds, t.nanos));
                    assert_eq!(parse_utc_timestamp(text.as_bytes()), general, "{text}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 400);
        // Longer fractions and offsets are left to the general parser.
        assert_eq!(parse_utc_timestamp(b"2024-01-01T00:00:00.1234567891Z"), None);
        assert_eq!(parse_utc_timestamp(b"2024-01-01T00:00:00+00:00"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok((10, 0)));
        assert_eq!(parse_duration("0.5s"), Ok((0, 500_000_000)));
        assert_eq!(parse_duration("-1.000000001s"), Ok((-1, -1)));
        for bad in ["10", "1m", "soon", "1.s", "315576000001s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(10, 0).as_deref(), Ok("10s"));
        assert_eq!(format_duration(0, 500_000_000).as_deref(), Ok("0.500s"));
        assert_eq!(format_duration(0, -500_000_000).as_deref(), Ok("-0.500s"));
        assert_eq!(format_duration(1, 1_000).as_deref(), Ok("1.000001s"));
        assert_eq!(format_duration(-1, -1).as_deref(), Ok("-1.000000001s"));
        assert!(format_duration(1, -1).is_err());
    }

    #[test]
    fn base64_flavours() {
        for text in ["anNvbi9wbGFpbg==", "anNvbi9wbGFpbg"] {
            let mut out = Vec::new();
            decode_base64(text, &mut out).unwrap();
            assert_eq!(out, b"json/plain");
        }
        // 0xfb 0xff encodes as `+/8` (standard) or `-_8` (URL-safe).
        for text in ["+/8=", "-_8=", "-_8"] {
            let mut out = vec![1];
            decode_base64(text, &mut out).unwrap();
            assert_eq!(out, [1, 0xfb, 0xff], "{text}");
        }
        assert!(decode_base64("not base64!", &mut Vec::new()).is_err());
        assert_eq!(encode_base64(b"json/plain"), "anNvbi9wbGFpbg==");
    }
}
