//! The history JSON reader and writer this crate had before issue 15, built on prost-reflect
//! (a `DescriptorPool` of the whole Temporal API and a `DynamicMessage` per event), kept
//! verbatim as the baseline of the `history_json` bench and of the parity test that checks the
//! new reader accepts and rejects the same inputs.

#![allow(dead_code)]

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor,
    SerializeOptions,
};
use serde_json::{Map, Value};

use temporal_sdk::protos::{
    FILE_DESCRIPTOR_SET, HistoryJsonError,
    temporal::api::history::v1::{History, HistoryEvent},
};

const HISTORY_MESSAGE: &str = "temporal.api.history.v1.History";
const HISTORY_EVENT_MESSAGE: &str = "temporal.api.history.v1.HistoryEvent";

/// The reflection pool of the whole Temporal API (the +28 MB this module replaced).
pub fn descriptor_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(FILE_DESCRIPTOR_SET)
            .expect("the descriptor set embedded from temporalio-protos at build time is valid")
    })
}

fn history_descriptor() -> &'static MessageDescriptor {
    static DESC: OnceLock<MessageDescriptor> = OnceLock::new();
    DESC.get_or_init(|| {
        descriptor_pool()
            .get_message_by_name(HISTORY_MESSAGE)
            .expect("temporal.api.history.v1.History is in the temporalio-protos descriptor set")
    })
}

fn history_event_descriptor() -> &'static MessageDescriptor {
    static DESC: OnceLock<MessageDescriptor> = OnceLock::new();
    DESC.get_or_init(|| {
        descriptor_pool()
            .get_message_by_name(HISTORY_EVENT_MESSAGE)
            .expect("temporal.api.history.v1.HistoryEvent is in the temporalio-protos descriptor set")
    })
}

/// The former `history_from_json`.
pub fn history_from_json(json: &str) -> Result<History, HistoryJsonError> {
    let value: Value = serde_json::from_str(json).map_err(invalid_json)?;

    // Collect (path prefix, events array) for each history in the input.
    let mut sources: Vec<(String, Vec<Value>)> = Vec::new();
    match value {
        Value::Object(object) => {
            let (prefix, events) = events_of(object, "")?;
            sources.push((prefix, events));
        }
        Value::Array(items) => {
            if items.is_empty() {
                return Err(HistoryJsonError::NotAHistory { found: "found an empty JSON array".to_owned() });
            }
            for (i, item) in items.into_iter().enumerate() {
                let Value::Object(object) = item else {
                    return Err(HistoryJsonError::NotAHistory {
                        found: format!("element [{i}] of the top-level array is {}", describe_value(&item)),
                    });
                };
                sources.push(events_of(object, &format!("[{i}].")).map_err(|err| match err {
                    HistoryJsonError::NotAHistory { found } => HistoryJsonError::NotAHistory {
                        found: format!("in element [{i}] of the top-level array: {found}"),
                    },
                    other => other,
                })?);
            }
        }
        other => {
            return Err(HistoryJsonError::NotAHistory { found: format!("found {}", describe_value(&other)) });
        }
    }

    let event_desc = history_event_descriptor();
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let mut history = History::default();
    let mut previous_id: Option<i64> = None;

    for (prefix, events) in sources {
        for (i, mut event_json) in events.into_iter().enumerate() {
            let path = format!("{prefix}events[{i}]");
            if !event_json.is_object() {
                return Err(HistoryJsonError::InvalidField {
                    message: format!("expected an event object, found {}", describe_value(&event_json)),
                    path,
                });
            }
            fix_legacy_enums(event_desc, &mut event_json);
            check_event_type(&event_json, &path)?;

            let dynamic =
                DynamicMessage::deserialize_with_options(event_desc.clone(), &event_json, &options).map_err(|err| {
                    let mut field_path = path.clone();
                    locate_error(event_desc, &event_json, &options, &mut field_path);
                    HistoryJsonError::InvalidField { path: field_path, message: err.to_string() }
                })?;
            let event = HistoryEvent::decode(dynamic.encode_to_vec().as_slice()).map_err(|err| {
                HistoryJsonError::InvalidField {
                    path: path.clone(),
                    message: format!("event does not decode as a HistoryEvent: {err}"),
                }
            })?;

            let valid = event.event_id > 0 && previous_id.is_none_or(|prev| event.event_id > prev);
            if !valid {
                return Err(HistoryJsonError::EventsOutOfOrder {
                    path,
                    event_id: event.event_id,
                    previous_event_id: previous_id,
                });
            }
            previous_id = Some(event.event_id);
            history.events.push(event);
        }
    }

    if history.events.is_empty() {
        return Err(HistoryJsonError::EmptyHistory);
    }
    Ok(history)
}

