use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::converter::{self, PayloadError};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::enums::v1::ApplicationErrorCategory;

/// An error raised on purpose by workflow or activity code, with a type name, details and a
/// retry decision; the Rust form of Python's `ApplicationError`.
///
/// Returned from a workflow it fails the workflow; from an activity it fails the attempt
/// (retried unless non-retryable).
///
/// ```
/// use temporal_sdk::error::ApplicationError;
///
/// let err = ApplicationError::new("card declined")
///     .with_type("PaymentError")
///     .non_retryable();
/// assert_eq!(err.error_type(), Some("PaymentError"));
/// assert!(err.is_non_retryable());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationError {
    pub(crate) message: String,
    pub(crate) error_type: Option<String>,
    pub(crate) non_retryable: bool,
    pub(crate) details: Vec<Payload>,
    pub(crate) next_retry_delay: Option<Duration>,
    pub(crate) category: ApplicationErrorCategory,
}

impl ApplicationError {
    /// An error with a message, retryable, with no type.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), ..Self::default() }
    }
    /// Sets the type name, which retry policies can list as non-retryable.
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = Some(error_type.into());
        self
    }
    /// Marks the error as never to be retried.
    pub fn non_retryable(mut self) -> Self {
        self.non_retryable = true;
        self
    }
    /// Adds a detail value, serialized with the default payload converter.
    ///
    /// Fails only if the value cannot be serialized.
    pub fn with_detail<T: Serialize>(mut self, detail: &T) -> Result<Self, PayloadError> {
        self.details.push(converter::encode(detail)?);
        Ok(self)
    }
    /// Overrides the delay before the next retry of an activity.
    pub fn with_next_retry_delay(mut self, delay: Duration) -> Self {
        self.next_retry_delay = Some(delay);
        self
    }
    /// Marks the failure as benign: expected, not a sign of trouble (as Python's
    /// `category=ApplicationErrorCategory.BENIGN`); the server and the SDKs log and count it
    /// as such.
    ///
    /// ```
    /// use temporal_sdk::error::{ApplicationError, ApplicationErrorCategory};
    ///
    /// let e = ApplicationError::new("not ready yet").with_category(ApplicationErrorCategory::Benign);
    /// assert_eq!(e.category(), ApplicationErrorCategory::Benign);
    /// ```
    pub fn with_category(mut self, category: ApplicationErrorCategory) -> Self {
        self.category = category;
        self
    }
    /// The category.
    pub fn category(&self) -> ApplicationErrorCategory {
        self.category
    }
    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The type name, if any.
    pub fn error_type(&self) -> Option<&str> {
        self.error_type.as_deref()
    }
    /// Whether retries are ruled out.
    pub fn is_non_retryable(&self) -> bool {
        self.non_retryable
    }
    /// The raw detail payloads.
    pub fn details(&self) -> &[Payload] {
        &self.details
    }
    /// Decodes detail `index` as `T`.
    pub fn detail<T: serde::de::DeserializeOwned>(&self, index: usize) -> Result<T, PayloadError> {
        match self.details.get(index) {
            Some(p) => converter::decode(p),
            None => Err(PayloadError::Missing { index }),
        }
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_type {
            Some(t) => write!(f, "{t}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ApplicationError {}
