//! Local activities: run by the workflow's own worker, retried locally, recorded as markers,
//! and resolved from those markers on replay without running again.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;
use temporal_sdk::workflow::LocalActivityOptions;

static CALLS: AtomicU32 = AtomicU32::new(0);
static FLAKY: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn rate(currency: String) -> Result<f64, ActivityError> {
    CALLS.fetch_add(1, Ordering::SeqCst);
    Ok(if currency == "EUR" { 1.25 } else { 1.0 })
}

#[activity]
async fn flaky_lookup(key: String) -> Result<String, ActivityError> {
    if FLAKY.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(ActivityError::retryable("first attempt fails"));
    }
    Ok(format!("value of {key}"))
}

#[activity]
async fn refuses(key: String) -> Result<String, ActivityError> {
    Err(ApplicationError::new(format!("no {key}")).with_type("Refused").non_retryable().into())
}

#[derive(Default)]
struct Converts;

#[workflow]
impl Converts {
    #[run]
    async fn run(&self, amount: f64) -> WorkflowResult<String> {
        let opts = || LocalActivityOptions::start_to_close(Duration::from_secs(5));
        let eur = workflow::execute_local_activity(rate, "EUR".to_string(), opts()).await?;
        workflow::sleep(Duration::from_millis(50)).await?;
        let retry = RetryPolicy::default().initial_interval(Duration::from_millis(50));
        let looked_up =
            workflow::execute_local_activity(flaky_lookup, "k".to_string(), opts().retry_policy(retry)).await?;
        let refused = match workflow::execute_local_activity(refuses, "thanks".to_string(), opts()).await {
            Err(WorkflowError::Failure(f)) => f.root_cause().message.clone(),
            other => format!("unexpected: {other:?}"),
        };
        Ok(format!("{:.2} / {looked_up} / {refused}", amount * eur))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_activities_run_retry_and_replay_from_markers() {
    let client = client().await;
    let queue = unique("local");
    // No cache: after the timer the whole history replays, so markers must resolve the first
    // local activity without running it again.
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<Converts>()
            .activity(rate)
            .activity(flaky_lookup)
            .activity(refuses)
            .max_cached_workflows(0),
    );
    let handle =
        client.start_workflow(Converts::run, 10.0, WorkflowOptions::new(unique("local"), &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "12.50 / value of k / no thanks");
    assert_eq!(CALLS.load(Ordering::SeqCst), 1, "replay did not run the local activity again");
    assert_eq!(FLAKY.load(Ordering::SeqCst), 2, "retried once, locally");

    let history = handle.fetch_history().await.expect("history");
    let events = event_types(&history);
    assert_eq!(events.iter().filter(|e| *e == "MARKER_RECORDED").count(), 3, "{events:?}");
    assert!(!events.iter().any(|e| e.starts_with("ACTIVITY_TASK")), "no server-side activity: {events:?}");
    Replayer::new().workflow::<Converts>().replay_workflow(&history).expect("replays from markers");
    worker.stop().await;
}

static STUBBORN: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn stubborn(key: String) -> Result<String, ActivityError> {
    let attempt = activity::info().map(|i| i.attempt).unwrap_or_default();
    if STUBBORN.fetch_add(1, Ordering::SeqCst) < 2 {
        return Err(ActivityError::retryable(format!("attempt {attempt} fails")));
    }
    Ok(format!("{key} on attempt {attempt}"))
}

#[derive(Default)]
struct BacksOff;

#[workflow]
impl BacksOff {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let mut opts = LocalActivityOptions::start_to_close(Duration::from_secs(5))
            .retry_policy(RetryPolicy::default().initial_interval(Duration::from_millis(600)).backoff_coefficient(1.0));
        // Backoffs longer than this become durable timers instead of keeping the task open.
        opts.local_retry_threshold = Some(Duration::from_millis(300));
        workflow::execute_local_activity(stubborn, "k".to_string(), opts).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_local_retry_backoffs_become_timers() {
    let client = client().await;
    let queue = unique("local-backoff");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<BacksOff>().activity(stubborn));
    let handle =
        client.start_workflow(BacksOff::run, (), WorkflowOptions::new(unique("backoff"), &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "k on attempt 3");
    let history = handle.fetch_history().await.expect("history");
    let events = event_types(&history);
    assert_eq!(events.iter().filter(|e| *e == "TIMER_STARTED").count(), 2, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "MARKER_RECORDED").count(), 3, "{events:?}");
    Replayer::new().workflow::<BacksOff>().replay_workflow(&history).expect("replays");
    worker.stop().await;
}
