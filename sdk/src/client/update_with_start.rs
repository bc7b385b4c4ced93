//! Update-with-start: send an update to a workflow, starting the workflow first if it does not
//! run, in one request (`ExecuteMultiOperation`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::update::{WorkflowUpdateStage, poll_outcome};
use super::{CallKind, Client, ClientError, RpcFailure, Untyped, UpdateOptions, WorkflowHandle, WorkflowOptions};
use super::{WorkflowUpdateHandle, error};
use crate::converter;
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowExecution, WorkflowType};
use crate::protos::temporal::api::enums::v1::{
    UpdateWorkflowExecutionLifecycleStage as Stage, WorkflowIdConflictPolicy,
};
use crate::protos::temporal::api::errordetails::v1::multi_operation_execution_failure::OperationStatus;
use crate::protos::temporal::api::errordetails::v1::{
    MultiOperationExecutionFailure, WorkflowExecutionAlreadyStartedFailure,
};
use crate::protos::temporal::api::update::v1::{Input, Meta, Request, WaitPolicy};
use crate::protos::temporal::api::workflowservice::v1::execute_multi_operation_request::{Operation, operation};
use crate::protos::temporal::api::workflowservice::v1::execute_multi_operation_response::response;
use crate::protos::temporal::api::workflowservice::v1::{
    ExecuteMultiOperationRequest, StartWorkflowExecutionRequest, UpdateWorkflowExecutionRequest,
};
use crate::workflow::{RunMethod, UpdateMethod, Workflow};

/// The start half of an update-with-start, as Python's `WithStartWorkflowOperation`: the
/// workflow to start when none runs under the id, and, after the call, the handle of the
/// workflow that got the update.
///
/// The options need an id conflict policy: `UseExisting` sends the update to a running
/// workflow, `Fail` makes a running one an error.
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
/// # use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
/// # #[derive(Default)] struct Cart;
/// # #[workflow] impl Cart {
/// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
/// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
/// # }
/// # async fn demo(client: Client) -> Result<(), ClientError> {
/// let options = WorkflowOptions::new("cart-42", "carts").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
/// let start = WithStartWorkflowOperation::new(Cart::run, (), options)?;
/// let count = client
///     .execute_update_with_start_workflow(Cart::add_item, "apple".into(), &start, UpdateOptions::new())
///     .await?;
/// let cart = start.workflow_handle().expect("the call reached the workflow");
/// # let _ = (count, cart); Ok(()) }
/// ```
pub struct WithStartWorkflowOperation<W> {
    workflow_type: String,
    input: Vec<Payload>,
    options: WorkflowOptions,
    used: AtomicBool,
    handle: Mutex<Option<WorkflowHandle<W>>>,
}

impl<W> std::fmt::Debug for WithStartWorkflowOperation<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithStartWorkflowOperation")
            .field("workflow_type", &self.workflow_type)
            .field("workflow_id", &self.options.id)
            .finish()
    }
}

impl<W: Workflow> WithStartWorkflowOperation<W> {
    /// The start of workflow `W` with `input`. Fails when the input cannot be encoded or the
    /// options lack an id, a task queue or an id conflict policy.
    pub fn new(_run: RunMethod<W>, input: W::Input, options: WorkflowOptions) -> Result<Self, ClientError> {
        Self::build(W::NAME.to_string(), W::INPUT_SHAPE.encode(&input)?, options)
    }
}

impl WithStartWorkflowOperation<Untyped> {
    /// The start of a workflow by type name with one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several, one payload each), for workflows written
    /// in other languages.
    ///
    /// ```
    /// use temporal_sdk::WorkflowOptions;
    /// use temporal_sdk::client::WithStartWorkflowOperation;
    /// use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
    ///
    /// let options = WorkflowOptions::new("cart-42", "carts").id_conflict_policy(WorkflowIdConflictPolicy::Fail);
    /// let start = WithStartWorkflowOperation::by_name("CartWorkflow", &"customer-7", options)?;
    /// # let _ = start; Ok::<(), temporal_sdk::client::ClientError>(())
    /// ```
    pub fn by_name<I: Serialize + ?Sized>(
        workflow_type: &str,
        input: &I,
        options: WorkflowOptions,
    ) -> Result<Self, ClientError> {
        Self::build(workflow_type.to_string(), converter::encode_args(input)?, options)
    }
}

