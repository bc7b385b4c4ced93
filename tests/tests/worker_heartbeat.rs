//! Worker heartbeats on the dev server, which advertises `worker_heartbeats`: a running worker is
//! known to the server (`ListWorkers`/`DescribeWorker`, what `temporal worker list` shows) with
//! its task queue, SDK, status and slot figures; its last heartbeat, sent with `ShutdownWorker`,
//! says it is shutting down; a worker with heartbeats turned off is not listed.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use integration_tests::workflows::{SayHello, say_hello};
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::WorkerStatus;
use temporal_sdk::protos::temporal::api::worker::v1::WorkerHeartbeat;
use temporal_sdk::protos::temporal::api::workflowservice::v1::{DescribeWorkerRequest, ListWorkersRequest};

/// The heartbeats the server holds for workers of `task_queue`. The dev server (1.32) answers
/// in `workers_info` only, whole heartbeats, which newer servers deprecate for `workers`.
#[allow(deprecated)]
async fn listed(client: &Client, task_queue: &str) -> Vec<WorkerHeartbeat> {
    let request =
        ListWorkersRequest { namespace: client.namespace().to_string(), page_size: 1000, ..Default::default() };
    let response = client.workflow_service().list_workers(request).await.expect("list workers").into_inner();
    response
        .workers_info
        .into_iter()
        .filter_map(|info| info.worker_heartbeat)
        .filter(|hb| hb.task_queue == task_queue)
        .collect()
}

async fn describe(client: &Client, key: &str) -> WorkerHeartbeat {
    let request =
        DescribeWorkerRequest { namespace: client.namespace().to_string(), worker_instance_key: key.to_string() };
    let response = client.workflow_service().describe_worker(request).await.expect("describe worker").into_inner();
    response.worker_info.and_then(|info| info.worker_heartbeat).expect("a heartbeat")
}

