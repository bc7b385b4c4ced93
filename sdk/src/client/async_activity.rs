//! Completing activities from outside the worker (async completion).

use serde::Serialize;

use super::{CallKind, Client, ClientError};
use crate::converter;
use crate::error::Failure;
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::workflowservice::v1::{
    RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatRequest, RespondActivityTaskCanceledByIdRequest,
    RespondActivityTaskCanceledRequest, RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedRequest,
    RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedRequest,
};

/// Which activity attempt an [`AsyncActivityHandle`] acts on.
///
/// ```
/// use temporal_sdk::client::AsyncActivityId;
///
/// let id = AsyncActivityId::Ids { workflow_id: "order-17".into(), run_id: None, activity_id: "approval".into() };
/// assert!(matches!(id, AsyncActivityId::Ids { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsyncActivityId {
    /// The task token of one attempt, from [`ActivityInfo::task_token`](crate::activity::ActivityInfo::task_token).
    TaskToken(Vec<u8>),
    /// The activity's ids: whichever attempt is current.
    Ids {
        /// The workflow id.
        workflow_id: String,
        /// The workflow's run id (the latest run when `None`).
        run_id: Option<String>,
        /// The activity id.
        activity_id: String,
    },
}

/// What the server answered a heartbeat sent through an [`AsyncActivityHandle`].
///
/// ```
/// let answer = temporal_sdk::client::AsyncHeartbeatResponse::default();
/// assert!(!answer.cancel_requested);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AsyncHeartbeatResponse {
    /// The workflow asked to cancel the activity: report it with
    /// [`AsyncActivityHandle::report_cancellation`] once stopped.
    pub cancel_requested: bool,
    /// The activity was paused on the server.
    pub paused: bool,
    /// The activity was reset on the server.
    pub reset: bool,
}

/// Heartbeats, completes, fails or reports the cancellation of an activity that returned
/// [`ActivityError::will_complete_async()`](crate::error::ActivityError::will_complete_async),
/// from any process with a client.
///
/// A second completion of the same attempt, or one of an activity that timed out or whose
/// workflow closed, fails with a `NOT_FOUND` error ([`ClientError::is_not_found`]).
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # async fn demo(client: Client, task_token: Vec<u8>) -> Result<(), ClientError> {
/// let handle = client.get_async_activity_handle(task_token);
/// handle.heartbeat(&"halfway").await?;
/// handle.complete(&"approved").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AsyncActivityHandle {
    client: Client,
    id: AsyncActivityId,
}

impl Client {
    /// A handle to the activity attempt with this task token (what the activity read from
    /// `activity::info().task_token`).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client, token: Vec<u8>) -> Result<(), ClientError> {
    /// client.get_async_activity_handle(token).complete(&42).await?;
    /// # Ok(()) }
    /// ```
    pub fn get_async_activity_handle(&self, task_token: impl Into<Vec<u8>>) -> AsyncActivityHandle {
        AsyncActivityHandle { client: self.clone(), id: AsyncActivityId::TaskToken(task_token.into()) }
    }

    /// A handle to an activity by its workflow id, run id (the latest run when `None`) and
    /// activity id (set one with `ActivityOptions::activity_id`).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let handle = client.get_async_activity_handle_by_id("order-17", None, "approval");
    /// handle.fail(ApplicationError::new("rejected by a human").non_retryable()).await?;
    /// # Ok(()) }
    /// ```
    pub fn get_async_activity_handle_by_id(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
        activity_id: impl Into<String>,
    ) -> AsyncActivityHandle {
        AsyncActivityHandle {
            client: self.clone(),
            id: AsyncActivityId::Ids { workflow_id: workflow_id.into(), run_id, activity_id: activity_id.into() },
        }
    }
}

fn payloads(p: Vec<Payload>) -> Option<Payloads> {
    (!p.is_empty()).then_some(Payloads { payloads: p })
}

impl AsyncActivityHandle {
    /// Which activity the handle acts on.
    ///
    /// ```
    /// # async fn demo(client: temporal_sdk::Client) {
    /// use temporal_sdk::client::AsyncActivityId;
    /// let handle = client.get_async_activity_handle(b"token".to_vec());
    /// assert_eq!(handle.id(), &AsyncActivityId::TaskToken(b"token".to_vec()));
    /// # }
    /// ```
    pub fn id(&self) -> &AsyncActivityId {
        &self.id
    }

