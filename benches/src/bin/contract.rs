//! This SDK's program for the side-by-side benchmark harness (`../shared/bench/run.sh`, whose
//! README states the contract): worker and client in one process, one workload per invocation,
//! one JSON line of figures on stdout, diagnostics on stderr.
//!
//! ```sh
//! cargo build --release -p benches --bin bench-ours
//! bench-ours --address 127.0.0.1:17400 --workload w1 [--n 500] [--namespace default]
//! bench-ours --address 127.0.0.1:17400 --workload w5-record --workflow-id ID [--n 30]
//! bench-ours --workload w5 --history FILE.json|FILE.pb [--n 200]
//! ```
//!
//! Workloads: w0-trivial, w0-start, w1, w2, w3, w4, w5, w5-record. The workflow, activity and
//! signal names are the ones the other SDKs' programs use, so the recorded histories replay in
//! every SDK.

use std::error::Error;
use std::future::Future;
use std::time::{Duration, Instant};

use benches::workloads::*;
use futures::future::join_all;
use serde_json::{Value, json};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::History;
use temporal_sdk::replay::{Replayer, WorkflowHistory};

#[cfg(feature = "dhat-heap")]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

type BoxError = Box<dyn Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

const SDK: &str = "ours";

fn worker_options(task_queue: &str, max_cached: usize) -> WorkerOptions {
    WorkerOptions::new(task_queue)
        .workflow::<HelloWorkflow>()
        .workflow::<TrivialWorkflow>()
        .workflow::<SignalOrTimerWorkflow>()
        .workflow::<BlockOnSignalWorkflow>()
        .workflow::<SequentialActivitiesWorkflow>()
        .activity(say_hello)
        .max_cached_workflows(max_cached)
}

fn replayer() -> Replayer {
    Replayer::new()
        .workflow::<HelloWorkflow>()
        .workflow::<TrivialWorkflow>()
        .workflow::<SignalOrTimerWorkflow>()
        .workflow::<BlockOnSignalWorkflow>()
        .workflow::<SequentialActivitiesWorkflow>()
}

/// The SDK's default cache size; w4 raises it so that every one of its runs stays cached.
const DEFAULT_CACHE: usize = 1000;

// ------------------------------------------------------------------------------ helpers

fn emit(mut figures: Value) {
    if let Value::Object(map) = &mut figures {
        map.insert("sdk".into(), json!(SDK));
    }
    println!("{figures}");
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// A field of /proc/self/status in kB (VmRSS, VmHWM), -1 when unreadable: the same source
/// the other programs read, so the figures compare.
fn proc_status_kb(field: &str) -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(-1)
}

fn mb(kb: i64) -> f64 {
    round(kb as f64 / 1024.0, 1)
}

/// Nearest-rank percentile of sorted samples, the formula the peers use.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64 + 0.5).round() as i64 - 1;
    sorted[rank.clamp(0, sorted.len() as i64 - 1) as usize]
}

/// Runs `calls` at most `BENCH_W4_IN_FLIGHT` at a time (default: all at once, as the contract
/// has it), results in order: a 2-core dev server cancels starts queued past their deadline when
/// 10,000 come at once, so `benches/scaling.sh` bounds them to measure 10,000 cached runs.
async fn bounded<F: Future>(calls: impl Iterator<Item = F>) -> Vec<F::Output> {
    use futures::StreamExt;
    match std::env::var("BENCH_W4_IN_FLIGHT").ok().and_then(|v| v.parse::<usize>().ok()) {
        Some(limit) => futures::stream::iter(calls).buffered(limit.max(1)).collect().await,
        None => join_all(calls).await,
    }
}

fn new_task_queue(tag: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("bench-{SDK}-{tag}-{}", &id[..10])
}

fn options(task_queue: &str, i: usize) -> WorkflowOptions {
    WorkflowOptions::new(format!("{task_queue}-{i}"), task_queue)
}

/// Runs `body` while a worker (default options but the cache size) polls `task_queue`, then
/// shuts the worker down and reports whichever failed first.
async fn with_worker<T, F: Future<Output = Result<T>>>(
    client: &Client,
    task_queue: &str,
    max_cached: usize,
    body: F,
) -> Result<T> {
    let worker = Worker::new(client, worker_options(task_queue, max_cached))?;
    let running = worker.spawn();
    let out = body.await;
    worker.shutdown().await;
    running.await??;
    out
}

