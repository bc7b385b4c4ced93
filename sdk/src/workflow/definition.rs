//! The shape of a workflow type as the runtime sees it.
//!
//! `#[workflow]` implements [`Workflow`] for a user's type and describes its handlers with a
//! [`WorkflowDefinition`]. Users rarely touch these types directly: they use the marker
//! constants that the macro generates (`Greeting::run`, `Greeting::update_salutation`).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::converter::{self, PayloadError};
use crate::error::WorkflowResult;
use crate::protos::temporal::api::common::v1::Payload;

/// A workflow type: implemented by `#[workflow]` on the `impl` block of a struct.
///
/// ```
/// use temporal_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct Hello;
///
/// #[workflow]
/// impl Hello {
///     #[run]
///     async fn run(&self, name: String) -> WorkflowResult<String> {
///         Ok(format!("Hello, {name}!"))
///     }
/// }
///
/// assert_eq!(<Hello as Workflow>::NAME, "Hello");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a workflow",
    label = "this type has no `#[workflow]` impl block",
    note = "put `#[workflow]` on an `impl {Self}` block with one `#[run]` method"
)]
pub trait Workflow: Sized + 'static {
    /// The workflow type name registered with the server.
    const NAME: &'static str;
    /// The argument of the `#[run]` method (`()` when it takes none).
    type Input: Serialize + DeserializeOwned + 'static;
    /// The success value of the `#[run]` method.
    type Output: Serialize + DeserializeOwned + 'static;

    /// Describes the constructor, run method and handlers (generated).
    #[doc(hidden)]
    fn definition() -> WorkflowDefinition<Self>;
}

type InitFn<W> = fn(<W as Workflow>::Input) -> W;
type RunFn<W> = fn(Rc<W>, <W as Workflow>::Input) -> LocalBoxFuture<'static, WorkflowResult<<W as Workflow>::Output>>;

/// What the runtime needs to decode arguments, call a handler and encode its result, with the
/// concrete types erased so that the runtime can hold many workflow types in one table.
pub(crate) type SignalFn<W> = Box<dyn Fn(&Rc<W>, &[Payload]) -> Result<HandlerOutcome, PayloadError> + Send + Sync>;
pub(crate) type QueryFn<W> = Box<dyn Fn(&W, &[Payload]) -> Result<Payload, PayloadError> + Send + Sync>;

/// What a signal handler left behind: nothing, or a future the executor must drive.
pub(crate) enum HandlerOutcome {
    Done,
    Running(LocalBoxFuture<'static, WorkflowResult<()>>),
}

/// The constructor, run method and handlers of a workflow type (built by `#[workflow]`).
///
/// ```
/// use std::rc::Rc;
/// use temporal_sdk::__private::{LocalBoxFuture, WorkflowDefinition};
/// use temporal_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct Counter { n: std::cell::Cell<u32> }
///
/// impl Workflow for Counter {
///     const NAME: &'static str = "Counter";
///     type Input = ();
///     type Output = u32;
///     fn definition() -> WorkflowDefinition<Self> {
///         WorkflowDefinition::new(|()| Counter::default(), |this: Rc<Self>, ()| -> LocalBoxFuture<'static, WorkflowResult<u32>> {
///             Box::pin(async move { Ok(this.n.get()) })
///         })
///         .signal("add", |this: &Counter, n: u32| this.n.set(this.n.get() + n))
///         .query("count", |this: &Counter, (): ()| this.n.get())
///     }
/// }
/// ```
pub struct WorkflowDefinition<W: Workflow> {
    pub(crate) init: InitFn<W>,
    pub(crate) run: RunFn<W>,
    pub(crate) signals: HashMap<&'static str, SignalFn<W>>,
    pub(crate) queries: HashMap<&'static str, QueryFn<W>>,
}

impl<W: Workflow> WorkflowDefinition<W> {
    /// A definition from the constructor and the `#[run]` method.
    pub fn new(init: InitFn<W>, run: RunFn<W>) -> Self {
        Self { init, run, signals: HashMap::new(), queries: HashMap::new() }
    }

    /// Adds a synchronous signal handler.
    pub fn signal<I: DeserializeOwned + 'static>(mut self, name: &'static str, handler: fn(&W, I)) -> Self {
        self.signals.insert(
            name,
            Box::new(move |this, args| {
                handler(this, converter::decode_args::<I>(args)?);
                Ok(HandlerOutcome::Done)
            }),
        );
        self
    }

    /// Adds an `async` signal handler: it runs as its own task beside the run method.
    pub fn async_signal<I: DeserializeOwned + 'static>(
        mut self,
        name: &'static str,
        handler: fn(Rc<W>, I) -> LocalBoxFuture<'static, WorkflowResult<()>>,
    ) -> Self {
        self.signals.insert(
            name,
            Box::new(move |this, args| {
                let input = converter::decode_args::<I>(args)?;
                Ok(HandlerOutcome::Running(handler(Rc::clone(this), input)))
            }),
        );
        self
    }

    /// Adds a query handler: it reads the workflow state and returns a value.
    pub fn query<I: DeserializeOwned + 'static, O: Serialize + 'static>(
        mut self,
        name: &'static str,
        handler: fn(&W, I) -> O,
    ) -> Self {
        self.queries.insert(
            name,
            Box::new(move |this, args| {
                let input = converter::decode_args::<I>(args)?;
                converter::encode(&handler(this, input))
            }),
        );
        self
    }
}

/// Marker for a workflow's `#[run]` method: `Greeting::run` in
/// `client.start_workflow(Greeting::run, input, options)`.
pub struct RunMethod<W>(PhantomData<fn() -> W>);

impl<W> RunMethod<W> {
    /// Used by the generated code.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// Marker for a `#[signal]` handler taking `I`: `Greeting::update_salutation`.
pub struct SignalMethod<W, I> {
    name: &'static str,
    _types: PhantomData<fn(W, I)>,
}

impl<W, I> SignalMethod<W, I> {
    /// Used by the generated code.
    pub const fn new(name: &'static str) -> Self {
        Self { name, _types: PhantomData }
    }
    /// The signal name sent to the server.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// Marker for a `#[query]` handler taking `I` and returning `O`: `Greeting::current_greeting`.
pub struct QueryMethod<W, I, O> {
    name: &'static str,
    _types: PhantomData<fn(W, I) -> O>,
}

impl<W, I, O> QueryMethod<W, I, O> {
    /// Used by the generated code.
    pub const fn new(name: &'static str) -> Self {
        Self { name, _types: PhantomData }
    }
    /// The query name sent to the server.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

macro_rules! copy_marker {
    ($name:ident < $($p:ident),* >) => {
        impl<$($p),*> Clone for $name<$($p),*> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<$($p),*> Copy for $name<$($p),*> {}
        impl<$($p),*> std::fmt::Debug for $name<$($p),*> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}
copy_marker!(RunMethod<W>);
copy_marker!(SignalMethod<W, I>);
copy_marker!(QueryMethod<W, I, O>);

impl<W> Default for RunMethod<W> {
    fn default() -> Self {
        Self::new()
    }
}

/// Extracts the success type of a workflow method's `Result` return type.
#[diagnostic::on_unimplemented(
    message = "a workflow `#[run]` method must return `WorkflowResult<T>` (or `Result<T, E>`), not `{Self}`",
    note = "any `E` convertible into `WorkflowError` works, e.g. `ApplicationError` or `anyhow::Error`"
)]
pub trait WorkflowReturn {
    /// The success type.
    type Ok;
}

impl<T, E: Into<crate::error::WorkflowError>> WorkflowReturn for Result<T, E> {
    type Ok = T;
}
