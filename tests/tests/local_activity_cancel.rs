//! Local activities as the Python SDK runs them, against the dev server: cancellation per
//! cancellation type (the marker recorded, the error the workflow sees, how long it waits),
//! cancellation before the activity started, local activities longer than the workflow task
//! timeout (workflow task heartbeats), and cancellation when the worker shuts down.
//!
//! The `python_la_*` histories were recorded from the Python SDK 1.35 running the same
//! workflows (`tests/python/local_activities.py`, task timeout 2 s); each test replays
//! Python's history against the Rust workflow and checks that a Rust run produces the same
//! events, the same markers and the same result.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::activity::CancelReason;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::replay::{Replayer, WorkflowHistory};
use temporal_sdk::workflow::{ActivityCancellationType, LocalActivityOptions};

/// Sleeps `secs`; cancelled, it cleans up for a second and reports the cancellation (as the
/// Python activity does).
#[activity]
async fn slow(secs: f64) -> Result<String, ActivityError> {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => Ok("done".into()),
        _ = activity::cancelled() => {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Err(ActivityError::cancelled())
        }
    }
}

/// The messages of a failure and its causes, as Python's `str(e)` down the `__cause__` chain.
fn chain(f: &temporal_sdk::error::Failure) -> String {
    let mut out = vec![f.message.clone()];
    let mut cause = f.cause.as_deref();
    while let Some(c) = cause {
        out.push(c.message.clone());
        cause = c.cause.as_deref();
    }
    out.join(" <- ")
}

fn seconds_since(t0: SystemTime) -> f64 {
    workflow::now().duration_since(t0).unwrap_or_default().as_secs_f64()
}

/// Starts `slow(10)` with the cancellation type of `spec` (`"TYPE:delay"`), sleeps `delay`,
/// cancels it and tells what awaiting it gave and how much workflow time that took.
#[derive(Default)]
struct LaCancel;

#[workflow]
impl LaCancel {
    #[run]
    async fn run(&self, spec: String) -> WorkflowResult<String> {
        let (kind, delay) = spec.split_once(':').unwrap_or((spec.as_str(), "0"));
        let cancellation_type = match kind {
            "TRY_CANCEL" => ActivityCancellationType::TryCancel,
            "WAIT_CANCELLATION_COMPLETED" => ActivityCancellationType::WaitCancellationCompleted,
            _ => ActivityCancellationType::Abandon,
        };
        let options =
            LocalActivityOptions::start_to_close(Duration::from_secs(30)).cancellation_type(cancellation_type);
        let handle = workflow::start_local_activity(slow, 10.0, options);
        let delay: f64 = delay.parse().unwrap_or(0.0);
        if delay > 0.0 {
            workflow::sleep(Duration::from_secs_f64(delay)).await?;
        }
        let t0 = workflow::now();
        handle.cancel();
        let out = match handle.await {
            Ok(r) => format!("result {r}"),
            Err(WorkflowError::Failure(f)) => chain(&f),
            Err(e) => return Err(e),
        };
        Ok(format!("{out} | waited {:.1}", seconds_since(t0)))
    }
}

/// One local activity of `secs` seconds, and how far the workflow clock moved meanwhile.
#[derive(Default)]
struct LongLocal;

#[workflow]
impl LongLocal {
    #[run]
    async fn run(&self, secs: f64) -> WorkflowResult<String> {
        let t0 = workflow::now();
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(30));
        let r = workflow::execute_local_activity(slow, secs, options).await?;
        Ok(format!("{r} | now advanced {:.1}", seconds_since(t0)))
    }
}

