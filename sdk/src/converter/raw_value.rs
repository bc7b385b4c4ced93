use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::payload::{PayloadError, decode, encode};
use super::{ENCODING_JSON, ENCODING_KEY, ENCODING_NULL, ENCODING_PROTO_JSON, ENCODING_RAW};
use crate::protos::temporal::api::common::v1::Payload;

/// A value whose type is not known yet: one payload as it came over the wire, decoded when the
/// code that receives it knows what to ask for.
///
/// Dynamic handlers and dynamic workflows receive their arguments as `Vec<RawValue>`, one per
/// payload the sender passed:
///
/// ```
/// use temporal_sdk::converter::RawValue;
///
/// let args = vec![RawValue::new(&"Aloha").unwrap(), RawValue::new(&3u32).unwrap()];
/// let salutation: String = args[0].decode().unwrap();
/// let times: u32 = args[1].decode().unwrap();
/// assert_eq!((salutation.as_str(), times), ("Aloha", 3));
/// assert!(args[0].decode::<u32>().is_err());
/// ```
///
/// A `RawValue` can also sit inside a serde type (a field whose shape varies): it then
/// serializes as the value it holds and captures whatever value it is deserialized from.
#[derive(Clone, PartialEq, Default)]
pub struct RawValue {
    payload: Payload,
}

impl RawValue {
    /// Encodes `value` with the default payload converter.
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<Self, PayloadError> {
        Ok(Self { payload: encode(value)? })
    }

    /// Wraps a payload as received.
    pub fn from_payload(payload: Payload) -> Self {
        Self { payload }
    }

    /// Decodes the value as `T`; the error names the payload's encoding and `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        decode(&self.payload)
    }

    /// The payload's encoding (`json/plain`, `binary/null` ...), if it names one.
    pub fn encoding(&self) -> Option<&str> {
        self.payload.metadata.get(ENCODING_KEY).and_then(|e| std::str::from_utf8(e).ok())
    }

    /// The payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The payload, by value.
    pub fn into_payload(self) -> Payload {
        self.payload
    }

    /// One `RawValue` per payload of an argument list.
    pub(crate) fn from_payloads(payloads: &[Payload]) -> Vec<RawValue> {
        payloads.iter().cloned().map(RawValue::from_payload).collect()
    }
}

impl fmt::Debug for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encoding = self.encoding().unwrap_or("?");
        match encoding {
            ENCODING_JSON => write!(f, "RawValue({encoding}: {})", String::from_utf8_lossy(&self.payload.data)),
            _ => write!(f, "RawValue({encoding}: {} bytes)", self.payload.data.len()),
        }
    }
}

impl Serialize for RawValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Each known encoding serializes to what the default converter turns back into the
        // same encoding, so `encode(&raw)` gives the payload back.
        match self.encoding().unwrap_or_default() {
            ENCODING_NULL => serializer.serialize_unit(),
            ENCODING_RAW => serializer.serialize_bytes(&self.payload.data),
            // A `json/protobuf` payload comes back as its JSON (`json/plain`): the message type
            // is not carried through serde.
            ENCODING_JSON | ENCODING_PROTO_JSON => serde_json::from_slice::<serde_json::Value>(&self.payload.data)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            other => Err(serde::ser::Error::custom(format!(
                "cannot re-serialize a payload with encoding {other:?} (known: binary/null, binary/plain, json/plain, json/protobuf)"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawValueVisitor)
    }
}

/// Captures any value: bytes as a `binary/plain` payload, everything else through
/// `serde_json::Value` as `json/plain` (or `binary/null`).
struct RawValueVisitor;

impl RawValueVisitor {
    fn json<E: serde::de::Error>(value: serde_json::Value) -> Result<RawValue, E> {
        RawValue::new(&value).map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for RawValueVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawValue, E> {
        Self::json(v.into())
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawValue, E> {
        Self::json(v.into())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawValue, E> {
        Self::json(v.into())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawValue, E> {
        Self::json(v.into())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawValue, E> {
        Self::json(v.into())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<RawValue, E> {
        Self::json(serde_json::Value::Null)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<RawValue, E> {
        Self::json(serde_json::Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        Self::json(serde_json::Value::deserialize(d)?)
    }
    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<RawValue, E> {
        RawValue::new(&super::RawBytes(v.to_vec())).map_err(E::custom)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<RawValue, A::Error> {
        Self::json(serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawValue, A::Error> {
        Self::json(serde_json::Value::deserialize(MapAccessDeserializer::new(map))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converter::{RawBytes, decode_args, encode_args};

    #[test]
    fn keeps_and_decodes_payloads() {
        let raw = RawValue::new(&vec![1, 2]).unwrap();
        assert_eq!(raw.encoding(), Some("json/plain"));
        assert_eq!(raw.decode::<Vec<u8>>().unwrap(), vec![1, 2]);
        assert!(raw.decode::<String>().unwrap_err().to_string().contains("String"));
        assert_eq!(format!("{raw:?}"), "RawValue(json/plain: [1,2])");
    }

    #[test]
    fn serializes_back_to_the_same_payload() {
        for raw in
            [RawValue::new(&"x").unwrap(), RawValue::new(&()).unwrap(), RawValue::new(&RawBytes(vec![7])).unwrap()]
        {
            assert_eq!(encode(&raw).unwrap(), *raw.payload(), "{raw:?}");
        }
    }

    #[test]
    fn captures_nested_values() {
        #[derive(serde::Deserialize)]
        struct Event {
            kind: String,
            data: RawValue,
        }
        let payload = encode(&serde_json::json!({"kind": "moved", "data": {"x": 1}})).unwrap();
        let event: Event = decode(&payload).unwrap();
        assert_eq!(event.kind, "moved");
        assert_eq!(event.data.decode::<serde_json::Value>().unwrap(), serde_json::json!({"x": 1}));
        let args = encode_args(&(1, "a")).unwrap();
        let raw: RawValue = decode_args(&args).unwrap();
        assert_eq!(raw.decode::<(u8, String)>().unwrap(), (1, "a".to_string()));
    }
}
