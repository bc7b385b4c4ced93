//! Behaviour the Python SDK (and sdk-core under it) shows on the same server, checked against a
//! real dev server: a cancelled workflow whose finished activity nobody awaited closes, the
//! next run of a continue-as-new keeps memo and search attributes, validator rejections and
//! child failures read as the other SDKs write them, failure types are unqualified names,
//! failures from other SDKs pass through unchanged, and workflow panics stay off stderr.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::Duration;

use integration_tests::workflows::{StartsAndForgets, quick};
use integration_tests::{RunningWorker, client, event_types, unique};
use serde::{Deserialize, Serialize};
use temporal_sdk::converter;
use temporal_sdk::error::{ApplicationErrorCategory, FailureKind};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::{Memo, Payload, Payloads, WorkflowType};
use temporal_sdk::protos::temporal::api::failure::v1 as failure_proto;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::protos::temporal::api::taskqueue::v1::TaskQueue;
use temporal_sdk::protos::temporal::api::workflowservice::v1::{
    PollActivityTaskQueueRequest, RespondActivityTaskFailedRequest, StartWorkflowExecutionRequest,
};
use temporal_sdk::workflow::{ChildWorkflowOptions, ContinueAsNewOptions, SearchAttributeValue};

fn failure_of(err: ClientError) -> Failure {
    match err {
        ClientError::WorkflowFailed { cause } => *cause,
        other => panic!("expected a workflow failure, got {other}"),
    }
}

fn one_attempt() -> ActivityOptions {
    ActivityOptions::start_to_close(Duration::from_secs(10)).retry_policy(RetryPolicy::default().maximum_attempts(1))
}

async fn wait_for_event<W>(handle: &WorkflowHandle<W>, event: &str) {
    for _ in 0..400 {
        let history = handle.fetch_history().await.expect("history");
        if event_types(&history).iter().any(|e| e == event) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {event} event in the history");
}

// ---- A cancelled workflow whose activity finished unawaited closes (defect 1). ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_after_an_unawaited_activity_completed_closes_the_workflow() {
    let client = client().await;
    let queue = unique("forgets");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<StartsAndForgets>().activity(quick));
    let handle = client
        .start_workflow(StartsAndForgets::run, (), WorkflowOptions::new(unique("forgets"), &queue))
        .await
        .expect("start");
    wait_for_event(&handle, "ACTIVITY_TASK_COMPLETED").await;
    handle.cancel().await.expect("cancel");
    let err = tokio::time::timeout(Duration::from_secs(20), handle.result())
        .await
        .expect("the cancelled workflow closes")
        .unwrap_err();
    assert!(failure_of(err).is_cancelled());
    let events = event_types(&handle.fetch_history().await.expect("history"));
    assert!(!events.iter().any(|e| e == "ACTIVITY_TASK_CANCEL_REQUESTED"), "{events:?}");
    assert!(!events.iter().any(|e| e == "WORKFLOW_TASK_FAILED"), "{events:?}");
    assert_eq!(events.last().map(String::as_str), Some("WORKFLOW_EXECUTION_CANCELED"));
    worker.stop().await;
}

// ---- Continue-as-new keeps memo and search attributes (defect 2). ----

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Inherited {
    memo_key: Option<String>,
    upserted: Option<String>,
    keyword: bool,
}

#[derive(Default)]
struct Inherits;

#[workflow]
impl Inherits {
    #[run]
    async fn run(&self, replace: bool) -> WorkflowResult<Inherited> {
        if workflow::info().and_then(|i| i.continued_run_id).is_none() {
            workflow::upsert_memo([("Upserted", "yes")])?;
            workflow::upsert_search_attributes([(
                "CustomKeywordField",
                SearchAttributeValue::Keyword("inherited".into()),
            )])?;
            if replace {
                let options = ContinueAsNewOptions::default()
                    .memo([("Upserted", "replaced")])?
                    .search_attributes(Vec::<(String, SearchAttributeValue)>::new());
                return workflow::continue_as_new_with_options(Self::run, replace, options);
            }
            return workflow::continue_as_new(Self::run, replace);
        }
        let memo_key = workflow::memo_value::<String>("MemoKey").transpose()?;
        let upserted = workflow::memo_value::<String>("Upserted").transpose()?;
        let keyword = workflow::search_attributes().contains_key("CustomKeywordField");
        Ok(Inherited { memo_key, upserted, keyword })
    }
}