/// Counts the results that are errors or do not satisfy `ok`, logging the first error.
fn count_bad<T>(results: &[Result<T, ClientError>], ok: impl Fn(usize, &T) -> bool) -> usize {
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("first error: {e}");
    }
    results.iter().enumerate().filter(|(i, r)| !matches!(r, Ok(v) if ok(*i, v))).count()
}

/// The heap behind w4's RSS figure, with `--features dhat-heap`: live bytes and blocks when
/// asked, and a dhat profile (`dhat-w4.json`) whose "t-end" is the moment every run is cached,
/// to see which allocation sites a cached run's bytes come from.
#[cfg(feature = "dhat-heap")]
mod heap {
    use std::sync::Mutex;

    static PROFILER: Mutex<Option<dhat::Profiler>> = Mutex::new(None);

    pub(crate) fn start(file: &str) {
        let profiler = dhat::Profiler::builder().file_name(file).trim_backtraces(Some(24)).build();
        *PROFILER.lock().expect("profiler lock") = Some(profiler);
    }

    pub(crate) fn live() -> Option<(usize, usize)> {
        let stats = dhat::HeapStats::get();
        Some((stats.curr_bytes, stats.curr_blocks))
    }

    /// Allocations so far: blocks and bytes.
    pub(crate) fn total() -> Option<(u64, u64)> {
        let stats = dhat::HeapStats::get();
        Some((stats.total_blocks, stats.total_bytes))
    }

    /// Writes the profile; allocations after this are not tracked.
    pub(crate) fn finish() {
        drop(PROFILER.lock().expect("profiler lock").take());
    }
}

#[cfg(not(feature = "dhat-heap"))]
mod heap {
    pub(crate) fn start(_: &str) {}
    pub(crate) fn live() -> Option<(usize, usize)> {
        None
    }
    pub(crate) fn total() -> Option<(u64, u64)> {
        None
    }
    pub(crate) fn finish() {}
}

// ---------------------------------------------------------------------------- workloads

/// w1 (and w0-trivial): N concurrent start + result, wall time from the first start to the
/// last result.
async fn throughput(client: &Client, n: usize, trivial: bool) -> Result<Value> {
    let tq = new_task_queue(if trivial { "w0t" } else { "w1" });
    let (results, wall) = with_worker(client, &tq, DEFAULT_CACHE, async {
        let one = |i: usize| {
            let (client, tq) = (client.clone(), tq.clone());
            async move {
                let input = format!("w-{i}");
                if trivial {
                    client.execute_workflow(TrivialWorkflow::run, input, options(&tq, i)).await
                } else {
                    client.execute_workflow(HelloWorkflow::run, input, options(&tq, i)).await
                }
            }
        };
        heap::start(if trivial { "dhat-w0-trivial.json" } else { "dhat-w1.json" });
        let t0 = Instant::now();
        let results = join_all((0..n).map(one)).await;
        let wall = t0.elapsed().as_secs_f64();
        if let Some((blocks, bytes)) = heap::total() {
            eprintln!("allocations per workflow: {} blocks, {} bytes", blocks / n as u64, bytes / n as u64);
        }
        heap::finish();
        Ok((results, wall))
    })
    .await?;
    let prefix = if trivial { "w-" } else { "Hello, w-" };
    Ok(json!({
        "workload": if trivial { "w0-trivial" } else { "w1" },
        "n": n, "wall_s": round(wall, 4), "wf_per_s": round(n as f64 / wall, 2),
        "errors": count_bad(&results, |_, r| r.starts_with(prefix)),
    }))
}

