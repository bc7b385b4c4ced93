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
        let options = LocalActivityOptions::start_to_close(Duration::from_secs(30)).cancellation_type(cancellation_type);
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
                    Some(temporal_sdk::protos::temporal::api::failure::v1::failure::FailureInfo::CanceledFailureInfo(_))
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_cancel_records_the_cancellation_at_once() {
    let result = same_as_python("python_la_try_cancel", Run::Cancel("TRY_CANCEL:0.5")).await;
    // Python: "Local Activity cancelled <- Activity cancelled | waited 0.0".
    assert_eq!(result, "Local Activity cancelled <- Activity cancelled | waited 0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_cancellation_completed_records_what_the_activity_returned() {
    let result = same_as_python("python_la_wait_cancel", Run::Cancel("WAIT_CANCELLATION_COMPLETED:0.5")).await;
    // Python: "Local Activity cancelled <- Cancelled | waited 1.0" (the activity's second of
    // cleanup, on the workflow clock).
    assert_eq!(result, "Local Activity cancelled <- Cancelled | waited 1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandon_records_the_cancellation_at_once() {
    let result = same_as_python("python_la_abandon", Run::Cancel("ABANDON:0.5")).await;
    assert_eq!(result, "Local Activity cancelled <- Activity cancelled | waited 0.0");
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
    assert_eq!(result, "done | now advanced 4.0");
}
