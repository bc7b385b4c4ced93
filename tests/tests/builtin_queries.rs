//! The queries the Temporal Web UI and CLI send to every workflow (`__stack_trace`,
//! `__temporal_workflow_metadata`), through the client and through the `temporal` CLI, and the
//! warning about signal and update handlers still running when a workflow finishes (TMPRL1102),
//! silenced per handler by `unfinished_policy = "abandon"`.

use std::cell::Cell;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use integration_tests::{RunningWorker, client, target, unique};
use temporal_sdk::client::UpdateOptions;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::{Payload, WorkflowExecution};
use temporal_sdk::protos::temporal::api::query::v1::WorkflowQuery;
use temporal_sdk::protos::temporal::api::workflowservice::v1::QueryWorkflowRequest;
use temporal_sdk::testing::{ServerKind, find_or_install};

/// Never runs: it is scheduled on a task queue that no worker polls, so it stays pending.
#[activity]
async fn never_runs(order: String) -> Result<String, ActivityError> {
    Ok(order)
}

const NOBODY: &str = "nobody-polls-this-queue";

#[derive(Default)]
struct Blocked {
    count: Cell<u32>,
}

#[workflow]
impl Blocked {
    #[run]
    pub async fn run(&self) -> WorkflowResult<String> {
        workflow::set_current_details("Waiting for the **timer** and the activity");
        let options = ActivityOptions::start_to_close(Duration::from_secs(3600)).task_queue(NOBODY);
        let timer = workflow::sleep(Duration::from_secs(3600)); // stack: timer
        let order = workflow::execute_activity(never_runs, "order-1".to_string(), options); // stack: activity
        let (fired, order) = workflow::join!(timer, order);
        fired?;
        order
    }

    /// Adds `n` to the count.
    ///
    /// Only the first paragraph of a doc comment becomes the description.
    #[signal]
    pub fn add(&self, n: u32) {
        self.count.set(self.count.get() + n);
    }

    /// Waits until the count reaches `n`.
    #[signal]
    pub async fn wait_for(&self, n: u32) -> WorkflowResult<()> {
        workflow::wait_condition(|| self.count.get() >= n).await // stack: condition
    }

    #[query(description = "The count so far")]
    pub fn count(&self) -> u32 {
        self.count.get()
    }

    #[update(description = "Sets the count, returns the previous one")]
    pub fn set(&self, n: u32) -> WorkflowResult<u32> {
        Ok(self.count.replace(n))
    }
}

