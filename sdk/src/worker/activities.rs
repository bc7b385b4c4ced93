//! Polling, running and completing activity tasks.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing::Instrument;

use tokio::time::Instant;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::Shared;
use super::executor::ActivityJob;
use super::pollers::{PollOutcome, PollScaler, PollTurn, PollerBehavior};
use crate::activity::{
    ActivityContext, ActivityImplementation, ActivityInfo, CONTEXT, CancelReason, Cancellation, HeartbeatSink,
    HeartbeatState, Signal,
};
use crate::client::CallKind;
use crate::common::{RetryPolicy, duration_from_proto, time_from_proto};
use crate::error::{ActivityError, ApplicationError, Failure, panic_message};
use crate::headers::Headers;
use crate::interceptor::{ActivityCall, ActivityNext};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::taskqueue::v1::TaskQueueMetadata;
use crate::protos::temporal::api::workflowservice::v1::{
    PollActivityTaskQueueRequest, PollActivityTaskQueueResponse, RecordActivityTaskHeartbeatRequest,
    RespondActivityTaskCanceledRequest, RespondActivityTaskCompletedRequest, RespondActivityTaskFailedRequest,
};
use crate::telemetry::sdk_metrics::millis;

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
        crate::activity::run_erased(self.0.name(), self.0.input_shape(), &args, |input: A::Input| self.0.execute(input))
    }
}

pub(crate) fn erase<A: ActivityImplementation>(a: A) -> Arc<dyn ErasedActivity> {
    Arc::new(Erased(a))
}

/// Runs a blocking activity body on the worker's activity executor, with the activity context
/// set on the thread that runs it (used by the code `#[activity]` generates for non-async
/// functions). Outside a worker or test environment, the body runs on a thread of its own.
pub fn blocking_activity<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ActivityError> + Send + 'static,
) -> BoxFuture<'static, Result<T, ActivityError>> {
    // The context is looked up when the future first runs as well, because callers may
    // create the future before entering the activity's scope.
    let early = crate::activity::current_context();
    Box::pin(async move {
        let ctx = early.or_else(crate::activity::current_context);
        let executor = ctx.as_ref().and_then(|c| c.executor.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: ActivityJob = Box::new(move || {
            let _entered = ctx.map(crate::activity::enter_blocking);
            let out = std::panic::catch_unwind(AssertUnwindSafe(f));
            let _ = tx.send(out);
        });
        match executor {
            Some(executor) => executor.execute(job),
            None => {
                if let Err(e) = std::thread::Builder::new().name("temporal-activity".into()).spawn(job) {
                    return Err(ActivityError::retryable(format!("cannot start a thread for the activity: {e}")));
                }
            }
        }
        match rx.await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => Err(panic_failure(panic_message(panic.as_ref()))),
            Err(_) => Err(ActivityError::retryable("the activity executor dropped the activity without running it")),
        }
    })
}

pub(crate) fn panic_failure(message: String) -> ActivityError {
    ActivityError::Failure(Box::new(Failure::application(
        format!("activity panicked: {message}"),
        Some("Panic".into()),
        false,
    )))
}

/// The activities running now, so shutdown can cancel them.
pub(crate) type Running = Arc<Mutex<HashMap<Vec<u8>, Arc<ActivityContext>>>>;

/// Spaces out the activity tasks a worker takes (`max_activities_per_second`).
pub(crate) struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub(crate) fn per_second(rate: f64) -> Self {
        // Rates are checked to be positive and finite; a day caps absurdly small ones so the
        // arithmetic cannot overflow.
        let day = Duration::from_secs(86_400);
        let interval = Duration::try_from_secs_f64(1.0 / rate).unwrap_or(day).min(day);
        Self { interval, next: Mutex::new(Instant::now()) }
    }

    /// Waits until another task may be taken.
    async fn ready(&self) {
        let next = *self.next.lock().unwrap_or_else(|e| e.into_inner());
        tokio::time::sleep_until(next).await;
    }

    /// Records that a task was taken now.
    fn took(&self) {
        *self.next.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now() + self.interval;
    }
}