/// w0-start: N concurrent starts with no worker (the server's cost of a start), then a worker
/// drains them.
async fn start_then_drain(client: &Client, n: usize) -> Result<Value> {
    let tq = new_task_queue("w0s");
    let t0 = Instant::now();
    let handles =
        join_all((0..n).map(|i| client.start_workflow(TrivialWorkflow::run, format!("w-{i}"), options(&tq, i))))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
    let start_wall = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let (results, drain_wall) = with_worker(client, &tq, DEFAULT_CACHE, async {
        let results = join_all(handles.iter().map(|h| h.result())).await;
        Ok((results, t1.elapsed().as_secs_f64()))
    })
    .await?;
    Ok(json!({
        "workload": "w0-start", "n": n,
        "start_wall_s": round(start_wall, 4), "starts_per_s": round(n as f64 / start_wall, 2),
        "drain_wall_s": round(drain_wall, 4), "drain_wf_per_s": round(n as f64 / drain_wall, 2),
        "errors": count_bad(&results, |_, _| true),
    }))
}

/// w2: N sequential HelloWorkflow runs after 10 unmeasured ones; client-observed latency.
async fn latency(client: &Client, n: usize) -> Result<Value> {
    const WARMUP: usize = 10;
    let tq = new_task_queue("w2");
    let mut samples = with_worker(client, &tq, DEFAULT_CACHE, async {
        let mut samples = Vec::with_capacity(n);
        for i in 0..WARMUP + n {
            let t = Instant::now();
            let result = client.execute_workflow(HelloWorkflow::run, format!("w-{i}"), options(&tq, i)).await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if result != format!("Hello, w-{i}") {
                return Err(format!("workflow {i} returned {result:?}").into());
            }
            if i >= WARMUP {
                samples.push(ms);
            }
        }
        Ok(samples)
    })
    .await?;
    if samples.is_empty() {
        return Err("w2 needs --n of at least 1".into());
    }
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    Ok(json!({
        "workload": "w2", "n": n, "warmup": WARMUP,
        "p50_ms": round(percentile(&samples, 50.0), 3), "p95_ms": round(percentile(&samples, 95.0), 3),
        "p99_ms": round(percentile(&samples, 99.0), 3), "mean_ms": round(mean, 3),
        "min_ms": round(samples[0], 3), "max_ms": round(samples[samples.len() - 1], 3),
    }))
}

/// w3: start N SignalOrTimerWorkflows, signal them all, await them all.
async fn timers_and_signals(client: &Client, n: usize) -> Result<Value> {
    let tq = new_task_queue("w3");
    with_worker(client, &tq, DEFAULT_CACHE, async {
        let t0 = Instant::now();
        let handles = join_all(
            (0..n).map(|i| client.start_workflow(SignalOrTimerWorkflow::run, format!("w-{i}"), options(&tq, i))),
        )
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        let started = t0.elapsed().as_secs_f64();
        join_all(handles.iter().enumerate().map(|(i, h)| h.signal(SignalOrTimerWorkflow::go, format!("v{i}"))))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let signalled = t0.elapsed().as_secs_f64();
        let results = join_all(handles.iter().map(|h| h.result())).await;
        let wall = t0.elapsed().as_secs_f64();
        Ok(json!({
            "workload": "w3", "n": n, "wall_s": round(wall, 4), "wf_per_s": round(n as f64 / wall, 2),
            "start_phase_s": round(started, 4), "signal_phase_s": round(signalled - started, 4),
            "errors": count_bad(&results, |i, r| *r == format!("signaled:v{i}")),
        }))
    })
    .await
}

/// The size of a `start_workflow` future: a storm of starts holds one each, and what the
/// allocator keeps of them shows in w4's RSS. The future is built, measured and dropped unpolled.
fn start_future_bytes(client: &Client, task_queue: &str) -> usize {
    let start = client.start_workflow(BlockOnSignalWorkflow::run, "size".to_string(), options(task_queue, usize::MAX));
    std::mem::size_of_val(&start)
}

