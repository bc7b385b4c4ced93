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

use crate::converter::{
    self, ArgShape, PayloadError, QueryInput, QueryOutput, RawValue, SignalInput, UpdateInput, UpdateOutput,
};
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::common::v1::Payload;
use crate::runtime::instance::{HandlerOutcome, InteractionKind};
use crate::runtime::tasks::HandlerUnfinishedPolicy;

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
    /// The argument of the `#[run]` method: `()` when it takes none, the tuple of the
    /// parameters' types when it takes several (see [`Workflow::INPUT_SHAPE`]).
    type Input: Serialize + DeserializeOwned + 'static;
    /// The success value of the `#[run]` method.
    type Output: Serialize + DeserializeOwned + 'static;

    /// Whether this is the dynamic workflow (`#[workflow(dynamic)]`): the one a worker runs for
    /// workflow types that no other registered workflow has. Its input is `Vec<RawValue>`, one
    /// per argument payload, and `NAME` only names it in messages.
    ///
    /// ```
    /// use temporal_sdk::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Fallback;
    ///
    /// #[workflow(dynamic)]
    /// impl Fallback {
    ///     #[run]
    ///     async fn run(&self, args: Vec<RawValue>) -> WorkflowResult<usize> {
    ///         Ok(args.len())
    ///     }
    /// }
    ///
    /// assert!(<Fallback as Workflow>::DYNAMIC);
    /// ```
    const DYNAMIC: bool = false;

    /// How [`Workflow::Input`] travels: [`ArgShape::Spread`] when the `#[run]` method takes
    /// several parameters (one payload each, `Input` their tuple), [`ArgShape::Single`] when it
    /// takes one or none.
    ///
    /// ```
    /// use temporal_sdk::converter::ArgShape;
    /// use temporal_sdk::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Transfer;
    ///
    /// #[workflow]
    /// impl Transfer {
    ///     #[run]
    ///     async fn run(&self, from: String, to: String, cents: u64) -> WorkflowResult<()> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// assert_eq!(<Transfer as Workflow>::INPUT_SHAPE, ArgShape::Spread);
    /// // client.start_workflow(Transfer::run, ("a".into(), "b".into(), 100), options)
    /// ```
    const INPUT_SHAPE: ArgShape = ArgShape::Single;

    /// How the workflow's runs move between worker deployment versions
    /// (`#[workflow(versioning_behavior = "pinned" | "auto_upgrade")]`); `Unspecified` leaves it
    /// to the worker's default (see [`crate::versioning`]).
    ///
    /// ```
    /// use temporal_sdk::prelude::*;
    /// use temporal_sdk::versioning::VersioningBehavior;
    ///
    /// #[derive(Default)]
    /// struct Migration;
    ///
    /// #[workflow(versioning_behavior = "auto_upgrade")]
    /// impl Migration {
    ///     #[run]
    ///     async fn run(&self) -> WorkflowResult<()> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// assert_eq!(<Migration as Workflow>::VERSIONING_BEHAVIOR, VersioningBehavior::AutoUpgrade);
    /// ```
    const VERSIONING_BEHAVIOR: crate::versioning::VersioningBehavior =
        crate::versioning::VersioningBehavior::Unspecified;

    /// Describes the constructor, run method and handlers (generated).
    #[doc(hidden)]
    fn definition() -> WorkflowDefinition<Self>;

    /// Decodes the workflow input from the argument payloads of the start event, by
    /// [`Workflow::INPUT_SHAPE`]; the dynamic workflow keeps them all raw.
    #[doc(hidden)]
    fn decode_input(payloads: &[Payload]) -> Result<Self::Input, PayloadError> {
        Self::INPUT_SHAPE.decode(payloads)
    }
}

/// Used by the code `#[workflow(dynamic)]` generates for [`Workflow::decode_input`].
#[doc(hidden)]
pub fn raw_input(payloads: &[Payload]) -> Result<Vec<RawValue>, PayloadError> {
    Ok(RawValue::from_payloads(payloads))
}

type InitFn<W> = fn(<W as Workflow>::Input) -> W;
/// An `async` dynamic handler: the workflow, the name it was called with, the raw arguments.
type DynamicAsyncFn<W, O> = fn(Rc<W>, String, Vec<RawValue>) -> LocalBoxFuture<'static, WorkflowResult<O>>;
type RunFn<W> = fn(Rc<W>, <W as Workflow>::Input) -> LocalBoxFuture<'static, WorkflowResult<<W as Workflow>::Output>>;

