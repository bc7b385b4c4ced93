//! JSON → protobuf wire bytes of a `History`, in one pass over the JSON text.
//!
//! serde_json drives visitors that look each key up in the static [`schema`](super::schema) and
//! write the value straight into a wire-format buffer; prost then decodes the buffer into the
//! generated types. Nothing is built per event besides those bytes: no JSON tree, no dynamic
//! message.
//!
//! Errors: serde's error type carries only text with a line and column, so a schema error is
//! recorded in [`Ctx::failure`] instead, and each enclosing value adds its path segment to it as
//! the error propagates out (`.startToFireTimeout`, then `.timerStartedEventAttributes`, then
//! `[5]`, ...). The happy path builds no paths. An error with no recorded failure came from the
//! JSON parser itself (a syntax error).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{
    schema::{self, Card, MessageDesc, Ty, Wkt},
    wire::{self, LEN},
};

/// Implements the `visit_*` methods of a visitor for the JSON kinds it does not take, each
/// handing a description of the value to `self.other`.
macro_rules! other_kinds {
    ($de:lifetime, $value:ty; $($kind:ident),*) => { $(other_kinds!(@ $de, $value; $kind);)* };
    (@ $de:lifetime, $value:ty; null) => {
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            self.other(Found::Null)
        }
    };
    (@ $de:lifetime, $value:ty; bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<$value, E> {
            self.other(Found::Bool(v))
        }
    };
    (@ $de:lifetime, $value:ty; number) => {
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<$value, E> {
            self.other(Found::Number(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<$value, E> {
            self.other(Found::Number(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<$value, E> {
            self.other(Found::Number(v.to_string()))
        }
    };
    (@ $de:lifetime, $value:ty; string) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> {
            self.other(Found::String)
        }
    };
    (@ $de:lifetime, $value:ty; array) => {
        fn visit_seq<A: SeqAccess<$de>>(self, mut seq: A) -> Result<$value, A::Error> {
            // Drained in case `other` accepts the value (serde_json insists).
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            self.other(Found::Array)
        }
    };
    (@ $de:lifetime, $value:ty; object) => {
        fn visit_map<A: MapAccess<$de>>(self, mut map: A) -> Result<$value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            self.other(Found::Object)
        }
    };
}

/// A failure found while reading, with the path to it (innermost segment first).
#[derive(Debug)]
pub(super) enum Failure {
    Field { message: String, path: Vec<String> },
    NotAHistory(String),
}

/// State shared by all visitors of one read.
pub(super) struct Ctx {
    /// Wire bytes of the `History` read so far.
    pub(super) out: Vec<u8>,
    pub(super) failure: Option<Failure>,
    /// (path of the array, number of events) for each `events` array read, in input order.
    pub(super) sources: Vec<(String, usize)>,
}

impl Ctx {
    pub(super) fn new(capacity: usize) -> Self {
        Ctx { out: Vec::with_capacity(capacity), failure: None, sources: Vec::new() }
    }

    /// Records a schema error at the current value and returns the error that unwinds serde.
    pub(super) fn fail<E: de::Error>(&mut self, message: String) -> E {
        self.failure = Some(Failure::Field { message, path: Vec::new() });
        E::custom("the history JSON does not fit the schema")
    }

    fn not_a_history<E: de::Error>(&mut self, found: String) -> E {
        self.failure = Some(Failure::NotAHistory(found));
        E::custom("the JSON is not a history")
    }

    /// Adds the path segment of a nested value to the failure it returned, if any.
    pub(super) fn within<T, E>(&mut self, result: Result<T, E>, segment: impl FnOnce() -> String) -> Result<T, E> {
        if result.is_err()
            && let Some(Failure::Field { path, .. }) = &mut self.failure
        {
            path.push(segment());
        }
        result
    }

    pub(super) fn end_len<E: de::Error>(&mut self, at: usize) -> Result<(), E> {
        wire::end_len(&mut self.out, at).map_err(|message| self.fail(message.to_owned()))
    }
}

/// Reads a history object's `events`, and with `nested`, a `history` object holding them (the
/// shape of `GetWorkflowExecutionHistoryResponse`). Returns whether events were found and, if
/// not, a description of the object for the error.
pub(super) fn read_history_object<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx,
    map: &mut A,
    prefix: &str,
    nested: bool,
) -> Result<Result<(), String>, A::Error> {
    let mark = (ctx.out.len(), ctx.sources.len());
    let mut from_events = false;
    let mut from_history = false;
    let mut seen_history = false;
    let mut keys: Vec<String> = Vec::new();
    let mut key_count = 0;
    while let Some(key) = map.next_key_seed(KeySeed)? {
        let given_twice = match &*key {
            "events" => from_events,
            "history" => nested && seen_history,
            _ => false,
        };
        if given_twice {
            let err = ctx.fail("the field is given twice".to_owned());
            return ctx.within(Err(err), || format!("{prefix}{}", &*key));
        }
        match &*key {
            "events" => {
                // `events` wins over a `history` object read before it.
                ctx.out.truncate(mark.0);
                ctx.sources.truncate(mark.1);
                map.next_value_seed(EventsSeed { ctx, path: format!("{prefix}events") })?;
                from_events = true;
            }
            "history" if nested => {
                seen_history = true;
                if from_events {
                    map.next_value::<IgnoredAny>()?;
                } else {
                    let inner = InnerHistorySeed { ctx, prefix: format!("{prefix}history.") };
                    from_history = map.next_value_seed(inner)?;
                }
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if keys.len() < 5 {
            keys.push(format!("\"{}\"", &*key));
        }
        key_count += 1;
    }
    if from_events || from_history {
        return Ok(Ok(()));
    }
    Ok(Err(if keys.is_empty() {
        "found an empty object".to_owned()
    } else {
        let more = if key_count > keys.len() { ", ..." } else { "" };
        format!("found an object without an \"events\" field (its fields: {}{more})", keys.join(", "))
    }))
}

/// The top-level value: a history object, or an array of them.
pub(super) struct TopSeed<'c> {
    pub(super) ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a history object or an array of them")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        read_history_object(self.ctx, &mut map, "", true)?.map_err(|found| self.ctx.not_a_history(found))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq.next_element_seed(TopElementSeed { ctx: self.ctx, index })?.is_some() {
            index += 1;
        }
        if index == 0 {
            return Err(self.ctx.not_a_history("found an empty JSON array".to_owned()));
        }
        Ok(())
    }

    other_kinds!('de, (); null, bool, number, string);
}

impl TopSeed<'_> {
    fn other<E: de::Error>(self, found: Found) -> Result<(), E> {
        Err(self.ctx.not_a_history(format!("found {found}")))
    }
}

/// One element of a top-level array: a history object.
struct TopElementSeed<'c> {
    ctx: &'c mut Ctx,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for TopElementSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopElementSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a history object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let index = self.index;
        read_history_object(self.ctx, &mut map, &format!("[{index}]."), true)?
            .map_err(|found| self.ctx.not_a_history(format!("in element [{index}] of the top-level array: {found}")))
    }

    other_kinds!('de, (); array, null, bool, number, string);
}