    /// Records a heartbeat with details (unthrottled: each call is one request), keeping the
    /// activity alive past its heartbeat timeout; the answer says whether cancellation was
    /// requested. The details are one value; [`Args`](crate::converter::Args) sends several,
    /// one payload each (`handle.heartbeat(&Args((3u32, "copying"))).await?`).
    ///
    /// ```no_run
    /// # async fn demo(handle: temporal_sdk::client::AsyncActivityHandle) -> Result<(), temporal_sdk::client::ClientError> {
    /// if handle.heartbeat(&3u32).await?.cancel_requested {
    ///     handle.report_cancellation(&"stopped at 3").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn heartbeat<T: Serialize + ?Sized>(&self, details: &T) -> Result<AsyncHeartbeatResponse, ClientError> {
        let details = payloads(self.client.in_effect(|| converter::encode_args(details))?);
        let (namespace, identity) = (self.client.namespace().to_string(), self.client.identity().to_string());
        let (cancel_requested, paused, reset) = match &self.id {
            AsyncActivityId::TaskToken(token) => {
                let req = RecordActivityTaskHeartbeatRequest {
                    task_token: token.clone(),
                    details,
                    identity,
                    namespace,
                    ..Default::default()
                };
                let r = self.client.call(CallKind::Idempotent, req).await?;
                (r.cancel_requested, r.activity_paused, r.activity_reset)
            }
            AsyncActivityId::Ids { workflow_id, run_id, activity_id } => {
                let req = RecordActivityTaskHeartbeatByIdRequest {
                    namespace,
                    workflow_id: workflow_id.clone(),
                    run_id: run_id.clone().unwrap_or_default(),
                    activity_id: activity_id.clone(),
                    details,
                    identity,
                    ..Default::default()
                };
                let r = self.client.call(CallKind::Idempotent, req).await?;
                (r.cancel_requested, r.activity_paused, r.activity_reset)
            }
        };
        Ok(AsyncHeartbeatResponse { cancel_requested, paused, reset })
    }

    /// Completes the activity with its result.
    ///
    /// ```no_run
    /// # async fn demo(handle: temporal_sdk::client::AsyncActivityHandle) -> Result<(), temporal_sdk::client::ClientError> {
    /// handle.complete(&vec!["a", "b"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn complete<T: Serialize + ?Sized>(&self, result: &T) -> Result<(), ClientError> {
        let result = Some(Payloads { payloads: vec![self.client.in_effect(|| converter::encode(result))?] });
        let (namespace, identity) = (self.client.namespace().to_string(), self.client.identity().to_string());
        match &self.id {
            AsyncActivityId::TaskToken(token) => {
                let req = RespondActivityTaskCompletedRequest {
                    task_token: token.clone(),
                    result,
                    identity,
                    namespace,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
            AsyncActivityId::Ids { workflow_id, run_id, activity_id } => {
                let req = RespondActivityTaskCompletedByIdRequest {
                    namespace,
                    workflow_id: workflow_id.clone(),
                    run_id: run_id.clone().unwrap_or_default(),
                    activity_id: activity_id.clone(),
                    result,
                    identity,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
        }
        Ok(())
    }

    /// Fails the attempt; the server retries it per the activity's retry policy unless the
    /// error is non-retryable. An [`ApplicationError`](crate::error::ApplicationError) keeps
    /// its type, details and next retry delay.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(handle: temporal_sdk::client::AsyncActivityHandle) -> Result<(), ClientError> {
    /// handle.fail(ApplicationError::new("card declined").with_type("PaymentError")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn fail(&self, error: impl Into<Failure>) -> Result<(), ClientError> {
        let failure = Some(error.into().to_proto());
        let (namespace, identity) = (self.client.namespace().to_string(), self.client.identity().to_string());
        match &self.id {
            AsyncActivityId::TaskToken(token) => {
                let req = RespondActivityTaskFailedRequest {
                    task_token: token.clone(),
                    failure,
                    identity,
                    namespace,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
            AsyncActivityId::Ids { workflow_id, run_id, activity_id } => {
                let req = RespondActivityTaskFailedByIdRequest {
                    namespace,
                    workflow_id: workflow_id.clone(),
                    run_id: run_id.clone().unwrap_or_default(),
                    activity_id: activity_id.clone(),
                    failure,
                    identity,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
        }
        Ok(())
    }

    /// Reports that the activity stopped after a cancellation request, with details (`&()`
    /// for none). The server accepts it only once the workflow has asked for the cancellation
    /// (a heartbeat answers `cancel_requested`); before that it refuses with
    /// `INVALID_ARGUMENT`.
    ///
    /// ```no_run
    /// # async fn demo(handle: temporal_sdk::client::AsyncActivityHandle) -> Result<(), temporal_sdk::client::ClientError> {
    /// handle.report_cancellation(&()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn report_cancellation<T: Serialize + ?Sized>(&self, details: &T) -> Result<(), ClientError> {
        let details = payloads(self.client.in_effect(|| converter::encode_args(details))?);
        let (namespace, identity) = (self.client.namespace().to_string(), self.client.identity().to_string());
        match &self.id {
            AsyncActivityId::TaskToken(token) => {
                let req = RespondActivityTaskCanceledRequest {
                    task_token: token.clone(),
                    details,
                    identity,
                    namespace,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
            AsyncActivityId::Ids { workflow_id, run_id, activity_id } => {
                let req = RespondActivityTaskCanceledByIdRequest {
                    namespace,
                    workflow_id: workflow_id.clone(),
                    run_id: run_id.clone().unwrap_or_default(),
                    activity_id: activity_id.clone(),
                    details,
                    identity,
                    ..Default::default()
                };
                self.client.call(CallKind::Idempotent, req).await?;
            }
        }
        Ok(())
    }
}
