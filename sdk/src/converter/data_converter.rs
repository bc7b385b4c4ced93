//! The data converter: what a client, its workers and the replayer do to payloads and failures
//! at the process boundary.

use std::fmt;
use std::sync::Arc;

use super::codec::{CodecError, PayloadCodec};
use super::encodings::{EncodingConverter, Encodings};
use super::failure_converter::FailureConverter;
use super::visit::{PayloadVisitor, PutPayloads, TakePayloads, Visit};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::failure::v1::Failure;

/// Custom encodings, payload codecs and the failure converter, as Python's `DataConverter`, set
/// once on the client ([`ClientOptions::data_converter`](crate::ClientOptions::data_converter)) and used
/// by everything built from it: its calls, its workers, async activity handles, testing
/// environments; the replayer takes one too.
///
/// Values become payloads through the payload converter chain (`binary/null`, `binary/plain`,
/// `json/protobuf`, `binary/protobuf`, then the custom encodings added with
/// [`with_encoding`](Self::with_encoding), then `json/plain`) in client, workflow and activity code
/// (memo values and search attributes use the built-in chain); the codecs then transform every user payload
/// on its way to the server, in the order they were added, and undo it in reverse order on the
/// way back. Search attributes and headers are never encoded.
///
/// ```
/// use temporal_sdk::converter::{DataConverter, FailureConverter};
/// # use futures::future::BoxFuture;
/// # use temporal_sdk::converter::{CodecError, PayloadCodec};
/// # use temporal_sdk::protos::temporal::api::common::v1::Payload;
/// # #[derive(Debug)] struct Compress;
/// # impl PayloadCodec for Compress {
/// #     fn encode(&self, p: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> { Box::pin(async { Ok(p) }) }
/// #     fn decode(&self, p: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> { Box::pin(async { Ok(p) }) }
/// # }
/// # #[derive(Debug)] struct Encrypt;
/// # impl PayloadCodec for Encrypt {
/// #     fn encode(&self, p: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> { Box::pin(async { Ok(p) }) }
/// #     fn decode(&self, p: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> { Box::pin(async { Ok(p) }) }
/// # }
///
/// // Compress first, then encrypt the compressed bytes.
/// let converter = DataConverter::default()
///     .with_codec(Compress)
///     .with_codec(Encrypt)
///     .with_failure_converter(FailureConverter::default().encode_common_attributes(true));
/// # let _ = converter;
/// ```
#[derive(Clone, Default)]
pub struct DataConverter {
    encodings: Encodings,
    codecs: Vec<Arc<dyn PayloadCodec>>,
    failure: FailureConverter,
}

impl fmt::Debug for DataConverter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataConverter")
            .field("encodings", &self.encodings.0)
            .field("codecs", &self.codecs)
            .field("failure", &self.failure)
            .finish()
    }
}

impl DataConverter {
    /// Adds a custom encoding to the payload converter chain, tried after those added before
    /// and before `json/plain` (see [`EncodingConverter`]).
    pub fn with_encoding(mut self, encoding: impl EncodingConverter) -> Self {
        let mut all = self.encodings.0.to_vec();
        all.push(Arc::new(encoding));
        self.encodings = Encodings(all.into());
        self
    }

    /// The custom encodings, for making them the ones in effect.
    pub(crate) fn encodings(&self) -> &Encodings {
        &self.encodings
    }

    /// Adds a codec after those added before: it encodes what they encoded, and decodes first.
    pub fn with_codec(mut self, codec: impl PayloadCodec) -> Self {
        self.codecs.push(Arc::new(codec));
        self
    }

    /// Adds a codec shared with other converters (or a codec server).
    pub fn with_shared_codec(mut self, codec: Arc<dyn PayloadCodec>) -> Self {
        self.codecs.push(codec);
        self
    }

    /// Replaces the failure converter.
    pub fn with_failure_converter(mut self, failure: FailureConverter) -> Self {
        self.failure = failure;
        self
    }

    /// The failure converter.
    pub fn failure_converter(&self) -> &FailureConverter {
        &self.failure
    }

    /// The codecs, in encoding order.
    pub fn codecs(&self) -> &[Arc<dyn PayloadCodec>] {
        &self.codecs
    }

