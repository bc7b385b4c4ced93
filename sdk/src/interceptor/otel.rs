//! OpenTelemetry tracing as the Python SDK's `TracingInterceptor` does it: the same span names,
//! kinds and attributes, and the span context carried in the `_tracer-data` header as the same
//! JSON object (W3C trace context and baggage), so one trace runs through Python and Rust
//! clients, workflows and activities alike.
//!
//! Workflow spans are created and ended at once, only the first time the code runs (never on
//! replay), and only when the workflow was started with a span context: a workflow may run for
//! months and be replayed on any worker, so no span stays open across its tasks.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use opentelemetry::global::BoxedTracer;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{FutureExt, Link, Span, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::{
    ActivityCall, ActivityNext, ClientNext, ClientRequest, ClientResponse, Headers, InboundKind, Interceptor,
    OutboundKind, WorkflowInbound, WorkflowOutbound,
};
use crate::client::ClientError;
use crate::error::ActivityError;
use crate::protos::temporal::api::common::v1::Payload;

/// The header the span context travels in, as in the other SDKs.
pub const TRACER_HEADER: &str = "_tracer-data";

/// Creates OpenTelemetry spans for client calls, activity attempts and workflows, and carries
/// their context in headers (feature `opentelemetry`).
///
/// ```
/// use temporal_sdk::interceptor::TracingInterceptor;
///
/// // Spans go to the global tracer provider, as set up by the application.
/// let options = temporal_sdk::ClientOptions::new("localhost:7233").interceptor(TracingInterceptor::new());
/// # let _ = options;
/// ```
pub struct TracingInterceptor {
    tracer: BoxedTracer,
    propagator: Arc<dyn TextMapPropagator + Send + Sync>,
}

impl std::fmt::Debug for TracingInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingInterceptor").finish_non_exhaustive()
    }
}

impl Default for TracingInterceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl TracingInterceptor {
    /// Spans through the global tracer provider's tracer `temporal-sdk`.
    pub fn new() -> Self {
        Self::with_boxed_tracer(opentelemetry::global::tracer("temporal-sdk"))
    }

    /// Spans through `tracer` (from a provider the application holds, say).
    ///
    /// ```
    /// use opentelemetry::trace::TracerProvider as _;
    /// use temporal_sdk::interceptor::TracingInterceptor;
    ///
    /// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    /// let interceptor = TracingInterceptor::with_tracer(provider.tracer("orders"));
    /// # let _ = interceptor;
    /// ```
    pub fn with_tracer<T>(tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        Self::with_boxed_tracer(BoxedTracer::new(Box::new(tracer)))
    }

    fn with_boxed_tracer(tracer: BoxedTracer) -> Self {
        // Python's default: W3C trace context, then W3C baggage.
        let propagator = TextMapCompositePropagator::new(vec![
            Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
            Box::new(opentelemetry_sdk::propagation::BaggagePropagator::new()),
        ]);
        Self { tracer, propagator: Arc::new(propagator) }
    }

    /// Replaces the propagator (default: W3C trace context and baggage, as in Python).
    pub fn propagator(mut self, propagator: impl TextMapPropagator + Send + Sync + 'static) -> Self {
        self.propagator = Arc::new(propagator);
        self
    }

    /// Writes `cx` into `headers` (nothing when it carries nothing).
    fn inject(&self, cx: &Context, headers: &mut Headers) {
        let mut carrier = HashMap::new();
        self.propagator.inject_context(cx, &mut carrier);
        if !carrier.is_empty()
            && let Err(e) = headers.insert(TRACER_HEADER, &carrier)
        {
            tracing::warn!(error = %e, "cannot write the span context into the headers");
        }
    }

    /// The span context in `headers`, if they carry one.
    fn extract(&self, headers: &Headers) -> Option<Context> {
        let carrier: HashMap<String, String> = headers.get(TRACER_HEADER).ok().flatten()?;
        let cx = self.propagator.extract(&carrier);
        cx.span().span_context().is_valid().then_some(cx)
    }

    /// A span of a workflow, started and ended at once; its context, for what it sends.
    fn completed_span(
        &self,
        name: String,
        kind: SpanKind,
        parent: &Context,
        link: Option<Context>,
        attributes: Vec<KeyValue>,
        failed: bool,
    ) -> Context {
        let mut builder = self.tracer.span_builder(name).with_kind(kind).with_attributes(attributes);
        if let Some(link) = link {
            builder = builder.with_links(vec![Link::with_context(link.span().span_context().clone())]);
        }
        let mut span = builder.start_with_context(&self.tracer, parent);
        if failed {
            span.set_status(Status::error("workflow failed"));
        }
        let span_context = span.span_context().clone();
        span.end();
        parent.with_remote_span_context(span_context)
    }
}

fn workflow_attributes(info: &crate::runtime::info::WorkflowInfo) -> Vec<KeyValue> {
    vec![
        KeyValue::new("temporalWorkflowID", info.workflow_id.clone()),
        KeyValue::new("temporalRunID", info.run_id.clone()),
    ]
}

