//! Converting values to and from Temporal payloads, byte-compatible with the other SDKs.
//!
//! The default converter picks the encoding the way the Python and Go SDKs do:
//! `()` and `None` become `binary/null`, byte buffers that serialize as bytes (such as
//! [`RawBytes`], also inside `Some` or a newtype struct) become `binary/plain`, prost messages
//! wrapped in [`Proto`] or [`ProtoBinary`] become `json/protobuf` or `binary/protobuf`, and every
//! other serde value becomes `json/plain` in exactly the bytes Python writes (keys sorted,
//! non-ASCII escaped, floats in Python's form). A Python client can therefore read a Rust
//! workflow's result, and the other way round. A [`DataConverter`] adds custom encodings, codecs
//! and the failure converter.
//!
//! # Arguments: one payload each
//!
//! A call carries a list of payloads, one per argument, as Python's `*args`. A workflow,
//! activity or handler with parameters `(a: A, b: B)` receives two payloads and its typed
//! marker's `Input` is the tuple `(A, B)`: callers write
//! `client.start_workflow(Order::run, (a, b), options)`, and a wrong type or count is a compile
//! error. One parameter is one payload and no parameter none (`Input = ()`).
//!
//! **Two parameters are two payloads (Python `*args`); one tuple parameter is one payload
//! holding an array.** `fn run(&self, name: String, age: u32)` takes `Input = (String, u32)`
//! sent as `"Ada"` and `36`, which a Python caller passes as `args=["Ada", 36]`;
//! `fn run(&self, person: (String, u32))` takes the same `Input` sent as one payload
//! `["Ada",36]`, which a Python caller passes as one list argument. Choose by what the other
//! side sends; [`ArgShape`] is how the markers and traits record which one a function is.
//!
//! Arriving lists are read as Python reads them: a missing trailing argument whose type is an
//! `Option` is `None`, any other missing argument is an error naming its index, and more
//! payloads than parameters is an error naming both counts ("expected 2 arguments, got 3").
//!
//! Calls by name (for workflows, activities and handlers in other languages) and heartbeat
//! details take one serializable value, sent as one payload; [`Args`] sends several:
//! `handle.signal_by_name("rename", &Args(("Ada", "Lovelace")))`. Dynamic handlers receive one
//! [`RawValue`] per payload.

mod args;
mod codec;
#[cfg(feature = "codec-server")]
pub mod codec_server;
mod data_converter;
mod de;
pub(crate) mod encodings;
pub(crate) mod failure_converter;
pub(crate) mod json;
mod payload;
mod proto;
mod raw_value;
mod roles;
mod top_level;
pub(crate) mod visit;

pub use args::{ArgShape, Args, decode_args, encode_args};
pub use codec::{CodecError, PayloadCodec};
pub use data_converter::DataConverter;
pub use encodings::{DeserializeWith, EncodingConverter, EncodingError};
pub use failure_converter::FailureConverter;
pub use payload::{PayloadError, RawBytes, decode, encode};
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

#[cfg(test)]
mod tests;
