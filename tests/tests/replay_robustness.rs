//! Replay of histories this SDK did not record itself or that were damaged: events that
//! arrived while a task was pending, histories written by SDKs that chose other activity and
//! child ids, duplicated and mislabelled events, and runs dropped before they finished.

use std::sync::{Arc, Mutex};

use integration_tests::workflows::{Child, Parent, SayHello, StartsAndForgets};
use prost_wkt_types::Timestamp;
use serde_json::Value;
use temporal_sdk::converter;
use temporal_sdk::protos::temporal::api::common::v1::{ActivityType, Payloads, WorkflowType};
use temporal_sdk::protos::temporal::api::enums::v1::EventType;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::protos::temporal::api::history::v1::{
    ActivityTaskCompletedEventAttributes, ActivityTaskScheduledEventAttributes, ActivityTaskStartedEventAttributes,
    History, HistoryEvent, WorkflowExecutionCancelRequestedEventAttributes, WorkflowExecutionCanceledEventAttributes,
    WorkflowExecutionStartedEventAttributes, WorkflowTaskCompletedEventAttributes,
    WorkflowTaskScheduledEventAttributes, WorkflowTaskStartedEventAttributes,
};
use temporal_sdk::protos::temporal::api::sdk::v1::WorkflowTaskCompletedMetadata;
use temporal_sdk::protos::temporal::api::taskqueue::v1::TaskQueue;
use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};

fn recorded_json(name: &str) -> Value {
    let path = format!("{}/histories/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("recorded JSON")
}

fn history_of(name: &str, json: &Value) -> WorkflowHistory {
    WorkflowHistory::from_json(name, &json.to_string()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn events_mut(json: &mut Value) -> &mut Vec<Value> {
    json["events"].as_array_mut().expect("events")
}

fn replayer() -> Replayer {
    Replayer::new().workflow::<SayHello>().workflow::<Parent>().workflow::<Child>().workflow::<StartsAndForgets>()
}

// ---- Events that arrived while a workflow task was pending (issue 9, defect 1). ----

fn event(event_id: i64, event_type: EventType, attributes: Attributes) -> HistoryEvent {
    HistoryEvent {
        event_id,
        event_type: event_type as i32,
        event_time: Some(Timestamp { seconds: 1_790_000_000 + event_id, nanos: 0 }),
        attributes: Some(attributes),
        ..Default::default()
    }
}

fn task_completed(event_id: i64) -> HistoryEvent {
    let metadata = WorkflowTaskCompletedMetadata { sdk_name: "temporal-rust".into(), ..Default::default() };
    event(
        event_id,
        EventType::WorkflowTaskCompleted,
        Attributes::WorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes {
            scheduled_event_id: event_id - 2,
            started_event_id: event_id - 1,
            sdk_metadata: Some(metadata),
            ..Default::default()
        }),
    )
}

/// `StartsAndForgets` whose activity completed and whose cancellation was requested while the
/// second workflow task was pending, in either order: both reach the code in one activation.
fn buffered_history(completed_first: bool) -> WorkflowHistory {
    let task_scheduled = |id| {
        event(
            id,
            EventType::WorkflowTaskScheduled,
            Attributes::WorkflowTaskScheduledEventAttributes(WorkflowTaskScheduledEventAttributes::default()),
        )
    };
    let task_started = |id| {
        event(
            id,
            EventType::WorkflowTaskStarted,
            Attributes::WorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes {
                scheduled_event_id: id - 1,
                ..Default::default()
            }),
        )
    };
    let cancel_requested = |id| {
        event(
            id,
            EventType::WorkflowExecutionCancelRequested,
            Attributes::WorkflowExecutionCancelRequestedEventAttributes(
                WorkflowExecutionCancelRequestedEventAttributes::default(),
            ),
        )
    };
    let activity_completed = |id| {
        event(
            id,
            EventType::ActivityTaskCompleted,
            Attributes::ActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes {
                result: Some(Payloads { payloads: vec![converter::encode(&2u32).expect("result")] }),
                scheduled_event_id: 5,
                started_event_id: 6,
                ..Default::default()
            }),
        )
    };
    let (seventh, eighth) = if completed_first {
        (activity_completed(7), cancel_requested(8))
    } else {
        (cancel_requested(7), activity_completed(8))
    };
    let events = vec![
        event(
            1,
            EventType::WorkflowExecutionStarted,
            Attributes::WorkflowExecutionStartedEventAttributes(WorkflowExecutionStartedEventAttributes {
                workflow_type: Some(WorkflowType { name: "StartsAndForgets".into() }),
                task_queue: Some(TaskQueue { name: "buffered".into(), ..Default::default() }),
                attempt: 1,
                original_execution_run_id: "run-1".into(),
                first_execution_run_id: "run-1".into(),
                ..Default::default()
            }),
        ),
        task_scheduled(2),
        task_started(3),
        task_completed(4),
        event(
            5,
            EventType::ActivityTaskScheduled,
            Attributes::ActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes {
                activity_id: "1".into(),
                activity_type: Some(ActivityType { name: "quick".into() }),
                workflow_task_completed_event_id: 4,
                ..Default::default()
            }),
        ),
        event(
            6,
            EventType::ActivityTaskStarted,
            Attributes::ActivityTaskStartedEventAttributes(ActivityTaskStartedEventAttributes {
                scheduled_event_id: 5,
                attempt: 1,
                ..Default::default()
            }),
        ),
        seventh,
        eighth,
        task_scheduled(9),
        task_started(10),
        task_completed(11),
        event(
            12,
            EventType::WorkflowExecutionCanceled,
            Attributes::WorkflowExecutionCanceledEventAttributes(WorkflowExecutionCanceledEventAttributes {
                workflow_task_completed_event_id: 11,
                ..Default::default()
            }),
        ),
    ];
    WorkflowHistory::new("buffered", History { events })
}

