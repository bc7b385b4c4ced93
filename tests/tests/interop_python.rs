//! Interoperability with the real Python SDK (`temporalio`, pinned in `tests/python.rs`, installed
//! on first use): Python clients and workers (`tests/python/interop.py`, child processes killed
//! at the end of each test) against this SDK's clients and workers, on this binary's dev server.
//!
//! What crosses the language boundary here: workflow inputs and results both ways (JSON structures
//! decoded into Python dataclasses and Rust structs, non-ASCII text, nested nulls, top-level bytes
//! and `None`), by-name activity calls from Rust to Python and back, the samples' AES-GCM codec in
//! both directions, failures with encoded attributes both ways (read, then re-raised unchanged),
//! protobuf messages as `json/protobuf` and `binary/protobuf` both ways, `json/plain` bytes
//! identical to Python's for the same value, calls with several arguments both ways (one payload
//! each, with Python's rules for missing and extra ones), and a payload we cannot decode, which
//! must fail the task without losing the workflow.

use std::time::Duration;

use examples::codecs::EncryptionCodec;
use futures::future::BoxFuture;
use integration_tests::python::{PyConverter, PythonClient, PythonWorker};
use integration_tests::{RunningWorker, client, unique};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use temporal_sdk::converter::{
    self, CodecError, DataConverter, FailureConverter, PayloadCodec, Proto, ProtoBinary, RawBytes,
};
use temporal_sdk::error::FailureKind;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::{Payload, WorkflowExecution as SdkExecution};
use temporal_sdk::protos::temporal::api::enums::v1::WorkflowExecutionStatus;
use temporal_sdk::protos::temporal::api::failure::v1::Failure as FailureProto;
use temporal_sdk::protos::temporal::api::failure::v1::failure::FailureInfo;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::replay::WorkflowHistory;

/// The dev server's address as Python's `Client.connect` takes it (`host:port`).
fn address() -> String {
    let target = integration_tests::target();
    target.trim_start_matches("http://").trim_start_matches("https://").to_string()
}

fn encrypting() -> DataConverter {
    DataConverter::default().with_codec(EncryptionCodec::samples_test_key())
}

// ---- The Rust side: workflows and an activity the Python side calls -------------------------

// The same types as the dataclasses of interop.py: field names verbatim, as Python writes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    sku: String,
    quantity: u32,
    unit_price: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    order_id: String,
    items: Vec<Item>,
    note: Option<String>,
    gift: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Receipt {
    order_id: String,
    item_count: u32,
    total: f64,
    skus: Vec<String>,
    note: Option<String>,
    handled_by: String,
}

/// The same computation as `checkout` in interop.py, so results from both languages compare.
fn checkout(order: &Order, handled_by: &str) -> Receipt {
    let mut skus: Vec<String> = order.items.iter().map(|i| i.sku.clone()).collect();
    skus.sort();
    Receipt {
        order_id: order.order_id.clone(),
        item_count: order.items.iter().map(|i| i.quantity).sum(),
        total: order.items.iter().map(|i| f64::from(i.quantity) * i.unit_price).sum(),
        skus,
        note: order.note.clone(),
        handled_by: handled_by.into(),
    }
}

fn order(note: Option<&str>) -> Order {
    Order {
        order_id: "order-7".into(),
        items: vec![
            Item { sku: "tea".into(), quantity: 3, unit_price: 2.5 },
            Item { sku: "café".into(), quantity: 1, unit_price: 10.0 },
        ],
        note: note.map(String::from),
        gift: note.is_some(),
    }
}

#[derive(Default)]
struct Checkout;

#[workflow]
impl Checkout {
    #[run]
    async fn run(&self, order: Order) -> WorkflowResult<Receipt> {
        Ok(checkout(&order, "rust"))
    }
}

#[derive(Default)]
struct ReverseBytes;

#[workflow]
impl ReverseBytes {
    /// Top-level bytes travel as `binary/plain` and `None` as `binary/null`, in both SDKs.
    #[run]
    async fn run(&self, input: Option<RawBytes>) -> WorkflowResult<Option<RawBytes>> {
        Ok(input.map(|RawBytes(mut bytes)| {
            bytes.reverse();
            RawBytes(bytes)
        }))
    }
}

/// An activity to call by name on another task queue, with one argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ActivityCall {
    activity: String,
    task_queue: String,
    arg: Value,
}

