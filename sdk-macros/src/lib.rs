//! Procedural macros of `temporal-sdk`: `#[workflow]` (with `#[run]`, `#[init]`, `#[signal]`,
//! `#[query]`, `#[update]` and `#[update_validator]` inside), `#[activity]`, and
//! `#[activities]` (with `#[activity]` methods inside).
//!
//! Use them through `temporal_sdk` (`use temporal_sdk::prelude::*;`), never from this crate
//! directly: the generated code refers to `::temporal_sdk::__private`, so a user's crate needs
//! only `temporal-sdk` (plus `serde` and `tokio`).
//!
//! The logic lives in functions over `proc_macro2::TokenStream` (modules `workflow` and
//! `activity`) so that unit tests can run it; the entry points below only convert the streams.

#![deny(missing_docs)]

use proc_macro::TokenStream;

mod activities;
mod activity;
mod attrs;
mod signature;
mod workflow;

/// Makes a workflow type out of the inherent `impl` block of a type.
///
/// Inside the block, mark (`[, input: I]` stands for any number of parameters, see
/// [Arguments](#arguments)):
/// - exactly one `#[run]` method: `async fn NAME(&self[, input: I]) -> R` where `R` is
///   `WorkflowResult<O>` or any `Result<O, E>` with `E: Into<WorkflowError>`; `I` (or `()`) is
///   the workflow input and `O` its result;
/// - optionally one `#[init]` constructor: `fn NAME(input: I) -> Self` (the same parameters as
///   the run method) or `fn NAME() -> Self`; without it the workflow is built with
///   `Default::default()`;
/// - any number of `#[signal]` handlers: `fn NAME(&self[, input: I])`, or
///   `async fn NAME(&self[, input: I])` returning nothing or `Result<(), E>` (an async signal
///   handler runs beside the run method and may await activities and timers);
/// - any number of `#[query]` handlers: `fn NAME(&self[, input: I]) -> O` (never `async`);
/// - any number of `#[update]` handlers: `fn NAME(&self[, input: I]) -> R` or
///   `async fn NAME(&self[, input: I]) -> R`, where `R` is `WorkflowResult<O>` or any
///   `Result<O, E>` with `E: Into<WorkflowError>` (an error fails the update, not the workflow);
/// - for any update, one `#[update_validator(UPDATE_METHOD)]`: `fn NAME(&self[, input: &I]) ->
///   Result<(), E>` (a reference to each of the update's parameters, or none), never `async`,
///   run before the update is accepted (an error rejects it);
/// - at most one dynamic handler of each kind, for the names that have no handler of their own:
///   `#[signal(dynamic)] fn NAME(&self, name: String, args: Vec<RawValue>)`,
///   `#[query(dynamic)] fn NAME(&self, name: String, args: Vec<RawValue>) -> O`,
///   `#[update(dynamic)] async fn NAME(&self, name: String, args: Vec<RawValue>) -> R` (its validator
///   takes `(&self, name: &str, args: &[RawValue])`).
///
/// Handlers take `&self`: the run method and the handlers share one instance, so state that
/// changes lives in `Cell`/`RefCell` fields. Arguments and results cross the wire, so they are
/// owned serde types.
///
/// # Arguments
///
/// Each parameter is one payload, as Python's `*args`: a method `fn transfer(&self, from:
/// String, cents: u64)` receives two payloads, so a Python client calls it with two arguments.
/// Its marker's input type is the tuple of the parameter types, and callers pass a tuple:
/// `handle.signal(Account::transfer, ("ada".into(), 100))` (the typed handle method takes them
/// one by one: `handle.transfer("ada".into(), 100)`); a wrong type or count is a compile error.
/// A method without parameters takes `()` and receives no payload.
///
/// **Two parameters are two payloads (Python `*args`); one tuple parameter is one payload
/// holding an array.** `fn transfer(&self, (from, cents): (String, u64))` has the same input
/// type, but receives one JSON array `["ada",100]`. Pick by what the other side sends.
///
/// Arguments that arrive are read as Python reads them: a missing trailing argument whose type
/// is an `Option` is `None`; any other missing argument, or more arguments than parameters, is
/// an error naming the counts, handled as any input that does not decode: it fails the
/// workflow task (the run method's input), drops the signal with a warning (as Python does),
/// rejects the update, or fails the query.
///
/// `#[workflow(name = "Other")]` sets the workflow type name registered with the server (the
/// Rust type name by default); `#[signal(name = "..")]`, `#[query(name = "..")]` and
/// `#[update(name = "..")]` do the same for handlers (the method name by default).
/// `#[workflow(dynamic)]` makes the dynamic workflow, which a worker runs for every workflow type
/// it has no other workflow for: its run method takes `args: Vec<RawValue>`.
/// `#[workflow(versioning_behavior = "pinned")]` (or `"auto_upgrade"`) sets how the workflow's
/// runs move between worker deployment versions (`Workflow::VERSIONING_BEHAVIOR`), overriding
/// the worker's default.
///
/// # Determinism
///
/// The code of every method in the block (handlers and helpers) is checked for well-known calls
/// that give another outcome when the workflow replays, each a compile error that names the
/// deterministic alternative: the clock (`SystemTime::now`, `Instant::now`, `chrono::Utc::now`
/// -> `workflow::now()`), sleeping (`std::thread::sleep`, `tokio::time::sleep` ->
/// `workflow::sleep`), threads and tasks (`std::thread::spawn`, `tokio::spawn` ->
/// `workflow::join!`/`workflow::select!`), `tokio::select!` (-> `workflow::select!`),
/// randomness (`rand::random`, `thread_rng`, `rand::rng` -> `workflow::random()`;
/// `Uuid::new_v4` -> `workflow::uuid4()`), and file, network, process and environment access
/// (`std::fs`, `std::net`, `std::env::var` -> an activity). The check matches paths as written,
/// so a renaming import (`use std::time::SystemTime as Clock`) or a helper function outside the
/// block escapes it. Put `#[allow_nondeterministic]` on a method or a statement that you vouch
/// for, or write `#[workflow(unrestricted)]` to turn the check off for the block.
///
/// # What it generates
///
/// Each `#[run]`, `#[signal]`, `#[query]` and `#[update]` method is replaced by an associated
/// constant of the same name, visibility and documentation: a typed *marker* that clients pass
/// around (`Greeting::run: RunMethod<Greeting>`, `Greeting::update_salutation:
/// SignalMethod<Greeting, String>`, `Greeting::current_salutation: QueryMethod<Greeting, (),
/// String>`, `Cart::add_item: UpdateMethod<Cart, Item, u32>`; for several parameters the input
/// type is their tuple). The method itself stays, body
/// untouched, under a hidden name, so it can no longer be called as `self.update_salutation(..)`:
/// put code that a handler and the run method share in a plain method. The `#[init]`
/// constructor, validators and dynamic handlers keep their names. Then the macro implements
/// `Workflow` for the type (its name, input and output types, and a table of handlers).
///
/// A `WorkflowHandle<Greeting>` also gets one method per signal, query and update:
/// `handle.update_salutation("Aloha".into()).await?`, `handle.current_salutation().await?`. They
/// are methods of a trait object that the handle derefs to, so nothing is added to your module;
/// a handler named like a method of the handle itself (`cancel`, `result`, `signal` ...) is
/// reached through its marker only.
///
/// # Example
///
/// ```ignore
/// use std::cell::{Cell, RefCell};
/// use temporal_sdk::prelude::*;
///
/// #[derive(Default)]
/// struct Greeting {
///     salutation: RefCell<String>,
///     complete: Cell<bool>,
/// }
///
/// #[workflow]
/// impl Greeting {
///     #[run]
///     pub async fn run(&self, name: String) -> WorkflowResult<String> {
///         workflow::wait_condition(|| self.complete.get()).await?;
///         Ok(format!("{}, {name}!", self.salutation.borrow()))
///     }
///
///     #[signal]
///     pub fn update_salutation(&self, salutation: String) {
///         *self.salutation.borrow_mut() = salutation;
///     }
///
///     #[signal(name = "finish")]
///     pub fn complete(&self) {
///         self.complete.set(true);
///     }
///
///     #[query]
///     pub fn current_salutation(&self) -> String {
///         self.salutation.borrow().clone()
///     }
/// }
///
/// // client side
/// let handle = client.start_workflow(Greeting::run, "world".to_string(),
///     WorkflowOptions::new("greeting-1", "my-task-queue")).await?;
/// handle.signal(Greeting::update_salutation, "Aloha".to_string()).await?;
/// handle.signal(Greeting::complete, ()).await?;
/// let salutation: String = handle.query(Greeting::current_salutation, ()).await?;
/// ```
///
/// Misuse is a compile error that points at the offending method: no `#[run]` or two of them,
/// a run method that is not `async`, `&mut self` or a missing `&self`, an
/// `async` query or validator, a validator whose parameters do not match its update's, a synchronous signal returning a value, an update that does not
/// return a `Result`, a validator of an unknown update or with another input type, a dynamic
/// handler with another signature, borrowed argument types, generic handlers, and so on.
#[proc_macro_attribute]
pub fn workflow(attr: TokenStream, item: TokenStream) -> TokenStream {
    workflow::expand(attr.into(), item.into()).into()
}

