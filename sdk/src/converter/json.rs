//! `json/plain` bytes exactly as the Python SDK writes them: `json.dumps(value,
//! separators=(",", ":"), sort_keys=True)`, so a value gives the same payload bytes in both SDKs
//! and a map gives the same bytes on every run, whatever its iteration order.
//!
//! That is: object keys sorted (by code point), no spaces, every non-ASCII character and every
//! control character escaped as `\uXXXX` (lower-case hex, surrogate pairs above U+FFFF), and
//! floats in Python's `repr` form (`1.0`, `1e-05`, `1.5e+16`). Values Python has no JSON for
//! (NaN, infinities) are written as `null`, as serde does.

use serde::Serialize;
use serde_json::Value;

/// `value` as Python's JSON converter writes it.
pub(crate) fn to_python_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut out = Vec::with_capacity(64);
    write_value(&value, &mut out);
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => out.extend_from_slice(u.to_string().as_bytes()),
            (_, Some(i), _) => out.extend_from_slice(i.to_string().as_bytes()),
            (_, _, Some(f)) => write_float(f, out),
            _ => out.extend_from_slice(n.to_string().as_bytes()),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map type: serde_json's `preserve_order`
            // feature, turned on by any crate in a build, makes objects keep insertion order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(item, out);
            }
            out.push(b'}');
        }
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut units = [0u16; 2];
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            ' '..='~' => out.push(c as u8),
            _ => {
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(b"\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[usize::from((*unit >> shift) & 0xf)]);
                    }
                }
            }
        }
    }
    out.push(b'"');
}

/// A float as Python's `repr`: the shortest digits that read back the same (as Rust finds
/// them), positional when the decimal exponent is in -4..16, else `d.ddde±XX`.
fn write_float(f: f64, out: &mut Vec<u8>) {
    if !f.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    // `{:e}` gives the shortest round-trip digits: "-1.5e-7", "1e16", "0e0".
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    out.extend_from_slice(sign.as_bytes());
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        };
        out.extend_from_slice(text.as_bytes());
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let fraction = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let sign = if exponent < 0 { '-' } else { '+' };
        out.extend_from_slice(format!("{first}{fraction}e{sign}{:02}", exponent.unsigned_abs()).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn json<T: Serialize + ?Sized>(value: &T) -> String {
        String::from_utf8(to_python_json(value).unwrap()).unwrap()
    }

    #[test]
    fn floats_read_as_python_reprs_them() {
        // Each pair: the value, then `repr(value)` in Python.
        for (value, python) in [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (12.34, "12.34"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (-2.5e300, "-2.5e+300"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
        ] {
            assert_eq!(json(&value), python, "{value:e}");
            assert_eq!(serde_json::from_str::<f64>(python).unwrap().to_bits(), f64::to_bits(value));
        }
        assert_eq!(json(&f64::NAN), "null");
    }

    #[test]
    fn strings_escape_as_python_ensure_ascii_does() {
        assert_eq!(json("plain ~"), r#""plain ~""#);
        assert_eq!(json("q\"b\\n\nt\tc\u{1}\u{7f}"), r#""q\"b\\n\nt\tc\u0001\u007f""#);
        assert_eq!(json("é中"), r#""\u00e9\u4e2d""#);
        assert_eq!(json("😀"), r#""\ud83d\ude00""#);
        let back: String = serde_json::from_str(&json("é中😀\u{1}")).unwrap();
        assert_eq!(back, "é中😀\u{1}");
    }

    #[test]
    fn keys_are_sorted_at_every_level_whatever_the_map_order() {
        #[derive(Serialize)]
        struct Order {
            zeta: u8,
            alpha: HashMap<String, i32>,
            mid: Vec<serde_json::Value>,
        }
        let alpha: HashMap<String, i32> = (0..50).map(|i| (format!("k{i:02}"), i)).collect();
        let order = Order { zeta: 1, alpha, mid: vec![serde_json::json!({"b": 1, "a": [true, null]})] };
        let text = json(&order);
        assert!(text.starts_with(r#"{"alpha":{"k00":0,"k01":1,"#), "{text}");
        assert!(text.ends_with(r#""mid":[{"a":[true,null],"b":1}],"zeta":1}"#), "{text}");
        // The documented examples of Python's converter tests.
        assert_eq!(json(&serde_json::json!({"foo": "bar", "baz": "qux"})), r#"{"baz":"qux","foo":"bar"}"#);
        assert_eq!(json(&1234), "1234");
        assert_eq!(json(&-5i64), "-5");
        assert_eq!(json(&u64::MAX), "18446744073709551615");
    }
}