impl ActivityCall {
    fn options(&self) -> ActivityOptions {
        ActivityOptions::start_to_close(Duration::from_secs(10))
            .task_queue(self.task_queue.clone())
            .retry_policy(RetryPolicy::default().maximum_attempts(1))
    }
}

#[derive(Default)]
struct CallsActivity;

#[workflow]
impl CallsActivity {
    #[run]
    async fn run(&self, call: ActivityCall) -> WorkflowResult<Value> {
        let out: Value = workflow::execute_activity_by_name(&call.activity, &call.arg, call.options()).await?;
        Ok(json!({ "activity_result": out }))
    }
}

/// What the Rust workflow read from a Python activity's failure, kept in its memo for the test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SeenFailure {
    activity_message: String,
    activity_type: String,
    message: String,
    error_type: Option<String>,
    non_retryable: bool,
    details: Vec<Value>,
    source: String,
}

#[derive(Default)]
struct ReraisesActivityFailure;

#[workflow]
impl ReraisesActivityFailure {
    /// Calls the activity, which must fail; records what it read from the failure and fails the
    /// workflow with the activity's own failure (the cause under the activity failure) unchanged.
    #[run]
    async fn run(&self, call: ActivityCall) -> WorkflowResult<()> {
        let error = match workflow::execute_activity_by_name::<Value, _>(&call.activity, &call.arg, call.options())
            .await
        {
            Ok(v) => {
                return Err(ApplicationError::new(format!("{} returned {v}; expected a failure", call.activity)).into());
            }
            Err(e) => e,
        };
        let failure = error.failure().ok_or_else(|| WorkflowError::task(format!("not a failure: {error}")))?;
        let FailureKind::Activity { activity_type, .. } = &failure.kind else {
            return Err(WorkflowError::task(format!("not an activity failure: {failure:?}")));
        };
        let cause = failure.cause.as_deref().ok_or_else(|| WorkflowError::task("activity failure without cause"))?;
        let FailureKind::Application { error_type, non_retryable, details, .. } = &cause.kind else {
            return Err(WorkflowError::task(format!("not an application failure: {cause:?}")));
        };
        let details = details.iter().map(converter::decode::<Value>).collect::<Result<Vec<_>, _>>()?;
        let seen = SeenFailure {
            activity_message: failure.message.clone(),
            activity_type: activity_type.clone(),
            message: cause.message.clone(),
            error_type: error_type.clone(),
            non_retryable: *non_retryable,
            details,
            source: cause.source.clone(),
        };
        workflow::upsert_memo([("seen", seen)])?;
        Err(WorkflowError::from_failure(cause.clone()))
    }
}

#[activity]
async fn rust_refuses(text: String) -> Result<String, ActivityError> {
    let error = ApplicationError::new(format!("refused: {text}"))
        .with_type("RustRefused")
        .non_retryable()
        .with_detail(&json!({ "code": 7, "text": text }))?;
    Err(error.into())
}

// ---- History inspection ---------------------------------------------------------------------

/// Every user payload of a history, with the event type that holds it: inputs, results, and the
/// payloads of failures (encoded attributes, details) down their cause chains.
fn user_payloads(history: &WorkflowHistory) -> Vec<(String, Payload)> {
    fn of_failure(failure: Option<&FailureProto>, out: &mut Vec<Payload>) {
        let Some(failure) = failure else { return };
        out.extend(failure.encoded_attributes.iter().cloned());
        if let Some(FailureInfo::ApplicationFailureInfo(info)) = &failure.failure_info {
            out.extend(info.details.iter().flat_map(|d| d.payloads.iter().cloned()));
        }
        of_failure(failure.cause.as_deref(), out);
    }
    let mut all = Vec::new();
    for event in &history.history.events {
        let mut payloads = Vec::new();
        match &event.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
                payloads.extend(a.input.iter().flat_map(|p| p.payloads.iter().cloned()))
            }
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                payloads.extend(a.input.iter().flat_map(|p| p.payloads.iter().cloned()))
            }
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                payloads.extend(a.result.iter().flat_map(|p| p.payloads.iter().cloned()))
            }
            Some(Attributes::ActivityTaskFailedEventAttributes(a)) => of_failure(a.failure.as_ref(), &mut payloads),
            Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => {
                payloads.extend(a.result.iter().flat_map(|p| p.payloads.iter().cloned()))
            }
            Some(Attributes::WorkflowExecutionFailedEventAttributes(a)) => {
                of_failure(a.failure.as_ref(), &mut payloads)
            }
            _ => {}
        }
        let kind = event.event_type().as_str_name().trim_start_matches("EVENT_TYPE_").to_string();
        all.extend(payloads.into_iter().map(|p| (kind.clone(), p)));
    }
    all
}

