//! The worker's lifecycle on the dev server: a namespace that does not exist fails `run()` at
//! once (and calls the fatal error hook), `run()` dropped mid-way leaves `shutdown()` prompt,
//! `no_remote_activities` runs workflows and local activities without polling for activity
//! tasks, and `max_concurrent_local_activities` bounds local activities.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::error::{FailureKind, TimeoutType};
use temporal_sdk::prelude::*;
use temporal_sdk::worker::WorkerError;
use temporal_sdk::workflow::LocalActivityOptions;

#[derive(Default)]
struct Idle;

#[workflow]
impl Idle {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_in_a_namespace_that_does_not_exist_fails_at_once() {
    let client = client().await.with_namespace("no-such-namespace-for-workers");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = Arc::clone(&seen);
    let options = WorkerOptions::new(unique("nowhere"))
        .workflow::<Idle>()
        .on_fatal_error(move |e| hook_seen.lock().expect("lock").push(e.to_string()));
    let worker = Worker::new(&client, options).expect("valid options");
    let started = Instant::now();
    let error =
        tokio::time::timeout(Duration::from_secs(10), worker.run()).await.expect("run returns").expect_err("fails");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(
        matches!(error, WorkerError::Namespace { ref namespace, .. } if namespace == "no-such-namespace-for-workers")
    );
    assert!(error.to_string().contains("no-such-namespace-for-workers"), "{error}");
    assert_eq!(seen.lock().expect("lock").as_slice(), [error.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_prompt_after_run_was_dropped() {
    let client = client().await;
    let worker = Worker::new(&client, WorkerOptions::new(unique("dropped")).workflow::<Idle>()).expect("valid");
    tokio::select! {
        result = worker.run() => panic!("run ended by itself: {result:?}"),
        () = tokio::time::sleep(Duration::from_millis(500)) => {}
    }
    tokio::time::timeout(Duration::from_secs(5), worker.shutdown()).await.expect("shutdown returns promptly");
}

#[activity]
async fn stamp(text: String) -> Result<String, ActivityError> {
    Ok(format!("stamped {text}"))
}

#[derive(Default)]
struct LocalOnly;

#[workflow]
impl LocalOnly {
    #[run]
    async fn run(&self) -> WorkflowResult<(String, String)> {
        let local = workflow::execute_local_activity(
            stamp,
            "locally".to_string(),
            LocalActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        let remote = workflow::execute_activity(
            stamp,
            "remotely".to_string(),
            ActivityOptions::start_to_close(Duration::from_secs(5)).schedule_to_start_timeout(Duration::from_secs(1)),
        )
        .await;
        let remote = match remote {
            Ok(r) => r,
            Err(e) => match e.failure().map(|f| &f.root_cause().kind) {
                Some(FailureKind::Timeout { timeout_type, .. }) => format!("{timeout_type:?}"),
                _ => return Err(e),
            },
        };
        Ok((local, remote))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_remote_activities_runs_local_ones_and_leaves_remote_ones_to_time_out() {
    let client = client().await;
    let queue = unique("local-only");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<LocalOnly>().activity(stamp).no_remote_activities(true),
    );
    let (local, remote) = client
        .execute_workflow(LocalOnly::run, (), WorkflowOptions::new(unique("local-only"), &queue))
        .await
        .expect("workflow");
    assert_eq!(local, "stamped locally");
    assert_eq!(remote, format!("{:?}", TimeoutType::ScheduleToStart));
    worker.stop().await;
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[activity]
async fn crowd(n: u32) -> Result<u32, ActivityError> {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    Ok(n)
}

#[derive(Default)]
struct Crowd;

#[workflow]
impl Crowd {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        let options = || LocalActivityOptions::start_to_close(Duration::from_secs(5));
        let (a, b, c) = workflow::join!(
            workflow::execute_local_activity(crowd, 1, options()),
            workflow::execute_local_activity(crowd, 2, options()),
            workflow::execute_local_activity(crowd, 3, options()),
        );
        Ok(a? + b? + c?)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_activities_wait_for_a_slot() {
    let client = client().await;
    let queue = unique("crowd");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Crowd>().activity(crowd).max_concurrent_local_activities(1),
    );
    let total =
        client.execute_workflow(Crowd::run, (), WorkflowOptions::new(unique("crowd"), &queue)).await.expect("workflow");
    assert_eq!(total, 6);
    assert_eq!(PEAK.load(Ordering::SeqCst), 1, "one local activity at a time");
    worker.stop().await;
}

static HOGGED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Workflow code that never yields for a while: what a deadlock looks like from outside. Only
/// the first time in this process, so the retried task goes through.
fn hog_the_thread(millis: u64) {
    if !HOGGED.swap(true, Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(millis));
    }
}

#[derive(Default)]
struct Hog;

#[workflow]
impl Hog {
    #[run]
    async fn run(&self, millis: u64) -> WorkflowResult<()> {
        hog_the_thread(millis);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_that_does_not_yield_fails_its_task_and_others_go_on() {
    let client = client().await;
    let queue = unique("hog");
    // One workflow thread: the other workflow must run on a fresh thread once the hog is caught.
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Hog>().workflow::<Idle>().workflow_threads(1).debug_mode(false),
    );
    let hog_id = unique("hog");
    let hog = client.start_workflow(Hog::run, 4_000, WorkflowOptions::new(&hog_id, &queue)).await.expect("start");
    let mut failure = None;
    for _ in 0..100 {
        let history = hog.fetch_history().await.expect("history");
        failure = history.history.events.iter().find_map(|e| match &e.attributes {
            Some(temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes::WorkflowTaskFailedEventAttributes(a)) => a.failure.clone(),
            _ => None,
        });
        if failure.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = failure.expect("the hog's task failed").message;
    assert!(message.starts_with("[TMPRL1101] Potential deadlock detected"), "{message}");
    assert!(message.contains("Hog") && message.contains(&hog_id), "{message}");
    // The thread is still stuck in the hog; another workflow runs all the same.
    let started = Instant::now();
    client.execute_workflow(Idle::run, (), WorkflowOptions::new(unique("idle"), &queue)).await.expect("idle runs");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // The retried task runs on the new thread and completes the hog.
    hog.result().await.expect("the hog completes on its retried task");
    worker.stop().await;
}

#[derive(Default)]
struct Slow;

#[workflow]
impl Slow {
    #[run]
    async fn run(&self, millis: u64) -> WorkflowResult<()> {
        // Standing in for a breakpoint.
        #[allow_nondeterministic]
        std::thread::sleep(Duration::from_millis(millis));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_lets_workflow_code_take_its_time() {
    let client = client().await;
    let queue = unique("debugged");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Slow>().debug_mode(true));
    client
        .execute_workflow(Slow::run, 2_500, WorkflowOptions::new(unique("debugged"), &queue))
        .await
        .expect("completes");
    worker.stop().await;
}