/// Starts `Inherits` with memo `{"MemoKey": "MemoValue"}` (the typed client has no memo option
/// yet, so through the raw service).
async fn start_with_memo(client: &Client, queue: &str, replace: bool) -> WorkflowHandle<Inherits> {
    let id = unique("inherits");
    let mut fields = HashMap::new();
    fields.insert("MemoKey".to_string(), converter::encode(&"MemoValue").expect("memo"));
    let request = StartWorkflowExecutionRequest {
        namespace: client.namespace().to_string(),
        workflow_id: id.clone(),
        workflow_type: Some(WorkflowType { name: "Inherits".into() }),
        task_queue: Some(TaskQueue { name: queue.to_string(), ..Default::default() }),
        input: Some(Payloads { payloads: vec![converter::encode(&replace).expect("input")] }),
        memo: Some(Memo { fields }),
        request_id: unique("request"),
        ..Default::default()
    };
    client.workflow_service().start_workflow_execution(request).await.expect("start with memo");
    client.get_workflow_handle::<Inherits>(&id, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_as_new_keeps_memo_and_search_attributes_unless_replaced() {
    let client = client().await;
    let queue = unique("inherits");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Inherits>());

    let handle = start_with_memo(&client, &queue, false).await;
    let inherited = handle.result().await.expect("result");
    assert_eq!(
        inherited,
        Inherited { memo_key: Some("MemoValue".into()), upserted: Some("yes".into()), keyword: true }
    );
    let described = handle.describe().await.expect("describe");
    let memo = described.raw.workflow_execution_info.and_then(|i| i.memo).expect("memo").fields;
    assert_eq!(converter::decode::<String>(&memo["MemoKey"]).ok().as_deref(), Some("MemoValue"));

    let handle = start_with_memo(&client, &queue, true).await;
    let replaced = handle.result().await.expect("result");
    assert_eq!(replaced, Inherited { memo_key: None, upserted: Some("replaced".into()), keyword: false });
    worker.stop().await;
}

// ---- Validator rejections (defect 4). ----

#[derive(Debug)]
struct InvalidArgument;

impl std::fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Invalid Update argument")
    }
}

impl std::error::Error for InvalidArgument {}

#[derive(Default)]
struct Guarded {
    value: Cell<u32>,
}

#[workflow]
impl Guarded {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        workflow::wait_condition(|| self.value.get() > 0).await?;
        Ok(self.value.get())
    }

    #[update]
    fn set(&self, value: u32) -> WorkflowResult<u32> {
        self.value.set(value);
        Ok(value)
    }

    #[update_validator(set)]
    fn validate_set(&self, value: &u32) -> Result<(), InvalidArgument> {
        if *value == 0 { Err(InvalidArgument) } else { Ok(()) }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_error_is_a_rejection_with_its_message_and_type() {
    let client = client().await;
    let queue = unique("guarded");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Guarded>());
    let handle =
        client.start_workflow(Guarded::run, (), WorkflowOptions::new(unique("guarded"), &queue)).await.expect("start");
    let err = handle.execute_update(Guarded::set, 0).await.unwrap_err();
    let ClientError::UpdateFailed { cause } = &err else { panic!("unexpected: {err}") };
    assert_eq!(cause.message, "Invalid Update argument");
    assert_eq!(cause.application_type(), Some("InvalidArgument"));
    assert_eq!(handle.execute_update(Guarded::set, 7).await.expect("accepted"), 7);
    assert_eq!(handle.result().await.expect("result"), 7);
    worker.stop().await;
}

// ---- The child failure wrapper (defect 5) and unqualified failure types (defect 7). ----

#[activity]
async fn parse_number(text: String) -> Result<u32, ActivityError> {
    Ok(text.parse::<u32>()?)
}

#[derive(Default)]
struct ParsesInChild;

