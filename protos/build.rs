//! Two outputs in `OUT_DIR`, both from the `FileDescriptorSet` that `temporalio-protos` writes:
//!
//! * `temporal_descriptors.bin`, a copy of the set, embedded as
//!   `temporal_sdk_protos::FILE_DESCRIPTOR_SET` for users who want reflection;
//! * `history_schema.rs`, static tables describing `temporal.api.history.v1.History` and every
//!   message and enum it reaches. `src/history_json` reads and writes history JSON with them.
//!   Generating them here, rather than decoding the descriptor set at run time, means loading a
//!   history allocates nothing for the schema and pays no start-up cost.
//!
//! `temporalio-protos` declares `links = "temporalio_protos"` and prints
//! `cargo:descriptor_path=...`; Cargo hands that to direct dependents' build scripts as
//! `DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH`.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process,
};

use prost::Message;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorSet,
    field_descriptor_proto::{Label, Type},
};

#[path = "src/history_json/key_hash.rs"]
mod key_hash;

const VAR: &str = "DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH";
const ROOT: &str = ".temporal.api.history.v1.History";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={VAR}");

    let Some(source) = env::var_os(VAR) else {
        fail(format!(
            "environment variable {VAR} is not set.\n\
             temporal-sdk-protos needs the protobuf descriptor set that the `temporalio-protos` \
             build script exports through `links = \"temporalio_protos\"` \
             (`cargo:descriptor_path=...`). Make sure `temporalio-protos` is a direct \
             [dependencies] entry of temporal-sdk-protos and that its version still exports \
             `descriptor_path`."
        ));
    };
    let source = PathBuf::from(source);
    println!("cargo:rerun-if-changed={}", source.display());
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo always sets OUT_DIR"));

    let bytes = fs::read(&source)
        .unwrap_or_else(|err| fail(format!("could not read the descriptor set {}: {err}", source.display())));
    write(&out_dir.join("temporal_descriptors.bin"), &bytes);

    let set = FileDescriptorSet::decode(bytes.as_slice())
        .unwrap_or_else(|err| fail(format!("the descriptor set {} does not decode: {err}", source.display())));
    let code = Schema::collect(&set).render();
    write(&out_dir.join("history_schema.rs"), code.as_bytes());
}

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}

fn write(path: &Path, bytes: &[u8]) {
    if let Err(err) = fs::write(path, bytes) {
        fail(format!("could not write {}: {err}", path.display()));
    }
}

/// Every message and enum of the descriptor set by full name (`.pkg.Outer.Inner`).
struct Index<'a> {
    messages: HashMap<String, &'a DescriptorProto>,
    enums: HashMap<String, &'a EnumDescriptorProto>,
}

impl<'a> Index<'a> {
    fn new(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index { messages: HashMap::new(), enums: HashMap::new() };
        for file in &set.file {
            let scope = match file.package() {
                "" => String::new(),
                package => format!(".{package}"),
            };
            for message in &file.message_type {
                index.add_message(&scope, message);
            }
            for e in &file.enum_type {
                index.enums.insert(format!("{scope}.{}", e.name()), e);
            }
        }
        index
    }

    fn add_message(&mut self, scope: &str, message: &'a DescriptorProto) {
        let name = format!("{scope}.{}", message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested);
        }
        for e in &message.enum_type {
            self.enums.insert(format!("{name}.{}", e.name()), e);
        }
        self.messages.insert(name, message);
    }
}

/// The messages and enums reachable from [`ROOT`], numbered in discovery order (the root is
/// message 0).
struct Schema<'a> {
    index: Index<'a>,
    messages: Vec<String>,
    message_ids: HashMap<String, usize>,
    enums: Vec<String>,
    enum_ids: HashMap<String, usize>,
}

