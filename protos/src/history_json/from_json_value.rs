//! JSON values → wire format, by field type: the proto3 JSON mapping (`int64` as strings or
//! numbers, enums by name or number, base64 `bytes`, RFC 3339 `Timestamp`, `"1.5s"`
//! `Duration`, repeated fields as arrays, maps as objects).

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::{
    from_json::{Found, KeySeed, Outcome, Role, ValueSeed, read_fields},
    schema::{self, Card, Ty, Wkt},
    wire::{self, FIXED32, FIXED64, LEN, VARINT},
    wkt,
};

/// A JSON scalar.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scalar<'a> {
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(&'a str),
}

impl Scalar<'_> {
    fn found(self) -> Found {
        match self {
            Scalar::Bool(b) => Found::Bool(b),
            Scalar::I64(n) => Found::Number(n.to_string()),
            Scalar::U64(n) => Found::Number(n.to_string()),
            Scalar::F64(n) => Found::Number(n.to_string()),
            Scalar::Str(_) => Found::String,
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Outcome;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Outcome, E> {
        match self.role {
            Role::Field => Ok(Outcome::Unset),
            Role::Element | Role::Packed => Err(self.mismatch(Found::Null)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Outcome, E> {
        self.scalar(Scalar::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Outcome, E> {
        self.scalar(Scalar::I64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Outcome, E> {
        self.scalar(Scalar::U64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Outcome, E> {
        self.scalar(Scalar::F64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Outcome, E> {
        self.scalar(Scalar::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Outcome, A::Error> {
        match (self.card, self.role) {
            (Card::Repeated, Role::Field) => self.list(seq),
            _ => Err(self.mismatch(Found::Array)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        match (self.card, self.role, self.ty) {
            (Card::Map, Role::Field, Ty::Message(entry)) => self.map(entry, map),
            (Card::Single, _, Ty::Message(id)) if schema::message(id).wkt == Wkt::None => {
                wire::put_tag(&mut self.ctx.out, self.number, LEN);
                let at = wire::begin_len(&mut self.ctx.out);
                read_fields(self.ctx, schema::message(id), &mut map)?;
                self.ctx.end_len(at)?;
                Ok(Outcome::Set)
            }
            _ => Err(self.mismatch(Found::Object)),
        }
    }
}

impl ValueSeed<'_> {
    /// A repeated field: numbers, booleans and enums packed into one record, others one record
    /// each.
    fn list<'de, A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outcome, A::Error> {
        let ValueSeed { ctx, number, ty, .. } = self;
        let packed = wire::packable(ty);
        let at = packed.then(|| {
            wire::put_tag(&mut ctx.out, number, LEN);
            wire::begin_len(&mut ctx.out)
        });
        let role = if packed { Role::Packed } else { Role::Element };
        let mut index = 0;
        loop {
            let element = ValueSeed { ctx: &mut *ctx, number, ty, card: Card::Single, role };
            let result = seq.next_element_seed(element);
            if ctx.within(result, || format!("[{index}]"))?.is_none() {
                break;
            }
            index += 1;
        }
        if let Some(at) = at {
            ctx.end_len(at)?;
        }
        Ok(Outcome::Set)
    }

    /// A map field: one entry message per key (key as field 1, value as field 2).
    fn map<'de, A: MapAccess<'de>>(self, entry: u16, mut map: A) -> Result<Outcome, A::Error> {
        let ValueSeed { ctx, number, .. } = self;
        let [key_field, value_field] = schema::message(entry).fields else {
            return Err(
                ctx.fail(format!("internal error: map entry {} does not have two fields", schema::message(entry).name))
            );
        };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let start = ctx.out.len();
            wire::put_tag(&mut ctx.out, number, LEN);
            let at = wire::begin_len(&mut ctx.out);
            let segment = || format!("[{:?}]", &*key);
            if let Err(message) = write_map_key(&mut ctx.out, key_field.ty, &key) {
                let err = ctx.fail(message);
                return ctx.within(Err(err), segment);
            }
            let value = ValueSeed {
                ctx: &mut *ctx,
                number: value_field.number,
                ty: value_field.ty,
                card: Card::Single,
                role: Role::Element,
            };
            let result = map.next_value_seed(value);
            if let Outcome::UnknownEnum(_) = ctx.within(result, segment)? {
                // The entry is dropped, as an unknown enum value in a field is.
                ctx.out.truncate(start);
                continue;
            }
            ctx.end_len(at)?;
        }
        Ok(Outcome::Set)
    }

    fn scalar<E: de::Error>(mut self, value: Scalar<'_>) -> Result<Outcome, E> {
        if self.card != Card::Single {
            return Err(self.mismatch(value.found()));
        }
        let written = match self.ty {
            Ty::Double => to_f64(value).map(|v| {
                self.tag(FIXED64);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            Ty::Float => to_f32(value).map(|v| {
                self.tag(FIXED32);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            // Negative int32s are sign-extended to 64 bits on the wire.
            Ty::Int32 => to_i32(value).map(|v| self.varint(i64::from(v) as u64)),
            Ty::Sint32 => to_i32(value).map(|v| self.varint(u64::from(((v << 1) ^ (v >> 31)) as u32))),
            Ty::Sfixed32 => to_i32(value).map(|v| {
                self.tag(FIXED32);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            Ty::Int64 => to_i64(value).map(|v| self.varint(v as u64)),
            Ty::Sint64 => to_i64(value).map(|v| self.varint(((v << 1) ^ (v >> 63)) as u64)),
            Ty::Sfixed64 => to_i64(value).map(|v| {
                self.tag(FIXED64);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            Ty::Uint32 => to_u32(value).map(|v| self.varint(u64::from(v))),
            Ty::Fixed32 => to_u32(value).map(|v| {
                self.tag(FIXED32);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            Ty::Uint64 => to_u64(value).map(|v| self.varint(v)),
            Ty::Fixed64 => to_u64(value).map(|v| {
                self.tag(FIXED64);
                self.ctx.out.extend_from_slice(&v.to_le_bytes());
            }),
            Ty::Bool => match value {
                Scalar::Bool(v) => {
                    self.varint(u64::from(v));
                    return Ok(if v { Outcome::True } else { Outcome::Set });
                }
                other => return Err(self.mismatch(other.found())),
            },
            Ty::String => match value {
                Scalar::Str(text) => {
                    self.tag(LEN);
                    wire::put_varint(&mut self.ctx.out, text.len() as u64);
                    self.ctx.out.extend_from_slice(text.as_bytes());
                    Ok(())
                }
                other => return Err(self.mismatch(other.found())),
            },
            Ty::Bytes => match value {
                Scalar::Str(text) => {
                    self.tag(LEN);
                    let at = wire::begin_len(&mut self.ctx.out);
                    match wkt::decode_base64(text, &mut self.ctx.out) {
                        Ok(()) => wire::end_len(&mut self.ctx.out, at).map_err(str::to_owned),
                        Err(message) => Err(message),
                    }
                }
                other => return Err(self.mismatch(other.found())),
            },
            Ty::Enum(id) => match value {
                Scalar::Str(name) => match schema::enumeration(id).resolve(name) {
                    Some(number) => {
                        self.varint(i64::from(number) as u64);
                        Ok(())
                    }
                    None => return Ok(Outcome::UnknownEnum(name.to_owned())),
                },
                Scalar::I64(_) | Scalar::U64(_) => to_i32(value).map(|v| self.varint(i64::from(v) as u64)),
                other => return Err(self.mismatch(other.found())),
            },
            Ty::Message(id) => match (schema::message(id).wkt, value) {
                (Wkt::Timestamp, Scalar::Str(text)) => {
                    wkt::parse_timestamp(text).map(|(s, n)| self.seconds_nanos(s, n))
                }
                (Wkt::Duration, Scalar::Str(text)) => wkt::parse_duration(text).map(|(s, n)| self.seconds_nanos(s, n)),
                (_, other) => return Err(self.mismatch(other.found())),
            },
        };
        match written {
            Ok(()) => Ok(Outcome::Set),
            Err(message) => Err(self.ctx.fail(message)),
        }
    }

    fn varint(&mut self, value: u64) {
        self.tag(VARINT);
        wire::put_varint(&mut self.ctx.out, value);
    }

    /// A `Timestamp` or `Duration` message: seconds (field 1) and nanos (field 2).
    fn seconds_nanos(&mut self, seconds: i64, nanos: i32) {
        let out = &mut self.ctx.out;
        let mut body = [0u8; 24];
        let mut len = 0;
        for (number, value) in [(1u8, seconds as u64), (2, i64::from(nanos) as u64)] {
            if value != 0 {
                body[len] = number << 3; // VARINT
                len += 1;
                let mut value = value;
                while value >= 0x80 {
                    body[len] = (value as u8 & 0x7f) | 0x80;
                    value >>= 7;
                    len += 1;
                }
                body[len] = value as u8;
                len += 1;
            }
        }
        if self.role != Role::Packed {
            wire::put_tag(out, self.number, LEN);
        }
        out.push(len as u8);
        out.extend_from_slice(&body[..len]);
    }
}

/// Writes a map key, which JSON always gives as a string, as field 1 of a map entry.
fn write_map_key(out: &mut Vec<u8>, ty: Ty, key: &str) -> Result<(), String> {
    let bad = |what: &str| format!("map key \"{key}\" is not {what}");
    let varint = |out: &mut Vec<u8>, value: u64| {
        wire::put_tag(out, 1, VARINT);
        wire::put_varint(out, value);
    };
    match ty {
        Ty::String => {
            wire::put_tag(out, 1, LEN);
            wire::put_varint(out, key.len() as u64);
            out.extend_from_slice(key.as_bytes());
        }
        Ty::Bool => match key {
            "true" => varint(out, 1),
            "false" => varint(out, 0),
            _ => return Err(bad("true or false")),
        },
        Ty::Int32 | Ty::Int64 => varint(out, key.parse::<i64>().map_err(|_| bad("an integer"))? as u64),
        Ty::Uint32 | Ty::Uint64 => varint(out, key.parse::<u64>().map_err(|_| bad("an unsigned integer"))?),
        // No other key types are reachable from History today.
        other => return Err(format!("map keys of type {other:?} are not supported")),
    }
    Ok(())
}

fn to_f64(value: Scalar<'_>) -> Result<f64, String> {
    match value {
        Scalar::F64(v) => Ok(v),
        Scalar::I64(v) => Ok(v as f64),
        Scalar::U64(v) => Ok(v as f64),
        Scalar::Str(text) => parse_float(text),
        Scalar::Bool(b) => Err(format!("expected a number, found a boolean ({b})")),
    }
}

fn to_f32(value: Scalar<'_>) -> Result<f32, String> {
    let v = to_f64(value)?;
    if v.is_finite() && (v < f64::from(f32::MIN) || v > f64::from(f32::MAX)) {
        return Err(format!("{v} is out of the range of a 32-bit float"));
    }
    Ok(v as f32)
}

/// proto3 JSON writes non-finite numbers as strings.
fn parse_float(text: &str) -> Result<f64, String> {
    match text {
        "Infinity" => Ok(f64::INFINITY),
        "-Infinity" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("\"{text}\" is not a number")),
    }
}

/// An integer from a JSON number (integral, possibly written as `1e3`) or a decimal string.
fn to_i64(value: Scalar<'_>) -> Result<i64, String> {
    match value {
        Scalar::I64(v) => Ok(v),
        Scalar::U64(v) => i64::try_from(v).map_err(|_| format!("{v} is out of the range of a 64-bit integer")),
        Scalar::F64(v) => from_float(v, i64::MIN as f64, i64::MAX as f64).map(|v| v as i64),
        Scalar::Str(text) => text.parse().map_err(|_| format!("\"{text}\" is not a 64-bit integer")),
        Scalar::Bool(b) => Err(format!("expected an integer, found a boolean ({b})")),
    }
}

fn to_u64(value: Scalar<'_>) -> Result<u64, String> {
    match value {
        Scalar::U64(v) => Ok(v),
        Scalar::I64(v) => u64::try_from(v).map_err(|_| format!("{v} is out of the range of an unsigned integer")),
        Scalar::F64(v) => from_float(v, 0.0, u64::MAX as f64).map(|v| v as u64),
        Scalar::Str(text) => text.parse().map_err(|_| format!("\"{text}\" is not an unsigned 64-bit integer")),
        Scalar::Bool(b) => Err(format!("expected an integer, found a boolean ({b})")),
    }
}

fn to_i32(value: Scalar<'_>) -> Result<i32, String> {
    let v = to_i64(value)?;
    i32::try_from(v).map_err(|_| format!("{v} is out of the range of a 32-bit integer"))
}

fn to_u32(value: Scalar<'_>) -> Result<u32, String> {
    let v = to_u64(value)?;
    u32::try_from(v).map_err(|_| format!("{v} is out of the range of an unsigned 32-bit integer"))
}

fn from_float(v: f64, min: f64, max: f64) -> Result<f64, String> {
    if v.fract() != 0.0 || !v.is_finite() {
        return Err(format!("expected an integer, found {v}"));
    }
    if v < min || v > max {
        return Err(format!("{v} is out of range"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keys_of_every_key_type() {
        let key = |ty: Ty, key: &str| {
            let mut out = Vec::new();
            write_map_key(&mut out, ty, key).map(|()| out)
        };
        assert_eq!(key(Ty::String, "ab"), Ok(vec![0x0a, 2, b'a', b'b']));
        assert_eq!(key(Ty::Bool, "true"), Ok(vec![0x08, 1]));
        assert_eq!(key(Ty::Int64, "-1"), Ok([&[0x08][..], &[0xff; 9], &[0x01]].concat()));
        assert_eq!(key(Ty::Uint32, "300"), Ok(vec![0x08, 0xac, 0x02]));
        assert!(key(Ty::Bool, "yes").unwrap_err().contains("map key \"yes\""));
        assert!(key(Ty::Int32, "x").is_err());
        assert!(key(Ty::Uint64, "-1").is_err());
        assert!(key(Ty::Double, "1").is_err());
    }

    #[test]
    fn numbers_follow_the_proto3_json_mapping() {
        assert_eq!(to_i64(Scalar::Str("-5")), Ok(-5));
        assert_eq!(to_i64(Scalar::F64(1e3)), Ok(1000));
        assert!(to_i64(Scalar::F64(0.5)).is_err());
        assert!(to_i64(Scalar::F64(f64::NAN)).is_err());
        assert!(to_i64(Scalar::U64(u64::MAX)).is_err());
        assert_eq!(to_u64(Scalar::U64(u64::MAX)), Ok(u64::MAX));
        assert!(to_u64(Scalar::I64(-1)).is_err());
        assert!(to_i32(Scalar::I64(i64::from(i32::MAX) + 1)).is_err());
        assert!(to_u32(Scalar::Str("4294967296")).is_err());
        assert_eq!(to_f64(Scalar::Str("-Infinity")), Ok(f64::NEG_INFINITY));
        assert!(to_f64(Scalar::Str("NaN")).unwrap().is_nan());
        assert_eq!(to_f32(Scalar::I64(3)), Ok(3.0));
        assert!(to_f32(Scalar::F64(1e300)).is_err());
        assert!(to_f64(Scalar::Bool(true)).is_err());
    }
}