/// The former `history_to_json`.
pub fn history_to_json(history: &History) -> Result<String, HistoryJsonError> {
    let serialize_error = |message: String| HistoryJsonError::Serialize { message };
    let dynamic = DynamicMessage::decode(history_descriptor().clone(), history.encode_to_vec().as_slice())
        .map_err(|err| serialize_error(err.to_string()))?;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::pretty(&mut out);
    dynamic
        .serialize_with_options(&mut serializer, &SerializeOptions::new())
        .map_err(|err| serialize_error(err.to_string()))?;
    String::from_utf8(out).map_err(|err| serialize_error(err.to_string()))
}

fn invalid_json(err: serde_json::Error) -> HistoryJsonError {
    let text = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    HistoryJsonError::InvalidJson { line: err.line(), column: err.column(), message }
}

fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(_) => "a string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// Extracts the events array of one history object, returning the path prefix of its events.
fn events_of(mut object: Map<String, Value>, prefix: &str) -> Result<(String, Vec<Value>), HistoryJsonError> {
    match object.remove("events") {
        Some(Value::Array(events)) => Ok((prefix.to_owned(), events)),
        Some(other) => {
            Err(HistoryJsonError::NotAHistory { found: format!("\"events\" is {}", describe_value(&other)) })
        }
        None => match object.remove("history") {
            // GetWorkflowExecutionHistoryResponse: {"history": {"events": [...]}, ...}
            Some(Value::Object(inner)) if inner.contains_key("events") => {
                events_of(inner, &format!("{prefix}history."))
            }
            _ => {
                let keys: Vec<&str> = object.keys().map(String::as_str).take(5).collect();
                let found = if keys.is_empty() {
                    "found an empty object".to_owned()
                } else {
                    let listed = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
                    let more = if object.len() > keys.len() { ", ..." } else { "" };
                    format!("found an object without an \"events\" field (its fields: {listed}{more})")
                };
                Err(HistoryJsonError::NotAHistory { found })
            }
        },
    }
}