/// Runs an activity task (polled, or dispatched eagerly with a workflow task completion) on
/// its own tokio task, holding its concurrency permit until it is reported.
pub(crate) fn spawn_activity(
    shared: &Arc<Shared>,
    task: PollActivityTaskQueueResponse,
    permit: OwnedSemaphorePermit,
    eager: bool,
) {
    let shared = Arc::clone(shared);
    shared.record_slots("ActivityWorker", &shared.activity_permits, shared.activity_slots);
    let [namespace, task_queue] = shared.labels();
    shared.metrics.activity_task_received.add(
        1,
        &[
            namespace,
            task_queue,
            ("activity_type", task.activity_type.as_ref().map_or("", |t| t.name.as_str())),
            ("workflow_type", task.workflow_type.as_ref().map_or("", |t| t.name.as_str())),
            ("eager", if eager { "true" } else { "false" }),
        ],
    );
    let span = tracing::info_span!(
        "activity_task",
        activity_id = %task.activity_id,
        activity_type = task.activity_type.as_ref().map_or("", |t| t.name.as_str()),
        workflow_id = task.workflow_execution.as_ref().map_or("", |e| e.workflow_id.as_str()),
        attempt = task.attempt,
        task_queue = %shared.task_queue,
    );
    tokio::spawn(async move {
        run_activity(&shared, task).instrument(span).await;
        drop(permit);
        shared.record_slots("ActivityWorker", &shared.activity_permits, shared.activity_slots);
    });
}

/// The activity metrics of one attempt: queue wait, run time, and how it ended.
fn record_attempt(shared: &Shared, info: &ActivityInfo, ran: Duration, report: &Report) {
    let [namespace, task_queue] = shared.labels();
    let labels = [
        namespace,
        task_queue,
        ("activity_type", info.activity_type.as_str()),
        ("workflow_type", info.workflow_type.as_str()),
    ];
    let metrics = &shared.metrics;
    if let (Some(scheduled), Some(started)) = (info.current_attempt_scheduled_time, info.started_time) {
        let waited = started.duration_since(scheduled).unwrap_or_default();
        // Labelled by queue only, as the other SDKs do: the wait is the queue's, not the type's.
        metrics.activity_schedule_to_start.record(millis(waited), &labels[..2]);
    }
    metrics.activity_execution.record(millis(ran), &labels);
    match report {
        Report::Completed(_) => {
            if let Some(scheduled) = info.scheduled_time {
                let latency = SystemTime::now().duration_since(scheduled).unwrap_or_default();
                metrics.activity_succeed_endtoend.record(millis(latency), &labels);
            }
        }
        Report::Failed { .. } => metrics.activity_failed.add(1, &labels),
        Report::Cancelled(_) => metrics.activity_cancelled.add(1, &labels),
        Report::Nothing => {}
    }
}

/// How activity polls are opened: one at a time when the worker limits its own rate, so the
/// interval between tasks holds exactly (parallel polls could each deliver a task at once).
pub(crate) fn poller_behavior(shared: &Shared, configured: PollerBehavior) -> PollerBehavior {
    if shared.activity_rate.is_some() { PollerBehavior::SimpleMaximum(1) } else { configured }
}

/// Opens activity polls as slots free up and the scaler allows, each on its own task; returns
/// at shutdown once no poll is open.
pub(crate) async fn poll_loop(shared: Arc<Shared>, scaler: Arc<PollScaler>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&shared.activity_permits).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.wait_for(|s| *s) => break,
        };
        let turn = tokio::select! {
            t = scaler.turn() => t,
            _ = shutdown.wait_for(|s| *s) => break,
        };
        // After the turn: with one poll at a time, the previous task's time is recorded by now.
        if let Some(limiter) = &shared.activity_rate {
            tokio::select! {
                _ = limiter.ready() => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
        tokio::spawn(poll(Arc::clone(&shared), Arc::clone(&scaler), permit, turn, shutdown.clone()));
    }
    scaler.idle().await;
}

