//! Workflow types and instances with their concrete types erased, so that a worker can hold
//! many workflow types in one table and the run machinery stays non-generic.

use std::collections::BTreeSet;

use futures::future::LocalBoxFuture;

use super::tasks::{HandlerKind, HandlerUnfinishedPolicy};
use crate::converter::PayloadError;
use crate::error::WorkflowResult;
use crate::protos::temporal::api::common::v1::Payload;

/// A registered workflow type.
pub(crate) trait WorkflowFactory: Send + Sync {
    fn name(&self) -> &'static str;
    /// Whether this is the dynamic workflow, which runs the workflow types no other factory
    /// has (`#[workflow(dynamic)]`).
    fn is_dynamic(&self) -> bool;
    /// The type's own versioning behaviour (`Unspecified` when it leaves it to the worker).
    fn versioning_behavior(&self) -> crate::versioning::VersioningBehavior;
    fn instantiate(&self, input: &[Payload]) -> Result<Box<dyn WorkflowInstance>, PayloadError>;
}

/// One workflow object and its handlers.
pub(crate) trait WorkflowInstance {
    /// The run method's future, encoding its output; called once.
    fn run(&self) -> LocalBoxFuture<'static, WorkflowResult<Payload>>;
    /// Delivers a signal; `None` when the workflow has no handler of that name.
    fn signal(&self, name: &str, args: &[Payload]) -> Option<Result<HandlerOutcome, PayloadError>>;
    /// Answers a query; `None` when the workflow has no handler of that name.
    fn query(&self, name: &str, args: &[Payload]) -> Option<Result<Payload, PayloadError>>;
    /// Starts an update handler; `None` when the workflow has no handler of that name.
    #[allow(clippy::type_complexity)]
    fn update(
        &self,
        name: &str,
        args: &[Payload],
    ) -> Option<Result<LocalBoxFuture<'static, WorkflowResult<Payload>>, PayloadError>>;
    /// Validates an update; `None` when it has no validator.
    fn validate_update(&self, name: &str, args: &[Payload]) -> Option<Result<WorkflowResult<()>, PayloadError>>;
    fn update_names(&self) -> BTreeSet<&'static str>;
    fn signal_names(&self) -> BTreeSet<&'static str>;
    fn query_names(&self) -> BTreeSet<&'static str>;
    /// The signal, query and update handlers with their descriptions (the metadata query).
    fn definitions(&self) -> Vec<InteractionDefinition>;
    /// What to do if the handler that runs signal or update `name` is still running when the
    /// workflow finishes.
    fn unfinished_policy(&self, kind: HandlerKind, name: &str) -> HandlerUnfinishedPolicy;
}

/// Signal, query or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum InteractionKind {
    Signal,
    Query,
    Update,
}

/// A handler as the metadata query lists it: the dynamic handler has an empty name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InteractionDefinition {
    pub(crate) kind: InteractionKind,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
}

/// What a signal handler left behind: nothing, or a future the executor must drive.
pub(crate) enum HandlerOutcome {
    Done,
    Running(LocalBoxFuture<'static, WorkflowResult<()>>),
}
