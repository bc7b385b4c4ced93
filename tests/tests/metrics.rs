//! The standard SDK metrics and user metrics, scraped from the Prometheus endpoint during a run
//! on the dev server: names and labels as the other SDKs write them, counts that match what ran,
//! and workflow metrics recorded once however often replay runs the code.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use integration_tests::{RunningWorker, target, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::telemetry::{MetricDef, PrometheusMeter};
use temporal_sdk::workflow::LocalActivityOptions;

#[activity]
async fn weigh(grams: u64) -> Result<u64, ActivityError> {
    activity::metric_meter().counter(&MetricDef::new("grams_weighed", "Grams weighed")).add(grams, &[("scale", "a")]);
    Ok(grams * 2)
}

#[derive(Default)]
struct Weighing;

#[workflow]
impl Weighing {
    #[run]
    async fn run(&self, grams: u64) -> WorkflowResult<u64> {
        let steps = workflow::metric_meter().counter(&MetricDef::new("weighing_steps", "Steps of weighings"));
        steps.add(1, &[]);
        let remote =
            workflow::execute_activity(weigh, grams, ActivityOptions::start_to_close(Duration::from_secs(10))).await?;
        // With the cache off, the next task replays the lines above: the step is not counted again.
        steps.add(1, &[]);
        let local = workflow::execute_local_activity(
            weigh,
            grams,
            LocalActivityOptions::start_to_close(Duration::from_secs(10)),
        )
        .await?;
        Ok(remote + local)
    }
}

/// The label every sample carries, as in the Python SDK's Prometheus output.
const SERVICE_NAME: &str = r#"service_name="temporal-core-sdk""#;

/// The value of the sample `name{labels}` (`labels` in any order, without [`SERVICE_NAME`]),
/// if present. An empty label is no label, as Prometheus reads it.
fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    let wanted: BTreeSet<&str> = labels.split(',').filter(|l| !l.is_empty()).chain([SERVICE_NAME]).collect();
    text.lines().find_map(|line| {
        let (labels, value) = line.strip_prefix(name)?.strip_prefix('{')?.split_once("} ")?;
        let labels: BTreeSet<&str> = labels.split(',').filter(|l| !l.ends_with("=\"\"")).collect();
        (labels == wanted).then(|| value.trim().parse().ok())?
    })
}

async fn scrape(address: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect to the scrape endpoint");
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n").await.expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prometheus_endpoint_serves_the_sdk_metrics_with_their_labels() {
    let meter = Arc::new(PrometheusMeter::new());
    let endpoint = meter.serve("127.0.0.1:0".parse().expect("address")).await.expect("serve");
    let client = Client::connect(ClientOptions::new(target()).metrics(meter.clone())).await.expect("connect");
    let queue = unique("metrics");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Weighing>().activity(weigh).max_cached_workflows(0),
    );
    for grams in [1, 2, 3] {
        let result = client
            .execute_workflow(Weighing::run, grams, WorkflowOptions::new(unique("weighing"), &queue))
            .await
            .expect("workflow");
        assert_eq!(result, grams * 4);
    }
    // The worker counts a close once the server accepted it, which may be just after the
    // client saw the result: wait for the third.
    let mut text = scrape(endpoint.local_addr()).await;
    for _ in 0..100 {
        let of_workflow = format!(r#"namespace="default",task_queue="{queue}",workflow_type="Weighing""#);
        if sample(&text, "temporal_workflow_completed", &of_workflow) == Some(3.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        text = scrape(endpoint.local_addr()).await;
    }
    let on_queue = format!(r#"namespace="default",task_queue="{queue}""#);
    let of_workflow = format!(r#"{on_queue},workflow_type="Weighing""#);
    let of_activity = format!(r#"activity_type="weigh",{on_queue},workflow_type="Weighing""#);
    assert_eq!(sample(&text, "temporal_workflow_completed", &of_workflow), Some(3.0), "{text}");
    assert_eq!(sample(&text, "temporal_workflow_endtoend_latency_count", &of_workflow), Some(3.0), "{text}");
    assert_eq!(sample(&text, "temporal_activity_execution_latency_count", &of_activity), Some(3.0), "{text}");
    assert_eq!(sample(&text, "temporal_local_activity_total", &of_activity), Some(3.0), "{text}");
    let polls = sample(&text, "temporal_workflow_task_queue_poll_succeed", &on_queue).expect("polls counted");
    assert!(polls >= 6.0, "three workflows take at least two tasks each: {polls}");
    let executions = sample(&text, "temporal_workflow_task_execution_latency_count", &of_workflow).expect("tasks");
    assert!(executions >= 6.0, "{executions}");
    // No cache: every task after the first replays, and misses the cache.
    assert!(sample(&text, "temporal_sticky_cache_miss", &of_workflow).is_some_and(|m| m >= 3.0), "{text}");
    // The labels the Python SDK writes for these.
    assert!(sample(&text, "temporal_activity_schedule_to_start_latency_count", &on_queue).is_some(), "{text}");
    let local_slots = format!(r#"{on_queue},worker_type="LocalActivityWorker""#);
    assert!(sample(&text, "temporal_worker_task_slots_available", &local_slots).is_some(), "{text}");
    assert_eq!(sample(&text, "temporal_sticky_cache_size", &on_queue), Some(0.0), "{text}");
    let activity_pollers = format!(r#"namespace="default",poller_type="activity_task",task_queue="{queue}""#);
    assert!(sample(&text, "temporal_num_pollers", &activity_pollers).is_some_and(|p| p >= 1.0), "{text}");
    let slots = format!(r#"{on_queue},worker_type="ActivityWorker""#);
    assert!(sample(&text, "temporal_worker_task_slots_available", &slots).is_some_and(|s| s > 0.0), "{text}");
    assert!(text.contains("temporal_request_latency_bucket{"), "{text}");
    // Starts and polls are labelled with their task queue (sticky polls with the worker's).
    let start = format!(r#"namespace="default",operation="StartWorkflowExecution",task_queue="{queue}""#);
    assert_eq!(sample(&text, "temporal_request", &start), Some(3.0), "{text}");
    let polled = format!(r#"namespace="default",operation="PollWorkflowTaskQueue",task_queue="{queue}""#);
    assert!(sample(&text, "temporal_long_request", &polled).is_some_and(|p| p >= 6.0), "{text}");
    assert!(
        sample(&text, "temporal_request", r#"namespace="default",operation="RespondWorkflowTaskCompleted""#).is_some(),
        "{text}"
    );
    // Activity tasks, polled or handed over eagerly with the workflow task's completion.
    let received: f64 = ["true", "false"]
        .iter()
        .filter_map(|eager| {
            sample(&text, "temporal_activity_task_received", &format!(r#"{of_activity},eager="{eager}""#))
        })
        .sum();
    assert_eq!(received, 3.0, "{text}");
    for line in text.lines().filter(|l| l.starts_with("temporal_")) {
        assert!(line.contains(SERVICE_NAME), "{line}");
    }

    // The application's metrics: activity attempts (remote and local) and workflow steps once.
    let weighed =
        format!(r#"activity_type="weigh",namespace="default",scale="a",task_queue="{queue}",workflow_type="Weighing""#);
    assert_eq!(sample(&text, "grams_weighed", &weighed), Some(12.0), "{text}");
    assert_eq!(sample(&text, "weighing_steps", &of_workflow), Some(6.0), "{text}");
    worker.stop().await;
}