/// Makes an activity out of a free function, `async` or not, that takes any number of
/// arguments and returns `Result<T, E>` (any `E: Into<ActivityError>`).
///
/// The function becomes a unit struct of the same name (a zero-sized value that implements
/// `ActivityDefinition` and `ActivityImplementation`), so workflow code schedules it by value
/// with typed input and output, and a worker registers it:
///
/// ```ignore
/// use std::time::Duration;
/// use temporal_sdk::prelude::*;
///
/// /// Greets someone.
/// #[activity]
/// pub async fn say_hello(name: String) -> Result<String, ActivityError> {
///     Ok(format!("Hello, {name}!"))
/// }
///
/// // in a workflow:
/// let greeting: String = workflow::execute_activity(
///     say_hello,
///     "world".to_string(),
///     ActivityOptions::start_to_close(Duration::from_secs(5)),
/// ).await?;
///
/// // in a unit test: the function's code, called directly (no worker, no server)
/// assert_eq!(say_hello::call("world".to_string()).await?, "Hello, world!");
/// ```
///
/// The activity type name registered with the server is the function name;
/// `#[activity(name = "SayHello")]` overrides it. A non-`async` function is a blocking
/// activity: the worker runs it on its blocking thread pool. The arguments and the success value
/// cross the wire, so they are owned serde types.
///
/// Each parameter is one payload, as Python's `*args`: `async fn compose(greeting: String,
/// name: String)` receives two payloads (a Python workflow calls it with `args=["Hello",
/// "World"]`), its `Input` is `(String, String)`, and workflow code passes a tuple:
/// `workflow::execute_activity(compose, ("Hello".into(), "World".into()), options)`. **Two
/// parameters are two payloads (Python `*args`); one tuple parameter `pair: (String, String)`
/// is one payload holding an array.** A missing trailing `Option` argument is `None`; other
/// missing arguments, or extra ones, fail the attempt (retryably, as any arguments that do not
/// decode) with an error naming the counts.
///
/// `say_hello::call(input)` has the function's original signature (it is `async` when the
/// function is, and takes the parameters one by one) and runs its body as is: handy in unit
/// tests.
#[proc_macro_attribute]
pub fn activity(attr: TokenStream, item: TokenStream) -> TokenStream {
    activity::expand(attr.into(), item.into()).into()
}

