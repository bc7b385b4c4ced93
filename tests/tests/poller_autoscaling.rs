//! Poller autoscaling against a real dev server (which makes scaling suggestions): under a
//! backlog the open polls, as the `temporal_num_pollers` gauge reports them, rise above the
//! initial count and never pass the maximum; a worker with the default fixed maximum keeps
//! working within it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use integration_tests::{RunningWorker, target, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::telemetry::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter, NoopMeter};
use temporal_sdk::worker::PollerBehavior;

/// Every value `temporal_num_pollers` was set to, by task queue and poller type, in order.
#[derive(Debug, Default)]
struct PollerGauge {
    values: Mutex<HashMap<(String, String), Vec<f64>>>,
}

impl PollerGauge {
    fn values(&self, queue: &str, poller_type: &str) -> Vec<f64> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.get(&(queue.to_string(), poller_type.to_string())).cloned().unwrap_or_default()
    }
}

impl Gauge for PollerGauge {
    fn set(&self, value: f64, labels: Labels<'_>) {
        let label = |name: &str| labels.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        if let (Some(queue), Some(poller_type)) = (label("task_queue"), label("poller_type")) {
            let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
            values.entry((queue, poller_type)).or_default().push(value);
        }
    }
}

/// A meter that keeps the poller gauge and drops everything else.
#[derive(Debug, Default)]
struct PollerMeter {
    pollers: Arc<PollerGauge>,
}

impl MetricMeter for PollerMeter {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        NoopMeter.counter(def)
    }

    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        NoopMeter.histogram(def)
    }

    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        if def.name == "temporal_num_pollers" { self.pollers.clone() } else { NoopMeter.gauge(def) }
    }
}

#[activity]
async fn nap(millis: u64) -> Result<u64, ActivityError> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    Ok(millis)
}

#[derive(Default)]
struct FanOut;

#[workflow]
impl FanOut {
    #[run]
    async fn run(&self, count: u64) -> WorkflowResult<u64> {
        let naps = (0..count)
            .map(|_| workflow::execute_activity(nap, 100, ActivityOptions::start_to_close(Duration::from_secs(60))));
        let mut total = 0;
        for result in workflow::join_all(naps).await {
            total += result?;
        }
        Ok(total)
    }
}

async fn metered_client(meter: Arc<PollerMeter>) -> Client {
    Client::connect(ClientOptions::new(target()).metrics(meter)).await.expect("connect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autoscaled_pollers_rise_under_load_within_their_bounds() {
    let meter = Arc::new(PollerMeter::default());
    let pollers = Arc::clone(&meter.pollers);
    let client = metered_client(meter).await;
    let queue = unique("autoscaling");
    // A backlog before any worker polls: the server suggests more polls while tasks wait.
    let mut handles = Vec::new();
    for _ in 0..20 {
        let options = WorkflowOptions::new(unique("fan-out"), &queue);
        handles.push(client.start_workflow(FanOut::run, 10, options).await.expect("start"));
    }
    let (workflow_max, activity_max) = (4, 8);
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<FanOut>()
            .activity(nap)
            .workflow_task_poller_behavior(PollerBehavior::Autoscaling {
                minimum: 1,
                maximum: workflow_max,
                initial: 2,
            })
            .activity_task_poller_behavior(PollerBehavior::Autoscaling {
                minimum: 1,
                maximum: activity_max,
                initial: 2,
            }),
    );
    for handle in handles {
        assert_eq!(handle.result().await.expect("result"), 1000);
    }

    let activity = pollers.values(&queue, "activity_task");
    let workflow = pollers.values(&queue, "workflow_task");
    let sticky = pollers.values(&queue, "sticky_workflow_task");
    assert!(activity.iter().all(|n| (0.0..=activity_max as f64).contains(n)), "{activity:?}");
    assert!(workflow.iter().all(|n| (0.0..=workflow_max as f64).contains(n)), "{workflow:?}");
    assert!(sticky.iter().all(|n| (0.0..=workflow_max as f64).contains(n)), "{sticky:?}");
    let peak = |values: &[f64]| values.iter().copied().fold(0.0, f64::max);
    assert!(peak(&activity) > 2.0, "the activity polls rose above the initial two: {activity:?}");
    // Between tasks a queue's polls are reopened at once: at least the minimum stays open.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = pollers.values(&queue, "activity_task").last().copied().unwrap_or_default();
    assert!(open >= 1.0, "{open}");
    worker.stop().await;
    assert_eq!(pollers.values(&queue, "activity_task").last(), Some(&0.0), "no poll is open after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_worker_keeps_at_most_five_polls_of_each_kind() {
    let meter = Arc::new(PollerMeter::default());
    let pollers = Arc::clone(&meter.pollers);
    let client = metered_client(meter).await;
    let queue = unique("fixed-pollers");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<FanOut>().activity(nap));
    let total = client
        .execute_workflow(FanOut::run, 20, WorkflowOptions::new(unique("fan-out"), &queue))
        .await
        .expect("result");
    assert_eq!(total, 2000);
    let activity = pollers.values(&queue, "activity_task");
    let normal = pollers.values(&queue, "workflow_task");
    let sticky = pollers.values(&queue, "sticky_workflow_task");
    // Five activity polls; five workflow polls split one for the shared queue, four sticky.
    assert!(activity.iter().all(|n| *n <= 5.0) && activity.contains(&5.0), "{activity:?}");
    assert!(normal.iter().all(|n| *n <= 1.0) && normal.contains(&1.0), "{normal:?}");
    assert!(sticky.iter().all(|n| *n <= 4.0) && sticky.contains(&4.0), "{sticky:?}");
    worker.stop().await;
}
