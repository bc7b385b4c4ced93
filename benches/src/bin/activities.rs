//! Activity benchmarks against a real Temporal dev server (started here, or
//! `TEMPORAL_ADDRESS`), each with a baseline measured in the same run so that the figures
//! read as ratios on any machine:
//!
//! 1. Heartbeat throughput: how many `activity::heartbeat` calls per second one activity can
//!    make, against the baseline of one `RecordActivityTaskHeartbeat` call per heartbeat (an
//!    unthrottled client sending them back to back), and how many calls actually reach the
//!    server (counted through the SDK's `temporal_sdk::heartbeat_rpc` trace events), against
//!    the throttle's bound of `1 + duration / (0.8 * heartbeat timeout)`.
//! 2. Activity round trip: the added latency of one more activity in a workflow (schedule,
//!    dispatch, run, report, next workflow task), async and blocking, with and without eager
//!    dispatch, against two baselines: one gRPC round trip to the same server, and a workflow
//!    with no activity from start to result (one task dispatch by the server, which the dev
//!    server takes about 50 ms for).
//!
//! ```sh
//! cargo run --release -p benches --bin activities -- [seconds of hammering] [activities per workflow] [workflows]
//! ```

// Activity functions return `ActivityError`, whatever its size.
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use benches::Stats;
use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

// ---- Counting the heartbeat calls that reach the server. ----

static HEARTBEAT_RPCS: AtomicU64 = AtomicU64::new(0);

/// A tracing subscriber that only counts the SDK's heartbeat call events.
struct CountHeartbeatRpcs;

