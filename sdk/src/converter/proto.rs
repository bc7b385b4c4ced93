//! Protobuf messages as payloads, as the Python and Go SDKs write them: `json/protobuf` (proto3
//! JSON, the default for messages) or `binary/protobuf`, with the message's full name in the
//! `messageType` metadata.
//!
//! A prost message becomes a payload type by wrapping it: [`Proto<M>`] writes `json/protobuf`,
//! [`ProtoBinary<M>`] writes `binary/protobuf`; both read either encoding they can. Everything
//! that takes a payload type (workflow, activity and handler arguments and results) takes them.
//!
//! The wrappers reach the converter through serde, by a private newtype name that carries the
//! message type (serde_json's `RawValue` works the same way), so that the typed API's serde
//! bounds hold for messages too. Inside another serde value a `Proto<M>` serializes as its proto3
//! JSON and a `ProtoBinary<M>` as its bytes.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use serde::de::{DeserializeOwned, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The newtype names that mark a message for the converter: prefix + full message name.
pub(crate) const JSON_TOKEN: &str = "$temporal_sdk::proto::json::";
pub(crate) const BINARY_TOKEN: &str = "$temporal_sdk::proto::binary::";
/// The name a wrapper asks the deserializer for, so a `binary/protobuf` payload can hand over
/// its message type and bytes.
pub(crate) const DECODE_TOKEN: &str = "$temporal_sdk::proto";

/// `prefix` + `M`'s full name, as the `'static` name serde wants; made once per message type.
fn token<M: prost::Name + 'static>(prefix: &'static str) -> &'static str {
    static TOKENS: OnceLock<Mutex<HashMap<(TypeId, &'static str), &'static str>>> = OnceLock::new();
    let mut tokens = TOKENS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    tokens
        .entry((TypeId::of::<M>(), prefix))
        .or_insert_with(|| Box::leak(format!("{prefix}{}", M::full_name()).into_boxed_str()))
}

/// A protobuf message written as `json/protobuf` (proto3 JSON, keys sorted as Python writes
/// them) and read from `json/protobuf` or `binary/protobuf`. `M`'s serde impls must be its
/// proto3 JSON mapping, as `pbjson-build` generates them.
///
/// ```
/// use temporal_sdk::converter::{Proto, decode, encode};
///
/// # #[derive(Clone, PartialEq, prost::Message, serde::Serialize, serde::Deserialize)]
/// # #[serde(rename_all = "camelCase")]
/// # struct Greeting { #[prost(string, tag = "1")] #[serde(default)] salutation_text: String }
/// # impl prost::Name for Greeting { const NAME: &'static str = "Greeting"; const PACKAGE: &'static str = "example.v1"; }
/// let payload = encode(&Proto(Greeting { salutation_text: "Aloha".into() })).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"json/protobuf");
/// assert_eq!(payload.metadata["messageType"], b"example.v1.Greeting");
/// assert_eq!(payload.data, br#"{"salutationText":"Aloha"}"#);
/// let Proto(back) = decode::<Proto<Greeting>>(&payload).unwrap();
/// assert_eq!(back.salutation_text, "Aloha");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proto<M>(pub M);

/// A protobuf message written as `binary/protobuf` and read from `binary/protobuf`; for messages
/// without proto3 JSON serde impls (plain `prost-build` output).
///
/// ```
/// use temporal_sdk::converter::{ProtoBinary, decode, encode};
/// use temporal_sdk::protos::temporal::api::common::v1::WorkflowExecution;
///
/// let execution = WorkflowExecution { workflow_id: "id1".into(), run_id: "id2".into() };
/// let payload = encode(&ProtoBinary(execution.clone())).unwrap();
/// assert_eq!(payload.metadata["encoding"], b"binary/protobuf");
/// assert_eq!(payload.metadata["messageType"], b"temporal.api.common.v1.WorkflowExecution");
/// assert_eq!(decode::<ProtoBinary<WorkflowExecution>>(&payload).unwrap().0, execution);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtoBinary<M>(pub M);

impl<M: prost::Name + Serialize + 'static> Serialize for Proto<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(token::<M>(JSON_TOKEN), &self.0)
    }
}

impl<M: prost::Message + prost::Name + 'static> Serialize for ProtoBinary<M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Bytes(Vec<u8>);
        impl Serialize for Bytes {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.0)
            }
        }
        serializer.serialize_newtype_struct(token::<M>(BINARY_TOKEN), &Bytes(self.0.encode_to_vec()))
    }
}

impl<'de, M: prost::Message + prost::Name + Default + DeserializeOwned> Deserialize<'de> for Proto<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(DECODE_TOKEN, MessageVisitor::<M>(PhantomData)).map(Proto)
    }
}

impl<'de, M: prost::Message + prost::Name + Default> Deserialize<'de> for ProtoBinary<M> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(DECODE_TOKEN, BinaryVisitor::<M>(PhantomData)).map(ProtoBinary)
    }
}

/// Reads the `(message type, bytes)` pair a `binary/protobuf` payload hands over.
fn decode_binary<'de, M: prost::Message + prost::Name + Default, A: SeqAccess<'de>>(mut seq: A) -> Result<M, A::Error> {
    use serde::de::Error;
    let message_type: String = seq.next_element()?.unwrap_or_default();
    let bytes: super::RawBytes = seq.next_element()?.unwrap_or_default();
    let expected = M::full_name();
    if !message_type.is_empty() && message_type != expected {
        return Err(A::Error::custom(format!("the payload holds a {message_type}, not a {expected}")));
    }
    M::decode(bytes.0.as_slice()).map_err(|e| A::Error::custom(format!("invalid {expected}: {e}")))
}

