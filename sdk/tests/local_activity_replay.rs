//! Local activities against histories built event by event: markers resolve them after
//! workflow task heartbeats, one marker per activation in history order (so a race between
//! two resolves as it did live), and cancellations record their own markers.

use std::time::Duration;

use temporal_sdk::converter::encode;
use temporal_sdk::error::Failure;
use temporal_sdk::prelude::*;
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};
use temporal_sdk::testing::HistoryBuilder;
use temporal_sdk::workflow::{ActivityCancellationType, LocalActivityOptions};

#[activity]
async fn work(ms: u64) -> Result<String, ActivityError> {
    Ok(format!("worked {ms}"))
}

fn options() -> LocalActivityOptions {
    LocalActivityOptions::start_to_close(Duration::from_secs(30))
}

/// 0 awaits one local activity; 1 races two and drops the loser; 2 cancels one (try-cancel)
/// after a timer; 3 does the same with wait-cancellation-completed.
#[derive(Default)]
struct Locals;

#[workflow]
impl Locals {
    #[run]
    async fn run(&self, mode: u32) -> WorkflowResult<String> {
        match mode {
            0 => workflow::execute_local_activity(work, 4000, options()).await,
            1 => {
                let mut first = workflow::start_local_activity(work, 100, options());
                let mut second = workflow::start_local_activity(work, 10, options());
                Ok(workflow::select! {
                    r = first => format!("first: {}", r?),
                    r = second => format!("second: {}", r?),
                })
            }
            _ => {
                let kind = if mode == 2 {
                    ActivityCancellationType::TryCancel
                } else {
                    ActivityCancellationType::WaitCancellationCompleted
                };
                let handle = workflow::start_local_activity(work, 10_000, options().cancellation_type(kind));
                workflow::sleep(Duration::from_secs(1)).await?;
                handle.cancel();
                match handle.await {
                    Err(e) if e.is_cancelled() => Ok("cancelled".into()),
                    other => other,
                }
            }
        }
    }
}

fn locals(mode: u32) -> HistoryBuilder {
    HistoryBuilder::with_input("Locals", vec![encode(&mode).expect("mode")])
}

fn replay(history: &WorkflowHistory) -> Result<(), ReplayError> {
    Replayer::new().workflow::<Locals>().replay_workflow(history)
}

fn worked(ms: u64) -> temporal_sdk::protos::temporal::api::common::v1::Payload {
    encode(&format!("worked {ms}")).expect("result")
}

fn cancelled_without_waiting() -> Failure {
    Failure::cancelled("Activity cancelled")
}

#[test]
fn a_marker_after_workflow_task_heartbeats_resolves_the_local_activity() {
    let mut h = locals(0);
    // Two heartbeats: tasks completed with no commands while the activity ran.
    h.add_workflow_task();
    h.add_workflow_task();
    h.add_workflow_task();
    h.add_local_activity_marker(1, "work", 1, Ok(worked(4000)));
    h.add_workflow_completed(Some(worked(4000)));
    replay(&h.build()).expect("replays");
}

#[test]
fn a_missing_marker_is_nondeterminism() {
    let mut h = locals(0);
    h.add_workflow_task();
    h.add_workflow_completed(Some(worked(4000)));
    match replay(&h.build()) {
        Err(ReplayError::Nondeterminism(message)) => assert!(message.contains("no command"), "{message}"),
        other => panic!("expected non-determinism, got {other:?}"),
    }
}

#[test]
fn markers_resolve_one_per_activation_in_history_order() {
    // Live, the second finished first; the first, dropped by the select, was cancelled
    // (try-cancel: its marker recorded at once). Resolving both markers together would hand
    // the select two finished branches.
    let mut h = locals(1);
    h.add_workflow_task();
    h.add_local_activity_marker(2, "work", 1, Ok(worked(10)));
    h.add_local_activity_marker(1, "work", 0, Err(cancelled_without_waiting()));
    h.add_workflow_completed(Some(encode(&"second: worked 10").expect("result")));
    replay(&h.build()).expect("replays");

    // The other order means the first resolved first: its cancellation fails the workflow.
    let mut h = locals(1);
    h.add_workflow_task();
    h.add_local_activity_marker(1, "work", 0, Err(cancelled_without_waiting()));
    h.add_local_activity_marker(2, "work", 1, Ok(worked(10)));
    h.add_workflow_completed(Some(encode(&"second: worked 10").expect("result")));
    let err = replay(&h.build()).expect_err("resolved in history order");
    assert!(matches!(err, ReplayError::Nondeterminism(_)), "{err:?}");
}

#[test]
fn try_cancel_records_its_marker_when_cancelled() {
    let mut h = locals(2);
    h.add_workflow_task();
    let started = h.add_timer_started("1");
    h.add_workflow_task(); // a heartbeat that sent the timer
    h.add_timer_fired(started, "1");
    h.add_workflow_task();
    h.add_local_activity_marker(1, "work", 0, Err(cancelled_without_waiting()));
    h.add_workflow_completed(Some(encode(&"cancelled").expect("result")));
    replay(&h.build()).expect("replays");

    let mut h = locals(2);
    h.add_workflow_task();
    let started = h.add_timer_started("1");
    h.add_timer_fired(started, "1");
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&"cancelled").expect("result")));
    let err = replay(&h.build()).expect_err("the cancellation's marker is missing");
    assert!(matches!(err, ReplayError::Nondeterminism(_)), "{err:?}");
}

#[test]
fn wait_cancellation_completed_takes_the_marker_the_activity_left() {
    let mut h = locals(3);
    h.add_workflow_task();
    let started = h.add_timer_started("1");
    h.add_timer_fired(started, "1");
    h.add_workflow_task();
    // What the activity returned once cancelled (here it finished anyway).
    h.add_local_activity_marker(1, "work", 1, Ok(worked(10_000)));
    h.add_workflow_completed(Some(worked(10_000)));
    replay(&h.build()).expect("replays");
}
