//! `History` → proto3 JSON: the history is encoded with prost, and the wire records are
//! written as JSON with the static [`schema`](super::schema) (the reverse of
//! [`from_json`](super::from_json)).
//!
//! The output is what the `temporal` CLI writes: fields in field-number order, under their JSON
//! names, default values left out, `int64` as strings, enums by name, map keys sorted.

use std::borrow::Cow;

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{
    schema::{self, Card, FieldDesc, MessageDesc, Ty, Wkt},
    wire::{self, Reader, Value},
    wkt,
};

/// Messages nest at most this deep (failure causes are the deep ones), as prost's decoder
/// allows; deeper would risk the stack.
const MAX_DEPTH: u32 = 100;

/// One encoded message and its type, `depth` messages deep.
pub(super) struct Message<'a> {
    pub(super) desc: &'static MessageDesc,
    pub(super) bytes: &'a [u8],
    pub(super) depth: u32,
}

impl Serialize for Message<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.depth > MAX_DEPTH {
            return Err(S::Error::custom(format!("messages nest more than {MAX_DEPTH} deep")));
        }
        match self.desc.wkt {
            Wkt::Timestamp => {
                let (seconds, nanos) = seconds_nanos(self.bytes).map_err(S::Error::custom)?;
                let text = wkt::format_timestamp(seconds, nanos).map_err(S::Error::custom)?;
                return serializer.serialize_str(&text);
            }
            Wkt::Duration => {
                let (seconds, nanos) = seconds_nanos(self.bytes).map_err(S::Error::custom)?;
                let text = wkt::format_duration(seconds, nanos).map_err(S::Error::custom)?;
                return serializer.serialize_str(&text);
            }
            Wkt::None => {}
        }

        // Group the records by field: prost writes a oneof where the oneof is declared, which
        // is not always in field-number order, and a repeated field's records may be spread.
        let mut records = Vec::new();
        let mut reader = Reader::new(self.bytes);
        while let Some((number, value)) = reader.field().map_err(S::Error::custom)? {
            // The generated types keep no unknown fields, so every number is in the schema.
            if let Some(index) = self.desc.field_index(number) {
                records.push((index, value));
            }
        }
        records.sort_by_key(|(index, _)| *index);

        let mut map = serializer.serialize_map(None)?;
        for group in records.chunk_by(|a, b| a.0 == b.0) {
            let field = &self.desc.fields[group[0].0];
            map.serialize_entry(field.json_name, &Field { field, records: group, depth: self.depth })?;
        }
        map.end()
    }
}

fn seconds_nanos(bytes: &[u8]) -> Result<(i64, i32), &'static str> {
    let (mut seconds, mut nanos) = (0, 0);
    let mut reader = Reader::new(bytes);
    while let Some((number, value)) = reader.field()? {
        match (number, value) {
            (1, Value::Varint(v)) => seconds = v as i64,
            (2, Value::Varint(v)) => nanos = v as i64 as i32,
            _ => {}
        }
    }
    Ok((seconds, nanos))
}

/// All records of one field of a message `depth` deep.
struct Field<'a, 'b> {
    field: &'static FieldDesc,
    records: &'b [(usize, Value<'a>)],
    depth: u32,
}

impl Serialize for Field<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ty = self.field.ty;
        let depth = self.depth + 1;
        match self.field.card {
            // The last record wins, as when protobuf decodes a repeated singular field.
            Card::Single => match self.records.last() {
                Some((_, value)) => Single { ty, value: *value, depth }.serialize(serializer),
                None => serializer.serialize_none(),
            },
            Card::Repeated => {
                let mut seq = serializer.serialize_seq(None)?;
                for (_, value) in self.records {
                    match value {
                        // A packed record holds any number of elements.
                        Value::Len(bytes) if wire::packable(ty) => {
                            let mut reader = Reader::new(bytes);
                            while !reader.is_empty() {
                                let value = read_packed(&mut reader, ty).map_err(S::Error::custom)?;
                                seq.serialize_element(&Single { ty, value, depth })?;
                            }
                        }
                        value => seq.serialize_element(&Single { ty, value: *value, depth })?,
                    }
                }
                seq.end()
            }
            Card::Map => {
                let Ty::Message(entry) = ty else {
                    return Err(S::Error::custom("a map field without an entry message"));
                };
                let [key_field, value_field] = schema::message(entry).fields else {
                    return Err(S::Error::custom("a map entry without two fields"));
                };
                let mut entries = Vec::with_capacity(self.records.len());
                for (_, record) in self.records {
                    let Value::Len(bytes) = record else {
                        return Err(S::Error::custom("a map entry that is not length-delimited"));
                    };
                    // prost leaves out a key or value that is the default.
                    let (mut key, mut value) = (default_of(key_field.ty), default_of(value_field.ty));
                    let mut reader = Reader::new(bytes);
                    while let Some((number, v)) = reader.field().map_err(S::Error::custom)? {
                        match number {
                            1 => key = v,
                            2 => value = v,
                            _ => {}
                        }
                    }
                    entries.push((map_key(key_field.ty, key).map_err(S::Error::custom)?, value));
                }
                // Sorted, as the Go runtime behind the CLI writes them.
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(&key, &Single { ty: value_field.ty, value, depth })?;
                }
                map.end()
            }
        }
    }
}

