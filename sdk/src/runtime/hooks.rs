//! What the engine tells the code around a run (interceptors) before it calls workflow code
//! with something that arrived, and before it sends a command: a seam, so the engine depends
//! on nothing outside itself.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::context::SharedState;
use super::info::WorkflowInfo;
use crate::headers::Headers;
use crate::protos::temporal::api::common::v1::{Header, Payload};

/// What arrived for the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InboundKind {
    /// The run method is about to be called with the workflow's input.
    Run,
    /// A signal.
    Signal,
    /// A query.
    Query,
    /// An update's validator.
    ValidateUpdate,
    /// An update's handler.
    Update,
}

/// What the workflow is about to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutboundKind {
    /// Schedules an activity; the name is its type.
    Activity,
    /// Runs a local activity; the name is its type.
    LocalActivity,
    /// Starts a child workflow; the name is its type.
    ChildWorkflow,
    /// Signals a child workflow; the name is the signal's.
    SignalChildWorkflow,
    /// Signals another workflow; the name is the signal's.
    SignalExternalWorkflow,
    /// Continues as new; the name is the next run's workflow type.
    ContinueAsNew,
    /// Starts a timer; the name is its summary, if any. Timers carry no headers.
    Timer,
    /// Completes the run: returns, fails or is cancelled; the name is the workflow type.
    /// Completions carry no headers.
    CompleteWorkflow,
}

/// The hooks of one worker's runs.
pub(crate) trait RunHooks: Send + Sync {
    #[allow(clippy::too_many_arguments)]
    fn inbound(
        &self,
        kind: InboundKind,
        name: &str,
        info: &WorkflowInfo,
        header: &mut Option<Header>,
        args: &[Payload],
        replaying: bool,
    );
    fn outbound(
        &self,
        kind: OutboundKind,
        name: &str,
        info: &WorkflowInfo,
        header: &mut Option<Header>,
        failed: bool,
        replaying: bool,
    );
}

pub(crate) type SharedHooks = Option<Arc<dyn RunHooks>>;

/// The facts a hook sees, copied out so that hooks may call workflow functions that look at
/// the run's state.
fn snapshot(state: &SharedState) -> Option<(Arc<dyn RunHooks>, WorkflowInfo, bool)> {
    let st = state.try_borrow().ok()?;
    let hooks = Arc::clone(st.hooks.as_ref()?);
    Some((hooks, st.info.clone(), st.replaying))
}

/// Runs the inbound hooks for something that arrived with `header`.
pub(crate) fn inbound(
    state: &SharedState,
    kind: InboundKind,
    name: &str,
    header: &mut Option<Header>,
    args: &[Payload],
) {
    if let Some((hooks, info, replaying)) = snapshot(state) {
        hooks.inbound(kind, name, &info, header, args, replaying);
    }
}

/// Runs the outbound hooks for a command of `kind` that goes with `header`.
pub(crate) fn outbound(state: &SharedState, kind: OutboundKind, name: &str, failed: bool, header: &mut Option<Header>) {
    if let Some((hooks, info, replaying)) = snapshot(state) {
        hooks.outbound(kind, name, &info, header, failed, replaying);
    }
}

/// The header the outbound hooks give a command of `kind` that the workflow code calling is
/// about to send; `None` outside a workflow, without hooks, or when they set nothing.
pub(crate) fn outbound_here(kind: OutboundKind, name: &str) -> Option<Header> {
    let mut header = None;
    outbound(&super::context::current()?, kind, name, false, &mut header);
    header
}

/// Runs `f` with `headers` as the headers of what is being handled ([`with_headers`] for a
/// handler's synchronous part).
pub(crate) fn with_headers<R>(state: &SharedState, headers: &Rc<Headers>, f: impl FnOnce() -> R) -> R {
    let previous = state.borrow_mut().inbound_headers.replace(Rc::clone(headers));
    let result = f();
    state.borrow_mut().inbound_headers = previous;
    result
}

/// A handler's future, polled with the headers of the call that started it in effect, so
/// that `workflow::headers()` reads them across its awaits.
pub(crate) struct WithHeaders<F> {
    state: SharedState,
    headers: Rc<Headers>,
    inner: Pin<Box<F>>,
}

impl<F> WithHeaders<F> {
    pub(crate) fn new(state: &SharedState, headers: &Rc<Headers>, inner: F) -> Self {
        WithHeaders { state: Rc::clone(state), headers: Rc::clone(headers), inner: Box::pin(inner) }
    }
}

impl<F: Future> Future for WithHeaders<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        with_headers(&this.state, &this.headers, || this.inner.as_mut().poll(cx))
    }
}
