//! Procedural macros of `temporal-sdk`: `#[workflow]` (with `#[run]`, `#[init]`, `#[signal]`
//! and `#[query]` inside) and `#[activity]`.
//!
//! Use them through `temporal_sdk` (`use temporal_sdk::prelude::*;`), never from this crate
//! directly: the generated code refers to `::temporal_sdk::__private`, so a user's crate needs
//! only `temporal-sdk` (plus `serde` and `tokio`).
//!
//! The logic lives in functions over `proc_macro2::TokenStream` (modules `workflow` and
//! `activity`) so that unit tests can run it; the entry points below only convert the streams.

use proc_macro::TokenStream;

mod activity;
mod attrs;
mod signature;
mod workflow;

/// Makes a workflow type out of the inherent `impl` block of a type.
///
/// Inside the block, mark:
/// - exactly one `#[run]` method: `async fn NAME(&self[, input: I]) -> R` where `R` is
///   `WorkflowResult<O>` or any `Result<O, E>` with `E: Into<WorkflowError>`; `I` (or `()`) is
///   the workflow input and `O` its result;
/// - optionally one `#[init]` constructor: `fn NAME(input: I) -> Self` (the same input as the
///   run method) or `fn NAME() -> Self`; without it the workflow is built with
///   `Default::default()`;
/// - any number of `#[signal]` handlers: `fn NAME(&self[, input: I])`, or
///   `async fn NAME(&self[, input: I])` returning nothing or `Result<(), E>` (an async signal
///   handler runs beside the run method and may await activities and timers);
/// - any number of `#[query]` handlers: `fn NAME(&self[, input: I]) -> O` (never `async`).
///
/// Handlers take `&self`: the run method and the handlers share one instance, so state that
/// changes lives in `Cell`/`RefCell` fields. A handler takes at most one argument (use a struct
/// or a tuple for more). Arguments and results cross the wire, so they are owned serde types.
///
/// `#[workflow(name = "Other")]` sets the workflow type name registered with the server (the
/// Rust type name by default); `#[signal(name = "..")]` and `#[query(name = "..")]` do the same
/// for handlers (the method name by default).
///
/// # What it generates
///
/// Each `#[run]`, `#[signal]` and `#[query]` method is replaced by an associated constant of the
/// same name, visibility and documentation: a typed *marker* that clients pass around
/// (`Greeting::run: RunMethod<Greeting>`, `Greeting::update_salutation:
/// SignalMethod<Greeting, String>`, `Greeting::current_salutation: QueryMethod<Greeting, (),
/// String>`). The method itself stays, body untouched, under a hidden name, so it can no longer
/// be called as `self.update_salutation(..)`: put code that a handler and the run method share
/// in a plain method. The `#[init]` constructor keeps its name. Then the macro implements
/// `Workflow` for the type (its name, input and output types, and a table of handlers).
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
/// a run method that is not `async`, `&mut self` or a missing `&self`, more than one argument, an
/// `async` query, a synchronous signal returning a value, borrowed argument types, generic
/// handlers, and so on.
#[proc_macro_attribute]
pub fn workflow(attr: TokenStream, item: TokenStream) -> TokenStream {
    workflow::expand(attr.into(), item.into()).into()
}

/// Makes an activity out of a free function, `async` or not, that takes zero or one argument
/// and returns `Result<T, E>` (any `E: Into<ActivityError>`).
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
/// activity: the worker runs it on its blocking thread pool. The argument and the success value
/// cross the wire, so they are owned serde types; for several values take a struct or a tuple.
///
/// `say_hello::call(input)` has the function's original signature (it is `async` when the
/// function is) and runs its body as is: handy in unit tests.
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
/// `#[signal(name = "..")]` sets the signal name (the method name by default).
/// See [`macro@workflow`].
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
/// never `async`. `#[query(name = "..")]` sets the query name (the method name by default).
/// See [`macro@workflow`].
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
