//! Loading and writing workflow histories as JSON.
//!
//! Histories exported by the `temporal` CLI (`temporal workflow show --output json`), the web
//! UI, `tctl`, other SDKs and the features repository are JSON renderings of
//! `temporal.api.history.v1.History`. The generated Rust types in this crate do **not** implement
//! the proto3 JSON mapping (their serde derives, where enabled, use snake_case field names and
//! numeric `int64`s), so this module implements it for the messages a history reaches:
//!
//! JSON text → protobuf wire bytes (one pass, guided by static tables of the schema that
//! `build.rs` generates from the `temporalio-protos` descriptors) → prost decodes the generated
//! [`History`]. Writing goes the other way. No descriptor pool or dynamic message is built, so
//! loading costs little beyond parsing the JSON, and the schema takes no heap memory.
//!
//! Accepted inputs of [`history_from_json`]:
//!
//! * a history object, `{"events": [...]}` (what the CLI and UI write);
//! * a `GetWorkflowExecutionHistoryResponse`-shaped object, `{"history": {"events": [...]}}`;
//! * a JSON array of history objects (the features repository format); their events are
//!   concatenated in order;
//! * canonical enum names (`"EVENT_TYPE_TIMER_STARTED"`), enum numbers, and the legacy
//!   PascalCase spellings written by `tctl` and the old UI (`"TimerStarted"`, `"Normal"`), for
//!   every enum field of the schema;
//! * `int64` as strings or numbers, both camelCase and snake_case field names; `bytes` in
//!   standard or URL-safe base64, padded or not; unknown fields (for example from a newer
//!   server) are ignored.
//!
//! [`history_to_json`] writes canonical proto3 JSON, the way the `temporal` CLI does.

mod from_json;
mod from_json_value;
mod key_hash;
mod schema;
mod to_json;
mod wire;
mod wkt;

use prost::Message;

use crate::temporal::api::history::v1::{History, HistoryEvent};

/// Errors returned by [`history_from_json`] and [`history_to_json`].
///
/// The `Display` output is meant to be shown to users as is, for example
/// `history JSON is not valid at line 3, column 17: expected value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryJsonError {
    /// The text is not valid JSON.
    #[error("history JSON is not valid at line {line}, column {column}: {message}")]
    InvalidJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser complained about.
        message: String,
    },
    /// The JSON is valid but does not have the shape of a history.
    #[error(
        "JSON is not a workflow history: expected an object with an \"events\" array \
         (or a JSON array of such objects), but {found}"
    )]
    NotAHistory {
        /// What was found instead, e.g. `found an object without an "events" field`.
        found: String,
    },
    /// A value does not fit the `temporal.api.history.v1` schema (wrong type, malformed
    /// duration or timestamp, invalid base64, unknown event type, ...).
    #[error("history JSON field `{path}` does not fit the Temporal history schema: {message}")]
    InvalidField {
        /// Location of the value in the input, e.g.
        /// `events[5].timerStartedEventAttributes.startToFireTimeout`
        /// (`[1].events[5]...` when the input is an array of histories).
        path: String,
        /// The deserializer's message.
        message: String,
    },
    /// The history has no events.
    #[error("history contains no events")]
    EmptyHistory,
    /// The events are not sorted by strictly increasing, positive event id.
    #[error("{}", describe_order_error(path, *event_id, *previous_event_id))]
    EventsOutOfOrder {
        /// Location of the offending event in the input, e.g. `events[7]`.
        path: String,
        /// Its event id (`0` if the event has no `eventId`).
        event_id: i64,
        /// The id of the event before it, if any.
        previous_event_id: Option<i64>,
    },
    /// [`history_to_json`] could not render the history (e.g. a timestamp out of the range that
    /// proto3 JSON allows).
    #[error("history cannot be written as JSON: {message}")]
    Serialize {
        /// The serializer's message.
        message: String,
    },
}

fn describe_order_error(path: &str, event_id: i64, previous_event_id: Option<i64>) -> String {
    match previous_event_id {
        Some(prev) => format!(
            "history events are not sorted by event id: event id {event_id} ({path}) \
             comes after event id {prev}"
        ),
        None => {
            format!("history events must have positive event ids, but {path} has event id {event_id}")
        }
    }
}

