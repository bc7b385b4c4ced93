use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::{Deserialize, Serialize};

use super::encodings::{decode_custom, encode_custom};
use super::json::to_python_json;
use super::proto::BinaryPayload;
use super::top_level::{TopLevel, classify};
use super::{
    ENCODING_JSON, ENCODING_KEY, ENCODING_NULL, ENCODING_PROTO_BINARY, ENCODING_PROTO_JSON, ENCODING_RAW,
    MESSAGE_TYPE_KEY,
};
use crate::protos::temporal::api::common::v1::Payload;

/// Why a value could not be converted to or from a payload.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The value could not be serialized to JSON.
    #[error("cannot serialize value to JSON: {0}")]
    Serialize(#[source] serde_json::Error),
    /// A custom encoding could not write the value.
    #[error("cannot encode `{type_name}` as {encoding}: {message}")]
    Encode {
        /// The custom encoding.
        encoding: String,
        /// The Rust type.
        type_name: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The payload did not decode into the expected type.
    #[error("cannot decode {encoding} payload into `{type_name}`: {message}")]
    Decode {
        /// The payload's encoding.
        encoding: String,
        /// The Rust type asked for.
        type_name: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The payload's encoding is not one this converter knows.
    #[error(
        "unknown payload encoding {0:?} (known: binary/null, binary/plain, json/protobuf, binary/protobuf, json/plain)"
    )]
    UnknownEncoding(String),
    /// A value was expected at an index that the payload list does not have.
    #[error("no payload at index {index}")]
    Missing {
        /// The index asked for.
        index: usize,
    },
    /// Fewer payloads arrived than the handler has parameters, and the first one missing is
    /// not an `Option` (a missing trailing `Option` parameter is `None`, as in Python).
    #[error(
        "expected {}, got {got}: the argument at index {index} (`{type_name}`) is missing and is not an `Option`",
        arguments(*expected)
    )]
    MissingArgument {
        /// The index of the first missing argument.
        index: usize,
        /// The number of parameters of the handler.
        expected: usize,
        /// The number of payloads that arrived.
        got: usize,
        /// The Rust type of the missing argument.
        type_name: &'static str,
    },
    /// More payloads arrived than the handler has parameters.
    #[error("expected {}, got {got}", arguments(*expected))]
    TooManyArguments {
        /// The number of parameters of the handler.
        expected: usize,
        /// The number of payloads that arrived.
        got: usize,
    },
    /// One argument of several did not convert.
    #[error("argument at index {index}: {error}")]
    Argument {
        /// The argument's index in the list.
        index: usize,
        /// What went wrong with it.
        error: Box<PayloadError>,
    },
    /// A [`converter::Args`](super::Args) list, or something else than a tuple, a `Vec` or `()`
    /// inside one, was given where one value or an argument list was expected.
    #[error("{0}")]
    NotAnArgumentList(&'static str),
}

/// Bytes that travel as a `binary/plain` payload rather than as a JSON array.
///
/// ```
/// use temporal_sdk::converter::{RawBytes, decode, encode};
///
/// let p = encode(&RawBytes(vec![0xde, 0xad])).unwrap();
/// assert_eq!(p.metadata["encoding"], b"binary/plain");
/// assert_eq!(decode::<RawBytes>(&p).unwrap().0, vec![0xde, 0xad]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawBytes(pub Vec<u8>);