impl TopElementSeed<'_> {
    fn other<E: de::Error>(self, found: Found) -> Result<(), E> {
        Err(self.ctx.not_a_history(format!("element [{}] of the top-level array is {found}", self.index)))
    }
}

/// The value of a `history` key: a history object if it has `events`, otherwise ignored.
struct InnerHistorySeed<'c> {
    ctx: &'c mut Ctx,
    prefix: String,
}

impl<'de> DeserializeSeed<'de> for InnerHistorySeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for InnerHistorySeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        Ok(read_history_object(self.ctx, &mut map, &self.prefix, false)?.is_ok())
    }

    other_kinds!('de, bool; array, null, bool, number, string);
}

impl InnerHistorySeed<'_> {
    fn other<E: de::Error>(self, _: Found) -> Result<bool, E> {
        Ok(false)
    }
}

/// The value of an `events` key: an array of events, each written as field 1 of `History`.
struct EventsSeed<'c> {
    ctx: &'c mut Ctx,
    /// `events`, `[1].events`, `history.events`, ...
    path: String,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let mut count = 0;
        loop {
            let result = seq.next_element_seed(EventSeed { ctx: &mut *ctx });
            let more = ctx.within(result, || format!("[{count}]"));
            match ctx.within(more, || self.path.clone())? {
                Some(()) => count += 1,
                None => break,
            }
        }
        ctx.sources.push((self.path, count));
        Ok(())
    }

    other_kinds!('de, (); object, null, bool, number, string);
}