#[test]
fn a_completion_buffered_with_a_cancellation_is_not_cancelled_again() {
    for completed_first in [true, false] {
        replayer()
            .replay_workflow(&buffered_history(completed_first))
            .unwrap_or_else(|e| panic!("completed first: {completed_first}: {e}"));
    }
}

// ---- Histories of SDKs that chose other activity and child ids (defect 11). ----

/// `say_hello` as the Go SDK (activity id "5") or the Java SDK (a uuid) would have written it:
/// other ids, and no record that ids were checked on replay.
fn say_hello_with_activity_id(activity_id: &str, activity_type: &str, core_flags: Option<&[u32]>) -> WorkflowHistory {
    let mut json = recorded_json("say_hello");
    for e in events_mut(&mut json) {
        if let Some(a) = e.get_mut("activityTaskScheduledEventAttributes") {
            a["activityId"] = Value::from(activity_id);
            a["activityType"]["name"] = Value::from(activity_type);
        }
        if let Some(a) = e.get_mut("workflowTaskCompletedEventAttributes") {
            match core_flags {
                Some(flags) => {
                    a["sdkMetadata"] = serde_json::json!({"sdkName": "temporal-python", "coreUsedFlags": flags});
                }
                None => {
                    a.as_object_mut().expect("attributes").remove("sdkMetadata");
                }
            }
        }
    }
    history_of("say_hello", &json)
}

#[test]
fn histories_with_other_sdks_activity_ids_replay_and_changed_types_still_fail() {
    let replayer = replayer();
    replayer.replay_workflow(&say_hello_with_activity_id("5", "say_hello", None)).expect("Go's ids");
    let uuid = "8f0f4c4e-5c7e-4a5e-9a0e-2a6f0f6a1c3d";
    replayer.replay_workflow(&say_hello_with_activity_id(uuid, "say_hello", None)).expect("Java's ids");

    let changed = replayer.replay_workflow(&say_hello_with_activity_id("5", "say_goodbye", None)).unwrap_err();
    assert!(matches!(changed, ReplayError::Nondeterminism(_)), "{changed}");
    assert!(changed.to_string().contains("say_goodbye"), "{changed}");

    // A core-based SDK that recorded the id check: a different id is a real change.
    let checked = replayer.replay_workflow(&say_hello_with_activity_id("5", "say_hello", Some(&[1]))).unwrap_err();
    assert!(matches!(checked, ReplayError::Nondeterminism(_)), "{checked}");
    assert!(checked.to_string().contains("activity_id=\"5\""), "{checked}");
    replayer.replay_workflow(&say_hello_with_activity_id("1", "say_hello", Some(&[1, 2, 3]))).expect("same ids");
}

