use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{CallKind, Client, ClientError, WorkflowDescription};
use crate::converter;
use crate::error::{Failure, FailureKind, TimeoutType};
use crate::history::WorkflowHistory;
use crate::protos::temporal::api::common::v1::{Payload, Payloads, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::HistoryEventFilterType;
use crate::protos::temporal::api::history::v1::{History, history_event::Attributes as Ev};
use crate::protos::temporal::api::query::v1::WorkflowQuery;
use crate::protos::temporal::api::workflowservice::v1::{
    DescribeWorkflowExecutionRequest, GetWorkflowExecutionHistoryRequest, QueryWorkflowRequest,
    RequestCancelWorkflowExecutionRequest, SignalWorkflowExecutionRequest, TerminateWorkflowExecutionRequest,
};
pub use crate::workflow::Untyped;
use crate::workflow::{QueryMethod, SignalMethod, Workflow};

/// A handle to a workflow execution, typed by its workflow so that signals, queries and the
/// result have the workflow's types.
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct Greeting { s: std::cell::RefCell<String> }
/// # #[workflow] impl Greeting {
/// #   #[run] async fn run(&self) -> WorkflowResult<String> { Ok(String::new()) }
/// #   #[signal] fn set(&self, s: String) { *self.s.borrow_mut() = s; }
/// #   #[query] fn get(&self) -> String { self.s.borrow().clone() }
/// # }
/// # async fn demo(client: Client) -> Result<(), ClientError> {
/// let handle = client.get_workflow_handle::<Greeting>("greeting-1", None);
/// handle.signal(Greeting::set, "Aloha".to_string()).await?;
/// let current: String = handle.query(Greeting::get, ()).await?;
/// # let _ = current; Ok(()) }
/// ```
pub struct WorkflowHandle<W> {
    client: Client,
    workflow_id: String,
    run_id: Option<String>,
    first_execution_run_id: Option<String>,
    _workflow: PhantomData<fn() -> W>,
}

impl<W> Clone for WorkflowHandle<W> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            workflow_id: self.workflow_id.clone(),
            run_id: self.run_id.clone(),
            first_execution_run_id: self.first_execution_run_id.clone(),
            _workflow: PhantomData,
        }
    }
}

impl<W> std::fmt::Debug for WorkflowHandle<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowHandle").field("workflow_id", &self.workflow_id).field("run_id", &self.run_id).finish()
    }
}

impl<W> WorkflowHandle<W> {
    pub(crate) fn new(
        client: Client,
        workflow_id: String,
        run_id: Option<String>,
        first_execution_run_id: Option<String>,
    ) -> Self {
        Self { client, workflow_id, run_id, first_execution_run_id, _workflow: PhantomData }
    }

    /// The workflow id.
    pub fn id(&self) -> &str {
        &self.workflow_id
    }

    /// This handle, with calls that give up after `timeout`, retries included (see
    /// [`Client::with_rpc_timeout`]).
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::Untyped;
    /// # async fn demo(handle: WorkflowHandle<Untyped>) -> Result<(), ClientError> {
    /// let state: String = handle.with_rpc_timeout(Duration::from_secs(2)).query_by_name("state", &()).await?;
    /// # let _ = state; Ok(()) }
    /// ```
    pub fn with_rpc_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.client = self.client.with_rpc_timeout(timeout);
        self
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The first run of the chain this handle's cancel and terminate calls are limited to,
    /// if any: a workflow started anew under the same id is then left alone.
    pub fn first_execution_run_id(&self) -> Option<&str> {
        self.first_execution_run_id.as_deref()
    }

