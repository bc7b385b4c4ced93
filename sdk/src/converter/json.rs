//! `json/plain` bytes exactly as the Python SDK writes them: `json.dumps(value,
//! separators=(",", ":"), sort_keys=True)`, so a value gives the same payload bytes in both SDKs
//! and a map gives the same bytes on every run, whatever its iteration order.
//!
//! That is: object keys sorted (by code point), no spaces, every non-ASCII character and every
//! control character escaped as `\uXXXX` (lower-case hex, surrogate pairs above U+FFFF), and
//! floats in Python's `repr` form (`1.0`, `1e-05`, `1.5e+16`). Values Python has no JSON for
//! (NaN, infinities) are written as `null`, as serde does.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::{Serialize, ser};
use serde_json::Value;

/// `value` as Python's JSON converter writes it.
///
/// Written in one pass: only objects are buffered, each entry on its own, to sort their keys.
/// Values that need serde_json's own handling (its `RawValue`) go through a `serde_json::Value`.
pub(crate) fn to_python_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(64);
    match value.serialize(Writer { out: &mut out }) {
        Ok(()) => Ok(out),
        Err(WriteError::Fallback) => {
            let value = serde_json::to_value(value)?;
            out.clear();
            write_value(&value, &mut out);
            Ok(out)
        }
        Err(WriteError::Json(e)) => Err(e),
    }
}

