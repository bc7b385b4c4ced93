//! Workflow-service calls sent as bytes encoded once.
//!
//! The generated service client takes a typed request on every attempt, so a call that may be
//! retried kept a copy of the message for the next attempt (a clone before each, the first
//! included), and each layer of tonic's call held another. A request encoded once after the
//! interceptors and codecs is a [`Bytes`] that every attempt shares: the futures of a storm of
//! starts hold a handle to it instead of the message, and nothing is copied to try again.

use std::marker::PhantomData;
use std::time::Duration;

use prost::bytes::{BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;

use super::Client;
use crate::protos::temporal::api::workflowservice::v1 as ws;

/// The gRPC service every [`Rpc`] belongs to.
const SERVICE: &str = "temporal.api.workflowservice.v1.WorkflowService";

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

/// A request encoded once, ready to be sent as many times as the call is tried.
pub(crate) struct Encoded {
    operation: &'static str,
    path: &'static str,
    bytes: Bytes,
}

impl Encoded {
    pub(crate) fn new<T: Rpc>(message: &T) -> Self {
        Encoded { operation: T::OPERATION, path: T::PATH, bytes: Bytes::from(message.encode_to_vec()) }
    }

    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }
}

impl Client {
    /// One attempt of a call: `request` sent with `timeout` as its deadline, the answer
    /// decoded as `R`. What the generated client does, but with the bytes encoded before.
    pub(crate) async fn send_encoded<R>(&self, request: &Encoded, timeout: Duration) -> Result<Box<R>, tonic::Status>
    where
        R: prost::Message + Default + Send + Sync + 'static,
    {
        let mut grpc = self.grpc();
        grpc.ready().await.map_err(|e| tonic::Status::unknown(format!("Service was not ready: {e}")))?;
        // A shared handle to the bytes, not a copy of them.
        let mut req = tonic::Request::new(request.bytes.clone());
        req.set_timeout(timeout);
        req.extensions_mut().insert(tonic::GrpcMethod::new(SERVICE, request.operation));
        let path = PathAndQuery::from_static(request.path);
        grpc.unary(req, path, PreEncoded::<R>(PhantomData)).await.map(tonic::Response::into_inner)
    }
}

/// The codec of a call whose request is already encoded: it writes the bytes as they are and
/// decodes the answer with prost, as the generated clients' codec does, onto the heap (tonic's
/// futures hold the answer in several places until the call ends).
struct PreEncoded<R>(PhantomData<fn() -> R>);

impl<R: prost::Message + Default + Send + 'static> Codec for PreEncoded<R> {
    type Encode = Bytes;
    type Decode = Box<R>;
    type Encoder = BytesEncoder;
    type Decoder = ProstDecoder<R>;

    fn encoder(&mut self) -> BytesEncoder {
        BytesEncoder
    }

    fn decoder(&mut self) -> ProstDecoder<R> {
        ProstDecoder(PhantomData)
    }
}

struct BytesEncoder;

impl Encoder for BytesEncoder {
    type Item = Bytes;
    type Error = tonic::Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

struct ProstDecoder<R>(PhantomData<fn() -> R>);

impl<R: prost::Message + Default> Decoder for ProstDecoder<R> {
    type Item = Box<R>;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Box<R>>, tonic::Status> {
        let mut message = Box::<R>::default();
        // INTERNAL, as gRPC's status codes document for a message that does not parse (and as
        // tonic's prost codec answers).
        message.merge(src).map_err(|e| tonic::Status::internal(e.to_string()))?;
        Ok(Some(message))
    }
}
