//! Finds out whether a value is "nothing" or raw bytes before choosing its encoding.
//!
//! The other SDKs pick `binary/null` for `None` and `binary/plain` for top-level bytes.
//! serde tells these apart only while serializing, so a tiny serializer looks at the
//! outermost call (through `Some` and newtype structs, which JSON does not show either) and
//! gives up at once on anything else (without visiting fields).
//!
//! The same look finds a [`converter::Args`](super::Args) list, whose elements it encodes
//! there and then: the probe is the only place that sees inside the newtype.

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::PayloadError;
use super::args::{ARGS_NEWTYPE, SpreadSerializer};
use super::json::to_python_json;
use super::proto;
use super::{ENCODING_PROTO_BINARY, ENCODING_PROTO_JSON};
use crate::protos::temporal::api::common::v1::Payload;

pub(crate) enum TopLevel {
    Null,
    Bytes(Vec<u8>),
    /// A protobuf message wrapper: its encoding, full message name and data.
    Proto {
        encoding: &'static str,
        message_type: &'static str,
        data: Vec<u8>,
    },
    /// An `Args` list, already encoded one payload per element.
    Args(Result<Vec<Payload>, PayloadError>),
    Other,
}

pub(crate) fn classify<T: Serialize + ?Sized>(value: &T) -> TopLevel {
    value.serialize(Probe).unwrap_or(TopLevel::Other)
}

#[derive(Debug)]
struct NotSpecial;

impl std::fmt::Display for NotSpecial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a special top-level value")
    }
}
impl std::error::Error for NotSpecial {}
impl ser::Error for NotSpecial {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        NotSpecial
    }
}

struct Probe;

macro_rules! other {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<TopLevel, NotSpecial> { Err(NotSpecial) })*
    };
}

impl ser::Serializer for Probe {
    type Ok = TopLevel;
    type Error = NotSpecial;
    type SerializeSeq = Impossible<TopLevel, NotSpecial>;
    type SerializeTuple = Impossible<TopLevel, NotSpecial>;
    type SerializeTupleStruct = Impossible<TopLevel, NotSpecial>;
    type SerializeTupleVariant = Impossible<TopLevel, NotSpecial>;
    type SerializeMap = Impossible<TopLevel, NotSpecial>;
    type SerializeStruct = Impossible<TopLevel, NotSpecial>;
    type SerializeStructVariant = Impossible<TopLevel, NotSpecial>;

    fn serialize_unit(self) -> Result<TopLevel, NotSpecial> {
        Ok(TopLevel::Null)
    }
    fn serialize_none(self) -> Result<TopLevel, NotSpecial> {
        Ok(TopLevel::Null)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<TopLevel, NotSpecial> {
        Ok(TopLevel::Bytes(v.to_vec()))
    }
    // `Some(x)` and newtype structs are what they wrap, as in JSON and as Python's `Optional[bytes]`
    // holding bytes is `binary/plain`: only a value that is bytes or nothing all the way down
    // visits a field here.
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<TopLevel, NotSpecial> {
        value.serialize(Probe)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<TopLevel, NotSpecial> {
        if name == ARGS_NEWTYPE {
            return Ok(TopLevel::Args(value.serialize(SpreadSerializer::default()).map_err(|e| e.0)));
        }
        if let Some(message_type) = name.strip_prefix(proto::JSON_TOKEN) {
            let data = to_python_json(value).map_err(|_| NotSpecial)?;
            return Ok(TopLevel::Proto { encoding: ENCODING_PROTO_JSON, message_type, data });
        }
        if let Some(message_type) = name.strip_prefix(proto::BINARY_TOKEN) {
            let TopLevel::Bytes(data) = value.serialize(Probe)? else { return Err(NotSpecial) };
            return Ok(TopLevel::Proto { encoding: ENCODING_PROTO_BINARY, message_type, data });
        }
        // Other newtypes are transparent, as in JSON: `Wrapper(RawBytes)` is bytes too.
        value.serialize(Probe)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<TopLevel, NotSpecial> {
        Err(NotSpecial)
    }
    other! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotSpecial> {
        Err(NotSpecial)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotSpecial> {
        Err(NotSpecial)
    }
}
