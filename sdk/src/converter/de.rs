//! Deserializers over payloads: one payload by its encoding, an argument list (one payload or
//! none, or an [`Args`](super::Args) list spread over several), and the elements of a list.
//!
//! They forward every request to the deserializer of the payload's encoding (serde_json for
//! `json/plain`, `json/protobuf` and `binary/null`, bytes for `binary/plain`, the message reader
//! for `binary/protobuf`), so a type decodes exactly as it would from `serde_json::from_slice`,
//! and types with their own tricks (serde_json's `RawValue`, our `RawValue`) keep working.

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserializer, forward_to_deserialize_any};
use serde_json::de::SliceRead;

use super::args::ARGS_NEWTYPE;
use super::encodings::decode_custom;
use super::payload::{PayloadError, RawDeserializer, SerdeError, encoding_of};
use super::proto::BinaryPayload;
use super::{ENCODING_JSON, ENCODING_NULL, ENCODING_PROTO_BINARY, ENCODING_PROTO_JSON, ENCODING_RAW, MESSAGE_TYPE_KEY};
use crate::protos::temporal::api::common::v1::Payload;

/// Reads `data` as JSON with `read`, and checks that nothing follows the value.
fn json<'a, T>(
    data: &'a [u8],
    read: impl FnOnce(&mut serde_json::Deserializer<SliceRead<'a>>) -> Result<T, serde_json::Error>,
) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let value = read(&mut de)?;
    de.end()?;
    Ok(value)
}

fn decode_error(encoding: &str, message: String) -> SerdeError {
    SerdeError(PayloadError::Decode { encoding: encoding.to_string(), type_name: "", message })
}

/// One payload, or none (a missing argument, which reads as JSON `null`).
#[derive(Clone, Copy)]
pub(crate) struct PayloadDeserializer<'a> {
    pub(crate) payload: Option<&'a Payload>,
}

/// Every method hands the request to the deserializer of the payload's encoding.
macro_rules! by_encoding {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'a>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, SerdeError> {
            let Some(payload) = self.payload else {
                return json(b"null", |de| de.$method($($arg,)* visitor)).map_err(|e| {
                    decode_error("(no payload)", format!("no argument was sent: {e}"))
                });
            };
            let encoding = encoding_of(payload);
            // A custom encoding's value reaches a visitor of any lifetime through a JSON value.
            if let Some(value) = decode_custom::<serde_json::Value>(&encoding, payload) {
                let value = value.map_err(SerdeError)?;
                return value.$method($($arg,)* visitor).map_err(|e| decode_error(&encoding, e.to_string()));
            }
            match encoding.as_ref() {
                ENCODING_JSON => json(&payload.data, |de| de.$method($($arg,)* visitor))
                    .map_err(|e| decode_error(ENCODING_JSON, e.to_string())),
                // Proto3 JSON is JSON: it reads into `Proto<M>`, or into any serde type of its shape.
                ENCODING_PROTO_JSON => json(&payload.data, |de| de.$method($($arg,)* visitor))
                    .map_err(|e| decode_error(ENCODING_PROTO_JSON, e.to_string())),
                ENCODING_PROTO_BINARY => {
                    let message_type = payload.metadata.get(MESSAGE_TYPE_KEY).map(|t| String::from_utf8_lossy(t));
                    let message_type = message_type.as_deref().unwrap_or_default();
                    BinaryPayload { message_type, data: &payload.data }
                        .$method($($arg,)* visitor)
                        .map_err(|e| decode_error(ENCODING_PROTO_BINARY, e.to_string()))
                }
                ENCODING_NULL if !payload.data.is_empty() => {
                    Err(decode_error(ENCODING_NULL, "binary/null payload carries data".into()))
                }
                ENCODING_NULL => json(b"null", |de| de.$method($($arg,)* visitor))
                    .map_err(|e| decode_error(ENCODING_NULL, e.to_string())),
                ENCODING_RAW => RawDeserializer(&payload.data)
                    .$method($($arg,)* visitor)
                    .map_err(|e| decode_error(ENCODING_RAW, e.to_string())),
                other => Err(SerdeError(PayloadError::UnknownEncoding(other.to_string()))),
            }
        }
    )*};
}

