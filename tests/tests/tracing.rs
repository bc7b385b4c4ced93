//! OpenTelemetry tracing through `TracingInterceptor`: the spans of a client, a workflow and its
//! activity form one trace nested as the Python SDK nests them, and a replay adds none.

use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use opentelemetry::trace::{SpanId, SpanKind, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use temporal_sdk::interceptor::TracingInterceptor;
use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;

#[activity]
async fn greet(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
struct Traced;

#[workflow]
impl Traced {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(greet, name, ActivityOptions::start_to_close(Duration::from_secs(5))).await
    }
}

/// What a `tracing` subscriber printed: each span once, when it closed.
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Records the closing of every `tracing` span of the SDK, once per test binary.
fn capture_tracing_spans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_max_level(tracing::Level::INFO)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    });
}

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        let names: Vec<_> = spans.iter().map(|s| s.name.to_string()).collect();
        panic!("no span {name}; spans: {names:?}")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_the_client_through_the_workflow_into_the_activity() {
    capture_tracing_spans();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    let interceptor = || TracingInterceptor::with_tracer(provider.tracer("tracing-test"));
    let client = client().await.with_interceptor(interceptor());
    let queue = unique("traced");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Traced>().activity(greet));
    let handle = client
        .start_workflow(Traced::run, "Ada".to_string(), WorkflowOptions::new(unique("traced"), &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), "Hello, Ada!");
    worker.stop().await;

    let spans = exporter.get_finished_spans().expect("spans");
    let start = span(&spans, "StartWorkflow:Traced");
    let run = span(&spans, "RunWorkflow:Traced");
    let schedule = span(&spans, "StartActivity:greet");
    let attempt = span(&spans, "RunActivity:greet");
    let complete = span(&spans, "CompleteWorkflow:Traced");
    let trace_id = start.span_context.trace_id();
    for s in [run, schedule, attempt, complete] {
        assert_eq!(s.span_context.trace_id(), trace_id, "{} is in the client's trace", s.name);
    }
    // Python's shape: the workflow's spans hang off the start, the attempt off its schedule.
    assert_eq!(start.parent_span_id, SpanId::INVALID);
    assert_eq!(start.span_kind, SpanKind::Client);
    assert_eq!(run.parent_span_id, start.span_context.span_id());
    assert_eq!(run.span_kind, SpanKind::Server);
    assert_eq!(schedule.parent_span_id, start.span_context.span_id());
    assert_eq!(complete.parent_span_id, start.span_context.span_id());
    assert_eq!(attempt.parent_span_id, schedule.span_context.span_id());
    assert_eq!(attempt.span_kind, SpanKind::Server);
    let attribute =
        |s: &SpanData, key: &str| s.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.to_string());
    assert_eq!(attribute(run, "temporalWorkflowID").as_deref(), Some(handle.id()));
    assert_eq!(attribute(attempt, "temporalWorkflowID").as_deref(), Some(handle.id()));
    assert_eq!(spans.iter().filter(|s| s.name.starts_with("RunWorkflow")).count(), 1);

    // `tracing` spans too, for `tracing-opentelemetry` users: one per task, ids as fields.
    let log = String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned();
    let workflow_id = format!("workflow_id=\"{}\"", handle.id());
    assert!(
        log.lines().any(|l| l.contains("workflow_task{") && l.contains(&workflow_id) && l.contains("close")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("activity_task{") && l.contains("activity_type=\"greet\"") && l.contains(&workflow_id)),
        "{log}"
    );

    // A replay of the whole history creates no span.
    let history = handle.fetch_history().await.expect("history");
    let before = spans.len();
    Replayer::new().workflow::<Traced>().interceptor(interceptor()).replay_workflow(&history).expect("replays");
    assert_eq!(exporter.get_finished_spans().expect("spans").len(), before, "replay added spans");
}

/// Calls the Python activity on the queue the workflow is given.
#[derive(Default)]
struct TracedByPython;

