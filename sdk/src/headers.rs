//! Headers: the key/payload map that travels with workflow starts, signals, queries, updates,
//! activities and child workflows, for interceptors to carry context (a tenant, a trace) across
//! processes. Headers are never passed through payload codecs, as in the other SDKs.

use std::collections::HashMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::converter::{self, PayloadError};
use crate::protos::temporal::api::common::v1::{Header, Payload};

/// The headers of one call, command or task.
///
/// Values go through the payload converter (JSON by default), so a header written here reads
/// back in the Python, Go or TypeScript SDKs as the same value.
///
/// ```
/// use temporal_sdk::interceptor::Headers;
///
/// let mut headers = Headers::new();
/// headers.insert("tenant", "acme").unwrap();
/// assert_eq!(headers.get::<String>("tenant").unwrap().as_deref(), Some("acme"));
/// assert_eq!(headers.get::<String>("absent").unwrap(), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Headers {
    fields: HashMap<String, Payload>,
}

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`, decoded; `Ok(None)` when there is none.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, PayloadError> {
        self.fields.get(key).map(converter::decode).transpose()
    }

    /// Puts `value` under `key`, replacing what was there.
    pub fn insert<T: Serialize + ?Sized>(&mut self, key: impl Into<String>, value: &T) -> Result<(), PayloadError> {
        self.fields.insert(key.into(), converter::encode(value)?);
        Ok(())
    }

    /// The payload under `key`, as sent.
    pub fn payload(&self, key: &str) -> Option<&Payload> {
        self.fields.get(key)
    }

    /// Puts an already encoded payload under `key`.
    pub fn insert_payload(&mut self, key: impl Into<String>, payload: Payload) {
        self.fields.insert(key.into(), payload);
    }

    /// Takes the payload under `key` out.
    pub fn remove(&mut self, key: &str) -> Option<Payload> {
        self.fields.remove(key)
    }

    /// Whether there is a header `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The headers, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Payload)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Copies the headers of `other` that this one lacks.
    pub fn extend_missing(&mut self, other: &Headers) {
        for (k, v) in &other.fields {
            self.fields.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }

    /// Runs `f` on the headers of a wire message's `header` field, creating the field when `f`
    /// adds the first header and dropping it when it leaves none.
    pub(crate) fn edit(header: &mut Option<Header>, f: &mut dyn FnMut(&mut Headers)) {
        let mut headers = Headers::from(header.take().unwrap_or_default());
        f(&mut headers);
        *header = (!headers.is_empty()).then(|| headers.into());
    }

    /// The headers of a wire message's `header` field.
    pub(crate) fn of(header: &Option<Header>) -> Headers {
        header.clone().map(Headers::from).unwrap_or_default()
    }
}

impl From<Header> for Headers {
    fn from(header: Header) -> Self {
        Headers { fields: header.fields }
    }
}

impl From<Headers> for Header {
    fn from(headers: Headers) -> Self {
        Header { fields: headers.fields }
    }
}

impl FromIterator<(String, Payload)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, Payload)>>(iter: I) -> Self {
        Headers { fields: iter.into_iter().collect() }
    }
}