impl Serialize for RawBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for RawBytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes, a base64 string or an array of bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<RawBytes, E> {
                Ok(RawBytes(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<RawBytes, E> {
                Ok(RawBytes(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawBytes, A::Error> {
                // Python writes bytes nested in JSON as an array of integers.
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(RawBytes(out))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// "1 argument", "2 arguments".
fn arguments(n: usize) -> String {
    if n == 1 { "1 argument".to_string() } else { format!("{n} arguments") }
}

impl PayloadError {
    /// Names the argument this error is about, unless it already does.
    pub(crate) fn at_argument(self, index: usize) -> Self {
        match self {
            e @ (PayloadError::Argument { .. }
            | PayloadError::MissingArgument { .. }
            | PayloadError::TooManyArguments { .. }) => e,
            e => PayloadError::Argument { index, error: Box::new(e) },
        }
    }
}

/// A [`PayloadError`] where serde needs its own error type: the converter's serializers and
/// deserializers fail with it, and the public functions hand back the `PayloadError` inside.
#[derive(Debug)]
pub(crate) struct SerdeError(pub(crate) PayloadError);

impl SerdeError {
    /// The error inside, naming `type_name` as the type asked for if nothing closer named one.
    pub(crate) fn into_payload_error(self, type_name: &'static str) -> PayloadError {
        match self.0 {
            PayloadError::Decode { encoding, type_name: "", message } => {
                PayloadError::Decode { encoding, type_name, message }
            }
            other => other,
        }
    }
}

impl From<PayloadError> for SerdeError {
    fn from(e: PayloadError) -> Self {
        SerdeError(e)
    }
}

impl std::fmt::Display for SerdeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SerdeError {}

impl serde::de::Error for SerdeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerdeError(PayloadError::Decode { encoding: String::new(), type_name: "", message: msg.to_string() })
    }
}

impl serde::ser::Error for SerdeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerdeError(PayloadError::Serialize(<serde_json::Error as serde::ser::Error>::custom(msg)))
    }
}

fn metadata(encoding: &str) -> HashMap<String, Vec<u8>> {
    HashMap::from([(ENCODING_KEY.to_string(), encoding.as_bytes().to_vec())])
}

/// Encodes one value with the default payload converter.
///
/// ```
/// let p = temporal_sdk::converter::encode(&"Temporal").unwrap();
/// assert_eq!(p.metadata["encoding"], b"json/plain");
/// assert_eq!(p.data, br#""Temporal""#);
/// ```
///
/// An [`Args`](super::Args) list is several payloads, not one: it is an error here (use
/// [`encode_args`](super::encode_args)).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Payload, PayloadError> {
    encode_classified(value, classify(value))
}

/// [`encode`] once the probe has run (the argument-list path probes first, to find `Args`).
pub(crate) fn encode_classified<T: Serialize + ?Sized>(value: &T, top: TopLevel) -> Result<Payload, PayloadError> {
    Ok(match top {
        TopLevel::Null => Payload { metadata: metadata(ENCODING_NULL), data: Vec::new(), ..Default::default() },
        TopLevel::Bytes(data) => Payload { metadata: metadata(ENCODING_RAW), data, ..Default::default() },
        TopLevel::Args(_) => {
            return Err(PayloadError::NotAnArgumentList(
                "`converter::Args` is a list of arguments, one payload each, and cannot be one payload: pass it \
                 where an argument list goes (a by-name call, heartbeat details)",
            ));
        }
        TopLevel::Proto { encoding, message_type, data } => {
            let mut metadata = metadata(encoding);
            metadata.insert(MESSAGE_TYPE_KEY.to_string(), message_type.as_bytes().to_vec());
            Payload { metadata, data, ..Default::default() }
        }
        TopLevel::Other => match encode_custom(value) {
            Some(custom) => custom?,
            None => Payload {
                metadata: metadata(ENCODING_JSON),
                data: to_python_json(value).map_err(PayloadError::Serialize)?,
                ..Default::default()
            },
        },
    })
}

/// Decodes one payload with the default payload converter.
///
/// ```
/// use temporal_sdk::converter::{decode, encode};
/// let p = encode(&Some(42u32)).unwrap();
/// assert_eq!(decode::<Option<u32>>(&p).unwrap(), Some(42));
/// let none = encode(&Option::<u32>::None).unwrap();
/// assert_eq!(none.metadata["encoding"], b"binary/null");
/// assert_eq!(decode::<Option<u32>>(&none).unwrap(), None);
/// ```
pub fn decode<T: DeserializeOwned>(payload: &Payload) -> Result<T, PayloadError> {
    // A custom encoding reads the value straight from its format (inside argument lists it goes
    // through a JSON value: see `de`).
    if let Some(custom) = decode_custom(&encoding_of(payload), payload) {
        return custom;
    }
    decode_seed(payload, PhantomData::<T>)
}

/// [`decode`] for any seed: the one place that reads a payload, shared by single values and by
/// each element of an argument list.
pub(crate) fn decode_seed<'a, S: DeserializeSeed<'a>>(payload: &'a Payload, seed: S) -> Result<S::Value, PayloadError> {
    let encoding = encoding_of(payload);
    let err = |message: String| PayloadError::Decode {
        encoding: encoding.to_string(),
        type_name: std::any::type_name::<S::Value>(),
        message,
    };
    // A custom encoding's value reaches a seed of any lifetime through a JSON value (`decode`
    // reads a whole value straight from the format).
    if let Some(value) = decode_custom::<serde_json::Value>(&encoding, payload) {
        return seed.deserialize(value?).map_err(|e| err(e.to_string()));
    }
    match encoding.as_ref() {
        // Proto3 JSON is JSON: it reads into `Proto<M>`, or into any serde type of its shape.
        ENCODING_JSON | ENCODING_PROTO_JSON => from_json(&payload.data, seed).map_err(|e| err(e.to_string())),
        ENCODING_NULL => {
            if !payload.data.is_empty() {
                return Err(err("binary/null payload carries data".into()));
            }
            from_json(b"null", seed).map_err(|e| err(e.to_string()))
        }
        ENCODING_RAW => seed.deserialize(RawDeserializer(&payload.data)).map_err(|e| err(e.to_string())),
        ENCODING_PROTO_BINARY => {
            let message_type = payload.metadata.get(MESSAGE_TYPE_KEY).map(|t| String::from_utf8_lossy(t));
            let message_type = message_type.as_deref().unwrap_or_default();
            seed.deserialize(BinaryPayload { message_type, data: &payload.data }).map_err(|e| err(e.to_string()))
        }
        other => Err(PayloadError::UnknownEncoding(other.to_string())),
    }
}

/// `serde_json::from_slice` for a seed.
pub(crate) fn from_json<'a, S: DeserializeSeed<'a>>(data: &'a [u8], seed: S) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Reads a `binary/plain` payload as bytes, also into an `Option` or a newtype struct around
/// them: Python writes an `Optional[bytes]` holding bytes as `binary/plain`, and `encode` looks
/// through `Some` and newtype structs the same way.
pub(crate) struct RawDeserializer<'a>(pub(crate) &'a [u8]);

impl<'de> serde::Deserializer<'de> for RawDeserializer<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_bytes(self.0)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The payload's `encoding` metadata (empty when it has none).
pub(crate) fn encoding_of(payload: &Payload) -> Cow<'_, str> {
    payload.metadata.get(ENCODING_KEY).map(|e| String::from_utf8_lossy(e)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_encodings() {
        let p = encode(&()).unwrap();
        assert_eq!(p.metadata[ENCODING_KEY], b"binary/null");
        assert!(p.data.is_empty());
        let p = encode(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(p.data, br#"{"a":1}"#);
        assert_eq!(encode(&1234).unwrap().data, b"1234");
        assert_eq!(encode(&true).unwrap().data, b"true");
    }

    #[test]
    fn optional_and_wrapped_bytes_are_binary_plain_as_python_writes_them() {
        // Python's `Optional[bytes]` holding bytes arrives as a binary/plain payload.
        let from_python = Payload { metadata: metadata(ENCODING_RAW), data: vec![0xde, 0xad], ..Default::default() };
        assert_eq!(decode::<Option<RawBytes>>(&from_python).unwrap(), Some(RawBytes(vec![0xde, 0xad])));
        let p = encode(&Some(RawBytes(vec![1, 2]))).unwrap();
        assert_eq!(p.metadata[ENCODING_KEY], b"binary/plain");
        assert_eq!(p.data, [1, 2]);
        let none = encode(&Option::<RawBytes>::None).unwrap();
        assert_eq!(none.metadata[ENCODING_KEY], b"binary/null");
        assert_eq!(decode::<Option<RawBytes>>(&none).unwrap(), None);

        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Blob(RawBytes);
        let p = encode(&Blob(RawBytes(vec![3]))).unwrap();
        assert_eq!(p.metadata[ENCODING_KEY], b"binary/plain");
        assert_eq!(decode::<Blob>(&p).unwrap(), Blob(RawBytes(vec![3])));
        // What earlier versions wrote for `Some(RawBytes(..))` still reads.
        let json_array = encode(&serde_json::json!([1, 2])).unwrap();
        assert_eq!(decode::<Option<RawBytes>>(&json_array).unwrap(), Some(RawBytes(vec![1, 2])));
        // Other values behind `Some` stay JSON.
        assert_eq!(encode(&Some("x")).unwrap().data, br#""x""#);
    }

    #[test]
    fn decode_errors_name_type_and_encoding() {
        let p = encode(&"text").unwrap();
        let e = decode::<u32>(&p).unwrap_err().to_string();
        assert!(e.contains("json/plain") && e.contains("u32"), "{e}");
        let mut p = p;
        p.metadata.insert(ENCODING_KEY.into(), b"my-encoding".to_vec());
        assert!(matches!(decode::<String>(&p), Err(PayloadError::UnknownEncoding(_))));
    }
}