/// What the runtime needs to decode arguments, call a handler and encode its result, with the
/// concrete types erased so that the runtime can hold many workflow types in one table.
pub(crate) type SignalFn<W> = Box<dyn Fn(&Rc<W>, &[Payload]) -> Result<HandlerOutcome, PayloadError> + Send + Sync>;
pub(crate) type QueryFn<W> = Box<dyn Fn(&W, &[Payload]) -> Result<Payload, PayloadError> + Send + Sync>;
pub(crate) type UpdateFn<W> = Box<
    dyn Fn(&Rc<W>, &[Payload]) -> Result<LocalBoxFuture<'static, WorkflowResult<Payload>>, PayloadError> + Send + Sync,
>;
/// An update handler as the macro passes it: the shared workflow and the input, to a future.
pub type UpdateHandler<W, I, O> = fn(Rc<W>, I) -> LocalBoxFuture<'static, WorkflowResult<O>>;
pub(crate) type ValidatorFn<W> = Box<dyn Fn(&W, &[Payload]) -> Result<WorkflowResult<()>, PayloadError> + Send + Sync>;
pub(crate) type DynSignalFn<W> = Box<dyn Fn(&Rc<W>, &str, &[Payload]) -> HandlerOutcome + Send + Sync>;
pub(crate) type DynQueryFn<W> = Box<dyn Fn(&W, &str, &[Payload]) -> Result<Payload, PayloadError> + Send + Sync>;
pub(crate) type DynUpdateFn<W> =
    Box<dyn Fn(&Rc<W>, &str, &[Payload]) -> LocalBoxFuture<'static, WorkflowResult<Payload>> + Send + Sync>;
pub(crate) type DynValidatorFn<W> = Box<dyn Fn(&W, &str, &[Payload]) -> WorkflowResult<()> + Send + Sync>;

/// The workflow type of a handle made by name (a client's handle, an external or child
/// workflow's): it offers the by-name calls only.
#[derive(Debug, Clone, Copy)]
pub enum Untyped {}

/// The constructor, run method and handlers of a workflow type (built by `#[workflow]`).
///
/// ```
/// use std::rc::Rc;
/// use temporal_sdk::__private::{LocalBoxFuture, QueryMethod, SignalMethod, WorkflowDefinition};
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
///         .signal(SignalMethod::new("add"), |this: &Counter, n: u32| this.n.set(this.n.get() + n))
///         .query(QueryMethod::new("count"), |this: &Counter, (): ()| this.n.get())
///     }
/// }
/// ```
pub struct WorkflowDefinition<W: Workflow> {
    pub(crate) init: InitFn<W>,
    pub(crate) run: RunFn<W>,
    pub(crate) signals: HashMap<&'static str, SignalFn<W>>,
    pub(crate) queries: HashMap<&'static str, QueryFn<W>>,
    pub(crate) updates: HashMap<&'static str, UpdateFn<W>>,
    pub(crate) validators: HashMap<&'static str, ValidatorFn<W>>,
    pub(crate) dynamic_signal: Option<DynSignalFn<W>>,
    pub(crate) dynamic_query: Option<DynQueryFn<W>>,
    pub(crate) dynamic_update: Option<DynUpdateFn<W>>,
    pub(crate) dynamic_validator: Option<DynValidatorFn<W>>,
    /// Each handler's description and unfinished policy, by kind and name (`""` for the
    /// dynamic handler of a kind).
    pub(crate) details: HashMap<(InteractionKind, &'static str), HandlerDetails>,
}

/// What the attribute of a handler says about it besides its name.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HandlerDetails {
    pub(crate) description: &'static str,
    pub(crate) policy: HandlerUnfinishedPolicy,
}

impl<W: Workflow> std::fmt::Debug for WorkflowDefinition<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sorted = |names: Vec<&'static str>| {
            let mut names = names;
            names.sort_unstable();
            names
        };
        f.debug_struct("WorkflowDefinition")
            .field("workflow", &W::NAME)
            .field("signals", &sorted(self.signals.keys().copied().collect()))
            .field("queries", &sorted(self.queries.keys().copied().collect()))
            .field("updates", &sorted(self.updates.keys().copied().collect()))
            .finish_non_exhaustive()
    }
}

