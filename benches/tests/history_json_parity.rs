//! The history JSON reader of issue 15 against the prost-reflect one it replaced (kept in
//! `benches/history_json/baseline.rs`): the same histories from every recorded history, from
//! their legacy spellings, and from thousands of malformed variants, where both must fail, at
//! the same place.

#[path = "../benches/history_json/baseline.rs"]
mod baseline;
#[path = "../benches/history_json/input.rs"]
mod input;

use serde_json::{Value, json};
use temporal_sdk::protos::{HistoryJsonError, history_from_json, history_to_json};

/// Where an error points, without its wording (which differs between the implementations).
fn location(err: &HistoryJsonError) -> String {
    match err {
        HistoryJsonError::InvalidJson { line, column, .. } => format!("invalid JSON at {line}:{column}"),
        HistoryJsonError::NotAHistory { .. } => "not a history".to_owned(),
        HistoryJsonError::InvalidField { path, .. } => format!("invalid field {path}"),
        HistoryJsonError::EmptyHistory => "empty".to_owned(),
        HistoryJsonError::EventsOutOfOrder { path, event_id, previous_event_id } => {
            format!("out of order {path} {event_id} {previous_event_id:?}")
        }
        other => format!("{other:?}"),
    }
}

/// Both readers agree on `json`; returns a description of the disagreement otherwise.
fn compare(json: &str) -> Result<(), String> {
    match (baseline::history_from_json(json), history_from_json(json)) {
        (Ok(old), Ok(new)) if old == new => Ok(()),
        (Ok(_), Ok(_)) => Err("different histories".to_owned()),
        (Err(old), Err(new)) if location(&old) == location(&new) => Ok(()),
        // The old reader could not always narrow an error down (for example two members of a
        // oneof, each fine alone) and pointed at the enclosing value.
        (Err(old), Err(new)) if location(&new).starts_with(&format!("{}.", location(&old))) => Ok(()),
        (old, new) => Err(format!(
            "before: {}, after: {}",
            old.map_or_else(|e| e.to_string(), |_| "Ok".to_owned()),
            new.map_or_else(|e| e.to_string(), |_| "Ok".to_owned())
        )),
    }
}

/// Value name prefixes of the enums in the recorded histories.
const PREFIXES: &[&str] = &[
    "EVENT_TYPE_",
    "TASK_QUEUE_KIND_",
    "PARENT_CLOSE_POLICY_",
    "WORKFLOW_ID_REUSE_POLICY_",
    "RETRY_STATE_",
    "TIMEOUT_TYPE_",
    "CONTINUE_AS_NEW_INITIATOR_",
    "SUGGEST_CONTINUE_AS_NEW_REASON_",
    "VERSIONING_BEHAVIOR_",
    "WORKFLOW_TASK_FAILED_CAUSE_",
    "INDEXED_VALUE_TYPE_",
];

/// PascalCase enum names (`EVENT_TYPE_TIMER_FIRED` → `EventTypeTimerFired`, or `TimerFired`
/// with `strip_prefix`) and `int64`s as numbers, as `tctl` wrote them.
fn to_legacy(value: &mut Value, strip_prefix: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(text)
                        if text.contains('_') && text.chars().all(|c| c.is_ascii_uppercase() || c == '_') =>
                    {
                        let short = PREFIXES.iter().find_map(|p| text.strip_prefix(p)).filter(|_| strip_prefix);
                        let words = short.unwrap_or(text).split('_');
                        *text = words.map(|w| w[..1].to_owned() + &w[1..].to_lowercase()).collect();
                    }
                    Value::String(text)
                        if (key.ends_with("EventId") || key == "taskId") && text.parse::<i64>().is_ok() =>
                    {
                        *child = json!(text.parse::<i64>().unwrap_or_default());
                    }
                    _ => to_legacy(child, strip_prefix),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| to_legacy(item, strip_prefix)),
        _ => {}
    }
}

