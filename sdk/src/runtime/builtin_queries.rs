//! The queries every workflow answers without a handler of its own, which the Temporal Web UI
//! and CLI send: `__stack_trace` (what each task waits on, and which line of workflow code
//! started it), `__enhanced_stack_trace` (the same as `temporal.api.sdk.v1.EnhancedStackTrace`,
//! one stack per task) and `__temporal_workflow_metadata` (the workflow's handlers with their
//! descriptions, and the details it last set).
//!
//! Rust futures have no call stack to show, so the stack trace lists the pending SDK operations
//! instead, each with the place in workflow code that called the SDK (`#[track_caller]`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::instance::{InteractionKind, WorkflowInstance};
use super::ops::{OpKind, PendingOp};
use super::state::RunState;
use crate::converter::json::to_python_json;
use crate::protos::temporal::api::command::v1::{Command, command::Attributes as Cmd};
use crate::protos::temporal::api::common::v1::Payload;

pub(crate) const STACK_TRACE: &str = "__stack_trace";
pub(crate) const ENHANCED_STACK_TRACE: &str = "__enhanced_stack_trace";
pub(crate) const WORKFLOW_METADATA: &str = "__temporal_workflow_metadata";
/// All of them, sorted as the metadata lists them.
pub(crate) const NAMES: [&str; 3] = [ENHANCED_STACK_TRACE, STACK_TRACE, WORKFLOW_METADATA];

const METADATA_MESSAGE: &str = "temporal.api.sdk.v1.WorkflowMetadata";
const ENHANCED_STACK_TRACE_MESSAGE: &str = "temporal.api.sdk.v1.EnhancedStackTrace";

/// The answer to a built-in query, or `None` when `name` is not one.
pub(crate) fn answer(name: &str, st: &RunState, instance: &dyn WorkflowInstance) -> Option<Result<Payload, String>> {
    match name {
        STACK_TRACE => Some(string_payload(&stack_trace(st))),
        ENHANCED_STACK_TRACE => Some(proto_json_payload(ENHANCED_STACK_TRACE_MESSAGE, enhanced_stack_trace(st))),
        WORKFLOW_METADATA => Some(metadata(st, instance)),
        _ => None,
    }
}

/// What an operation waits for, from the command that started it (`None`: it issued none).
pub(crate) fn waiting_on(command: &Command) -> Option<String> {
    Some(match command.attributes.as_ref()? {
        Cmd::StartTimerCommandAttributes(a) => {
            let d = a.start_to_fire_timeout.as_ref().map(crate::common::duration_from_proto).unwrap_or_default();
            format!("timer {} (fires after {d:?})", a.timer_id)
        }
        Cmd::ScheduleActivityTaskCommandAttributes(a) => format!(
            "activity {} (activity id {})",
            a.activity_type.as_ref().map_or("", |t| t.name.as_str()),
            a.activity_id
        ),
        Cmd::StartChildWorkflowExecutionCommandAttributes(a) => format!(
            "child workflow {} (workflow id {})",
            a.workflow_type.as_ref().map_or("", |t| t.name.as_str()),
            a.workflow_id
        ),
        Cmd::SignalExternalWorkflowExecutionCommandAttributes(a) => format!(
            "the delivery of signal {} to workflow {}",
            a.signal_name,
            a.execution.as_ref().map_or("", |e| e.workflow_id.as_str())
        ),
        Cmd::RequestCancelExternalWorkflowExecutionCommandAttributes(a) => {
            format!("the delivery of a cancellation request to workflow {}", a.workflow_id)
        }
        _ => return None,
    })
}

/// The SDK function that starts an operation of `kind` (the function the enhanced stack trace
/// shows workflow code in).
fn sdk_function(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Timer => "workflow::sleep",
        OpKind::Activity => "workflow::execute_activity",
        OpKind::Condition => "workflow::wait_condition",
        OpKind::Child => "workflow::start_child_workflow",
        OpKind::SignalExternal => "signal",
        OpKind::CancelExternal => "ExternalWorkflowHandle::cancel",
        OpKind::LocalActivity => "workflow::execute_local_activity",
    }
}

/// An operation without a command of its own, by kind.
fn kind_name(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Timer => "timer",
        OpKind::Activity => "activity",
        OpKind::Condition => "wait_condition",
        OpKind::Child => "child workflow",
        OpKind::SignalExternal => "the delivery of a signal",
        OpKind::CancelExternal => "the delivery of a cancellation request",
        OpKind::LocalActivity => "local activity",
    }
}

/// One block per pending operation (what it is, which task waits on it, where workflow code
/// started it), then one per task that waits on no SDK operation; blocks are separated by a
/// blank line, like the Python SDK's stacks. Empty when nothing is pending.
pub(crate) fn stack_trace(st: &RunState) -> String {
    let workflow_type = st.info.workflow_type.as_str();
    let task_name = |task: Option<u64>| match task.and_then(|t| st.tasks.role(t)) {
        Some(role) => role.describe(workflow_type),
        None => "workflow code".to_string(),
    };
    let mut by_task: BTreeMap<Option<u64>, Vec<PendingOp>> = BTreeMap::new();
    for op in st.owners.pending() {
        by_task.entry(op.task).or_default().push(op);
    }
    let mut blocks = Vec::new();
    for (task, ops) in &by_task {
        for op in ops {
            let what = match op.waiting_on {
                Some(what) => what.to_string(),
                None => format!("{} {}", kind_name(op.kind), op.seq),
            };
            blocks.push(format!("waiting on {what}\n    in {}\n    at {}", task_name(*task), op.site));
        }
    }
    for (task, _) in st.tasks.roles() {
        if !by_task.contains_key(&Some(task)) {
            blocks.push(format!(
                "waiting on no SDK operation (another task's result, or a future the SDK did not create)\n    in {}",
                task_name(Some(task))
            ));
        }
    }
    blocks.join("\n\n")
}

