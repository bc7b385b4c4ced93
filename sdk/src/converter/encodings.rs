//! The payload converter chain: the built-in encodings in Python's order (`binary/null`,
//! `binary/plain`, `json/protobuf`, `binary/protobuf`, `json/plain`), with the application's own
//! encodings for its own types tried before JSON, or replacing JSON.
//!
//! A custom encoding is a serde format (MessagePack, CBOR, a JSON with other settings) that takes
//! the values whose Rust type it accepts. The converter in effect is the client's for client
//! calls, the worker's inside workflow and activity code, the replayer's during a replay.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ENCODING_KEY;
use super::payload::PayloadError;
use crate::protos::temporal::api::common::v1::Payload;

/// An error of a custom encoding's format.
pub type EncodingError = Box<dyn std::error::Error + Send + Sync>;

/// Hands a format's deserializer to the SDK, which reads the value it wants from it.
pub type DeserializeWith<'f> =
    &'f mut dyn FnMut(&mut dyn erased_serde::Deserializer<'_>) -> Result<(), erased_serde::Error>;

/// An encoding of the payload converter chain: a serde format for the types it accepts.
///
/// ```
/// use temporal_sdk::converter::{DataConverter, DeserializeWith, EncodingConverter, EncodingError};
///
/// /// JSON with the values' own field order, for one module's types.
/// #[derive(Debug)]
/// struct LegacyJson;
///
/// impl EncodingConverter for LegacyJson {
///     fn encoding(&self) -> &str {
///         "json/legacy"
///     }
///     fn accepts(&self, type_name: &str) -> bool {
///         type_name.starts_with("billing::legacy::")
///     }
///     fn serialize(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, EncodingError> {
///         Ok(serde_json::to_vec(value)?)
///     }
///     fn deserialize(&self, data: &[u8], read: DeserializeWith<'_>) -> Result<(), EncodingError> {
///         let mut json = serde_json::Deserializer::from_slice(data);
///         read(&mut <dyn erased_serde::Deserializer>::erase(&mut json))?;
///         Ok(())
///     }
/// }
///
/// let converter = DataConverter::default().with_encoding(LegacyJson);
/// # let _ = converter;
/// ```
pub trait EncodingConverter: fmt::Debug + Send + Sync + 'static {
    /// The `encoding` metadata it writes, and the payloads it reads.
    fn encoding(&self) -> &str;
    /// Whether it writes values of this Rust type (as `std::any::type_name` spells it); values it
    /// declines go to the next encoding, and finally to `json/plain`. An encoding named
    /// `json/plain` replaces the built-in JSON for the types it accepts.
    fn accepts(&self, type_name: &str) -> bool;
    /// Writes a value.
    fn serialize(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, EncodingError>;
    /// Reads `data`: calls `read` with a deserializer of the format over it.
    fn deserialize(&self, data: &[u8], read: DeserializeWith<'_>) -> Result<(), EncodingError>;
}

/// The custom encodings of a data converter, in the order they are tried.
#[derive(Debug, Clone, Default)]
pub(crate) struct Encodings(pub(crate) Arc<[Arc<dyn EncodingConverter>]>);

thread_local! {
    /// The custom encodings in effect on this thread (none: the built-in chain only).
    static CURRENT: RefCell<Option<Encodings>> = const { RefCell::new(None) };
}

impl Encodings {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs `f` with these encodings in effect on this thread.
    pub(crate) fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        if self.is_empty() && CURRENT.with(|c| c.borrow().is_none()) {
            return f();
        }
        struct Restore(Option<Encodings>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = previous);
            }
        }
        let previous = CURRENT.with(|c| c.replace(Some(self.clone())));
        let _restore = Restore(previous);
        f()
    }

    /// Makes these encodings the ones in effect on this thread for good (a workflow thread).
    pub(crate) fn install(&self) {
        if !self.is_empty() {
            CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        }
    }

    /// `future`, with these encodings in effect whenever it runs (on whatever thread).
    pub(crate) fn wrap<F: Future>(&self, future: F) -> WithEncodings<F> {
        WithEncodings { encodings: self.clone(), future: Box::pin(future) }
    }
}

