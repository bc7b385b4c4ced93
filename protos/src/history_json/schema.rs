//! The part of the Temporal API schema that a history reaches: `temporal.api.history.v1.History`
//! and every message and enum its fields lead to, as static tables that `build.rs` generates from
//! the `temporalio-protos` descriptor set. Static data costs no heap memory and no start-up time,
//! which is why this replaces a reflection pool of the whole API.

/// A message type. `fields` is sorted by field number; `keys` maps both the JSON name and the
/// proto name of each field to its index in `fields` (a hash table, see [`key_hash`]).
#[derive(Debug)]
pub(super) struct MessageDesc {
    pub(super) name: &'static str,
    pub(super) wkt: Wkt,
    pub(super) fields: &'static [FieldDesc],
    pub(super) keys: &'static [(&'static str, u16)],
}

#[derive(Debug)]
pub(super) struct FieldDesc {
    pub(super) name: &'static str,
    pub(super) json_name: &'static str,
    pub(super) number: u32,
    pub(super) ty: Ty,
    pub(super) card: Card,
    /// 1-based index of the (real) oneof the field belongs to, 0 if none.
    pub(super) oneof: u32,
}

/// Field types; messages and enums by their index in [`MESSAGES`] and [`ENUMS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "every protobuf type is handled; the history schema uses only some today")]
pub(super) enum Ty {
    Double,
    Float,
    Int64,
    Uint64,
    Int32,
    Fixed64,
    Fixed32,
    Bool,
    String,
    Bytes,
    Uint32,
    Sfixed32,
    Sfixed64,
    Sint32,
    Sint64,
    Message(u16),
    Enum(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Card {
    Single,
    Repeated,
    Map,
}

/// Well-known types whose proto3 JSON form is a string rather than an object of their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wkt {
    None,
    Timestamp,
    Duration,
}

#[derive(Debug)]
pub(super) struct EnumDesc {
    #[allow(dead_code, reason = "for Debug output and tests")]
    pub(super) name: &'static str,
    /// Shared prefix of the value names (`EVENT_TYPE_`), added to legacy spellings.
    pub(super) prefix: &'static str,
    /// Values in declaration order (the first name of a number is its canonical one).
    pub(super) values: &'static [(&'static str, i32)],
    /// Value numbers by name (a hash table, see [`key_hash`]).
    pub(super) by_name: &'static [(&'static str, i32)],
}

use super::key_hash;

include!(concat!(env!("OUT_DIR"), "/history_schema.rs"));

/// `temporal.api.history.v1.History`, the root of the generated tables.
pub(super) fn history() -> &'static MessageDesc {
    &MESSAGES[0]
}

pub(super) fn message(id: u16) -> &'static MessageDesc {
    &MESSAGES[usize::from(id)]
}

pub(super) fn enumeration(id: u16) -> &'static EnumDesc {
    &ENUMS[usize::from(id)]
}

impl MessageDesc {
    /// The field a JSON key names: its JSON name (`eventId`) or its proto name (`event_id`).
    pub(super) fn field_by_key(&self, key: &str) -> Option<(usize, &'static FieldDesc)> {
        let index = usize::from(key_hash::find(self.keys, key)?);
        Some((index, self.fields.get(index)?))
    }

    /// Index in `fields` of the field with this number.
    pub(super) fn field_index(&self, number: u32) -> Option<usize> {
        self.fields.binary_search_by_key(&number, |f| f.number).ok()
    }
}

impl EnumDesc {
    /// The number of a value name as the proto defines it.
    pub(super) fn number(&self, name: &str) -> Option<i32> {
        key_hash::find(self.by_name, name)
    }

    /// The number of a value name, accepting the legacy spellings of `tctl`, the old web UI and
    /// older SDKs (`"TimerFired"`, `"Normal"`, `"sticky"`) besides the canonical ones.
    pub(super) fn resolve(&self, name: &str) -> Option<i32> {
        self.number(name).or_else(|| self.number(&self.canonical_name(name)?))
    }

    /// The canonical value name for a non-canonical spelling, or `None` if `name` is already a
    /// value name or matches nothing.
    pub(super) fn canonical_name(&self, name: &str) -> Option<String> {
        if self.number(name).is_some() {
            return None;
        }
        let screaming = pascal_to_screaming_snake(name);
        let with_prefix =
            if screaming.starts_with(self.prefix) { screaming } else { format!("{}{screaming}", self.prefix) };
        if self.number(&with_prefix).is_some() {
            return Some(with_prefix);
        }

        // Fallback for spellings the word splitting gets wrong (acronyms, digits, lower case):
        // compare ignoring case and underscores, with or without the prefix. Rare, so the
        // allocations do not matter.
        let squash = |s: &str| -> String { s.chars().filter(|c| *c != '_').flat_map(char::to_uppercase).collect() };
        let wanted = squash(name);
        let mut matches = self.values.iter().map(|(full, _)| *full).filter(|full| {
            squash(full) == wanted || full.strip_prefix(self.prefix).is_some_and(|short| squash(short) == wanted)
        });
        let first = matches.next()?;
        if matches.next().is_some() {
            return None; // ambiguous
        }
        Some(first.to_owned())
    }

