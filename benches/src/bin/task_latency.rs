//! The SDK's own share of a workflow task: from the poll response's arrival to the task's
//! outcome (then only the completion request's building, encoding and send remain), which the
//! worker records as `temporal_workflow_task_execution_latency`.
//! A meter of this program's keeps every recording, so p50 and p99 are exact rather than read
//! from histogram buckets.
//!
//! Two loads against one dev server: workflows of one activity run one after another (no
//! queueing: the task's own cost), then `n` at once (tasks queue behind each other on the
//! workflow threads, and the server competes for the CPU).
//!
//! ```sh
//! cargo run --release -p benches --bin task_latency -- 200 500
//! ```

use std::sync::{Arc, Mutex};

use benches::Stats;
use benches::workloads::{HelloWorkflow, say_hello};
use temporal_sdk::prelude::*;
use temporal_sdk::telemetry::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter, NoopMeter};
use temporal_sdk::testing::WorkflowEnvironment;

const TASK_LATENCY: &str = "temporal_workflow_task_execution_latency";

/// Keeps every value recorded into the task latency histogram; everything else goes nowhere.
#[derive(Debug, Default)]
struct Recorder {
    values: Arc<Mutex<Vec<f64>>>,
}

struct Values(Arc<Mutex<Vec<f64>>>);

impl Histogram for Values {
    fn record(&self, value: f64, _: Labels<'_>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(value);
    }
}

impl MetricMeter for Recorder {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        NoopMeter.counter(def)
    }
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        if def.name == TASK_LATENCY { Arc::new(Values(Arc::clone(&self.values))) } else { NoopMeter.histogram(def) }
    }
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        NoopMeter.gauge(def)
    }
}

impl Recorder {
    fn take(&self) -> Vec<f64> {
        std::mem::take(&mut *self.values.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn report(load: &str, samples: Vec<f64>) {
    let stats = Stats::new(samples);
    println!(
        "{load}: SDK share of a workflow task p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} tasks)",
        stats.quantile(0.5),
        stats.quantile(0.99),
        stats.quantile(1.0),
        stats.len()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sequential: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let concurrent: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(500);
    let env = WorkflowEnvironment::start_local().await?;
    let recorder = Arc::new(Recorder::default());
    let options = ClientOptions::new(env.target().unwrap_or("127.0.0.1:7233")).metrics(recorder.clone());
    let client = Client::connect(options).await?;
    let queue = format!("latency-{}", uuid::Uuid::new_v4().simple());
    let worker = Worker::new(&client, WorkerOptions::new(&queue).workflow::<HelloWorkflow>().activity(say_hello))?;
    let running = worker.spawn();
    let start = |i: String| client.execute_workflow(HelloWorkflow::run, "x".into(), WorkflowOptions::new(i, &queue));

    for i in 0..10 {
        start(format!("{queue}-warm-{i}")).await?;
    }
    recorder.take();
    for i in 0..sequential {
        start(format!("{queue}-seq-{i}")).await?;
    }
    report(&format!("one at a time ({sequential} workflows)"), recorder.take());
    let runs = (0..concurrent).map(|i| start(format!("{queue}-con-{i}")));
    for result in futures::future::join_all(runs).await {
        result?;
    }
    report(&format!("{concurrent} at once"), recorder.take());

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
