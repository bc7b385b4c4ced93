//! Child workflows: started from a workflow, awaited, signalled and cancelled by it.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cancel::cancelled_error;
use super::external::signal_external;
use super::{RunMethod, SignalFuture, SignalMethod, Workflow};
use crate::common::{RetryPolicy, duration_to_proto};
use crate::converter;
use crate::error::{Failure, FailureKind, RetryState, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    RequestCancelExternalWorkflowExecutionCommandAttributes, StartChildWorkflowExecutionCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowType};
pub use crate::protos::temporal::api::enums::v1::{ParentClosePolicy, WorkflowIdReusePolicy};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::context::{self, OpKind, RunState, SharedState, Slot};

/// What cancelling a child workflow does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildWorkflowCancellationType {
    /// Do not tell the child; resolve at once as cancelled.
    Abandon,
    /// Ask the child to cancel and resolve at once as cancelled.
    TryCancel,
    /// Ask the child to cancel and wait until it has ended (the default, as in Python).
    #[default]
    WaitCancellationCompleted,
    /// Ask the child to cancel and wait until the request reached it.
    WaitCancellationRequested,
}

/// Options of a child workflow.
///
/// ```
/// use temporal_sdk::workflow::{ChildWorkflowOptions, ParentClosePolicy};
///
/// let options = ChildWorkflowOptions::new("order-1234-shipping").parent_close_policy(ParentClosePolicy::Abandon);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChildWorkflowOptions {
    /// The child's workflow id (a deterministic UUID when unset).
    pub id: Option<String>,
    /// Its task queue (the parent's when unset).
    pub task_queue: Option<String>,
    /// Limit of the child's whole chain of runs.
    pub execution_timeout: Option<Duration>,
    /// Limit of one run.
    pub run_timeout: Option<Duration>,
    /// Limit of one workflow task.
    pub task_timeout: Option<Duration>,
    /// Retry policy of the child.
    pub retry_policy: Option<RetryPolicy>,
    /// Cron schedule of the child.
    pub cron_schedule: Option<String>,
    /// What happens to the child when the parent closes (terminate by default).
    pub parent_close_policy: ParentClosePolicy,
    /// What to do when a closed workflow with the same id exists.
    pub id_reuse_policy: WorkflowIdReusePolicy,
    /// What cancelling the child does.
    pub cancellation_type: ChildWorkflowCancellationType,
}

impl ChildWorkflowOptions {
    /// Options with a workflow id.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: Some(id.into()), ..Self::default() }
    }
    /// Sets the task queue.
    pub fn task_queue(mut self, q: impl Into<String>) -> Self {
        self.task_queue = Some(q.into());
        self
    }
    /// Sets the execution timeout.
    pub fn execution_timeout(mut self, d: Duration) -> Self {
        self.execution_timeout = Some(d);
        self
    }
    /// Sets the run timeout.
    pub fn run_timeout(mut self, d: Duration) -> Self {
        self.run_timeout = Some(d);
        self
    }
    /// Sets the task timeout.
    pub fn task_timeout(mut self, d: Duration) -> Self {
        self.task_timeout = Some(d);
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = Some(p);
        self
    }
    /// Sets the parent close policy.
    pub fn parent_close_policy(mut self, p: ParentClosePolicy) -> Self {
        self.parent_close_policy = p;
        self
    }
    /// Sets the id reuse policy.
    pub fn id_reuse_policy(mut self, p: WorkflowIdReusePolicy) -> Self {
        self.id_reuse_policy = p;
        self
    }
    /// Sets the cancellation type.
    pub fn cancellation_type(mut self, t: ChildWorkflowCancellationType) -> Self {
        self.cancellation_type = t;
        self
    }
}

/// How a child's result looks before decoding.
pub(crate) type ChildOutcome = Result<Option<Payload>, Failure>;

