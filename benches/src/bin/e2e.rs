//! End-to-end latency against a real Temporal dev server (started here, or
//! `TEMPORAL_ADDRESS`): the time from `start_workflow` to its result for a workflow that runs
//! one activity, with a worker in the same process.
//!
//! The baseline measured in the same run is the bare gRPC round trip (`GetSystemInfo`) and a
//! workflow with no activity, so figures can be read as ratios on any machine.
//!
//! ```sh
//! cargo run --release -p benches --bin e2e -- 100
//! ```

use std::time::Instant;

use benches::Stats;
use benches::workloads::{HelloWorkflow, TrivialWorkflow, say_hello};
use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();
    let target = match (env.target(), std::env::var("TEMPORAL_ADDRESS")) {
        (Some(t), _) => t.to_string(),
        (None, Ok(a)) => a,
        (None, Err(_)) => unreachable_target(),
    };
    let queue = format!("e2e-{}", uuid::Uuid::new_v4().simple());
    let worker = Worker::new(
        &client,
        WorkerOptions::new(&queue).workflow::<HelloWorkflow>().workflow::<TrivialWorkflow>().activity(say_hello),
    )?;
    let running = worker.spawn();

    // Warm up connections and the worker's pollers.
    for i in 0..5 {
        client
            .execute_workflow(
                HelloWorkflow::run,
                "warm".into(),
                WorkflowOptions::new(format!("{queue}-warm-{i}"), &queue),
            )
            .await?;
    }

    let mut rpc = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        client.get_untyped_workflow_handle("no-such-workflow", None).describe().await.ok();
        rpc.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut none = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        client
            .execute_workflow(
                TrivialWorkflow::run,
                "x".into(),
                WorkflowOptions::new(format!("{queue}-none-{i}"), &queue),
            )
            .await?;
        none.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut one = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        client
            .execute_workflow(HelloWorkflow::run, "x".into(), WorkflowOptions::new(format!("{queue}-one-{i}"), &queue))
            .await?;
        one.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut eager = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let options = WorkflowOptions::new(format!("{queue}-eager-{i}"), &queue).request_eager_start(true);
        client.execute_workflow(HelloWorkflow::run, "x".into(), options).await?;
        eager.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (rpc, none, one, eager) = (Stats::new(rpc), Stats::new(none), Stats::new(one), Stats::new(eager));
    println!("gRPC round trip (DescribeWorkflowExecution, baseline): {}", rpc.summary());
    println!("workflow with no activity, start to result:           {}", none.summary());
    println!("workflow with one activity, start to result:          {}", one.summary());
    println!("one activity, eager workflow start, start to result: {}", eager.summary());
    println!(
        "ratios of medians: one-activity / rpc = {:.1}x, one-activity / no-activity = {:.2}x, eager / one-activity = {:.2}x",
        one.quantile(0.5) / rpc.quantile(0.5),
        one.quantile(0.5) / none.quantile(0.5),
        eager.quantile(0.5) / one.quantile(0.5)
    );
    if let Ok(python) = std::env::var("E2E_PYTHON") {
        python_baseline(&python, &target, n, one.quantile(0.5), eager.quantile(0.5)).await?;
    }
    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}

fn unreachable_target() -> String {
    // from_client is only used with TEMPORAL_ADDRESS set, so a target is always known.
    "127.0.0.1:7233".to_string()
}

/// Runs the same workflow with the Python SDK (`E2E_PYTHON=/path/to/python` with `temporalio`
/// installed) against the same server, and prints our medians as ratios of Python's.
async fn python_baseline(
    python: &str,
    target: &str,
    n: usize,
    ours: f64,
    ours_eager: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/one_activity.py");
    let out = tokio::process::Command::new(python).arg(script).arg(target).arg(n.to_string()).output().await?;
    if !out.status.success() {
        return Err(format!("python baseline failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| -> Option<f64> {
        text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().parse().ok())
    };
    let (Some(py), Some(py_eager)) = (value("median_ms "), value("eager_median_ms ")) else {
        return Err(format!("unexpected python output: {text}").into());
    };
    println!(
        "python SDK, one activity, start to result:          median {py:.2} ms; eager start median {py_eager:.2} ms"
    );
    println!("ratios rust / python: plain {:.2}x, eager {:.2}x", ours / py, ours_eager / py_eager);
    Ok(())
}