#[test]
fn recorded_histories_and_their_legacy_spellings_read_the_same() {
    let (combined, _) = input::realistic_history_json();
    for source in input::sources().into_iter().chain([combined]) {
        compare(&source).unwrap();
        let history = history_from_json(&source).unwrap();
        for strip_prefix in [false, true] {
            let mut legacy: Value = serde_json::from_str(&source).unwrap();
            to_legacy(&mut legacy, strip_prefix);
            let legacy = legacy.to_string();
            compare(&legacy).unwrap();
            assert_eq!(history_from_json(&legacy).unwrap(), history);
        }
        // Both writers produce the same JSON document (up to key order: the old one wrote map
        // entries in hash order).
        let old: Value = serde_json::from_str(&baseline::history_to_json(&history).unwrap()).unwrap();
        let new: Value = serde_json::from_str(&history_to_json(&history).unwrap()).unwrap();
        assert_eq!(old, new);
    }
}

/// Replacements tried for every value of an event.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e3),
        json!(4_294_967_296u64),
        json!("x"),
        json!("7"),
        json!(""),
        json!("Sticky"),
        json!("1970-01-01T00:00:01Z"),
        json!("1s"),
        json!("AA-_"),
        json!([]),
        json!([null]),
        json!(["x"]),
        json!([1]),
        json!({}),
        json!({"x": 1}),
        json!({"k": null}),
    ]
}

/// Calls `f` with every (pointer, value) of `value`'s tree, depth first.
fn walk(value: &Value, pointer: &str, f: &mut impl FnMut(&str, &Value)) {
    f(pointer, value);
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, &format!("{pointer}/{k}"), f)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(v, &format!("{pointer}/{i}"), f)),
        _ => {}
    }
}

