//! Malformed and unusual history JSON: every error says where (event index and field path), and
//! the unusual-but-valid forms read as the canonical ones.

use serde_json::{Value, json};
use temporal_sdk_protos::{
    history_json::{HistoryJsonError, history_from_json, history_to_json},
    temporal::api::{
        enums::v1::{EventType, SuggestContinueAsNewReason},
        history::v1::{History, HistoryEvent, history_event::Attributes},
    },
};

/// A one-event history whose event is `event` plus an id.
fn one_event(mut event: Value) -> String {
    event["eventId"] = json!("1");
    json!({ "events": [event] }).to_string()
}

/// The path and message of an `InvalidField` error.
fn field_error(json: &str) -> (String, String) {
    match history_from_json(json) {
        Err(HistoryJsonError::InvalidField { path, message }) => (path, message),
        other => panic!("expected InvalidField for {json}, got {other:?}"),
    }
}

#[test]
fn wrong_json_types_name_the_field_and_what_was_expected() {
    let cases = [
        (json!({"eventTime": 5}), "events[0].eventTime", "expected an RFC 3339 timestamp string, found a number (5)"),
        (json!({"taskId": true}), "events[0].taskId", "found a boolean (true)"),
        (json!({"workerMayIgnore": "yes"}), "events[0].workerMayIgnore", "expected true or false, found a string"),
        (json!({"eventType": 1.5}), "events[0].eventType", "expected an enum value name or number"),
        (json!({"eventType": []}), "events[0].eventType", "found an array"),
        (
            json!({"timerStartedEventAttributes": {"timerId": {}}}),
            "events[0].timerStartedEventAttributes.timerId",
            "expected a string, found an object",
        ),
        (json!({"timerStartedEventAttributes": []}), "events[0].timerStartedEventAttributes", "expected an object"),
        (
            json!({"timerStartedEventAttributes": {"startToFireTimeout": "1 minute"}}),
            "events[0].timerStartedEventAttributes.startToFireTimeout",
            "is not a duration",
        ),
        (
            json!({"workflowTaskCompletedEventAttributes": {"sdkMetadata": {"coreUsedFlags": [1, null]}}}),
            "events[0].workflowTaskCompletedEventAttributes.sdkMetadata.coreUsedFlags[1]",
            "found null",
        ),
        (
            json!({"workflowTaskCompletedEventAttributes": {"sdkMetadata": {"coreUsedFlags": [-1]}}}),
            "events[0].workflowTaskCompletedEventAttributes.sdkMetadata.coreUsedFlags[0]",
            "out of the range",
        ),
        (
            json!({"workflowTaskCompletedEventAttributes": {"sdkMetadata": {"coreUsedFlags": 1}}}),
            "events[0].workflowTaskCompletedEventAttributes.sdkMetadata.coreUsedFlags",
            "expected an array",
        ),
        (
            json!({"markerRecordedEventAttributes": {"details": []}}),
            "events[0].markerRecordedEventAttributes.details",
            "expected an object (a map)",
        ),
        (
            json!({"markerRecordedEventAttributes": {"details": {"patch": null}}}),
            "events[0].markerRecordedEventAttributes.details[\"patch\"]",
            "found null",
        ),
        (
            json!({"activityTaskScheduledEventAttributes": {"retryPolicy": {"maximumAttempts": 2.5}}}),
            "events[0].activityTaskScheduledEventAttributes.retryPolicy.maximumAttempts",
            "expected an integer",
        ),
        (
            json!({"activityTaskScheduledEventAttributes": {"retryPolicy": {"maximumAttempts": 3_000_000_000u64}}}),
            "events[0].activityTaskScheduledEventAttributes.retryPolicy.maximumAttempts",
            "out of the range of a 32-bit integer",
        ),
        (
            json!({"activityTaskScheduledEventAttributes": {"retryPolicy": {"backoffCoefficient": "fast"}}}),
            "events[0].activityTaskScheduledEventAttributes.retryPolicy.backoffCoefficient",
            "is not a number",
        ),
        (json!({"eventTime": "2024-01-01T00:00:00"}), "events[0].eventTime", "not an RFC 3339 timestamp"),
        (json!({"eventTime": "10000-01-01T00:00:00Z"}), "events[0].eventTime", "not an RFC 3339 timestamp"),
        (json!({"eventTime": "0000-01-01T00:00:00Z"}), "events[0].eventTime", "outside years 1 to 9999"),
        (json!({"taskId": "12345678901234567890"}), "events[0].taskId", "is not a 64-bit integer"),
    ];
    for (event, expected_path, expected_message) in cases {
        let (path, message) = field_error(&one_event(event.clone()));
        assert_eq!(path, expected_path, "{event}");
        assert!(message.contains(expected_message), "{event}: {message}");
    }
}