impl EventsSeed<'_> {
    fn other<E: de::Error>(self, found: Found) -> Result<(), E> {
        Err(self.ctx.not_a_history(format!("\"events\" is {found}")))
    }
}

/// One element of `events`.
struct EventSeed<'c> {
    ctx: &'c mut Ctx,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        wire::put_tag(&mut self.ctx.out, 1, LEN);
        let at = wire::begin_len(&mut self.ctx.out);
        read_fields(self.ctx, schema::message(schema::HISTORY_EVENT), &mut map)?;
        self.ctx.end_len(at)
    }

    other_kinds!('de, (); array, null, bool, number, string);
}

impl EventSeed<'_> {
    fn other<E: de::Error>(self, found: Found) -> Result<(), E> {
        Err(self.ctx.fail(format!("expected an event object, found {found}")))
    }
}

/// Writes the fields of one JSON object as message `desc` (the caller wrote the tag and length
/// prefix).
pub(super) fn read_fields<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx,
    desc: &'static MessageDesc,
    map: &mut A,
) -> Result<(), A::Error> {
    let is_event = std::ptr::eq(desc, schema::message(schema::HISTORY_EVENT));
    // Fields already given (by index; the reachable messages have fewer than 128 fields, larger
    // indexes are simply not checked) and, per oneof, the member given.
    let mut seen: u128 = 0;
    let mut oneof_members: [Option<&'static str>; 8] = [None; 8];
    let mut unknown_event_type: Option<(String, String)> = None;
    let mut worker_may_ignore = false;

    while let Some(key) = map.next_key_seed(KeySeed)? {
        let Some((index, field)) = desc.field_by_key(&key) else {
            // Unknown fields, e.g. from a newer server, are ignored.
            map.next_value::<IgnoredAny>()?;
            continue;
        };
        if index < 128 {
            if seen & (1 << index) != 0 {
                let message = if field.json_name == field.name {
                    "the field is given twice".to_owned()
                } else {
                    format!("the field is given twice (as `{}` or `{}`)", field.json_name, field.name)
                };
                let err = ctx.fail(message);
                return ctx.within(Err(err), || format!(".{}", &*key));
            }
            seen |= 1 << index;
        }
        let seed =
            ValueSeed { ctx: &mut *ctx, number: field.number, ty: field.ty, card: field.card, role: Role::Field };
        let result = map.next_value_seed(seed);
        match ctx.within(result, || format!(".{}", &*key))? {
            Outcome::Unset => {}
            Outcome::UnknownEnum(name) => {
                if is_event && field.number == schema::EVENT_TYPE_NUMBER {
                    unknown_event_type = Some((key.to_string(), name));
                }
            }
            outcome @ (Outcome::Set | Outcome::True) => {
                worker_may_ignore |=
                    is_event && field.number == schema::WORKER_MAY_IGNORE_NUMBER && outcome == Outcome::True;
                let Some(slot) = (field.oneof as usize).checked_sub(1).and_then(|i| oneof_members.get_mut(i)) else {
                    continue;
                };
                if let Some(other) = slot.replace(field.json_name) {
                    let err = ctx.fail(format!("`{other}` is set too, and only one field of their oneof may be set"));
                    return ctx.within(Err(err), || format!(".{}", &*key));
                }
            }
        }
    }

    // An event of a type this SDK does not know cannot be replayed, unless the server marked it
    // as safe to skip.
    if let Some((key, name)) = unknown_event_type
        && !worker_may_ignore
    {
        let err = ctx.fail(format!(
            "unknown event type \"{name}\" (not a temporal.api.enums.v1.EventType known to this SDK, and the \
             event does not set workerMayIgnore)"
        ));
        return ctx.within(Err(err), || format!(".{key}"));
    }
    Ok(())
}

/// Checks that `json` is one valid JSON value, with the parser's nesting limit, and nothing
/// more: what a reader that parsed the whole text first would have reported.
pub(super) fn check_syntax(json: &str) -> Result<(), serde_json::Error> {
    // `IgnoredAny` skips nested values without the nesting limit; this visitor recurses.
    struct Any;

    impl<'de> de::Deserialize<'de> for Any {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Any, D::Error> {
            deserializer.deserialize_any(Any)
        }
    }

    impl<'de> Visitor<'de> for Any {
        type Value = Any;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Any, E> {
            Ok(Any)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Any, A::Error> {
            while seq.next_element::<Any>()?.is_some() {}
            Ok(Any)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
            while map.next_entry::<IgnoredAny, Any>()?.is_some() {}
            Ok(Any)
        }
    }

    serde_json::from_str::<Any>(json).map(|_| ())
}

/// A JSON object key, borrowed from the input unless it has escapes.
pub(super) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl std::ops::Deref for Key<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

pub(super) struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }
}

