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

/// How far an update must have gone before `start_update` returns, as Python's
/// `WorkflowUpdateStage`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WorkflowUpdateStage {
    /// The workflow accepted (or rejected) the update: its handler runs.
    #[default]
    Accepted,
    /// The handler finished: the update handle holds the outcome.
    Completed,
}

impl WorkflowUpdateStage {
    fn to_proto(self) -> Stage {
        match self {
            WorkflowUpdateStage::Accepted => Stage::Accepted,
            WorkflowUpdateStage::Completed => Stage::Completed,
        }
    }
}

/// Options of one update: its id and the stage to wait for.
///
/// An update id chosen by the caller makes the update safe to send again: the server runs an
/// update id once per workflow run, and a repeat gets the first one's outcome. Without an id,
/// a random one is chosen.
///
/// ```
/// use temporal_sdk::client::{UpdateOptions, WorkflowUpdateStage};
///
/// let options = UpdateOptions::new().id("payment-7").wait_for_stage(WorkflowUpdateStage::Completed);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// The update id (default: a random UUID).
    pub id: Option<String>,
    /// The stage `start_update` waits for (`execute_update` always waits for completion).
    pub wait_for_stage: WorkflowUpdateStage,
}

impl UpdateOptions {
    /// Default options: a random id, waiting for acceptance.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the update id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    /// Sets the stage to wait for.
    pub fn wait_for_stage(mut self, stage: WorkflowUpdateStage) -> Self {
        self.wait_for_stage = stage;
        self
    }

    pub(crate) fn update_id(&self) -> String {
        self.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
    }
}

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

impl<O> WorkflowUpdateHandle<O> {
    pub(crate) fn new(
        client: Client,
        execution: WorkflowExecution,
        update_id: String,
        outcome: Option<Outcome>,
    ) -> Self {
        Self { client, execution, update_id, outcome, _out: PhantomData }
    }

    /// The workflow id.
    pub fn workflow_id(&self) -> &str {
        &self.execution.workflow_id
    }

    /// The run the update went to, when known.
    pub fn workflow_run_id(&self) -> Option<&str> {
        Some(self.execution.run_id.as_str()).filter(|r| !r.is_empty())
    }
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
        self.client.in_effect(|| decode_outcome(outcome))
    }
}

fn decode_outcome<O: DeserializeOwned>(outcome: Outcome) -> Result<O, ClientError> {
    match outcome.value {
        Some(outcome::Value::Success(p)) => Ok(converter::decode_args(&p.payloads)?),
        Some(outcome::Value::Failure(f)) => Err(ClientError::UpdateFailed { cause: Box::new(Failure::from_proto(f)) }),
        None => Ok(converter::decode_args(&[])?),
    }
}

pub(super) async fn poll_outcome(
    client: &Client,
    execution: &WorkflowExecution,
    update_id: &str,
) -> Result<Outcome, ClientError> {
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
        let resp = client.call(CallKind::UserLongPoll, req).await?;
        if let Some(outcome) = resp.outcome {
            return Ok(outcome);
        }
    }
}