/// One poll of the activity task queue.
async fn poll(
    shared: Arc<Shared>,
    scaler: Arc<PollScaler>,
    permit: OwnedSemaphorePermit,
    turn: PollTurn,
    mut shutdown: watch::Receiver<bool>,
) {
    let req = PollActivityTaskQueueRequest {
        namespace: shared.client.namespace().to_string(),
        task_queue: Some(super::workflows::normal_queue(&shared.task_queue)),
        identity: shared.client.identity().to_string(),
        worker_instance_key: shared.instance_key.clone(),
        task_queue_metadata: shared
            .task_queue_activities_per_second
            .map(|rate| TaskQueueMetadata { max_tasks_per_second: Some(rate) }),
        deployment_options: shared.deployment.clone(),
        ..Default::default()
    };
    let polled = tokio::select! {
        // Decoded by `run_activity`, which eagerly dispatched tasks go through too.
        r = shared.client.call_plain(CallKind::TaskPoll, req) => r,
        _ = shutdown.wait_for(|s| *s) => return,
    };
    match polled {
        Ok(task) if task.task_token.is_empty() => {
            scaler.report(PollOutcome::Response { empty: true, decision: task.poller_scaling_decision.as_ref() });
            shared.metrics.activity_poll_no_task.add(1, &shared.labels());
        }
        Ok(task) => {
            scaler.report(PollOutcome::Response { empty: false, decision: task.poller_scaling_decision.as_ref() });
            if let Some(limiter) = &shared.activity_rate {
                limiter.took();
            }
            shared.heartbeats.tally.polled(super::heartbeat::PollKind::Activity);
            spawn_activity(&shared, task, permit, false);
            drop(turn);
        }
        Err(e) => {
            if let Some(code) = e.code() {
                scaler.report(PollOutcome::Error(code));
            }
            if shared.poll_failed(e, "activity task") {
                return;
            }
            // The turn is held through the pause, so that no other poll takes its place.
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.wait_for(|s| *s) => {}
            }
        }
    }
}

fn info_from_task(task: &PollActivityTaskQueueResponse, task_queue: &str, namespace: &str) -> ActivityInfo {
    let exec = task.workflow_execution.clone().unwrap_or_default();
    let positive = |d: Option<&prost_wkt_types::Duration>| d.map(duration_from_proto).filter(|d| !d.is_zero());
    ActivityInfo {
        activity_id: task.activity_id.clone(),
        activity_type: task.activity_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        attempt: task.attempt,
        task_queue: task_queue.to_string(),
        task_token: task.task_token.clone(),
        namespace: namespace.to_string(),
        workflow_namespace: task.workflow_namespace.clone(),
        workflow_id: exec.workflow_id,
        workflow_run_id: exec.run_id,
        workflow_type: task.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        scheduled_time: task.scheduled_time.as_ref().map(time_from_proto),
        current_attempt_scheduled_time: task.current_attempt_scheduled_time.as_ref().map(time_from_proto),
        started_time: task.started_time.as_ref().map(time_from_proto),
        schedule_to_close_timeout: positive(task.schedule_to_close_timeout.as_ref()),
        start_to_close_timeout: positive(task.start_to_close_timeout.as_ref()),
        heartbeat_timeout: positive(task.heartbeat_timeout.as_ref()),
        heartbeat_details: task.heartbeat_details.clone().map(|p| p.payloads).unwrap_or_default(),
        retry_policy: task.retry_policy.as_ref().map(RetryPolicy::from_proto),
        is_local: false,
    }
}

fn not_registered(shared: &Shared, activity_type: &str) -> ActivityError {
    let mut known: Vec<&str> = shared.activities.keys().copied().collect();
    known.sort_unstable();
    ActivityError::Failure(Box::new(Failure::application(
        format!(
            "Activity type {activity_type:?} is not registered on this worker (task queue {:?}); registered activities: {known:?}",
            shared.task_queue
        ),
        Some("NotFoundError".into()),
        false,
    )))
}