#[test]
fn a_field_given_twice_is_an_error() {
    // JSON does not define which of two equal keys wins; rather than guess, say so.
    let json = r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_TIMER_FIRED", "eventId": "2"}]}"#;
    let (path, message) = field_error(json);
    assert_eq!(path, "events[0].eventId");
    assert!(message.contains("given twice"), "{message}");

    // Also under its other name.
    let json = r#"{"events": [{"event_id": "1", "timerFiredEventAttributes": {"timerId": "a", "timer_id": "b"}}]}"#;
    let (path, message) = field_error(json);
    assert_eq!(path, "events[0].timerFiredEventAttributes.timer_id");
    assert!(message.contains("`timerId` or `timer_id`"), "{message}");
}

#[test]
fn two_members_of_a_oneof_is_an_error() {
    let json = one_event(json!({"timerFiredEventAttributes": {}, "timerStartedEventAttributes": {}}));
    let (path, message) = field_error(&json);
    assert!(path.starts_with("events[0].timer"), "{path}");
    assert!(message.contains("only one field of their oneof"), "{message}");

    // `null` leaves a member unset.
    let json = one_event(json!({"timerFiredEventAttributes": {"timerId": "t"}, "timerStartedEventAttributes": null}));
    let history = history_from_json(&json).unwrap();
    assert!(matches!(history.events[0].attributes, Some(Attributes::TimerFiredEventAttributes(_))));
}

#[test]
fn a_syntax_error_is_reported_before_a_schema_error_found_earlier() {
    let json = "{\"events\": [{\"eventId\": \"one\"}],\n \"x\": }";
    let err = history_from_json(json).unwrap_err();
    assert!(matches!(err, HistoryJsonError::InvalidJson { line: 2, .. }), "{err:?}");

    let deep = format!(r#"{{"events": [{}]}}"#, "[".repeat(200));
    let err = history_from_json(&deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[test]
fn unusual_but_valid_forms_read_as_the_canonical_ones() {
    let canonical = one_event(json!({
        "eventType": "EVENT_TYPE_WORKFLOW_TASK_STARTED",
        "eventTime": "2024-01-01T00:00:01.500Z",
        "workflowTaskStartedEventAttributes": {
            "scheduledEventId": "5",
            "suggestContinueAsNewReasons": ["SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS"]
        }
    }));
    let unusual = one_event(json!({
        "event_type": "WorkflowTaskStarted",
        // An offset, and a fraction with more digits.
        "eventTime": "2024-01-01T02:00:01.500000+02:00",
        "workflow_task_started_event_attributes": {
            "scheduled_event_id": 5e0,
            // Legacy names, numbers and unknown names (dropped) in a packed repeated enum.
            "suggestContinueAsNewReasons": ["TooManyHistoryEvents", "SOMETHING_NEW"],
            "aFieldFromTheFuture": {"x": [1, 2, {"y": null}]}
        },
        "brandNew": null
    }));
    let expected = history_from_json(&canonical).unwrap();
    assert_eq!(history_from_json(&unusual).unwrap(), expected);
    let Some(Attributes::WorkflowTaskStartedEventAttributes(started)) = &expected.events[0].attributes else {
        panic!("workflow task started");
    };
    assert_eq!(started.suggest_continue_as_new_reasons, [SuggestContinueAsNewReason::TooManyHistoryEvents as i32]);

    // Escaped keys and strings.
    let escaped = r#"{"events": [{"event\u0049d": "1", "eventType": "EVENT_TYPE_TIMER_FIRED",
        "timerFiredEventAttributes": {"timerId": "a\"b\u00e9"}}]}"#;
    let history = history_from_json(escaped).unwrap();
    let Some(Attributes::TimerFiredEventAttributes(fired)) = &history.events[0].attributes else {
        panic!("timer fired");
    };
    assert_eq!(fired.timer_id, "a\"b\u{e9}");
}

#[test]
fn bytes_in_every_base64_flavour() {
    // 0xfb 0xff: `+/8=` in standard base64, `-_8=` URL-safe, either without padding.
    for data in ["+/8=", "+/8", "-_8=", "-_8"] {
        let json = one_event(json!({
            "workflowExecutionStartedEventAttributes": {"input": {"payloads": [{"metadata": {"encoding": "YmluYXJ5L3BsYWlu"}, "data": data}]}}
        }));
        let history = history_from_json(&json).unwrap();
        let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = &history.events[0].attributes else {
            panic!("started");
        };
        let payload = &started.input.as_ref().unwrap().payloads[0];
        assert_eq!(payload.data, [0xfb, 0xff], "{data}");
        assert_eq!(payload.metadata["encoding"], b"binary/plain");
    }
}