fn python_history(name: &str) -> WorkflowHistory {
    let path = format!("{}/histories/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    WorkflowHistory::from_json(name, &json).unwrap_or_else(|e| panic!("{name}.json: {e}"))
}

/// What a local activity marker says, leaving out times: its seq, attempt, whether it has a
/// completion time and a result, and its failure's message and kind.
fn markers(history: &WorkflowHistory) -> Vec<String> {
    history
        .history
        .events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::MarkerRecordedEventAttributes(a)) => Some(a),
            _ => None,
        })
        .map(|a| {
            let data = a.details.get("data").and_then(|p| p.payloads.first()).expect("marker data");
            let data: serde_json::Value = serde_json::from_slice(&data.data).expect("marker data is JSON");
            let failure = a.failure.as_ref().map(|f| {
                let cancelled = matches!(
                    f.failure_info,
                    Some(temporal_sdk::protos::temporal::api::failure::v1::failure::FailureInfo::CanceledFailureInfo(
                        _
                    ))
                );
                format!("{} (cancelled: {cancelled})", f.message)
            });
            format!(
                "{} seq={} attempt={} type={} id={} complete_time={} result={} failure={failure:?}",
                a.marker_name,
                data["seq"],
                data["attempt"],
                data["activity_type"],
                data["activity_id"],
                !data["complete_time"].is_null(),
                a.details.contains_key("result"),
            )
        })
        .collect()
}

fn replayer() -> Replayer {
    Replayer::new().workflow::<LaCancel>().workflow::<LongLocal>()
}

/// The workflow a Python history ran, with its input.
enum Run {
    Cancel(&'static str),
    Long(f64),
}

/// Replays Python's history of `name` against the Rust workflows, runs the Rust workflow with
/// the same input and task timeout, and checks both record the same events and markers;
/// returns the Rust result.
async fn same_as_python(name: &str, run: Run) -> String {
    let python = python_history(name);
    replayer().replay_workflow(&python).unwrap_or_else(|e| panic!("Python's {name} replays on Rust: {e}"));

    let client = client().await;
    let queue = unique(name);
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<LaCancel>().workflow::<LongLocal>().activity(slow),
    );
    let options = WorkflowOptions::new(unique(name), &queue).task_timeout(Duration::from_secs(2));
    let (result, rust) = match run {
        Run::Cancel(spec) => {
            let handle = client.start_workflow(LaCancel::run, spec.to_string(), options).await.expect("start");
            (handle.result().await.expect("result"), handle.fetch_history().await.expect("history"))
        }
        Run::Long(secs) => {
            let handle = client.start_workflow(LongLocal::run, secs, options).await.expect("start");
            (handle.result().await.expect("result"), handle.fetch_history().await.expect("history"))
        }
    };
    worker.stop().await;
    assert_eq!(event_types(&rust), event_types(&python), "events of {name}");
    assert_eq!(markers(&rust), markers(&python), "markers of {name}");
    replayer().replay_workflow(&rust).expect("the Rust history replays");
    result
}

