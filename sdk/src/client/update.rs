//! Workflow updates from the client: a request the workflow validates, accepts and answers.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CallKind, Client, ClientError, WorkflowHandle};
use crate::converter;
use crate::error::Failure;
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage as Stage;
use crate::protos::temporal::api::update::v1::{Input, Meta, Outcome, Request, UpdateRef, WaitPolicy, outcome};
use crate::protos::temporal::api::workflowservice::v1::{
    PollWorkflowExecutionUpdateRequest, UpdateWorkflowExecutionRequest,
};
use crate::workflow::{UpdateMethod, Workflow};

/// An update the workflow accepted; await its result with [`WorkflowUpdateHandle::result`].
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::client::Untyped;
/// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
/// let update = handle.start_update_by_name::<u32, _>("add_item", &"apple").await?;
/// // The handler may still fail: its failure comes with the result.
/// match update.result().await {
///     Ok(count) => println!("{count} items"),
///     Err(ClientError::UpdateFailed { cause }) => println!("update {} failed: {cause}", update.id()),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
pub struct WorkflowUpdateHandle<O> {
    client: Client,
    execution: WorkflowExecution,
    update_id: String,
    outcome: Option<Outcome>,
    _out: PhantomData<fn() -> O>,
}

impl<O> std::fmt::Debug for WorkflowUpdateHandle<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowUpdateHandle").field("update_id", &self.update_id).finish()
    }
}

impl<O: DeserializeOwned> WorkflowUpdateHandle<O> {
    /// The update id.
    pub fn id(&self) -> &str {
        &self.update_id
    }

    /// Waits for the update's result; a failure of its handler (or of its workflow, which
    /// completed before the update did) is [`ClientError::UpdateFailed`].
    pub async fn result(&self) -> Result<O, ClientError> {
        let outcome = match &self.outcome {
            Some(o) => o.clone(),
            None => poll_outcome(&self.client, &self.execution, &self.update_id).await?,
        };
        decode_outcome(outcome)
    }
}

fn decode_outcome<O: DeserializeOwned>(outcome: Outcome) -> Result<O, ClientError> {
    match outcome.value {
        Some(outcome::Value::Success(p)) => Ok(converter::decode_args(&p.payloads)?),
        Some(outcome::Value::Failure(f)) => Err(ClientError::UpdateFailed { cause: Box::new(Failure::from_proto(f)) }),
        None => Ok(converter::decode_args(&[])?),
    }
}

async fn poll_outcome(client: &Client, execution: &WorkflowExecution, update_id: &str) -> Result<Outcome, ClientError> {
    loop {
        let req = PollWorkflowExecutionUpdateRequest {
            namespace: client.namespace().to_string(),
            update_ref: Some(UpdateRef {
                workflow_execution: Some(execution.clone()),
                update_id: update_id.to_string(),
            }),
            identity: client.identity().to_string(),
            wait_policy: Some(WaitPolicy { lifecycle_stage: Stage::Completed as i32 }),
        };
        let resp = client
            .call("PollWorkflowExecutionUpdate", CallKind::UserLongPoll, req, |mut c, r| async move {
                c.poll_workflow_execution_update(r).await
            })
            .await?;
        if let Some(outcome) = resp.outcome {
            return Ok(outcome);
        }
    }
}

impl<W> WorkflowHandle<W> {
    /// Sends an update by name with one argument (`&()` for none) and waits until the workflow
    /// accepted or rejected it. As in the Python SDK the handle comes back either way, and
    /// also when the update already failed: a rejection by the validator or a failure of the
    /// handler is the handle's result, [`ClientError::UpdateFailed`].
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::Untyped;
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let update = handle.start_update_by_name::<u32, _>("add_item", &"apple").await?;
    /// let count = update.result().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn start_update_by_name<O: DeserializeOwned, I: Serialize + ?Sized>(
        &self,
        update: &str,
        input: &I,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        self.send_update(update, converter::encode_args(input)?, Stage::Accepted).await
    }

    /// Sends an update by name and waits for its result: a rejection or a failed handler is
    /// [`ClientError::UpdateFailed`].
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::Untyped;
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let count: u32 = handle.execute_update_by_name("add_item", &"apple").await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn execute_update_by_name<O: DeserializeOwned, I: Serialize + ?Sized>(
        &self,
        update: &str,
        input: &I,
    ) -> Result<O, ClientError> {
        self.send_update::<O>(update, converter::encode_args(input)?, Stage::Completed).await?.result().await
    }

    async fn send_update<O>(
        &self,
        name: &str,
        args: Vec<Payload>,
        stage: Stage,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let client = self.client();
        let update_id = uuid::Uuid::new_v4().to_string();
        let req = UpdateWorkflowExecutionRequest {
            namespace: client.namespace().to_string(),
            workflow_execution: Some(self.execution()),
            first_execution_run_id: self.first_execution_run_id().unwrap_or_default().to_string(),
            wait_policy: Some(WaitPolicy { lifecycle_stage: stage as i32 }),
            request: Some(Request {
                meta: Some(Meta { update_id: update_id.clone(), identity: client.identity().to_string() }),
                input: Some(Input { header: None, name: name.to_string(), args: Some(Payloads { payloads: args }) }),
                ..Default::default()
            }),
        };
        let resp = loop {
            // The server answers when the stage is reached or its own wait ran out; the same
            // update id makes asking again safe.
            let resp = client
                .call("UpdateWorkflowExecution", CallKind::UserLongPoll, req.clone(), |mut c, r| async move {
                    c.update_workflow_execution(r).await
                })
                .await?;
            if resp.outcome.is_some() || resp.stage >= stage as i32 {
                break resp;
            }
        };
        let execution = resp
            .update_ref
            .and_then(|r| r.workflow_execution)
            .filter(|e| !e.run_id.is_empty())
            .unwrap_or_else(|| self.execution());
        Ok(WorkflowUpdateHandle {
            client: client.clone(),
            execution,
            update_id,
            outcome: resp.outcome,
            _out: PhantomData,
        })
    }
}

impl<W: Workflow> WorkflowHandle<W> {
    /// Sends an update and waits for its result: `handle.execute_update(Cart::add_item, item).await?`.
    /// A rejection or a failed handler is [`ClientError::UpdateFailed`].
    pub async fn execute_update<I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
    ) -> Result<O, ClientError> {
        self.execute_update_by_name(update.name(), &input).await
    }

    /// Sends an update and returns once the workflow accepted it: see
    /// [`start_update_by_name`](Self::start_update_by_name).
    pub async fn start_update<I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        self.start_update_by_name(update.name(), &input).await
    }
}