#[test]
fn writing_sorts_map_keys_and_spells_out_special_values() {
    let mut event = HistoryEvent { event_id: 1, event_type: EventType::MarkerRecorded as i32, ..Default::default() };
    let details = ["zeta", "alpha", "mid"].map(|k| (k.to_owned(), Default::default())).into_iter().collect();
    event.attributes = Some(Attributes::MarkerRecordedEventAttributes(
        temporal_sdk_protos::temporal::api::history::v1::MarkerRecordedEventAttributes {
            marker_name: "m".into(),
            details,
            ..Default::default()
        },
    ));
    let mut scheduled =
        HistoryEvent { event_id: 2, event_type: EventType::ActivityTaskScheduled as i32, ..Default::default() };
    scheduled.attributes = Some(Attributes::ActivityTaskScheduledEventAttributes(
        temporal_sdk_protos::temporal::api::history::v1::ActivityTaskScheduledEventAttributes {
            retry_policy: Some(temporal_sdk_protos::temporal::api::common::v1::RetryPolicy {
                backoff_coefficient: f64::INFINITY,
                initial_interval: Some(prost_wkt_types::Duration { seconds: 0, nanos: -500_000_000 }),
                ..Default::default()
            }),
            ..Default::default()
        },
    ));
    let history = History { events: vec![event, scheduled] };
    let json = history_to_json(&history).unwrap();
    let alpha = json.find("\"alpha\"").unwrap();
    let mid = json.find("\"mid\"").unwrap();
    let zeta = json.find("\"zeta\"").unwrap();
    assert!(alpha < mid && mid < zeta, "{json}");
    assert!(json.contains(r#""backoffCoefficient": "Infinity""#), "{json}");
    assert!(json.contains(r#""initialInterval": "-0.500s""#), "{json}");
    assert_eq!(history_from_json(&json).unwrap(), history);

    // A value with no proto3 JSON form is an error, not a panic.
    let mut bad = history.clone();
    bad.events[0].event_time = Some(prost_wkt_types::Timestamp { seconds: i64::MAX, nanos: 0 });
    let err = history_to_json(&bad).unwrap_err();
    assert!(matches!(&err, HistoryJsonError::Serialize { message } if message.contains("years 1 to 9999")), "{err:?}");
}

#[test]
fn nesting_deeper_than_protobuf_allows_is_an_error() {
    use temporal_sdk_protos::temporal::api::{failure::v1::Failure, history::v1::ActivityTaskFailedEventAttributes};

    // Within JSON's nesting limit (128) but beyond protobuf decoding's (100).
    let mut failure = json!({"message": "root"});
    for _ in 0..110 {
        failure = json!({"message": "wrapped", "cause": failure});
    }
    let json = one_event(json!({"activityTaskFailedEventAttributes": {"failure": failure}}));
    let (path, message) = field_error(&json);
    assert_eq!(path, "events[0]");
    assert!(message.contains("does not decode"), "{message}");

    // Writing stops at the same depth instead of exhausting the stack.
    let mut failure = Failure { message: "root".into(), ..Default::default() };
    for _ in 0..150 {
        failure = Failure { message: "wrapped".into(), cause: Some(Box::new(failure)), ..Default::default() };
    }
    let attributes = ActivityTaskFailedEventAttributes { failure: Some(failure), ..Default::default() };
    let event = HistoryEvent {
        event_id: 1,
        attributes: Some(Attributes::ActivityTaskFailedEventAttributes(attributes)),
        ..Default::default()
    };
    let err = history_to_json(&History { events: vec![event] }).unwrap_err();
    assert!(matches!(&err, HistoryJsonError::Serialize { message } if message.contains("nest more than")), "{err:?}");
}

#[test]
fn events_or_history_given_twice_is_an_error() {
    let event = r#"{"eventId": "1", "eventType": "EVENT_TYPE_TIMER_FIRED"}"#;
    let json = format!(r#"{{"events": [{event}], "events": [{event}]}}"#);
    assert_eq!(field_error(&json).0, "events");
    let json = format!(r#"[{{"history": {{"events": [{event}]}}, "history": {{}}}}]"#);
    assert_eq!(field_error(&json).0, "[0].history");
    // One of each is fine: `events` wins.
    let json = format!(r#"{{"history": {{"events": []}}, "events": [{event}]}}"#);
    assert_eq!(history_from_json(&json).unwrap().events.len(), 1);
}
