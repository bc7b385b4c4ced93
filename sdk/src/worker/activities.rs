//! Polling, running and completing activity tasks.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::Shared;
use crate::activity::{ActivityContext, ActivityImplementation, ActivityInfo, CONTEXT};
use crate::client::{LONG_POLL_TIMEOUT, RetryConfig};
use crate::common::{duration_from_proto, time_from_proto};
use crate::converter;
use crate::error::{ActivityError, Failure, FailureKind, panic_message};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflowservice::v1::{
    PollActivityTaskQueueRequest, PollActivityTaskQueueResponse, RecordActivityTaskHeartbeatRequest,
    RespondActivityTaskCanceledRequest, RespondActivityTaskCompletedRequest, RespondActivityTaskFailedRequest,
};

/// An activity with its types erased: payloads in, payload out.
pub(crate) trait ErasedActivity: Send + Sync {
    fn name(&self) -> &'static str;
    fn execute(&self, args: Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>>;
}

struct Erased<A>(A);

impl<A: ActivityImplementation> ErasedActivity for Erased<A> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn execute(&self, args: Vec<Payload>) -> BoxFuture<'static, Result<Payload, ActivityError>> {
        let input = match converter::decode_args::<A::Input>(&args) {
            Ok(i) => i,
            Err(e) => {
                let message = format!("Failed decoding arguments of activity {:?}: {e}", self.0.name());
                return Box::pin(async move { Err(ActivityError::non_retryable(message)) });
            }
        };
        let fut = self.0.execute(input);
        Box::pin(async move {
            let out = fut.await?;
            converter::encode(&out)
                .map_err(|e| ActivityError::non_retryable(format!("Failed encoding the activity result: {e}")))
        })
    }
}

pub(crate) fn erase<A: ActivityImplementation>(a: A) -> Arc<dyn ErasedActivity> {
    Arc::new(Erased(a))
}

/// Runs a blocking activity body on tokio's blocking pool, with the activity context set on
/// that thread (used by the code `#[activity]` generates for non-async functions).
pub fn blocking_activity<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ActivityError> + Send + 'static,
) -> BoxFuture<'static, Result<T, ActivityError>> {
    let ctx = crate::activity::context_for_blocking();
    Box::pin(async move {
        let joined = tokio::task::spawn_blocking(move || {
            crate::activity::set_blocking_context(ctx);
            let out = std::panic::catch_unwind(AssertUnwindSafe(f));
            crate::activity::set_blocking_context(None);
            out
        })
        .await;
        match joined {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => Err(panic_failure(panic_message(panic.as_ref()))),
            Err(e) => Err(ActivityError::retryable(format!("the blocking activity thread failed: {e}"))),
        }
    })
}

fn panic_failure(message: String) -> ActivityError {
    ActivityError::Failure(Failure::new(
        format!("activity panicked: {message}"),
        FailureKind::Application {
            error_type: Some("Panic".into()),
            non_retryable: false,
            details: Vec::new(),
            next_retry_delay: None,
        },
    ))
}

/// The activities running now, so shutdown can cancel them.
pub(crate) type Running = Arc<Mutex<HashMap<Vec<u8>, Arc<ActivityContext>>>>;

/// Runs an activity task (polled, or dispatched eagerly with a workflow task completion) on
/// its own tokio task, holding its concurrency permit until it is reported.
pub(crate) fn spawn_activity(shared: &Arc<Shared>, task: PollActivityTaskQueueResponse, permit: OwnedSemaphorePermit) {
    let shared = Arc::clone(shared);
    tokio::spawn(async move {
        run_activity(&shared, task).await;
        drop(permit);
    });
}