/// Waits until the server's heartbeat of `key` satisfies `done`.
async fn describe_until(client: &Client, key: &str, done: impl Fn(&WorkerHeartbeat) -> bool) -> WorkerHeartbeat {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let heartbeat = describe(client, key).await;
        if done(&heartbeat) {
            return heartbeat;
        }
        assert!(Instant::now() < deadline, "the heartbeat never got there: {heartbeat:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn time(t: &Option<prost_wkt_types::Timestamp>) -> SystemTime {
    let t = t.as_ref().expect("a time");
    UNIX_EPOCH + Duration::new(t.seconds as u64, t.nanos as u32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeating_worker_is_known_to_the_server_until_it_shuts_down() {
    let client = client().await;
    let queue = unique("heartbeat");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<SayHello>()
            .activity(say_hello)
            .max_concurrent_workflow_tasks(7)
            .max_concurrent_activities(3)
            .worker_heartbeat_interval(Duration::from_secs(1)),
    );
    for name in ["one", "two"] {
        let result = client
            .execute_workflow(SayHello::run, name.to_string(), WorkflowOptions::new(unique("heartbeat"), &queue))
            .await
            .expect("workflow result");
        assert_eq!(result, format!("Hello, {name}!"));
    }

    // The first heartbeat goes out as the worker starts, so the worker is listed by now.
    let deadline = Instant::now() + Duration::from_secs(10);
    let key = loop {
        if let [heartbeat] = listed(&client, &queue).await.as_slice() {
            break heartbeat.worker_instance_key.clone();
        }
        assert!(Instant::now() < deadline, "the worker was never listed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // A heartbeat sent after both workflows closed: each took two workflow tasks and one activity.
    let heartbeat = describe_until(&client, &key, |hb| {
        hb.activity_task_slots_info.as_ref().is_some_and(|s| s.total_processed_tasks == 2)
            && hb.workflow_task_slots_info.as_ref().is_some_and(|s| s.total_processed_tasks == 4)
    })
    .await;
    assert_eq!(heartbeat.task_queue, queue);
    assert_eq!(heartbeat.sdk_name, "temporal-rust");
    assert!(!heartbeat.sdk_version.is_empty());
    assert_eq!(heartbeat.status, WorkerStatus::Running as i32);
    assert_eq!(heartbeat.worker_identity, client.identity());
    let host = heartbeat.host_info.as_ref().expect("host info");
    assert_eq!(host.process_id, std::process::id().to_string());
    assert!(!host.host_name.is_empty() && !host.worker_grouping_key.is_empty(), "{host:?}");
    assert!((0.0..=1.0).contains(&host.current_host_cpu_usage), "{host:?}");
    assert!(host.current_host_mem_usage > 0.0 && host.current_host_mem_usage <= 1.0, "{host:?}");
    assert!(time(&heartbeat.start_time) <= time(&heartbeat.heartbeat_time));
    let elapsed = heartbeat.elapsed_since_last_heartbeat.as_ref().expect("a heartbeat before this one");
    assert!((0..=3).contains(&elapsed.seconds), "heartbeats every second, not {elapsed:?}");

    let workflow_slots = heartbeat.workflow_task_slots_info.as_ref().expect("workflow slots");
    assert_eq!((workflow_slots.current_available_slots, workflow_slots.current_used_slots), (7, 0));
    assert_eq!(workflow_slots.slot_supplier_kind, "Fixed");
    assert_eq!(workflow_slots.total_failed_tasks, 0);
    let activity_slots = heartbeat.activity_task_slots_info.as_ref().expect("activity slots");
    assert_eq!((activity_slots.current_available_slots, activity_slots.current_used_slots), (3, 0));
    let local_slots = heartbeat.local_activity_slots_info.as_ref().expect("local activity slots");
    assert_eq!((local_slots.current_available_slots, local_slots.total_processed_tasks), (100, 0));
    // Each workflow's second task found its run in the cache.
    assert_eq!(heartbeat.total_sticky_cache_hit, 2, "{heartbeat:#?}");
    assert_eq!(heartbeat.total_sticky_cache_miss, 0);
    let normal = heartbeat.workflow_poller_info.as_ref().expect("workflow pollers");
    let sticky = heartbeat.workflow_sticky_poller_info.as_ref().expect("sticky pollers");
    assert!(normal.current_pollers >= 1 && sticky.current_pollers >= 1, "{normal:?} {sticky:?}");
    assert!(normal.last_successful_poll_time.is_some() && sticky.last_successful_poll_time.is_some());
    assert!(!normal.is_autoscaling);
    assert!(heartbeat.activity_poller_info.as_ref().is_some_and(|p| p.current_pollers >= 1));

    // Heartbeats keep coming.
    let later = describe_until(&client, &key, |hb| time(&hb.heartbeat_time) > time(&heartbeat.heartbeat_time)).await;
    assert_eq!(later.start_time, heartbeat.start_time);

    let stopping = Instant::now();
    worker.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(5), "shutdown took {:?}", stopping.elapsed());
    // The last heartbeat rode on ShutdownWorker, as Python's does.
    let last = describe(&client, &key).await;
    assert_eq!(last.status, WorkerStatus::ShuttingDown as i32, "{last:#?}");
    assert!(time(&last.heartbeat_time) >= time(&later.heartbeat_time));
    assert_eq!(last.workflow_task_slots_info.as_ref().map(|s| s.total_processed_tasks), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_with_heartbeats_off_is_not_listed() {
    let client = client().await;
    let queue = unique("no-heartbeat");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello).worker_heartbeat_interval(None),
    );
    let result = client
        .execute_workflow(SayHello::run, "quiet".to_string(), WorkflowOptions::new(unique("no-heartbeat"), &queue))
        .await
        .expect("workflow result");
    assert_eq!(result, "Hello, quiet!");
    worker.stop().await;
    // Not even at shutdown, when a heartbeating worker sends its last one.
    assert!(listed(&client, &queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interval_beyond_a_minute_is_refused() {
    let client = client().await;
    let options =
        WorkerOptions::new("anywhere").workflow::<SayHello>().worker_heartbeat_interval(Duration::from_secs(90));
    let error = Worker::new(&client, options).expect_err("refused");
    assert!(error.to_string().contains("between 1 s and 60 s"), "{error}");
}
