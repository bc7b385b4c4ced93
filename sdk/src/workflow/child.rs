//! Child workflows: started from a workflow, awaited, signalled and cancelled by it.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::future::FusedFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::external::signal_external;
use super::{RunMethod, SignalFuture, SignalMethod, Workflow};
use crate::common::{RetryPolicy, duration_to_proto};
use crate::converter;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::StartChildWorkflowExecutionCommandAttributes;
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowType};
pub use crate::protos::temporal::api::enums::v1::{ParentClosePolicy, WorkflowIdReusePolicy};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::runtime::context::{self, SharedState};
use crate::runtime::hooks::{self, OutboundKind};
pub use crate::runtime::ops::child::ChildWorkflowCancellationType;
use crate::runtime::ops::child::{ChildResultOp, ChildStartOp};
use crate::runtime::ops::{self, Op, OpFuture, OpKind};

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
#[track_caller]
pub fn start_child_workflow<W: Workflow>(
    _run: RunMethod<W>,
    input: W::Input,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<W> {
    start(Location::caller(), W::NAME, W::INPUT_SHAPE.encode(&input), options)
}

/// Starts a child workflow and waits for its result.
#[track_caller]
pub fn execute_child_workflow<W: Workflow>(
    _run: RunMethod<W>,
    input: W::Input,
    options: ChildWorkflowOptions,
) -> impl Future<Output = WorkflowResult<W::Output>> {
    // The child starts when the returned future is first polled, as it did when this was an
    // `async fn`; the caller's place is taken now, while it is known.
    let site = Location::caller();
    async move { start::<W>(site, W::NAME, W::INPUT_SHAPE.encode(&input), options).await?.result().await }
}

/// Starts a child workflow by type name, for workflows written in other languages: `input` is
/// one argument (`&()` for none, [`Args`](crate::converter::Args) for several, one payload
/// each).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::workflow::ChildWorkflowOptions;
/// use temporal_sdk::converter::Args;
/// # async fn wf() -> WorkflowResult<()> {
/// let child = workflow::start_child_workflow_by_name("Transfer", &Args(("acct-1", "acct-2", 100)), ChildWorkflowOptions::new("t-1")).await?;
/// let receipt: String = child.result_as().await?;
/// # let _ = receipt; Ok(()) }
/// ```
#[track_caller]
pub fn start_child_workflow_by_name<I: Serialize + ?Sized>(
    workflow_type: &str,
    input: &I,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<super::Untyped> {
    start(Location::caller(), workflow_type, converter::encode_args(input), options)
}

fn start<W>(
    site: &'static Location<'static>,
    workflow_type: &str,
    input: Result<Vec<Payload>, converter::PayloadError>,
    options: ChildWorkflowOptions,
) -> ChildWorkflowStart<W> {
    // Without an id the child gets a deterministic uuid, drawn before the state is borrowed.
    let workflow_id = match &options.id {
        Some(id) => id.clone(),
        None if context::current().is_some() => super::uuid4().to_string(),
        None => String::new(),
    };
    let header = hooks::outbound_here(OutboundKind::ChildWorkflow, workflow_type);
    let op = OpFuture::start_at(site, "workflow::start_child_workflow", |st| {
        let input = input.map_err(|e| WorkflowError::Task(Box::new(e)))?;
        let attrs = StartChildWorkflowExecutionCommandAttributes {
            workflow_id,
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
            header,
            ..Default::default()
        };
        Ok(st.children.start(&mut st.commands, attrs, options.cancellation_type))
    });
    ChildWorkflowStart { op, _w: PhantomData }
}

/// The start of a child workflow: resolves to its handle. Dropping it before the child
/// started cancels the child (per its cancellation type).
#[must_use = "a child workflow start does nothing unless awaited"]
pub struct ChildWorkflowStart<W> {
    op: OpFuture<ChildStartOp>,
    _w: PhantomData<fn() -> W>,
}

impl<W> Future for ChildWorkflowStart<W> {
    type Output = WorkflowResult<ChildWorkflowHandle<W>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let target = self.op.target();
        let run_id = ready!(Pin::new(&mut self.op).poll(cx))?;
        Poll::Ready(match target {
            Some((state, seq)) => {
                let workflow_id = state.borrow().children.ids(seq).map(|(id, _)| id).unwrap_or_default();
                Ok(ChildWorkflowHandle { state: Some((state, seq)), workflow_id, run_id, _w: PhantomData })
            }
            None => Err(WorkflowError::task("child start polled after completion")),
        })
    }
}

impl<W> FusedFuture for ChildWorkflowStart<W> {
    fn is_terminated(&self) -> bool {
        self.op.is_terminated()
    }
}

impl<W> fmt::Debug for ChildWorkflowStart<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildWorkflowStart").field("workflow", &std::any::type_name::<W>()).finish_non_exhaustive()
    }
}

/// A started child workflow.
pub struct ChildWorkflowHandle<W> {
    state: Option<(SharedState, u32)>,
    workflow_id: String,
    run_id: String,
    _w: PhantomData<fn() -> W>,
}

impl<W> fmt::Debug for ChildWorkflowHandle<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildWorkflowHandle")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
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
            && ChildResultOp::is_open(&st, *seq)
        {
            ops::cancel_op(&mut st, OpKind::Child, *seq);
        }
    }

    /// Waits for the child's result, decoded as `T`.
    pub fn result_as<T: DeserializeOwned>(&self) -> ChildResult<T> {
        let op = match &self.state {
            Some((state, seq)) => OpFuture::existing(Rc::clone(state), *seq),
            None => OpFuture::failed(WorkflowError::task("child result already taken")),
        };
        ChildResult { op, _t: PhantomData }
    }

    /// Signals the child by name: `input` is one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several).
    #[track_caller]
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
    #[track_caller]
    pub fn signal<I: Serialize>(&self, signal: SignalMethod<W, I>, input: I) -> SignalFuture {
        signal_external(&self.workflow_id, "", signal.name(), signal.input_shape().encode(&input), true)
    }
}

/// The result of a child workflow (dropping it does not cancel the child).
#[must_use = "a child result does nothing unless awaited"]
pub struct ChildResult<T> {
    op: OpFuture<ChildResultOp>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Future for ChildResult<T> {
    type Output = WorkflowResult<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.op).poll(cx).map(|result| super::decode_result::<T>(result?))
    }
}

impl<T: DeserializeOwned> FusedFuture for ChildResult<T> {
    fn is_terminated(&self) -> bool {
        self.op.is_terminated()
    }
}

impl<T> fmt::Debug for ChildResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildResult").field("type", &std::any::type_name::<T>()).finish_non_exhaustive()
    }
}
