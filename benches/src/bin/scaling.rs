//! How cost grows with the work: worker and client in separate processes, so one task queue
//! can be served by one or by two worker processes while a client drives w1's load.
//!
//! ```sh
//! scaling worker --address 127.0.0.1:7233 --queue Q   # serves Q until stdin closes
//! scaling drive --address 127.0.0.1:7233 --queue Q --n 10000 [--in-flight 1000]
//! bash benches/scaling.sh                               # the whole table
//! ```
//!
//! `worker` prints one JSON line when it stops: the CPU seconds it used. `drive` runs `n`
//! `HelloWorkflow`s, at most `in-flight` at once (default: all), and prints one JSON line with
//! the wall time from the first start to the last result and its own CPU seconds.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use benches::cpu_time;
use benches::workloads::{HelloWorkflow, say_hello};
use futures::StreamExt;
use temporal_sdk::prelude::*;
use temporal_sdk::telemetry::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter, NoopMeter};
use tokio::io::AsyncReadExt;

type Result<T, E = Box<dyn Error + Send + Sync>> = std::result::Result<T, E>;

/// Counts the long polls (a worker's task polls, a client's result waits) and the sticky cache
/// misses of the process: what could make a workflow cost more at 10,000 than at 1,000.
#[derive(Debug, Default)]
struct Tally {
    long_polls: Arc<AtomicU64>,
    cache_misses: Arc<AtomicU64>,
}

struct Count(Arc<AtomicU64>);

impl Counter for Count {
    fn add(&self, value: u64, _: Labels<'_>) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
}

impl MetricMeter for Tally {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        match def.name.as_str() {
            "temporal_long_request" => Arc::new(Count(Arc::clone(&self.long_polls))),
            "temporal_sticky_cache_miss" => Arc::new(Count(Arc::clone(&self.cache_misses))),
            _ => NoopMeter.counter(def),
        }
    }
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        NoopMeter.histogram(def)
    }
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        NoopMeter.gauge(def)
    }
}

impl Tally {
    fn json(&self) -> String {
        let (polls, misses) = (self.long_polls.load(Ordering::Relaxed), self.cache_misses.load(Ordering::Relaxed));
        format!("\"long_polls\":{polls},\"cache_misses\":{misses}")
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

async fn worker(client: &Client, tally: &Tally, queue: &str) -> Result<()> {
    let worker = Worker::new(client, WorkerOptions::new(queue).workflow::<HelloWorkflow>().activity(say_hello))?;
    let running = worker.spawn();
    eprintln!("worker on {queue}");
    // Until the driver's script closes our stdin.
    let mut rest = Vec::new();
    tokio::io::stdin().read_to_end(&mut rest).await?;
    worker.shutdown().await;
    running.await??;
    println!("{{\"cpu_s\":{:.3},{}}}", cpu_time().as_secs_f64(), tally.json());
    Ok(())
}

async fn drive(client: &Client, tally: &Tally, queue: &str, n: usize, in_flight: usize) -> Result<()> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let one = |i: usize| {
        let options = WorkflowOptions::new(format!("{queue}-{id}-{i}"), queue);
        client.execute_workflow(HelloWorkflow::run, format!("w-{i}"), options)
    };
    let started = Instant::now();
    // At most `in_flight` workflows at once: with all of 10,000 at once, a 2-core dev server
    // falls minutes behind, and the clients' result polls (re-sent each minute) and starts
    // past their deadline measure the backlog rather than the SDK.
    let results: Vec<_> = futures::stream::iter((0..n).map(one)).buffer_unordered(in_flight.max(1)).collect().await;
    let wall = started.elapsed().as_secs_f64();
    let errors = results.iter().filter(|r| r.is_err()).count();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("first error: {e}");
    }
    println!(
        "{{\"n\":{n},\"wall_s\":{wall:.3},\"wf_per_s\":{:.2},\"errors\":{errors},\"cpu_s\":{:.3},{}}}",
        n as f64 / wall,
        cpu_time().as_secs_f64(),
        tally.json()
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let address = arg("--address").unwrap_or_else(|| "127.0.0.1:7233".into());
    let queue = arg("--queue").ok_or("--queue is required")?;
    let tally = Arc::new(Tally::default());
    let mut options = ClientOptions::new(address);
    options.metrics = Arc::clone(&tally) as Arc<dyn MetricMeter>;
    let client = Client::connect(options).await?;
    match mode.as_str() {
        "worker" => worker(&client, &tally, &queue).await,
        "drive" => {
            let n = arg("--n").and_then(|n| n.parse().ok()).unwrap_or(1000);
            let in_flight = arg("--in-flight").and_then(|n| n.parse().ok()).unwrap_or(n);
            drive(&client, &tally, &queue, n, in_flight).await
        }
        other => Err(format!("unknown mode {other:?}: worker or drive").into()),
    }
}
