//! The shape of an activity as workflows and workers see it.
//!
//! `#[activity]` turns a function into a zero-sized value of the same name that implements
//! [`ActivityDefinition`] (what a workflow needs to call it: name, input and output types) and
//! [`ActivityImplementation`] (what a worker needs to run it).

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::converter::{self, ArgShape};
use crate::error::ActivityError;
use crate::protos::temporal::api::common::v1::Payload;

/// An activity's name and types: what a workflow needs to schedule it.
///
/// ```
/// use temporal_sdk::prelude::*;
///
/// #[activity]
/// async fn say_hello(name: String) -> Result<String, ActivityError> {
///     Ok(format!("Hello, {name}!"))
/// }
///
/// assert_eq!(ActivityDefinition::name(&say_hello), "say_hello");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activity",
    label = "expected a function marked `#[activity]`",
    note = "put `#[activity]` on the function, or call it by name with `execute_activity_by_name`"
)]
pub trait ActivityDefinition: Copy + Send + Sync + 'static {
    /// The argument: `()` when the function takes none, the tuple of the parameters' types when
    /// it takes several (see [`ActivityDefinition::input_shape`]).
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// The success value.
    type Output: Serialize + DeserializeOwned + Send + 'static;
    /// The activity type name registered with the server.
    fn name(&self) -> &'static str;

    /// How [`ActivityDefinition::Input`] travels: [`ArgShape::Spread`] for a function with
    /// several parameters (one payload each), [`ArgShape::Single`] for one or none.
    ///
    /// ```
    /// use temporal_sdk::converter::ArgShape;
    /// use temporal_sdk::prelude::*;
    ///
    /// #[activity]
    /// async fn compose(greeting: String, name: String) -> Result<String, ActivityError> {
    ///     Ok(format!("{greeting}, {name}!"))
    /// }
    ///
    /// assert_eq!(compose.input_shape(), ArgShape::Spread);
    /// // workflow::execute_activity(compose, ("Hello".into(), "World".into()), options)
    /// ```
    fn input_shape(&self) -> ArgShape {
        ArgShape::Single
    }
}

/// An activity a worker can run (implemented by `#[activity]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activity a worker can run on its own",
    note = "register a function marked `#[activity]` with `.activity(f)`, and the methods of an `#[activities]` impl block with `.activities(Arc::new(value))`"
)]
pub trait ActivityImplementation: ActivityDefinition {
    /// Runs one attempt.
    fn execute(&self, input: Self::Input) -> BoxFuture<'static, Result<Self::Output, ActivityError>>;
}

/// Extracts the success type of an activity function's `Result` return type.
#[diagnostic::on_unimplemented(
    message = "an activity must return `Result<T, E>`, not `{Self}`",
    note = "for example `Result<String, ActivityError>`; any `E` convertible into `ActivityError` works"
)]
pub trait ActivityReturn {
    /// The success type.
    type Ok;
    /// The result with its error converted.
    fn into_result(self) -> Result<Self::Ok, ActivityError>;
}

impl<T, E: Into<ActivityError>> ActivityReturn for Result<T, E> {
    type Ok = T;
    fn into_result(self) -> Result<T, ActivityError> {
        self.map_err(Into::into)
    }
}

/// Decodes an activity's arguments, runs it and encodes its result: the one path of every
/// registered activity, free function or method.
///
/// Arguments that do not decode fail the attempt retryably, as in the Python SDK: the payloads
/// stay in history, so a deployment that fixes the types picks the activity up again.
pub(crate) fn run_erased<I, O, F>(
    name: &'static str,
    shape: ArgShape,
    args: &[Payload],
    call: impl FnOnce(I) -> F,
) -> BoxFuture<'static, Result<Payload, ActivityError>>
where
    I: DeserializeOwned,
    O: Serialize,
    F: Future<Output = Result<O, ActivityError>> + Send + 'static,
{
    let input = match shape.decode::<I>(args) {
        Ok(input) => input,
        Err(e) => {
            let message = format!("Failed decoding arguments of activity {name:?}: {e}");
            return Box::pin(async move { Err(ActivityError::retryable(message)) });
        }
    };
    let fut = call(input);
    Box::pin(async move {
        let out = fut.await?;
        converter::encode(&out)
            .map_err(|e| ActivityError::non_retryable(format!("Failed encoding the activity result: {e}")))
    })
}
