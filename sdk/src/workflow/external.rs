//! Handles to other workflows: signal them or ask them to cancel.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::FusedFuture;
use serde::Serialize;

use super::{SignalMethod, Workflow};
use crate::converter::{self, PayloadError};
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    RequestCancelExternalWorkflowExecutionCommandAttributes, SignalExternalWorkflowExecutionCommandAttributes,
};
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowExecution};
use crate::runtime::hooks::{self, OutboundKind};
use crate::runtime::ops::OpFuture;
use crate::runtime::ops::external::{CancelRequestOp, SignalOp};

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

impl<W> fmt::Debug for ExternalWorkflowHandle<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalWorkflowHandle")
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
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

    /// Signals the workflow by name: `input` is one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several).
    #[track_caller]
    pub fn signal_by_name<I: Serialize + ?Sized>(&self, signal: &str, input: &I) -> SignalFuture {
        signal_external(&self.workflow_id, &self.run_id, signal, converter::encode_args(input), false)
    }

    /// Asks the workflow to cancel; resolves once the request was delivered.
    #[track_caller]
    pub fn cancel(&self) -> SignalFuture {
        let attrs = RequestCancelExternalWorkflowExecutionCommandAttributes {
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone(),
            ..Default::default()
        };
        let op = OpFuture::start("ExternalWorkflowHandle::cancel", |st| {
            Ok(st.externals.request_cancel(&mut st.commands, attrs))
        });
        SignalFuture { inner: Delivery::CancelRequest(op) }
    }
}

impl<W: Workflow> ExternalWorkflowHandle<W> {
    /// Signals the workflow: `handle.signal(Greeting::update_salutation, "Aloha".into()).await?`.
    #[track_caller]
    pub fn signal<I: Serialize>(&self, signal: SignalMethod<W, I>, input: I) -> SignalFuture {
        signal_external(&self.workflow_id, &self.run_id, signal.name(), signal.input_shape().encode(&input), false)
    }
}

#[track_caller]
pub(crate) fn signal_external(
    workflow_id: &str,
    run_id: &str,
    signal: &str,
    input: Result<Vec<Payload>, PayloadError>,
    child_workflow_only: bool,
) -> SignalFuture {
    let kind =
        if child_workflow_only { OutboundKind::SignalChildWorkflow } else { OutboundKind::SignalExternalWorkflow };
    let header = hooks::outbound_here(kind, signal);
    let op = OpFuture::start("signal", |st| {
        let input = input.map_err(|e| WorkflowError::Task(Box::new(e)))?;
        let attrs = SignalExternalWorkflowExecutionCommandAttributes {
            execution: Some(WorkflowExecution { workflow_id: workflow_id.to_string(), run_id: run_id.to_string() }),
            signal_name: signal.to_string(),
            input: Some(Payloads { payloads: input }),
            child_workflow_only,
            header,
            ..Default::default()
        };
        Ok(st.externals.signal(&mut st.commands, attrs))
    });
    SignalFuture { inner: Delivery::Signal(op) }
}

/// The delivery of a signal or cancellation request to another workflow. Dropping it does
/// not take the signal back: once issued, it is sent.
#[must_use = "a signal does nothing unless awaited"]
pub struct SignalFuture {
    inner: Delivery,
}

enum Delivery {
    Signal(OpFuture<SignalOp>),
    CancelRequest(OpFuture<CancelRequestOp>),
}

impl Future for SignalFuture {
    type Output = WorkflowResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.inner {
            Delivery::Signal(op) => Pin::new(op).poll(cx),
            Delivery::CancelRequest(op) => Pin::new(op).poll(cx),
        }
    }
}

impl FusedFuture for SignalFuture {
    fn is_terminated(&self) -> bool {
        match &self.inner {
            Delivery::Signal(op) => op.is_terminated(),
            Delivery::CancelRequest(op) => op.is_terminated(),
        }
    }
}

impl fmt::Debug for SignalFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner {
            Delivery::Signal(_) => "signal",
            Delivery::CancelRequest(_) => "cancellation request",
        };
        f.debug_struct("SignalFuture").field("kind", &kind).field("terminated", &self.is_terminated()).finish()
    }
}