/// Both encodings, for messages with proto3 JSON serde impls.
struct MessageVisitor<M>(PhantomData<M>);

impl<'de, M: prost::Message + prost::Name + Default + DeserializeOwned> Visitor<'de> for MessageVisitor<M> {
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} protobuf message", M::full_name())
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<M, D::Error> {
        M::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<M, A::Error> {
        decode_binary(seq)
    }
}

/// `binary/protobuf` only, for messages without serde impls.
struct BinaryVisitor<M>(PhantomData<M>);

impl<'de, M: prost::Message + prost::Name + Default> Visitor<'de> for BinaryVisitor<M> {
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a binary/protobuf payload of {} (a json/protobuf one needs `Proto<M>`)", M::full_name())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<M, A::Error> {
        decode_binary(seq)
    }
}

/// The deserializer of a `binary/protobuf` payload: only the message wrappers can read it.
pub(crate) struct BinaryPayload<'a> {
    pub(crate) message_type: &'a str,
    pub(crate) data: &'a [u8],
}

impl<'de> Deserializer<'de> for BinaryPayload<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name != DECODE_TOKEN {
            return self.deserialize_any(visitor);
        }
        use serde::de::value::SeqDeserializer;
        let parts = [Part::Str(self.message_type), Part::Bytes(self.data)];
        visitor.visit_seq(SeqDeserializer::new(parts.into_iter()))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        use serde::de::Error;
        Err(Self::Error::custom(format!(
            "a binary/protobuf payload ({}) decodes only into `Proto<M>` or `ProtoBinary<M>`",
            self.message_type
        )))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// One element of the `(message type, bytes)` pair.
enum Part<'a> {
    Str(&'a str),
    Bytes(&'a [u8]),
}

impl<'de, 'a> serde::de::IntoDeserializer<'de, serde::de::value::Error> for Part<'a> {
    type Deserializer = PartDeserializer<'a>;
    fn into_deserializer(self) -> PartDeserializer<'a> {
        PartDeserializer(self)
    }
}

pub(crate) struct PartDeserializer<'a>(Part<'a>);

impl<'de> Deserializer<'de> for PartDeserializer<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Part::Str(s) => visitor.visit_str(s),
            Part::Bytes(b) => visitor.visit_bytes(b),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::converter::{RawValue, decode, encode};
    use crate::protos::temporal::api::common::v1::WorkflowExecution;

    /// `temporal.api.common.v1.WorkflowExecution` with proto3 JSON serde impls, as pbjson-build
    /// would generate them (the SDK's own copy of the type has none).
    #[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Execution {
        #[prost(string, tag = "1")]
        workflow_id: String,
        #[prost(string, tag = "2")]
        run_id: String,
    }

    impl prost::Name for Execution {
        const NAME: &'static str = "WorkflowExecution";
        const PACKAGE: &'static str = "temporal.api.common.v1";
    }

    #[test]
    fn json_protobuf_bytes_are_pythons() {
        let payload = encode(&Proto(Execution { workflow_id: "id1".into(), run_id: "id2".into() })).unwrap();
        // Python's converter test writes exactly this for WorkflowExecution("id1", "id2").
        assert_eq!(payload.data, br#"{"runId":"id2","workflowId":"id1"}"#);
        assert_eq!(payload.metadata["messageType"], b"temporal.api.common.v1.WorkflowExecution");
        // Read back as the message, or as any serde type of its shape.
        assert_eq!(decode::<Proto<Execution>>(&payload).unwrap().0.run_id, "id2");
        assert_eq!(decode::<serde_json::Value>(&payload).unwrap()["workflowId"], "id1");
        assert!(RawValue::from_payload(payload).decode::<Proto<Execution>>().is_ok());
    }

    #[test]
    fn binary_protobuf_reads_into_either_wrapper_of_the_right_type() {
        let sdk_type = WorkflowExecution { workflow_id: "w".into(), run_id: "r".into() };
        let payload = encode(&ProtoBinary(sdk_type.clone())).unwrap();
        assert_eq!(payload.data, prost::Message::encode_to_vec(&sdk_type));
        assert_eq!(decode::<Proto<Execution>>(&payload).unwrap().0.workflow_id, "w");
        assert_eq!(decode::<ProtoBinary<WorkflowExecution>>(&payload).unwrap().0, sdk_type);

        let not_a_message = decode::<String>(&payload).unwrap_err().to_string();
        assert!(not_a_message.contains("decodes only into `Proto<M>`"), "{not_a_message}");
        let mut other = payload.clone();
        other.metadata.insert("messageType".into(), b"temporal.api.common.v1.Payload".to_vec());
        let wrong = decode::<ProtoBinary<WorkflowExecution>>(&other).unwrap_err().to_string();
        assert!(
            wrong.contains("holds a temporal.api.common.v1.Payload, not a temporal.api.common.v1.WorkflowExecution"),
            "{wrong}"
        );
        let json = encode(&Proto(Execution::default())).unwrap();
        let needs_json = decode::<ProtoBinary<WorkflowExecution>>(&json).unwrap_err().to_string();
        assert!(needs_json.contains("needs `Proto<M>`"), "{needs_json}");
    }

    #[test]
    fn nested_in_serde_values_messages_are_their_json_or_bytes() {
        #[derive(Serialize)]
        struct Envelope {
            execution: Proto<Execution>,
        }
        let envelope = Envelope { execution: Proto(Execution { workflow_id: "a".into(), run_id: String::new() }) };
        assert_eq!(encode(&envelope).unwrap().data, br#"{"execution":{"runId":"","workflowId":"a"}}"#);
    }
}
