//! Keeping failure messages and stack traces out of the clear: with `encode_common_attributes`,
//! a failure's message and stack trace travel inside its encoded attributes payload, which the
//! codecs then encrypt like any other payload. Every SDK reads them back.

use serde::{Deserialize, Serialize};

use super::payload::{decode, encode};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::failure::v1::Failure;

/// The message an encoded failure shows in the clear (the same in every SDK).
pub(crate) const ENCODED_FAILURE_MESSAGE: &str = "Encoded failure";

/// How failures are written, as Python's `DefaultFailureConverter`.
///
/// ```
/// use temporal_sdk::converter::{DataConverter, FailureConverter};
///
/// let converter = DataConverter::default()
///     .with_failure_converter(FailureConverter::default().encode_common_attributes(true));
/// assert!(converter.failure_converter().encodes_common_attributes());
/// ```
#[derive(Debug, Clone, Default)]
pub struct FailureConverter {
    encode_common_attributes: bool,
}

impl FailureConverter {
    /// Moves each failure's message and stack trace into its encoded attributes (a `json/plain`
    /// payload `{"message": .., "stack_trace": ..}`, which codecs encode), leaving the message
    /// "Encoded failure": Python's `DefaultFailureConverterWithEncodedAttributes`.
    pub fn encode_common_attributes(mut self, on: bool) -> Self {
        self.encode_common_attributes = on;
        self
    }

    /// Whether failures' messages and stack traces are encoded.
    pub fn encodes_common_attributes(&self) -> bool {
        self.encode_common_attributes
    }
}

/// The encoded attributes' JSON, keys in Python's (sorted) order.
#[derive(Serialize, Deserialize)]
struct CommonAttributes {
    message: String,
    #[serde(default)]
    stack_trace: String,
}

/// Moves `failure`'s message and stack trace into its encoded attributes, unless it has some
/// already (a failure passed on from elsewhere keeps what it came with).
pub(crate) fn encode_common_attributes(failure: &mut Failure) {
    if failure.encoded_attributes.is_some() {
        return;
    }
    let attributes = CommonAttributes {
        message: std::mem::take(&mut failure.message),
        stack_trace: std::mem::take(&mut failure.stack_trace),
    };
    match encode(&attributes) {
        Ok(payload) => {
            failure.encoded_attributes = Some(payload);
            failure.message = ENCODED_FAILURE_MESSAGE.into();
        }
        Err(e) => {
            // Two strings always serialize; keep the failure readable if they ever did not.
            tracing::warn!(error = %e, "could not encode a failure's message");
            failure.message = attributes.message;
            failure.stack_trace = attributes.stack_trace;
        }
    }
}

/// The message and stack trace inside encoded attributes, when they decode (they may still be
/// encrypted, for a process without the codec).
pub(crate) fn decode_common_attributes(payload: &Payload) -> Option<(String, String)> {
    decode::<CommonAttributes>(payload).ok().map(|a| (a.message, a.stack_trace))
}