async fn run_activity(shared: &Arc<Shared>, mut task: PollActivityTaskQueueResponse) {
    let token = task.task_token.clone();
    if let Err(e) = shared.client.data_converter().decode_message(&mut task).await {
        // Retryable: another attempt (or worker) may have the key or codec server this one lacks.
        let error = ApplicationError::new(format!("Failed decoding arguments: {e}")).with_type("PayloadCodecError");
        return send_report(shared, token, report_for(Err(ActivityError::from(error)), None, None)).await;
    }
    let info = info_from_task(&task, &shared.task_queue, shared.client.namespace());
    let Some(activity) = shared.activities.get(info.activity_type.as_str()).cloned() else {
        let error = not_registered(shared, &info.activity_type);
        let report = report_for(Err(error), None, None);
        return send_report(shared, token, report).await;
    };
    let interval = heartbeat_interval(info.heartbeat_timeout);
    let beats = Arc::new(HeartbeatState::default());
    let ctx = ActivityContext::new(
        info,
        HeartbeatSink::Worker(Arc::clone(&beats)),
        Arc::new(Cancellation::default()),
        Arc::clone(&shared.activity_shutdown),
        Some(Arc::clone(&shared.activity_executor)),
        Arc::clone(shared.client.metric_meter()),
    );
    shared.running.lock().unwrap_or_else(|e| e.into_inner()).insert(token.clone(), Arc::clone(&ctx));
    // Shutdown may have cancelled the running activities between this task's poll and now.
    if shared.activities_cancelled.load(Ordering::SeqCst) {
        ctx.cancel(CancelReason::WorkerShutdown);
    }
    let finished = Arc::new(Signal::default());
    let beat = tokio::spawn(heartbeat_loop(Arc::clone(&beats), Arc::clone(&finished), interval, {
        let (shared, ctx, token) = (Arc::clone(shared), Arc::clone(&ctx), token.clone());
        move |details| {
            let (shared, ctx, token) = (Arc::clone(&shared), Arc::clone(&ctx), token.clone());
            async move { record_heartbeat(&shared, &ctx, token, details).await }
        }
    }));
    let args = task.input.map(|p| p.payloads).unwrap_or_default();
    let headers = task.header.map(Headers::from).unwrap_or_default();
    let began = Instant::now();
    // `execute` runs inside the scope too: activities may look up their context as soon as
    // they are called.
    let run = shared.client.data_converter().encodings().wrap({
        let (shared, ctx) = (Arc::clone(shared), Arc::clone(&ctx));
        async move { execute(&shared, &activity, &ctx, headers, args).await }
    });
    let outcome = match CONTEXT.scope(Arc::clone(&ctx), AssertUnwindSafe(run).catch_unwind()).await {
        Ok(r) => r,
        Err(panic) => Err(panic_failure(panic_message(panic.as_ref()))),
    };
    finished.set();
    if let Err(e) = beat.await {
        tracing::debug!(error = %e, "the heartbeat task ended abnormally");
    }
    shared.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&token);
    let report = report_for(outcome, ctx.cancellation.reason(), beats.latest());
    record_attempt(shared, &ctx.info, began.elapsed(), &report);
    if matches!(report, Report::Nothing) {
        // The activity lives on until a client completes it: the last details must not be
        // lost with this worker's sender.
        if let Some(details) = beats.take_unsent() {
            record_heartbeat(shared, &ctx, token, details).await;
        }
        return;
    }
    send_report(shared, token, report).await;
}

/// Runs one attempt of `activity`, through the worker's interceptors when it has any.
pub(crate) async fn execute(
    shared: &Shared,
    activity: &Arc<dyn ErasedActivity>,
    ctx: &Arc<ActivityContext>,
    headers: Headers,
    args: Vec<Payload>,
) -> Result<Payload, ActivityError> {
    if shared.interceptors.is_empty() {
        ctx.set_headers(headers);
        return activity.execute(args).await;
    }
    let interceptors = Arc::clone(&shared.interceptors);
    ctx.set_heartbeat_hook(Arc::new(move |info, details| {
        for interceptor in interceptors.iter() {
            interceptor.activity_heartbeat(info, details);
        }
    }));
    let terminal = |call: ActivityCall<'_>| {
        ctx.set_headers(call.headers);
        activity.execute(call.args)
    };
    let call = ActivityCall { info: &ctx.info, headers, args };
    ActivityNext::new(&shared.interceptors, &terminal).run(call).await
}

