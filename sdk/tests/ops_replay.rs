//! The engine's operations, one at a time, against histories built event by event: each is
//! scheduled (its command matches its event), resolved by history, cancelled in each state
//! (before its command left the worker, while pending, after it finished) and mismatched.
//! A history that replays proves the code issued exactly its commands, so these tests need no
//! server.

use std::cell::Cell;
use std::time::Duration;

use temporal_sdk::converter::encode;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::WorkflowExecution;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::protos::temporal::api::history::v1::{
    ExternalWorkflowExecutionSignaledEventAttributes, SignalExternalWorkflowExecutionInitiatedEventAttributes,
};
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};
use temporal_sdk::testing::HistoryBuilder;
use temporal_sdk::workflow::{ActivityCancellationType, ChildWorkflowOptions};

fn replay<W: temporal_sdk::workflow::Workflow>(history: &WorkflowHistory) -> Result<(), ReplayError> {
    Replayer::new().workflow::<W>().replay_workflow(history)
}

fn nondeterminism(result: Result<(), ReplayError>) -> String {
    match result {
        Err(ReplayError::Nondeterminism(message)) => message,
        other => panic!("expected a non-determinism error, got {other:?}"),
    }
}

fn unit() -> temporal_sdk::protos::temporal::api::common::v1::Payload {
    encode(&()).expect("unit")
}

// ---- Timers. ----

/// Runs `mode`: 0 sleeps; 1 starts a timer and drops it at once; 2 races a long timer against
/// a short one (the long one is cancelled); 3 races two timers that fire together.
#[derive(Default)]
struct Timers;

#[workflow]
impl Timers {
    #[run]
    async fn run(&self, mode: u32) -> WorkflowResult<u32> {
        match mode {
            0 => workflow::sleep(Duration::from_secs(1)).await?,
            1 => drop(workflow::sleep(Duration::from_secs(1))),
            _ => {
                let mut long = workflow::sleep(Duration::from_secs(if mode == 2 { 60 } else { 1 }));
                let mut short = workflow::sleep(Duration::from_secs(1));
                return Ok(workflow::select! {
                    done = long => { done?; 1 },
                    done = short => { done?; 2 },
                });
            }
        }
        Ok(0)
    }
}

fn timers(mode: u32) -> HistoryBuilder {
    HistoryBuilder::with_input("Timers", vec![encode(&mode).expect("mode")])
}

#[test]
fn a_timer_is_started_and_fired() {
    let mut h = timers(0);
    h.add_workflow_task();
    let started = h.add_timer_started("1");
    h.add_timer_fired(started, "1");
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&0).expect("result")));
    replay::<Timers>(&h.build()).expect("replays");
}

#[test]
fn a_timer_dropped_before_its_command_left_is_forgotten() {
    let mut h = timers(1);
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&0).expect("result")));
    replay::<Timers>(&h.build()).expect("no StartTimer, no CancelTimer");
}

#[test]
fn a_pending_timer_that_loses_a_select_is_cancelled() {
    let mut h = timers(2);
    h.add_workflow_task();
    let long = h.add_timer_started("1");
    let short = h.add_timer_started("2");
    h.add_timer_fired(short, "2");
    h.add_workflow_task();
    h.add_timer_cancelled(long, "1");
    h.add_workflow_completed(Some(encode(&2).expect("result")));
    replay::<Timers>(&h.build()).expect("CancelTimer for the loser");
}

#[test]
fn a_fired_timer_that_loses_a_select_is_not_cancelled() {
    let mut h = timers(3);
    h.add_workflow_task();
    let first = h.add_timer_started("1");
    let second = h.add_timer_started("2");
    h.add_timer_fired(first, "1");
    h.add_timer_fired(second, "2");
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&1).expect("result")));
    replay::<Timers>(&h.build()).expect("the first listed wins; the fired loser needs no command");
}

#[test]
fn a_missing_timer_is_nondeterminism() {
    let mut h = timers(0);
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&0).expect("result")));
    let message = nondeterminism(replay::<Timers>(&h.build()));
    assert!(message.contains("StartTimer(timer_id=\"1\")"), "{message}");
}

// ---- Activities. ----

