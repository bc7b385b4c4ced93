//! Replaying recorded histories: real executions exported with
//! `temporal workflow show --output json` replay cleanly against the code that produced them,
//! changed code is reported as non-determinism naming what differed, malformed JSON is an
//! error with its position, and every execution a visibility query lists can be replayed
//! through the client.

use std::convert::Infallible;
use std::time::Duration;

use integration_tests::workflows::{
    CancellableActivity, Chain, Child, CleansUp, Dice, GivesUp, GreetingWorkflow, Parent, Patient, SayHello,
    SignalWorkflow, Troubled, WaitADayWorkflow, Waits, double, fails_twice, never_in_time, refuse_charge, say_hello,
    wait_for_cancel,
};
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::HistoryJsonError;
use temporal_sdk::protos::temporal::api::enums::v1::EventType;
use temporal_sdk::protos::temporal::api::history::v1::History;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};
use temporal_sdk::testing::WorkflowEnvironment;
use temporal_sdk::workflow::{
    ActivityCancellationType, ChildWorkflowCancellationType, ChildWorkflowOptions, SearchAttributeValue,
};

/// Every history under `tests/histories/`, recorded from real executions of the workflows in
/// `tests/workflows.rs` (see `record_on_the_dev_server` here and `record_histories` in
/// `tests/workflow_api.rs` for how). `Parent` derives its child's id from its own, so its
/// executions ran with their file name as workflow id, which `recorded` gives the replay.
const RECORDED: &[&str] = &[
    "say_hello",
    "greeting_workflow",
    "patient",
    "wait_a_day",
    "signal_workflow_signal",
    "signal_workflow_timeout",
    "troubled",
    "gives_up",
    "cancel_activity_try",
    "cancel_activity_wait",
    "cancel_activity_abandon",
    "cancel_timer_cleanup",
    "child_success",
    "child_failure",
    "child_signal",
    "child_external_signal",
    "child_cancel",
    "child_cancel_child",
    "continue_as_new_run1",
    "continue_as_new_run2",
    "continue_as_new_run3",
    "wait_condition_timeout",
    "random_search_attributes_memo",
];