fn encoding(payload: &Payload) -> String {
    String::from_utf8_lossy(payload.metadata.get("encoding").map(Vec::as_slice).unwrap_or_default()).into_owned()
}

/// Asserts that the history holds user payloads in each of `events`, all `binary/encrypted`.
fn assert_all_encrypted(history: &WorkflowHistory, events: &[&str]) {
    let payloads = user_payloads(history);
    for (event, payload) in &payloads {
        assert_eq!(encoding(payload), "binary/encrypted", "{event} holds a clear payload: {payload:?}");
        assert_eq!(payload.metadata.get("encryption-key-id").map(Vec::as_slice), Some(&b"test-key-id"[..]));
    }
    for expected in events {
        assert!(payloads.iter().any(|(event, _)| event == expected), "no user payload in {expected}: {payloads:?}");
    }
}

fn failure_of(history: &WorkflowHistory, event: &str) -> FailureProto {
    history
        .history
        .events
        .iter()
        .find_map(|e| match (&e.attributes, event) {
            (Some(Attributes::ActivityTaskFailedEventAttributes(a)), "ACTIVITY_TASK_FAILED") => a.failure.clone(),
            (Some(Attributes::WorkflowExecutionFailedEventAttributes(a)), "WORKFLOW_EXECUTION_FAILED") => {
                a.failure.clone()
            }
            (Some(Attributes::WorkflowTaskFailedEventAttributes(a)), "WORKFLOW_TASK_FAILED") => a.failure.clone(),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {event} failure in the history"))
}

fn workflow_id(out: &Value) -> &str {
    out["workflow_id"].as_str().unwrap_or_else(|| panic!("no workflow id in {out}"))
}

/// Waits for the first failed workflow task of a run and returns its failure.
async fn first_task_failure(client: &Client, workflow_id: &str) -> FailureProto {
    let handle = client.get_untyped_workflow_handle(workflow_id, None);
    for _ in 0..200 {
        let history = handle.fetch_history().await.expect("history");
        let failed = history.history.events.iter().find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(a)) => a.failure.clone(),
            _ => None,
        });
        if let Some(failure) = failed {
            return failure;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the workflow task of {workflow_id} never failed")
}

// ---- Plain payloads both ways ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_runs_a_rust_workflow_and_reads_what_a_rust_client_reads() {
    let client = client().await;
    let queue = unique("py-to-rust");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Checkout>());
    let input = order(None);
    let from_python = PythonClient::new(&address(), &queue, "Checkout")
        .arg(serde_json::to_value(&input).expect("order as JSON"))
        .run()
        .await;
    let from_rust = client
        .execute_workflow(Checkout::run, input.clone(), WorkflowOptions::new(unique("rust-checkout"), &queue))
        .await
        .expect("rust client result");
    assert_eq!(from_rust, checkout(&input, "rust"));
    assert_eq!(from_python["result"], serde_json::to_value(&from_rust).expect("receipt as JSON"), "{from_python}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_runs_a_python_workflow() {
    let client = client().await;
    let queue = unique("rust-to-py");
    let python = PythonWorker::start(&address(), &queue, PyConverter::default()).await;
    // Python decodes our JSON into its dataclasses (non-ASCII text, a nested null) and we decode
    // its dataclass result into our struct: the same receipt as our own workflow computes.
    for input in [order(Some("für Jürgen ✓ \"quoted\"")), order(None)] {
        let handle = client
            .start_workflow_by_name("PyCheckout", &input, WorkflowOptions::new(unique("py-checkout"), &queue))
            .await
            .expect("start");
        let receipt: Receipt = handle.result_as().await.unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
        assert_eq!(receipt, checkout(&input, "python"));
    }
    // Untyped: what Python made of our values.
    for (value, python_type) in [
        (json!({"nested": [1, 2.5, null, "ü"]}), "dict"),
        (json!("text"), "str"),
        (json!(12), "int"),
        (json!(true), "bool"),
    ] {
        let handle = client
            .start_workflow_by_name("PyEcho", &value, WorkflowOptions::new(unique("py-echo"), &queue))
            .await
            .expect("start");
        let echoed: Value = handle.result_as().await.expect("result");
        assert_eq!(echoed, json!({"python_type": python_type, "value": value}));
    }
    let bytes = client
        .start_workflow_by_name("PyEcho", &RawBytes(vec![0xde, 0xad]), WorkflowOptions::new(unique("py-echo"), &queue))
        .await
        .expect("start");
    // Python returns its bytes inside a dict: a JSON array of integers, which RawBytes reads.
    let echoed: Value = bytes.result_as().await.expect("result");
    assert_eq!(echoed, json!({"python_type": "bytes", "value": [0xde, 0xad]}));
    let none = client
        .start_workflow_by_name("PyEcho", &Option::<u8>::None, WorkflowOptions::new(unique("py-echo"), &queue))
        .await
        .expect("start");
    assert_eq!(none.result_as::<Value>().await.expect("result"), json!({"python_type": "NoneType", "value": null}));
    python.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_level_bytes_and_none_cross_from_python_to_rust_and_back() {
    let client = client().await;
    let queue = unique("py-bytes");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<ReverseBytes>());
    let bytes = PythonClient::new(&address(), &queue, "ReverseBytes").arg(json!({"__bytes__": "deadbeef"})).run().await;
    assert_eq!(bytes["result"], json!({"__bytes__": "efbeadde"}), "binary/plain both ways: {bytes}");
    let none = PythonClient::new(&address(), &queue, "ReverseBytes").arg(Value::Null).run().await;
    assert_eq!(none["result"], Value::Null, "binary/null both ways: {none}");
    assert!(none.get("error").is_none(), "{none}");
    let history = client.get_untyped_workflow_handle(none["workflow_id"].as_str().expect("id"), None);
    let encodings: Vec<String> =
        user_payloads(&history.fetch_history().await.expect("history")).iter().map(|(_, p)| encoding(p)).collect();
    assert_eq!(encodings, ["binary/null", "binary/null"]);
    worker.stop().await;
}