pub(crate) async fn poll_loop(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&shared.activity_permits).acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let req = PollActivityTaskQueueRequest {
            namespace: shared.client.namespace().to_string(),
            task_queue: Some(TaskQueue { name: shared.task_queue.clone(), ..Default::default() }),
            identity: shared.client.identity().to_string(),
            worker_instance_key: shared.instance_key.clone(),
            ..Default::default()
        };
        let retry = RetryConfig::forever();
        let polled = tokio::select! {
            r = shared.client.call_with("PollActivityTaskQueue", req, &retry, LONG_POLL_TIMEOUT, true, |mut c, r| async move {
                c.poll_activity_task_queue(r).await
            }) => r,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match polled {
            Ok(task) if task.task_token.is_empty() => {}
            Ok(task) => spawn_activity(&shared, task, permit),
            Err(e) => {
                tracing::error!(error = %e, task_queue = %shared.task_queue, "activity poll failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn info_from_task(task: &PollActivityTaskQueueResponse, task_queue: &str) -> ActivityInfo {
    let exec = task.workflow_execution.clone().unwrap_or_default();
    ActivityInfo {
        activity_id: task.activity_id.clone(),
        activity_type: task.activity_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        attempt: task.attempt,
        task_queue: task_queue.to_string(),
        task_token: task.task_token.clone(),
        workflow_namespace: task.workflow_namespace.clone(),
        workflow_id: exec.workflow_id,
        workflow_run_id: exec.run_id,
        workflow_type: task.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        scheduled_time: task.scheduled_time.as_ref().map(time_from_proto),
        current_attempt_scheduled_time: task.current_attempt_scheduled_time.as_ref().map(time_from_proto),
        started_time: task.started_time.as_ref().map(time_from_proto),
        schedule_to_close_timeout: task
            .schedule_to_close_timeout
            .as_ref()
            .map(duration_from_proto)
            .filter(|d| !d.is_zero()),
        start_to_close_timeout: task.start_to_close_timeout.as_ref().map(duration_from_proto).filter(|d| !d.is_zero()),
        heartbeat_timeout: task.heartbeat_timeout.as_ref().map(duration_from_proto).filter(|d| !d.is_zero()),
        heartbeat_details: task.heartbeat_details.clone().map(|p| p.payloads).unwrap_or_default(),
        is_local: false,
    }
}

async fn run_activity(shared: &Arc<Shared>, task: PollActivityTaskQueueResponse) {
    let running = &shared.running;
    let info = info_from_task(&task, &shared.task_queue);
    let token = task.task_token.clone();
    let outcome = match shared.activities.get(info.activity_type.as_str()) {
        None => {
            let mut known: Vec<&str> = shared.activities.keys().copied().collect();
            known.sort_unstable();
            Err(ActivityError::Failure(Failure::new(
                format!(
                    "Activity type {:?} is not registered on this worker (task queue {:?}); registered activities: {known:?}",
                    info.activity_type, shared.task_queue
                ),
                FailureKind::Application {
                    error_type: Some("NotFoundError".into()),
                    non_retryable: false,
                    details: Vec::new(),
                    next_retry_delay: None,
                },
            )))
        }
        Some(activity) => {
            let heartbeat_timeout = info.heartbeat_timeout;
            let (ctx, heartbeats) = ActivityContext::new(info);
            lock(running).insert(token.clone(), Arc::clone(&ctx));
            let beat = tokio::spawn(heartbeat_loop(
                Arc::clone(shared),
                token.clone(),
                Arc::clone(&ctx),
                heartbeats,
                heartbeat_timeout,
            ));
            let args = task.input.map(|p| p.payloads).unwrap_or_default();
            let fut = CONTEXT.scope(Arc::clone(&ctx), AssertUnwindSafe(activity.execute(args)).catch_unwind());
            let outcome = match fut.await {
                Ok(r) => r,
                Err(panic) => Err(panic_failure(panic_message(panic.as_ref()))),
            };
            beat.abort();
            lock(running).remove(&token);
            outcome
        }
    };
    respond(shared, token, outcome).await;
}

fn lock(running: &Running) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Arc<ActivityContext>>> {
    running.lock().unwrap_or_else(|e| e.into_inner())
}

async fn respond(shared: &Shared, task_token: Vec<u8>, outcome: Result<Payload, ActivityError>) {
    let namespace = shared.client.namespace().to_string();
    let identity = shared.client.identity().to_string();
    let result = match outcome {
        Ok(payload) => {
            let req = RespondActivityTaskCompletedRequest {
                task_token,
                result: Some(Payloads { payloads: vec![payload] }),
                identity,
                namespace,
                ..Default::default()
            };
            shared
                .client
                .call("RespondActivityTaskCompleted", req, |mut c, r| async move {
                    c.respond_activity_task_completed(r).await
                })
                .await
                .map(drop)
        }
        Err(ActivityError::Failure(f)) => {
            let req = RespondActivityTaskFailedRequest {
                task_token,
                failure: Some(f.to_proto()),
                identity,
                namespace,
                ..Default::default()
            };
            shared
                .client
                .call(
                    "RespondActivityTaskFailed",
                    req,
                    |mut c, r| async move { c.respond_activity_task_failed(r).await },
                )
                .await
                .map(drop)
        }
        Err(ActivityError::Cancelled { details }) => {
            let details = (!details.is_empty()).then_some(Payloads { payloads: details });
            let req =
                RespondActivityTaskCanceledRequest { task_token, details, identity, namespace, ..Default::default() };
            shared
                .client
                .call("RespondActivityTaskCanceled", req, |mut c, r| async move {
                    c.respond_activity_task_canceled(r).await
                })
                .await
                .map(drop)
        }
    };
    if let Err(e) = result {
        // NOT_FOUND means the activity timed out or the workflow closed meanwhile: nothing to do.
        if e.is_not_found() {
            tracing::debug!(error = %e, "activity result not accepted: the activity is gone");
        } else {
            tracing::error!(error = %e, "failed to report an activity result");
        }
    }
}

/// Sends the latest heartbeat details, at most once per throttle interval, and turns a
/// cancellation request in the response into the activity's cancellation.
async fn heartbeat_loop(
    shared: Arc<Shared>,
    task_token: Vec<u8>,
    ctx: Arc<ActivityContext>,
    mut details: watch::Receiver<Option<Vec<Payload>>>,
    heartbeat_timeout: Option<Duration>,
) {
    let interval =
        heartbeat_timeout.map(|t| t.mul_f64(0.8)).unwrap_or(Duration::from_secs(30)).min(Duration::from_secs(60));
    while details.changed().await.is_ok() {
        let payloads = details.borrow_and_update().clone().unwrap_or_default();
        let req = RecordActivityTaskHeartbeatRequest {
            task_token: task_token.clone(),
            details: Some(Payloads { payloads }),
            identity: shared.client.identity().to_string(),
            namespace: shared.client.namespace().to_string(),
            ..Default::default()
        };
        match shared
            .client
            .call(
                "RecordActivityTaskHeartbeat",
                req,
                |mut c, r| async move { c.record_activity_task_heartbeat(r).await },
            )
            .await
        {
            Ok(resp) if resp.cancel_requested => ctx.cancel(),
            Ok(_) => {}
            Err(e) if e.is_not_found() => ctx.cancel(),
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
        tokio::time::sleep(interval).await;
    }
}
