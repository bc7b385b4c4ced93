//! Tests for `temporal_sdk_protos::history_json`.

use serde_json::{Value, json};
use temporal_sdk_protos::{
    FILE_DESCRIPTOR_SET,
    history_json::{HistoryJsonError, history_from_json, history_to_json},
    temporal::api::{
        enums::v1::{
            CancelExternalWorkflowExecutionFailedCause, EventType, ParentClosePolicy, RetryState, TaskQueueKind,
            TimeoutType, WorkflowIdReusePolicy,
        },
        failure::v1::failure::FailureInfo,
        history::v1::{History, history_event::Attributes},
    },
};

const EXAMPLE: &str = include_str!("data/python-example-history.json");

fn example() -> History {
    history_from_json(EXAMPLE).expect("example history parses")
}

fn example_value() -> Value {
    serde_json::from_str(EXAMPLE).unwrap()
}

/// `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` with prefix `EVENT_TYPE_` → `WorkflowExecutionStarted`.
fn to_pascal(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{name} lacks prefix {prefix}"))
        .split('_')
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            let first = chars.next().unwrap().to_uppercase();
            first.chain(chars).collect::<String>()
        })
        .collect()
}

/// Rewrites every string at key `key` (anywhere in `value`) from canonical to PascalCase.
fn make_legacy(value: &mut Value, key: &str, prefix: &str) -> usize {
    let mut count = 0;
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == key
                    && let Value::String(s) = v
                {
                    *s = to_pascal(s, prefix);
                    count += 1;
                } else {
                    count += make_legacy(v, key, prefix);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                count += make_legacy(item, key, prefix);
            }
        }
        _ => {}
    }
    count
}

