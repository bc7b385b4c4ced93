//! Activities that are methods of one shared value (a database pool, an HTTP client): an
//! `#[activities]` impl block.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ActivityDefinition;
use crate::converter;
use crate::error::ActivityError;
use crate::protos::temporal::api::common::v1::Payload;

/// Marker for an `#[activity]` method of an `#[activities]` impl block on `S`, taking `I` and
/// returning `O`: what workflow code schedules, like a function marked `#[activity]`.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use temporal_sdk::prelude::*;
///
/// struct Greeter {
///     greeting: String,
/// }
///
/// #[activities]
/// impl Greeter {
///     #[activity]
///     async fn greet(&self, name: String) -> Result<String, ActivityError> {
///         Ok(format!("{}, {name}!", self.greeting))
///     }
/// }
///
/// // in a workflow:
/// # async fn wf() -> WorkflowResult<()> {
/// let text: String = workflow::execute_activity(
///     Greeter::greet,
///     "world".to_string(),
///     ActivityOptions::start_to_close(Duration::from_secs(5)),
/// ).await?;
/// # Ok(()) }
///
/// // with a worker: every method, one shared value
/// let greeter = Arc::new(Greeter { greeting: "Hello".into() });
/// let options = WorkerOptions::new("queue").activities(Arc::clone(&greeter));
///
/// // in a unit test:
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert_eq!(Greeter::greet.call(&greeter, "you".into()).await.unwrap(), "Hello, you!");
/// # });
/// # let _ = options;
/// ```
pub struct ActivityMethod<S, I, O> {
    name: &'static str,
    call: fn(Arc<S>, I) -> BoxFuture<'static, Result<O, ActivityError>>,
    /// `erased_call::<S, I, O>`, instantiated where the payload bounds were checked, so that
    /// registering the method needs no bounds (and reports nothing twice).
    erased: ErasedCall<S, I, O>,
}

type ErasedCall<S, I, O> =
    fn(ActivityMethod<S, I, O>, Arc<S>, Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>>;

impl<S, I, O> ActivityMethod<S, I, O> {
    /// Used by the generated code.
    #[doc(hidden)]
    pub const fn new(name: &'static str, call: fn(Arc<S>, I) -> BoxFuture<'static, Result<O, ActivityError>>) -> Self
    where
        S: Send + Sync + 'static,
        I: ActivityInput,
        O: ActivityOutput,
    {
        Self { name, call, erased: erased_call::<S, I, O> }
    }

    /// The activity type name registered with the server.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the method on `this` directly, as a plain call: no worker, no server, no retries
    /// (for unit tests). Code that reads the activity context needs the activity test
    /// environment around the call.
    pub fn call(&self, this: &Arc<S>, input: I) -> BoxFuture<'static, Result<O, ActivityError>> {
        (self.call)(Arc::clone(this), input)
    }
}

fn erased_call<S, I: ActivityInput, O: ActivityOutput>(
    method: ActivityMethod<S, I, O>,
    this: Arc<S>,
    args: Vec<Payload>,
) -> BoxFuture<'static, Result<Payload, ActivityError>> {
    let input = match converter::decode_args::<I>(&args) {
        Ok(input) => input,
        Err(e) => {
            let message = format!("Failed decoding arguments of activity {:?}: {e}", method.name);
            return Box::pin(async move { Err(ActivityError::non_retryable(message)) });
        }
    };
    let fut = (method.call)(this, input);
    Box::pin(async move {
        let out = fut.await?;
        converter::encode(&out)
            .map_err(|e| ActivityError::non_retryable(format!("Failed encoding the activity result: {e}")))
    })
}

impl<S, I, O> Clone for ActivityMethod<S, I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, I, O> Copy for ActivityMethod<S, I, O> {}

impl<S, I, O> fmt::Debug for ActivityMethod<S, I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActivityMethod({:?})", self.name)
    }
}

impl<S, I, O> ActivityDefinition for ActivityMethod<S, I, O>
where
    S: Send + Sync + 'static,
    I: Serialize + DeserializeOwned + Send + 'static,
    O: Serialize + DeserializeOwned + Send + 'static,
{
    type Input = I;
    type Output = O;

    fn name(&self) -> &'static str {
        self.name
    }
}

/// A type whose `#[activity]` methods a worker can host: implemented by `#[activities]` on an
/// `impl` block. Register them with
/// [`WorkerOptions::activities`](crate::WorkerOptions::activities).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no activity methods",
    label = "this type has no `#[activities]` impl block",
    note = "put `#[activities]` on an `impl {Self}` block and `#[activity]` on its methods; register a function marked `#[activity]` with `.activity(f)`"
)]
pub trait ActivityMethods: Send + Sync + Sized + 'static {
    /// Every `#[activity]` method, bound to `this` (generated).
    #[doc(hidden)]
    fn activity_methods(this: &Arc<Self>) -> Vec<BoundActivity>;
}

/// An activity method bound to the value it runs on, with its types erased (generated code
/// builds these; the worker runs them).
#[doc(hidden)]
pub struct BoundActivity {
    pub(crate) name: &'static str,
    #[allow(clippy::type_complexity)]
    pub(crate) run: Box<dyn Fn(Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>> + Send + Sync>,
}

impl BoundActivity {
    /// Binds `method` to `this`.
    pub fn new<S: Send + Sync + 'static, I: 'static, O: 'static>(
        this: &Arc<S>,
        method: ActivityMethod<S, I, O>,
    ) -> Self {
        let this = Arc::clone(this);
        Self { name: method.name, run: Box::new(move |args| (method.erased)(method, Arc::clone(&this), args)) }
    }
}

impl fmt::Debug for BoundActivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoundActivity({:?})", self.name)
    }
}

/// Declares a trait that names one role of a payload type, so that a type without serde
/// derives is reported as "`T` cannot be the argument of an activity" rather than as a bare
/// missing `Deserialize<'de>` bound. `do_not_recommend` keeps the compiler from looking
/// through the blanket impl to the serde traits.
macro_rules! payload_role {
    ($(#[$doc:meta])* $name:ident, $message:literal) => {
        $(#[$doc])*
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "not a payload type (or not `Send`)",
            note = "arguments and results cross the wire as payloads: derive serde's `Serialize` and `Deserialize` for the type (and the types inside it)"
        )]
        pub trait $name: Serialize + DeserializeOwned + Send + 'static {}

        #[diagnostic::do_not_recommend]
        impl<T: Serialize + DeserializeOwned + Send + 'static> $name for T {}
    };
}

payload_role!(
    /// A type that can be the argument of an activity: any owned, `Send` serde type.
    ActivityInput,
    "`{Self}` cannot be the argument of an activity"
);
payload_role!(
    /// A type that can be the result of an activity: any owned, `Send` serde type.
    ActivityOutput,
    "`{Self}` cannot be the result of an activity"
);