// ---- Rust workflow → Python activity ---------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_workflow_calls_a_python_activity_by_name() {
    let client = client().await;
    let (rust_queue, python_queue) = (unique("rust-calls"), unique("py-activities"));
    let python = PythonWorker::start(&address(), &python_queue, PyConverter::default()).await;
    let worker = RunningWorker::start(&client, WorkerOptions::new(&rust_queue).workflow::<CallsActivity>());
    let call =
        ActivityCall { activity: "py_shout".into(), task_queue: python_queue.clone(), arg: json!("héllo wörld") };
    let result = client
        .execute_workflow(CallsActivity::run, call, WorkflowOptions::new(unique("rust-calls"), &rust_queue))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
    assert_eq!(result, json!({"activity_result": "HÉLLO WÖRLD (python)"}));
    worker.stop().await;
    python.stop().await;
}

// ---- The samples' encryption codec, both ways ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_round_trip_python_client_rust_workflow_python_activity() {
    let plain = client().await;
    let client = plain.with_data_converter(encrypting());
    let (rust_queue, python_queue) = (unique("enc-rust"), unique("enc-py"));
    let python = PythonWorker::start(&address(), &python_queue, PyConverter::default().codec()).await;
    let worker = RunningWorker::start(&client, WorkerOptions::new(&rust_queue).workflow::<CallsActivity>());

    // Python encrypts the input, we decrypt it and encrypt the activity's input, Python decrypts
    // that and encrypts the activity's result, we decrypt it and encrypt the workflow's result,
    // and Python decrypts that.
    let call = json!({"activity": "py_shout", "task_queue": python_queue, "arg": "secret ünïcode"});
    let out = PythonClient::new(&address(), &rust_queue, "CallsActivity")
        .arg(call)
        .converter(PyConverter::default().codec())
        .run()
        .await;
    assert_eq!(out["result"], json!({"activity_result": "SECRET ÜNÏCODE (python)"}), "{out}\n{}", python.stderr());
    let id = out["workflow_id"].as_str().expect("workflow id");
    // Fetched by a client without the key: the history as stored.
    let history = plain.get_untyped_workflow_handle(id, None).fetch_history().await.expect("history");
    assert_all_encrypted(
        &history,
        &[
            "WORKFLOW_EXECUTION_STARTED",
            "ACTIVITY_TASK_SCHEDULED",
            "ACTIVITY_TASK_COMPLETED",
            "WORKFLOW_EXECUTION_COMPLETED",
        ],
    );

    // And the other way: our client encrypts for a Python workflow, Python encrypts its result.
    let input = order(Some("geheim"));
    let handle = client
        .start_workflow_by_name("PyCheckout", &input, WorkflowOptions::new(unique("enc-py-checkout"), &python_queue))
        .await
        .expect("start");
    assert_eq!(handle.result_as::<Receipt>().await.expect("result"), checkout(&input, "python"));
    let history = plain.get_untyped_workflow_handle(handle.id(), None).fetch_history().await.expect("history");
    assert_all_encrypted(&history, &["WORKFLOW_EXECUTION_STARTED", "WORKFLOW_EXECUTION_COMPLETED"]);
    worker.stop().await;
    python.stop().await;
}