#[workflow]
impl ParsesInChild {
    #[run]
    async fn run(&self, text: String) -> WorkflowResult<u32> {
        workflow::execute_activity(parse_number, text, one_attempt()).await
    }
}

#[derive(Default)]
struct ParentOfParser;

#[workflow]
impl ParentOfParser {
    #[run]
    async fn run(&self, text: String) -> WorkflowResult<u32> {
        let id = format!("{}-child", workflow::info().map(|i| i.workflow_id).unwrap_or_default());
        workflow::execute_child_workflow(ParsesInChild::run, text, ChildWorkflowOptions::new(id)).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_child_is_wrapped_as_the_other_sdks_wrap_it_with_unqualified_types() {
    let client = client().await;
    let queue = unique("child-parse");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<ParentOfParser>().workflow::<ParsesInChild>().activity(parse_number),
    );
    let handle = client
        .start_workflow(ParentOfParser::run, "not a number".into(), WorkflowOptions::new(unique("parent"), &queue))
        .await
        .expect("start");
    let failure = failure_of(handle.result().await.unwrap_err());
    assert_eq!(failure.message, "Child Workflow execution failed");
    let FailureKind::ChildWorkflow { namespace, started_event_id, initiated_event_id, workflow_type, .. } =
        &failure.kind
    else {
        panic!("not a child failure: {failure:?}")
    };
    assert_eq!(namespace, client.namespace());
    assert_eq!(workflow_type, "ParsesInChild");
    let history = handle.fetch_history().await.expect("history");
    let position = |wanted: &str| {
        history.history.events.iter().find(|e| e.event_type().as_str_name() == wanted).map(|e| e.event_id)
    };
    assert_eq!(Some(*initiated_event_id), position("EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED"));
    assert_eq!(Some(*started_event_id), position("EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED"));
    let root = failure.root_cause();
    assert_eq!(root.application_type(), Some("ParseIntError"));
    assert_eq!(root.message, "invalid digit found in string");
    worker.stop().await;
}

// ---- A failure from another SDK passes through unchanged (defect 8). ----

#[derive(Default)]
struct Relays;

#[workflow]
impl Relays {
    #[run]
    async fn run(&self, foreign_queue: String) -> WorkflowResult<()> {
        let options = one_attempt().task_queue(foreign_queue);
        workflow::execute_activity_by_name::<(), _>("foreign_activity", &(), options).await?;
        Ok(())
    }
}

/// A failure as the Python SDK writes it with `DefaultFailureConverterWithEncodedAttributes`
/// and a benign `ApplicationError`: every field an SDK may set.
fn foreign_failure() -> failure_proto::Failure {
    let mut encoded = Payload::default();
    encoded.metadata.insert("encoding".into(), b"json/plain".to_vec());
    encoded.data = br#"{"message":"quota exceeded","stack_trace":"  File \"act.py\", line 3"}"#.to_vec();
    failure_proto::Failure {
        message: "Encoded failure".into(),
        source: String::new(),
        stack_trace: String::new(),
        encoded_attributes: Some(encoded),
        cause: Some(Box::new(failure_proto::Failure {
            message: "upstream said no".into(),
            failure_info: Some(failure_proto::failure::FailureInfo::ApplicationFailureInfo(
                failure_proto::ApplicationFailureInfo { r#type: "UpstreamError".into(), ..Default::default() },
            )),
            ..Default::default()
        })),
        failure_info: Some(failure_proto::failure::FailureInfo::ApplicationFailureInfo(
            failure_proto::ApplicationFailureInfo {
                r#type: "QuotaError".into(),
                non_retryable: true,
                details: Some(Payloads { payloads: vec![converter::encode(&42).expect("detail")] }),
                next_retry_delay: None,
                category: ApplicationErrorCategory::Benign as i32,
            },
        )),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_from_another_sdk_is_passed_on_unchanged() {
    let client = client().await;
    let queue = unique("relays");
    let foreign_queue = unique("foreign");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Relays>());
    let handle = client
        .start_workflow(Relays::run, foreign_queue.clone(), WorkflowOptions::new(unique("relays"), &queue))
        .await
        .expect("start");

    // The other SDK's worker: polls the activity and fails it with its own failure.
    let mut service = client.workflow_service();
    let task = loop {
        let poll = PollActivityTaskQueueRequest {
            namespace: client.namespace().to_string(),
            task_queue: Some(TaskQueue { name: foreign_queue.clone(), ..Default::default() }),
            identity: "python-worker".into(),
            ..Default::default()
        };
        let mut poll = tonic::Request::new(poll);
        poll.set_timeout(Duration::from_secs(10));
        let task = service.poll_activity_task_queue(poll).await.expect("poll").into_inner();
        if !task.task_token.is_empty() {
            break task;
        }
    };
    let failed = RespondActivityTaskFailedRequest {
        task_token: task.task_token,
        namespace: client.namespace().to_string(),
        failure: Some(foreign_failure()),
        identity: "python-worker".into(),
        ..Default::default()
    };
    service.respond_activity_task_failed(failed).await.expect("fail the activity");

    let failure = failure_of(handle.result().await.unwrap_err());
    assert!(matches!(failure.kind, FailureKind::Activity { .. }), "{failure:?}");
    let relayed = failure.cause.expect("the activity's own failure");
    assert_eq!(relayed.to_proto(), foreign_failure());
    assert!(matches!(relayed.kind, FailureKind::Application { category: ApplicationErrorCategory::Benign, .. }));

    // And in the workflow's own history, byte for byte.
    let history = handle.fetch_history().await.expect("history");
    let written = history
        .history
        .events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionFailedEventAttributes(a)) => a.failure.clone(),
            _ => None,
        })
        .expect("the workflow failed");
    assert_eq!(written.cause.map(|c| *c), Some(foreign_failure()));
    worker.stop().await;
}