/// The throttle interval of heartbeats: 80% of the heartbeat timeout, 30 s without one, and
/// never more than a minute.
pub(crate) fn heartbeat_interval(heartbeat_timeout: Option<Duration>) -> Duration {
    heartbeat_timeout.map(|t| t.mul_f64(0.8)).unwrap_or(Duration::from_secs(30)).min(Duration::from_secs(60))
}

/// What the worker tells the server when an attempt ends.
#[derive(Debug)]
pub(crate) enum Report {
    Completed(Payload),
    Failed { failure: Failure, last_heartbeat_details: Option<Vec<Payload>> },
    Cancelled(Vec<Payload>),
    Nothing,
}

/// Decides the report of an attempt. A cancellation is reported as such only when the
/// server asked for it (or forgot the attempt, where nothing is recorded anyway); after a
/// shutdown, pause or reset, or when nobody asked, it fails the attempt (retryably), because
/// a cancelled activity would end the workflow's wait for it with a cancellation that the
/// workflow never requested.
pub(crate) fn report_for(
    outcome: Result<Payload, ActivityError>,
    reason: Option<CancelReason>,
    latest_details: Option<Vec<Payload>>,
) -> Report {
    let failed = |failure: Failure| Report::Failed { failure, last_heartbeat_details: latest_details.clone() };
    match outcome {
        Ok(payload) => Report::Completed(payload),
        Err(ActivityError::Failure(f)) => failed(*f),
        Err(ActivityError::WillCompleteAsync) => Report::Nothing,
        Err(ActivityError::Cancelled { details }) => {
            let (message, error_type) = match reason {
                Some(CancelReason::Requested | CancelReason::Gone) => return Report::Cancelled(details),
                Some(CancelReason::WorkerShutdown) => {
                    ("the worker shut down before the activity finished", "WorkerShutdown")
                }
                Some(CancelReason::Paused) => ("the activity was paused", "ActivityPaused"),
                Some(CancelReason::Reset) => ("the activity was reset", "ActivityReset"),
                None => ("the activity returned a cancellation that nobody requested", "ActivityCancelled"),
            };
            failed(ApplicationError::new(message).with_type(error_type).into())
        }
    }
}

