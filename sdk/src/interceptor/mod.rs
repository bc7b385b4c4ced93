//! Interceptors: code that runs around every client call, activity attempt and workflow
//! handler, and before every command a workflow sends, able to read and change their headers.
//! This is how a trace, a tenant or an auth context follows a request from a web handler
//! through a workflow into its activities and children, across processes and SDKs.
//!
//! One [`Interceptor`] covers the client and the worker, as the Python SDK's interceptors
//! may: given to [`ClientOptions::interceptor`](crate::ClientOptions::interceptor) it
//! intercepts the client's calls and the workers built from that client; given to
//! [`WorkerOptions::interceptor`](crate::WorkerOptions::interceptor) only that worker's. Each
//! method has a default that passes through, so an interceptor implements just what it needs.
//! Several interceptors form a chain, the first given outermost.
//!
//! ```
//! use futures::future::BoxFuture;
//! use temporal_sdk::interceptor::{ClientNext, ClientRequest, ClientResponse, Interceptor, WorkflowOutbound};
//! use temporal_sdk::prelude::*;
//!
//! /// Puts the tenant on every workflow a client starts, and passes it from a workflow on to
//! /// everything it schedules.
//! struct Tenant(String);
//!
//! impl Interceptor for Tenant {
//!     fn intercept_client<'a>(
//!         &'a self,
//!         mut request: ClientRequest,
//!         next: ClientNext<'a>,
//!     ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
//!         request.edit_headers(|h| h.insert("tenant", &self.0).expect("a string encodes"));
//!         next.run(request)
//!     }
//!
//!     fn workflow_outbound(&self, call: &mut WorkflowOutbound<'_>) {
//!         if let Some(tenant) = call.workflow_headers().payload("tenant").cloned() {
//!             call.headers_mut().insert_payload("tenant", tenant);
//!         }
//!     }
//! }
//!
//! let options = ClientOptions::new("localhost:7233").interceptor(Tenant("acme".into()));
//! # let _ = options;
//! ```

mod activity;
#[cfg(feature = "opentelemetry")]
mod otel;
mod workflow;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use crate::client::{ClientInterceptor, ClientNext, ClientRequest, ClientResponse};
pub use crate::headers::Headers;
pub use activity::{ActivityCall, ActivityNext};
#[cfg(feature = "opentelemetry")]
pub use otel::{TRACER_HEADER, TracingInterceptor};
pub(crate) use workflow::WorkflowHooks;
pub use workflow::{InboundKind, OutboundKind, WorkflowInbound, WorkflowOutbound};

use crate::activity::ActivityInfo;
use crate::client::ClientError;
use crate::error::ActivityError;
use crate::protos::temporal::api::common::v1::Payload;

/// Hooks into client calls, activity attempts and workflow runs. Every method has a default
/// that does nothing but pass on; see the [module](self) for an example.
///
/// Workflow hooks run inside the deterministic workflow: they must not do I/O, read clocks
/// or keep state that differs between a run and its replay. [`WorkflowInbound::is_replaying`]
/// says when a side effect (a span, a log line) would be a duplicate.
pub trait Interceptor: Send + Sync + 'static {
    /// Around one client call (start, signal, query, update, cancel, describe, list,
    /// schedules, async activity completion ...): change the request, look at the response,
    /// or answer without calling `next`.
    fn intercept_client<'a>(
        &'a self,
        request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        next.run(request)
    }

    /// Around one attempt of an activity (remote or local), inside its context:
    /// [`activity::info`](crate::activity::info) and the other context functions work here.
    fn execute_activity<'a>(
        &'a self,
        call: ActivityCall<'a>,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, Result<Payload, ActivityError>> {
        next.run(call)
    }

    /// Before an activity's heartbeat details are recorded; may change them.
    fn activity_heartbeat(&self, info: &ActivityInfo, details: &mut Vec<Payload>) {
        let _ = (info, details);
    }

    /// Before a workflow's run method, signal, query, update validator or update handler is
    /// called with what arrived; may change the headers the handler sees.
    fn workflow_inbound(&self, call: &mut WorkflowInbound<'_>) {
        let _ = call;
    }

    /// Before a workflow sends a command (an activity, a local activity, a child, a signal, a
    /// continue-as-new, a timer, its completion); may set the headers that go with it.
    fn workflow_outbound(&self, call: &mut WorkflowOutbound<'_>) {
        let _ = call;
    }
}

impl std::fmt::Debug for dyn Interceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interceptor")
    }
}

/// Every interceptor is one of the client's calls too, and hands workers built from that client
/// the whole of itself.
impl<T: Interceptor> ClientInterceptor for T {
    fn intercept_client<'a>(
        &'a self,
        request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        Interceptor::intercept_client(self, request, next)
    }

    fn worker_part(self: Arc<Self>) -> Option<Box<dyn std::any::Any + Send + Sync>> {
        let whole: Arc<dyn Interceptor> = self;
        Some(Box::new(whole))
    }
}

/// The whole interceptors among a client's, for a worker built from it.
pub(crate) fn of_client(interceptors: &[Arc<dyn ClientInterceptor>]) -> Vec<Arc<dyn Interceptor>> {
    interceptors
        .iter()
        .filter_map(|i| Arc::clone(i).worker_part())
        .filter_map(|any| any.downcast::<Arc<dyn Interceptor>>().ok())
        .map(|whole| *whole)
        .collect()
}

/// The interceptors in effect, outermost first.
pub(crate) type Interceptors = Arc<[Arc<dyn Interceptor>]>;
