//! Unit tests of the activity context functions, run in `ActivityEnvironment` (no server).

// Activity functions return `ActivityError`, whatever its size.
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use temporal_sdk::activity::CancelReason;
use temporal_sdk::converter;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::Payload;
use temporal_sdk::testing::ActivityEnvironment;
use temporal_sdk::worker::{ActivityJob, ThreadPoolExecutor};

#[activity]
async fn describe() -> Result<String, ActivityError> {
    let info = activity::info().ok_or("no info")?;
    Ok(format!("{}/{}/{}", info.activity_type, info.workflow_id, info.attempt))
}

#[activity]
fn describe_blocking() -> Result<(String, Option<String>), ActivityError> {
    let info = activity::info().ok_or("no info")?;
    Ok((info.activity_id, std::thread::current().name().map(str::to_string)))
}

#[activity]
async fn beat(n: u32) -> Result<u32, ActivityError> {
    for i in 1..=n {
        activity::heartbeat(&i);
    }
    Ok(n)
}

#[activity]
fn beat_blocking(n: u32) -> Result<u32, ActivityError> {
    for i in 1..=n {
        activity::heartbeat(&(i, "blocking"));
    }
    Ok(n)
}

#[activity]
async fn until_cancelled() -> Result<bool, ActivityError> {
    let before = activity::is_cancelled();
    activity::cancelled().await;
    if !activity::is_cancelled() || before {
        return Err(ActivityError::non_retryable("is_cancelled is wrong"));
    }
    Err(ActivityError::cancelled_with_details(&"cleaned up"))
}