#[test]
fn application_errors_carry_their_category() {
    let benign = ApplicationError::new("not yet").with_category(ApplicationErrorCategory::Benign);
    let proto = Failure::from(benign).to_proto();
    let Some(failure_proto::failure::FailureInfo::ApplicationFailureInfo(info)) = proto.failure_info else {
        panic!("not an application failure")
    };
    assert_eq!(info.category, ApplicationErrorCategory::Benign as i32);
}

// ---- A panicking workflow is reported through `tracing`, not on stderr (defect 15). ----

#[derive(Default)]
struct Panics;

#[workflow]
impl Panics {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        panic!("kaboom in workflow code")
    }
}

const PANIC_CHILD: &str = "PARITY_PANIC_CHILD";

/// Run in a child process (the test binary itself), so that its stderr can be read whole.
async fn run_panicking_workflow() {
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::WARN).with_ansi(false).finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let client = client().await;
    let queue = unique("panics");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Panics>());
    let id = std::env::var(PANIC_CHILD).expect("workflow id");
    let handle = client.start_workflow(Panics::run, (), WorkflowOptions::new(&id, &queue)).await.expect("start");
    for _ in 0..400 {
        let history = handle.fetch_history().await.expect("history");
        if event_types(&history).iter().filter(|e| *e == "WORKFLOW_TASK_FAILED").count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_workflow_is_reported_through_tracing_not_stderr() {
    if std::env::var(PANIC_CHILD).is_ok() {
        return run_panicking_workflow().await;
    }
    let id = unique("panics");
    let exe = std::env::current_exe().expect("test binary");
    let output = tokio::process::Command::new(exe)
        .args(["--exact", "a_panicking_workflow_is_reported_through_tracing_not_stderr", "--nocapture"])
        .env(PANIC_CHILD, &id)
        .env("TEMPORAL_TEST_ADDRESS", integration_tests::target())
        .env("RUST_BACKTRACE", "1")
        .output()
        .await
        .expect("run the child");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(!stderr.contains("kaboom"), "the panic reached stderr:\n{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
    let reports: Vec<&str> = stdout.lines().filter(|l| l.contains("failing workflow task")).collect();
    assert!(reports.len() >= 2, "one report per failed task:\n{stdout}");
    for report in reports {
        assert!(report.contains(&format!("workflow_id={id}")), "{report}");
        assert!(report.contains("kaboom in workflow code (at tests/tests/parity.rs:"), "{report}");
    }
}
