use std::error::Error as StdError;
use std::fmt;

use super::{ApplicationError, Failure};
use crate::protos::temporal::api::common::v1::Payload;

/// How an activity attempt ends badly.
///
/// Any error converts with `?`: an [`ApplicationError`] keeps its type, details and retry
/// decision; any other error becomes a retryable application failure whose type is the Rust
/// type's name without its module path (`ParseIntError`, not `core::num::error::ParseIntError`),
/// as the Python SDK writes the exception's class name, so a retry policy's
/// `non_retryable_error_types` reads the same in every SDK. Strings and type-erased errors
/// (`Box<dyn Error>`, `anyhow::Error`) give a failure without a type.
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
    /// (Boxed so that `Result<T, ActivityError>` stays small.)
    Failure(Box<Failure>),
    /// Reports that the activity accepted a cancellation request.
    Cancelled {
        /// Details to record with the cancellation.
        details: Vec<Payload>,
    },
    /// Reports nothing: a client will complete the activity later, by its task token or id
    /// (see [`Client::get_async_activity_handle`](crate::Client::get_async_activity_handle)).
    WillCompleteAsync,
}

impl ActivityError {
    /// A cancellation, to return after seeing `activity::is_cancelled()`.
    pub fn cancelled() -> Self {
        ActivityError::Cancelled { details: Vec::new() }
    }

    /// A cancellation with details recorded with it (serialized with the default payload
    /// converter; unserializable details are dropped with a warning).
    ///
    /// ```
    /// use temporal_sdk::error::ActivityError;
    ///
    /// let e = ActivityError::cancelled_with_details(&"stopped at row 42");
    /// assert!(matches!(e, ActivityError::Cancelled { ref details } if details.len() == 1));
    /// ```
    pub fn cancelled_with_details<T: serde::Serialize + ?Sized>(details: &T) -> Self {
        let details = crate::converter::encode_args(details).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cancellation details do not serialize; dropped");
            Vec::new()
        });
        ActivityError::Cancelled { details }
    }

    /// Tells the worker to report nothing when the activity returns: a client completes it
    /// later, by task token or id, with an
    /// [`AsyncActivityHandle`](crate::client::AsyncActivityHandle) (Python's
    /// `activity.raise_complete_async()`). The activity stays open on the server until then,
    /// or until a timeout.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// #[activity]
    /// async fn request_approval(request: String) -> Result<bool, ActivityError> {
    ///     let token = activity::info().ok_or("not in an activity")?.task_token;
    ///     // Hand `token` (and `request`) to the system that will answer, e.g. via a queue;
    ///     // it calls `client.get_async_activity_handle(token).complete(&true)` later.
    ///     # let _ = (token, request);
    ///     Err(ActivityError::will_complete_async())
    /// }
    /// ```
    pub fn will_complete_async() -> Self {
        ActivityError::WillCompleteAsync
    }

    /// A retryable application failure with a message.
    pub fn retryable(message: impl Into<String>) -> Self {
        ActivityError::Failure(Box::new(ApplicationError::new(message).into()))
    }

    /// A non-retryable application failure with a message.
    pub fn non_retryable(message: impl Into<String>) -> Self {
        ActivityError::Failure(Box::new(ApplicationError::new(message).non_retryable().into()))
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
            Ok(app) => return ActivityError::Failure(Box::new(Failure::from(*app))),
            Err(other) => other,
        };
        match boxed.downcast::<Failure>() {
            Ok(f) => ActivityError::Failure(f),
            Err(other) => ActivityError::Failure(Box::new(super::failure_of_error(other.as_ref(), type_name))),
        }
    }
}

impl fmt::Display for ActivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActivityError::Failure(fail) => write!(f, "activity failed: {fail:#}"),
            ActivityError::Cancelled { .. } => f.write_str("activity cancelled"),
            ActivityError::WillCompleteAsync => f.write_str("activity will be completed asynchronously"),
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
            ActivityError::WillCompleteAsync => f.write_str("WillCompleteAsync"),
        }
    }
}