/// A future with custom encodings in effect while it is polled.
pub(crate) struct WithEncodings<F> {
    encodings: Encodings,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for WithEncodings<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let future = this.future.as_mut();
        this.encodings.scope(|| future.poll(cx))
    }
}

/// Writes `value` with a custom encoding in effect that accepts its type, if there is one.
pub(crate) fn encode_custom<T: Serialize + ?Sized>(value: &T) -> Option<Result<Payload, PayloadError>> {
    let type_name = std::any::type_name::<T>();
    let encoding = CURRENT.with(|c| c.borrow().as_ref()?.0.iter().find(|e| e.accepts(type_name)).cloned())?;
    let erased: &dyn erased_serde::Serialize = &value;
    Some(match encoding.serialize(erased) {
        Ok(data) => {
            let metadata = [(ENCODING_KEY.to_string(), encoding.encoding().as_bytes().to_vec())].into();
            Ok(Payload { metadata, data, ..Default::default() })
        }
        Err(e) => {
            Err(PayloadError::Encode { encoding: encoding.encoding().to_string(), type_name, message: e.to_string() })
        }
    })
}

/// Reads `payload` with the custom encoding in effect of its encoding name, if there is one.
pub(crate) fn decode_custom<T: DeserializeOwned>(encoding: &str, payload: &Payload) -> Option<Result<T, PayloadError>> {
    let converter = CURRENT.with(|c| c.borrow().as_ref()?.0.iter().find(|e| e.encoding() == encoding).cloned())?;
    let mut value = None;
    let read = converter.deserialize(&payload.data, &mut |deserializer| {
        value = Some(erased_serde::deserialize::<T>(deserializer)?);
        Ok(())
    });
    let err = |message: String| PayloadError::Decode {
        encoding: encoding.to_string(),
        type_name: std::any::type_name::<T>(),
        message,
    };
    Some(match (read, value) {
        (Ok(()), Some(value)) => Ok(value),
        (Ok(()), None) => Err(err("the encoding read nothing".into())),
        (Err(e), _) => Err(err(e.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::converter::{decode, encode};

    /// JSON under another name, with a marker byte, for the types of one module.
    #[derive(Debug)]
    struct Tagged;

    impl EncodingConverter for Tagged {
        fn encoding(&self) -> &str {
            "json/tagged"
        }
        fn accepts(&self, type_name: &str) -> bool {
            type_name.ends_with("::Point")
        }
        fn serialize(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, EncodingError> {
            let mut out = vec![b'#'];
            out.extend(serde_json::to_vec(value)?);
            Ok(out)
        }
        fn deserialize(&self, data: &[u8], read: DeserializeWith<'_>) -> Result<(), EncodingError> {
            let body = data.strip_prefix(b"#").ok_or("no tag")?;
            let mut json = serde_json::Deserializer::from_slice(body);
            read(&mut <dyn erased_serde::Deserializer>::erase(&mut json))?;
            Ok(())
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Point {
        x: i32,
    }

    #[test]
    fn custom_encodings_take_their_types_in_scope_only() {
        let encodings = Encodings(Arc::from([Arc::new(Tagged) as Arc<dyn EncodingConverter>]));
        let payload = encodings.scope(|| encode(&Point { x: 3 })).unwrap();
        assert_eq!(payload.metadata["encoding"], b"json/tagged");
        assert_eq!(payload.data, br##"#{"x":3}"##);
        assert_eq!(encodings.scope(|| decode::<Point>(&payload)).unwrap(), Point { x: 3 });
        // Other types keep the built-in chain; outside the scope nothing custom applies.
        assert_eq!(encodings.scope(|| encode(&"text")).unwrap().metadata["encoding"], b"json/plain");
        assert_eq!(encode(&Point { x: 3 }).unwrap().metadata["encoding"], b"json/plain");
        let unknown = decode::<Point>(&payload).unwrap_err();
        assert!(unknown.to_string().contains("json/tagged"), "{unknown}");
        let mut broken = payload.clone();
        broken.data.remove(0);
        let error = encodings.scope(|| decode::<Point>(&broken)).unwrap_err().to_string();
        assert!(error.contains("no tag") && error.contains("Point"), "{error}");
    }
}
