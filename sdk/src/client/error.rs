use std::time::Duration;

use crate::converter::{CodecError, PayloadError};
use crate::error::Failure;
use crate::protos::temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure;

/// What went wrong in a client call.
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # async fn demo(client: Client) {
/// match client.start_workflow_by_name("Greeting", &(), WorkflowOptions::new("g-1", "queue")).await {
///     Err(ClientError::WorkflowAlreadyStarted { workflow_id, workflow_type, run_id }) => {
///         println!("{workflow_type} {workflow_id} already runs as {run_id}");
///     }
///     Err(e) if e.is_timeout() => println!("the server did not answer in time: {e}"),
///     other => { let _ = other; }
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server could not be reached.
    #[error("cannot connect to Temporal at {target}: {message}")]
    Connect {
        /// The target connected to.
        target: String,
        /// The transport error, and what it likely means.
        message: String,
    },
    /// The client options are not usable.
    #[error("invalid client options: {0}")]
    InvalidOptions(String),
    /// A workflow with this id is already running (or, under a reuse policy that forbids it,
    /// has run), as Python's `WorkflowAlreadyStartedError`.
    #[error("workflow {workflow_id:?} of type {workflow_type:?} is already started (run {run_id})")]
    WorkflowAlreadyStarted {
        /// The workflow id.
        workflow_id: String,
        /// The workflow type the start asked for.
        workflow_type: String,
        /// The existing run's id.
        run_id: String,
    },
    /// A schedule with this id exists already, as Python's `ScheduleAlreadyRunningError`.
    #[error("schedule {schedule_id:?} already exists")]
    ScheduleAlreadyRunning {
        /// The schedule id.
        schedule_id: String,
    },
    /// The workflow ended without success; `cause` says how (failure, cancellation,
    /// termination, timeout), as Python's `WorkflowFailureError`.
    #[error("workflow execution failed: {cause:#}")]
    WorkflowFailed {
        /// Why it failed (boxed to keep results small).
        cause: Box<Failure>,
    },
    /// The workflow continued as new and the handle does not follow runs.
    #[error("workflow continued as new in run {new_run_id}")]
    ContinuedAsNew {
        /// The new run.
        new_run_id: String,
    },
    /// The update was rejected by its validator or failed in its handler.
    #[error("workflow update failed: {cause:#}")]
    UpdateFailed {
        /// Why.
        cause: Box<Failure>,
    },
    /// The query failed in the workflow (unknown query, handler error).
    #[error("query failed: {0}")]
    QueryFailed(String),
    /// The server refused the query because of the workflow's status.
    #[error("query rejected: the workflow is {status}")]
    QueryRejected {
        /// The workflow's status.
        status: String,
    },
    /// A value could not be converted.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// A payload codec failed to encode what the call sends or decode what it received.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// The call got no answer within its deadline (the client's RPC timeout, 30 s by
    /// default). Whether the server acted on it is unknown.
    #[error("{operation} timed out: no answer within {after:?}")]
    Timeout {
        /// The call.
        operation: &'static str,
        /// The deadline that ran out.
        after: Duration,
    },
    /// A gRPC call failed.
    #[error("{operation} failed: {code:?}: {message}")]
    Rpc {
        /// The call.
        operation: &'static str,
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message, or what broke on the way.
        message: String,
    },
}

impl ClientError {
    /// The error of a call that failed with `status`, when the call site has nothing to add.
    pub(crate) fn from_status(operation: &'static str, status: tonic::Status) -> Self {
        ClientError::Rpc { operation, code: status.code(), message: describe_status(&status) }
    }

    /// The gRPC status code, for RPC errors.
    ///
    /// ```
    /// # fn f(e: temporal_sdk::client::ClientError) {
    /// if e.code() == Some(tonic::Code::PermissionDenied) { /* check the API key */ }
    /// # }
    /// ```
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            ClientError::Rpc { code, .. } => Some(*code),
            ClientError::WorkflowAlreadyStarted { .. } | ClientError::ScheduleAlreadyRunning { .. } => {
                Some(tonic::Code::AlreadyExists)
            }
            ClientError::Timeout { .. } => Some(tonic::Code::DeadlineExceeded),
            _ => None,
        }
    }

    /// Whether the entity asked for does not exist (gRPC `NOT_FOUND`).
    ///
    /// ```
    /// # fn f(e: temporal_sdk::client::ClientError) {
    /// if e.is_not_found() { /* no such workflow */ }
    /// # }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(tonic::Code::NotFound)
    }

    /// Whether the call ran out of time ([`ClientError::Timeout`]).
    ///
    /// ```
    /// # fn f(e: temporal_sdk::client::ClientError) {
    /// if e.is_timeout() { /* the server is slow or unreachable: try again later */ }
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, ClientError::Timeout { .. })
    }
}

/// A call that failed for good, before it becomes a [`ClientError`]: the call site may know
/// more than the status says (the workflow a start was for).
#[derive(Debug)]
pub(crate) struct RpcFailure {
    pub(crate) operation: &'static str,
    pub(crate) status: tonic::Status,
    /// The deadline that ran out, when that is why the call failed.
    pub(crate) timed_out_after: Option<Duration>,
}

