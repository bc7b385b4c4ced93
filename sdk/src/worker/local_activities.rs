//! Running one local activity inside the worker, with retries, until it ends or is cancelled.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::FutureExt;

use super::Shared;
use super::activities::panic_failure;
use crate::activity::{ActivityContext, ActivityInfo, CONTEXT, Cancellation, HeartbeatSink};
use crate::common::RetryPolicy;
use crate::error::FailureKind::Cancelled;
use crate::error::{ActivityError, Failure, FailureKind, TimeoutType, panic_message};
use crate::headers::Headers;
use crate::runtime::ops::local_activity::{LocalActivityRequest, LocalActivityResult};
use crate::telemetry::sdk_metrics::millis;

/// How long local retries may keep a workflow task open before the backoff becomes a timer:
/// well inside the default 10 s workflow task timeout.
const DEFAULT_LOCAL_RETRY_THRESHOLD: Duration = Duration::from_secs(5);

/// One local activity: attempts until success, a non-retryable failure, the retry policy's
/// last attempt, the schedule-to-close deadline, or its cancellation. Cancellation is
/// cooperative (`activity::cancelled()`): a running attempt is never dropped, but no attempt
/// starts after it.
pub(crate) async fn run_one(
    shared: &Arc<Shared>,
    workflow: &ActivityInfo,
    request: LocalActivityRequest,
    cancellation: &Arc<Cancellation>,
) -> LocalActivityResult {
    let policy = request.options.retry_policy.clone().unwrap_or_default();
    let started = Instant::now();
    // Schedule-to-close counts from the first attempt, also across timer backoffs.
    let since_scheduled = SystemTime::now().duration_since(request.original_schedule_time).unwrap_or_default();
    let deadline = request.options.schedule_to_close_timeout.map(|d| started + d.saturating_sub(since_scheduled));
    let threshold = request.options.local_retry_threshold.unwrap_or(DEFAULT_LOCAL_RETRY_THRESHOLD);
    let mut attempt: u32 = request.attempt;
    let [namespace, task_queue] = shared.labels();
    let labels = [
        namespace,
        task_queue,
        ("activity_type", request.activity_type.as_str()),
        ("workflow_type", workflow.workflow_type.as_str()),
    ];
    let metrics = &shared.metrics;
    let cancelled = || Failure::new("Cancelled", Cancelled { details: Vec::new() });
    loop {
        let slot = tokio::select! {
            slot = shared.local_activity_permits.acquire() => slot,
            _ = cancellation.wait() => return done(&request, attempt, Err(cancelled())),
        };
        let Ok(slot) = slot else {
            return done(&request, attempt, Err(Failure::cancelled("the worker shut down")));
        };
        shared.record_slots("LocalActivityWorker", &shared.local_activity_permits, shared.local_activity_slots);
        let began = Instant::now();
        let outcome = attempt_once(shared, workflow, &request, attempt, deadline, cancellation).await;
        drop(slot);
        shared.record_slots("LocalActivityWorker", &shared.local_activity_permits, shared.local_activity_slots);
        metrics.local_activity_total.add(1, &labels);
        metrics.local_activity_execution.record(millis(began.elapsed()), &labels);
        match &outcome {
            Ok(_) => {}
            Err(ActivityError::Cancelled { .. }) => metrics.local_activity_cancelled.add(1, &labels),
            Err(_) => metrics.local_activity_failed.add(1, &labels),
        }
        let failure = match outcome {
            Ok(payload) => return done(&request, attempt, Ok(Some(payload))),
            Err(ActivityError::Failure(f)) => *f,
            Err(ActivityError::Cancelled { details }) => Failure::new("Cancelled", Cancelled { details }),
            Err(other) => Failure::new(other.to_string(), FailureKind::Other(None)),
        };
        if cancellation.is_cancelled() {
            return done(&request, attempt, Err(failure));
        }
        let backoff = retry_backoff(&policy, attempt, &failure);
        let out_of_time = match (backoff, deadline) {
            (Some(b), Some(d)) => Instant::now() + b >= d,
            _ => false,
        };
        match backoff {
            // Waiting here keeps the workflow task open: beyond the threshold the workflow
            // waits on a durable timer instead and asks again with the next attempt.
            Some(b) if !out_of_time && started.elapsed() + b > threshold => {
                let mut result = done(&request, attempt, Err(failure));
                result.backoff = Some(b);
                return result;
            }
            Some(b) if !out_of_time => {
                tokio::select! {
                    _ = tokio::time::sleep(b) => attempt += 1,
                    _ = cancellation.wait() => return done(&request, attempt, Err(cancelled())),
                }
            }
            _ => return done(&request, attempt, Err(failure)),
        }
    }
}

