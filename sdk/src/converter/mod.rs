//! Converting values to and from Temporal payloads, byte-compatible with the other SDKs.
//!
//! The default converter picks the encoding the way the Python and Go SDKs do:
//! `()` and `None` become `binary/null`, byte buffers that serialize as bytes (such as
//! [`RawBytes`], also inside `Some` or a newtype struct) become `binary/plain`, and every other
//! serde value becomes compact `json/plain`. A Python client can therefore read a Rust
//! workflow's result, and the other way round.

mod codec;
#[cfg(feature = "codec-server")]
pub mod codec_server;
mod data_converter;
pub(crate) mod encodings;
pub(crate) mod failure_converter;
mod json;
mod payload;
mod proto;
mod raw_value;
mod roles;
mod top_level;
pub(crate) mod visit;

pub use codec::{CodecError, PayloadCodec};
pub use data_converter::DataConverter;
pub use encodings::{DeserializeWith, EncodingConverter, EncodingError};
pub use failure_converter::FailureConverter;
pub use payload::{PayloadError, RawBytes, decode, decode_args, encode, encode_args};
pub use proto::{Proto, ProtoBinary};
pub use raw_value::RawValue;
pub use roles::{ActivityInput, ActivityOutput, QueryInput, QueryOutput, SignalInput, UpdateInput, UpdateOutput};

/// Metadata key naming a payload's encoding.
pub const ENCODING_KEY: &str = "encoding";
/// `binary/null`: no value (`()`/`None`).
pub const ENCODING_NULL: &str = "binary/null";
/// `binary/plain`: raw bytes.
pub const ENCODING_RAW: &str = "binary/plain";
/// `json/plain`: UTF-8 JSON.
pub const ENCODING_JSON: &str = "json/plain";
/// `json/protobuf`: a protobuf message in proto3 JSON ([`Proto`]).
pub const ENCODING_PROTO_JSON: &str = "json/protobuf";
/// `binary/protobuf`: a protobuf message in its binary form ([`ProtoBinary`]).
pub const ENCODING_PROTO_BINARY: &str = "binary/protobuf";
/// Metadata key naming a protobuf payload's full message name.
pub const MESSAGE_TYPE_KEY: &str = "messageType";