    /// This handle, targeting one run (or, with `None`, the latest run of the workflow id).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client, run: String) -> Result<(), ClientError> {
    /// let handle = client.get_untyped_workflow_handle("order-1", None).with_run_id(Some(run));
    /// handle.describe().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_run_id(mut self, run_id: Option<String>) -> Self {
        self.run_id = run_id.filter(|r| !r.is_empty());
        self
    }

    /// This handle, whose cancel and terminate calls reach only the chain of runs that
    /// started with `first_execution_run_id` (Python's `first_execution_run_id`).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client, first: String) -> Result<(), ClientError> {
    /// let handle = client.get_untyped_workflow_handle("order-1", None).with_first_execution_run_id(first);
    /// handle.cancel().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_first_execution_run_id(mut self, first_execution_run_id: impl Into<String>) -> Self {
        self.first_execution_run_id = Some(first_execution_run_id.into()).filter(|r| !r.is_empty());
        self
    }

    /// The run id this handle targets, if it targets one run.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    pub(crate) fn execution(&self) -> WorkflowExecution {
        WorkflowExecution { workflow_id: self.workflow_id.clone(), run_id: self.run_id.clone().unwrap_or_default() }
    }

    /// Waits for the result and decodes it as `T`, following continue-as-new, retries and
    /// cron runs to the last one.
    pub async fn result_as<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        let payload = self.result_payload(true).await?;
        Ok(match payload {
            Some(p) => self.client.in_effect(|| converter::decode(&p))?,
            None => converter::decode_args(&[])?,
        })
    }

    async fn result_payload(&self, follow_runs: bool) -> Result<Option<Payload>, ClientError> {
        // The time-skipping test server skips time only while someone waits for a result.
        self.client.around_result_wait(self.wait_for_close(follow_runs)).await
    }

    async fn wait_for_close(&self, follow_runs: bool) -> Result<Option<Payload>, ClientError> {
        let mut run_id = self.run_id.clone().unwrap_or_default();
        let mut token = Vec::new();
        loop {
            let req = GetWorkflowExecutionHistoryRequest {
                namespace: self.client.namespace.clone(),
                execution: Some(WorkflowExecution { workflow_id: self.workflow_id.clone(), run_id: run_id.clone() }),
                next_page_token: token.clone(),
                wait_new_event: true,
                history_event_filter_type: HistoryEventFilterType::CloseEvent as i32,
                skip_archival: true,
                ..Default::default()
            };
            let resp = self.client.call(CallKind::UserLongPoll, req).await?;
            let Some(mut event) = resp.history.and_then(|h| h.events.into_iter().last()) else {
                token = resp.next_page_token;
                continue;
            };
            // Histories come as stored (see `fetch_history`): only the close event is read here.
            self.client.data_converter().decode_message(&mut event).await?;
            let next_run = |new_run: &str| (follow_runs && !new_run.is_empty()).then(|| new_run.to_string());
            match event.attributes {
                Some(Ev::WorkflowExecutionCompletedEventAttributes(a)) => match next_run(&a.new_execution_run_id) {
                    Some(r) => run_id = r,
                    None => return Ok(a.result.and_then(|p| p.payloads.into_iter().next())),
                },
                Some(Ev::WorkflowExecutionFailedEventAttributes(a)) => match next_run(&a.new_execution_run_id) {
                    Some(r) => run_id = r,
                    None => {
                        let cause = a.failure.map(Failure::from_proto).unwrap_or_else(|| {
                            Failure::new("workflow failed without a failure", FailureKind::Other(None))
                        });
                        return Err(ClientError::WorkflowFailed { cause: Box::new(cause) });
                    }
                },
                Some(Ev::WorkflowExecutionCanceledEventAttributes(a)) => {
                    let details = a.details.map(|p| p.payloads).unwrap_or_default();
                    return Err(ClientError::WorkflowFailed {
                        cause: Box::new(Failure::new("Workflow cancelled", FailureKind::Cancelled { details })),
                    });
                }
                Some(Ev::WorkflowExecutionTerminatedEventAttributes(a)) => {
                    let message = if a.reason.is_empty() { "Workflow terminated".to_string() } else { a.reason };
                    return Err(ClientError::WorkflowFailed {
                        cause: Box::new(Failure::new(message, FailureKind::Terminated)),
                    });
                }
                Some(Ev::WorkflowExecutionTimedOutEventAttributes(a)) => match next_run(&a.new_execution_run_id) {
                    Some(r) => run_id = r,
                    None => {
                        return Err(ClientError::WorkflowFailed {
                            cause: Box::new(Failure::new(
                                "Workflow timed out",
                                FailureKind::Timeout {
                                    timeout_type: TimeoutType::StartToClose,
                                    last_heartbeat_details: Vec::new(),
                                },
                            )),
                        });
                    }
                },
                Some(Ev::WorkflowExecutionContinuedAsNewEventAttributes(a)) => {
                    match next_run(&a.new_execution_run_id) {
                        Some(r) => run_id = r,
                        None => return Err(ClientError::ContinuedAsNew { new_run_id: a.new_execution_run_id }),
                    }
                }
                _ => {
                    token = resp.next_page_token;
                    continue;
                }
            }
            token = Vec::new();
        }
    }

    /// Sends a signal by name with one argument (`&()` for none, [`Args`](converter::Args) for
    /// several).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// use temporal_sdk::converter::Args;
    /// # async fn demo(handle: WorkflowHandle<temporal_sdk::client::Untyped>) -> Result<(), ClientError> {
    /// handle.signal_by_name("approve", &"ada").await?; // one payload
    /// handle.signal_by_name("rename", &Args(("Ada", "Lovelace"))).await?; // two payloads
    /// # Ok(()) }
    /// ```
    pub async fn signal_by_name<I: Serialize + ?Sized>(&self, signal: &str, input: &I) -> Result<(), ClientError> {
        self.send_signal(signal, self.client.in_effect(|| converter::encode_args(input))?).await
    }

    async fn send_signal(&self, signal: &str, args: Vec<Payload>) -> Result<(), ClientError> {
        let req = SignalWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution()),
            signal_name: signal.to_string(),
            input: Some(Payloads { payloads: args }),
            identity: self.client.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.client.call(CallKind::Idempotent, req).await?;
        Ok(())
    }

    /// Runs a query by name with one argument (`&()` for none, [`Args`](converter::Args) for
    /// several) and decodes the answer.
    pub async fn query_by_name<O: DeserializeOwned, I: Serialize + ?Sized>(
        &self,
        query: &str,
        input: &I,
    ) -> Result<O, ClientError> {
        self.run_query(query, self.client.in_effect(|| converter::encode_args(input))?).await
    }

    async fn run_query<O: DeserializeOwned>(&self, query: &str, args: Vec<Payload>) -> Result<O, ClientError> {
        let req = QueryWorkflowRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.execution()),
            query: Some(WorkflowQuery {
                query_type: query.to_string(),
                query_args: Some(Payloads { payloads: args }),
                header: None,
            }),
            ..Default::default()
        };
        let resp = self.client.call(CallKind::Idempotent, req).await.map_err(|e| match e {
            ClientError::Rpc { code: tonic::Code::InvalidArgument, message, .. } => ClientError::QueryFailed(message),
            other => other,
        })?;
        if let Some(rejected) = resp.query_rejected {
            return Err(ClientError::QueryRejected { status: rejected.status().as_str_name().to_string() });
        }
        let payloads = resp.query_result.map(|p| p.payloads).unwrap_or_default();
        Ok(self.client.in_effect(|| converter::decode_args(&payloads))?)
    }

    /// Asks the workflow to cancel; the workflow decides how to end.
    pub async fn cancel(&self) -> Result<(), ClientError> {
        let req = RequestCancelWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution()),
            identity: self.client.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            first_execution_run_id: self.first_execution_run_id.clone().unwrap_or_default(),
            ..Default::default()
        };
        self.client.call(CallKind::Idempotent, req).await?;
        Ok(())
    }

    /// Terminates the workflow at once, with a reason recorded in history.
    pub async fn terminate(&self, reason: &str) -> Result<(), ClientError> {
        let req = TerminateWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            workflow_execution: Some(self.execution()),
            reason: reason.to_string(),
            identity: self.client.identity().to_string(),
            first_execution_run_id: self.first_execution_run_id.clone().unwrap_or_default(),
            ..Default::default()
        };
        self.client.call(CallKind::Normal, req).await?;
        Ok(())
    }

    /// Describes the execution: status, type, times, parent, memo, typed search attributes,
    /// summary and details.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let description = client.get_untyped_workflow_handle("order-1", None).describe().await?;
    /// let tier = description.search_attributes.get("CustomerTier");
    /// # let _ = tier; Ok(()) }
    /// ```
    pub async fn describe(&self) -> Result<WorkflowDescription, ClientError> {
        let req = DescribeWorkflowExecutionRequest {
            namespace: self.client.namespace.clone(),
            execution: Some(self.execution()),
        };
        let raw = self.client.call(CallKind::Idempotent, req).await?;
        Ok(WorkflowDescription::from_proto(raw)?)
    }

    /// Fetches the whole history of the run (all pages), as stored: payloads stay encoded by
    /// the codecs that wrote them (as in Python), and the [`Replayer`](crate::replay::Replayer)
    /// decodes them with its data converter.
    pub async fn fetch_history(&self) -> Result<WorkflowHistory, ClientError> {
        let mut events = Vec::new();
        let mut token = Vec::new();
        loop {
            let req = GetWorkflowExecutionHistoryRequest {
                namespace: self.client.namespace.clone(),
                execution: Some(self.execution()),
                next_page_token: token,
                ..Default::default()
            };
            let resp = self.client.call(CallKind::Idempotent, req).await?;
            events.extend(resp.history.map(|h| h.events).unwrap_or_default());
            if resp.next_page_token.is_empty() {
                break;
            }
            token = resp.next_page_token;
        }
        Ok(WorkflowHistory::new(self.workflow_id.clone(), History { events }))
    }
}