/// What a JSON value was, for error messages.
pub(super) enum Found {
    Null,
    Bool(bool),
    Number(String),
    String,
    Array,
    Object,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Null => f.write_str("null"),
            Found::Bool(b) => write!(f, "a boolean ({b})"),
            Found::Number(n) => write!(f, "a number ({n})"),
            Found::String => f.write_str("a string"),
            Found::Array => f.write_str("an array"),
            Found::Object => f.write_str("an object"),
        }
    }
}

/// How a field value was written.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// `null`: the field keeps its default.
    Unset,
    Set,
    /// A boolean `true` (`workerMayIgnore` matters to event type checking).
    True,
    /// An enum name this SDK does not know: skipped, as proto3 JSON parsers do with
    /// unknown fields ignored.
    UnknownEnum(String),
}

/// Where a value sits, which decides whether `null` is allowed and whether a tag is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A field of an object (`null` leaves it unset).
    Field,
    /// An element of a repeated field of strings, bytes or messages, or a map value.
    Element,
    /// An element of a packed repeated field: no tag.
    Packed,
}

/// Writes one JSON value as field `number` of type `ty` (the visitor is in
/// [`from_json_value`](super::from_json_value)).
pub(super) struct ValueSeed<'c> {
    pub(super) ctx: &'c mut Ctx,
    pub(super) number: u32,
    pub(super) ty: Ty,
    pub(super) card: Card,
    pub(super) role: Role,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Outcome;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Outcome, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl fmt::Display for ValueSeed<'_> {
    /// What the value should be, for error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match (self.card, self.ty) {
            (Card::Repeated, _) => "an array",
            (Card::Map, _) => "an object (a map)",
            (Card::Single, Ty::Message(id)) => match schema::message(id).wkt {
                Wkt::Timestamp => "an RFC 3339 timestamp string",
                Wkt::Duration => "a duration string such as \"10s\"",
                Wkt::None => "an object",
            },
            (Card::Single, Ty::Enum(_)) => "an enum value name or number",
            (Card::Single, Ty::Bool) => "true or false",
            (Card::Single, Ty::String) => "a string",
            (Card::Single, Ty::Bytes) => "a base64 string",
            (Card::Single, Ty::Double | Ty::Float) => "a number",
            (Card::Single, _) => "an integer (a number or a decimal string)",
        })
    }
}

impl ValueSeed<'_> {
    pub(super) fn mismatch<E: de::Error>(self, found: Found) -> E {
        let message = format!("expected {self}, found {found}");
        self.ctx.fail(message)
    }

    pub(super) fn tag(&mut self, wire_type: u8) {
        if self.role != Role::Packed {
            wire::put_tag(&mut self.ctx.out, self.number, wire_type);
        }
    }
}