/// Marks the run method of a workflow, inside a `#[workflow]` impl block:
/// `async fn run(&self[, input: I]) -> WorkflowResult<O>`. See [`macro@workflow`].
///
/// ```ignore
/// #[workflow]
/// impl Hello {
///     #[run]
///     async fn run(&self, name: String) -> WorkflowResult<String> {
///         Ok(format!("Hello, {name}!"))
///     }
/// }
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn run(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("run", item)
}

/// Marks the constructor of a workflow, inside a `#[workflow]` impl block: `fn new(input: I) ->
/// Self` (the same input as the `#[run]` method) or `fn new() -> Self`. Without it the workflow
/// is built with `Default::default()`. See [`macro@workflow`].
///
/// ```ignore
/// #[workflow]
/// impl Counter {
///     #[init]
///     fn new(start: u32) -> Self {
///         Counter { n: Cell::new(start) }
///     }
///
///     #[run]
///     async fn run(&self, _start: u32) -> WorkflowResult<u32> {
///         Ok(self.n.get())
///     }
/// }
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn init(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("init", item)
}

/// Marks a signal handler, inside a `#[workflow]` impl block: `fn NAME(&self[, input: I])`, or
/// `async fn NAME(&self[, input: I])` returning nothing or `Result<(), E>`.
/// `#[signal(name = "..")]` sets the signal name (the method name by default);
/// `#[signal(dynamic)]` makes the handler of every signal without a handler of its own:
/// `fn NAME(&self, name: String, args: Vec<RawValue>)`. See [`macro@workflow`].
///
/// ```ignore
/// #[signal]
/// fn update_salutation(&self, salutation: String) {
///     *self.salutation.borrow_mut() = salutation;
/// }
///
/// #[signal(name = "approve")]
/// async fn approve(&self, who: String) -> WorkflowResult<()> {
///     workflow::execute_activity(record_approval, who, options()).await?;
///     self.approved.set(true);
///     Ok(())
/// }
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn signal(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("signal", item)
}

/// Marks a query handler, inside a `#[workflow]` impl block: `fn NAME(&self[, input: I]) -> O`,
/// never `async`. `#[query(name = "..")]` sets the query name (the method name by default);
/// `#[query(dynamic)]` makes the handler of every query without a handler of its own:
/// `fn NAME(&self, name: String, args: Vec<RawValue>) -> O`. See [`macro@workflow`].
///
/// ```ignore
/// #[query]
/// fn current_salutation(&self) -> String {
///     self.salutation.borrow().clone()
/// }
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn query(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("query", item)
}