fn recorded_json(name: &str) -> String {
    let path = format!("{}/histories/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn recorded(name: &str) -> WorkflowHistory {
    WorkflowHistory::from_json(name, &recorded_json(name)).unwrap_or_else(|e| panic!("{name}.json: {e}"))
}

/// A replayer with every workflow that produced a recorded history.
fn replayer() -> Replayer {
    Replayer::new()
        .workflow::<SayHello>()
        .workflow::<GreetingWorkflow>()
        .workflow::<Patient>()
        .workflow::<WaitADayWorkflow>()
        .workflow::<SignalWorkflow>()
        .workflow::<Troubled>()
        .workflow::<GivesUp>()
        .workflow::<CancellableActivity>()
        .workflow::<CleansUp>()
        .workflow::<Parent>()
        .workflow::<Child>()
        .workflow::<Chain>()
        .workflow::<Waits>()
        .workflow::<Dice>()
}

#[activity]
async fn say_goodbye(name: String) -> Result<String, ActivityError> {
    Ok(format!("Goodbye, {name}!"))
}

/// `SayHello` after someone changed which activity it calls.
#[derive(Default)]
struct SayHelloCallsAnotherActivity;

#[workflow(name = "SayHello")]
impl SayHelloCallsAnotherActivity {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(say_goodbye, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

/// `SayHello` after someone added a timer before the activity.
#[derive(Default)]
struct SayHelloSleepsFirst;

#[workflow(name = "SayHello")]
impl SayHelloSleepsFirst {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::sleep(Duration::from_secs(1)).await?;
        workflow::execute_activity(say_hello, name, ActivityOptions::schedule_to_close(Duration::from_secs(5))).await
    }
}

/// `SayHello` after someone removed the activity altogether.
#[derive(Default)]
struct SayHelloDoesNothing;

#[workflow(name = "SayHello")]
impl SayHelloDoesNothing {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(name)
    }
}

#[test]
fn recorded_histories_replay_cleanly() {
    let replayer = replayer();
    for name in RECORDED {
        replayer.replay_workflow(&recorded(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// The recorded histories between them hold the event types the workflow API produces, so
/// that a change to how any of them is replayed is caught.
#[test]
fn recorded_histories_cover_timers_signals_and_activity_failures() {
    let events: Vec<_> = RECORDED.iter().flat_map(|name| recorded(name).history.events).collect();
    for wanted in [
        EventType::TimerStarted,
        EventType::TimerFired,
        EventType::TimerCanceled,
        EventType::WorkflowExecutionSignaled,
        EventType::ActivityTaskCompleted,
        EventType::ActivityTaskFailed,
        EventType::ActivityTaskTimedOut,
        EventType::WorkflowExecutionCompleted,
        EventType::WorkflowExecutionFailed,
    ] {
        assert!(events.iter().any(|e| e.event_type() == wanted), "no recorded history has {wanted:?}");
    }
    let retried = events.iter().any(|e| {
        matches!(&e.attributes, Some(Attributes::ActivityTaskStartedEventAttributes(a))
            if a.attempt == 3 && a.last_failure.is_some())
    });
    assert!(retried, "no recorded history has an activity that succeeded on a retry");
}

/// Legacy spellings, as `tctl` and older Web UI exports write them: PascalCase enum names
/// without their prefix, and `int64`s as JSON numbers.
fn to_legacy_spelling(value: &mut serde_json::Value) {
    const PREFIXES: &[&str] = &[
        "EVENT_TYPE_",
        "TASK_QUEUE_KIND_",
        "RETRY_STATE_",
        "TIMEOUT_TYPE_",
        "CONTINUE_AS_NEW_INITIATOR_",
        "WORKFLOW_TASK_FAILED_CAUSE_",
        "PARENT_CLOSE_POLICY_",
        "WORKFLOW_ID_REUSE_POLICY_",
    ];
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if let serde_json::Value::String(text) = child {
                    if let Some(rest) = PREFIXES.iter().find_map(|p| text.strip_prefix(p)) {
                        let pascal: String = rest
                            .split('_')
                            .map(|word| {
                                let lower = word.to_ascii_lowercase();
                                let mut chars = lower.chars();
                                chars
                                    .next()
                                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                                    .unwrap_or_default()
                            })
                            .collect();
                        *text = pascal;
                    } else if matches!(key.as_str(), "eventId" | "scheduledEventId" | "startedEventId")
                        && let Ok(n) = text.parse::<i64>()
                    {
                        *child = serde_json::Value::from(n);
                    }
                } else {
                    to_legacy_spelling(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(to_legacy_spelling),
        _ => {}
    }
}

#[test]
fn legacy_and_alternative_json_shapes_read_the_same_and_replay() {
    let replayer = replayer();
    for name in RECORDED {
        let json = recorded_json(name);
        let canonical = recorded(name);

        let mut legacy: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        to_legacy_spelling(&mut legacy);
        let legacy_text = legacy.to_string();
        assert!(legacy_text.contains("\"eventType\":\"WorkflowExecutionStarted\""), "{name}: not converted");
        let from_legacy = WorkflowHistory::from_json(*name, &legacy_text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_legacy.history, canonical.history, "{name}: legacy spelling reads differently");
        replayer.replay_workflow(&from_legacy).unwrap_or_else(|e| panic!("{name} (legacy): {e}"));

        // A history split in pieces, as a JSON array (the features repository's format).
        let events = legacy["events"].as_array().cloned().unwrap_or_default();
        let (first, rest) = events.split_at(events.len() / 2);
        let pieces = serde_json::json!([{ "events": first }, { "events": rest }]).to_string();
        let from_pieces = WorkflowHistory::from_json(*name, &pieces).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_pieces.history, canonical.history, "{name}: pieces read differently");

        // A whole GetWorkflowExecutionHistory response, as API dumps hold it.
        let response = serde_json::json!({ "history": { "events": events } }).to_string();
        let from_response = WorkflowHistory::from_json(*name, &response).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_response.history, canonical.history, "{name}: response shape reads differently");

        // And what this SDK writes reads back the same.
        let rewritten = canonical.to_json().expect("to json");
        let reread = WorkflowHistory::from_json(*name, &rewritten).expect("from json");
        assert_eq!(reread.history, canonical.history, "{name}: to_json does not round-trip");
        assert_eq!(reread.run_id(), canonical.run_id());
        assert!(canonical.run_id().is_some_and(|r| !r.is_empty()), "{name}: no run id");
    }
}

#[test]
fn a_different_activity_is_nondeterminism_naming_both() {
    let err =
        Replayer::new().workflow::<SayHelloCallsAnotherActivity>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let ReplayError::Nondeterminism(message) = &err else { panic!("unexpected: {err}") };
    assert!(message.contains("ScheduleActivityTask(activity_type=\"say_goodbye\""), "{message}");
    assert!(message.contains("event 5 ActivityTaskScheduled(activity_type=\"say_hello\""), "{message}");
}

#[test]
fn an_added_timer_is_nondeterminism() {
    let err = Replayer::new().workflow::<SayHelloSleepsFirst>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("StartTimer(timer_id=\"1\")") && message.contains("ActivityTaskScheduled"), "{message}");
}

#[test]
fn a_removed_activity_is_nondeterminism() {
    let err = Replayer::new().workflow::<SayHelloDoesNothing>().replay_workflow(&recorded("say_hello")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("CompleteWorkflowExecution") && message.contains("event 5 ActivityTaskScheduled"),
        "{message}"
    );
}

/// `Troubled` after someone dropped its first, retried activity.
#[derive(Default)]
struct TroubledSkipsTheRetries;

#[workflow(name = "Troubled")]
impl TroubledSkipsTheRetries {
    #[run]
    async fn run(&self, amount: u64) -> WorkflowResult<String> {
        workflow::execute_activity(refuse_charge, amount, ActivityOptions::start_to_close(Duration::from_secs(5))).await
    }
}

#[test]
fn a_dropped_retried_activity_is_nondeterminism_naming_both() {
    let err = Replayer::new().workflow::<TroubledSkipsTheRetries>().replay_workflow(&recorded("troubled")).unwrap_err();
    let ReplayError::Nondeterminism(message) = &err else { panic!("unexpected: {err}") };
    assert!(message.contains("ScheduleActivityTask(activity_type=\"refuse_charge\""), "{message}");
    assert!(message.contains("event 5 ActivityTaskScheduled(activity_type=\"fails_twice\""), "{message}");
}

/// `SignalWorkflow` after someone replaced its timeout by waiting for the signal only.
#[derive(Default)]
struct SignalWorkflowWithoutTimeout {
    signal_received: std::cell::Cell<bool>,
}

#[workflow(name = "SignalWorkflow")]
impl SignalWorkflowWithoutTimeout {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        workflow::wait_condition(|| self.signal_received.get()).await?;
        Ok("got signal".into())
    }

    #[signal]
    fn some_signal(&self) {
        self.signal_received.set(true);
    }
}

#[test]
fn a_removed_timer_is_nondeterminism_naming_the_timer_event() {
    for name in ["signal_workflow_signal", "signal_workflow_timeout"] {
        let err =
            Replayer::new().workflow::<SignalWorkflowWithoutTimeout>().replay_workflow(&recorded(name)).unwrap_err();
        let ReplayError::Nondeterminism(message) = &err else { panic!("{name}: unexpected: {err}") };
        assert!(message.contains("TimerStarted"), "{name}: {message}");
    }
}

fn event_position(history: &WorkflowHistory, wanted: EventType) -> Option<usize> {
    history.history.events.iter().position(|e| e.event_type() == wanted)
}

/// The histories recorded from `tests/workflow_api.rs` between them hold every command the
/// workflow API issues besides timers and activities, with the events that resolve each.
#[test]
fn recorded_histories_cover_cancellation_children_external_workflows_and_properties() {
    let events: Vec<_> = RECORDED.iter().flat_map(|name| recorded(name).history.events).collect();
    for wanted in [
        EventType::WorkflowExecutionCancelRequested,
        EventType::WorkflowExecutionCanceled,
        EventType::ActivityTaskCancelRequested,
        EventType::ActivityTaskCanceled,
        EventType::StartChildWorkflowExecutionInitiated,
        EventType::ChildWorkflowExecutionStarted,
        EventType::ChildWorkflowExecutionCompleted,
        EventType::ChildWorkflowExecutionFailed,
        EventType::ChildWorkflowExecutionCanceled,
        EventType::SignalExternalWorkflowExecutionInitiated,
        EventType::ExternalWorkflowExecutionSignaled,
        EventType::RequestCancelExternalWorkflowExecutionInitiated,
        EventType::ExternalWorkflowExecutionCancelRequested,
        EventType::WorkflowExecutionContinuedAsNew,
        EventType::UpsertWorkflowSearchAttributes,
        EventType::WorkflowPropertiesModified,
    ] {
        assert!(events.iter().any(|e| e.event_type() == wanted), "no recorded history has {wanted:?}");
    }
}

/// Each activity cancellation history shows what its cancellation type promises, so that a
/// careless re-recording cannot silently drop a case.
#[test]
fn activity_cancellation_histories_differ_by_cancellation_type() {
    let (try_cancel, wait, abandon) =
        (recorded("cancel_activity_try"), recorded("cancel_activity_wait"), recorded("cancel_activity_abandon"));
    for history in [&try_cancel, &wait, &abandon] {
        let requested = event_position(history, EventType::WorkflowExecutionCancelRequested).expect("cancel request");
        let closed = event_position(history, EventType::WorkflowExecutionCanceled).expect("cancelled");
        assert!(event_position(history, EventType::ActivityTaskScheduled) < Some(requested));
        assert_eq!(closed, history.history.events.len() - 1);
    }
    // Try-cancel asks the server and closes without waiting for the activity.
    assert!(event_position(&try_cancel, EventType::ActivityTaskCancelRequested).is_some());
    assert!(event_position(&try_cancel, EventType::ActivityTaskCanceled).is_none());
    // Wait-cancellation-completed closes only after the activity acknowledged.
    let acknowledged = event_position(&wait, EventType::ActivityTaskCanceled).expect("acknowledged");
    assert!(Some(acknowledged) < event_position(&wait, EventType::WorkflowExecutionCanceled));
    // Abandon does not even ask.
    assert!(event_position(&abandon, EventType::ActivityTaskCancelRequested).is_none());
}

/// The three runs of one continue-as-new chain each replay on their own, and they are one
/// chain: each run names the next, and the next names it.
#[test]
fn continue_as_new_runs_replay_each_and_form_one_chain() {
    let runs: Vec<_> = (1..=3).map(|i| recorded(&format!("continue_as_new_run{i}"))).collect();
    let replayer = Replayer::new().workflow::<Chain>();
    for (i, run) in runs.iter().enumerate() {
        replayer.replay_workflow(run).unwrap_or_else(|e| panic!("run {}: {e}", i + 1));
    }
    for pair in runs.windows(2) {
        let next = match pair[0].history.events.last().and_then(|e| e.attributes.as_ref()) {
            Some(Attributes::WorkflowExecutionContinuedAsNewEventAttributes(a)) => a.new_execution_run_id.as_str(),
            other => panic!("a run before the last did not continue as new: {other:?}"),
        };
        assert_eq!(Some(next), pair[1].run_id());
        let previous = match pair[1].history.events.first().and_then(|e| e.attributes.as_ref()) {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => a.continued_execution_run_id.as_str(),
            other => panic!("no start event: {other:?}"),
        };
        assert_eq!(Some(previous), pair[0].run_id());
    }
}

/// What `DiceWitness` computed in its last replay.
static WITNESSED: std::sync::Mutex<Option<(u64, String, u64)>> = std::sync::Mutex::new(None);

/// The code of `Dice`, keeping what it computes: replay has to reproduce the values the
/// execution recorded, which nothing in the commands would show.
#[derive(Default)]
struct DiceWitness;

#[workflow(name = "Dice")]
impl DiceWitness {
    #[run]
    async fn run(&self) -> WorkflowResult<(u64, String, u64)> {
        let roll = workflow::random_range(1, 7);
        let id = workflow::uuid4().to_string();
        workflow::sleep(Duration::from_millis(10)).await?;
        let later = workflow::random();
        workflow::upsert_search_attributes([
            ("CustomKeywordField", SearchAttributeValue::Keyword(id.clone())),
            ("CustomIntField", SearchAttributeValue::Int(roll as i64)),
        ])?;
        workflow::upsert_memo([("roll", roll)])?;
        *WITNESSED.lock().expect("not poisoned") = Some((roll, id.clone(), later));
        Ok((roll, id, later))
    }
}

#[test]
fn replayed_randomness_and_uuids_are_the_recorded_ones() {
    let history = recorded("random_search_attributes_memo");
    Replayer::new().workflow::<DiceWitness>().replay_workflow(&history).expect("replays");
    let replayed = WITNESSED.lock().expect("not poisoned").clone().expect("the run method ran");

    let mut recorded_result = None;
    let mut recorded_keyword = None;
    let mut recorded_memo = None;
    for event in &history.history.events {
        match &event.attributes {
            Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => {
                let payload = a.result.as_ref().and_then(|p| p.payloads.first()).expect("a result");
                recorded_result = Some(serde_json::from_slice::<(u64, String, u64)>(&payload.data).expect("json"));
            }
            Some(Attributes::UpsertWorkflowSearchAttributesEventAttributes(a)) => {
                let fields = &a.search_attributes.as_ref().expect("attributes").indexed_fields;
                recorded_keyword =
                    Some(serde_json::from_slice::<String>(&fields["CustomKeywordField"].data).expect("json"));
            }
            Some(Attributes::WorkflowPropertiesModifiedEventAttributes(a)) => {
                let fields = &a.upserted_memo.as_ref().expect("memo").fields;
                recorded_memo = Some(serde_json::from_slice::<u64>(&fields["roll"].data).expect("json"));
            }
            _ => {}
        }
    }
    assert_eq!(recorded_result.as_ref(), Some(&replayed));
    assert_eq!(recorded_keyword.as_ref(), Some(&replayed.1));
    assert_eq!(recorded_memo, Some(replayed.0));
}

/// `Parent` after incompatible changes: its child gets another id, it sends another signal,
/// and it abandons the child it cancels instead of waiting for the child to end.
#[derive(Default)]
struct ParentChanged;

#[workflow(name = "Parent")]
impl ParentChanged {
    #[run]
    async fn run(&self, mode: String) -> WorkflowResult<String> {
        let own_id = workflow::info().map(|i| i.workflow_id).unwrap_or_default();
        let options = ChildWorkflowOptions::new(format!("{own_id}-child"));
        match mode.as_str() {
            "signal" => {
                let child = workflow::start_child_workflow(Child::run, "wait".into(), options).await?;
                child.signal_by_name("poke", &()).await?;
                child.result().await
            }
            "cancel" => {
                let options = options.cancellation_type(ChildWorkflowCancellationType::Abandon);
                let child = workflow::start_child_workflow(Child::run, "wait".into(), options).await?;
                child.cancel();
                Ok(format!("child ended: {:?}", child.result().await))
            }
            _ => {
                let options = ChildWorkflowOptions::new(format!("{own_id}-kid"));
                workflow::execute_child_workflow(Child::run, mode, options).await
            }
        }
    }
}

#[test]
fn changed_child_workflow_code_is_nondeterminism_naming_command_and_event() {
    let replayer = Replayer::new().workflow::<ParentChanged>();
    let initiated = |name: &str| {
        (
            format!("command StartChildWorkflowExecution(workflow_type=\"Child\", workflow_id=\"{name}-kid\")"),
            format!(
                "event 5 StartChildWorkflowExecutionInitiated(workflow_type=\"Child\", workflow_id=\"{name}-child\")"
            ),
        )
    };
    let cases = [
        ("child_success", initiated("child_success")),
        ("child_failure", initiated("child_failure")),
        ("child_external_signal", initiated("child_external_signal")),
        (
            "child_signal",
            (
                "command SignalExternalWorkflowExecution(signal_name=\"poke\", workflow_id=\"child_signal-child\")"
                    .to_string(),
                "event 10 SignalExternalWorkflowExecutionInitiated".to_string(),
            ),
        ),
        (
            "child_cancel",
            (
                "command CompleteWorkflowExecution".to_string(),
                "event 10 RequestCancelExternalWorkflowExecutionInitiated".to_string(),
            ),
        ),
    ];
    for (name, (command, event)) in cases {
        let err = replayer.replay_workflow(&recorded(name)).unwrap_err();
        let ReplayError::Nondeterminism(message) = &err else { panic!("{name}: unexpected: {err}") };
        assert!(message.contains(&command), "{name}: expected {command:?} in: {message}");
        assert!(message.contains(&event), "{name}: expected {event:?} in: {message}");
    }
}

/// `CancellableActivity` after someone swapped two of its cancellation types.
#[derive(Default)]
struct CancellableActivitySwapped;

#[workflow(name = "CancellableActivity")]
impl CancellableActivitySwapped {
    #[run]
    async fn run(&self, cancellation_type: String) -> WorkflowResult<String> {
        let kind = match cancellation_type.as_str() {
            "try" => ActivityCancellationType::Abandon,
            "wait" => ActivityCancellationType::WaitCancellationCompleted,
            _ => ActivityCancellationType::TryCancel,
        };
        let opts = ActivityOptions::start_to_close(Duration::from_secs(30))
            .heartbeat_timeout(Duration::from_secs(2))
            .retry_policy(RetryPolicy::default().maximum_attempts(1))
            .cancellation_type(kind);
        workflow::execute_activity(wait_for_cancel, (), opts).await
    }
}

/// `CleansUp` after someone dropped the cleanup: the cancellation ends the workflow.
#[derive(Default)]
struct CleansUpNoMore;

#[workflow(name = "CleansUp")]
impl CleansUpNoMore {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        workflow::sleep(Duration::from_secs(3600)).await?;
        Ok("slept".into())
    }
}

#[test]
fn changed_cancellation_code_is_nondeterminism_naming_command_and_event() {
    let swapped = Replayer::new().workflow::<CancellableActivitySwapped>();
    let no_cleanup = Replayer::new().workflow::<CleansUpNoMore>();
    let cases = [
        (&swapped, "cancel_activity_try", "command CancelWorkflowExecution", "event 10 ActivityTaskCancelRequested"),
        (
            &swapped,
            "cancel_activity_abandon",
            "command RequestCancelActivityTask",
            "event 10 WorkflowExecutionCanceled",
        ),
        (
            &no_cleanup,
            "cancel_timer_cleanup",
            "command CancelWorkflowExecution",
            "event 11 ActivityTaskScheduled(activity_type=\"cleanup\"",
        ),
    ];
    for (replayer, name, command, event) in cases {
        let err = replayer.replay_workflow(&recorded(name)).unwrap_err();
        let ReplayError::Nondeterminism(message) = &err else { panic!("{name}: unexpected: {err}") };
        assert!(message.contains(command), "{name}: expected {command:?} in: {message}");
        assert!(message.contains(event), "{name}: expected {event:?} in: {message}");
    }
    // The unchanged case still replays.
    swapped.replay_workflow(&recorded("cancel_activity_wait")).expect("wait-cancellation-completed is unchanged");
}

/// `Chain` after someone removed the pause before continuing as new.
#[derive(Default)]
struct ChainWithoutPause;

#[workflow(name = "Chain")]
impl ChainWithoutPause {
    #[run]
    async fn run(&self, n: u32) -> WorkflowResult<String> {
        if n < 3 {
            return workflow::continue_as_new(Self::run, n + 1);
        }
        Ok(format!("run {n}"))
    }
}

#[test]
fn changed_continue_as_new_code_is_nondeterminism_naming_command_and_event() {
    let replayer = Replayer::new().workflow::<ChainWithoutPause>();
    for name in ["continue_as_new_run1", "continue_as_new_run2"] {
        let err = replayer.replay_workflow(&recorded(name)).unwrap_err();
        let ReplayError::Nondeterminism(message) = &err else { panic!("{name}: unexpected: {err}") };
        assert!(
            message.contains("command ContinueAsNewWorkflowExecution") && message.contains("event 5 TimerStarted"),
            "{name}: {message}"
        );
    }
    // The last run never paused, so the change does not touch it.
    replayer.replay_workflow(&recorded("continue_as_new_run3")).expect("run 3 replays");
}

#[test]
fn an_unregistered_type_is_named() {
    let err = Replayer::new().workflow::<Patient>().replay_workflow(&recorded("say_hello")).unwrap_err();
    assert!(
        matches!(err, ReplayError::UnknownWorkflowType { ref workflow_type, .. } if workflow_type == "SayHello"),
        "{err}"
    );
}

#[test]
fn malformed_json_is_an_error_with_a_position() {
    let err = WorkflowHistory::from_json("x", "{\"events\": [ {\"eventId\": \"1\", }").unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");

    // A recorded history cut off in the middle: the position is where the text ends.
    let json = recorded_json("troubled");
    let cut = &json[..json.len() / 2];
    let lines = cut.lines().count();
    match WorkflowHistory::from_json("x", cut).unwrap_err() {
        HistoryJsonError::InvalidJson { line, .. } => assert_eq!(line, lines, "wrong line"),
        other => panic!("unexpected: {other}"),
    }

    // A stray character on line 3.
    let err = WorkflowHistory::from_json("x", "{\n  \"events\": [\n    x\n  ]\n}").unwrap_err();
    assert!(err.to_string().contains("line 3, column 5"), "{err}");

    for (text, expected) in [
        ("", "line 1, column 0"),
        ("\u{feff}{}", "line 1, column 1"),
        ("[1, 2", "line 1, column 5"),
        ("{\"events\": [{\"eventId\": \"1\"}]} trailing", "line 1, column 32"),
    ] {
        let err = WorkflowHistory::from_json("x", text).unwrap_err();
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
}

#[test]
fn json_that_is_not_a_history_says_what_is_wrong_and_where() {
    let started = r#""eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED""#;
    let cases: Vec<(String, &str)> = vec![
        ("{}".into(), "found an empty object"),
        (r#"{"event": []}"#.into(), r#"its fields: "event""#),
        (r#"{"events": {}}"#.into(), r#""events" is an object"#),
        ("42".into(), "found a number (42)"),
        ("[]".into(), "empty JSON array"),
        (r#"{"events": []}"#.into(), "history contains no events"),
        (r#"{"events": [7]}"#.into(), "events[0]"),
        (format!(r#"{{"events": [{{"eventId": "one", {started}}}]}}"#), "events[0].eventId"),
        (format!(r#"{{"events": [{{"eventId": "0", {started}}}]}}"#), "positive event ids"),
        (
            format!(r#"{{"events": [{{"eventId": "2", {started}}}, {{"eventId": "1", {started}}}]}}"#),
            "event id 1 (events[1]) comes after event id 2",
        ),
        (r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_NO_SUCH_THING"}]}"#.into(), "unknown event type"),
        (
            format!(
                r#"{{"events": [{{"eventId": "1", {started}, "workflowExecutionStartedEventAttributes":
                    {{"input": {{"payloads": [{{"data": "%%% not base64 %%%"}}]}}}}}}]}}"#
            ),
            "events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data",
        ),
        (format!(r#"{{"events": [{{"eventId": "1", "eventTime": "yesterday", {started}}}]}}"#), "events[0].eventTime"),
        ("[".repeat(10_000), "recursion limit"),
    ];
    for (text, expected) in cases {
        let shown = text.chars().take(60).collect::<String>();
        let err = WorkflowHistory::from_json("x", &text).unwrap_err();
        assert!(err.to_string().contains(expected), "{shown}: expected {expected:?} in: {err}");
    }
}

/// Replaying must fail cleanly, never panic, whatever part of a history it is given.
#[test]
fn truncated_and_reordered_histories_fail_cleanly() {
    let replayer = replayer();
    for name in RECORDED {
        let full = recorded(name);
        for len in 0..full.history.events.len() {
            let prefix = WorkflowHistory::new(*name, History { events: full.history.events[..len].to_vec() });
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| replayer.replay_workflow(&prefix)));
            assert!(outcome.is_ok(), "{name}: replaying the first {len} events panicked");
        }
        let mut shuffled = full.history.events.clone();
        shuffled.reverse();
        let err = replayer.replay_workflow(&WorkflowHistory::new(*name, History { events: shuffled })).unwrap_err();
        assert!(matches!(err, ReplayError::InvalidHistory(_)), "{name}: {err}");
    }
    let err = replayer.replay_workflow(&WorkflowHistory::new("empty", History::default())).unwrap_err();
    assert!(matches!(err, ReplayError::InvalidHistory(_)), "{err}");
}

/// `replay_workflows` over files: per-history results with ids, failures collected or, with
/// fail-fast, the first one only.
#[tokio::test]
async fn replay_workflows_reports_each_history() {
    let good: Vec<_> = RECORDED.iter().map(|name| Ok::<_, HistoryJsonError>(recorded(name))).collect();
    let all = replayer().replay_workflows(futures::stream::iter(good)).await.expect("all replay");
    assert_eq!(all.len(), RECORDED.len());
    let troubled_run = recorded("troubled").run_id().map(str::to_string).unwrap_or_default();
    let entry = all.get(&troubled_run).expect("troubled is in the results");
    assert_eq!((entry.workflow_id.as_str(), entry.workflow_type.as_str()), ("troubled", "Troubled"));

    // One history with changed code, one unreadable file, the rest fine.
    let replayer = Replayer::new().workflow::<SayHelloCallsAnotherActivity>().workflow::<Patient>();
    let inputs = vec![
        WorkflowHistory::from_json("say_hello", &recorded_json("say_hello")),
        WorkflowHistory::from_json("broken", "{\"events\": ["),
        WorkflowHistory::from_json("patient", &recorded_json("patient")),
    ];
    let failures = replayer.replay_workflows(futures::stream::iter(inputs.clone())).await.unwrap_err();
    let results = &failures.results;
    assert_eq!((results.len(), results.failed(), results.stopped_early), (3, 2, false));
    assert!(matches!(results.results[0].outcome, Err(ReplayError::Nondeterminism(_))));
    assert_eq!(results.results[0].workflow_id, "say_hello");
    assert!(matches!(results.results[1].outcome, Err(ReplayError::HistoryUnavailable(ref m)) if m.contains("line 1")));
    assert!(results.results[2].outcome.is_ok());
    let message = failures.to_string();
    assert!(message.starts_with("2 of 3 workflow histories did not replay"), "{message}");
    assert!(message.contains("workflow say_hello run ") && message.contains("Nondeterminism"), "{message}");

    let first_only = replayer.fail_fast(true).replay_workflows(futures::stream::iter(inputs)).await.unwrap_err();
    assert_eq!((first_only.results.len(), first_only.results.stopped_early), (1, true));

    let none = Replayer::new().replay_workflows(futures::stream::empty::<Result<WorkflowHistory, Infallible>>()).await;
    assert!(none.expect("nothing to fail").is_empty());
}

/// A fresh execution's history, fetched through the client, replays against its code and not
/// against changed code; a worker with the changed code fails the task as non-deterministic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_history_checks_and_nondeterministic_worker() {
    let client = client().await;
    let queue = unique("replay");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Patient>().activity(double));
    let handle =
        client.start_workflow(Patient::run, 3, WorkflowOptions::new(unique("replay"), &queue)).await.expect("start");
    handle.signal(Patient::go, 0).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), 12);
    worker.stop().await;

    let history = handle.fetch_history().await.expect("history");
    Replayer::new().workflow::<Patient>().replay_workflow(&history).expect("same code replays");
    let json = history.to_json().expect("to json");
    let reread = WorkflowHistory::from_json(handle.id(), &json).expect("from json");
    Replayer::new().workflow::<Patient>().replay_workflow(&reread).expect("JSON round trip replays");

    // A worker running changed code replays the closed workflow to answer a query, and
    // reports the non-determinism instead of an answer.
    let changed = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<PatientSkipsFirstActivity>().activity(double),
    );
    let untyped = client.get_untyped_workflow_handle(handle.id(), None);
    let err = untyped.query_by_name::<String, _>("anything", &()).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("Nondeterminism") && message.contains("ActivityTaskScheduled"), "{message}");
    changed.stop().await;
}

/// Every execution that a visibility query lists replays through the client, as a team would
/// check a code change against all past executions of a workflow type.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_execution_a_visibility_query_lists_replays() {
    use futures::{StreamExt, TryStreamExt};

    let client = client().await;
    let queue = unique("visibility");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello));
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = unique(&format!("visible-{i}"));
        client
            .execute_workflow(SayHello::run, format!("#{i}"), WorkflowOptions::new(&id, &queue))
            .await
            .expect("result");
        ids.push(id);
    }
    worker.stop().await;
    ids.sort();

    // Visibility is eventually consistent: wait until it shows all three as completed.
    let query = format!("WorkflowType = 'SayHello' AND TaskQueue = '{queue}'");
    let completed = format!("{query} AND ExecutionStatus = 'Completed'");
    let mut visible = 0;
    for _ in 0..100 {
        visible = client.count_workflows(completed.clone()).await.expect("count");
        if visible == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(visible, 3, "visibility never showed the three executions");

    // Pages of two: the listing follows the page token.
    let listed: Vec<_> = client.list_workflows(completed.clone()).page_size(2).try_collect().await.expect("list");
    let mut listed_ids: Vec<String> = listed.iter().map(|e| e.workflow_id.clone()).collect();
    listed_ids.sort();
    assert_eq!(listed_ids, ids);
    assert!(listed.iter().all(|e| e.workflow_type == "SayHello" && e.task_queue == queue && e.close_time.is_some()));

    let histories = client.list_workflows(completed.clone()).page_size(2).map_histories();
    let results = Replayer::new().workflow::<SayHello>().replay_workflows(histories).await.expect("all replay");
    assert_eq!(results.len(), 3);
    for execution in &listed {
        let result = results.get(&execution.run_id).expect("each listed run has a result");
        assert_eq!(result.workflow_id, execution.workflow_id);
        assert!(result.outcome.is_ok());
    }

    // The same executions against changed code: each one is reported, by id.
    let histories = client.list_workflows(completed).map_histories();
    let failures =
        Replayer::new().workflow::<SayHelloCallsAnotherActivity>().replay_workflows(histories).await.unwrap_err();
    assert_eq!(failures.results.failed(), 3);
    let message = failures.to_string();
    for id in &ids {
        assert!(message.contains(&format!("workflow {id} run ")), "{id} not named in: {message}");
    }

    // A query the server rejects ends the stream with that error, which the replay reports.
    let mut bad = client.list_workflows("this is not a query").map_histories();
    let first = bad.next().await.expect("one item").unwrap_err();
    assert!(first.to_string().starts_with("listing workflow executions failed"), "{first}");
    assert!(bad.next().await.is_none());
    let histories = client.list_workflows("this is not a query").map_histories();
    let failures = Replayer::new().workflow::<SayHello>().replay_workflows(histories).await.unwrap_err();
    assert!(matches!(failures.results.results[0].outcome, Err(ReplayError::HistoryUnavailable(_))));
}