// ---- Failures with encoded attributes, both ways ---------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_failure_with_encoded_attributes_is_read_by_rust_and_reraised_unchanged() {
    let client = client().await;
    let (rust_queue, python_queue) = (unique("reraise-rust"), unique("reraise-py"));
    let python = PythonWorker::start(&address(), &python_queue, PyConverter::default().encoded_failures()).await;
    let worker = RunningWorker::start(&client, WorkerOptions::new(&rust_queue).workflow::<ReraisesActivityFailure>());

    let call = json!({"activity": "py_decline", "task_queue": python_queue, "arg": "the offer"});
    let out = PythonClient::new(&address(), &rust_queue, "ReraisesActivityFailure")
        .arg(call)
        .converter(PyConverter::default().encoded_failures())
        .run()
        .await;

    // What the Rust workflow read.
    let id = out["workflow_id"].as_str().expect("workflow id");
    let handle = client.get_untyped_workflow_handle(id, None);
    let seen: SeenFailure = handle
        .describe()
        .await
        .expect("describe")
        .memo_value("seen")
        .unwrap_or_else(|| panic!("no memo: the workflow did not read the failure: {out}\n{}", python.stderr()))
        .expect("memo decodes");
    assert_eq!(
        seen,
        SeenFailure {
            activity_message: "Activity task failed".into(),
            activity_type: "py_decline".into(),
            message: "declined: the offer".into(),
            error_type: Some("PyDeclined".into()),
            non_retryable: true,
            details: vec![json!({"code": 42, "reason": "the offer"}), json!("second detail")],
            source: String::new(),
        }
    );

    // What the Python client read from the workflow's failure: the Python activity's error.
    let error = &out["error"];
    assert_eq!(error["class"], "WorkflowFailureError", "{out}");
    let cause = &error["cause"];
    assert_eq!(cause["class"], "ApplicationError", "{out}");
    assert_eq!(cause["message"], "declined: the offer");
    assert_eq!(cause["type"], "PyDeclined");
    assert_eq!(cause["non_retryable"], true);
    assert_eq!(cause["details"], json!([{"code": 42, "reason": "the offer"}, "second detail"]));
    assert_eq!(cause["encoded_attributes"], true, "still encoded when it reached Python: {out}");
    assert_eq!(cause["cause"], Value::Null);

    // Unchanged: the workflow's failure is the activity's failure as Python wrote it, byte for
    // byte (message "Encoded failure", the Python stack trace inside the encoded attributes).
    let history = handle.fetch_history().await.expect("history");
    let written_by_python = failure_of(&history, "ACTIVITY_TASK_FAILED");
    assert_eq!(written_by_python.message, "Encoded failure");
    assert!(written_by_python.encoded_attributes.is_some());
    assert_eq!(failure_of(&history, "WORKFLOW_EXECUTION_FAILED"), written_by_python);
    worker.stop().await;
    python.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_failure_with_encoded_attributes_is_read_by_a_python_workflow() {
    let plain = client().await;
    let encoding_failures =
        DataConverter::default().with_failure_converter(FailureConverter::default().encode_common_attributes(true));
    let client = plain.with_data_converter(encoding_failures);
    let (rust_queue, python_queue) = (unique("refuses-rust"), unique("refuses-py"));
    // The Python worker has the default failure converter: decoding encoded attributes is not
    // an option in Python, every converter does it.
    let python = PythonWorker::start(&address(), &python_queue, PyConverter::default()).await;
    let worker = RunningWorker::start(&client, WorkerOptions::new(&rust_queue).activity(rust_refuses));

    let call = json!({"activity": "rust_refuses", "task_queue": rust_queue, "arg": "the deal"});
    let handle = plain
        .start_workflow_by_name("PyCallsActivity", &call, WorkflowOptions::new(unique("py-calls"), &python_queue))
        .await
        .expect("start");
    let seen: Value = handle.result_as().await.unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
    let error = &seen["error"];
    assert_eq!(error["class"], "ActivityError", "{seen}");
    assert_eq!(error["activity_type"], "rust_refuses");
    let cause = &error["cause"];
    assert_eq!(cause["class"], "ApplicationError", "{seen}");
    assert_eq!(cause["message"], "refused: the deal", "restored from the encoded attributes: {seen}");
    assert_eq!(cause["type"], "RustRefused");
    assert_eq!(cause["non_retryable"], true);
    assert_eq!(cause["details"], json!([{"code": 7, "text": "the deal"}]));
    assert_eq!(cause["encoded_attributes"], true);
    assert_eq!(cause["source"], "RustSDK");

    let stored = failure_of(&handle.fetch_history().await.expect("history"), "ACTIVITY_TASK_FAILED");
    assert_eq!(stored.message, "Encoded failure");
    assert!(stored.stack_trace.is_empty());
    let attributes: Value =
        converter::decode(stored.encoded_attributes.as_ref().expect("encoded attributes")).expect("json/plain");
    assert_eq!(attributes["message"], "refused: the deal");
    worker.stop().await;
    python.stop().await;
}