fn stack_block(what: &str, task: &str, line: u32) -> String {
    format!("waiting on {what}\n    in {task}\n    at {}:{line}:", file!())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_trace_and_metadata_through_the_client_and_the_cli() {
    let client = client().await;
    let queue = unique("builtin-queries");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Blocked>());
    let id = unique("blocked");
    let handle = client.start_workflow(Blocked::run, (), WorkflowOptions::new(&id, &queue)).await.expect("start");
    handle.signal(Blocked::wait_for, 5).await.expect("signal");

    // The stack trace: one block per pending operation, with the line of workflow code that
    // started it, then the handler that waits on a condition.
    let trace: String = handle.query_by_name("__stack_trace", &()).await.expect("stack trace");
    let run = "the run method of workflow Blocked";
    let expected = [
        stack_block("timer 1 (fires after 3600s)", run, line_of("// stack: timer")),
        stack_block("activity never_runs (activity id 1)", run, line_of("// stack: activity")),
        stack_block("wait_condition 1", "signal handler \"wait_for\"", line_of("// stack: condition")),
    ];
    let mut at = 0;
    for block in &expected {
        let found = trace[at..].find(block.as_str()).unwrap_or_else(|| panic!("no {block:?} in\n{trace}"));
        at += found + block.len();
    }
    assert_eq!(trace.matches("waiting on").count(), 3, "{trace}");

    // The metadata, byte for byte as the Python SDK writes it (json/protobuf, sorted keys, no
    // empty fields): handlers sorted by name with their descriptions, built-in queries included.
    let payload = raw_query(&client, &id, "__temporal_workflow_metadata").await;
    assert_eq!(payload.metadata["encoding"], b"json/protobuf");
    assert_eq!(payload.metadata["messageType"], b"temporal.api.sdk.v1.WorkflowMetadata");
    let expected_json = concat!(
        r#"{"currentDetails":"Waiting for the **timer** and the activity","definition":{"#,
        r#""queryDefinitions":[{"name":"__enhanced_stack_trace"},{"name":"__stack_trace"},"#,
        r#"{"name":"__temporal_workflow_metadata"},"#,
        r#"{"description":"The count so far","name":"count"}],"#,
        r#""signalDefinitions":[{"description":"Adds `n` to the count.","name":"add"},"#,
        r#"{"description":"Waits until the count reaches `n`.","name":"wait_for"}],"#,
        r#""type":"Blocked","#,
        r#""updateDefinitions":[{"description":"Sets the count, returns the previous one","name":"set"}]}}"#,
    );
    assert_eq!(String::from_utf8_lossy(&payload.data), expected_json);

    // The enhanced stack trace: one stack per task, each call's place in this file.
    let enhanced = raw_query(&client, &id, "__enhanced_stack_trace").await;
    assert_eq!(enhanced.metadata["messageType"], b"temporal.api.sdk.v1.EnhancedStackTrace");
    let enhanced: serde_json::Value = serde_json::from_slice(&enhanced.data).expect("JSON");
    let stacks = enhanced["stacks"].as_array().expect("stacks");
    assert_eq!(stacks.len(), 2, "{enhanced}");
    let run_stack = &stacks[0]["locations"];
    assert_eq!(run_stack[0]["filePath"], file!());
    assert_eq!(run_stack[0]["line"], line_of("// stack: timer"));
    assert_eq!(run_stack[0]["functionName"], "workflow::sleep");
    assert_eq!(run_stack[1]["line"], line_of("// stack: activity"));
    assert_eq!(stacks[1]["locations"][0]["line"], line_of("// stack: condition"));
    assert_eq!(enhanced["sdk"]["name"], "temporal-rust");

    // An unknown query names the known ones in brackets (the Web UI reads that list).
    let unknown = handle.query_by_name::<String, _>("nope", &()).await.expect_err("unknown query");
    assert!(
        unknown
            .to_string()
            .contains("known queries: [__enhanced_stack_trace __stack_trace __temporal_workflow_metadata count]"),
        "{unknown}"
    );

    // What a user of the CLI sees.
    let stack = cli(&["workflow", "stack", "--workflow-id", &id]).await;
    assert!(stack.contains("waiting on timer 1 (fires after 3600s)"), "{stack}");
    assert!(stack.contains(&format!("{}:{}:", file!(), line_of("// stack: timer"))), "{stack}");
    let shown = cli(&["workflow", "metadata", "--workflow-id", &id]).await;
    for text in [
        "Query Definitions:",
        "__temporal_workflow_metadata",
        "The count so far",
        "Adds `n` to the count.",
        "Sets the count, returns the previous one",
        "Current Details:",
        "Waiting for the **timer** and the activity",
    ] {
        assert!(shown.contains(text), "no {text:?} in\n{shown}");
    }

    handle.terminate("test over").await.expect("terminate");
    worker.stop().await;
}

/// The one payload a query answers, as it came over the wire.
async fn raw_query(client: &Client, id: &str, query: &str) -> Payload {
    let request = QueryWorkflowRequest {
        namespace: "default".into(),
        execution: Some(WorkflowExecution { workflow_id: id.into(), run_id: String::new() }),
        query: Some(WorkflowQuery { query_type: query.into(), ..Default::default() }),
        ..Default::default()
    };
    let response = client.workflow_service().query_workflow(request).await.expect("query").into_inner();
    let mut payloads = response.query_result.expect("an answer").payloads;
    assert_eq!(payloads.len(), 1);
    payloads.remove(0)
}

/// The line of this file that ends with the comment `marker`.
fn line_of(marker: &str) -> u32 {
    let source = include_str!("builtin_queries.rs");
    let lines: Vec<usize> =
        source.lines().enumerate().filter(|(_, line)| line.ends_with(marker)).map(|(i, _)| i + 1).collect();
    assert_eq!(lines.len(), 1, "{marker:?} ends lines {lines:?}");
    lines[0] as u32
}