#[activity]
async fn greet(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

/// 0 awaits the activity; 1 drops it at once; 2 cancels it once scheduled (a timer later);
/// 3 cancels it after it finished unawaited.
#[derive(Default)]
struct Activities;

#[workflow]
impl Activities {
    #[run]
    async fn run(&self, mode: u32) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .cancellation_type(ActivityCancellationType::TryCancel);
        let activity = workflow::execute_activity(greet, "Temporal".to_string(), options);
        match mode {
            0 => activity.await,
            1 => {
                drop(activity);
                Ok("dropped".into())
            }
            _ => {
                workflow::sleep(Duration::from_secs(1)).await?;
                activity.cancel();
                match activity.await {
                    Ok(greeting) => Ok(greeting),
                    Err(e) if e.is_cancelled() => Ok("cancelled".into()),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

fn activities(mode: u32) -> HistoryBuilder {
    HistoryBuilder::with_input("Activities", vec![encode(&mode).expect("mode")])
}

#[test]
fn an_activity_is_scheduled_and_completed() {
    let mut h = activities(0);
    h.add_workflow_task();
    let scheduled = h.add_activity_scheduled("1", "greet");
    let started = h.add_activity_started(scheduled);
    h.add_activity_completed(scheduled, started, encode(&"Hello, Temporal!").expect("result"));
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&"Hello, Temporal!").expect("result")));
    replay::<Activities>(&h.build()).expect("replays");
}

#[test]
fn an_activity_dropped_before_its_command_left_is_forgotten() {
    let mut h = activities(1);
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&"dropped").expect("result")));
    replay::<Activities>(&h.build()).expect("no ScheduleActivityTask");
}

#[test]
fn a_scheduled_activity_is_cancelled_with_a_request() {
    let mut h = activities(2);
    h.add_workflow_task();
    let scheduled = h.add_activity_scheduled("1", "greet");
    let timer = h.add_timer_started("1");
    h.add_timer_fired(timer, "1");
    h.add_workflow_task();
    h.add_activity_cancel_requested(scheduled);
    h.add_workflow_completed(Some(encode(&"cancelled").expect("result")));
    replay::<Activities>(&h.build()).expect("RequestCancelActivityTask, then TryCancel resolves at once");
}

#[test]
fn a_finished_activity_is_not_cancelled() {
    let mut h = activities(3);
    h.add_workflow_task();
    let scheduled = h.add_activity_scheduled("1", "greet");
    let started = h.add_activity_started(scheduled);
    h.add_activity_completed(scheduled, started, encode(&"Hello, Temporal!").expect("result"));
    let timer = h.add_timer_started("1");
    h.add_timer_fired(timer, "1");
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&"Hello, Temporal!").expect("result")));
    replay::<Activities>(&h.build()).expect("cancelling a finished activity issues nothing");
}

#[test]
fn a_different_activity_type_is_nondeterminism() {
    let mut h = activities(0);
    h.add_workflow_task();
    h.add_activity_scheduled("1", "greet_loudly");
    let message = nondeterminism(replay::<Activities>(&h.build()));
    assert!(message.contains("activity_type=\"greet\"") && message.contains("greet_loudly"), "{message}");
}

// ---- Children, external signals, conditions and cancellation of the workflow. ----

#[derive(Default)]
struct Kid;

#[workflow]
impl Kid {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Family {
    go: Cell<bool>,
}

#[workflow]
impl Family {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        workflow::execute_child_workflow(Kid::run, (), ChildWorkflowOptions::new("kid-1")).await?;
        workflow::get_external_workflow_handle::<Kid>("kid-1", None).signal_by_name("wave", &()).await?;
        workflow::wait_condition(|| self.go.get()).await?;
        workflow::sleep(Duration::from_secs(60)).await
    }

    #[signal]
    fn go(&self) {
        self.go.set(true);
    }
}

/// `Family` up to its final timer: child, signal to it, then the `go` signal.
fn family() -> (HistoryBuilder, i64) {
    let mut h = HistoryBuilder::new("Family");
    h.add_workflow_task();
    let initiated = h.add_child_initiated("kid-1", "Kid");
    let started = h.add_child_started(initiated, "kid-1", "kid-run");
    h.add_child_completed(initiated, started, unit());
    h.add_workflow_task();
    let signal = h.add(Attributes::SignalExternalWorkflowExecutionInitiatedEventAttributes(
        SignalExternalWorkflowExecutionInitiatedEventAttributes {
            signal_name: "wave".into(),
            workflow_execution: Some(WorkflowExecution { workflow_id: "kid-1".into(), run_id: String::new() }),
            ..Default::default()
        },
    ));
    h.add(Attributes::ExternalWorkflowExecutionSignaledEventAttributes(
        ExternalWorkflowExecutionSignaledEventAttributes { initiated_event_id: signal, ..Default::default() },
    ));
    h.add_workflow_task();
    h.add_signal("go", Vec::new());
    h.add_workflow_task();
    let timer = h.add_timer_started("1");
    (h, timer)
}