#[activity]
fn checked_loop() -> Result<u32, ActivityError> {
    let mut rounds = 0;
    loop {
        activity::heartbeat_checked(&rounds)?;
        rounds += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[activity]
fn wait_sync(millis: u64) -> Result<bool, ActivityError> {
    Ok(activity::wait_for_cancelled_sync(Duration::from_millis(millis)))
}

#[activity]
fn shielded() -> Result<Vec<String>, ActivityError> {
    let mut steps = Vec::new();
    let inner: Result<(), ActivityError> = activity::shield_cancellation(|| {
        activity::heartbeat_checked(&"step 1")?;
        steps.push("step 1".to_string());
        // Cancelled here: the shield keeps the section going.
        while !activity::is_cancelled() {
            std::thread::sleep(Duration::from_millis(1));
        }
        activity::heartbeat_checked(&"step 2")?;
        steps.push("step 2".to_string());
        Ok(())
    });
    inner?;
    let after = activity::heartbeat_checked(&"step 3");
    steps.push(format!("after the shield: {}", if after.is_err() { "cancelled" } else { "running" }));
    Ok(steps)
}

#[activity]
async fn until_shutdown() -> Result<(bool, bool), ActivityError> {
    let before = activity::is_worker_shutdown();
    activity::worker_shutdown().await;
    Ok((before, activity::is_worker_shutdown()))
}

#[activity]
fn until_shutdown_sync() -> Result<(bool, bool), ActivityError> {
    let early = activity::wait_for_worker_shutdown_sync(Duration::from_millis(10));
    let later = activity::wait_for_worker_shutdown_sync(Duration::from_secs(5));
    Ok((early, later))
}

#[activity]
async fn completes_later() -> Result<String, ActivityError> {
    Err(ActivityError::will_complete_async())
}

#[activity]
async fn panics() -> Result<(), ActivityError> {
    panic!("boom in the environment")
}

#[activity]
fn panics_blocking() -> Result<(), ActivityError> {
    panic!("boom on the pool")
}

fn decode_u32(details: &[Payload]) -> u32 {
    converter::decode_args(details).unwrap_or(u32::MAX)
}

#[tokio::test]
async fn info_is_what_the_environment_says() {
    let mut env = ActivityEnvironment::new();
    env.info.activity_type = "describe".into();
    env.info.workflow_id = "wf-7".into();
    env.info.attempt = 3;
    assert_eq!(env.run(describe, ()).await.expect("runs"), "describe/wf-7/3");
    assert!(!activity::in_activity());
    assert!(activity::info().is_none());
}

#[tokio::test]
async fn blocking_activities_see_the_context_on_the_chosen_executor() {
    let env = ActivityEnvironment::new();
    let (id, thread) = env.run(describe_blocking, ()).await.expect("runs");
    assert_eq!(id, "test");
    assert_eq!(thread.as_deref(), Some("temporal-activity"));

    let env = ActivityEnvironment::new().activity_executor(ThreadPoolExecutor::with_name(1, "my-pool"));
    let (_, thread) = env.run(describe_blocking, ()).await.expect("runs");
    assert_eq!(thread.as_deref(), Some("my-pool"));

    let used = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&used);
    let env = ActivityEnvironment::new().activity_executor(move |job: ActivityJob| {
        counter.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(job);
    });
    env.run(describe_blocking, ()).await.expect("runs");
    assert_eq!(used.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_executor_that_drops_the_job_fails_the_attempt_retryably() {
    let env = ActivityEnvironment::new().activity_executor(|_job: ActivityJob| {});
    let err = env.run(describe_blocking, ()).await.expect_err("job dropped");
    let ActivityError::Failure(f) = err else { panic!("{err:?}") };
    assert!(f.message.contains("dropped"), "{f}");
    assert!(matches!(f.kind, temporal_sdk::error::FailureKind::Application { non_retryable: false, .. }));
}

#[tokio::test]
async fn every_heartbeat_reaches_on_heartbeat() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let env = ActivityEnvironment::new().on_heartbeat(move |d| sink.lock().expect("lock").push(decode_u32(d)));
    assert_eq!(env.run(beat, 4).await.expect("runs"), 4);
    assert_eq!(*seen.lock().expect("lock"), vec![1, 2, 3, 4]);

    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let env = ActivityEnvironment::new().on_heartbeat(move |d| {
        sink.lock().expect("lock").push(converter::decode_args::<(u32, String)>(d).expect("tuple"))
    });
    env.run(beat_blocking, 2).await.expect("runs");
    assert_eq!(*seen.lock().expect("lock"), vec![(1, "blocking".into()), (2, "blocking".into())]);
}

#[tokio::test]
async fn cancel_resolves_cancelled_and_sets_is_cancelled() {
    let env = ActivityEnvironment::new();
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        env.cancel();
    };
    let (result, ()) = tokio::join!(env.run(until_cancelled, ()), cancel);
    match result {
        Err(ActivityError::Cancelled { details }) => {
            assert_eq!(converter::decode_args::<String>(&details).ok().as_deref(), Some("cleaned up"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(env.run_sync(activity::cancellation_reason), Some(CancelReason::Requested));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_checked_raises_the_cancellation_in_blocking_code() {
    let env = ActivityEnvironment::new();
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        env.cancel();
    };
    let (result, ()) = tokio::join!(env.run(checked_loop, ()), cancel);
    assert!(matches!(result, Err(ActivityError::Cancelled { .. })), "{result:?}");
    assert!(env.run_sync(activity::is_cancelled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_cancelled_sync_times_out_or_returns_on_cancel() {
    let env = ActivityEnvironment::new();
    let started = Instant::now();
    assert!(!env.run(wait_sync, 30).await.expect("runs"));
    assert!(started.elapsed() >= Duration::from_millis(30));

    let cancel = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        env.cancel();
    };
    let started = Instant::now();
    let (result, ()) = tokio::join!(env.run(wait_sync, 10_000), cancel);
    assert!(result.expect("runs"));
    assert!(started.elapsed() < Duration::from_secs(5));
    // Outside an activity there is nothing to wait for.
    assert!(!activity::wait_for_cancelled_sync(Duration::from_secs(10)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shielded_section_runs_to_its_end_and_the_next_check_raises() {
    let env = ActivityEnvironment::new();
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        env.cancel();
    };
    let (result, ()) = tokio::join!(env.run(shielded, ()), cancel);
    assert_eq!(result.expect("runs"), ["step 1", "step 2", "after the shield: cancelled"]);
    // A panic inside the shield does not leave the context shielded.
    let outcome = env.run_sync(|| {
        let _ = std::panic::catch_unwind(|| activity::shield_cancellation(|| panic!("inside the shield")));
        activity::heartbeat_checked(&())
    });
    assert!(outcome.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_shutdown_is_seen_by_async_and_blocking_code() {
    let env = ActivityEnvironment::new();
    let shutdown = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        env.worker_shutdown();
    };
    let (async_result, blocking_result, ()) =
        tokio::join!(env.run(until_shutdown, ()), env.run(until_shutdown_sync, ()), shutdown);
    assert_eq!(async_result.expect("runs"), (false, true));
    assert_eq!(blocking_result.expect("runs"), (false, true));
    assert!(!env.run_sync(activity::is_cancelled), "a shutdown alone does not cancel");
}

#[tokio::test]
async fn will_complete_async_and_panics_come_back_as_errors() {
    let env = ActivityEnvironment::new();
    assert!(matches!(env.run(completes_later, ()).await, Err(ActivityError::WillCompleteAsync)));
    for result in [env.run(panics, ()).await, env.run(panics_blocking, ()).await] {
        let Err(ActivityError::Failure(f)) = result else { panic!("{result:?}") };
        assert_eq!(f.application_type(), Some("Panic"));
        assert!(f.message.contains("boom"), "{f}");
    }
}

#[tokio::test]
async fn run_async_and_run_sync_give_plain_code_the_context() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let env = ActivityEnvironment::new().on_heartbeat(move |d| sink.lock().expect("lock").push(decode_u32(d)));
    env.run_async(async { activity::heartbeat(&10u32) }).await;
    env.run_sync(|| activity::heartbeat(&11u32));
    assert_eq!(*seen.lock().expect("lock"), vec![10, 11]);
    // Contexts nest and are restored.
    let outer = ActivityEnvironment::new();
    let mut inner = ActivityEnvironment::new();
    inner.info.activity_id = "inner".into();
    let ids = outer.run_sync(|| {
        let a = activity::info().map(|i| i.activity_id);
        let b = inner.run_sync(|| activity::info().map(|i| i.activity_id));
        let c = activity::info().map(|i| i.activity_id);
        (a, b, c)
    });
    assert_eq!(ids, (Some("test".into()), Some("inner".into()), Some("test".into())));
}
