//! Signals and cancellation requests to other workflows: `SignalExternalWorkflowExecution` and
//! `RequestCancelExternalWorkflowExecution`, resolved when delivered or failed. Neither can be
//! taken back once sent; cancelling one that has not left the worker forgets it.

use std::collections::HashMap;
use std::task::{Context, Poll};

use super::{Commands, Op, OpKind, Slot};
use crate::error::Failure;
use crate::protos::temporal::api::command::v1::{
    RequestCancelExternalWorkflowExecutionCommandAttributes, SignalExternalWorkflowExecutionCommandAttributes, command,
};
use crate::protos::temporal::api::common::v1::WorkflowExecution;
use crate::runtime::state::RunState;

type Delivery = Slot<Result<(), Failure>>;

/// The run's signals and cancellation requests to other workflows, by sequence number (one
/// sequence per kind).
#[derive(Debug, Default)]
pub(crate) struct Externals {
    last_signal: u32,
    last_cancel: u32,
    signals: HashMap<u32, Delivery>,
    cancels: HashMap<u32, Delivery>,
}

impl Externals {
    fn table(&mut self, kind: OpKind) -> &mut HashMap<u32, Delivery> {
        if kind == OpKind::SignalExternal { &mut self.signals } else { &mut self.cancels }
    }

    /// Issues `SignalExternalWorkflowExecution`; returns its sequence number.
    pub(crate) fn signal(
        &mut self,
        commands: &mut Commands,
        attrs: SignalExternalWorkflowExecutionCommandAttributes,
    ) -> u32 {
        self.last_signal += 1;
        let seq = self.last_signal;
        commands.push(command::Attributes::SignalExternalWorkflowExecutionCommandAttributes(attrs), seq);
        self.signals.insert(seq, Slot::default());
        seq
    }

    /// Issues `RequestCancelExternalWorkflowExecution`; returns its sequence number.
    pub(crate) fn request_cancel(
        &mut self,
        commands: &mut Commands,
        attrs: RequestCancelExternalWorkflowExecutionCommandAttributes,
    ) -> u32 {
        self.last_cancel += 1;
        let seq = self.last_cancel;
        commands.push(command::Attributes::RequestCancelExternalWorkflowExecutionCommandAttributes(attrs), seq);
        self.cancels.insert(seq, Slot::default());
        seq
    }

    /// History says the signal or request was delivered (`Ok`) or could not be.
    pub(crate) fn resolve(&mut self, kind: OpKind, seq: u32, outcome: Result<(), Failure>) {
        if let Some(slot) = self.table(kind).get_mut(&seq) {
            slot.resolve(outcome);
        }
    }

    /// Forgets a signal or request that has not left the worker; one already sent is only no
    /// longer awaited (the server cannot take it back).
    pub(crate) fn cancel(&mut self, commands: &mut Commands, kind: OpKind, seq: u32) {
        commands.remove_unsent(|c| {
            c.seq == seq
                && match kind {
                    OpKind::SignalExternal => matches!(
                        &c.command.attributes,
                        Some(command::Attributes::SignalExternalWorkflowExecutionCommandAttributes(_))
                    ),
                    _ => matches!(
                        &c.command.attributes,
                        Some(command::Attributes::RequestCancelExternalWorkflowExecutionCommandAttributes(_))
                    ),
                }
        });
        if let Some(slot) = self.table(kind).get_mut(&seq) {
            slot.resolve(Err(Failure::cancelled("Signal cancelled")));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.signals.is_empty() && self.cancels.is_empty()
    }
}

/// The execution a command addresses, for matching it with its event.
pub(crate) fn same_target(workflow_id: &str, execution: &Option<WorkflowExecution>) -> bool {
    execution.as_ref().is_some_and(|e| e.workflow_id == workflow_id)
}

/// [`OpFuture`](super::OpFuture) over a signal (`CANCEL == false`) or a cancellation request
/// (`CANCEL == true`) to another workflow.
pub(crate) struct ExternalOp<const CANCEL: bool>;

/// A signal to another workflow.
pub(crate) type SignalOp = ExternalOp<false>;
/// A cancellation request to another workflow.
pub(crate) type CancelRequestOp = ExternalOp<true>;

impl<const CANCEL: bool> Op for ExternalOp<CANCEL> {
    const KIND: OpKind = if CANCEL { OpKind::CancelExternal } else { OpKind::SignalExternal };
    const WHAT: &'static str = if CANCEL { "Cancellation request" } else { "Signal" };
    const CANCEL_ON_DROP: bool = false;
    type Output = ();

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<(), Box<Failure>>>> {
        match st.externals.table(Self::KIND).get_mut(&seq) {
            Some(slot) => slot.take(cx).map(|r| Some(r.map_err(Box::new))),
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        let table = if CANCEL { &st.externals.cancels } else { &st.externals.signals };
        table.get(&seq).is_some_and(Slot::is_open)
    }

    fn done(st: &mut RunState, seq: u32) {
        st.externals.table(Self::KIND).remove(&seq);
    }
}