/// w4: the worker's resident memory per workflow run parked in its cache.
async fn memory(client: &Client, n: usize) -> Result<Value> {
    let tq = new_task_queue("w4");
    heap::start("dhat-w4.json");
    let rss_start = proc_status_kb("VmRSS");
    with_worker(client, &tq, DEFAULT_CACHE.max(n + 100), async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_idle = proc_status_kb("VmRSS");
        let heap_idle = heap::live();
        let t0 = Instant::now();
        let handles = bounded(
            (0..n).map(|i| client.start_workflow(BlockOnSignalWorkflow::run, format!("w-{i}"), options(&tq, i))),
        )
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
        // Four events (started, task scheduled, started, completed) mean the first workflow
        // task is done, so the run now waits in the worker's cache.
        let mut pending: Vec<usize> = (0..n).collect();
        while !pending.is_empty() {
            let described = bounded(pending.iter().map(|&i| handles[i].describe())).await;
            let mut still = Vec::new();
            for (&i, description) in pending.iter().zip(described) {
                if description?.execution.history_length < 4 {
                    still.push(i);
                }
            }
            pending = still;
            if !pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        let time_to_cache = t0.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_cached = proc_status_kb("VmRSS");
        let hwm_cached = proc_status_kb("VmHWM");
        let heap_cached = heap::live();
        heap::finish();
        bounded(handles.iter().map(|h| h.signal(BlockOnSignalWorkflow::go, "x".to_string())))
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let results = bounded(handles.iter().map(|h| h.result())).await;
        let rss_after = proc_status_kb("VmRSS");
        let hwm = proc_status_kb("VmHWM");
        let mut figures = json!({
            "workload": "w4", "n": n,
            "rss_start_mb": mb(rss_start),
            "rss_idle_worker_mb": mb(rss_idle),
            "rss_cached_mb": mb(rss_cached),
            "peak_rss_mb": mb(hwm),
            "peak_rss_when_cached_mb": mb(hwm_cached),
            "rss_after_complete_mb": mb(rss_after),
            "kb_per_cached_wf": round((rss_cached - rss_idle) as f64 / n.max(1) as f64, 2),
            "time_to_cache_all_s": round(time_to_cache, 3),
            "start_future_bytes": start_future_bytes(client, &tq),
            "errors": count_bad(&results, |_, r| r.starts_with("done:")),
        });
        if let (Some((idle_bytes, idle_blocks)), Some((bytes, blocks))) = (heap_idle, heap_cached) {
            let per_run = |now: usize, before: usize| round((now as f64 - before as f64) / n.max(1) as f64, 1);
            figures["heap_bytes_per_cached_wf"] = json!(per_run(bytes, idle_bytes));
            figures["heap_blocks_per_cached_wf"] = json!(per_run(blocks, idle_blocks));
        }
        Ok(figures)
    })
    .await
}

/// w5-record: one SequentialActivitiesWorkflow(n) under the given id, for the harness to
/// export with the CLI.
async fn record(client: &Client, count: usize, workflow_id: &str) -> Result<Value> {
    let tq = new_task_queue("w5rec");
    let id = if workflow_id.is_empty() { format!("{tq}-seq") } else { workflow_id.to_string() };
    let activities = u32::try_from(count).map_err(|_| format!("--n {count} is too large"))?;
    let result = with_worker(client, &tq, DEFAULT_CACHE, async {
        let options = WorkflowOptions::new(&id, &tq);
        Ok(client.execute_workflow(SequentialActivitiesWorkflow::run, activities, options).await?)
    })
    .await?;
    Ok(json!({"workload": "w5-record", "workflow_id": id, "activities": count, "result": result}))
}

/// The history to replay: binary `temporal.api.history.v1.History` for a `.pb` file (or with
/// BENCH_OURS_HISTORY_FORMAT=pb), else the protojson of `temporal workflow show -o json`.
fn load_history(path: &str) -> Result<WorkflowHistory> {
    let binary = path.ends_with(".pb") || std::env::var("BENCH_OURS_HISTORY_FORMAT").is_ok_and(|f| f == "pb");
    if binary {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
        let history = <History as prost::Message>::decode(bytes.as_slice())
            .map_err(|e| format!("decoding {path} as History protobuf: {e}"))?;
        Ok(WorkflowHistory::new("bench-replay", history))
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
        Ok(WorkflowHistory::from_json("bench-replay", &text).map_err(|e| format!("{path}: {e}"))?)
    }
}