    /// The canonical name of a number, if the enum defines it.
    pub(super) fn name_of(&self, number: i32) -> Option<&'static str> {
        self.values.iter().find(|(_, n)| *n == number).map(|(name, _)| *name)
    }
}

/// `WorkflowExecutionStarted` → `WORKFLOW_EXECUTION_STARTED`; `HTTPServer` → `HTTP_SERVER`.
pub(super) fn pascal_to_screaming_snake(name: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn enum_named(name: &str) -> &'static EnumDesc {
        ENUMS.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{name} is reachable from History"))
    }

    #[test]
    fn screaming_snake() {
        assert_eq!(pascal_to_screaming_snake("WorkflowExecutionStarted"), "WORKFLOW_EXECUTION_STARTED");
        assert_eq!(pascal_to_screaming_snake("Normal"), "NORMAL");
        assert_eq!(pascal_to_screaming_snake("HTTPServer"), "HTTP_SERVER");
        assert_eq!(pascal_to_screaming_snake("ALREADY_DONE"), "ALREADY_DONE");
    }

    #[test]
    fn prefixes() {
        assert_eq!(enum_named("temporal.api.enums.v1.EventType").prefix, "EVENT_TYPE_");
        assert_eq!(enum_named("temporal.api.enums.v1.TaskQueueKind").prefix, "TASK_QUEUE_KIND_");
        assert_eq!(
            enum_named("temporal.api.enums.v1.CancelExternalWorkflowExecutionFailedCause").prefix,
            "CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_"
        );
    }

    #[test]
    fn canonical_names() {
        let kind = enum_named("temporal.api.enums.v1.TaskQueueKind");
        assert_eq!(kind.canonical_name("Normal").as_deref(), Some("TASK_QUEUE_KIND_NORMAL"));
        assert_eq!(kind.canonical_name("TASK_QUEUE_KIND_NORMAL"), None);
        assert_eq!(kind.canonical_name("sticky").as_deref(), Some("TASK_QUEUE_KIND_STICKY"));
        assert_eq!(kind.canonical_name("Bogus"), None);
        assert_eq!(kind.resolve("Sticky"), Some(2));
        assert_eq!(kind.resolve("TASK_QUEUE_KIND_NORMAL"), Some(1));
        let cause = enum_named("temporal.api.enums.v1.CancelExternalWorkflowExecutionFailedCause");
        assert_eq!(
            cause.canonical_name("ExternalWorkflowExecutionNotFound").as_deref(),
            Some("CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND")
        );
        let event_type = enum_named("temporal.api.enums.v1.EventType");
        assert_eq!(event_type.canonical_name("EventTypeTimerFired").as_deref(), Some("EVENT_TYPE_TIMER_FIRED"));
        assert_eq!(event_type.name_of(18), Some("EVENT_TYPE_TIMER_FIRED"));
        assert_eq!(event_type.name_of(100_000), None);
    }

    #[test]
    fn tables_are_consistent() {
        assert_eq!(history().name, "temporal.api.history.v1.History");
        // Empty slots have empty names; an empty key must not match them.
        assert!(history().field_by_key("").is_none());
        assert_eq!(ENUMS[0].number(""), None);
        for message in &MESSAGES {
            // The limits of the duplicate and oneof checks of `from_json::read_fields`.
            assert!(message.fields.len() <= 128, "{}", message.name);
            assert!(message.fields.iter().all(|f| f.oneof <= 8), "{}", message.name);
            assert!(message.fields.windows(2).all(|w| w[0].number < w[1].number), "{}", message.name);
            assert_eq!(
                message.keys.iter().filter(|(key, _)| !key.is_empty()).count(),
                2 * message.fields.len() - message.fields.iter().filter(|f| f.name == f.json_name).count(),
                "{}",
                message.name
            );
            for field in message.fields {
                let by_json = message.field_by_key(field.json_name).map(|(_, f)| f.number);
                let by_name = message.field_by_key(field.name).map(|(_, f)| f.number);
                assert_eq!((by_json, by_name), (Some(field.number), Some(field.number)), "{}", message.name);
                assert!(message.field_by_key(&format!("{}x", field.json_name)).is_none());
                if field.card == Card::Map {
                    let Ty::Message(entry) = field.ty else {
                        panic!("{}.{} is a map of messages", message.name, field.name)
                    };
                    let numbers: Vec<u32> = self::message(entry).fields.iter().map(|f| f.number).collect();
                    assert_eq!(numbers, [1, 2], "{}.{}", message.name, field.name);
                }
            }
        }
        for e in &ENUMS {
            for (name, number) in e.values {
                assert_eq!(e.number(name), Some(*number), "{}", e.name);
            }
            assert_eq!(e.number("NOT_A_VALUE"), None);
        }
        let event = MESSAGES.iter().find(|m| m.name == "temporal.api.history.v1.HistoryEvent").expect("reachable");
        assert!(event.field_by_key("eventType").is_some() && event.field_by_key("worker_may_ignore").is_some());
    }
}
