//! Workflow handlers and commands as interceptors see them.

use super::{Headers, Interceptors};
use crate::protos::temporal::api::common::v1::{Header, Payload};
use crate::runtime::hooks::RunHooks;
pub use crate::runtime::hooks::{InboundKind, OutboundKind};
use crate::runtime::info::WorkflowInfo;

/// Something that arrived for a workflow, before its handler is called.
#[derive(Debug)]
pub struct WorkflowInbound<'a> {
    kind: InboundKind,
    name: &'a str,
    info: &'a WorkflowInfo,
    headers: &'a mut Headers,
    args: &'a [Payload],
    replaying: bool,
}

impl<'a> WorkflowInbound<'a> {
    /// What arrived.
    pub fn kind(&self) -> InboundKind {
        self.kind
    }

    /// The signal, query or update's name; the workflow type for [`InboundKind::Run`].
    pub fn name(&self) -> &str {
        self.name
    }

    /// The run's facts; its `headers` are those the workflow was started with.
    pub fn info(&self) -> &WorkflowInfo {
        self.info
    }

    /// The headers that came with it.
    pub fn headers(&self) -> &Headers {
        self.headers
    }

    /// The headers, to change what the handler sees (for [`InboundKind::Run`], what
    /// [`WorkflowInfo::headers`] holds).
    pub fn headers_mut(&mut self) -> &mut Headers {
        self.headers
    }

    /// The arguments, one payload each, not yet decoded.
    pub fn args(&self) -> &[Payload] {
        self.args
    }

    /// Whether this is a replay of what already happened once (queries are never replays):
    /// side effects such as spans belong to the first time only.
    pub fn is_replaying(&self) -> bool {
        self.replaying
    }
}

/// A command a workflow is about to send.
#[derive(Debug)]
pub struct WorkflowOutbound<'a> {
    kind: OutboundKind,
    name: &'a str,
    info: &'a WorkflowInfo,
    headers: &'a mut Headers,
    failed: bool,
    replaying: bool,
}

impl<'a> WorkflowOutbound<'a> {
    /// What is being sent.
    pub fn kind(&self) -> OutboundKind {
        self.kind
    }

    /// The activity or workflow type, or the signal's name (see [`OutboundKind`]).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The sending run's facts.
    pub fn info(&self) -> &WorkflowInfo {
        self.info
    }

    /// The headers the run was started with (after the [`InboundKind::Run`] hooks).
    pub fn workflow_headers(&self) -> &Headers {
        &self.info.headers
    }

    /// The headers that go with the command.
    pub fn headers_mut(&mut self) -> &mut Headers {
        self.headers
    }

    /// For [`OutboundKind::CompleteWorkflow`]: whether the run ends failed.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Whether this command was already sent once and is being replayed.
    pub fn is_replaying(&self) -> bool {
        self.replaying
    }
}

/// A worker's interceptors as the engine's hooks.
pub(crate) struct WorkflowHooks(pub(crate) Interceptors);

impl RunHooks for WorkflowHooks {
    fn inbound(
        &self,
        kind: InboundKind,
        name: &str,
        info: &WorkflowInfo,
        header: &mut Option<Header>,
        args: &[Payload],
        replaying: bool,
    ) {
        Headers::edit(header, &mut |headers| {
            let mut call = WorkflowInbound { kind, name, info, headers, args, replaying };
            for interceptor in self.0.iter() {
                interceptor.workflow_inbound(&mut call);
            }
        });
    }

    fn outbound(
        &self,
        kind: OutboundKind,
        name: &str,
        info: &WorkflowInfo,
        header: &mut Option<Header>,
        failed: bool,
        replaying: bool,
    ) {
        Headers::edit(header, &mut |headers| {
            let mut call = WorkflowOutbound { kind, name, info, headers, failed, replaying };
            for interceptor in self.0.iter() {
                interceptor.workflow_outbound(&mut call);
            }
        });
    }
}