#[test]
fn a_child_a_signal_and_a_condition_resolve_from_history() {
    let (mut h, timer) = family();
    h.add_timer_fired(timer, "1");
    h.add_workflow_task();
    h.add_workflow_completed(Some(unit()));
    replay::<Family>(&h.build()).expect("replays");
}

#[test]
fn cancelling_the_workflow_cancels_what_it_waits_on_once() {
    let (mut h, timer) = family();
    h.add_cancel_requested();
    h.add_workflow_task();
    h.add_timer_cancelled(timer, "1");
    h.add_workflow_cancelled();
    replay::<Family>(&h.build()).expect("CancelTimer, then the workflow ends cancelled");
}

#[test]
fn a_different_child_type_is_nondeterminism() {
    let mut h = HistoryBuilder::new("Family");
    h.add_workflow_task();
    h.add_child_initiated("kid-1", "Stranger");
    let message = nondeterminism(replay::<Family>(&h.build()));
    assert!(message.contains("workflow_type=\"Kid\"") && message.contains("Stranger"), "{message}");
}

// ---- Patches. ----

#[derive(Default)]
struct Patched;

#[workflow]
impl Patched {
    #[run]
    async fn run(&self) -> WorkflowResult<bool> {
        let new = workflow::patched("v2");
        if !new {
            workflow::sleep(Duration::from_secs(1)).await?;
        }
        Ok(new)
    }
}

#[test]
fn a_history_without_the_patch_marker_takes_the_old_path() {
    let mut h = HistoryBuilder::new("Patched");
    h.add_workflow_task();
    let timer = h.add_timer_started("1");
    h.add_timer_fired(timer, "1");
    h.add_workflow_task();
    h.add_workflow_completed(Some(encode(&false).expect("result")));
    replay::<Patched>(&h.build()).expect("old path");
}

// ---- spawn and timeout. ----

/// Two spawned tasks sleep different times; a timeout around a long activity expires.
#[derive(Default)]
struct Concurrent;

#[workflow]
impl Concurrent {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let slow = workflow::spawn(async {
            workflow::sleep(Duration::from_secs(20)).await?;
            Ok::<_, WorkflowError>("slow")
        });
        let fast = workflow::spawn(async {
            workflow::sleep(Duration::from_secs(10)).await?;
            Ok::<_, WorkflowError>("fast")
        });
        let first = fast.await??;
        let second = slow.await??;
        let greeting = workflow::execute_activity(
            greet,
            "late".to_string(),
            ActivityOptions::start_to_close(Duration::from_secs(600)),
        );
        let late = match workflow::timeout(Duration::from_secs(5), greeting).await {
            Ok(greeting) => greeting?,
            Err(e) => e.failure().and_then(|f| f.application_type()).unwrap_or_default().to_string(),
        };
        Ok(format!("{first} {second} {late}"))
    }
}

#[test]
fn spawned_tasks_and_timeouts_replay_in_creation_order() {
    let mut h = HistoryBuilder::new("Concurrent");
    h.add_workflow_task();
    let slow = h.add_timer_started("1");
    let fast = h.add_timer_started("2");
    h.add_timer_fired(fast, "2");
    h.add_workflow_task();
    h.add_timer_fired(slow, "1");
    h.add_workflow_task();
    let scheduled = h.add_activity_scheduled("1", "greet");
    let deadline = h.add_timer_started("3");
    h.add_timer_fired(deadline, "3");
    h.add_workflow_task();
    h.add_activity_cancel_requested(scheduled);
    h.add_workflow_completed(Some(encode(&"fast slow TimeoutError").expect("result")));
    replay::<Concurrent>(&h.build()).expect("replays");

    // Swapping the spawned tasks' timers is a change the replay sees.
    let mut h = HistoryBuilder::new("Concurrent");
    h.add_workflow_task();
    h.add_timer_started("2");
    let message = nondeterminism(replay::<Concurrent>(&h.build()));
    assert!(message.contains("StartTimer(timer_id=\"1\")"), "{message}");
}