impl<W: Workflow> WorkflowHandle<W> {
    /// Waits for the workflow's result, following continue-as-new, retries and cron runs.
    /// A workflow that failed, was cancelled, terminated or timed out gives
    /// [`ClientError::WorkflowFailed`] with the cause.
    pub async fn result(&self) -> Result<W::Output, ClientError> {
        self.result_as::<W::Output>().await
    }

    /// Sends a signal: `handle.signal(Greeting::update_salutation, "Aloha".into())`.
    pub async fn signal<I: Serialize>(&self, signal: SignalMethod<W, I>, input: I) -> Result<(), ClientError> {
        self.send_signal(signal.name(), self.client.in_effect(|| signal.input_shape().encode(&input))?).await
    }

    /// Runs a query: `handle.query(Greeting::current_greeting, ())`.
    pub async fn query<I: Serialize, O: DeserializeOwned>(
        &self,
        query: QueryMethod<W, I, O>,
        input: I,
    ) -> Result<O, ClientError> {
        self.run_query(query.name(), self.client.in_effect(|| query.input_shape().encode(&input))?).await
    }
}

/// The per-workflow methods that `#[workflow]` generates on handles, one per signal, query and
/// update (`handle.update_salutation(v).await?`), so that completion lists what the workflow
/// accepts. They live on a trait object reached through `Deref`: nothing is added to the
/// user's namespace, and the handle's own methods keep precedence.
#[doc(hidden)]
pub trait HandleMethods: Workflow {
    /// `dyn` of the generated trait.
    type Methods: ?Sized;
    /// The handle, seen as the generated trait object.
    fn methods(handle: &WorkflowHandle<Self>) -> &Self::Methods;
}

impl<W: HandleMethods> std::ops::Deref for WorkflowHandle<W> {
    type Target = W::Methods;

    fn deref(&self) -> &W::Methods {
        W::methods(self)
    }
}