#[workflow]
impl TracedByPython {
    #[run]
    async fn run(&self, name: String, activity_queue: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10)).task_queue(activity_queue);
        workflow::execute_activity_by_name("py_traced", &name, options).await
    }
}

/// One span as `tests/python/tracing.py` prints Python's and as Rust's are turned into here.
#[derive(Debug, serde::Deserialize)]
struct JoinedSpan {
    name: String,
    trace_id: String,
    span_id: String,
    parent_span_id: Option<String>,
    kind: String,
}

impl From<&SpanData> for JoinedSpan {
    fn from(s: &SpanData) -> Self {
        let parent = (s.parent_span_id != SpanId::INVALID).then(|| s.parent_span_id.to_string());
        JoinedSpan {
            name: s.name.to_string(),
            trace_id: s.span_context.trace_id().to_string(),
            span_id: s.span_context.span_id().to_string(),
            parent_span_id: parent,
            kind: format!("{:?}", s.span_kind).to_uppercase(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_a_python_client_through_a_rust_workflow_into_a_python_activity() {
    let python = integration_tests::python::python_sdk().await;
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    let interceptor = || TracingInterceptor::with_tracer(provider.tracer("rust-side"));
    let client = client().await.with_interceptor(interceptor());
    let (workflow_queue, activity_queue) = (unique("traced-rust"), unique("traced-python"));
    let worker = RunningWorker::start(&client, WorkerOptions::new(&workflow_queue).workflow::<TracedByPython>());
    let id = unique("traced-by-python");
    let output = python
        .command(
            "tracing.py",
            &[
                "--address".into(),
                integration_tests::target(),
                "--workflow".into(),
                "TracedByPython".into(),
                "--workflow-queue".into(),
                workflow_queue.clone(),
                "--activity-queue".into(),
                activity_queue.clone(),
                "--id".into(),
                id.clone(),
                "--name".into(),
                "Ada".into(),
            ],
        )
        .output()
        .await
        .expect("run tests/python/tracing.py");
    worker.stop().await;
    assert!(output.status.success(), "python failed: {}", String::from_utf8_lossy(&output.stderr));
    #[derive(serde::Deserialize)]
    struct PythonSide {
        result: String,
        spans: Vec<JoinedSpan>,
    }
    let python_side: PythonSide = serde_json::from_slice(&output.stdout).expect("one JSON line");
    assert_eq!(python_side.result, "Hello from Python, Ada!");
    let rust_spans = exporter.get_finished_spans().expect("spans");
    let all: Vec<JoinedSpan> = python_side.spans.into_iter().chain(rust_spans.iter().map(JoinedSpan::from)).collect();
    let find = |name: &str| all.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name} in {all:#?}"));
    let start = find("StartWorkflow:TracedByPython");
    let run = find("RunWorkflow:TracedByPython");
    let schedule = find("StartActivity:py_traced");
    let attempt = find("RunActivity:py_traced");
    let complete = find("CompleteWorkflow:TracedByPython");
    assert!(all.iter().all(|s| s.trace_id == start.trace_id), "one trace: {all:#?}");
    assert_eq!(start.parent_span_id, None);
    assert_eq!(start.kind, "CLIENT");
    for child in [run, schedule, complete] {
        assert_eq!(child.parent_span_id.as_ref(), Some(&start.span_id), "{} under the Python start", child.name);
    }
    assert_eq!(run.kind, "SERVER");
    assert_eq!(attempt.parent_span_id.as_ref(), Some(&schedule.span_id), "the Python attempt under the Rust schedule");
    assert_eq!(attempt.kind, "SERVER");

    // Replaying the workflow adds no span.
    let history = client.get_workflow_handle::<TracedByPython>(&id, None).fetch_history().await.expect("history");
    let before = rust_spans.len();
    Replayer::new().workflow::<TracedByPython>().interceptor(interceptor()).replay_workflow(&history).expect("replays");
    assert_eq!(exporter.get_finished_spans().expect("spans").len(), before, "replay added spans");
}
