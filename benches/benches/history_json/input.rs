//! The history JSON the `history_json` bench, the memory program and the parity test read.

use serde_json::Value;

/// Every recorded history of `tests/histories` and the example history of `protos/tests/data`,
/// concatenated into one history and renumbered: about 400 events of every common kind
/// (activities and their failures and cancellations, timers, signals, child workflows, markers,
/// updates, continue-as-new), pretty-printed as the CLI writes it. Returns the JSON and the
/// number of events.
pub fn realistic_history_json() -> (String, usize) {
    let mut events = Vec::new();
    for source in sources() {
        let value: Value = serde_json::from_str(&source).expect("a recorded history is JSON");
        let Some(Value::Array(more)) = value.get("events").cloned() else { panic!("a recorded history has events") };
        events.extend(more);
    }
    for (i, event) in events.iter_mut().enumerate() {
        event["eventId"] = Value::String((i + 1).to_string());
    }
    let count = events.len();
    let json = serde_json::to_string_pretty(&serde_json::json!({ "events": events })).expect("serializes");
    (json, count)
}

/// The text of each recorded history, in file name order.
pub fn sources() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/tests/histories"))
        .expect("tests/histories exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.push(format!("{root}/protos/tests/data/python-example-history.json").into());
    paths.iter().map(|path| std::fs::read_to_string(path).expect("readable history")).collect()
}
