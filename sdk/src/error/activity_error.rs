use std::error::Error as StdError;
use std::fmt;

use super::failure::FailureKind;
use super::{ApplicationError, Failure};
use crate::protos::temporal::api::common::v1::Payload;

/// How an activity attempt ends badly.
///
/// Any error converts with `?`: an [`ApplicationError`] keeps its type, details and retry
/// decision; any other error becomes a retryable application failure whose type is the Rust
/// type name of the error, as the Python SDK uses the exception class name.
///
/// ```
/// use temporal_sdk::error::{ActivityError, ApplicationError};
///
/// fn charge(amount: i64) -> Result<(), ActivityError> {
///     if amount < 0 {
///         return Err(ApplicationError::new("negative amount").non_retryable().into());
///     }
///     let _n: u32 = "12".parse()?; // a ParseIntError would fail the attempt (retryable)
///     Ok(())
/// }
/// assert!(charge(-1).is_err());
/// ```
pub enum ActivityError {
    /// Fails the attempt with this failure; the server retries unless it is non-retryable.
    Failure(Failure),
    /// Reports that the activity accepted a cancellation request.
    Cancelled {
        /// Details to record with the cancellation.
        details: Vec<Payload>,
    },
}

impl ActivityError {
    /// A cancellation, to return after seeing `activity::is_cancelled()`.
    pub fn cancelled() -> Self {
        ActivityError::Cancelled { details: Vec::new() }
    }

    /// A retryable application failure with a message.
    pub fn retryable(message: impl Into<String>) -> Self {
        ActivityError::Failure(ApplicationError::new(message).into())
    }

    /// A non-retryable application failure with a message.
    pub fn non_retryable(message: impl Into<String>) -> Self {
        ActivityError::Failure(ApplicationError::new(message).non_retryable().into())
    }
}

impl<E> From<E> for ActivityError
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    fn from(e: E) -> Self {
        let type_name = std::any::type_name::<E>();
        let boxed: Box<dyn StdError + Send + Sync + 'static> = e.into();
        let boxed = match boxed.downcast::<ApplicationError>() {
            Ok(app) => return ActivityError::Failure(Failure::from(*app)),
            Err(other) => other,
        };
        match boxed.downcast::<Failure>() {
            Ok(f) => ActivityError::Failure(*f),
            Err(other) => {
                let error_type = match type_name {
                    "&str" | "alloc::string::String" | "&alloc::string::String" => None,
                    name => Some(name.to_string()),
                };
                ActivityError::Failure(Failure::new(
                    other.to_string(),
                    FailureKind::Application {
                        error_type,
                        non_retryable: false,
                        details: Vec::new(),
                        next_retry_delay: None,
                    },
                ))
            }
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivityError::Failure(fail) => write!(f, "activity failed: {fail:#}"),
            ActivityError::Cancelled { .. } => f.write_str("activity cancelled"),
        }
    }
}

impl fmt::Debug for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivityError::Failure(fail) => f.debug_tuple("Failure").field(fail).finish(),
            ActivityError::Cancelled { details } => {
                f.debug_struct("Cancelled").field("details", &details.len()).finish()
            }
        }
    }
}
