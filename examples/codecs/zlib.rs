//! zlib compression of whole payloads, in the Go SDK's `ZlibCodec` format: encoding
//! `binary/zlib`, data the zlib stream of the original payload's protobuf encoding.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use futures::future::BoxFuture;
use prost::Message;
use temporal_sdk::converter::{CodecError, PayloadCodec};
use temporal_sdk::protos::temporal::api::common::v1::Payload;

const ENCODING: &[u8] = b"binary/zlib";

/// Compresses payloads that get smaller by it (all of them with [`ZlibCodec::always`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use examples::codecs::ZlibCodec;
/// use temporal_sdk::converter::{DataConverter, decode, encode};
///
/// let converter = DataConverter::default().with_codec(ZlibCodec::default());
/// let text = "abc".repeat(1000);
/// let compressed = converter.encode(vec![encode(&text).unwrap(), encode(&1).unwrap()]).await.unwrap();
/// assert_eq!(compressed[0].metadata["encoding"], b"binary/zlib");
/// assert!(compressed[0].data.len() < 100);
/// assert_eq!(compressed[1].metadata["encoding"], b"json/plain"); // would not shrink
/// let back = converter.decode(compressed).await.unwrap();
/// assert_eq!(decode::<String>(&back[0]).unwrap(), text);
/// # }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct ZlibCodec {
    always: bool,
}

impl ZlibCodec {
    /// Compresses every payload, even those that grow.
    pub fn always() -> Self {
        Self { always: true }
    }

    fn compress(&self, payload: Payload) -> Result<Payload, CodecError> {
        let original = payload.encode_to_vec();
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(&original).map_err(CodecError::from_source)?;
        let data = encoder.finish().map_err(CodecError::from_source)?;
        if !self.always && data.len() >= original.len() {
            return Ok(payload);
        }
        let metadata = [("encoding".to_string(), ENCODING.to_vec())].into();
        Ok(Payload { metadata, data, ..Default::default() })
    }

    fn decompress(payload: Payload) -> Result<Payload, CodecError> {
        if super::encoding(&payload) != Some(ENCODING) {
            return Ok(payload);
        }
        let mut original = Vec::new();
        ZlibDecoder::new(payload.data.as_slice()).read_to_end(&mut original).map_err(CodecError::from_source)?;
        Payload::decode(original.as_slice()).map_err(CodecError::from_source)
    }
}

impl PayloadCodec for ZlibCodec {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move { payloads.into_iter().map(|p| self.compress(p)).collect() })
    }

    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move { payloads.into_iter().map(Self::decompress).collect() })
    }
}
