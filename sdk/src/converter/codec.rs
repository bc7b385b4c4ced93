//! Payload codecs: byte-level transformations (encryption, compression) applied to every user
//! payload after the payload converter made it and before it leaves the process, and undone on
//! the way in.

use std::fmt;

use futures::future::BoxFuture;

use crate::protos::temporal::api::common::v1::Payload;

/// Why a codec could not encode or decode a batch of payloads.
///
/// ```
/// use temporal_sdk::converter::CodecError;
///
/// let error = CodecError::new("unknown key id \"old-key\"");
/// assert_eq!(error.to_string(), "payload codec failed: unknown key id \"old-key\"");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("payload codec failed: {source}")]
pub struct CodecError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl CodecError {
    /// A codec error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { source: message.into().into() }
    }

    /// A codec error caused by another error (a cipher's, a decompressor's).
    pub fn from_source(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self { source: source.into() }
    }
}

/// Encodes and decodes batches of payloads, as Python's `PayloadCodec`: an encryption or
/// compression step that every SDK of an estate applies the same way.
///
/// A codec returns as many payloads as it was given, in the same order. `decode` must pass
/// through a payload that it did not encode (check the `encoding` metadata), since a history
/// can hold payloads written before the codec was introduced, and the SDK's own markers.
///
/// ```
/// use futures::future::BoxFuture;
/// use temporal_sdk::converter::{CodecError, PayloadCodec};
/// use temporal_sdk::protos::temporal::api::common::v1::Payload;
///
/// /// Reverses the bytes: a stand-in for a real cipher.
/// #[derive(Debug)]
/// struct Reverse;
///
/// impl PayloadCodec for Reverse {
///     fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
///         Box::pin(async move {
///             Ok(payloads.into_iter().map(|p| {
///                 let inner = prost::Message::encode_to_vec(&p);
///                 let metadata = [("encoding".to_string(), b"binary/reversed".to_vec())].into();
///                 Payload { metadata, data: inner.into_iter().rev().collect(), ..Default::default() }
///             }).collect())
///         })
///     }
///     fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
///         Box::pin(async move {
///             payloads.into_iter().map(|p| {
///                 if p.metadata.get("encoding").map(Vec::as_slice) != Some(b"binary/reversed") {
///                     return Ok(p); // not ours
///                 }
///                 let inner: Vec<u8> = p.data.into_iter().rev().collect();
///                 <Payload as prost::Message>::decode(inner.as_slice()).map_err(CodecError::from_source)
///             }).collect()
///         })
///     }
/// }
/// ```
pub trait PayloadCodec: fmt::Debug + Send + Sync + 'static {
    /// Encodes payloads on their way out (to the server, or to a codec server's caller).
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
    /// Decodes payloads on their way in.
    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>>;
}