/// Marks an update handler, inside a `#[workflow]` impl block: `fn NAME(&self[, input: I]) ->
/// R` or `async fn NAME(&self[, input: I]) -> R`, where `R` is `WorkflowResult<O>` or any
/// `Result<O, E>` with `E: Into<WorkflowError>`. An update may change state and await
/// activities and timers; its result goes back to the client, and an error fails the update,
/// not the workflow. `#[update(name = "..")]` sets the update name (the method name by default);
/// `#[update(dynamic)]` makes the handler of every update name without a handler of its own:
/// `async fn NAME(&self, name: String, args: Vec<RawValue>) -> R`. See [`macro@workflow`].
///
/// ```ignore
/// #[update]
/// async fn add_item(&self, item: String) -> WorkflowResult<u32> {
///     self.items.borrow_mut().push(item);
///     Ok(self.items.borrow().len() as u32)
/// }
///
/// // client side
/// let count: u32 = handle.execute_update(Cart::add_item, "tea".to_string()).await?;
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn update(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("update", item)
}

/// Marks the validator of an update, inside a `#[workflow]` impl block:
/// `#[update_validator(UPDATE_METHOD)] fn NAME(&self[, input: &I]) -> Result<(), E>`, never
/// `async`, where `UPDATE_METHOD` is the Rust name of the `#[update]` method and `I` its input.
/// It runs before the update is accepted and must not change state: `Ok(())` accepts the
/// update, an error rejects it (the update handler does not run, and nothing is written to
/// history). The validator of a dynamic update takes `(&self, name: &str, args: &[RawValue])`.
/// The method keeps its name. See [`macro@workflow`].
///
/// ```ignore
/// #[update_validator(add_item)]
/// fn validate_add_item(&self, item: &String) -> Result<(), ApplicationError> {
///     if item.is_empty() {
///         return Err(ApplicationError::new("an item needs a name"));
///     }
///     Ok(())
/// }
/// ```
///
/// On its own (outside a `#[workflow]` impl block) it is a compile error.
#[proc_macro_attribute]
pub fn update_validator(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_workflow("update_validator", item)
}

/// Makes activities out of the `#[activity]` methods of an inherent `impl` block: activities
/// that share one value, such as a connection pool or a client.
///
/// Each method takes `&self` and any number of arguments (one payload each, their tuple being
/// the input, as for [`macro@activity`]), is `async` or not (a blocking activity,
/// run on the worker's activity executor), and returns `Result<T, E>` (any
/// `E: Into<ActivityError>`); `#[activity(name = "..")]` sets the activity type name (the method
/// name by default). The method is replaced by a marker constant of the same name that workflow
/// code schedules like a function marked `#[activity]`; `WorkerOptions::activities(Arc<T>)`
/// registers every method of the block, all running on that one value.
///
/// ```ignore
/// struct Database {
///     pool: Pool,
/// }
///
/// #[activities]
/// impl Database {
///     #[activity]
///     async fn load(&self, id: u64) -> Result<Order, ActivityError> {
///         Ok(self.pool.get(id).await?)
///     }
/// }
///
/// // in a workflow
/// let order = workflow::execute_activity(Database::load, 7, options).await?;
/// // in a worker
/// let options = WorkerOptions::new("orders").activities(Arc::new(Database { pool }));
/// // in a unit test: the method's code, on a value of your own
/// let order = Database::load.call(&Arc::new(database), 7).await?;
/// ```
///
/// The type must be `Send + Sync + 'static` (activities run concurrently on worker threads).
#[proc_macro_attribute]
pub fn activities(attr: TokenStream, item: TokenStream) -> TokenStream {
    activities::expand(attr.into(), item.into()).into()
}

/// `::temporal_sdk::__private`, the only path generated code uses, with the given span (the
/// span of a path decides where the compiler reports a failed bound on what it names).
pub(crate) fn private(span: proc_macro2::Span) -> proc_macro2::TokenStream {
    quote::quote_spanned!(span=> ::temporal_sdk::__private)
}

/// `#[workflow]` removes the inner attributes before they expand; one that does expand was
/// used somewhere else. The item is kept so that the compiler reports nothing else about it.
fn outside_workflow(keyword: &str, item: TokenStream) -> TokenStream {
    let mut output: proc_macro2::TokenStream = item.into();
    output.extend(outside_workflow_error(keyword));
    output.into()
}

fn outside_workflow_error(keyword: &str) -> proc_macro2::TokenStream {
    let message = format!(
        "`#[{keyword}]` must be used on a method inside a `#[workflow]` impl block: \
         `#[workflow] impl MyWorkflow {{ #[{keyword}] fn .. }}`"
    );
    syn::Error::new(proc_macro2::Span::call_site(), message).to_compile_error()
}

#[cfg(test)]
mod tests;