    /// Runs the codecs over payloads on their way out.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use temporal_sdk::converter::{DataConverter, encode};
    ///
    /// let payloads = vec![encode("text").unwrap()];
    /// let same = DataConverter::default().encode(payloads.clone()).await.unwrap();
    /// assert_eq!(same, payloads); // no codec: unchanged
    /// # }
    /// ```
    pub async fn encode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        for codec in &self.codecs {
            payloads = checked(payloads.len(), codec.encode(payloads).await?)?;
        }
        Ok(payloads)
    }

    /// Undoes [`encode`](Self::encode): the codecs in reverse order.
    pub async fn decode(&self, mut payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
        for codec in self.codecs.iter().rev() {
            payloads = checked(payloads.len(), codec.decode(payloads).await?)?;
        }
        Ok(payloads)
    }

    /// Prepares an outgoing wire message: failures' common attributes encoded if asked, then
    /// every user payload through the codecs. On error the payloads are left empty: the
    /// message is not to be sent.
    pub(crate) async fn encode_message<M: Visit + ?Sized>(&self, message: &mut M) -> Result<(), CodecError> {
        if self.failure.encodes_common_attributes() {
            message.visit(&mut EncodeCommonAttributes);
        }
        self.run_codecs(message, Direction::Encode).await
    }

    /// Decodes every user payload of an incoming wire message (on error, they are left empty).
    /// Failures' encoded attributes are read when a failure is turned into an error, whatever
    /// this converter's settings.
    pub(crate) async fn decode_message<M: Visit + ?Sized>(&self, message: &mut M) -> Result<(), CodecError> {
        self.run_codecs(message, Direction::Decode).await
    }

    /// Takes a message's payloads out, runs them through the codecs in one batch, and puts them
    /// back in the same places.
    async fn run_codecs<M: Visit + ?Sized>(&self, message: &mut M, direction: Direction) -> Result<(), CodecError> {
        if self.codecs.is_empty() {
            return Ok(());
        }
        let mut taken = TakePayloads(Vec::new());
        message.visit(&mut taken);
        if taken.0.is_empty() {
            return Ok(());
        }
        let converted = match direction {
            Direction::Encode => self.encode(taken.0).await?,
            Direction::Decode => self.decode(taken.0).await?,
        };
        message.visit(&mut PutPayloads(converted.into_iter()));
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Encode,
    Decode,
}

fn checked(expected: usize, payloads: Vec<Payload>) -> Result<Vec<Payload>, CodecError> {
    if payloads.len() == expected {
        Ok(payloads)
    } else {
        Err(CodecError::new(format!("a codec returned {} payloads for {expected}", payloads.len())))
    }
}

/// Moves every failure's message and stack trace into its encoded attributes.
struct EncodeCommonAttributes;

impl PayloadVisitor for EncodeCommonAttributes {
    fn payload(&mut self, _: &mut Payload) {}
    fn failure(&mut self, failure: &mut Failure) {
        super::failure_converter::encode_common_attributes(failure);
    }
}

#[cfg(test)]
mod tests {
    use futures::future::BoxFuture;

    use super::*;
    use crate::converter::{decode, encode};
    use crate::protos::temporal::api::common::v1::Payloads;
    use crate::protos::temporal::api::workflowservice::v1::{
        RespondActivityTaskFailedRequest, StartWorkflowExecutionRequest,
    };

    /// Appends a tag to the data: shows the order codecs run in.
    #[derive(Debug)]
    struct Tag(&'static str);

    impl PayloadCodec for Tag {
        fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
            Box::pin(async move {
                Ok(payloads
                    .into_iter()
                    .map(|mut p| {
                        p.data.extend_from_slice(self.0.as_bytes());
                        p
                    })
                    .collect())
            })
        }
        fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
            Box::pin(async move {
                payloads
                    .into_iter()
                    .map(|mut p| match p.data.strip_suffix(self.0.as_bytes()) {
                        Some(rest) => {
                            p.data = rest.to_vec();
                            Ok(p)
                        }
                        None => Err(CodecError::new(format!("no {} tag", self.0))),
                    })
                    .collect()
            })
        }
    }

    #[tokio::test]
    async fn codecs_encode_in_order_and_decode_in_reverse() {
        let converter = DataConverter::default().with_codec(Tag("<a>")).with_codec(Tag("<b>"));
        let mut start = StartWorkflowExecutionRequest {
            input: Some(Payloads { payloads: vec![encode("x").unwrap(), encode(&2).unwrap()] }),
            ..Default::default()
        };
        converter.encode_message(&mut start).await.unwrap();
        let input = &start.input.as_ref().unwrap().payloads;
        assert_eq!(input[0].data, br#""x"<a><b>"#);
        assert_eq!(input[1].data, b"2<a><b>");
        converter.decode_message(&mut start).await.unwrap();
        let input = &start.input.as_ref().unwrap().payloads;
        assert_eq!(decode::<String>(&input[0]).unwrap(), "x");
        let error = converter.decode_message(&mut start).await.unwrap_err();
        assert!(error.to_string().contains("no <b> tag"), "{error}");
    }

    #[tokio::test]
    async fn failures_lose_their_message_to_the_encoded_attributes() {
        let converter =
            DataConverter::default().with_failure_converter(FailureConverter::default().encode_common_attributes(true));
        let failure = crate::error::Failure::application("card declined", Some("Declined".into()), true)
            .with_cause(crate::error::Failure::application("inner", None, false));
        let mut req = RespondActivityTaskFailedRequest { failure: Some(failure.to_proto()), ..Default::default() };
        converter.encode_message(&mut req).await.unwrap();
        let wire = req.failure.unwrap();
        assert_eq!(wire.message, "Encoded failure");
        assert_eq!(wire.cause.as_ref().unwrap().message, "Encoded failure");
        let attributes = wire.encoded_attributes.as_ref().unwrap();
        assert_eq!(attributes.data, br#"{"message":"card declined","stack_trace":""}"#);
        let read = crate::error::Failure::from_proto(wire);
        assert_eq!(read.message, "card declined");
        assert_eq!(read.cause.unwrap().message, "inner");
    }
}
