//! What tracing and metrics cost per workflow task: the SDK's CPU time (worker and client, this
//! process) per workflow of one activity, with nothing on, with the Prometheus meter, and with
//! the meter and the OpenTelemetry `TracingInterceptor` (every span exported to memory), in
//! alternating rounds against one dev server, so that the figures read as ratios of the same
//! run.
//!
//! ```sh
//! cargo run --release -p benches --bin telemetry_overhead -- 500 4
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use benches::cpu_time;
use benches::workloads::{HelloWorkflow, say_hello};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use temporal_sdk::interceptor::TracingInterceptor;
use temporal_sdk::prelude::*;
use temporal_sdk::telemetry::PrometheusMeter;
use temporal_sdk::testing::WorkflowEnvironment;

#[derive(Clone, Copy, Debug)]
enum Setup {
    Plain,
    Metrics,
    MetricsAndTracing,
}

/// Runs `n` workflows at once with a fresh client and worker set up as `setup` says; returns
/// the CPU time per workflow.
async fn round(env: &WorkflowEnvironment, setup: Setup, n: usize) -> Result<Duration, Box<dyn std::error::Error>> {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    let mut options = ClientOptions::new(env.target().unwrap_or("127.0.0.1:7233"));
    if !matches!(setup, Setup::Plain) {
        options = options.metrics(Arc::new(PrometheusMeter::new()));
    }
    if matches!(setup, Setup::MetricsAndTracing) {
        options = options.interceptor(TracingInterceptor::with_tracer(provider.tracer("bench")));
    }
    let client = Client::connect(options).await?;
    let queue = format!("overhead-{}", uuid::Uuid::new_v4().simple());
    let worker = Worker::new(&client, WorkerOptions::new(&queue).workflow::<HelloWorkflow>().activity(say_hello))?;
    let running = worker.spawn();
    // Connections and pollers warm before the clock starts.
    client
        .execute_workflow(HelloWorkflow::run, "warm".into(), WorkflowOptions::new(format!("{queue}-w"), &queue))
        .await?;
    let before = cpu_time();
    let started = Instant::now();
    let runs = (0..n).map(|i| {
        let client = client.clone();
        let options = WorkflowOptions::new(format!("{queue}-{i}"), &queue);
        async move { client.execute_workflow(HelloWorkflow::run, "x".into(), options).await }
    });
    for result in futures::future::join_all(runs).await {
        result?;
    }
    let cpu = cpu_time() - before;
    eprintln!("{setup:?}: {n} workflows in {:.2?}, {} spans", started.elapsed(), exporter.get_finished_spans()?.len());
    worker.shutdown().await;
    running.await??;
    Ok(cpu / n as u32)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(500);
    let rounds: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(4);
    let env = WorkflowEnvironment::start_local().await?;
    let setups = [Setup::Plain, Setup::Metrics, Setup::MetricsAndTracing];
    let mut per_workflow: Vec<Vec<f64>> = vec![Vec::new(); setups.len()];
    for r in 0..rounds {
        // Alternate the order, so that no setup always runs on a warmer server.
        let order: Vec<usize> = if r % 2 == 0 { vec![0, 1, 2] } else { vec![2, 1, 0] };
        for i in order {
            let cpu = round(&env, setups[i], n).await?;
            per_workflow[i].push(cpu.as_secs_f64() * 1e6);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let medians: Vec<f64> = per_workflow.iter_mut().map(median).collect();
    for (setup, m) in setups.iter().zip(&medians) {
        // A one-activity workflow takes two workflow tasks and one activity task.
        println!("{setup:?}: SDK CPU per workflow {m:.0} µs (median of {rounds} rounds of {n})");
    }
    println!(
        "ratios to Plain: Metrics {:.3}x, MetricsAndTracing {:.3}x; tracing and metrics add {:.0} µs per workflow task",
        medians[1] / medians[0],
        medians[2] / medians[0],
        (medians[2] - medians[0]) / 2.0
    );
    env.shutdown().await;
    Ok(())
}
