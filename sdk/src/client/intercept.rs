//! Client calls as interceptors see them: the request on its way out (payloads converted but
//! not yet through the codecs), the response on its way back (already decoded).

use futures::future::BoxFuture;

use std::sync::Arc;

use super::rpc::Rpc;
use super::{Client, ClientError};
use crate::headers::Headers;
use crate::protos::temporal::api::workflowservice::v1::{
    self as ws, execute_multi_operation_request::operation::Operation as MultiOp,
};

macro_rules! client_calls {
    ($($(#[$doc:meta])* $op:ident => $req:ident, $resp:ident;)*) => {
        /// A client call on its way to the server, as a [`ClientInterceptor`] sees it: one variant per
        /// workflow-service operation the client makes for its user (not the worker's polls and
        /// task completions). Interceptors may change the request, or answer without calling on.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        #[allow(missing_docs, clippy::large_enum_variant)]
        pub enum ClientRequest {
            $($(#[$doc])* $op(ws::$req),)*
        }

        /// What the server answered to a [`ClientRequest`] of the same variant.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        #[allow(missing_docs, clippy::large_enum_variant)]
        pub enum ClientResponse {
            $($op(ws::$resp),)*
        }

        impl ClientRequest {
            /// The gRPC operation's name (`StartWorkflowExecution`).
            pub fn operation(&self) -> &'static str {
                match self {
                    $(ClientRequest::$op(_) => stringify!($op),)*
                }
            }
        }

        super::rpc::rpcs! { $($op => $req, $resp;)* }

        $(
            impl Intercepted for ws::$req {
                fn into_request(self) -> ClientRequest {
                    ClientRequest::$op(self)
                }
                fn from_request(request: ClientRequest) -> Option<Self> {
                    match request {
                        ClientRequest::$op(r) => Some(r),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
                fn into_response(response: ws::$resp) -> ClientResponse {
                    ClientResponse::$op(response)
                }
                fn from_response(response: ClientResponse) -> Option<ws::$resp> {
                    match response {
                        ClientResponse::$op(r) => Some(r),
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                }
            }
        )*
    };
}

client_calls! {
    StartWorkflowExecution => StartWorkflowExecutionRequest, StartWorkflowExecutionResponse;
    SignalWithStartWorkflowExecution => SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse;
    SignalWorkflowExecution => SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse;
    QueryWorkflow => QueryWorkflowRequest, QueryWorkflowResponse;
    UpdateWorkflowExecution => UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse;
    PollWorkflowExecutionUpdate => PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse;
    /// Update-with-start: a start and an update in one call.
    ExecuteMultiOperation => ExecuteMultiOperationRequest, ExecuteMultiOperationResponse;
    RequestCancelWorkflowExecution => RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse;
    TerminateWorkflowExecution => TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse;
    DescribeWorkflowExecution => DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse;
    GetWorkflowExecutionHistory => GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse;
    ListWorkflowExecutions => ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse;
    CountWorkflowExecutions => CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse;
    RecordActivityTaskHeartbeat => RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse;
    RecordActivityTaskHeartbeatById => RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse;
    RespondActivityTaskCompleted => RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse;
    RespondActivityTaskCompletedById => RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse;
    RespondActivityTaskFailed => RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse;
    RespondActivityTaskFailedById => RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse;
    RespondActivityTaskCanceled => RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse;
    RespondActivityTaskCanceledById => RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse;
    CreateSchedule => CreateScheduleRequest, CreateScheduleResponse;
    ListSchedules => ListSchedulesRequest, ListSchedulesResponse;
    DescribeSchedule => DescribeScheduleRequest, DescribeScheduleResponse;
    UpdateSchedule => UpdateScheduleRequest, UpdateScheduleResponse;
    PatchSchedule => PatchScheduleRequest, PatchScheduleResponse;
    DeleteSchedule => DeleteScheduleRequest, DeleteScheduleResponse;
}

/// A wire request that interceptors may see, and its response.
pub(crate) trait Intercepted: Rpc + Sized {
    fn into_request(self) -> ClientRequest;
    fn from_request(request: ClientRequest) -> Option<Self>;
    fn into_response(response: Self::Response) -> ClientResponse;
    fn from_response(response: ClientResponse) -> Option<Self::Response>;
}

impl ClientRequest {
    /// Runs `f` on every set of headers the request carries: a start's, a signal's (both in
    /// signal-with-start), a query's, an update's, and both of update-with-start. Requests
    /// without headers (describe, cancel, list ...) never call `f`.
    ///
    /// ```
    /// use temporal_sdk::interceptor::ClientRequest;
    /// use temporal_sdk::protos::temporal::api::workflowservice::v1::StartWorkflowExecutionRequest;
    ///
    /// let mut request = ClientRequest::StartWorkflowExecution(StartWorkflowExecutionRequest::default());
    /// request.edit_headers(|h| h.insert("tenant", "acme").unwrap());
    /// let mut tenant = None;
    /// request.edit_headers(|h| tenant = h.get::<String>("tenant").unwrap());
    /// assert_eq!(tenant.as_deref(), Some("acme"));
    /// ```
    pub fn edit_headers(&mut self, mut f: impl FnMut(&mut Headers)) {
        let f: &mut dyn FnMut(&mut Headers) = &mut f;
        match self {
            ClientRequest::StartWorkflowExecution(r) => Headers::edit(&mut r.header, f),
            ClientRequest::SignalWithStartWorkflowExecution(r) => Headers::edit(&mut r.header, f),
            ClientRequest::SignalWorkflowExecution(r) => Headers::edit(&mut r.header, f),
            ClientRequest::QueryWorkflow(r) => {
                if let Some(q) = &mut r.query {
                    Headers::edit(&mut q.header, f)
                }
            }
            ClientRequest::UpdateWorkflowExecution(r) => edit_update_headers(r, f),
            ClientRequest::ExecuteMultiOperation(r) => {
                for op in r.operations.iter_mut().filter_map(|o| o.operation.as_mut()) {
                    match op {
                        MultiOp::StartWorkflow(start) => Headers::edit(&mut start.header, f),
                        MultiOp::UpdateWorkflow(update) => edit_update_headers(update, f),
                    }
                }
            }
            _ => {}
        }
    }

    /// The workflow type a start (plain, with signal, or with update) is for.
    pub fn workflow_type(&self) -> Option<&str> {
        let start = match self {
            ClientRequest::StartWorkflowExecution(r) => r.workflow_type.as_ref(),
            ClientRequest::SignalWithStartWorkflowExecution(r) => r.workflow_type.as_ref(),
            ClientRequest::ExecuteMultiOperation(r) => r.operations.iter().find_map(|o| match &o.operation {
                Some(MultiOp::StartWorkflow(s)) => s.workflow_type.as_ref(),
                _ => None,
            }),
            _ => None,
        };
        start.map(|t| t.name.as_str())
    }

    /// The signal, query or update a call sends by name.
    pub fn handler_name(&self) -> Option<&str> {
        fn update_name(r: &ws::UpdateWorkflowExecutionRequest) -> Option<&str> {
            r.request.as_ref().and_then(|r| r.input.as_ref()).map(|i| i.name.as_str())
        }
        match self {
            ClientRequest::SignalWithStartWorkflowExecution(r) => Some(&r.signal_name),
            ClientRequest::SignalWorkflowExecution(r) => Some(&r.signal_name),
            ClientRequest::QueryWorkflow(r) => r.query.as_ref().map(|q| q.query_type.as_str()),
            ClientRequest::UpdateWorkflowExecution(r) => update_name(r),
            ClientRequest::ExecuteMultiOperation(r) => r.operations.iter().find_map(|o| match &o.operation {
                Some(MultiOp::UpdateWorkflow(u)) => update_name(u),
                _ => None,
            }),
            _ => None,
        }
    }
}

fn edit_update_headers(r: &mut ws::UpdateWorkflowExecutionRequest, f: &mut dyn FnMut(&mut Headers)) {
    if let Some(input) = r.request.as_mut().and_then(|r| r.input.as_mut()) {
        Headers::edit(&mut input.header, f)
    }
}

/// The end of the chain: the call itself (codecs, retries, the server).
pub(crate) type Terminal<'a> =
    &'a (dyn Fn(ClientRequest) -> BoxFuture<'a, Result<ClientResponse, ClientError>> + Send + Sync);

/// Code around the client's calls: the client's part of an
/// [`Interceptor`](crate::interceptor::Interceptor), which every `Interceptor` is. Implement it
/// directly for an interceptor of client calls only.
///
/// ```
/// use futures::future::BoxFuture;
/// use temporal_sdk::client::{ClientInterceptor, ClientNext, ClientRequest, ClientResponse};
/// use temporal_sdk::prelude::*;
///
/// struct CountCalls(std::sync::atomic::AtomicU64);
///
/// impl ClientInterceptor for CountCalls {
///     fn intercept_client<'a>(
///         &'a self,
///         request: ClientRequest,
///         next: ClientNext<'a>,
///     ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
///         self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         next.run(request)
///     }
/// }
/// ```
pub trait ClientInterceptor: Send + Sync + 'static {
    /// Around one client call: change the request, look at the response, or answer without
    /// calling `next`.
    fn intercept_client<'a>(
        &'a self,
        request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>>;

    /// The whole interceptor, for workers built from the client (an `Arc<dyn Interceptor>`
    /// when this is an [`Interceptor`](crate::interceptor::Interceptor)).
    #[doc(hidden)]
    fn worker_part(self: Arc<Self>) -> Option<Box<dyn std::any::Any + Send + Sync>> {
        None
    }
}

impl std::fmt::Debug for dyn ClientInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientInterceptor")
    }
}

/// A client's interceptors, outermost first.
pub(crate) type ClientInterceptors = Arc<[Arc<dyn ClientInterceptor>]>;

/// The rest of the interceptor chain after the one being called: the next interceptor, or the
/// call itself.
pub struct ClientNext<'a> {
    rest: &'a [Arc<dyn ClientInterceptor>],
    terminal: Terminal<'a>,
}

impl std::fmt::Debug for ClientNext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientNext").field("interceptors_left", &self.rest.len()).finish()
    }
}