/// Rejects an event whose `eventType` is a string this SDK does not know (after legacy fix-up)
/// unless the event sets `workerMayIgnore`: prost-reflect would otherwise silently turn it into
/// `EVENT_TYPE_UNSPECIFIED`.
fn check_event_type(event_json: &Value, path: &str) -> Result<(), HistoryJsonError> {
    let Some(object) = event_json.as_object() else {
        return Ok(());
    };
    let Some((key, Value::String(name))) =
        ["eventType", "event_type"].into_iter().find_map(|k| object.get(k).map(|v| (k, v)))
    else {
        return Ok(());
    };
    let may_ignore =
        ["workerMayIgnore", "worker_may_ignore"].into_iter().any(|k| object.get(k) == Some(&Value::Bool(true)));
    let known = history_event_descriptor()
        .get_field_by_name("event_type")
        .and_then(|field| match field.kind() {
            Kind::Enum(e) => Some(e.get_value_by_name(name).is_some()),
            _ => None,
        })
        .unwrap_or(true);
    if known || may_ignore {
        Ok(())
    } else {
        Err(HistoryJsonError::InvalidField {
            path: format!("{path}.{key}"),
            message: format!(
                "unknown event type \"{name}\" (not a temporal.api.enums.v1.EventType known to \
                 this SDK, and the event does not set workerMayIgnore)"
            ),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Legacy enum spelling fix-up
// ---------------------------------------------------------------------------------------------

/// Rewrites, in place, every string at an enum-typed field of `desc` that is not a value name of
/// that enum into the canonical name, if one matches (`"Normal"` → `"TASK_QUEUE_KIND_NORMAL"`).
/// Strings that are already valid, or that match nothing, are left alone, so this is idempotent.
fn fix_legacy_enums(desc: &MessageDescriptor, value: &mut Value) {
    // Well-known types have their own JSON forms (and NullValue is spelled `null`).
    if desc.full_name().starts_with("google.protobuf.") {
        return;
    }
    let Value::Object(object) = value else {
        return;
    };
    for (key, child) in object.iter_mut() {
        if let Some(field) = find_field(desc, key) {
            fix_field(&field, child);
        }
    }
}

fn find_field(desc: &MessageDescriptor, key: &str) -> Option<FieldDescriptor> {
    desc.get_field_by_json_name(key).or_else(|| desc.get_field_by_name(key))
}

fn fix_field(field: &FieldDescriptor, value: &mut Value) {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return;
        };
        if let Value::Object(map) = value {
            let value_kind = entry.map_entry_value_field().kind();
            for item in map.values_mut() {
                fix_single(&value_kind, item);
            }
        }
    } else if field.is_list() {
        if let Value::Array(items) = value {
            let kind = field.kind();
            for item in items {
                fix_single(&kind, item);
            }
        }
    } else {
        fix_single(&field.kind(), value);
    }
}

fn fix_single(kind: &Kind, value: &mut Value) {
    match kind {
        Kind::Message(message) => fix_legacy_enums(message, value),
        Kind::Enum(enum_desc) => {
            if let Value::String(name) = value
                && let Some(canonical) = canonical_enum_name(enum_desc, name)
            {
                *name = canonical;
            }
        }
        _ => {}
    }
}

/// Returns the canonical value name for a non-canonical spelling, or `None` if `name` is already
/// a value name (or matches nothing).
fn canonical_enum_name(enum_desc: &EnumDescriptor, name: &str) -> Option<String> {
    if enum_desc.full_name().starts_with("google.protobuf.") || enum_desc.get_value_by_name(name).is_some() {
        return None;
    }
    let prefix = enum_value_prefix(enum_desc);
    let screaming = pascal_to_screaming_snake(name);
    let with_prefix = if screaming.starts_with(&prefix) { screaming } else { format!("{prefix}{screaming}") };
    if enum_desc.get_value_by_name(&with_prefix).is_some() {
        return Some(with_prefix);
    }

    // Fallback for spellings the word splitting gets wrong (acronyms, digits, lower case):
    // compare ignoring case and underscores, with or without the prefix.
    let squash = |s: &str| -> String { s.chars().filter(|c| *c != '_').flat_map(char::to_uppercase).collect() };
    let wanted = squash(name);
    let mut matches = enum_desc.values().filter(|v| {
        let full = v.name();
        squash(full) == wanted || full.strip_prefix(&prefix).is_some_and(|short| squash(short) == wanted)
    });
    let first = matches.next()?;
    if matches.next().is_some() {
        return None; // ambiguous
    }
    Some(first.name().to_owned())
}

/// The prefix shared by an enum's value names, e.g. `EVENT_TYPE_` for `EventType`: the name of
/// the zero value minus `UNSPECIFIED` when it follows that convention, otherwise the longest
/// common prefix of the value names cut after its last `_`.
fn enum_value_prefix(enum_desc: &EnumDescriptor) -> String {
    if let Some(zero) = enum_desc.get_value(0)
        && let Some(prefix) = zero.name().strip_suffix("UNSPECIFIED")
        && (prefix.is_empty() || prefix.ends_with('_'))
    {
        return prefix.to_owned();
    }
    let mut names = enum_desc.values().map(|v| v.name().to_owned());
    let Some(mut common) = names.next() else {
        return String::new();
    };
    for name in names {
        let len = common
            .char_indices()
            .zip(name.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        common.truncate(len);
    }
    match common.rfind('_') {
        Some(i) => common[..=i].to_owned(),
        None => String::new(),
    }
}

/// `WorkflowExecutionStarted` → `WORKFLOW_EXECUTION_STARTED`; `HTTPServer` → `HTTP_SERVER`.
fn pascal_to_screaming_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_is_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Error location
// ---------------------------------------------------------------------------------------------

fn fits(desc: &MessageDescriptor, value: &Value, options: &DeserializeOptions) -> bool {
    DynamicMessage::deserialize_with_options(desc.clone(), value, options).is_ok()
}

fn single_field_object(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

/// Narrows down which value inside `value` (which does not deserialize as `desc`) is at fault,
/// appending its location to `path`. Only runs on the error path.
fn locate_error(desc: &MessageDescriptor, value: &Value, options: &DeserializeOptions, path: &mut String) {
    if desc.full_name().starts_with("google.protobuf.") {
        return;
    }
    let Value::Object(object) = value else {
        return;
    };
    for (key, child) in object {
        if fits(desc, &single_field_object(key, child.clone()), options) {
            continue;
        }
        path.push('.');
        path.push_str(key);
        let Some(field) = find_field(desc, key) else {
            return;
        };
        if field.is_map() {
            let (Kind::Message(entry), Value::Object(map)) = (field.kind(), child) else {
                return;
            };
            for (map_key, item) in map {
                let probe = single_field_object(key, single_field_object(map_key, item.clone()));
                if !fits(desc, &probe, options) {
                    path.push_str(&format!("[{map_key:?}]"));
                    if let Kind::Message(item_desc) = entry.map_entry_value_field().kind() {
                        locate_error(&item_desc, item, options, path);
                    }
                    return;
                }
            }
        } else if field.is_list() {
            let Value::Array(items) = child else {
                return;
            };
            for (i, item) in items.iter().enumerate() {
                let probe = single_field_object(key, Value::Array(vec![item.clone()]));
                if !fits(desc, &probe, options) {
                    path.push_str(&format!("[{i}]"));
                    if let Kind::Message(item_desc) = field.kind() {
                        locate_error(&item_desc, item, options, path);
                    }
                    return;
                }
            }
        } else if let Kind::Message(child_desc) = field.kind() {
            locate_error(&child_desc, child, options, path);
        }
        return;
    }
}