impl<W> WorkflowHandle<W> {
    /// Sends an update by name with one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several, one payload each) and waits until the
    /// workflow accepted or rejected it. As in the Python SDK the handle comes back either way, and
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
        self.start_update_by_name_with(update, input, UpdateOptions::new()).await
    }

    /// [`start_update_by_name`](Self::start_update_by_name) with an update id and the stage to
    /// wait for.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, Untyped, WorkflowUpdateStage};
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let options = UpdateOptions::new().id("add-apple-1").wait_for_stage(WorkflowUpdateStage::Completed);
    /// let update = handle.start_update_by_name_with::<u32, _>("add_item", &"apple", options).await?;
    /// # let _ = update; Ok(()) }
    /// ```
    pub async fn start_update_by_name_with<O: DeserializeOwned, I: Serialize + ?Sized>(
        &self,
        update: &str,
        input: &I,
        options: UpdateOptions,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let stage = options.wait_for_stage.to_proto();
        let args = self.client().in_effect(|| converter::encode_args(input))?;
        self.send_update(update, args, options.update_id(), stage).await
    }

    /// [`execute_update_by_name`](Self::execute_update_by_name) with an update id: sending it
    /// again with the same id returns the first outcome, the handler is not run twice.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, Untyped};
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let count: u32 = handle.execute_update_by_name_with("add_item", &"apple", UpdateOptions::new().id("add-1")).await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn execute_update_by_name_with<O: DeserializeOwned, I: Serialize + ?Sized>(
        &self,
        update: &str,
        input: &I,
        options: UpdateOptions,
    ) -> Result<O, ClientError> {
        let args = self.client().in_effect(|| converter::encode_args(input))?;
        self.send_update::<O>(update, args, options.update_id(), Stage::Completed).await?.result().await
    }

    /// A handle to an update sent before (by this or another client), by its id: its result
    /// is awaited from the server. The run is this handle's run, or the latest one.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::Untyped;
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let count: u32 = handle.get_update_handle("add-apple-1").result().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub fn get_update_handle<O: DeserializeOwned>(&self, update_id: impl Into<String>) -> WorkflowUpdateHandle<O> {
        WorkflowUpdateHandle::new(self.client().clone(), self.execution(), update_id.into(), None)
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
        self.execute_update_by_name_with(update, input, UpdateOptions::new()).await
    }

    async fn send_update<O>(
        &self,
        name: &str,
        args: Vec<Payload>,
        update_id: String,
        stage: Stage,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let client = self.client();
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
            let resp = client.call(CallKind::UserLongPoll, req.clone()).await?;
            if resp.outcome.is_some() || resp.stage >= stage as i32 {
                break resp;
            }
        };
        let execution = resp
            .update_ref
            .and_then(|r| r.workflow_execution)
            .filter(|e| !e.run_id.is_empty())
            .unwrap_or_else(|| self.execution());
        let handle = WorkflowUpdateHandle::new(client.clone(), execution, update_id, resp.outcome);
        Ok(handle)
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
        self.execute_update_with(update, input, UpdateOptions::new()).await
    }

    /// Sends an update and returns once the workflow accepted it: see
    /// [`start_update_by_name`](Self::start_update_by_name).
    pub async fn start_update<I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        self.start_update_with(update, input, UpdateOptions::new()).await
    }

    /// [`start_update`](Self::start_update) with an update id and the stage to wait for.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::{UpdateOptions, WorkflowUpdateStage};
    /// # #[derive(Default)] struct Cart;
    /// # #[workflow] impl Cart {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
    /// # }
    /// # async fn demo(handle: WorkflowHandle<Cart>) -> Result<(), ClientError> {
    /// let options = UpdateOptions::new().id("order-7-apple").wait_for_stage(WorkflowUpdateStage::Completed);
    /// let update = handle.start_update_with(Cart::add_item, "apple".into(), options).await?;
    /// let count: u32 = update.result().await?; // already known: no further call
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn start_update_with<I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
        options: UpdateOptions,
    ) -> Result<WorkflowUpdateHandle<O>, ClientError> {
        let stage = options.wait_for_stage.to_proto();
        let args = self.client().in_effect(|| update.input_shape().encode(&input))?;
        self.send_update(update.name(), args, options.update_id(), stage).await
    }

    /// [`execute_update`](Self::execute_update) with an update id (deduplicated by the
    /// server).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::UpdateOptions;
    /// # #[derive(Default)] struct Cart;
    /// # #[workflow] impl Cart {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
    /// # }
    /// # async fn demo(handle: WorkflowHandle<Cart>) -> Result<(), ClientError> {
    /// let count = handle.execute_update_with(Cart::add_item, "apple".into(), UpdateOptions::new().id("apple-1")).await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub async fn execute_update_with<I: Serialize, O: DeserializeOwned>(
        &self,
        update: UpdateMethod<W, I, O>,
        input: I,
        options: UpdateOptions,
    ) -> Result<O, ClientError> {
        let args = self.client().in_effect(|| update.input_shape().encode(&input))?;
        self.send_update::<O>(update.name(), args, options.update_id(), Stage::Completed).await?.result().await
    }

    /// A handle to an update sent before, by its id, typed by the update's result.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Cart;
    /// # #[workflow] impl Cart {
    /// #   #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[update] fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }
    /// # }
    /// # async fn demo(handle: WorkflowHandle<Cart>) -> Result<(), ClientError> {
    /// let count = handle.get_update_handle_for(Cart::add_item, "apple-1").result().await?;
    /// # let _ = count; Ok(()) }
    /// ```
    pub fn get_update_handle_for<I, O: DeserializeOwned>(
        &self,
        _update: UpdateMethod<W, I, O>,
        update_id: impl Into<String>,
    ) -> WorkflowUpdateHandle<O> {
        self.get_update_handle(update_id)
    }
}