async fn send_report(shared: &Shared, task_token: Vec<u8>, report: Report) {
    let namespace = shared.client.namespace().to_string();
    let identity = shared.client.identity().to_string();
    let converter = shared.client.data_converter();
    let result = match report {
        Report::Nothing => return,
        Report::Completed(payload) => {
            let mut req = RespondActivityTaskCompletedRequest {
                task_token,
                result: Some(Payloads { payloads: vec![payload] }),
                identity,
                namespace,
                deployment_options: shared.deployment.clone(),
                ..Default::default()
            };
            if let Err(e) = converter.encode_message(&mut req).await {
                let error = ApplicationError::new(format!("Failed encoding the activity result: {e}"))
                    .with_type("PayloadCodecError");
                let failed = Report::Failed { failure: error.into(), last_heartbeat_details: None };
                return Box::pin(send_report(shared, req.task_token, failed)).await;
            }
            shared.client.call_plain(CallKind::Idempotent, req).await.map(drop)
        }
        Report::Failed { failure, last_heartbeat_details } => {
            let mut req = RespondActivityTaskFailedRequest {
                task_token,
                failure: Some(failure.to_proto()),
                identity,
                namespace,
                last_heartbeat_details: last_heartbeat_details.map(|payloads| Payloads { payloads }),
                deployment_options: shared.deployment.clone(),
                ..Default::default()
            };
            let plain = req.clone();
            if let Err(e) = converter.encode_message(&mut req).await {
                // The failure still goes out, in the clear, rather than not at all.
                tracing::warn!(error = %e, "could not encode an activity failure");
                req = plain;
            }
            shared.client.call_plain(CallKind::Idempotent, req).await.map(drop)
        }
        Report::Cancelled(details) => {
            let details = (!details.is_empty()).then_some(Payloads { payloads: details });
            let mut req = RespondActivityTaskCanceledRequest {
                task_token,
                details,
                identity,
                namespace,
                deployment_options: shared.deployment.clone(),
                ..Default::default()
            };
            if let Err(e) = converter.encode_message(&mut req).await {
                tracing::warn!(error = %e, "could not encode an activity's cancellation details; sending none");
                req.details = None;
            }
            shared.client.call_plain(CallKind::Idempotent, req).await.map(drop)
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

/// Sends one heartbeat and turns what the response asks for into the activity's
/// cancellation.
async fn record_heartbeat(shared: &Shared, ctx: &ActivityContext, task_token: Vec<u8>, details: Vec<Payload>) {
    let req = RecordActivityTaskHeartbeatRequest {
        task_token,
        details: Some(Payloads { payloads: details }),
        identity: shared.client.identity().to_string(),
        namespace: shared.client.namespace().to_string(),
        ..Default::default()
    };
    // A separate target lets tools (the heartbeat benchmark) count the calls.
    tracing::trace!(target: "temporal_sdk::heartbeat_rpc", activity_id = %ctx.info.activity_id, "RecordActivityTaskHeartbeat");
    let response = shared.client.call_converted(CallKind::Idempotent, req).await;
    match response {
        Ok(resp) if resp.cancel_requested => ctx.cancel(CancelReason::Requested),
        Ok(resp) if resp.activity_reset => ctx.cancel(CancelReason::Reset),
        Ok(resp) if resp.activity_paused => ctx.cancel(CancelReason::Paused),
        Ok(_) => {}
        Err(e) if e.is_not_found() => ctx.cancel(CancelReason::Gone),
        Err(e) => tracing::warn!(error = %e, activity_id = %ctx.info.activity_id, "heartbeat failed"),
    }
}

/// Sends the latest heartbeat details: the first at once, then at most once per `interval`,
/// until `finished` is set. A call in flight is completed, not abandoned, so the caller may
/// flush what is left afterwards.
pub(crate) async fn heartbeat_loop<F, Fut>(
    state: Arc<HeartbeatState>,
    finished: Arc<Signal>,
    interval: Duration,
    mut send: F,
) where
    F: FnMut(Vec<Payload>) -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        let details = loop {
            let changed = state.changed.notified();
            if let Some(details) = state.take_unsent() {
                break details;
            }
            tokio::select! {
                _ = changed => {}
                _ = finished.wait() => return,
            }
        };
        send(details).await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = finished.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{self, Cancellation, HeartbeatSink};
    use crate::converter;
    use crate::error::FailureKind;

    fn context(state: &Arc<HeartbeatState>) -> Arc<ActivityContext> {
        ActivityContext::new(
            ActivityInfo::default(),
            HeartbeatSink::Worker(Arc::clone(state)),
            Arc::new(Cancellation::default()),
            Arc::new(Signal::default()),
            None,
            Arc::new(crate::telemetry::NoopMeter),
        )
    }

    /// What the fake sender saw: (time since start, detail).
    type Sent = Arc<Mutex<Vec<(Duration, u32)>>>;

    /// Runs the heartbeat loop with a fake sender.
    fn spawn_loop(
        state: &Arc<HeartbeatState>,
        finished: &Arc<Signal>,
        interval: Duration,
    ) -> (Sent, tokio::task::JoinHandle<()>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let start = tokio::time::Instant::now();
        let handle = tokio::spawn(heartbeat_loop(Arc::clone(state), Arc::clone(finished), interval, {
            let sent = Arc::clone(&sent);
            move |details: Vec<Payload>| {
                let detail: u32 = converter::decode_args(&details).unwrap_or(u32::MAX);
                sent.lock().unwrap_or_else(|e| e.into_inner()).push((start.elapsed(), detail));
                async {}
            }
        }));
        (sent, handle)
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats_are_throttled_and_the_latest_details_win() {
        let state = Arc::new(HeartbeatState::default());
        let ctx = context(&state);
        let finished = Arc::new(Signal::default());
        let interval = heartbeat_interval(Some(Duration::from_secs(1)));
        assert_eq!(interval, Duration::from_millis(800));
        let (sent, handle) = spawn_loop(&state, &finished, interval);
        // 1000 heartbeats over 2 s, one every 2 ms.
        for i in 0..1000u32 {
            CONTEXT.sync_scope(Arc::clone(&ctx), || activity::heartbeat(&i));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        finished.set();
        handle.await.expect("loop ends");
        let sent = sent.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // The first at once, then one per 800 ms: at 0, 0.8 and 1.6 s.
        let times: Vec<u128> = sent.iter().map(|(t, _)| t.as_millis()).collect();
        assert_eq!(times, vec![0, 800, 1600], "{sent:?}");
        assert_eq!(sent[0].1, 0);
        // Each send carries the latest details recorded before it.
        assert!((399..=400).contains(&sent[1].1), "{sent:?}");
        assert!((799..=800).contains(&sent[2].1), "{sent:?}");
        // What came after the last send is left for the final flush.
        assert_eq!(converter::decode_args::<u32>(&state.take_unsent().unwrap_or_default()).ok(), Some(999));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_activity_sends_nothing_and_a_later_heartbeat_goes_out_at_once() {
        let state = Arc::new(HeartbeatState::default());
        let ctx = context(&state);
        let finished = Arc::new(Signal::default());
        let (sent, handle) = spawn_loop(&state, &finished, heartbeat_interval(None));
        tokio::time::sleep(Duration::from_secs(100)).await;
        CONTEXT.sync_scope(Arc::clone(&ctx), || activity::heartbeat(&7u32));
        tokio::time::sleep(Duration::from_millis(1)).await;
        finished.set();
        handle.await.expect("loop ends");
        let sent = sent.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].1, 7);
        assert!(state.take_unsent().is_none());
    }

    #[test]
    fn throttle_interval_defaults_and_caps() {
        assert_eq!(heartbeat_interval(None), Duration::from_secs(30));
        assert_eq!(heartbeat_interval(Some(Duration::from_secs(10))), Duration::from_secs(8));
        assert_eq!(heartbeat_interval(Some(Duration::from_secs(600))), Duration::from_secs(60));
    }

    #[test]
    fn cancellations_are_reported_as_cancelled_only_when_requested() {
        assert!(matches!(
            report_for(Err(ActivityError::cancelled()), Some(CancelReason::Requested), None),
            Report::Cancelled(_)
        ));
        for (reason, error_type) in [
            (Some(CancelReason::WorkerShutdown), "WorkerShutdown"),
            (Some(CancelReason::Paused), "ActivityPaused"),
            (Some(CancelReason::Reset), "ActivityReset"),
            (None, "ActivityCancelled"),
        ] {
            match report_for(Err(ActivityError::cancelled()), reason, None) {
                Report::Failed { failure, .. } => {
                    assert_eq!(failure.application_type(), Some(error_type));
                    assert!(matches!(failure.kind, FailureKind::Application { non_retryable: false, .. }));
                }
                other => panic!("{reason:?}: {other:?}"),
            }
        }
        assert!(matches!(report_for(Err(ActivityError::will_complete_async()), None, None), Report::Nothing));
    }

    #[test]
    fn failures_carry_the_latest_heartbeat_details() {
        let details = converter::encode_args(&5u32).ok();
        match report_for(Err(ActivityError::retryable("x")), None, details.clone()) {
            Report::Failed { last_heartbeat_details, .. } => assert_eq!(last_heartbeat_details, details),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_spaces_tasks() {
        let limiter = RateLimiter::per_second(4.0);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            limiter.ready().await;
            limiter.took();
        }
        limiter.ready().await;
        assert_eq!(start.elapsed(), Duration::from_millis(750));
    }
}