/// What the runtime keeps about a child workflow.
pub(crate) struct ChildState {
    pub(crate) workflow_id: String,
    pub(crate) workflow_type: String,
    pub(crate) run_id: Option<String>,
    pub(crate) cancellation_type: ChildWorkflowCancellationType,
    pub(crate) initiated_event_id: Option<i64>,
    /// The `ChildWorkflowExecutionStarted` event, once history has it.
    pub(crate) started_event_id: Option<i64>,
    pub(crate) start: Slot<Result<String, Failure>>,
    pub(crate) result: Slot<ChildOutcome>,
}

/// Starts a child workflow; the future resolves once the server has started it (or failed to,
/// e.g. because the id is taken), giving a handle to await its result and to signal or
/// cancel it.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::workflow::ChildWorkflowOptions;
/// # #[derive(Default)] struct Ship;
/// # #[workflow] impl Ship { #[run] pub async fn run(&self, order: String) -> WorkflowResult<String> { Ok(order) } }
/// # async fn wf() -> WorkflowResult<()> {
/// let child = workflow::start_child_workflow(Ship::run, "order-1".to_string(), ChildWorkflowOptions::new("ship-order-1")).await?;
/// let tracking: String = child.result().await?;
/// # let _ = tracking; Ok(()) }
/// ```
pub fn start_child_workflow<W: Workflow>(
    _run: RunMethod<W>,
    input: W::Input,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<W> {
    start(W::NAME, converter::encode_args(&input), options)
}

/// Starts a child workflow and waits for its result.
pub async fn execute_child_workflow<W: Workflow>(
    run: RunMethod<W>,
    input: W::Input,
    options: ChildWorkflowOptions,
) -> WorkflowResult<W::Output> {
    start_child_workflow(run, input, options).await?.result().await
}

/// Starts a child workflow by type name, for workflows written in other languages.
pub fn start_child_workflow_by_name<I: Serialize + ?Sized>(
    workflow_type: &str,
    input: &I,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<super::Untyped> {
    start(workflow_type, converter::encode_args(input), options)
}

fn start<W>(
    workflow_type: &str,
    input: Result<Vec<Payload>, converter::PayloadError>,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<W> {
    let failed = |e| ChildWorkflowStart { inner: StartInner::Error(Some(e)), _w: PhantomData };
    let Some(state) = context::current() else {
        return failed(context::outside_workflow("workflow::start_child_workflow"));
    };
    let input = match input {
        Ok(p) => p,
        Err(e) => return failed(WorkflowError::Task(Box::new(e))),
    };
    let seq = {
        let mut st = state.borrow_mut();
        let workflow_id = match &options.id {
            Some(id) => id.clone(),
            None => {
                drop(st);
                let id = super::uuid4().to_string();
                st = state.borrow_mut();
                id
            }
        };
        st.seq.child += 1;
        let seq = st.seq.child;
        let attrs = StartChildWorkflowExecutionCommandAttributes {
            workflow_id: workflow_id.clone(),
            workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
            task_queue: Some(TaskQueue {
                name: options.task_queue.clone().unwrap_or_else(|| st.info.task_queue.clone()),
                ..Default::default()
            }),
            input: Some(Payloads { payloads: input }),
            workflow_execution_timeout: options.execution_timeout.map(duration_to_proto),
            workflow_run_timeout: options.run_timeout.map(duration_to_proto),
            workflow_task_timeout: options.task_timeout.map(duration_to_proto),
            parent_close_policy: options.parent_close_policy as i32,
            workflow_id_reuse_policy: options.id_reuse_policy as i32,
            retry_policy: options.retry_policy.as_ref().map(RetryPolicy::to_proto),
            cron_schedule: options.cron_schedule.clone().unwrap_or_default(),
            ..Default::default()
        };
        st.push_command(command::Attributes::StartChildWorkflowExecutionCommandAttributes(attrs), seq);
        st.children.insert(
            seq,
            ChildState {
                workflow_id,
                workflow_type: workflow_type.to_string(),
                run_id: None,
                cancellation_type: options.cancellation_type,
                initiated_event_id: None,
                started_event_id: None,
                start: Slot::default(),
                result: Slot::default(),
            },
        );
        if st.register_op(OpKind::Child, seq) {
            cancel(&mut st, seq);
        }
        seq
    };
    ChildWorkflowStart { inner: StartInner::Pending { state, seq }, _w: PhantomData }
}

/// Cancels a child per its cancellation type.
pub(crate) fn cancel(st: &mut RunState, seq: u32) {
    st.finish_op(OpKind::Child, seq);
    let unsent = st.remove_unsent(|c| {
        c.seq == seq
            && matches!(
                &c.command.attributes,
                Some(command::Attributes::StartChildWorkflowExecutionCommandAttributes(_))
            )
    });
    let Some(child) = st.children.get(&seq) else { return };
    if child.result.value.is_some() {
        return; // the child ended already: there is nothing left to cancel
    }
    let cancelled = child_failure(child, &st.info.namespace, RetryState::CancelRequested, child_cancelled());
    if unsent {
        if let Some(child) = st.children.get_mut(&seq) {
            child.start.resolve(Err(cancelled.clone()));
            child.result.resolve(Err(cancelled));
        }
        return;
    }
    let (workflow_id, run_id, kind) =
        (child.workflow_id.clone(), child.run_id.clone().unwrap_or_default(), child.cancellation_type);
    if kind != ChildWorkflowCancellationType::Abandon {
        st.seq.cancel_external += 1;
        let cancel_seq = st.seq.cancel_external;
        let attrs = RequestCancelExternalWorkflowExecutionCommandAttributes {
            workflow_id,
            run_id,
            child_workflow_only: true,
            ..Default::default()
        };
        st.push_command(
            command::Attributes::RequestCancelExternalWorkflowExecutionCommandAttributes(attrs),
            cancel_seq,
        );
        st.cancels_external.insert(cancel_seq, Slot::default());
        if kind == ChildWorkflowCancellationType::WaitCancellationRequested {
            st.child_cancel_requests.insert(cancel_seq, seq);
        }
    }
    if matches!(kind, ChildWorkflowCancellationType::Abandon | ChildWorkflowCancellationType::TryCancel)
        && let Some(child) = st.children.get_mut(&seq)
    {
        child.start.resolve(Err(cancelled.clone()));
        child.result.resolve(Err(cancelled));
    }
}

/// Wraps a child's own failure the way the other SDKs hand it to the parent.
/// The cause of a cancelled child's failure.
pub(crate) fn child_cancelled() -> Failure {
    Failure::cancelled("Child Workflow execution cancelled")
}

/// The failure a child ends with, wrapped as every Temporal SDK wraps it: "Child Workflow
/// execution failed" with the child's namespace, ids and the parent's event ids, caused by
/// what happened to the child.
pub(crate) fn child_failure(child: &ChildState, namespace: &str, retry_state: RetryState, cause: Failure) -> Failure {
    let mut f = Failure::new(
        "Child Workflow execution failed",
        FailureKind::ChildWorkflow {
            namespace: namespace.to_string(),
            workflow_id: child.workflow_id.clone(),
            run_id: child.run_id.clone().unwrap_or_default(),
            workflow_type: child.workflow_type.clone(),
            retry_state,
            initiated_event_id: child.initiated_event_id.unwrap_or_default(),
            started_event_id: child.started_event_id.unwrap_or_default(),
        },
    )
    .with_cause(cause);
    f.source = String::new();
    f
}

/// The start of a child workflow: resolves to its handle.
#[must_use = "a child workflow start does nothing unless awaited"]
pub struct ChildWorkflowStart<W> {
    inner: StartInner,
    _w: PhantomData<fn() -> W>,
}

enum StartInner {
    Pending { state: SharedState, seq: u32 },
    Error(Option<WorkflowError>),
    Done,
}

impl<W> Future for ChildWorkflowStart<W> {
    type Output = WorkflowResult<ChildWorkflowHandle<W>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (state, seq) = match &mut self.inner {
            StartInner::Pending { state, seq } => (state.clone(), *seq),
            StartInner::Error(e) => {
                return Poll::Ready(Err(e
                    .take()
                    .unwrap_or_else(|| WorkflowError::task("child start polled after completion"))));
            }
            StartInner::Done => return Poll::Ready(Err(WorkflowError::task("child start polled after completion"))),
        };
        let mut st = state.borrow_mut();
        let Some(child) = st.children.get_mut(&seq) else {
            return Poll::Ready(Err(cancelled_error("Child workflow")));
        };
        let Some(started) = child.start.value.clone() else {
            child.start.waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        let workflow_id = child.workflow_id.clone();
        drop(st);
        self.inner = StartInner::Done;
        Poll::Ready(match started {
            Ok(run_id) => Ok(ChildWorkflowHandle { state: Some((state, seq)), workflow_id, run_id, _w: PhantomData }),
            Err(f) => Err(WorkflowError::from_failure(f)),
        })
    }
}

impl<W> Drop for ChildWorkflowStart<W> {
    fn drop(&mut self) {
        if let StartInner::Pending { state, seq } = &self.inner
            && let Ok(mut st) = state.try_borrow_mut()
            && !st.tearing_down
            && st.children.get(seq).is_some_and(|c| c.start.value.is_none())
        {
            cancel(&mut st, *seq);
        }
    }
}

/// A started child workflow.
pub struct ChildWorkflowHandle<W> {
    state: Option<(SharedState, u32)>,
    workflow_id: String,
    run_id: String,
    _w: PhantomData<fn() -> W>,
}

impl<W> ChildWorkflowHandle<W> {
    /// The child's workflow id.
    pub fn id(&self) -> &str {
        &self.workflow_id
    }
    /// The child's first run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Cancels the child per its cancellation type.
    pub fn cancel(&self) {
        if let Some((state, seq)) = &self.state
            && let Ok(mut st) = state.try_borrow_mut()
            && st.children.get(seq).is_some_and(|c| c.result.value.is_none())
        {
            cancel(&mut st, *seq);
        }
    }

    /// Waits for the child's result, decoded as `T`.
    pub fn result_as<T: DeserializeOwned>(&self) -> ChildResult<T> {
        ChildResult { state: self.state.clone(), _t: PhantomData }
    }

    /// Signals the child by name.
    pub fn signal_by_name<I: Serialize + ?Sized>(&self, signal: &str, input: &I) -> SignalFuture {
        signal_external(&self.workflow_id, "", signal, converter::encode_args(input), true)
    }
}

impl<W: Workflow> ChildWorkflowHandle<W> {
    /// Waits for the child's result. A child that failed, was cancelled, timed out or was
    /// terminated gives a child workflow failure whose cause says how.
    pub fn result(&self) -> ChildResult<W::Output> {
        self.result_as()
    }

    /// Signals the child: `child.signal(Ship::expedite, ()).await?`.
    pub fn signal<I: Serialize>(&self, signal: SignalMethod<W, I>, input: I) -> SignalFuture {
        self.signal_by_name(signal.name(), &input)
    }
}

/// The result of a child workflow.
#[must_use = "a child result does nothing unless awaited"]
pub struct ChildResult<T> {
    state: Option<(SharedState, u32)>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Future for ChildResult<T> {
    type Output = WorkflowResult<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((state, seq)) = &self.state else {
            return Poll::Ready(Err(WorkflowError::task("child result already taken")));
        };
        let mut st = state.borrow_mut();
        let Some(child) = st.children.get_mut(seq) else {
            return Poll::Ready(Err(WorkflowError::task("child result already taken")));
        };
        let Some(outcome) = child.result.value.clone() else {
            child.result.waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        st.finish_op(OpKind::Child, *seq);
        Poll::Ready(match outcome {
            Ok(Some(p)) => converter::decode(&p).map_err(|e| WorkflowError::Task(Box::new(e))),
            Ok(None) => converter::decode_args(&[]).map_err(|e| WorkflowError::Task(Box::new(e))),
            Err(f) => Err(WorkflowError::from_failure(f)),
        })
    }
}