impl<W: Workflow> WorkflowDefinition<W> {
    /// A definition from the constructor and the `#[run]` method.
    pub fn new(init: InitFn<W>, run: RunFn<W>) -> Self {
        Self {
            init,
            run,
            signals: HashMap::new(),
            queries: HashMap::new(),
            updates: HashMap::new(),
            validators: HashMap::new(),
            dynamic_signal: None,
            dynamic_query: None,
            dynamic_update: None,
            dynamic_validator: None,
            details: HashMap::new(),
        }
    }

    fn set_details(
        &mut self,
        kind: InteractionKind,
        name: &'static str,
        description: &'static str,
        policy: HandlerUnfinishedPolicy,
    ) {
        self.details.insert((kind, name), HandlerDetails { description, policy });
    }

    /// Adds a synchronous signal handler.
    pub fn signal<I: SignalInput>(mut self, signal: SignalMethod<W, I>, handler: fn(&W, I)) -> Self {
        let shape = signal.input_shape();
        self.set_details(InteractionKind::Signal, signal.name(), signal.description, signal.policy);
        self.signals.insert(
            signal.name(),
            Box::new(move |this, args| {
                handler(this, shape.decode::<I>(args)?);
                Ok(HandlerOutcome::Done)
            }),
        );
        self
    }

    /// Adds an `async` signal handler: it runs as its own task beside the run method.
    pub fn async_signal<I: SignalInput>(
        mut self,
        signal: SignalMethod<W, I>,
        handler: fn(Rc<W>, I) -> LocalBoxFuture<'static, WorkflowResult<()>>,
    ) -> Self {
        let shape = signal.input_shape();
        self.set_details(InteractionKind::Signal, signal.name(), signal.description, signal.policy);
        self.signals.insert(
            signal.name(),
            Box::new(move |this, args| {
                let input = shape.decode::<I>(args)?;
                Ok(HandlerOutcome::Running(handler(Rc::clone(this), input)))
            }),
        );
        self
    }

    /// Adds a query handler: it reads the workflow state and returns a value.
    pub fn query<I: QueryInput, O: QueryOutput>(
        mut self,
        query: QueryMethod<W, I, O>,
        handler: fn(&W, I) -> O,
    ) -> Self {
        let shape = query.input_shape();
        self.set_details(InteractionKind::Query, query.name(), query.description, HandlerUnfinishedPolicy::default());
        self.queries.insert(
            query.name(),
            Box::new(move |this, args| {
                let input = shape.decode::<I>(args)?;
                converter::encode(&handler(this, input))
            }),
        );
        self
    }
}

impl<W: Workflow> WorkflowDefinition<W> {
    /// Adds an update handler: it may change state, await activities and timers, and returns
    /// a value (or an error that fails the update, not the workflow).
    pub fn update<I: UpdateInput, O: UpdateOutput>(
        mut self,
        update: UpdateMethod<W, I, O>,
        handler: UpdateHandler<W, I, O>,
    ) -> Self {
        let shape = update.input_shape();
        self.set_details(InteractionKind::Update, update.name(), update.description, update.policy);
        self.updates.insert(
            update.name(),
            Box::new(move |this, args| {
                let input = shape.decode::<I>(args)?;
                let fut = handler(Rc::clone(this), input);
                Ok(Box::pin(async move {
                    let out = fut.await?;
                    converter::encode(&out).map_err(|e| WorkflowError::Task(Box::new(e)))
                }))
            }),
        );
        self
    }

    /// Adds the validator of `update`: it runs before the update is accepted, must not change
    /// state, and rejects the update by returning an error.
    pub fn update_validator<I: UpdateInput, O>(
        mut self,
        update: UpdateMethod<W, I, O>,
        validator: fn(&W, &I) -> WorkflowResult<()>,
    ) -> Self {
        let shape = update.input_shape();
        self.validators.insert(
            update.name(),
            Box::new(move |this, args| {
                let input = shape.decode::<I>(args)?;
                Ok(validator(this, &input))
            }),
        );
        self
    }
}