impl tracing::Subscriber for CountHeartbeatRpcs {
    fn register_callsite(&self, metadata: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if self.enabled(metadata) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "temporal_sdk::heartbeat_rpc"
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {
        HEARTBEAT_RPCS.fetch_add(1, Ordering::Relaxed);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// ---- Activities and workflows. ----

/// Heartbeats as fast as it can for `millis`; returns how many heartbeats it made.
#[activity]
async fn hammer(millis: u64) -> Result<u64, ActivityError> {
    let until = Instant::now() + Duration::from_millis(millis);
    let mut n = 0u64;
    while Instant::now() < until {
        for _ in 0..256 {
            activity::heartbeat(&n);
            n += 1;
        }
        // Lets the worker's heartbeat sender (and the rest of the runtime) run.
        tokio::task::yield_now().await;
    }
    Ok(n)
}

/// Waits to be heartbeaten and completed by the benchmark's client.
#[activity]
async fn parked() -> Result<(), ActivityError> {
    let token = activity::info().ok_or("no activity info")?.task_token;
    if let Some(tx) = PARKED.lock().unwrap_or_else(|e| e.into_inner()).take() {
        let _ = tx.send(token);
    }
    Err(ActivityError::will_complete_async())
}

static PARKED: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<Vec<u8>>>> = std::sync::Mutex::new(None);

#[activity]
async fn noop() -> Result<(), ActivityError> {
    Ok(())
}

#[activity]
fn noop_blocking() -> Result<(), ActivityError> {
    Ok(())
}

#[derive(Default)]
struct Hammer;

#[workflow]
impl Hammer {
    #[run]
    async fn run(&self, millis: u64) -> WorkflowResult<u64> {
        let options =
            ActivityOptions::start_to_close(Duration::from_secs(120)).heartbeat_timeout(Duration::from_secs(1));
        workflow::execute_activity(hammer, millis, options).await
    }
}

#[derive(Default)]
struct Parked;

#[workflow]
impl Parked {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let options =
            ActivityOptions::start_to_close(Duration::from_secs(120)).heartbeat_timeout(Duration::from_secs(60));
        workflow::execute_activity(parked, (), options).await
    }
}

/// Runs `n` activities one after the other (`blocking` picks the kind).
#[derive(Default)]
struct Sequential;

#[workflow]
impl Sequential {
    #[run]
    async fn run(&self, input: (u32, bool)) -> WorkflowResult<()> {
        let (n, blocking) = input;
        let options = || ActivityOptions::start_to_close(Duration::from_secs(10));
        for _ in 0..n {
            if blocking {
                workflow::execute_activity(noop_blocking, (), options()).await?;
            } else {
                workflow::execute_activity(noop, (), options()).await?;
            }
        }
        Ok(())
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: u64| std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (hammer_secs, per_workflow, workflows) = (arg(1, 4), arg(2, 20) as u32, arg(3, 10) as usize);
    tracing::subscriber::set_global_default(CountHeartbeatRpcs)?;

    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();
    let queue = format!("bench-activities-{}", uuid::Uuid::new_v4().simple());
    let options = |queue: &str| {
        WorkerOptions::new(queue)
            .workflow::<Hammer>()
            .workflow::<Parked>()
            .workflow::<Sequential>()
            .activity(hammer)
            .activity(parked)
            .activity(noop)
            .activity(noop_blocking)
    };
    let worker = Worker::new(&client, options(&queue))?;
    let running = worker.spawn();
    // The same worker without eager activity dispatch (a task queue rate limit turns it off;
    // this one is far above what the benchmark reaches).
    let lazy_queue = format!("{queue}-lazy");
    let lazy = Worker::new(&client, options(&lazy_queue).max_task_queue_activities_per_second(100_000.0))?;
    let lazy_running = lazy.spawn();
    let id = |what: &str| format!("{queue}-{what}-{}", uuid::Uuid::new_v4().simple());

    // Warm up connections, pollers and workflow threads.
    for q in [&queue, &lazy_queue] {
        for _ in 0..3 {
            client.execute_workflow(Sequential::run, (2, false), WorkflowOptions::new(id("warm"), q)).await?;
        }
    }

    // ---- 1. Heartbeat throughput. ----
    // Baseline: one RecordActivityTaskHeartbeat call per heartbeat, sent back to back by a
    // client on a live activity.
    let (tx, rx) = tokio::sync::oneshot::channel();
    *PARKED.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    let parked_wf = client.start_workflow(Parked::run, (), WorkflowOptions::new(id("parked"), &queue)).await?;
    let token = rx.await?;
    let handle = client.get_async_activity_handle(token);
    let baseline_window = Duration::from_secs(2);
    let begun = Instant::now();
    let mut raw_calls = 0u64;
    while begun.elapsed() < baseline_window {
        handle.heartbeat(&raw_calls).await?;
        raw_calls += 1;
    }
    let raw_rate = raw_calls as f64 / begun.elapsed().as_secs_f64();
    handle.complete(&()).await?;
    parked_wf.result().await?;

    let before = HEARTBEAT_RPCS.load(Ordering::Relaxed);
    let begun = Instant::now();
    let millis = hammer_secs * 1000;
    let calls = client.execute_workflow(Hammer::run, millis, WorkflowOptions::new(id("hammer"), &queue)).await?;
    let elapsed = begun.elapsed();
    let rpcs = HEARTBEAT_RPCS.load(Ordering::Relaxed) - before;
    let call_rate = calls as f64 / (millis as f64 / 1000.0);
    let interval = 0.8; // s: 80% of the 1 s heartbeat timeout
    let bound = 1 + (millis as f64 / 1000.0 / interval).floor() as u64;
    println!("== heartbeat throughput (one activity, heartbeat timeout 1 s, {hammer_secs} s of heartbeats) ==");
    println!(
        "baseline: unthrottled RecordActivityTaskHeartbeat calls, back to back: {raw_rate:.0}/s ({raw_calls} in 2 s)"
    );
    println!(
        "activity::heartbeat calls: {calls} = {call_rate:.0}/s = {:.0}x the baseline rate (workflow took {:.2} s)",
        call_rate / raw_rate,
        elapsed.as_secs_f64()
    );
    println!(
        "RecordActivityTaskHeartbeat calls sent: {rpcs} (throttle bound {bound}) = {:.2e} of the heartbeats; an \
         unthrottled worker would have needed {:.0}x the baseline's capacity",
        rpcs as f64 / calls.max(1) as f64,
        call_rate / raw_rate
    );

    // ---- 2. Activity round-trip latency. ----
    let mut rpc = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        client.get_untyped_workflow_handle("no-such-workflow", None).describe().await.ok();
        rpc.push(ms(t.elapsed()));
    }
    let rpc = Stats::new(rpc);
    println!("== activity round trip ({workflows} workflows x {per_workflow} sequential activities) ==");
    println!("baseline: gRPC round trip (DescribeWorkflowExecution): {}", rpc.summary());
    let mut rows = Vec::new();
    for (label, q, blocking) in [
        ("async activity, eager dispatch     ", &queue, false),
        ("blocking activity, eager dispatch  ", &queue, true),
        ("async activity, polled             ", &lazy_queue, false),
        ("blocking activity, polled          ", &lazy_queue, true),
    ] {
        let mut per_activity = Vec::new();
        let mut empties = Vec::new();
        for _ in 0..workflows {
            let t = Instant::now();
            client.execute_workflow(Sequential::run, (0, blocking), WorkflowOptions::new(id("zero"), q)).await?;
            let empty = t.elapsed();
            empties.push(ms(empty));
            let t = Instant::now();
            client
                .execute_workflow(Sequential::run, (per_workflow, blocking), WorkflowOptions::new(id("seq"), q))
                .await?;
            per_activity.push((ms(t.elapsed()) - ms(empty)).max(0.0) / per_workflow as f64);
        }
        let stats = Stats::new(per_activity);
        let empty = Stats::new(empties);
        println!(
            "{label}: {} = {:.1}x the gRPC round trip, {:.2}x a workflow with no activity (median {:.2} ms)",
            stats.summary(),
            stats.quantile(0.5) / rpc.quantile(0.5),
            stats.quantile(0.5) / empty.quantile(0.5),
            empty.quantile(0.5)
        );
        rows.push(stats.quantile(0.5));
    }
    println!(
        "ratios of medians: blocking / async = {:.2}x (eager), {:.2}x (polled); polled / eager = {:.2}x (async)",
        rows[1] / rows[0],
        rows[3] / rows[2],
        rows[2] / rows[0]
    );

    worker.shutdown().await;
    lazy.shutdown().await;
    running.await??;
    lazy_running.await??;
    env.shutdown().await;
    Ok(())
}