impl<'a> Schema<'a> {
    fn collect(set: &'a FileDescriptorSet) -> Self {
        let mut schema = Schema {
            index: Index::new(set),
            messages: Vec::new(),
            message_ids: HashMap::new(),
            enums: Vec::new(),
            enum_ids: HashMap::new(),
        };
        let mut queue = VecDeque::from([ROOT.to_owned()]);
        schema.message_id(ROOT);
        while let Some(name) = queue.pop_front() {
            let message = schema.message(&name);
            if well_known(&name).is_some() {
                continue; // read and written as strings; their fields are not needed
            }
            for field in &message.field {
                match field.r#type() {
                    Type::Group => {
                        fail(format!("{name}.{} is a group, which proto3 JSON has no form for", field.name()))
                    }
                    Type::Message => {
                        let target = field.type_name().to_owned();
                        if !schema.message_ids.contains_key(&target) {
                            schema.message_id(&target);
                            queue.push_back(target);
                        }
                    }
                    Type::Enum => {
                        schema.enum_id(field.type_name());
                    }
                    _ => {}
                }
            }
        }
        schema
    }

    fn message(&self, name: &str) -> &'a DescriptorProto {
        self.index.messages.get(name).copied().unwrap_or_else(|| fail(format!("message {name} is not in the set")))
    }

    fn message_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.message_ids.get(name) {
            return id;
        }
        if name.starts_with(".google.protobuf.") && well_known(name).is_none() {
            fail(format!(
                "{name} is now reachable from {ROOT}, but src/history_json does not implement its \
                 JSON form; add it to `well_known` here and to `Wkt` there"
            ));
        }
        self.messages.push(name.to_owned());
        self.message_ids.insert(name.to_owned(), self.messages.len() - 1);
        self.messages.len() - 1
    }

    fn enum_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.enum_ids.get(name) {
            return id;
        }
        if !self.index.enums.contains_key(name) {
            fail(format!("enum {name} is not in the set"));
        }
        self.enums.push(name.to_owned());
        self.enum_ids.insert(name.to_owned(), self.enums.len() - 1);
        self.enums.len() - 1
    }

    fn render(&self) -> String {
        let mut out =
            String::from("// Generated by temporal-sdk-protos/build.rs from the temporalio-protos descriptor set.\n\n");
        let _ = writeln!(out, "pub(super) static MESSAGES: [MessageDesc; {}] = [", self.messages.len());
        for name in &self.messages {
            self.render_message(&mut out, name);
        }
        out.push_str("];\n\n");
        let _ = writeln!(out, "pub(super) static ENUMS: [EnumDesc; {}] = [", self.enums.len());
        for name in &self.enums {
            self.render_enum(&mut out, name);
        }
        out.push_str("];\n\n");
        // The event fields that history loading treats specially.
        let event_name = ".temporal.api.history.v1.HistoryEvent";
        let event = self.message(event_name);
        let number = |field: &str| {
            event
                .field
                .iter()
                .find(|f| f.name() == field)
                .map(|f| f.number())
                .unwrap_or_else(|| fail(format!("{event_name} has no field {field}")))
        };
        let _ = writeln!(out, "pub(super) const HISTORY_EVENT: u16 = {};", self.message_ids[event_name]);
        let _ = writeln!(out, "pub(super) const EVENT_TYPE_NUMBER: u32 = {};", number("event_type"));
        let _ = writeln!(out, "pub(super) const WORKER_MAY_IGNORE_NUMBER: u32 = {};", number("worker_may_ignore"));
        out
    }

    fn render_message(&self, out: &mut String, name: &str) {
        let message = self.message(name);
        let wkt = well_known(name).unwrap_or("None");
        let mut fields: Vec<_> = if wkt == "None" { message.field.iter().collect() } else { Vec::new() };
        fields.sort_by_key(|f| f.number());

        let _ = writeln!(out, "    MessageDesc {{\n        name: {:?},\n        wkt: Wkt::{wkt},", &name[1..]);
        out.push_str("        fields: &[\n");
        let mut lookup = BTreeMap::new();
        for (i, field) in fields.iter().enumerate() {
            let json_name = match field.json_name.as_deref() {
                Some(json) if !json.is_empty() => json.to_owned(),
                _ => lower_camel(field.name()),
            };
            lookup.insert(field.name().to_owned(), i);
            lookup.insert(json_name.clone(), i);
            let ty = match field.r#type() {
                Type::Message => format!("Ty::Message({})", self.message_ids[field.type_name()]),
                Type::Enum => format!("Ty::Enum({})", self.enum_ids[field.type_name()]),
                other => format!("Ty::{}", scalar_name(other)),
            };
            let is_map = field.r#type() == Type::Message
                && self
                    .index
                    .messages
                    .get(field.type_name())
                    .is_some_and(|m| m.options.as_ref().is_some_and(|o| o.map_entry()));
            let card = match (field.label(), is_map) {
                (Label::Repeated, true) => "Map",
                (Label::Repeated, false) => "Repeated",
                _ => "Single",
            };
            // proto3 `optional` fields sit in a synthetic oneof of their own; only real oneofs
            // constrain the JSON (at most one member set).
            let oneof = match field.oneof_index {
                Some(i) if !field.proto3_optional() => i + 1,
                _ => 0,
            };
            let _ = writeln!(
                out,
                "            FieldDesc {{ name: {:?}, json_name: {json_name:?}, number: {}, ty: {ty}, card: Card::{card}, oneof: {oneof} }},",
                field.name(),
                field.number(),
            );
        }
        let lookup: Vec<(&str, usize)> = lookup.iter().map(|(key, i)| (key.as_str(), *i)).collect();
        let _ = writeln!(out, "        ],\n        keys: &[{}],\n    }},", table(&lookup));
    }

    fn render_enum(&self, out: &mut String, name: &str) {
        let e = self.index.enums[name];
        let values: Vec<(&str, i32)> = e.value.iter().map(|v| (v.name(), v.number())).collect();
        let _ = writeln!(
            out,
            "    EnumDesc {{\n        name: {:?},\n        prefix: {:?},\n        values: &{values:?},\n        by_name: &[{}],\n    }},",
            &name[1..],
            value_prefix(&values),
            table(&values),
        );
    }
}