/// `Patient` after someone removed its first activity.
#[derive(Default)]
struct PatientSkipsFirstActivity;

#[workflow(name = "Patient")]
impl PatientSkipsFirstActivity {
    #[run]
    async fn run(&self, n: u64) -> WorkflowResult<u64> {
        workflow::sleep(Duration::from_secs(2)).await?;
        Ok(n)
    }
}

/// Runs the workflows whose histories are recorded under `tests/histories/`, with fixed ids.
/// By hand, against a fresh dev server:
///
/// ```text
/// temporal server start-dev --ip 127.0.0.1 --port 7555 --headless &
/// TEMPORAL_TEST_ADDRESS=127.0.0.1:7555 cargo test -p integration-tests --test replay -- --ignored record_on_the_dev_server
/// temporal workflow show --address 127.0.0.1:7555 -w record-troubled -o json > tests/histories/troubled.json
/// ```
///
/// and so on for each id below; then stop the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by hand to record histories (see its doc comment)"]
async fn record_on_the_dev_server() {
    let client = client().await;
    let queue = unique("record");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue)
            .workflow::<SignalWorkflow>()
            .workflow::<Troubled>()
            .workflow::<GivesUp>()
            .activity(fails_twice)
            .activity(refuse_charge)
            .activity(never_in_time),
    );
    let signalled = client
        .start_workflow(SignalWorkflow::run, (), WorkflowOptions::new("record-signal-workflow-signal", &queue))
        .await
        .expect("start");
    tokio::time::sleep(Duration::from_millis(500)).await;
    signalled.signal(SignalWorkflow::some_signal, ()).await.expect("signal");
    assert_eq!(signalled.result().await.expect("result"), "got signal");
    let troubled = client
        .execute_workflow(Troubled::run, 42, WorkflowOptions::new("record-troubled", &queue))
        .await
        .expect("result");
    println!("troubled: {troubled}");
    let gave_up = client
        .execute_workflow(GivesUp::run, "out of stock".to_string(), WorkflowOptions::new("record-gives-up", &queue))
        .await
        .unwrap_err();
    println!("gives up: {gave_up}");
    worker.stop().await;
}