#[test]
fn histories_with_other_sdks_child_ids_replay() {
    let mut json = recorded_json("child_success");
    for e in events_mut(&mut json) {
        for key in
            ["startChildWorkflowExecutionInitiatedEventAttributes", "childWorkflowExecutionStartedEventAttributes"]
        {
            if let Some(a) = e.get_mut(key) {
                match a.get_mut("workflowExecution") {
                    Some(execution) => execution["workflowId"] = Value::from("go-child-id"),
                    None => a["workflowId"] = Value::from("go-child-id"),
                }
            }
        }
        if let Some(a) = e.get_mut("workflowTaskCompletedEventAttributes") {
            a.as_object_mut().expect("attributes").remove("sdkMetadata");
        }
    }
    let history = WorkflowHistory::from_json("child_success", &json.to_string()).expect("history");
    replayer().replay_workflow(&history).expect("a child id chosen by another SDK");
}

// ---- Corrupted histories are errors naming the event (defect 12). ----

#[test]
fn a_duplicated_activity_completion_is_an_invalid_history() {
    let mut json = recorded_json("say_hello");
    let events = events_mut(&mut json);
    let at = events.iter().position(|e| e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED").expect("completion");
    let duplicate = events[at].clone();
    events.insert(at + 1, duplicate);
    for (i, e) in events.iter_mut().enumerate() {
        e["eventId"] = Value::from((i + 1).to_string());
    }
    let err = replayer().replay_workflow(&history_of("say_hello", &json)).unwrap_err();
    let ReplayError::InvalidHistory(message) = &err else { panic!("not an invalid history: {err}") };
    assert!(message.contains("event 8 (EVENT_TYPE_ACTIVITY_TASK_COMPLETED)"), "{message}");
    assert!(message.contains("which event 7 already ended"), "{message}");
    assert!(!err.to_string().contains("invalid history: invalid history"), "{err}");
}

#[test]
fn an_event_whose_type_and_attributes_disagree_is_an_invalid_history() {
    let mut json = recorded_json("say_hello");
    let events = events_mut(&mut json);
    let at = events.iter().position(|e| e["eventType"] == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED").expect("completion");
    events[at]["eventType"] = Value::from("EVENT_TYPE_TIMER_FIRED");
    let err = replayer().replay_workflow(&history_of("say_hello", &json)).unwrap_err();
    let ReplayError::InvalidHistory(message) = &err else { panic!("not an invalid history: {err}") };
    assert!(
        message.contains(
            "event 7 says it is EVENT_TYPE_TIMER_FIRED but carries the attributes of EVENT_TYPE_ACTIVITY_TASK_COMPLETED"
        ),
        "{message}"
    );
}

// ---- Dropping an unfinished run is not a cancellation (defect 16). ----

/// Collects what the SDK logs while `f` runs on this thread.
fn logs_of(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = sink.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn dropping_a_run_with_a_pending_activity_logs_nothing() {
    let mut json = recorded_json("say_hello");
    // Cut after the first workflow task started: the replay ends with the activity requested.
    events_mut(&mut json).truncate(3);
    let history = history_of("say_hello", &json);
    let logs = logs_of(|| replayer().replay_workflow(&history).expect("a cut history replays"));
    assert!(!logs.contains("WARN"), "{logs}");
    assert!(!logs.contains("cancel"), "{logs}");
}
