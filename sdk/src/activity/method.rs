//! Activities that are methods of one shared value (a database pool, an HTTP client): an
//! `#[activities]` impl block.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ActivityDefinition;
use crate::converter::{ActivityInput, ActivityOutput, ArgShape};
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
    shape: ArgShape,
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
        I: ActivityInput,
        O: ActivityOutput,
    {
        Self { name, shape: ArgShape::Single, call, erased: erased_call::<S, I, O> }
    }

    /// Used by the generated code: the method takes several parameters, one payload each.
    #[doc(hidden)]
    pub const fn spread(mut self) -> Self {
        self.shape = ArgShape::Spread;
        self
    }

    /// The activity type name registered with the server.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the method on `this` with its arguments as payloads (for the worker).
    #[doc(hidden)]
    pub fn call_erased(&self, this: Arc<S>, args: Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>> {
        (self.erased)(*self, this, args)
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
    crate::activity::run_erased(method.name, method.shape, &args, |input: I| (method.call)(this, input))
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

// Not suggested when something else fails to be an activity (a plain function): the types of
// a marker come from `#[activities]`, never from the user.
#[diagnostic::do_not_recommend]
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

    fn input_shape(&self) -> ArgShape {
        self.shape
    }
}

/// [`ActivityMethod::new`] with the types as generic arguments of a function, where the
/// compiler reports a type that is not a payload type at the user's own type (generated code
/// spans them so).
#[doc(hidden)]
pub const fn activity_method<S, I: ActivityInput, O: ActivityOutput>(
    name: &'static str,
    call: fn(Arc<S>, I) -> BoxFuture<'static, Result<O, ActivityError>>,
) -> ActivityMethod<S, I, O> {
    ActivityMethod::new(name, call)
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
    /// Every `#[activity]` method (generated).
    #[doc(hidden)]
    fn activity_methods() -> Vec<UnboundActivity<Self>>;
}

/// An activity method with its types erased, not yet bound to the value it runs on (generated
/// code builds these).
#[doc(hidden)]
pub struct UnboundActivity<S> {
    name: &'static str,
    run: ErasedRun<S>,
}

type ErasedRun<S> = fn(Arc<S>, Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>>;

impl<S> fmt::Debug for UnboundActivity<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundActivity").field("name", &self.name).finish_non_exhaustive()
    }
}

impl<S> UnboundActivity<S> {
    /// An activity named `name` that `run` runs.
    pub fn new(name: &'static str, run: ErasedRun<S>) -> Self {
        Self { name, run }
    }
}

/// An activity method bound to the value it runs on: what a worker runs.
pub(crate) struct BoundActivity {
    pub(crate) name: &'static str,
    #[allow(clippy::type_complexity)]
    pub(crate) run: Box<dyn Fn(Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>> + Send + Sync>,
}

impl BoundActivity {
    /// Binds `method` to `this`.
    pub(crate) fn bind<S: Send + Sync + 'static>(method: UnboundActivity<S>, this: &Arc<S>) -> Self {
        let this = Arc::clone(this);
        let run = method.run;
        Self { name: method.name, run: Box::new(move |args| run(Arc::clone(&this), args)) }
    }
}

impl fmt::Debug for BoundActivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BoundActivity({:?})", self.name)
    }
}
