//! Schedules against a real dev server: created, triggered, paused, backfilled, listed,
//! updated and deleted, with the workflows they start run by a worker.

use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::client::schedule::{
    Schedule, ScheduleAction, ScheduleBackfill, ScheduleDescription, ScheduleIntervalSpec, ScheduleOptions,
    ScheduleSpec,
};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::ScheduleOverlapPolicy;

#[derive(Default)]
struct Tick;

#[workflow]
impl Tick {
    #[run]
    pub async fn run(&self, label: String) -> WorkflowResult<String> {
        Ok(format!("tick {label}"))
    }
}

/// Waits until the schedule's description satisfies `done` (actions are taken asynchronously).
async fn described_when(
    handle: &temporal_sdk::client::schedule::ScheduleHandle,
    done: impl Fn(&ScheduleDescription) -> bool,
) -> ScheduleDescription {
    let mut last = None;
    for _ in 0..150 {
        let description = handle.describe().await.expect("describe");
        if done(&description) {
            return description;
        }
        last = Some(description);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the schedule never got there: {last:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_is_created_triggered_paused_backfilled_listed_updated_and_deleted() {
    let client = client().await;
    let queue = unique("ticks");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Tick>());
    let id = unique("schedule");
    let action =
        ScheduleAction::start_workflow(Tick::run, "hourly".into(), WorkflowOptions::new(unique("tick"), &queue))
            .expect("action");
    // Hourly: nothing falls due while the test runs, every action below is one it asked for.
    let spec = ScheduleSpec {
        intervals: vec![ScheduleIntervalSpec::every(Duration::from_secs(3600))],
        ..ScheduleSpec::default()
    };
    let mut schedule = Schedule::new(action, spec);
    schedule.policy.overlap = ScheduleOverlapPolicy::AllowAll;
    let options = ScheduleOptions { trigger_immediately: true, ..ScheduleOptions::default() };
    let handle = client.create_schedule(&id, schedule.clone(), options.clone()).await.expect("create");
    let again = client.create_schedule(&id, schedule.clone(), options).await.expect_err("duplicate id");
    assert!(matches!(&again, ClientError::ScheduleAlreadyRunning { schedule_id } if *schedule_id == id), "{again}");

    // The immediate action started a workflow that the worker ran.
    let described = described_when(&handle, |d| d.num_actions >= 1 && !d.recent_actions.is_empty()).await;
    assert_eq!(described.schedule.action.workflow_type(), "Tick");
    assert_eq!(described.schedule.spec.intervals, vec![ScheduleIntervalSpec::every(Duration::from_secs(3600))]);
    assert_eq!(described.schedule.policy.overlap, ScheduleOverlapPolicy::AllowAll);
    assert!(!described.next_action_times.is_empty());
    let first = &described.recent_actions[0];
    let started = client.get_untyped_workflow_handle(&first.workflow_id, Some(first.run_id.clone()));
    assert_eq!(started.result_as::<String>().await.expect("scheduled workflow result"), "tick hourly");

    handle.trigger().await.expect("trigger");
    described_when(&handle, |d| d.num_actions >= 2).await;

    handle.pause(Some("paused by the test")).await.expect("pause");
    let paused = handle.describe().await.expect("describe");
    assert!(paused.schedule.state.paused);
    assert_eq!(paused.schedule.state.note.as_deref(), Some("paused by the test"));
    handle.unpause(None).await.expect("unpause");
    assert!(!handle.describe().await.expect("describe").schedule.state.paused);

    // The last 2.5 hours hold two or three hourly times: each is run now.
    let now = SystemTime::now();
    let backfill = ScheduleBackfill {
        start_at: now - Duration::from_secs(9000),
        end_at: now,
        overlap: ScheduleOverlapPolicy::AllowAll,
    };
    handle.backfill(vec![backfill]).await.expect("backfill");
    let described = described_when(&handle, |d| d.num_actions >= 4).await;
    assert!(described.num_actions <= 5, "{}", described.num_actions);

    // The workflows it started are found by the search attribute the server gives them.
    let query = format!("TemporalScheduledById = '{id}'");
    let mut started = 0;
    for _ in 0..100 {
        started = client.count_workflows(query.clone()).await.expect("count");
        if started >= described.num_actions {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(started, described.num_actions);

    let mut listed = None;
    for _ in 0..100 {
        let schedules: Vec<_> = client.list_schedules("").try_collect().await.expect("list");
        listed = schedules.into_iter().find(|s| s.id == id);
        if listed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed.expect("listed").workflow_type, "Tick");

    handle
        .update(|d| {
            let mut schedule = d.schedule.clone();
            schedule.spec.intervals = vec![ScheduleIntervalSpec::every(Duration::from_secs(7200))];
            schedule.state.note = Some("every two hours".into());
            Some(schedule)
        })
        .await
        .expect("update");
    let updated = handle.describe().await.expect("describe");
    assert_eq!(updated.schedule.spec.intervals, vec![ScheduleIntervalSpec::every(Duration::from_secs(7200))]);
    assert_eq!(updated.schedule.state.note.as_deref(), Some("every two hours"));
    handle.update(|_| None).await.expect("no change");

    handle.delete().await.expect("delete");
    let gone = handle.describe().await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone}");
    worker.stop().await;
}
