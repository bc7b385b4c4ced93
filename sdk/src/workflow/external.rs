//! Handles to other workflows: signal them or ask them to cancel.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::Serialize;

use super::{SignalMethod, Workflow};
use crate::converter::{self, PayloadError};
use crate::error::{Failure, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    RequestCancelExternalWorkflowExecutionCommandAttributes, SignalExternalWorkflowExecutionCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowExecution};
use crate::runtime::context::{self, OpKind, RunState, SharedState, Slot, poll_slot};

/// A handle to another workflow, by id, for signals and cancellation from workflow code.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct Greeting;
/// # #[workflow] impl Greeting { #[run] pub async fn run(&self) -> WorkflowResult<()> { Ok(()) } #[signal] pub fn wake(&self) {} }
/// # async fn wf() -> WorkflowResult<()> {
/// let other = workflow::get_external_workflow_handle::<Greeting>("greeting-1", None);
/// other.signal(Greeting::wake, ()).await?;
/// # Ok(()) }
/// ```
pub struct ExternalWorkflowHandle<W> {
    workflow_id: String,
    run_id: String,
    _w: PhantomData<fn() -> W>,
}

/// A handle to another workflow, typed by its workflow (the latest run when `run_id` is
/// `None`).
pub fn get_external_workflow_handle<W>(
    workflow_id: impl Into<String>,
    run_id: Option<String>,
) -> ExternalWorkflowHandle<W> {
    ExternalWorkflowHandle { workflow_id: workflow_id.into(), run_id: run_id.unwrap_or_default(), _w: PhantomData }
}

/// A handle to another workflow for by-name signals, for workflows of other languages.
pub fn get_external_workflow_handle_untyped(
    workflow_id: impl Into<String>,
    run_id: Option<String>,
) -> ExternalWorkflowHandle<super::Untyped> {
    get_external_workflow_handle(workflow_id, run_id)
}

impl<W> ExternalWorkflowHandle<W> {
    /// The workflow id.
    pub fn id(&self) -> &str {
        &self.workflow_id
    }

    /// Signals the workflow by name.
    pub fn signal_by_name<I: Serialize + ?Sized>(&self, signal: &str, input: &I) -> SignalFuture {
        signal_external(&self.workflow_id, &self.run_id, signal, converter::encode_args(input), false)
    }

    /// Asks the workflow to cancel; resolves once the request was delivered.
    pub fn cancel(&self) -> SignalFuture {
        let Some(state) = context::current() else {
            return SignalFuture::failed(context::outside_workflow("ExternalWorkflowHandle::cancel"));
        };
        let seq = {
            let mut st = state.borrow_mut();
            st.seq.cancel_external += 1;
            let seq = st.seq.cancel_external;
            let attrs = RequestCancelExternalWorkflowExecutionCommandAttributes {
                workflow_id: self.workflow_id.clone(),
                run_id: self.run_id.clone(),
                ..Default::default()
            };
            st.push_command(command::Attributes::RequestCancelExternalWorkflowExecutionCommandAttributes(attrs), seq);
            st.cancels_external.insert(seq, Slot::default());
            if st.register_op(OpKind::CancelExternal, seq) {
                cancel(&mut st, OpKind::CancelExternal, seq);
            }
            seq
        };
        SignalFuture { inner: Inner::Pending { state, kind: OpKind::CancelExternal, seq } }
    }
}

impl<W: Workflow> ExternalWorkflowHandle<W> {
    /// Signals the workflow: `handle.signal(Greeting::update_salutation, "Aloha".into()).await?`.
    pub fn signal<I: Serialize>(&self, signal: SignalMethod<W, I>, input: I) -> SignalFuture {
        self.signal_by_name(signal.name(), &input)
    }
}

pub(crate) fn signal_external(
    workflow_id: &str,
    run_id: &str,
    signal: &str,
    input: Result<Vec<Payload>, PayloadError>,
    child_workflow_only: bool,
) -> SignalFuture {
    let Some(state) = context::current() else {
        return SignalFuture::failed(context::outside_workflow("signal"));
    };
    let input = match input {
        Ok(p) => p,
        Err(e) => return SignalFuture::failed(WorkflowError::Task(Box::new(e))),
    };
    let seq = {
        let mut st = state.borrow_mut();
        st.seq.signal_external += 1;
        let seq = st.seq.signal_external;
        let attrs = SignalExternalWorkflowExecutionCommandAttributes {
            execution: Some(WorkflowExecution { workflow_id: workflow_id.to_string(), run_id: run_id.to_string() }),
            signal_name: signal.to_string(),
            input: Some(Payloads { payloads: input }),
            child_workflow_only,
            ..Default::default()
        };
        st.push_command(command::Attributes::SignalExternalWorkflowExecutionCommandAttributes(attrs), seq);
        st.signals_external.insert(seq, Slot::default());
        if st.register_op(OpKind::SignalExternal, seq) {
            cancel(&mut st, OpKind::SignalExternal, seq);
        }
        seq
    };
    SignalFuture { inner: Inner::Pending { state, kind: OpKind::SignalExternal, seq } }
}

/// Cancels a signal or cancellation request to another workflow: forgotten if it has not
/// left the worker, else only no longer awaited (the server cannot take it back).
pub(crate) fn cancel(st: &mut RunState, kind: OpKind, seq: u32) {
    st.finish_op(kind, seq);
    let unsent = st.remove_unsent(|c| {
        c.seq == seq
            && match kind {
                OpKind::SignalExternal => {
                    matches!(
                        &c.command.attributes,
                        Some(command::Attributes::SignalExternalWorkflowExecutionCommandAttributes(_))
                    )
                }
                _ => matches!(
                    &c.command.attributes,
                    Some(command::Attributes::RequestCancelExternalWorkflowExecutionCommandAttributes(_))
                ),
            }
    });
    let _ = unsent;
    let map = match kind {
        OpKind::SignalExternal => &mut st.signals_external,
        _ => &mut st.cancels_external,
    };
    if let Some(slot) = map.get_mut(&seq) {
        slot.resolve(Err(Failure::cancelled("Signal cancelled")));
    }
}

/// The delivery of a signal or cancellation request to another workflow.
#[must_use = "a signal does nothing unless awaited"]
pub struct SignalFuture {
    inner: Inner,
}

enum Inner {
    Pending { state: SharedState, kind: OpKind, seq: u32 },
    Error(Option<WorkflowError>),
}

impl SignalFuture {
    fn failed(e: WorkflowError) -> Self {
        Self { inner: Inner::Error(Some(e)) }
    }
}

impl Future for SignalFuture {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.inner {
            Inner::Error(e) => {
                Poll::Ready(Err(e.take().unwrap_or_else(|| WorkflowError::task("signal polled after completion"))))
            }
            Inner::Pending { state, kind, seq } => {
                let mut st = state.borrow_mut();
                let map = match kind {
                    OpKind::SignalExternal => &mut st.signals_external,
                    _ => &mut st.cancels_external,
                };
                match poll_slot(map, *seq, cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(None) => Poll::Ready(Err(WorkflowError::task("signal polled after completion"))),
                    Poll::Ready(Some(outcome)) => {
                        st.finish_op(*kind, *seq);
                        Poll::Ready(outcome.map_err(WorkflowError::from_failure))
                    }
                }
            }
        }
    }
}