// ---- What we cannot read ---------------------------------------------------------------------

/// A later deployment that learned to read the encoding: it turns `binary/unknown` payloads
/// (JSON inside) into `json/plain` on the way in.
#[derive(Debug)]
struct LearnsUnknownEncoding;

impl PayloadCodec for LearnsUnknownEncoding {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move { Ok(payloads) })
    }

    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move {
            Ok(payloads
                .into_iter()
                .map(|mut p| {
                    if encoding(&p) == "binary/unknown" {
                        p.metadata.insert("encoding".into(), b"json/plain".to_vec());
                    }
                    p
                })
                .collect())
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_payload_we_cannot_decode_fails_the_task_and_keeps_the_workflow() {
    let client = client().await;
    let queue = unique("undecodable");
    let input = order(None);
    let json_text = serde_json::to_string(&input).expect("order as JSON");
    let unknown = PythonClient::new(&address(), &queue, "Checkout")
        .raw_arg("binary/unknown", &json_text)
        // Our worker reports only the first failed attempt of a task and leaves later ones to
        // time out (as the core-based SDKs do), so the fixed worker below gets the task after
        // this timeout rather than the default 10 s.
        .task_timeout(2)
        .no_wait()
        .run();
    // Python sends one payload per argument; a one-parameter workflow given two cannot run.
    let two_args = PythonClient::new(&address(), &queue, "Checkout")
        .arg(serde_json::to_value(&input).expect("order as JSON"))
        .arg(json!("extra"))
        .no_wait()
        .run();
    let (unknown, two_args) = tokio::join!(unknown, two_args);
    let (unknown_id, two_args_id) = (workflow_id(&unknown), workflow_id(&two_args));

    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Checkout>());
    let (unknown_failure, two_args_failure) =
        tokio::join!(first_task_failure(&client, unknown_id), first_task_failure(&client, two_args_id));
    worker.stop().await;
    assert!(
        unknown_failure.message.contains("binary/unknown") && unknown_failure.message.contains("Checkout"),
        "names the encoding and the workflow: {}",
        unknown_failure.message
    );
    assert!(
        two_args_failure.message.contains('2') && two_args_failure.message.contains("argument"),
        "names the count: {}",
        two_args_failure.message
    );
    for id in [unknown_id, two_args_id] {
        let handle = client.get_untyped_workflow_handle(id, None);
        let status = handle.describe().await.expect("describe").status;
        assert_eq!(status, WorkflowExecutionStatus::Running, "a failed task leaves {id} running");
    }

    // Not lost: a worker that can read the payload finishes the workflow from where it was.
    let learned = client.with_data_converter(DataConverter::default().with_codec(LearnsUnknownEncoding));
    let fixed = RunningWorker::start(&learned, WorkerOptions::new(&queue).workflow::<Checkout>());
    let receipt: Receipt = client.get_untyped_workflow_handle(unknown_id, None).result_as().await.expect("result");
    assert_eq!(receipt, checkout(&input, "rust"));
    client.get_untyped_workflow_handle(two_args_id, None).terminate("test over").await.expect("terminate");
    fixed.stop().await;
}

// ---- Two arguments ---------------------------------------------------------------------------

#[derive(Default)]
struct Greet;