/// The full list of `Deserializer` methods, each given to `$callback`.
macro_rules! all_methods {
    ($callback:ident) => {
        $callback! {
            deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
            deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
            deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64(); deserialize_char();
            deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
            deserialize_option(); deserialize_unit(); deserialize_unit_struct(name: &'static str);
            deserialize_newtype_struct(name: &'static str); deserialize_seq();
            deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
            deserialize_map(); deserialize_struct(name: &'static str, fields: &'static [&'static str]);
            deserialize_enum(name: &'static str, variants: &'static [&'static str]);
            deserialize_identifier(); deserialize_ignored_any();
        }
    };
}

impl<'a> Deserializer<'a> for PayloadDeserializer<'a> {
    type Error = SerdeError;
    all_methods!(by_encoding);
}

/// The arguments of a call: the value of a one-parameter handler (no payload reads as JSON
/// `null`, for `()` and `Option`), or, for an [`Args`](super::Args) list, one element per
/// payload.
pub(crate) struct ArgsDeserializer<'a> {
    pub(crate) payloads: &'a [Payload],
}

impl<'a> ArgsDeserializer<'a> {
    /// The one payload of a single value; `expected` is the parameter count for the message.
    fn single(&self, expected: usize) -> Result<PayloadDeserializer<'a>, SerdeError> {
        match self.payloads {
            [] => Ok(PayloadDeserializer { payload: None }),
            [one] => Ok(PayloadDeserializer { payload: Some(one) }),
            many => Err(SerdeError(PayloadError::TooManyArguments { expected, got: many.len() })),
        }
    }
}

macro_rules! to_single {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'a>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, SerdeError> {
            self.single(1)?.$method($($arg,)* visitor)
        }
    )*};
}

impl<'a> Deserializer<'a> for ArgsDeserializer<'a> {
    type Error = SerdeError;

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        if name == ARGS_NEWTYPE {
            return visitor.visit_newtype_struct(SpreadDeserializer { payloads: self.payloads });
        }
        self.single(1)?.deserialize_newtype_struct(name, visitor)
    }

    // `()`: a handler without parameters. One `null` payload is accepted, as before lists.
    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.single(0)?.deserialize_unit(visitor)
    }

    to_single! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16(); deserialize_u32();
        deserialize_u64(); deserialize_u128(); deserialize_f32(); deserialize_f64(); deserialize_char();
        deserialize_str(); deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map(); deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }
}

/// The inside of an `Args` list: a tuple takes element `i` from payload `i`, a `Vec` takes
/// every payload.
struct SpreadDeserializer<'a> {
    payloads: &'a [Payload],
}

impl<'a> SpreadDeserializer<'a> {
    fn elements(self, expected: Option<usize>) -> Result<Elements<'a>, SerdeError> {
        match expected {
            Some(expected) if self.payloads.len() > expected => {
                Err(SerdeError(PayloadError::TooManyArguments { expected, got: self.payloads.len() }))
            }
            _ => Ok(Elements { payloads: self.payloads, next: 0, expected }),
        }
    }
}

impl<'de> Deserializer<'de> for SpreadDeserializer<'de> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_seq(self.elements(None)?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_seq(self.elements(Some(len))?)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.elements(Some(0))?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        seq map struct enum identifier ignored_any
    }
}

/// The elements of an `Args` list, each decoded from its own payload.
struct Elements<'a> {
    payloads: &'a [Payload],
    next: usize,
    /// The parameter count of a tuple (`None` for a `Vec`, which takes what came).
    expected: Option<usize>,
}

impl<'a> SeqAccess<'a> for Elements<'a> {
    type Error = SerdeError;

    fn next_element_seed<S: DeserializeSeed<'a>>(&mut self, seed: S) -> Result<Option<S::Value>, SerdeError> {
        let index = self.next;
        if let Some(payload) = self.payloads.get(index) {
            self.next += 1;
            let de = PayloadDeserializer { payload: Some(payload) };
            return seed
                .deserialize(de)
                .map(Some)
                .map_err(|e| SerdeError(e.into_payload_error(std::any::type_name::<S::Value>()).at_argument(index)));
        }
        match self.expected {
            // A missing trailing argument reads as `null`: `None` for an `Option`, as Python
            // passes a parameter's default.
            Some(expected) if index < expected => {
                self.next += 1;
                seed.deserialize(PayloadDeserializer { payload: None }).map(Some).map_err(|_| {
                    SerdeError(PayloadError::MissingArgument {
                        index,
                        expected,
                        got: self.payloads.len(),
                        type_name: std::any::type_name::<S::Value>(),
                    })
                })
            }
            _ => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.expected.unwrap_or(self.payloads.len()).saturating_sub(self.next))
    }
}