#[test]
fn malformed_events_fail_the_same_way() {
    // One event of each type across the recorded histories.
    let mut events: Vec<Value> = Vec::new();
    for source in input::sources() {
        let value: Value = serde_json::from_str(&source).unwrap();
        for event in value["events"].as_array().unwrap() {
            if !events.iter().any(|e| e["eventType"] == event["eventType"]) {
                events.push(event.clone());
            }
        }
    }
    let mut disagreements = Vec::new();
    let mut cases = 0;
    for event in &events {
        let mut pointers = Vec::new();
        walk(event, "", &mut |pointer, _| pointers.push(pointer.to_owned()));
        for pointer in pointers.iter().filter(|p| !p.is_empty()) {
            let mut variants: Vec<Value> = replacements()
                .into_iter()
                .map(|replacement| {
                    let mut changed = event.clone();
                    *changed.pointer_mut(pointer).unwrap() = replacement;
                    changed
                })
                .collect();
            // Removing the value altogether.
            let mut removed = event.clone();
            let (parent, last) = pointer.rsplit_once('/').unwrap();
            match removed.pointer_mut(parent).unwrap() {
                Value::Object(map) => drop(map.remove(last)),
                Value::Array(items) => drop(items.remove(last.parse::<usize>().unwrap())),
                _ => unreachable!(),
            }
            variants.push(removed);
            for variant in variants {
                cases += 1;
                let json = json!({"events": [variant]}).to_string();
                if let Err(diff) = compare(&json) {
                    disagreements.push(format!("{}{pointer}: {diff}", event["eventType"]));
                }
            }
        }
    }
    println!("{cases} malformed variants compared");
    assert!(cases > 5_000, "{cases} cases");
    assert!(
        disagreements.is_empty(),
        "{} of {cases} cases disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn documents_of_every_shape_read_the_same() {
    let started = r#"{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"}"#;
    let fired = r#"{"eventId": "2", "eventType": "TimerFired", "timerFiredEventAttributes": {"timerId": "t"}}"#;
    let events = format!("[{started}, {fired}]");
    let nested_causes =
        format!("{}{}", r#"{"message": "x", "cause": "#.repeat(130), "{}".to_owned() + &"}".repeat(130));
    let documents = [
        String::new(),
        "\u{feff}{}".to_owned(),
        "{}".to_owned(),
        "[]".to_owned(),
        "42".to_owned(),
        "null".to_owned(),
        r#""events""#.to_owned(),
        "[1, 2".to_owned(),
        "[".repeat(10_000),
        r#"{"events": {}}"#.to_owned(),
        r#"{"events": null}"#.to_owned(),
        r#"{"events": []}"#.to_owned(),
        r#"{"events": [7]}"#.to_owned(),
        format!(r#"{{"events": {events}}}"#),
        format!(r#"{{"events": {events}}} trailing"#),
        format!(r#"[{{"events": {events}}}, "x"]"#),
        format!(r#"[{{"events": [{started}]}}, {{"events": [{fired}]}}]"#),
        format!(r#"[{{"events": [{fired}]}}, {{"events": [{started}]}}]"#),
        format!(r#"{{"history": {{"events": {events}}}, "nextPageToken": null}}"#),
        format!(r#"[{{"history": {{"events": {events}}}}}]"#),
        r#"{"history": 5, "foo": 1}"#.to_owned(),
        r#"{"history": {"foo": 1}}"#.to_owned(),
        r#"{"history": {"events": 5}}"#.to_owned(),
        format!(r#"{{"history": {{"history": {{"events": {events}}}}}}}"#),
        format!(r#"{{"events": [{started}], "history": {{"events": [{fired}]}}}}"#),
        format!(r#"{{"history": {{"events": [{fired}]}}, "events": [{started}]}}"#),
        // Schema error, then a syntax error further on.
        r#"{"events": [{"eventId": "one"}], "#.to_owned(),
        r#"{"events": [{"event\u0049d": "1", "event_type": 18, "timer_fired_event_attributes": {"timer_id": "t"}}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_FROM_THE_FUTURE"}]}"#.to_owned(),
        r#"{"events": [{"eventId": "1", "eventType": "FromTheFuture", "workerMayIgnore": true}]}"#.to_owned(),
        r#"{"events": [{"workerMayIgnore": true, "eventId": "1", "eventType": "EVENT_TYPE_FROM_THE_FUTURE"}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_FROM_THE_FUTURE", "workerMayIgnore": false}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_FROM_THE_FUTURE", "workerMayIgnore": null}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "timerFiredEventAttributes": {}, "timerStartedEventAttributes": {}}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "timerFiredEventAttributes": {}, "timerStartedEventAttributes": null}]}"#
            .to_owned(),
        format!(
            r#"{{"events": [{{"eventId": "1", "activityTaskFailedEventAttributes": {{"failure": {nested_causes}}}}}]}}"#
        ),
        r#"{"events": [{"eventId": "1", "eventTime": "2024-02-30T00:00:00Z"}]}"#.to_owned(),
        r#"{"events": [{"eventId": "1", "eventTime": "2024-01-01T00:00:00.123456789012Z"}]}"#.to_owned(),
        r#"{"events": [{"eventId": "1", "eventTime": "2024-01-01t00:00:00z"}]}"#.to_owned(),
        r#"{"events": [{"eventId": "-1"}]}"#.to_owned(),
        r#"{"events": [{"eventId": "9223372036854775808"}]}"#.to_owned(),
        r#"{"events": [{"eventId": 1e0}, {"eventId": 2.5}]}"#.to_owned(),
        r#"{"events": [{"eventId": "1", "activityTaskScheduledEventAttributes": {"retryPolicy":
            {"backoffCoefficient": "Infinity", "maximumAttempts": "3"}}}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "workflowTaskCompletedEventAttributes": {"sdkMetadata":
            {"coreUsedFlags": [1, "2", 3.0]}}}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "markerRecordedEventAttributes": {"details":
            {"a": {"payloads": [{"data": "AA"}]}, "b": null}}}]}"#
            .to_owned(),
        r#"{"events": [{"eventId": "1", "workflowExecutionStartedEventAttributes": {"taskQueue":
            {"kind": 1}, "parentClosePolicy": "PARENT_CLOSE_POLICY_TERMINATE"}}]}"#
            .to_owned(),
    ];
    let mut disagreements = Vec::new();
    for document in &documents {
        if let Err(diff) = compare(document) {
            disagreements.push(format!("{}: {diff}", document.chars().take(120).collect::<String>()));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