impl<'a> ClientNext<'a> {
    pub(crate) fn new(chain: &'a [Arc<dyn ClientInterceptor>], terminal: Terminal<'a>) -> Self {
        ClientNext { rest: chain, terminal }
    }

    /// Passes `request` on and returns what came back.
    pub fn run(self, request: ClientRequest) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        match self.rest.split_first() {
            Some((first, rest)) => first.intercept_client(request, ClientNext { rest, terminal: self.terminal }),
            None => (self.terminal)(request),
        }
    }
}

impl Client {
    /// A client on the same connection with `interceptor` added inside this one's (and workers
    /// built from it run it too), as for a test environment's client.
    ///
    /// ```no_run
    /// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment) {
    /// use temporal_sdk::interceptor::Interceptor;
    ///
    /// struct Audit;
    /// impl Interceptor for Audit {}
    ///
    /// let client = env.client().with_interceptor(Audit);
    /// # let _ = client; }
    /// ```
    pub fn with_interceptor(&self, interceptor: impl ClientInterceptor) -> Client {
        let interceptors: Vec<_> =
            self.interceptors.iter().cloned().chain([Arc::new(interceptor) as Arc<dyn ClientInterceptor>]).collect();
        Client { interceptors: interceptors.into(), ..self.clone() }
    }

    /// The interceptors of this client, which workers built from it run too.
    pub(crate) fn interceptors(&self) -> &ClientInterceptors {
        &self.interceptors
    }
}