/// Parses a workflow history from its JSON rendering.
///
/// Accepts `{"events": [...]}` (as written by `temporal workflow show --output json` and the
/// web UI), `{"history": {"events": [...]}}`, and a JSON array of history objects whose events
/// are concatenated. Legacy PascalCase enum spellings (`"eventType": "WorkflowExecutionStarted"`,
/// `"kind": "Normal"`, as written by `tctl`) are accepted for every enum field; unknown fields
/// and unknown enum values are ignored, except an unknown `eventType` on an event that does not
/// set `workerMayIgnore`. `int64`s may be strings or numbers, `bytes` standard or URL-safe
/// base64 with or without padding. A field given twice in one object (`eventId` and `event_id`,
/// say) is an error, since JSON leaves open which one counts. The events must be non-empty and
/// sorted by strictly increasing event id.
///
/// ```
/// use temporal_sdk_protos::history_json::history_from_json;
/// use temporal_sdk_protos::temporal::api::enums::v1::EventType;
///
/// let json = r#"{"events": [{
///     "eventId": "1",
///     "eventTime": "2024-01-01T00:00:00Z",
///     "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
///     "workflowExecutionStartedEventAttributes": {
///         "workflowType": {"name": "Demo"},
///         "taskQueue": {"name": "q", "kind": "Normal"}
///     }
/// }]}"#;
/// let history = history_from_json(json)?;
/// assert_eq!(history.events[0].event_id, 1);
/// assert_eq!(history.events[0].event_type(), EventType::WorkflowExecutionStarted);
/// # Ok::<(), temporal_sdk_protos::history_json::HistoryJsonError>(())
/// ```
///
/// # Errors
///
/// [`HistoryJsonError::InvalidJson`] for malformed JSON, [`HistoryJsonError::NotAHistory`] if
/// the JSON does not contain an `events` array, [`HistoryJsonError::InvalidField`] if a value
/// does not fit the schema, [`HistoryJsonError::EmptyHistory`] and
/// [`HistoryJsonError::EventsOutOfOrder`] for an unusable event list.
pub fn history_from_json(json: &str) -> Result<History, HistoryJsonError> {
    use serde::de::DeserializeSeed as _;

    // The wire form is usually about a third of the JSON's size.
    let mut ctx = from_json::Ctx::new(json.len() / 2);
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let read = from_json::TopSeed { ctx: &mut ctx }.deserialize(&mut deserializer).and_then(|()| deserializer.end());
    if let Err(err) = read {
        // A JSON syntax error anywhere in the text is reported before a schema error that the
        // one-pass reader came across earlier, as a reader that parses the whole text first
        // would (the position of a syntax error is the more useful message). The check also
        // applies the parser's nesting limit to values that the reader skipped.
        if let Err(syntax) = from_json::check_syntax(json) {
            return Err(invalid_json(syntax));
        }
        return Err(match ctx.failure.take() {
            Some(from_json::Failure::Field { message, path }) => {
                HistoryJsonError::InvalidField { path: path.iter().rev().map(String::as_str).collect(), message }
            }
            Some(from_json::Failure::NotAHistory(found)) => HistoryJsonError::NotAHistory { found },
            None => invalid_json(err),
        });
    }

    decode_events(&ctx.out, &ctx.sources)
}

/// Decodes the events that [`from_json`] wrote (each a field-1 record of `History`), checking
/// that their ids are positive and strictly increasing; `sources` locates each event in the
/// input for errors.
fn decode_events(bytes: &[u8], sources: &[(String, usize)]) -> Result<History, HistoryJsonError> {
    // Decoding event by event into a vector of the right size, rather than `History::decode`,
    // saves growing the vector (events are large structs) and locates a decoding error.
    let count = sources.iter().map(|(_, count)| count).sum();
    if count == 0 {
        return Err(HistoryJsonError::EmptyHistory);
    }
    let mut events: Vec<HistoryEvent> = Vec::with_capacity(count);
    let mut locations = sources.iter().flat_map(|(path, count)| (0..*count).map(move |i| (path, i)));
    let mut records = wire::Reader::new(bytes);
    let mut previous_id: Option<i64> = None;
    loop {
        let location = locations.next();
        let path = || location.map_or_else(|| "events".to_owned(), |(path, i)| format!("{path}[{i}]"));
        let decode_error = |message: String| HistoryJsonError::InvalidField {
            path: path(),
            message: format!("the event does not decode as a HistoryEvent: {message}"),
        };
        let event = match records.field() {
            Ok(None) => break,
            Ok(Some((1, wire::Value::Len(event)))) => {
                HistoryEvent::decode(event).map_err(|err| decode_error(err.to_string()))?
            }
            Ok(Some(_)) => return Err(decode_error("not an event record".to_owned())),
            Err(message) => return Err(decode_error(message.to_owned())),
        };
        if event.event_id <= 0 || previous_id.is_some_and(|prev| event.event_id <= prev) {
            return Err(HistoryJsonError::EventsOutOfOrder {
                path: path(),
                event_id: event.event_id,
                previous_event_id: previous_id,
            });
        }
        previous_id = Some(event.event_id);
        events.push(event);
    }
    Ok(History { events })
}

/// Writes a history as canonical proto3 JSON, the format `temporal workflow show --output json`
/// writes and [`history_from_json`] reads: camelCase field names, `int64` as strings, enums by
/// full name (`"EVENT_TYPE_TIMER_STARTED"`), durations like `"10s"`, RFC 3339 timestamps and
/// base64 `bytes`; pretty-printed with two-space indentation.
///
/// ```
/// use temporal_sdk_protos::history_json::{history_from_json, history_to_json};
///
/// let history = history_from_json(r#"{"events":[{"eventId":"1","eventType":"TimerFired"}]}"#)?;
/// let json = history_to_json(&history)?;
/// assert!(json.contains(r#""eventType": "EVENT_TYPE_TIMER_FIRED""#));
/// assert_eq!(history_from_json(&json)?, history);
/// # Ok::<(), temporal_sdk_protos::history_json::HistoryJsonError>(())
/// ```
///
/// # Errors
///
/// [`HistoryJsonError::Serialize`] if a value has no proto3 JSON form (e.g. a timestamp before
/// year 1 or after year 9999).
pub fn history_to_json(history: &History) -> Result<String, HistoryJsonError> {
    use serde::Serialize as _;

    let serialize_error = |message: String| HistoryJsonError::Serialize { message };
    let bytes = history.encode_to_vec();
    let mut out = Vec::with_capacity(bytes.len() * 3);
    let mut serializer = serde_json::Serializer::pretty(&mut out);
    to_json::Message { desc: schema::history(), bytes: &bytes, depth: 0 }
        .serialize(&mut serializer)
        .map_err(|err| serialize_error(err.to_string()))?;
    String::from_utf8(out).map_err(|err| serialize_error(err.to_string()))
}

fn invalid_json(err: serde_json::Error) -> HistoryJsonError {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    HistoryJsonError::InvalidJson { line: err.line(), column: err.column(), message }
}