/// w5: (a) one `replay_workflows` over N copies of the history, (b) `replay_workflow` once per
/// history for min(N, 50) of them; after one unmeasured replay.
async fn replay(path: &str, n: usize) -> Result<Value> {
    if path.is_empty() {
        return Err("w5 needs --history FILE".into());
    }
    let history = load_history(path)?;
    let events = history.history.events.len();
    let replayer = replayer();
    replayer.replay_workflow(&history).map_err(|e| format!("warm-up replay of {path}: {e}"))?;

    // The copies are made before the clock starts, as the peers do: (a) consumes its own.
    let histories: Vec<WorkflowHistory> =
        (0..n).map(|i| WorkflowHistory::new(format!("bench-replay-{i}"), history.history.clone())).collect();
    let single_n = n.min(50);
    let singles = histories[..single_n].to_vec();
    let t0 = Instant::now();
    let outcome = replayer.replay_workflows(futures::stream::iter(histories.into_iter().map(Ok::<_, BoxError>))).await;
    let batch = t0.elapsed().as_secs_f64();
    let failures = match outcome {
        Ok(_) => 0,
        Err(failed) => {
            eprintln!("{failed}");
            failed.results.failed()
        }
    };

    let t1 = Instant::now();
    for history in &singles {
        replayer.replay_workflow(history)?;
    }
    let single = t1.elapsed().as_secs_f64();
    Ok(json!({
        "workload": "w5", "n": n, "history_events": events,
        "batch_wall_s": round(batch, 4), "hist_per_s": round(n as f64 / batch, 2),
        "single_n": single_n, "single_ms_per_hist": round(single / single_n.max(1) as f64 * 1000.0, 3),
        "failures": failures,
    }))
}

// --------------------------------------------------------------------------------- main

struct Args {
    address: String,
    namespace: String,
    workload: String,
    n: Option<usize>,
    history: String,
    workflow_id: String,
}

fn parse_args() -> Result<Args> {
    let mut args = Args {
        address: "127.0.0.1:17400".into(),
        namespace: "default".into(),
        workload: String::new(),
        n: None,
        history: String::new(),
        workflow_id: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--address" => args.address = value()?,
            "--namespace" => args.namespace = value()?,
            "--workload" => args.workload = value()?,
            "--n" => args.n = Some(value()?.parse().map_err(|e| format!("--n: {e}"))?),
            "--history" => args.history = value()?,
            "--workflow-id" => args.workflow_id = value()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(args)
}

fn default_n(workload: &str) -> Result<usize> {
    Ok(match workload {
        "w1" | "w0-trivial" | "w0-start" => 500,
        "w2" | "w3" | "w5" => 200,
        "w4" => 1000,
        "w5-record" => 30,
        "" => return Err("--workload is required".into()),
        other => return Err(format!("unknown workload {other}").into()),
    })
}

/// Tokio's multi-threaded runtime, as `#[tokio::main]` makes it and the other SDKs' programs use;
/// `BENCH_RUNTIME=current_thread` runs the whole program on one thread instead, to measure
/// what that choice of the user's program saves (never set by the harness).
fn main() -> Result<()> {
    let runtime = match std::env::var("BENCH_RUNTIME").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread().enable_all().build()?,
        Ok("multi_thread") | Err(_) => tokio::runtime::Builder::new_multi_thread().enable_all().build()?,
        Ok(other) => return Err(format!("BENCH_RUNTIME={other}: expected current_thread or multi_thread").into()),
    };
    runtime.block_on(run())
}

async fn run() -> Result<()> {
    let args = parse_args()?;
    let n = match args.n {
        Some(n) => n,
        None => default_n(&args.workload)?,
    };
    let figures = if args.workload == "w5" {
        replay(&args.history, n).await?
    } else {
        let client = Client::connect(ClientOptions::new(&args.address).namespace(&args.namespace)).await?;
        match args.workload.as_str() {
            "w1" => throughput(&client, n, false).await?,
            "w0-trivial" => throughput(&client, n, true).await?,
            "w0-start" => start_then_drain(&client, n).await?,
            "w2" => latency(&client, n).await?,
            "w3" => timers_and_signals(&client, n).await?,
            "w4" => memory(&client, n).await?,
            "w5-record" => record(&client, n, &args.workflow_id).await?,
            other => return Err(format!("unknown workload {other}").into()),
        }
    };
    emit(figures);
    Ok(())
}
