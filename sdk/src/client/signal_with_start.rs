//! Signal-with-start: deliver a signal to a workflow, starting it first if it is not running.

use serde::Serialize;

use super::{CallKind, Client, ClientError, Untyped, WorkflowHandle, WorkflowOptions};
use crate::converter;
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowType};
use crate::protos::temporal::api::workflowservice::v1::{
    SignalWithStartWorkflowExecutionRequest, StartWorkflowExecutionRequest,
};
use crate::workflow::{RunMethod, SignalMethod, Workflow};

impl Client {
    /// Signals workflow `options.id`, starting it with `input` first if it is not running.
    /// Both the workflow input and the signal input are typed by the workflow.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Cart { items: std::cell::RefCell<Vec<String>> }
    /// # #[workflow] impl Cart {
    /// #   #[run] pub async fn run(&self) -> WorkflowResult<()> { Ok(()) }
    /// #   #[signal] pub fn add(&self, item: String) { self.items.borrow_mut().push(item); }
    /// # }
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let handle = client
    ///     .signal_with_start(Cart::run, (), Cart::add, "apple".to_string(), WorkflowOptions::new("cart-42", "carts"))
    ///     .await?;
    /// # let _ = handle; Ok(()) }
    /// ```
    pub async fn signal_with_start<W: Workflow, I: Serialize>(
        &self,
        _run: RunMethod<W>,
        input: W::Input,
        signal: SignalMethod<W, I>,
        signal_input: I,
        options: WorkflowOptions,
    ) -> Result<WorkflowHandle<W>, ClientError> {
        let run_id = self
            .signal_with_start_raw(
                W::NAME,
                self.in_effect(|| W::INPUT_SHAPE.encode(&input))?,
                signal.name(),
                self.in_effect(|| signal.input_shape().encode(&signal_input))?,
                &options,
            )
            .await?;
        Ok(WorkflowHandle::new(self.clone(), options.id, Some(run_id.clone()), Some(run_id)))
    }

    /// Signal-with-start by names, for workflows written in other languages.
    pub async fn signal_with_start_by_name<I: Serialize + ?Sized, S: Serialize + ?Sized>(
        &self,
        workflow_type: &str,
        input: &I,
        signal: &str,
        signal_input: &S,
        options: WorkflowOptions,
    ) -> Result<WorkflowHandle<Untyped>, ClientError> {
        let run_id = self
            .signal_with_start_raw(
                workflow_type,
                self.in_effect(|| converter::encode_args(input))?,
                signal,
                self.in_effect(|| converter::encode_args(signal_input))?,
                &options,
            )
            .await?;
        Ok(WorkflowHandle::new(self.clone(), options.id, Some(run_id.clone()), Some(run_id)))
    }

    async fn signal_with_start_raw(
        &self,
        workflow_type: &str,
        input: Vec<Payload>,
        signal: &str,
        signal_input: Vec<Payload>,
        options: &WorkflowOptions,
    ) -> Result<String, ClientError> {
        options.validate()?;
        // The start fields are the same as a plain start's: fill them the same way.
        let mut start = StartWorkflowExecutionRequest::default();
        options.apply(&mut start)?;
        let req = SignalWithStartWorkflowExecutionRequest {
            namespace: self.namespace().to_string(),
            workflow_id: start.workflow_id,
            workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
            task_queue: start.task_queue,
            input: Some(Payloads { payloads: input }),
            workflow_execution_timeout: start.workflow_execution_timeout,
            workflow_run_timeout: start.workflow_run_timeout,
            workflow_task_timeout: start.workflow_task_timeout,
            identity: self.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            workflow_id_reuse_policy: start.workflow_id_reuse_policy,
            workflow_id_conflict_policy: start.workflow_id_conflict_policy,
            signal_name: signal.to_string(),
            signal_input: Some(Payloads { payloads: signal_input }),
            retry_policy: start.retry_policy,
            cron_schedule: start.cron_schedule,
            workflow_start_delay: start.workflow_start_delay,
            memo: start.memo,
            search_attributes: start.search_attributes,
            user_metadata: start.user_metadata,
            priority: start.priority,
            versioning_override: start.versioning_override,
            ..Default::default()
        };
        let resp =
            self.call_mapped(CallKind::Idempotent, req, |f| f.into_start_error(&options.id, workflow_type)).await?;
        Ok(resp.run_id)
    }
}
