//! Payload codecs that other SDKs' estates already use, written against the SDK's
//! [`PayloadCodec`](temporal_sdk::converter::PayloadCodec) trait:
//!
//! - [`EncryptionCodec`]: AES-256-GCM, byte-compatible with the encryption codec of the Temporal
//!   Python, Go and TypeScript samples.
//! - [`ZlibCodec`]: zlib compression, the format of the Go SDK's `ZlibCodec`.

mod encryption;
mod zlib;

pub use encryption::EncryptionCodec;
pub use zlib::ZlibCodec;

use temporal_sdk::protos::temporal::api::common::v1::Payload;

/// The `encoding` metadata of a payload, if it names one.
fn encoding(payload: &Payload) -> Option<&[u8]> {
    payload.metadata.get("encoding").map(Vec::as_slice)
}