#[test]
fn parses_all_events_of_the_example() {
    let history = example();
    assert_eq!(history.events.len(), 40);
    for (i, event) in history.events.iter().enumerate() {
        assert_eq!(event.event_id, i as i64 + 1);
        assert_ne!(event.event_type(), EventType::Unspecified, "event {}", i + 1);
        assert!(event.attributes.is_some(), "event {} has attributes", i + 1);
        assert!(event.event_time.is_some());
    }
    let types: Vec<EventType> = history.events.iter().map(|e| e.event_type()).collect();
    assert_eq!(types[0], EventType::WorkflowExecutionStarted);
    assert_eq!(types[2], EventType::WorkflowExecutionSignaled);
    assert_eq!(types[5], EventType::TimerStarted);
    assert_eq!(types[10], EventType::ActivityTaskScheduled);
    assert_eq!(types[16], EventType::MarkerRecorded);
    assert_eq!(types[25], EventType::StartChildWorkflowExecutionInitiated);
    assert_eq!(types[37], EventType::WorkflowExecutionUpdateAccepted);
    assert_eq!(types[39], EventType::WorkflowExecutionCompleted);

    // Workflow started: payload bytes are raw (base64-decoded), task queue kind is an enum.
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = &history.events[0].attributes else {
        panic!("event 1 attributes: {:?}", history.events[0].attributes);
    };
    assert_eq!(started.workflow_type.as_ref().unwrap().name, "Demo");
    assert_eq!(started.task_queue.as_ref().unwrap().kind(), TaskQueueKind::Normal);
    let payload = &started.input.as_ref().unwrap().payloads[0];
    assert_eq!(payload.metadata["encoding"], b"json/plain");
    assert_eq!(payload.data, b"\"world\"");
    assert_eq!(started.workflow_task_timeout.as_ref().unwrap().seconds, 10);
    assert_eq!(started.original_execution_run_id, "01a20f74-0908-78e3-95c9-0fb2138d0007");
    assert_eq!(history.events[0].task_id, 1048587);
    let time = history.events[0].event_time.as_ref().unwrap();
    assert_eq!(time.nanos, 456583836);

    // Timer.
    let Some(Attributes::TimerStartedEventAttributes(timer)) = &history.events[5].attributes else {
        panic!("event 6 is a timer start");
    };
    assert_eq!(timer.timer_id, "1");
    assert_eq!(timer.start_to_fire_timeout.as_ref().unwrap().seconds, 1);
    assert_eq!(timer.workflow_task_completed_event_id, 5);

    // Activity.
    let Some(Attributes::ActivityTaskScheduledEventAttributes(activity)) = &history.events[10].attributes else {
        panic!("event 11 is an activity schedule");
    };
    assert_eq!(activity.activity_type.as_ref().unwrap().name, "greet");
    assert_eq!(activity.activity_id, "1");
    assert_eq!(activity.retry_policy.as_ref().unwrap().backoff_coefficient, 2.0);
    assert!(activity.header.is_some(), "empty `header: {{}}` is kept as Some");

    // Sticky queue kind.
    let Some(Attributes::WorkflowTaskScheduledEventAttributes(wft)) = &history.events[7].attributes else {
        panic!("event 8 is a workflow task schedule");
    };
    assert_eq!(wft.task_queue.as_ref().unwrap().kind(), TaskQueueKind::Sticky);

    // Marker details map.
    let Some(Attributes::MarkerRecordedEventAttributes(marker)) = &history.events[17].attributes else {
        panic!("event 18 is a marker");
    };
    assert_eq!(marker.marker_name, "core_patch");
    assert_eq!(marker.details["patch-data"].payloads[0].data, br#"{"id":"my-patch","deprecated":false}"#);

    // Failure inside activity task started.
    let Some(Attributes::ActivityTaskStartedEventAttributes(started)) = &history.events[20].attributes else {
        panic!("event 21 is an activity start");
    };
    let failure = started.last_failure.as_ref().unwrap();
    assert_eq!(failure.message, "transient");
    let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info else {
        panic!("application failure");
    };
    assert_eq!(info.r#type, "RuntimeError");

    // Child workflow.
    let Some(Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(child)) = &history.events[25].attributes
    else {
        panic!("event 26 starts a child");
    };
    assert_eq!(child.parent_close_policy(), ParentClosePolicy::Terminate);
    assert_eq!(child.workflow_id_reuse_policy(), WorkflowIdReusePolicy::AllowDuplicate);

    // Workflow task completed sdk metadata (repeated uint32).
    let Some(Attributes::WorkflowTaskCompletedEventAttributes(completed)) = &history.events[4].attributes else {
        panic!("event 5 completes a workflow task");
    };
    assert_eq!(completed.sdk_metadata.as_ref().unwrap().core_used_flags, vec![2, 4, 3, 1]);
}

#[test]
fn round_trips_through_json() {
    let history = example();
    let json = history_to_json(&history).unwrap();
    assert!(json.contains(r#""eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED""#));
    assert!(json.contains(r#""eventId": "1""#), "int64 is a string");
    assert!(json.contains(r#""encoding": "anNvbi9wbGFpbg==""#), "bytes are base64");
    assert!(json.contains(r#""workflowTaskTimeout": "10s""#));
    assert!(json.contains(r#""kind": "TASK_QUEUE_KIND_STICKY""#));
    let again = history_from_json(&json).unwrap();
    assert_eq!(again, history);
    // The output is the same JSON document as the CLI's, except that doubles are written as
    // `2.0` where the CLI writes `2` (event 11's retry policy).
    let ours: Value = serde_json::from_str(&json).unwrap();
    let theirs = example_value();
    for i in [0, 4, 5, 16, 18, 20, 25, 37, 39] {
        assert_eq!(ours["events"][i], theirs["events"][i], "event {}", i + 1);
    }
    assert_eq!(
        ours["events"][10]["activityTaskScheduledEventAttributes"]["retryPolicy"]["backoffCoefficient"],
        json!(2.0)
    );
}

#[test]
fn legacy_enum_spellings_parse_to_the_same_history() {
    let mut value = example_value();
    assert_eq!(make_legacy(&mut value, "eventType", "EVENT_TYPE_"), 40);
    assert_eq!(make_legacy(&mut value, "kind", "TASK_QUEUE_KIND_"), 11);
    assert_eq!(make_legacy(&mut value, "parentClosePolicy", "PARENT_CLOSE_POLICY_"), 1);
    assert_eq!(make_legacy(&mut value, "workflowIdReusePolicy", "WORKFLOW_ID_REUSE_POLICY_"), 1);
    let legacy = serde_json::to_string_pretty(&value).unwrap();
    assert!(legacy.contains(r#""eventType": "WorkflowExecutionStarted""#));
    assert!(legacy.contains(r#""kind": "Sticky""#));
    assert!(legacy.contains(r#""workflowIdReusePolicy": "AllowDuplicate""#));

    let parsed = history_from_json(&legacy).unwrap();
    assert_eq!(parsed, example());
}

#[test]
fn legacy_enums_in_nested_failures_and_causes() {
    let canonical = json!({"events": [
        {
            "eventId": "7",
            "eventType": "EVENT_TYPE_ACTIVITY_TASK_FAILED",
            "activityTaskFailedEventAttributes": {
                "scheduledEventId": "5",
                "retryState": "RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED",
                "failure": {
                    "message": "outer",
                    "activityFailureInfo": {"retryState": "RETRY_STATE_TIMEOUT"},
                    "cause": {
                        "message": "inner",
                        "timeoutFailureInfo": {"timeoutType": "TIMEOUT_TYPE_START_TO_CLOSE"}
                    }
                }
            }
        },
        {
            "eventId": "8",
            "eventType": "EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED",
            "requestCancelExternalWorkflowExecutionFailedEventAttributes": {
                "cause": "CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND"
            }
        }
    ]});
    let legacy = json!({"events": [
        {
            "eventId": "7",
            "eventType": "ActivityTaskFailed",
            "activityTaskFailedEventAttributes": {
                "scheduledEventId": "5",
                "retryState": "MaximumAttemptsReached",
                "failure": {
                    "message": "outer",
                    "activityFailureInfo": {"retryState": "Timeout"},
                    "cause": {
                        "message": "inner",
                        "timeoutFailureInfo": {"timeoutType": "StartToClose"}
                    }
                }
            }
        },
        {
            "eventId": "8",
            "eventType": "RequestCancelExternalWorkflowExecutionFailed",
            "requestCancelExternalWorkflowExecutionFailedEventAttributes": {
                "cause": "ExternalWorkflowExecutionNotFound"
            }
        }
    ]});
    let expected = history_from_json(&canonical.to_string()).unwrap();
    let parsed = history_from_json(&legacy.to_string()).unwrap();
    assert_eq!(parsed, expected);

    let Some(Attributes::ActivityTaskFailedEventAttributes(failed)) = &parsed.events[0].attributes else {
        panic!("activity failed");
    };
    assert_eq!(failed.retry_state(), RetryState::MaximumAttemptsReached);
    let cause = failed.failure.as_ref().unwrap().cause.as_ref().unwrap();
    let Some(FailureInfo::TimeoutFailureInfo(timeout)) = &cause.failure_info else {
        panic!("timeout failure info");
    };
    assert_eq!(timeout.timeout_type(), TimeoutType::StartToClose);
    let Some(Attributes::RequestCancelExternalWorkflowExecutionFailedEventAttributes(cancel)) =
        &parsed.events[1].attributes
    else {
        panic!("cancel failed");
    };
    assert_eq!(cancel.cause(), CancelExternalWorkflowExecutionFailedCause::ExternalWorkflowExecutionNotFound);

    // Writing it back gives canonical names; parsing that again changes nothing (idempotent).
    let written = history_to_json(&parsed).unwrap();
    assert!(written.contains("\"RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED\""));
    assert_eq!(history_from_json(&written).unwrap(), parsed);
}

#[test]
fn array_of_histories_is_concatenated() {
    let value = example_value();
    let events = value["events"].as_array().unwrap();
    let (first, second) = events.split_at(17);
    let array = json!([{"events": first}, {"events": second}]);
    let parsed = history_from_json(&array.to_string()).unwrap();
    assert_eq!(parsed, example());

    // Two copies of the same history do not form a valid (sorted) history.
    let twice = json!([value, value]).to_string();
    let err = history_from_json(&twice).unwrap_err();
    assert!(
        matches!(
            &err,
            HistoryJsonError::EventsOutOfOrder { path, event_id: 1, previous_event_id: Some(40) }
                if path == "[1].events[0]"
        ),
        "{err:?}"
    );
}

#[test]
fn get_history_response_shape_is_accepted() {
    let value = json!({"history": example_value(), "nextPageToken": null, "archived": false});
    assert_eq!(history_from_json(&value.to_string()).unwrap(), example());
}

#[test]
fn malformed_json_reports_line_and_column() {
    let json = "{\n  \"events\": [\n    {\"eventId\": \"1\",, }\n  ]\n}";
    let err = history_from_json(json).unwrap_err();
    let HistoryJsonError::InvalidJson { line, column, message } = &err else {
        panic!("expected InvalidJson, got {err:?}");
    };
    assert_eq!((*line, *column), (3, 21));
    assert!(!message.contains("at line"), "{message}");
    assert_eq!(err.to_string(), format!("history JSON is not valid at line 3, column 21: {message}"));

    let err = history_from_json("").unwrap_err();
    assert!(matches!(err, HistoryJsonError::InvalidJson { line: 1, .. }), "{err:?}");
    let err = history_from_json(&EXAMPLE[..EXAMPLE.len() / 2]).unwrap_err();
    assert!(matches!(err, HistoryJsonError::InvalidJson { .. }), "{err:?}");
}

#[test]
fn non_histories_give_clear_errors() {
    let err = history_from_json(r#"{"foo":1}"#).unwrap_err();
    assert!(matches!(err, HistoryJsonError::NotAHistory { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("\"events\""), "{text}");
    assert!(text.contains("\"foo\""), "{text}");

    let err = history_from_json("[]").unwrap_err();
    assert!(matches!(err, HistoryJsonError::NotAHistory { .. }), "{err:?}");
    assert!(err.to_string().contains("empty JSON array"), "{err}");

    let err = history_from_json("42").unwrap_err();
    assert!(err.to_string().contains("found a number (42)"), "{err}");

    let err = history_from_json(r#"[{"events": []}, "x"]"#).unwrap_err();
    assert!(err.to_string().contains("element [1]"), "{err}");

    let err = history_from_json(r#"{"events": {"eventId": "1"}}"#).unwrap_err();
    assert!(err.to_string().contains("\"events\" is an object"), "{err}");

    let err = history_from_json(r#"{"events": []}"#).unwrap_err();
    assert_eq!(err, HistoryJsonError::EmptyHistory);
    assert_eq!(err.to_string(), "history contains no events");
}

#[test]
fn out_of_order_events_name_the_event_id() {
    let mut value = example_value();
    value["events"].as_array_mut().unwrap().swap(4, 5);
    let err = history_from_json(&value.to_string()).unwrap_err();
    assert_eq!(
        err,
        HistoryJsonError::EventsOutOfOrder { path: "events[5]".into(), event_id: 5, previous_event_id: Some(6) }
    );
    let text = err.to_string();
    assert!(text.contains("event id 5") && text.contains("event id 6"), "{text}");

    let err = history_from_json(r#"{"events":[{"eventType":"TimerFired"}]}"#).unwrap_err();
    assert!(matches!(err, HistoryJsonError::EventsOutOfOrder { event_id: 0, previous_event_id: None, .. }), "{err:?}");
    assert!(err.to_string().contains("positive event ids"), "{err}");
}

#[test]
fn schema_errors_name_the_field() {
    let mut value = example_value();
    value["events"][5]["timerStartedEventAttributes"]["startToFireTimeout"] = json!("soon");
    let err = history_from_json(&value.to_string()).unwrap_err();
    let HistoryJsonError::InvalidField { path, message } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert_eq!(path, "events[5].timerStartedEventAttributes.startToFireTimeout");
    assert!(!message.is_empty());
    assert!(
        err.to_string()
            .starts_with("history JSON field `events[5].timerStartedEventAttributes.startToFireTimeout` does not fit")
    );

    let mut value = example_value();
    value["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["data"] =
        json!("not base64!");
    let err = history_from_json(&value.to_string()).unwrap_err();
    let HistoryJsonError::InvalidField { path, .. } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert_eq!(path, "events[0].workflowExecutionStartedEventAttributes.input.payloads[0].data");

    let mut value = example_value();
    value["events"][0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]["metadata"]["encoding"] =
        json!(7);
    let err = history_from_json(&json!([value]).to_string()).unwrap_err();
    let HistoryJsonError::InvalidField { path, .. } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert_eq!(path, "[0].events[0].workflowExecutionStartedEventAttributes.input.payloads[0].metadata[\"encoding\"]");

    let err = history_from_json(r#"{"events":[{"eventId":"one"}]}"#).unwrap_err();
    assert!(matches!(&err, HistoryJsonError::InvalidField { path, .. } if path == "events[0].eventId"), "{err:?}");

    let err = history_from_json(r#"{"events":["x"]}"#).unwrap_err();
    assert!(matches!(&err, HistoryJsonError::InvalidField { path, .. } if path == "events[0]"), "{err:?}");
}

#[test]
fn unknown_event_type_is_an_error_unless_ignorable() {
    let err =
        history_from_json(r#"{"events":[{"eventId":"1","eventType":"EVENT_TYPE_FROM_THE_FUTURE"}]}"#).unwrap_err();
    assert!(matches!(&err, HistoryJsonError::InvalidField { path, .. } if path == "events[0].eventType"), "{err:?}");
    assert!(err.to_string().contains("EVENT_TYPE_FROM_THE_FUTURE"), "{err}");

    let history = history_from_json(
        r#"{"events":[{"eventId":"1","eventType":"EVENT_TYPE_FROM_THE_FUTURE","workerMayIgnore":true}]}"#,
    )
    .unwrap();
    assert!(history.events[0].worker_may_ignore);
    assert_eq!(history.events[0].event_type(), EventType::Unspecified);
}

#[test]
fn unknown_fields_are_ignored() {
    let mut value = example_value();
    value["someNewTopLevelField"] = json!({"x": 1});
    value["events"][0]["brandNewEventField"] = json!([1, 2, 3]);
    value["events"][0]["workflowExecutionStartedEventAttributes"]["futureField"] = json!("x");
    value["events"][10]["activityTaskScheduledEventAttributes"]["taskQueue"]["newThing"] = json!(null);
    // Unknown enum values outside `eventType` are dropped (the field keeps its default).
    value["events"][1]["workflowTaskScheduledEventAttributes"]["taskQueue"]["kind"] =
        json!("TASK_QUEUE_KIND_FROM_THE_FUTURE");
    let parsed = history_from_json(&value.to_string()).unwrap();
    let mut expected = example();
    let Some(Attributes::WorkflowTaskScheduledEventAttributes(wft)) = &mut expected.events[1].attributes else {
        panic!("event 2 schedules a workflow task");
    };
    wft.task_queue.as_mut().unwrap().kind = 0;
    assert_eq!(parsed, expected);
}

#[test]
fn snake_case_and_numeric_forms_are_accepted() {
    let history = history_from_json(
        r#"{"events":[{"event_id":1,"event_type":18,"timer_fired_event_attributes":{"timer_id":"t","started_event_id":"0"}}]}"#,
    )
    .unwrap();
    assert_eq!(history.events[0].event_id, 1);
    assert_eq!(history.events[0].event_type(), EventType::TimerFired);
    let Some(Attributes::TimerFiredEventAttributes(fired)) = &history.events[0].attributes else {
        panic!("timer fired");
    };
    assert_eq!(fired.timer_id, "t");
}

#[test]
fn the_descriptor_set_is_exported() {
    // A FileDescriptorSet is a sequence of `file` (field 1) records.
    assert_eq!(FILE_DESCRIPTOR_SET.first(), Some(&0x0a));
    let text = String::from_utf8_lossy(FILE_DESCRIPTOR_SET);
    assert!(text.contains("temporal.api.history.v1"));
}