impl<W> WithStartWorkflowOperation<W> {
    fn build(workflow_type: String, input: Vec<Payload>, options: WorkflowOptions) -> Result<Self, ClientError> {
        options.validate()?;
        if matches!(options.id_conflict_policy, None | Some(WorkflowIdConflictPolicy::Unspecified)) {
            return Err(ClientError::InvalidOptions(
                "update-with-start needs an id conflict policy (WorkflowOptions::id_conflict_policy): UseExisting \
                 to update a running workflow, Fail to refuse one"
                    .into(),
            ));
        }
        Ok(Self { workflow_type, input, options, used: AtomicBool::new(false), handle: Mutex::new(None) })
    }

    /// The handle of the workflow the update went to (started or already running), once the
    /// call got that far; `None` before, or when the call failed before the server answered
    /// (the call's error says why).
    pub fn workflow_handle(&self) -> Option<WorkflowHandle<W>> {
        self.handle.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Client {
    /// Sends an update to the workflow of `start`, starting it first if none runs under its
    /// id, and returns once the update reached the stage of `options` (accepted by default).
    /// The workflow's handle is then [`WithStartWorkflowOperation::workflow_handle`].
    ///
    /// A workflow already running under a `Fail` conflict policy is
    /// [`ClientError::WorkflowAlreadyStarted`], as in Python.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
    /// # use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
    /// # #[derive(Default)] struct Cart;
    /// # #[workflow] impl Cart {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let options = WorkflowOptions::new("cart-42", "carts").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    /// let start = WithStartWorkflowOperation::new(Cart::run, (), options)?;
    /// let update = client
    ///     .start_update_with_start_workflow(Cart::add_item, "apple".into(), &start, UpdateOptions::new().id("apple-1"))
    ///     .await?;
    /// let count = update.result().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn start_update_with_start_workflow<W: Workflow, I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
        start: &WithStartWorkflowOperation<W>,
        options: UpdateOptions,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let args = self.in_effect(|| update.input_shape().encode(&input))?;
        self.update_with_start(update.name(), args, start, options).await
    }

    /// [`start_update_with_start_workflow`](Self::start_update_with_start_workflow), waiting
    /// for the update's result.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
    /// # use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
    /// # #[derive(Default)] struct Cart;
    /// # #[workflow] impl Cart {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let options = WorkflowOptions::new("cart-42", "carts").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    /// let start = WithStartWorkflowOperation::new(Cart::run, (), options)?;
    /// let count = client.execute_update_with_start_workflow(Cart::add_item, "apple".into(), &start, UpdateOptions::new()).await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn execute_update_with_start_workflow<W: Workflow, I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
        start: &WithStartWorkflowOperation<W>,
        options: UpdateOptions,
    ) -> Result<O, ClientError> {
        let options = options.wait_for_stage(WorkflowUpdateStage::Completed);
        self.start_update_with_start_workflow(update, input, start, options).await?.result().await
    }

    /// Update-with-start by update name with one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several, one payload each), for workflows written
    /// in other languages.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
    /// # use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let options = WorkflowOptions::new("cart-42", "carts").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    /// let start = WithStartWorkflowOperation::by_name("CartWorkflow", &(), options)?;
    /// let update = client.start_update_with_start_workflow_by_name::<u32, _, _>("add_item", &"apple", &start, UpdateOptions::new()).await?;
    /// # let _ = update; Ok(()) }
    /// ```
    pub async fn start_update_with_start_workflow_by_name<O: DeserializeOwned, I: Serialize + ?Sized, W>(
        &self,
        update: &str,
        input: &I,
        start: &WithStartWorkflowOperation<W>,
        options: UpdateOptions,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let args = self.in_effect(|| converter::encode_args(input))?;
        self.update_with_start(update, args, start, options).await
    }