/// The dynamic handlers: each receives the name it was called with and the arguments as raw
/// payloads, for every signal, query or update that has no handler of its own.
impl<W: Workflow> WorkflowDefinition<W> {
    /// Sets the dynamic signal handler (`#[signal(dynamic)]`).
    ///
    /// ```
    /// # use std::cell::RefCell;
    /// # use temporal_sdk::prelude::*;
    /// #[derive(Default)]
    /// struct Inbox {
    ///     received: RefCell<Vec<String>>,
    /// }
    ///
    /// #[workflow]
    /// impl Inbox {
    ///     #[run]
    ///     async fn run(&self) -> WorkflowResult<()> {
    ///         Ok(())
    ///     }
    ///
    ///     #[signal(dynamic)]
    ///     fn any_signal(&self, name: String, args: Vec<RawValue>) {
    ///         self.received.borrow_mut().push(format!("{name}/{}", args.len()));
    ///     }
    /// }
    /// ```
    pub fn dynamic_signal(mut self, handler: fn(&W, String, Vec<RawValue>)) -> Self {
        self.dynamic_signal = Some(Box::new(move |this, name, args| {
            handler(this, name.to_string(), RawValue::from_payloads(args));
            HandlerOutcome::Done
        }));
        self
    }

    /// Sets an `async` dynamic signal handler: it runs as its own task beside the run method.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Relay;
    /// #[workflow]
    /// impl Relay {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    ///     #[signal(dynamic)]
    ///     async fn forward(&self, name: String, args: Vec<RawValue>) -> WorkflowResult<()> {
    ///         workflow::logger().info(format!("{name} with {} arguments", args.len()));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn dynamic_async_signal(mut self, handler: DynamicAsyncFn<W, ()>) -> Self {
        self.dynamic_signal = Some(Box::new(move |this, name, args| {
            HandlerOutcome::Running(handler(Rc::clone(this), name.to_string(), RawValue::from_payloads(args)))
        }));
        self
    }

    /// Sets the dynamic query handler (`#[query(dynamic)]`).
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Settings { values: std::collections::BTreeMap<String, String> }
    /// #[workflow]
    /// impl Settings {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    ///     /// Answers `get_<key>` for every key.
    ///     #[query(dynamic)]
    ///     fn get(&self, name: String, _args: Vec<RawValue>) -> Option<String> {
    ///         self.values.get(name.trim_start_matches("get_")).cloned()
    ///     }
    /// }
    /// ```
    pub fn dynamic_query<O: QueryOutput>(mut self, handler: fn(&W, String, Vec<RawValue>) -> O) -> Self {
        self.dynamic_query = Some(Box::new(move |this, name, args| {
            converter::encode(&handler(this, name.to_string(), RawValue::from_payloads(args)))
        }));
        self
    }

    /// Sets the dynamic update handler (`#[update(dynamic)]`).
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Counter { n: std::cell::Cell<usize> }
    /// #[workflow]
    /// impl Counter {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    ///     #[update(dynamic)]
    ///     async fn any(&self, _name: String, args: Vec<RawValue>) -> WorkflowResult<usize> {
    ///         self.n.set(self.n.get() + args.len());
    ///         Ok(self.n.get())
    ///     }
    /// }
    /// ```
    pub fn dynamic_update<O: UpdateOutput>(mut self, handler: DynamicAsyncFn<W, O>) -> Self {
        self.dynamic_update = Some(Box::new(move |this, name, args| {
            let fut = handler(Rc::clone(this), name.to_string(), RawValue::from_payloads(args));
            Box::pin(async move {
                let out = fut.await?;
                converter::encode(&out).map_err(|e| WorkflowError::Task(Box::new(e)))
            })
        }));
        self
    }

    /// Sets the validator of the dynamic update handler.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Counter;
    /// #[workflow]
    /// impl Counter {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    ///     #[update(dynamic)]
    ///     fn any(&self, _name: String, args: Vec<RawValue>) -> WorkflowResult<usize> {
    ///         Ok(args.len())
    ///     }
    ///
    ///     #[update_validator(any)]
    ///     fn only_known(&self, name: &str, _args: &[RawValue]) -> Result<(), ApplicationError> {
    ///         if name.starts_with("add_") { Ok(()) } else { Err(ApplicationError::new("unknown update")) }
    ///     }
    /// }
    /// ```
    pub fn dynamic_update_validator(mut self, validator: fn(&W, &str, &[RawValue]) -> WorkflowResult<()>) -> Self {
        self.dynamic_validator =
            Some(Box::new(move |this, name, args| validator(this, name, &RawValue::from_payloads(args))));
        self
    }

    /// Used by the generated code: the description and unfinished policy of the dynamic
    /// signal handler.
    #[doc(hidden)]
    pub fn dynamic_signal_details(mut self, description: &'static str, policy: HandlerUnfinishedPolicy) -> Self {
        self.set_details(InteractionKind::Signal, "", description, policy);
        self
    }

    /// Used by the generated code: the description of the dynamic query handler.
    #[doc(hidden)]
    pub fn dynamic_query_details(mut self, description: &'static str) -> Self {
        self.set_details(InteractionKind::Query, "", description, HandlerUnfinishedPolicy::default());
        self
    }

    /// Used by the generated code: the description and unfinished policy of the dynamic
    /// update handler.
    #[doc(hidden)]
    pub fn dynamic_update_details(mut self, description: &'static str, policy: HandlerUnfinishedPolicy) -> Self {
        self.set_details(InteractionKind::Update, "", description, policy);
        self
    }
}

