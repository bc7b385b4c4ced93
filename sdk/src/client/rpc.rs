//! Workflow-service calls sent as bytes encoded once.
//!
//! The generated service client takes a typed request on every attempt, so a call that may be
//! retried kept a copy of the message for the next attempt (a clone before each, the first
//! included), and each layer of tonic's call held another. A request encoded once after the
//! interceptors and codecs is a [`Bytes`] that every attempt shares: the futures of a storm of
//! starts hold a handle to it instead of the message, and nothing is copied to try again.

use std::time::Duration;

use http::HeaderValue;
use prost::bytes::Bytes;

use super::{Client, transport};
use crate::protos::temporal::api::workflowservice::v1 as ws;

/// A request of the workflow service, which knows its method and its response type.
pub(crate) trait Rpc: prost::Message + Send + 'static {
    /// What the server answers.
    type Response: prost::Message + Default + Send + Sync + 'static;
    /// The method's name (`StartWorkflowExecution`), the `operation` of metrics and errors.
    const OPERATION: &'static str;
    /// The method's HTTP/2 path.
    const PATH: &'static str;
}

/// Declares the [`Rpc`] of each `Method => Request, Response`.
macro_rules! rpcs {
    ($($op:ident => $req:ident, $resp:ident;)*) => {
        $(
            impl $crate::client::rpc::Rpc for ws::$req {
                type Response = ws::$resp;
                const OPERATION: &'static str = stringify!($op);
                const PATH: &'static str =
                    concat!("/temporal.api.workflowservice.v1.WorkflowService/", stringify!($op));
            }
        )*
    };
}
pub(crate) use rpcs;

// The calls that no interceptor sees (those it sees are declared with their interceptor
// variants in `intercept.rs`).
rpcs! {
    GetSystemInfo => GetSystemInfoRequest, GetSystemInfoResponse;
    DescribeNamespace => DescribeNamespaceRequest, DescribeNamespaceResponse;
    ShutdownWorker => ShutdownWorkerRequest, ShutdownWorkerResponse;
    RecordWorkerHeartbeat => RecordWorkerHeartbeatRequest, RecordWorkerHeartbeatResponse;
    PollWorkflowTaskQueue => PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse;
    PollActivityTaskQueue => PollActivityTaskQueueRequest, PollActivityTaskQueueResponse;
    RespondWorkflowTaskCompleted => RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse;
    RespondWorkflowTaskFailed => RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse;
    RespondQueryTaskCompleted => RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse;
}

/// A request encoded once, in its gRPC frame, ready to be sent as many times as the call is
/// tried.
pub(crate) struct Encoded {
    operation: &'static str,
    path: &'static str,
    framed: Bytes,
    gzip: bool,
}

impl Encoded {
    pub(crate) fn new<T: Rpc>(message: &T, gzip: bool) -> Self {
        Encoded { operation: T::OPERATION, path: T::PATH, framed: transport::frame(message, gzip), gzip }
    }

    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }
}

impl Client {
    /// One attempt of a call: `request` sent with `timeout` as its deadline, the answer
    /// decoded as `R`.
    pub(crate) async fn send_encoded<R>(&self, request: &Encoded, timeout: Duration) -> Result<Box<R>, tonic::Status>
    where
        R: prost::Message + Default + Send + Sync + 'static,
    {
        let headers = || {
            let mut headers = self.call_headers();
            if request.gzip {
                headers.insert("grpc-encoding", HeaderValue::from_static("gzip"));
            }
            headers
        };
        // A shared handle to the bytes, not a copy of them.
        let answer = self.conn.transport.unary(request.path, headers, request.framed.clone(), timeout).await?;
        let mut message = Box::<R>::default();
        // INTERNAL, as gRPC's status codes document for a message that does not parse (and as
        // tonic's prost codec answers).
        message.merge(answer).map_err(|e| tonic::Status::internal(e.to_string()))?;
        Ok(message)
    }
}