/// `temporal.api.sdk.v1.EnhancedStackTrace` in proto3 JSON: the SDK, and one stack per task
/// with the place of each SDK call it waits on. Sources are left out: the SDK does not read the
/// workflow's source files (the Web UI and CLI do not ask for them).
fn enhanced_stack_trace(st: &RunState) -> Value {
    let mut stacks: BTreeMap<Option<u64>, Vec<Value>> = BTreeMap::new();
    for op in st.owners.pending() {
        let mut location = Map::new();
        insert_non_default(&mut location, "filePath", Value::from(op.site.file()));
        location.insert("line".into(), Value::from(op.site.line()));
        location.insert("column".into(), Value::from(op.site.column()));
        insert_non_default(&mut location, "functionName", Value::from(sdk_function(op.kind)));
        stacks.entry(op.task).or_default().push(Value::Object(location));
    }
    let mut sdk = Map::new();
    sdk.insert("name".into(), Value::from(super::history::SDK_NAME));
    sdk.insert("version".into(), Value::from(env!("CARGO_PKG_VERSION")));
    let mut trace = Map::new();
    trace.insert("sdk".into(), Value::Object(sdk));
    let stacks: Vec<Value> = stacks
        .into_values()
        .map(|locations| {
            let mut stack = Map::new();
            stack.insert("locations".into(), Value::Array(locations));
            Value::Object(stack)
        })
        .collect();
    insert_non_default(&mut trace, "stacks", Value::Array(stacks));
    Value::Object(trace)
}

/// A proto3 JSON message as a `json/protobuf` payload, written as Python writes it.
fn proto_json_payload(message_type: &str, message: Value) -> Result<Payload, String> {
    let data = to_python_json(&message).map_err(|e| e.to_string())?;
    Ok(Payload {
        metadata: [
            ("encoding".to_string(), b"json/protobuf".to_vec()),
            ("messageType".to_string(), message_type.as_bytes().to_vec()),
        ]
        .into(),
        data,
        ..Default::default()
    })
}

/// A `json/plain` string, as a query handler returning `String` answers.
fn string_payload(s: &str) -> Result<Payload, String> {
    let data = to_python_json(s).map_err(|e| e.to_string())?;
    Ok(Payload { metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(), data, ..Default::default() })
}

/// `temporal.api.sdk.v1.WorkflowMetadata` in proto3 JSON as the Python SDK writes it
/// (`json/protobuf`, keys sorted, fields with default values left out): the workflow type, its
/// queries (the built-in ones included), signals and updates sorted by name, each with its
/// description, and the current details.
fn metadata(st: &RunState, instance: &dyn WorkflowInstance) -> Result<Payload, String> {
    let definitions = instance.definitions();
    let list = |kind: InteractionKind, extra: &[&'static str]| -> Value {
        let mut all: Vec<(&str, &str)> =
            definitions.iter().filter(|d| d.kind == kind).map(|d| (d.name, d.description)).collect();
        all.extend(extra.iter().map(|name| (*name, "")));
        all.sort_unstable();
        Value::Array(
            all.into_iter()
                .map(|(name, description)| object(&[("name", name), ("description", description)]))
                .collect(),
        )
    };
    let mut definition = Map::new();
    insert_non_default(&mut definition, "type", Value::from(st.info.workflow_type.as_str()));
    insert_non_default(&mut definition, "queryDefinitions", list(InteractionKind::Query, &NAMES));
    insert_non_default(&mut definition, "signalDefinitions", list(InteractionKind::Signal, &[]));
    insert_non_default(&mut definition, "updateDefinitions", list(InteractionKind::Update, &[]));
    let mut metadata = Map::new();
    insert_non_default(&mut metadata, "definition", Value::Object(definition));
    insert_non_default(&mut metadata, "currentDetails", Value::from(st.current_details.as_str()));
    proto_json_payload(METADATA_MESSAGE, Value::Object(metadata))
}

fn object(fields: &[(&str, &str)]) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        insert_non_default(&mut map, key, Value::from(*value));
    }
    Value::Object(map)
}

/// Proto3 JSON leaves out fields that hold their default value.
fn insert_non_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    let default = match &value {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if !default {
        map.insert(key.to_string(), value);
    }
}

/// The known queries as the Temporal Web UI reads them from an unknown-query error: names in
/// square brackets, separated by spaces (Go's and Python's format).
pub(crate) fn known_list(names: impl IntoIterator<Item = &'static str>) -> String {
    let mut all: Vec<&str> = names.into_iter().chain(NAMES).collect();
    all.sort_unstable();
    all.dedup();
    format!("[{}]", all.join(" "))
}