/// Marker for an `#[update]` handler taking `I` and returning `O`: `Cart::add_item`. For a
/// handler with several parameters, `I` is their tuple, sent one payload each.
pub struct UpdateMethod<W, I, O> {
    name: &'static str,
    shape: ArgShape,
    description: &'static str,
    policy: HandlerUnfinishedPolicy,
    _types: PhantomData<fn(W, I) -> O>,
}

impl<W, I, O> UpdateMethod<W, I, O> {
    /// Used by the generated code.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            shape: ArgShape::Single,
            description: "",
            policy: HandlerUnfinishedPolicy::WarnAndAbandon,
            _types: PhantomData,
        }
    }
    /// The update name sent to the server.
    pub const fn name(&self) -> &'static str {
        self.name
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

/// Marker for a `#[signal]` handler taking `I`: `Greeting::update_salutation`. For a handler
/// with several parameters, `I` is their tuple, sent one payload each.
pub struct SignalMethod<W, I> {
    name: &'static str,
    shape: ArgShape,
    description: &'static str,
    policy: HandlerUnfinishedPolicy,
    _types: PhantomData<fn(W, I)>,
}

impl<W, I> SignalMethod<W, I> {
    /// Used by the generated code.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            shape: ArgShape::Single,
            description: "",
            policy: HandlerUnfinishedPolicy::WarnAndAbandon,
            _types: PhantomData,
        }
    }
    /// The signal name sent to the server.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// Marker for a `#[query]` handler taking `I` and returning `O`: `Greeting::current_greeting`.
/// For a handler with several parameters, `I` is their tuple, sent one payload each.
pub struct QueryMethod<W, I, O> {
    name: &'static str,
    shape: ArgShape,
    description: &'static str,
    _types: PhantomData<fn(W, I) -> O>,
}