#[workflow]
impl Greet {
    /// Three parameters, three payloads; a caller may leave out the trailing `Option`.
    #[run]
    async fn run(&self, greeting: String, name: String, punctuation: Option<String>) -> WorkflowResult<String> {
        Ok(format!("{greeting}, {name}{}", punctuation.unwrap_or_default()))
    }
}

#[derive(Default)]
struct ComposesInPython;

#[workflow]
impl ComposesInPython {
    /// Calls Python's two-parameter `py_compose` with two payloads.
    #[run]
    async fn run(&self, python_queue: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .task_queue(python_queue)
            .retry_policy(RetryPolicy::default().maximum_attempts(1));
        workflow::execute_activity_by_name("py_compose", &converter::Args(("Hello", "World")), options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_runs_a_multi_parameter_rust_workflow() {
    let client = client().await;
    let queue = unique("py-args");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Greet>());
    // Python's `args=["Hello", "World", "!"]`: one payload each.
    let all = PythonClient::new(&address(), &queue, "Greet").arg(json!("Hello")).arg(json!("World")).arg(json!("!"));
    // Two of three: the missing trailing `Option` is `None`, as Python leaves defaults.
    let fewer = PythonClient::new(&address(), &queue, "Greet").arg(json!("Hi")).arg(json!("Ada"));
    // Four of three: the task fails naming both counts, and the workflow stays.
    let more = PythonClient::new(&address(), &queue, "Greet")
        .arg(json!("a"))
        .arg(json!("b"))
        .arg(json!("c"))
        .arg(json!("d"))
        .no_wait();
    let (all, fewer, more) = tokio::join!(all.run(), fewer.run(), more.run());
    assert_eq!(all["result"], "Hello, World!", "{all}");
    assert_eq!(fewer["result"], "Hi, Ada", "{fewer}");
    let failure = first_task_failure(&client, workflow_id(&more)).await;
    assert!(failure.message.contains("expected 3 arguments, got 4"), "{}", failure.message);
    client.get_untyped_workflow_handle(workflow_id(&more), None).terminate("test over").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_parameter_python_activities_and_workflows_take_two_payloads_from_rust() {
    let client = client().await;
    let python_queue = unique("py-compose");
    let python = PythonWorker::start(&address(), &python_queue, PyConverter::default()).await;
    let queue = unique("rust-compose");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<ComposesInPython>());
    let composed = client
        .execute_workflow(ComposesInPython::run, python_queue.clone(), WorkflowOptions::new(unique("compose"), &queue))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
    assert_eq!(composed, "Hello, World!");
    let handle = client
        .start_workflow_by_name(
            "PyCompose",
            &converter::Args(("Hi", "Python")),
            WorkflowOptions::new(unique("py-compose"), &python_queue),
        )
        .await
        .expect("start");
    let greeting: String = handle.result_as().await.expect("result");
    assert_eq!(greeting, "Hi, Python!");
    worker.stop().await;
}

// ---- Regression checks without a server ------------------------------------------------------

/// Python writes an `Optional[bytes]` holding bytes as `binary/plain`; we read it into
/// `Option<RawBytes>` and write `Some(RawBytes)` the same way (we used to fail the first and
/// write a JSON array of numbers for the second).
#[test]
fn optional_bytes_are_binary_plain_as_in_python() {
    let mut from_python = Payload { data: vec![0xde, 0xad], ..Default::default() };
    from_python.metadata.insert("encoding".into(), b"binary/plain".to_vec());
    let read: Option<RawBytes> = converter::decode(&from_python).expect("binary/plain into Option<RawBytes>");
    assert_eq!(read, Some(RawBytes(vec![0xde, 0xad])));
    let written = converter::encode(&Some(RawBytes(vec![0xde, 0xad]))).expect("encodes");
    assert_eq!(written, from_python);
}

// ---- Protobuf messages and JSON bytes ------------------------------------------------------

/// `temporal.api.common.v1.WorkflowExecution` with proto3 JSON serde impls (what pbjson-build
/// generates), so it can travel as `json/protobuf`; Python has the same message.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Execution {
    #[prost(string, tag = "1")]
    workflow_id: String,
    #[prost(string, tag = "2")]
    run_id: String,
}

impl prost::Name for Execution {
    const NAME: &'static str = "WorkflowExecution";
    const PACKAGE: &'static str = "temporal.api.common.v1";
}

#[derive(Default)]
struct ProtoEcho;

#[workflow]
impl ProtoEcho {
    /// Reads `json/protobuf` (what Python writes for a message) and answers `binary/protobuf`.
    #[run]
    async fn run(&self, execution: Proto<Execution>) -> WorkflowResult<ProtoBinary<SdkExecution>> {
        let Proto(execution) = execution;
        Ok(ProtoBinary(SdkExecution {
            workflow_id: format!("{}-rust", execution.workflow_id),
            run_id: execution.run_id,
        }))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_messages_cross_both_ways_in_both_encodings() {
    let client = client().await;
    let queue = unique("proto");
    let python = PythonWorker::start(&address(), &queue, PyConverter::default()).await;
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<ProtoEcho>());

    // Rust → Python: json/protobuf, then binary/protobuf; Python answers json/protobuf.
    let json_handle = client
        .start_workflow_by_name(
            "PyProtoEcho",
            &Proto(Execution { workflow_id: "w1".into(), run_id: "r1".into() }),
            WorkflowOptions::new(unique("py-proto"), &queue),
        )
        .await
        .expect("start");
    let Proto(echoed): Proto<Execution> =
        json_handle.result_as().await.unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
    assert_eq!((echoed.workflow_id.as_str(), echoed.run_id.as_str()), ("w1-py", "r1"));
    let binary_handle = client
        .start_workflow_by_name(
            "PyProtoEcho",
            &ProtoBinary(SdkExecution { workflow_id: "w2".into(), run_id: "r2".into() }),
            WorkflowOptions::new(unique("py-proto"), &queue),
        )
        .await
        .expect("start");
    let Proto(echoed): Proto<Execution> = binary_handle.result_as().await.expect("result");
    assert_eq!(echoed.workflow_id, "w2-py");
    // What Python wrote is exactly what we write for the same message (sorted proto3 JSON).
    let history = json_handle.fetch_history().await.expect("history");
    let written_by_python = completed_result(&history);
    let ours =
        converter::encode(&Proto(Execution { workflow_id: "w1-py".into(), run_id: "r1".into() })).expect("encode");
    assert_eq!(written_by_python.data, ours.data);
    assert_eq!(written_by_python.metadata, ours.metadata);

    // Python → Rust: Python's json/protobuf into `Proto<M>`, our binary/protobuf back to Python.
    let from_python = PythonClient::new(&address(), &queue, "ProtoEcho").execution_arg("w3", "r3").run().await;
    assert_eq!(
        from_python["result"],
        json!({"__proto__": "temporal.api.common.v1.WorkflowExecution", "json": {"workflowId": "w3-rust", "runId": "r3"}}),
        "{from_python}"
    );
    worker.stop().await;
}

fn completed_result(history: &WorkflowHistory) -> Payload {
    history
        .history
        .events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => a.result.clone(),
            _ => None,
        })
        .and_then(|p| p.payloads.into_iter().next())
        .expect("a result payload")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_payload_bytes_are_identical_to_pythons() {
    #[derive(Serialize)]
    struct Reading {
        // Declared out of order: Python sorts keys, and so do we.
        zone: String,
        values: Vec<f64>,
        labels: std::collections::HashMap<String, i64>,
        note: Option<String>,
        active: bool,
    }
    let client = client().await;
    let queue = unique("bytes");
    let python = PythonWorker::start(&address(), &queue, PyConverter::default()).await;
    let labels = (0..20).map(|i| (format!("label-{i}"), i64::from(i) * 1_000_000_007)).collect();
    let reading = Reading {
        zone: "Zürich 東京 😀 \"quoted\" \\ tab\t".into(),
        values: vec![0.1, 1.0, 12.34, 1e-5, 1.5e-7, 1e15, 1e16, -2.5e300, 0.30000000000000004],
        labels,
        note: None,
        active: true,
    };
    let handle = client
        .start_workflow_by_name("PyIdentity", &reading, WorkflowOptions::new(unique("py-identity"), &queue))
        .await
        .expect("start");
    let _: Value = handle.result_as().await.unwrap_or_else(|e| panic!("{e}\n{}", python.stderr()));
    let history = handle.fetch_history().await.expect("history");
    let written_by_us = history
        .history
        .events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => a.input.clone(),
            _ => None,
        })
        .and_then(|p| p.payloads.into_iter().next())
        .expect("an input payload");
    let written_by_python = completed_result(&history);
    assert_eq!(
        String::from_utf8_lossy(&written_by_us.data),
        String::from_utf8_lossy(&written_by_python.data),
        "the same value gives the same json/plain bytes in both SDKs"
    );
}
