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

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        let names: Vec<_> = spans.iter().map(|s| s.name.to_string()).collect();
        panic!("no span {name}; spans: {names:?}")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_from_the_client_through_the_workflow_into_the_activity() {
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

    // A replay of the whole history creates no span.
    let history = handle.fetch_history().await.expect("history");
    let before = spans.len();
    Replayer::new().workflow::<Traced>().interceptor(interceptor()).replay_workflow(&history).expect("replays");
    assert_eq!(exporter.get_finished_spans().expect("spans").len(), before, "replay added spans");
}