/// Like `record_on_the_dev_server`, for the time-skipping test server (timers of a day):
///
/// ```text
/// temporal-test-server 7556 &
/// TEMPORAL_TEST_TIME_SKIPPING_ADDRESS=127.0.0.1:7556 cargo test -p integration-tests --test replay -- --ignored record_on_the_time_skipping_server
/// temporal workflow show --address 127.0.0.1:7556 -w record-wait-a-day -o json > tests/histories/wait_a_day.json
/// ```
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by hand to record histories (see its doc comment)"]
async fn record_on_the_time_skipping_server() {
    let target = std::env::var("TEMPORAL_TEST_TIME_SKIPPING_ADDRESS").expect("TEMPORAL_TEST_TIME_SKIPPING_ADDRESS");
    let env = WorkflowEnvironment::connect_time_skipping(&target).await.expect("connect");
    let queue = unique("record");
    let worker = RunningWorker::start(
        env.client(),
        WorkerOptions::new(&queue).workflow::<WaitADayWorkflow>().workflow::<SignalWorkflow>(),
    );
    let day = env
        .client()
        .execute_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new("record-wait-a-day", &queue))
        .await
        .expect("result");
    assert_eq!(day, "all done");
    let timeout = env
        .client()
        .execute_workflow(SignalWorkflow::run, (), WorkflowOptions::new("record-signal-workflow-timeout", &queue))
        .await
        .expect("result");
    assert_eq!(timeout, "got timeout");
    worker.stop().await;
}