#[derive(Debug)]
enum WriteError {
    /// The value is one the one-pass writer leaves to `serde_json::Value`.
    Fallback,
    Json(serde_json::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Fallback => f.write_str("needs serde_json's own handling"),
            WriteError::Json(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WriteError {}

impl ser::Error for WriteError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        WriteError::Json(<serde_json::Error as ser::Error>::custom(msg))
    }
}

/// serde_json's name for its `RawValue`, whose text only serde_json knows how to splice in.
const SERDE_JSON_RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Writes one value in Python's JSON form.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    fn int(self, text: impl fmt::Display) -> Result<(), WriteError> {
        use std::io::Write;
        write!(self.out, "{text}").map_err(|e| WriteError::Json(serde_json::Error::io(e)))
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), WriteError> {
        self.int(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), WriteError> {
        // As serde_json's `Value` holds it, and Python only has doubles.
        write_float(f64::from(v), self.out);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        write_float(v, self.out);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        write_string(v.encode_utf8(&mut [0; 4]), self.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        write_string(v, self.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), WriteError> {
        // An array of numbers, as serde_json and Python write bytes inside JSON.
        let mut seq = Seq { out: self.out, first: true, close: b"]" };
        seq.out.push(b'[');
        for byte in v {
            ser::SerializeSeq::serialize_element(&mut seq, byte)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), WriteError> {
        let mut object = Object::new(self.out, None);
        object.entry(Cow::Borrowed(variant), value)?;
        object.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, WriteError> {
        self.out.push(b'[');
        Ok(Seq { out: self.out, first: true, close: b"]" })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, WriteError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'a>, WriteError> {
        // `{"Variant":[..]}`: the object has one key, so it needs no sorting.
        self.out.push(b'{');
        write_string(variant, self.out);
        self.out.extend_from_slice(b":[");
        Ok(Seq { out: self.out, first: true, close: b"]}" })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Object<'a>, WriteError> {
        Ok(Object::with_capacity(self.out, None, len.unwrap_or(0)))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Object<'a>, WriteError> {
        if name == SERDE_JSON_RAW_VALUE {
            return Err(WriteError::Fallback);
        }
        Ok(Object::with_capacity(self.out, None, len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Object<'a>, WriteError> {
        Ok(Object::with_capacity(self.out, Some(variant), len))
    }
}

/// An array being written.
struct Seq<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    close: &'static [u8],
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        if !std::mem::take(&mut self.first) {
            self.out.push(b',');
        }
        value.serialize(Writer { out: self.out })
    }
    fn close(self) -> Result<(), WriteError> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// The array-like serde traits, all writing elements in order.
macro_rules! array_like {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = WriteError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
                self.element(value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.close()
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// An object being written: its values are written one after the other into a buffer and
/// their keys kept beside, so that at the end they can be copied out in key order.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    /// The enum variant wrapping the object (`{"Variant":{..}}`), for struct variants.
    variant: Option<&'static str>,
    values: Vec<u8>,
    /// Each key with where its value lies in `values`.
    entries: Vec<(Cow<'static, str>, Range<usize>)>,
    /// A map key waiting for its value.
    key: Option<String>,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>, variant: Option<&'static str>) -> Self {
        Self::with_capacity(out, variant, 1)
    }

    fn with_capacity(out: &'a mut Vec<u8>, variant: Option<&'static str>, len: usize) -> Self {
        Object { out, variant, values: Vec::new(), entries: Vec::with_capacity(len), key: None }
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: Cow<'static, str>, value: &T) -> Result<(), WriteError> {
        let start = self.values.len();
        value.serialize(Writer { out: &mut self.values })?;
        self.entries.push((key, start..self.values.len()));
        Ok(())
    }

    fn finish(mut self) -> Result<(), WriteError> {
        // Stable, so of a key given twice the later stays after the earlier; the later is kept,
        // as a Python dict (and serde_json's map) keeps the last value.
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        self.entries.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        if let Some(variant) = self.variant {
            self.out.push(b'{');
            write_string(variant, self.out);
            self.out.push(b':');
        }
        self.out.push(b'{');
        for (i, (key, range)) in self.entries.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_string(key, self.out);
            self.out.push(b':');
            self.out.extend_from_slice(&self.values[range.clone()]);
        }
        self.out.push(b'}');
        if self.variant.is_some() {
            self.out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.key = Some(key.serialize(MapKey)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        let key = self.key.take().ok_or_else(|| ser::Error::custom("a map value without a key"))?;
        self.entry(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), WriteError> {
        self.finish()
    }
}

/// The struct-like serde traits: fields are entries under their names.
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = WriteError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), WriteError> {
                self.entry(Cow::Borrowed(key), value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

/// A map key as JSON has it: a string; numbers, booleans and characters become their text (as
/// serde_json and Python's `json.dumps` turn them); anything else goes to the fallback.
struct MapKey;

macro_rules! key_as_text {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method(self, v: $ty) -> Result<String, WriteError> {
            Ok(v.to_string())
        }
    )*};
}

/// Keys serde_json turns into text its own way (floats) or refuses: left to the fallback.
macro_rules! key_by_fallback {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method(self, _: $ty) -> Result<String, WriteError> {
            Err(WriteError::Fallback)
        }
    )*};
}

impl ser::Serializer for MapKey {
    type Ok = String;
    type Error = WriteError;
    type SerializeSeq = ser::Impossible<String, WriteError>;
    type SerializeTuple = ser::Impossible<String, WriteError>;
    type SerializeTupleStruct = ser::Impossible<String, WriteError>;
    type SerializeTupleVariant = ser::Impossible<String, WriteError>;
    type SerializeMap = ser::Impossible<String, WriteError>;
    type SerializeStruct = ser::Impossible<String, WriteError>;
    type SerializeStructVariant = ser::Impossible<String, WriteError>;

    key_as_text! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32); serialize_i64(i64);
        serialize_i128(i128); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32); serialize_u64(u64);
        serialize_u128(u128); serialize_char(char); serialize_str(&str);
    }
    key_by_fallback! {
        serialize_f32(f32); serialize_f64(f64); serialize_bytes(&[u8]); serialize_unit_struct(&'static str);
    }
    fn serialize_none(self) -> Result<String, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_unit(self) -> Result<String, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String, WriteError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<String, WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, WriteError> {
        Err(WriteError::Fallback)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WriteError> {
        Err(WriteError::Fallback)
    }
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

    /// The same bytes as through a `serde_json::Value` (the form the writer replaced).
    fn through_value<T: Serialize>(value: &T) -> String {
        let mut out = Vec::new();
        write_value(&serde_json::to_value(value).unwrap(), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_one_pass_writer_writes_what_the_value_form_writes() {
        #[derive(Serialize)]
        enum Shape {
            Dot,
            Circle(f32),
            Line(i32, i32),
            Box { width: u8, height: u8, label: Option<String> },
        }
        #[derive(Serialize)]
        struct Everything {
            shapes: Vec<Shape>,
            by_number: std::collections::BTreeMap<i64, bool>,
            by_char: HashMap<char, ()>,
            bytes: serde_bytes_like::Bytes,
            nested: serde_json::Value,
            big: u64,
            negative: i8,
            unit: (),
            tuple: (u8, &'static str),
        }
        mod serde_bytes_like {
            pub struct Bytes(pub Vec<u8>);
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(&self.0)
                }
            }
        }
        let value = Everything {
            shapes: vec![
                Shape::Dot,
                Shape::Circle(1.5),
                Shape::Line(-1, 2),
                Shape::Box { width: 3, height: 4, label: None },
            ],
            by_number: [(10, true), (-2, false), (3, true)].into(),
            by_char: [('b', ()), ('a', ())].into(),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            nested: serde_json::json!({"z": [1.0, "é"], "a": {"y": null, "b": 0.1}}),
            big: u64::MAX,
            negative: -8,
            unit: (),
            tuple: (7, "seven"),
        };
        assert_eq!(json(&value), through_value(&value));
        // Map keys in text order, as Python sorts the strings it writes.
        assert_eq!(json(&value.by_number), r#"{"-2":false,"10":true,"3":true}"#);

        // A key the one-pass writer leaves to serde_json (a float) takes the value form.
        struct FloatKeys;
        impl Serialize for FloatKeys {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry(&2.5f64, "b")?;
                map.serialize_entry(&1.5f64, "a")?;
                map.end()
            }
        }
        assert_eq!(json(&FloatKeys), through_value(&FloatKeys));
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