impl<W, I, O> QueryMethod<W, I, O> {
    /// Used by the generated code.
    pub const fn new(name: &'static str) -> Self {
        Self { name, shape: ArgShape::Single, description: "", _types: PhantomData }
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
/// The input shape of the handler markers: set by the generated code for handlers with several
/// parameters.
macro_rules! shaped_marker {
    ($name:ident < $($p:ident),* >) => {
        impl<$($p),*> $name<$($p),*> {
            /// Used by the generated code: the handler takes several parameters, one payload each.
            pub const fn spread(mut self) -> Self {
                self.shape = ArgShape::Spread;
                self
            }
            /// How the input travels: one payload, or one per parameter.
            ///
            /// ```
            /// use temporal_sdk::converter::ArgShape;
            /// use temporal_sdk::prelude::*;
            ///
            /// #[derive(Default)]
            /// struct Person;
            ///
            /// #[workflow]
            /// impl Person {
            ///     #[run]
            ///     async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            ///     #[signal]
            ///     fn rename(&self, first: String, last: String) {}
            ///     #[signal]
            ///     fn rename_pair(&self, names: (String, String)) {}
            /// }
            ///
            /// assert_eq!(Person::rename.input_shape(), ArgShape::Spread);
            /// assert_eq!(Person::rename_pair.input_shape(), ArgShape::Single);
            /// ```
            pub const fn input_shape(&self) -> ArgShape {
                self.shape
            }
        }
    };
}
/// The description of the handler markers: from `description = ".."` or the doc comment.
macro_rules! described_marker {
    ($name:ident < $($p:ident),* >) => {
        impl<$($p),*> $name<$($p),*> {
            /// Used by the generated code: the handler's description.
            #[doc(hidden)]
            pub const fn with_description(mut self, description: &'static str) -> Self {
                self.description = description;
                self
            }
            /// The handler's description, which the Web UI and `temporal workflow metadata`
            /// show: the attribute's `description = ".."`, else the first paragraph of the
            /// handler's doc comment.
            ///
            /// ```
            /// use temporal_sdk::prelude::*;
            ///
            /// #[derive(Default)]
            /// struct Counter;
            ///
            /// #[workflow]
            /// impl Counter {
            ///     #[run]
            ///     async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            ///     /// Adds `n` to the count.
            ///     #[signal]
            ///     fn add(&self, n: u32) {}
            ///     #[query(description = "The count so far")]
            ///     fn count(&self) -> u32 { 0 }
            /// }
            ///
            /// assert_eq!(Counter::add.description(), "Adds `n` to the count.");
            /// assert_eq!(Counter::count.description(), "The count so far");
            /// ```
            pub const fn description(&self) -> &'static str {
                self.description
            }
        }
    };
}
/// The unfinished policy of the signal and update markers.
macro_rules! policy_marker {
    ($name:ident < $($p:ident),* >) => {
        impl<$($p),*> $name<$($p),*> {
            /// Used by the generated code: `unfinished_policy = ".."`.
            #[doc(hidden)]
            pub const fn with_unfinished_policy(mut self, policy: HandlerUnfinishedPolicy) -> Self {
                self.policy = policy;
                self
            }
            /// Whether a warning is logged if the handler is still running when the workflow
            /// finishes (`#[signal(unfinished_policy = "abandon")]` turns it off).
            ///
            /// ```
            /// use temporal_sdk::prelude::*;
            /// use temporal_sdk::workflow::HandlerUnfinishedPolicy;
            ///
            /// #[derive(Default)]
            /// struct Cart;
            ///
            /// #[workflow]
            /// impl Cart {
            ///     #[run]
            ///     async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            ///     #[signal(unfinished_policy = "abandon")]
            ///     async fn refresh(&self) -> WorkflowResult<()> { Ok(()) }
            /// }
            ///
            /// assert_eq!(Cart::refresh.unfinished_policy(), HandlerUnfinishedPolicy::Abandon);
            /// ```
            pub const fn unfinished_policy(&self) -> HandlerUnfinishedPolicy {
                self.policy
            }
        }
    };
}
shaped_marker!(SignalMethod<W, I>);
shaped_marker!(QueryMethod<W, I, O>);
shaped_marker!(UpdateMethod<W, I, O>);
described_marker!(SignalMethod<W, I>);
described_marker!(QueryMethod<W, I, O>);
described_marker!(UpdateMethod<W, I, O>);
policy_marker!(SignalMethod<W, I>);
policy_marker!(UpdateMethod<W, I, O>);

copy_marker!(RunMethod<W>);
copy_marker!(SignalMethod<W, I>);
copy_marker!(QueryMethod<W, I, O>);
copy_marker!(UpdateMethod<W, I, O>);

impl<W> Default for RunMethod<W> {
    fn default() -> Self {
        Self::new()
    }
}

/// Extracts the success type of a workflow method's `Result` return type (`#[run]` and
/// `#[update]` methods).
#[diagnostic::on_unimplemented(
    message = "a workflow's `#[run]` and `#[update]` methods return `WorkflowResult<T>` (or `Result<T, E>`), not `{Self}`",
    label = "not a `Result`",
    note = "any `E` convertible into `WorkflowError` works, e.g. `ApplicationError` or `anyhow::Error`"
)]
pub trait WorkflowReturn {
    /// The success type.
    type Ok;
    /// The result with its error converted.
    fn into_result(self) -> Result<Self::Ok, crate::error::WorkflowError>;
}

impl<T, E: Into<crate::error::WorkflowError>> WorkflowReturn for Result<T, E> {
    type Ok = T;
    fn into_result(self) -> Result<T, crate::error::WorkflowError> {
        self.map_err(Into::into)
    }
}

/// The error an update validator rejects with: an ordinary Rust error becomes an application
/// failure with the error's message and unqualified type name (as Python reports the raised
/// exception), not a task failure.
#[doc(hidden)]
pub fn validator_rejection<E: Into<WorkflowError>>(error: E) -> WorkflowError {
    let rust_type = std::any::type_name::<E>();
    match error.into() {
        WorkflowError::Task(e) => {
            let rust_type = if rust_type == std::any::type_name::<WorkflowError>() { "str" } else { rust_type };
            WorkflowError::from_failure(crate::error::failure_of_error(e.as_ref(), rust_type))
        }
        other => other,
    }
}