/// Checks a result `"<text> <seconds>"` against Python's: the same text, and seconds of
/// workflow time that differ by no more than a loaded machine's scheduling delays.
fn assert_like_python(result: &str, python: &str) {
    let split = |s: &str| {
        let (text, secs) = s.rsplit_once(' ').unwrap_or((s, "0"));
        (text.to_string(), secs.parse::<f64>().unwrap_or(f64::NAN))
    };
    let ((text, secs), (python_text, python_secs)) = (split(result), split(python));
    assert_eq!(text, python_text, "{result:?} vs Python's {python:?}");
    assert!((python_secs..python_secs + 0.5).contains(&secs), "{result:?} vs Python's {python:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_cancel_records_the_cancellation_at_once() {
    let result = same_as_python("python_la_try_cancel", Run::Cancel("TRY_CANCEL:0.5")).await;
    assert_like_python(&result, "Local Activity cancelled <- Activity cancelled | waited 0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_cancellation_completed_records_what_the_activity_returned() {
    let result = same_as_python("python_la_wait_cancel", Run::Cancel("WAIT_CANCELLATION_COMPLETED:0.5")).await;
    // The activity's second of cleanup shows on the workflow clock.
    assert_like_python(&result, "Local Activity cancelled <- Cancelled | waited 1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandon_records_the_cancellation_at_once() {
    let result = same_as_python("python_la_abandon", Run::Cancel("ABANDON:0.5")).await;
    assert_like_python(&result, "Local Activity cancelled <- Activity cancelled | waited 0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_before_the_activity_started_records_a_marker_without_running_it() {
    let result = same_as_python("python_la_cancel_unstarted", Run::Cancel("WAIT_CANCELLATION_COMPLETED:0")).await;
    // Python raises asyncio's bare CancelledError here (its handle task was cancelled before
    // the activity was scheduled); Rust gives the same error as any local activity cancellation.
    assert_eq!(result, "Local Activity cancelled <- Activity cancelled | waited 0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_activity_longer_than_the_task_timeout_heartbeats_the_task() {
    let result = same_as_python("python_la_heartbeat", Run::Long(4.0)).await;
    assert_like_python(&result, "done | now advanced 4.0");
}

static ONCE_RUNS: AtomicU32 = AtomicU32::new(0);

/// `slow`, counted.
#[activity]
async fn counted(secs: f64) -> Result<String, ActivityError> {
    ONCE_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    Ok("counted".into())
}

#[derive(Default)]
struct CountedLong;

#[workflow]
impl CountedLong {
    #[run]
    async fn run(&self, secs: f64) -> WorkflowResult<String> {
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(30));
        workflow::execute_local_activity(counted, secs, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_cache_the_replayed_task_waits_for_the_running_local_activity() {
    let client = client().await;
    let queue = unique("la-nocache");
    // Each heartbeat's next task replays the whole history; the replayed request must join the
    // activity still running rather than start it again.
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<CountedLong>().activity(counted).max_cached_workflows(0),
    );
    let options = WorkflowOptions::new(unique("la-nocache"), &queue).task_timeout(Duration::from_secs(2));
    let handle = client.start_workflow(CountedLong::run, 3.5, options).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "counted");
    let events = event_types(&handle.fetch_history().await.expect("history"));
    worker.stop().await;
    assert_eq!(ONCE_RUNS.load(Ordering::SeqCst), 1, "ran once");
    assert!(!events.iter().any(|e| e.contains("TIMED_OUT") || e.contains("FAILED")), "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "WORKFLOW_TASK_COMPLETED").count(), 3, "two heartbeats: {events:?}");
    assert_eq!(events.iter().filter(|e| *e == "MARKER_RECORDED").count(), 1, "{events:?}");
}

static DROPPED_SAW: Mutex<Option<CancelReason>> = Mutex::new(None);

/// Waits to be cancelled, and records why.
#[activity]
async fn until_cancelled(secs: f64) -> Result<String, ActivityError> {
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => Ok("finished".into()),
        _ = activity::cancelled() => {
            *DROPPED_SAW.lock().unwrap_or_else(|e| e.into_inner()) = activity::cancellation_reason();
            Err(ActivityError::cancelled())
        }
    }
}

/// Races a local activity against a short timer; the timer wins and the activity's future is
/// dropped.
#[derive(Default)]
struct Races;

#[workflow]
impl Races {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let mut la = workflow::start_local_activity(
            until_cancelled,
            10.0,
            LocalActivityOptions::start_to_close(Duration::from_secs(30)),
        );
        let mut timer = workflow::sleep(Duration::from_millis(500));
        let winner = workflow::select! {
            r = la => r?,
            r = timer => { r?; "timer".to_string() },
        };
        drop(la);
        Ok(winner)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_local_activity_cancels_it() {
    let client = client().await;
    let queue = unique("la-drop");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Races>().activity(until_cancelled));
    let options = WorkflowOptions::new(unique("la-drop"), &queue).task_timeout(Duration::from_secs(2));
    let handle = client.start_workflow(Races::run, (), options).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "timer");
    let history = handle.fetch_history().await.expect("history");
    worker.stop().await;
    assert_eq!(*DROPPED_SAW.lock().unwrap_or_else(|e| e.into_inner()), Some(CancelReason::Requested));
    assert_eq!(
        markers(&history),
        ["core_local_activity seq=1 attempt=0 type=\"until_cancelled\" id=\"1\" complete_time=false result=false \
          failure=Some(\"Activity cancelled (cancelled: true)\")"]
    );
    Replayer::new().workflow::<Races>().replay_workflow(&history).expect("replays");
}

static SHUTDOWN_STARTED: AtomicBool = AtomicBool::new(false);
static SHUTDOWN_SAW: Mutex<Option<(Option<CancelReason>, bool)>> = Mutex::new(None);
static SECOND_WORKER: AtomicBool = AtomicBool::new(false);

/// Runs until cancelled the first time (recording why), finishes at once on the second worker.
#[activity]
async fn outlives_shutdown() -> Result<String, ActivityError> {
    if SECOND_WORKER.load(Ordering::SeqCst) {
        return Ok("second worker".into());
    }
    SHUTDOWN_STARTED.store(true, Ordering::SeqCst);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(30)) => Ok("first worker".into()),
        _ = activity::cancelled() => {
            *SHUTDOWN_SAW.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((activity::cancellation_reason(), activity::is_worker_shutdown()));
            Err(ActivityError::cancelled())
        }
    }
}

#[derive(Default)]
struct Outlives;

#[workflow]
impl Outlives {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(60));
        workflow::execute_local_activity(outlives_shutdown, (), options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_cancels_local_activities_after_the_graceful_timeout() {
    let client = client().await;
    let queue = unique("la-shutdown");
    let options = || {
        WorkerOptions::new(&queue)
            .workflow::<Outlives>()
            .activity(outlives_shutdown)
            .graceful_shutdown_timeout(Duration::from_millis(500))
    };
    let worker = RunningWorker::start(&client, options());
    let handle = client
        .start_workflow(Outlives::run, (), WorkflowOptions::new(unique("la-shutdown"), &queue))
        .await
        .expect("start");
    let waited = Instant::now();
    while !SHUTDOWN_STARTED.load(Ordering::SeqCst) {
        assert!(waited.elapsed() < Duration::from_secs(20), "the local activity never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stopping = Instant::now();
    worker.stop().await;
    let took = stopping.elapsed();
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    assert_eq!(
        *SHUTDOWN_SAW.lock().unwrap_or_else(|e| e.into_inner()),
        Some((Some(CancelReason::WorkerShutdown), true)),
        "the activity saw the shutdown's cancellation"
    );
    // Nothing of the cancelled attempt is recorded: the task was handed over, and the next
    // worker runs the local activity again.
    SECOND_WORKER.store(true, Ordering::SeqCst);
    let worker = RunningWorker::start(&client, options());
    assert_eq!(handle.result().await.expect("result"), "second worker");
    let events = event_types(&handle.fetch_history().await.expect("history"));
    worker.stop().await;
    assert!(!events.iter().any(|e| e.contains("TIMED_OUT") || e.contains("FAILED")), "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "MARKER_RECORDED").count(), 1, "{events:?}");
}

static RUNNING_NOW: AtomicU32 = AtomicU32::new(0);
static MOST_AT_ONCE: AtomicU32 = AtomicU32::new(0);

#[activity]
async fn one_at_a_time(ms: u64) -> Result<u32, ActivityError> {
    let now = RUNNING_NOW.fetch_add(1, Ordering::SeqCst) + 1;
    MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    RUNNING_NOW.fetch_sub(1, Ordering::SeqCst);
    Ok(now)
}

#[derive(Default)]
struct Fanout;

#[workflow]
impl Fanout {
    #[run]
    async fn run(&self, n: u32) -> WorkflowResult<u32> {
        let options = || LocalActivityOptions::start_to_close(Duration::from_secs(10));
        let handles: Vec<_> = (0..n).map(|_| workflow::start_local_activity(one_at_a_time, 200, options())).collect();
        let mut total = 0;
        for h in handles {
            total += h.await?;
        }
        Ok(total)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_local_activities_limits_them() {
    let client = client().await;
    let queue = unique("la-limit");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Fanout>().activity(one_at_a_time).max_concurrent_local_activities(1),
    );
    let handle =
        client.start_workflow(Fanout::run, 4, WorkflowOptions::new(unique("la-limit"), &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), 4, "each ran alone");
    let history = handle.fetch_history().await.expect("history");
    worker.stop().await;
    assert_eq!(MOST_AT_ONCE.load(Ordering::SeqCst), 1);
    assert_eq!(markers(&history).len(), 4);
    Replayer::new().workflow::<Fanout>().replay_workflow(&history).expect("replays");
}