fn done(
    request: &LocalActivityRequest,
    attempt: u32,
    outcome: Result<Option<crate::protos::temporal::api::common::v1::Payload>, Failure>,
) -> LocalActivityResult {
    LocalActivityResult { seq: request.seq, attempt, outcome, complete_time: Some(SystemTime::now()), backoff: None }
}

/// The backoff before the next attempt, or `None` when the failure is final.
fn retry_backoff(policy: &RetryPolicy, attempt: u32, failure: &Failure) -> Option<Duration> {
    if let FailureKind::Application { non_retryable: true, .. } = failure.kind {
        return None;
    }
    if failure.application_type().is_some_and(|t| policy.non_retryable_error_types.iter().any(|n| n == t)) {
        return None;
    }
    if policy.maximum_attempts > 0 && attempt >= policy.maximum_attempts as u32 {
        return None;
    }
    if let FailureKind::Application { next_retry_delay: Some(d), .. } = failure.kind {
        return Some(d);
    }
    // The server's defaults: 1 s, doubling, at most 100 s.
    let initial = policy.initial_interval.unwrap_or(Duration::from_secs(1));
    let coefficient = policy.backoff_coefficient.unwrap_or(2.0);
    let max = policy.maximum_interval.unwrap_or(initial * 100);
    Some(initial.mul_f64(coefficient.powi(attempt.saturating_sub(1) as i32)).min(max))
}

async fn attempt_once(
    shared: &Arc<Shared>,
    workflow: &ActivityInfo,
    request: &LocalActivityRequest,
    attempt: u32,
    deadline: Option<Instant>,
    cancellation: &Arc<Cancellation>,
) -> Result<crate::protos::temporal::api::common::v1::Payload, ActivityError> {
    let Some(activity) = shared.activities.get(request.activity_type.as_str()).cloned() else {
        let mut known: Vec<&str> = shared.activities.keys().copied().collect();
        known.sort_unstable();
        return Err(ActivityError::Failure(Box::new(Failure::application(
            format!(
                "Local activity type {:?} is not registered on this worker; registered activities: {known:?}",
                request.activity_type
            ),
            Some("NotFoundError".into()),
            true,
        ))));
    };
    let info = ActivityInfo {
        activity_id: request.activity_id.clone(),
        activity_type: request.activity_type.clone(),
        attempt: attempt as i32,
        is_local: true,
        start_to_close_timeout: request.options.start_to_close_timeout,
        schedule_to_close_timeout: request.options.schedule_to_close_timeout,
        scheduled_time: Some(request.scheduled),
        started_time: Some(SystemTime::now()),
        ..workflow.clone()
    };
    let ctx = ActivityContext::new(
        info,
        HeartbeatSink::Ignore,
        Arc::clone(cancellation),
        Arc::clone(&shared.activity_shutdown),
        Some(Arc::clone(&shared.activity_executor)),
        Arc::clone(shared.client.metric_meter()),
    );
    let limit = match (request.options.start_to_close_timeout, deadline) {
        (Some(s), Some(d)) => Some(s.min(d.saturating_duration_since(Instant::now()))),
        (Some(s), None) => Some(s),
        (None, Some(d)) => Some(d.saturating_duration_since(Instant::now())),
        (None, None) => None,
    };
    let args = request.input.clone();
    let headers = request.options.header.clone().map(Headers::from).unwrap_or_default();
    let execute = shared.client.data_converter().encodings().wrap({
        let (shared, ctx) = (Arc::clone(shared), Arc::clone(&ctx));
        async move { super::activities::execute(&shared, &activity, &ctx, headers, args).await }
    });
    let run = CONTEXT.scope(Arc::clone(&ctx), AssertUnwindSafe(execute).catch_unwind());
    let outcome = match limit {
        Some(limit) => match tokio::time::timeout(limit, run).await {
            Ok(r) => r,
            Err(_) => {
                return Err(ActivityError::Failure(Box::new(Failure::new(
                    "Local activity timed out",
                    FailureKind::Timeout {
                        timeout_type: TimeoutType::StartToClose,
                        last_heartbeat_details: Vec::new(),
                    },
                ))));
            }
        },
        None => run.await,
    };
    outcome.unwrap_or_else(|panic| Err(panic_failure(panic_message(panic.as_ref()))))
}