impl RpcFailure {
    /// The error of a start (or signal-with-start) of `workflow_id` as a `workflow_type`.
    pub(crate) fn into_start_error(self, workflow_id: &str, workflow_type: &str) -> ClientError {
        if self.status.code() == tonic::Code::AlreadyExists
            && let Some(detail) = temporal_sdk_protos::utilities::decode_status_detail::<
                WorkflowExecutionAlreadyStartedFailure,
            >(self.status.details())
        {
            return ClientError::WorkflowAlreadyStarted {
                workflow_id: workflow_id.to_string(),
                workflow_type: workflow_type.to_string(),
                run_id: detail.run_id,
            };
        }
        self.into()
    }
}

impl From<RpcFailure> for ClientError {
    fn from(failure: RpcFailure) -> Self {
        match failure.timed_out_after {
            Some(after) => ClientError::Timeout { operation: failure.operation, after },
            None => ClientError::from_status(failure.operation, failure.status),
        }
    }
}

/// The status's message followed by what caused it on this side (the transport's errors),
/// without repeating itself.
pub(crate) fn describe_status(status: &tonic::Status) -> String {
    let mut links = vec![status.message().to_string()];
    links.extend(source_texts(std::error::Error::source(status)));
    join_links(links)
}

/// An error and its sources, `a: b: c`, without repeating itself.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    join_links(std::iter::once(error.to_string()).chain(source_texts(error.source())))
}

fn source_texts(mut source: Option<&(dyn std::error::Error + 'static)>) -> Vec<String> {
    let mut texts = Vec::new();
    while let Some(error) = source {
        texts.push(error.to_string());
        source = error.source();
    }
    texts
}

/// Many errors print their source inside their own message, and wrappers often print only
/// their source's message: a link already said by the one before is left out, and a link
/// that repeats the one before and adds to it replaces it.
fn join_links(links: impl IntoIterator<Item = String>) -> String {
    let mut kept: Vec<String> = Vec::new();
    for link in links {
        let link = link.trim().to_string();
        if link.is_empty() {
            continue;
        }
        match kept.last_mut() {
            Some(previous) if previous.contains(link.as_str()) => {}
            Some(previous) if link.starts_with(previous.as_str()) => *previous = link,
            _ => kept.push(link),
        }
    }
    kept.join(": ")
}

/// What a failure to connect likely means when TLS is on one side only: the transport's
/// own words ("broken pipe", "corrupt message") do not say it.
pub(crate) fn tls_mismatch_hint(use_tls: bool, description: &str) -> Option<&'static str> {
    let text = description.to_ascii_lowercase();
    if use_tls {
        let plaintext_reply = ["invalidcontenttype", "corrupt message", "tls handshake eof", "wrong version number"];
        plaintext_reply.iter().any(|s| text.contains(s)).then_some(
            "the server does not answer in TLS; it likely serves plaintext: connect without TLS options or API key \
             (or with an http:// target)",
        )
    } else {
        let closed_on_us = [
            "broken pipe",
            "connection reset",
            "connection closed",
            "unexpected eof",
            "frame with invalid size",
            "invalid http version",
            "http2 error",
        ];
        closed_on_us.iter().any(|s| text.contains(s)).then_some(
            "the server closed the connection without an HTTP/2 answer; it likely expects TLS: set TLS options \
             (ClientOptions::tls) or an https:// target",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Link(&'static str, Option<Box<Link>>);

    impl std::fmt::Display for Link {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Link {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn std::error::Error + 'static))
        }
    }

    fn chain(links: &[&'static str]) -> Link {
        links.iter().rev().fold(None, |inner, text| Some(Link(text, inner.map(Box::new)))).expect("links")
    }

    #[test]
    fn chains_do_not_repeat_themselves() {
        let refused =
            chain(&["transport error", "tcp connect error", "tcp connect error", "Connection refused (os error 111)"]);
        assert_eq!(error_chain(&refused), "transport error: tcp connect error: Connection refused (os error 111)");
        // A wrapper that prints its source, and the source itself.
        let wrapped = chain(&["transport error", "corrupt message: bad type", "corrupt message"]);
        assert_eq!(error_chain(&wrapped), "transport error: corrupt message: bad type");
        // A link that says more than the one before replaces it.
        let longer = chain(&["connect failed", "connect failed: timed out"]);
        assert_eq!(error_chain(&longer), "connect failed: timed out");
    }

    #[test]
    fn tls_mismatches_are_named() {
        assert!(tls_mismatch_hint(true, "received corrupt message of type InvalidContentType").is_some());
        assert!(tls_mismatch_hint(false, "connection error: stream closed because of a broken pipe").is_some());
        assert!(tls_mismatch_hint(false, "tcp connect error: Connection refused").is_none());
        assert!(tls_mismatch_hint(true, "tcp connect error: Connection refused").is_none());
    }
}