/// Runs the `temporal` CLI against the test server and returns what it printed.
async fn cli(args: &[&str]) -> String {
    let cli = find_or_install(ServerKind::Dev).expect("the temporal CLI");
    let output = tokio::process::Command::new(cli)
        .args(args)
        .args(["--address", &target(), "--namespace", "default"])
        .output()
        .await
        .expect("run the temporal CLI");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "temporal {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

// ---- Handlers still running when the workflow finishes (TMPRL1102). ----

#[derive(Default)]
struct Hurried {
    finish: Cell<bool>,
}

#[workflow]
impl Hurried {
    /// Finishes as `ending` says once told to, whatever its handlers are doing.
    #[run]
    pub async fn run(&self, ending: String) -> WorkflowResult<()> {
        if ending == "done" {
            return Ok(());
        }
        workflow::wait_condition(|| self.finish.get()).await?;
        match ending.as_str() {
            "fail" => Err(ApplicationError::new("giving up").into()),
            "continue" => workflow::continue_as_new(Self::run, "done".to_string()),
            _ => Ok(()),
        }
    }

    #[signal]
    pub fn finish(&self) {
        self.finish.set(true);
    }

    #[signal]
    pub async fn slow_signal(&self) -> WorkflowResult<()> {
        workflow::sleep(Duration::from_secs(3600)).await
    }

    #[signal(unfinished_policy = "abandon")]
    pub async fn quiet_signal(&self) -> WorkflowResult<()> {
        workflow::sleep(Duration::from_secs(3600)).await
    }

    #[update]
    pub async fn slow_update(&self) -> WorkflowResult<()> {
        workflow::sleep(Duration::from_secs(3600)).await
    }

    #[update(unfinished_policy = "abandon", description = "Never minds being cut short")]
    pub async fn quiet_update(&self) -> WorkflowResult<()> {
        workflow::sleep(Duration::from_secs(3600)).await
    }
}

/// Everything logged at WARN and above by this test binary (workers run on their own threads,
/// so only a global subscriber sees their logs).
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&logs);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || Sink(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        logs
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The TMPRL1102 lines logged about workflow `id`.
fn unfinished_warnings(id: &str) -> Vec<String> {
    let logs = captured_logs().lock().unwrap_or_else(|e| e.into_inner()).clone();
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|line| line.contains("TMPRL1102") && line.contains(&format!("workflow_id={id}")))
        .map(str::to_string)
        .collect()
}

/// Starts a `Hurried` workflow ending as `ending`, leaves the handlers that `loud` says running
/// (the ones that warn, or only the ones that do not), lets it finish and waits for its end.
async fn finish_with_running_handlers(client: &Client, queue: &str, ending: &str, loud: bool) -> String {
    let id = unique("hurried");
    let handle =
        client.start_workflow(Hurried::run, ending.to_string(), WorkflowOptions::new(&id, queue)).await.expect("start");
    if loud {
        handle.signal(Hurried::slow_signal, ()).await.expect("signal");
        handle.signal(Hurried::slow_signal, ()).await.expect("signal");
        handle
            .start_update_with(Hurried::slow_update, (), UpdateOptions::new().id("slow-1"))
            .await
            .expect("update accepted");
    }
    handle.signal(Hurried::quiet_signal, ()).await.expect("signal");
    handle.start_update_with(Hurried::quiet_update, (), UpdateOptions::new().id("quiet-1")).await.expect("accepted");
    handle.signal(Hurried::finish, ()).await.expect("signal");
    let _ = handle.result().await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_handlers_are_warned_about_unless_abandoned() {
    captured_logs();
    let client = client().await;
    let queue = unique("hurried");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Hurried>());

    for ending in ["complete", "fail", "continue"] {
        let id = finish_with_running_handlers(&client, &queue, ending, true).await;
        let warnings = unfinished_warnings(&id);
        assert_eq!(warnings.len(), 2, "{ending}: {warnings:#?}");
        let updates = warnings.iter().find(|w| w.contains("update handlers are still running")).expect("updates");
        assert!(updates.contains(r#"[{"name": "slow_update", "id": "slow-1"}]"#), "{updates}");
        assert!(updates.contains(r#"#[update(unfinished_policy = "abandon")]"#), "{updates}");
        assert!(updates.contains(" WARN "), "{updates}");
        let signals = warnings.iter().find(|w| w.contains("signal handlers are still running")).expect("signals");
        assert!(signals.contains(r#"[{"name": "slow_signal", "count": 2}]"#), "{signals}");
        assert!(!signals.contains("quiet") && !updates.contains("quiet"), "{warnings:#?}");
    }

    // Only handlers whose policy is "abandon" left running: nothing to say.
    let id = finish_with_running_handlers(&client, &queue, "complete", false).await;
    assert_eq!(unfinished_warnings(&id), Vec::<String>::new());

    worker.stop().await;
}