    async fn update_with_start<W, O>(
        &self,
        update: &str,
        args: Vec<Payload>,
        start: &WithStartWorkflowOperation<W>,
        options: UpdateOptions,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        if start.used.swap(true, Ordering::SeqCst) {
            return Err(ClientError::InvalidOptions("a WithStartWorkflowOperation cannot be used twice".into()));
        }
        let workflow_id = start.options.id.clone();
        let mut start_req = StartWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_type: Some(WorkflowType { name: start.workflow_type.clone() }),
            input: Some(Payloads { payloads: start.input.clone() }),
            identity: self.identity().to_string(),
            // Fixed across the retries below, so that they start one workflow at most.
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        start.options.apply(&mut start_req)?;
        let update_id = options.update_id();
        let update_req = UpdateWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_execution: Some(WorkflowExecution { workflow_id: workflow_id.clone(), run_id: String::new() }),
            first_execution_run_id: String::new(),
            wait_policy: Some(WaitPolicy { lifecycle_stage: Stage::Accepted as i32 }),
            request: Some(Request {
                meta: Some(Meta { update_id: update_id.clone(), identity: self.identity().to_string() }),
                input: Some(Input { header: None, name: update.to_string(), args: Some(Payloads { payloads: args }) }),
                ..Default::default()
            }),
        };
        let req = ExecuteMultiOperationRequest {
            namespace: self.namespace.clone(),
            operations: vec![
                Operation { operation: Some(operation::Operation::StartWorkflow(start_req)) },
                Operation { operation: Some(operation::Operation::UpdateWorkflow(update_req)) },
            ],
            ..Default::default()
        };
        // The server answers when the update is accepted or its own wait ran out; asking
        // again with the same request id and update id neither starts a second workflow nor
        // sends a second update.
        let (run_id, outcome) = loop {
            let resp = self
                .call_mapped(CallKind::UserLongPoll, req.clone(), |f| {
                    multi_operation_error(f, &workflow_id, &start.workflow_type)
                })
                .await?;
            let mut responses = resp.responses.into_iter().map(|r| r.response);
            let (
                Some(Some(response::Response::StartWorkflow(started))),
                Some(Some(response::Response::UpdateWorkflow(updated))),
            ) = (responses.next(), responses.next())
            else {
                return Err(ClientError::Rpc {
                    operation: "ExecuteMultiOperation",
                    code: tonic::Code::Internal,
                    message: "the server's answer lacks the start or the update response".into(),
                });
            };
            let mut handle = start.handle.lock().unwrap_or_else(|e| e.into_inner());
            if handle.is_none() {
                let run = Some(started.run_id.clone()).filter(|r| !r.is_empty());
                *handle = Some(WorkflowHandle::new(self.clone(), workflow_id.clone(), run.clone(), run));
            }
            drop(handle);
            if updated.outcome.is_some() || updated.stage >= Stage::Accepted as i32 {
                break (started.run_id, updated.outcome);
            }
        };
        let execution = WorkflowExecution { workflow_id, run_id };
        let outcome = match (outcome, options.wait_for_stage) {
            (None, WorkflowUpdateStage::Completed) => Some(poll_outcome(self, &execution, &update_id).await?),
            (outcome, _) => outcome,
        };
        Ok(WorkflowUpdateHandle::new(self.clone(), execution, update_id, outcome))
    }
}

/// The error of the operation that failed, as Python reports it: the start's
/// already-started failure as [`ClientError::WorkflowAlreadyStarted`], any other failure as
/// that operation's own status (the other operation's is only "aborted").
fn multi_operation_error(failure: RpcFailure, workflow_id: &str, workflow_type: &str) -> ClientError {
    if failure.timed_out_after.is_some() {
        return failure.into();
    }
    let Some(multi) = temporal_sdk_protos::utilities::decode_status_detail::<MultiOperationExecutionFailure>(
        failure.status.details(),
    ) else {
        return failure.into();
    };
    let aborted = |s: &&OperationStatus| {
        s.details.first().is_some_and(|d| d.type_url.ends_with("MultiOperationExecutionAborted"))
    };
    let Some(status) = multi.statuses.iter().find(|s| s.code != tonic::Code::Ok as i32 && !aborted(s)) else {
        return failure.into();
    };
    let code = tonic::Code::from_i32(status.code);
    if code == tonic::Code::AlreadyExists
        && let Some(detail) = status.details.first()
        && let Ok(started) = <WorkflowExecutionAlreadyStartedFailure as prost::Message>::decode(detail.value.as_slice())
    {
        return ClientError::WorkflowAlreadyStarted {
            workflow_id: workflow_id.to_string(),
            workflow_type: workflow_type.to_string(),
            run_id: started.run_id,
        };
    }
    let message =
        if status.message.is_empty() { error::describe_status(&failure.status) } else { status.message.clone() };
    ClientError::Rpc { operation: failure.operation, code, message }
}