fn default_of(ty: Ty) -> Value<'static> {
    match wire::wire_type(ty) {
        wire::FIXED64 => Value::Fixed64(0),
        wire::FIXED32 => Value::Fixed32(0),
        wire::LEN => Value::Len(&[]),
        _ => Value::Varint(0),
    }
}

fn read_packed<'a>(reader: &mut Reader<'a>, ty: Ty) -> Result<Value<'a>, &'static str> {
    Ok(match wire::wire_type(ty) {
        wire::FIXED64 => Value::Fixed64(reader.fixed64()?),
        wire::FIXED32 => Value::Fixed32(reader.fixed32()?),
        _ => Value::Varint(reader.varint()?),
    })
}

fn map_key(ty: Ty, key: Value<'_>) -> Result<Cow<'_, str>, &'static str> {
    Ok(match (ty, key) {
        (Ty::String, Value::Len(bytes)) => {
            Cow::Borrowed(std::str::from_utf8(bytes).map_err(|_| "a map key is not UTF-8")?)
        }
        (Ty::Bool, Value::Varint(v)) => Cow::Borrowed(if v != 0 { "true" } else { "false" }),
        (Ty::Int32, Value::Varint(v)) => Cow::Owned((v as i64 as i32).to_string()),
        (Ty::Int64, Value::Varint(v)) => Cow::Owned((v as i64).to_string()),
        (Ty::Uint32 | Ty::Uint64, Value::Varint(v)) => Cow::Owned(v.to_string()),
        _ => return Err("unsupported map key type"),
    })
}

/// One value of a field; a message value is `depth` deep.
struct Single<'a> {
    ty: Ty,
    value: Value<'a>,
    depth: u32,
}

impl Serialize for Single<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.ty, self.value) {
            (Ty::Double, Value::Fixed64(bits)) => match non_finite(f64::from_bits(bits)) {
                Some(text) => serializer.serialize_str(text),
                None => serializer.serialize_f64(f64::from_bits(bits)),
            },
            // Written as an f32 so that the shortest decimal form is the f32's (`0.1`, not
            // `0.10000000149011612`).
            (Ty::Float, Value::Fixed32(bits)) => match non_finite(f64::from(f32::from_bits(bits))) {
                Some(text) => serializer.serialize_str(text),
                None => serializer.serialize_f32(f32::from_bits(bits)),
            },
            // 64-bit integers are strings in proto3 JSON (JavaScript numbers would round them).
            (Ty::Int64, Value::Varint(v)) => serializer.collect_str(&(v as i64)),
            (Ty::Sint64, Value::Varint(v)) => serializer.collect_str(&(((v >> 1) as i64) ^ -((v & 1) as i64))),
            (Ty::Sfixed64, Value::Fixed64(v)) => serializer.collect_str(&(v as i64)),
            (Ty::Uint64, Value::Varint(v)) | (Ty::Fixed64, Value::Fixed64(v)) => serializer.collect_str(&v),
            (Ty::Int32, Value::Varint(v)) => serializer.serialize_i32(v as i64 as i32),
            (Ty::Sint32, Value::Varint(v)) => {
                let v = v as u32;
                serializer.serialize_i32(((v >> 1) as i32) ^ -((v & 1) as i32))
            }
            (Ty::Sfixed32, Value::Fixed32(v)) => serializer.serialize_i32(v as i32),
            (Ty::Uint32, Value::Varint(v)) => serializer.serialize_u32(v as u32),
            (Ty::Fixed32, Value::Fixed32(v)) => serializer.serialize_u32(v),
            (Ty::Bool, Value::Varint(v)) => serializer.serialize_bool(v != 0),
            (Ty::String, Value::Len(bytes)) => serializer
                .serialize_str(std::str::from_utf8(bytes).map_err(|_| S::Error::custom("a string is not UTF-8"))?),
            (Ty::Bytes, Value::Len(bytes)) => serializer.serialize_str(&wkt::encode_base64(bytes)),
            (Ty::Enum(id), Value::Varint(v)) => {
                let number = v as i64 as i32;
                // A number this SDK has no name for stays a number, which parsers accept.
                match schema::enumeration(id).name_of(number) {
                    Some(name) => serializer.serialize_str(name),
                    None => serializer.serialize_i32(number),
                }
            }
            (Ty::Message(id), Value::Len(bytes)) => {
                Message { desc: schema::message(id), bytes, depth: self.depth }.serialize(serializer)
            }
            (ty, value) => Err(S::Error::custom(format!("a {ty:?} field holds a mismatched wire value {value:?}"))),
        }
    }
}

/// proto3 JSON writes non-finite numbers as strings.
fn non_finite(v: f64) -> Option<&'static str> {
    if v.is_finite() {
        None
    } else if v.is_nan() {
        Some("NaN")
    } else if v > 0.0 {
        Some("Infinity")
    } else {
        Some("-Infinity")
    }
}