/// The span name and workflow id of the client calls Python traces.
fn client_span(request: &ClientRequest) -> Option<(String, String)> {
    use crate::protos::temporal::api::workflowservice::v1::execute_multi_operation_request::operation::Operation;
    let name = |prefix: &str, what: Option<&str>| format!("{prefix}:{}", what.unwrap_or_default());
    let execution_id = |e: &Option<crate::protos::temporal::api::common::v1::WorkflowExecution>| {
        e.as_ref().map(|e| e.workflow_id.clone()).unwrap_or_default()
    };
    Some(match request {
        ClientRequest::StartWorkflowExecution(r) => {
            (name("StartWorkflow", request.workflow_type()), r.workflow_id.clone())
        }
        ClientRequest::SignalWithStartWorkflowExecution(r) => {
            (name("SignalWithStartWorkflow", request.workflow_type()), r.workflow_id.clone())
        }
        ClientRequest::SignalWorkflowExecution(r) => {
            (name("SignalWorkflow", request.handler_name()), execution_id(&r.workflow_execution))
        }
        ClientRequest::QueryWorkflow(r) => (name("QueryWorkflow", request.handler_name()), execution_id(&r.execution)),
        ClientRequest::UpdateWorkflowExecution(r) => {
            (name("StartWorkflowUpdate", request.handler_name()), execution_id(&r.workflow_execution))
        }
        ClientRequest::ExecuteMultiOperation(r) => {
            let id = r.operations.iter().find_map(|o| match &o.operation {
                Some(Operation::StartWorkflow(s)) => Some(s.workflow_id.clone()),
                _ => None,
            });
            (name("StartUpdateWithStartWorkflow", request.workflow_type()), id.unwrap_or_default())
        }
        _ => return None,
    })
}

impl Interceptor for TracingInterceptor {
    fn intercept_client<'a>(
        &'a self,
        mut request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        let Some((name, workflow_id)) = client_span(&request) else { return next.run(request) };
        let span = self
            .tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_attributes(vec![KeyValue::new("temporalWorkflowID", workflow_id)])
            .start(&self.tracer);
        let cx = Context::current_with_span(span);
        request.edit_headers(|h| self.inject(&cx, h));
        Box::pin(async move {
            let result = next.run(request).with_context(cx.clone()).await;
            if let Err(e) = &result {
                cx.span().set_status(Status::error(e.to_string()));
            }
            cx.span().end();
            result
        })
    }

    fn execute_activity<'a>(
        &'a self,
        call: ActivityCall<'a>,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, Result<Payload, ActivityError>> {
        let info = call.info;
        let mut attributes = vec![KeyValue::new("temporalActivityID", info.activity_id.clone())];
        if !info.workflow_id.is_empty() {
            attributes.push(KeyValue::new("temporalWorkflowID", info.workflow_id.clone()));
        }
        if !info.workflow_run_id.is_empty() {
            attributes.push(KeyValue::new("temporalRunID", info.workflow_run_id.clone()));
        }
        let parent = self.extract(&call.headers).unwrap_or_else(Context::current);
        let span = self
            .tracer
            .span_builder(format!("RunActivity:{}", info.activity_type))
            .with_kind(SpanKind::Server)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, &parent);
        let cx = parent.with_span(span);
        Box::pin(async move {
            let result = next.run(call).with_context(cx.clone()).await;
            if let Err(e) = &result {
                cx.span().set_status(Status::error(e.to_string()));
            }
            cx.span().end();
            result
        })
    }

    fn workflow_inbound(&self, call: &mut WorkflowInbound<'_>) {
        let (name, link, parent) = match call.kind() {
            // Queries are traced only when their caller sent a context, under that context, and
            // even on replay (a query is never a repeat).
            InboundKind::Query => {
                let Some(parent) = self.extract(call.headers()) else { return };
                (format!("HandleQuery:{}", call.name()), self.extract(&call.info().headers), parent)
            }
            _ if call.is_replaying() => return,
            InboundKind::Run => {
                let Some(parent) = self.extract(call.headers()) else { return };
                (format!("RunWorkflow:{}", call.name()), None, parent)
            }
            kind => {
                let Some(parent) = self.extract(&call.info().headers) else { return };
                let prefix = match kind {
                    InboundKind::Signal => "HandleSignal",
                    InboundKind::ValidateUpdate => "ValidateUpdate",
                    _ => "HandleUpdate",
                };
                (format!("{prefix}:{}", call.name()), self.extract(call.headers()), parent)
            }
        };
        self.completed_span(name, SpanKind::Server, &parent, link, workflow_attributes(call.info()), false);
    }

    fn workflow_outbound(&self, call: &mut WorkflowOutbound<'_>) {
        if call.is_replaying() {
            return;
        }
        let Some(parent) = self.extract(call.workflow_headers()) else { return };
        let (prefix, kind) = match call.kind() {
            OutboundKind::Activity | OutboundKind::LocalActivity => ("StartActivity", SpanKind::Client),
            OutboundKind::ChildWorkflow => ("StartChildWorkflow", SpanKind::Client),
            OutboundKind::SignalChildWorkflow => ("SignalChildWorkflow", SpanKind::Client),
            OutboundKind::SignalExternalWorkflow => ("SignalExternalWorkflow", SpanKind::Client),
            OutboundKind::CompleteWorkflow => ("CompleteWorkflow", SpanKind::Internal),
            // The next run continues the trace of this one.
            OutboundKind::ContinueAsNew => return self.inject(&parent, call.headers_mut()),
            _ => return,
        };
        let name = format!("{prefix}:{}", call.name());
        let cx = self.completed_span(name, kind, &parent, None, workflow_attributes(call.info()), call.failed());
        if call.kind() != OutboundKind::CompleteWorkflow {
            self.inject(&cx, call.headers_mut());
        }
    }
}