/// The entries of a hash table of `entries` (see `src/history_json/key_hash.rs`), as Rust
/// tuples; empty slots are `("", 0)`.
fn table<T: Copy + Default + std::fmt::Display>(entries: &[(&str, T)]) -> String {
    let names: Vec<&str> = entries.iter().map(|(name, _)| *name).collect();
    let mut out = String::new();
    for slot in key_hash::build_slots(&names) {
        let (name, value) = slot.map_or(("", T::default()), |i| entries[i]);
        let _ = write!(out, "({name:?}, {value}), ");
    }
    out
}

/// The `Wkt` variant of the well-known types whose JSON form is not an object of their fields.
fn well_known(name: &str) -> Option<&'static str> {
    match name {
        ".google.protobuf.Timestamp" => Some("Timestamp"),
        ".google.protobuf.Duration" => Some("Duration"),
        _ => None,
    }
}

fn scalar_name(ty: Type) -> &'static str {
    match ty {
        Type::Double => "Double",
        Type::Float => "Float",
        Type::Int64 => "Int64",
        Type::Uint64 => "Uint64",
        Type::Int32 => "Int32",
        Type::Fixed64 => "Fixed64",
        Type::Fixed32 => "Fixed32",
        Type::Bool => "Bool",
        Type::String => "String",
        Type::Bytes => "Bytes",
        Type::Uint32 => "Uint32",
        Type::Sfixed32 => "Sfixed32",
        Type::Sfixed64 => "Sfixed64",
        Type::Sint32 => "Sint32",
        Type::Sint64 => "Sint64",
        Type::Message | Type::Group | Type::Enum => unreachable!("handled by the caller"),
    }
}

/// protoc's default JSON name: `workflow_task_timeout` → `workflowTaskTimeout`.
fn lower_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The prefix shared by an enum's value names, e.g. `EVENT_TYPE_` for `EventType`: the name of
/// the zero value minus `UNSPECIFIED` when it follows that convention, otherwise the longest
/// common prefix of the value names cut after its last `_`. Legacy spellings
/// (`"TimerFired"`) are resolved by adding it back.
fn value_prefix(values: &[(&str, i32)]) -> String {
    if let Some((zero, _)) = values.iter().find(|(_, n)| *n == 0)
        && let Some(prefix) = zero.strip_suffix("UNSPECIFIED")
        && (prefix.is_empty() || prefix.ends_with('_'))
    {
        return prefix.to_owned();
    }
    let mut names = values.iter().map(|(name, _)| *name);
    let Some(first) = names.next() else {
        return String::new();
    };
    let mut common = first.len();
    for name in names {
        common = first.bytes().zip(name.bytes()).take(common).take_while(|(a, b)| a == b).count();
    }
    match first[..common].rfind('_') {
        Some(i) => first[..=i].to_owned(),
        None => String::new(),
    }
}
