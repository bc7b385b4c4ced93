use crate::converter::PayloadError;
use crate::error::Failure;
use crate::protos::temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure;

/// What went wrong in a client call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server could not be reached.
    #[error("cannot connect to Temporal at {target}: {message}")]
    Connect {
        /// The target connected to.
        target: String,
        /// The transport error.
        message: String,
    },
    /// The client options are not usable.
    #[error("invalid client options: {0}")]
    InvalidOptions(String),
    /// A workflow with this id is already running.
    #[error("workflow {workflow_id:?} is already running (run {run_id})")]
    WorkflowAlreadyStarted {
        /// The workflow id.
        workflow_id: String,
        /// The running run's id.
        run_id: String,
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
    /// A gRPC call failed.
    #[error("{operation} failed: {code:?}: {message}")]
    Rpc {
        /// The call.
        operation: &'static str,
        /// The gRPC status code.
        code: tonic::Code,
        /// The server's message.
        message: String,
    },
}

impl ClientError {
    pub(crate) fn from_status(operation: &'static str, status: tonic::Status) -> Self {
        if status.code() == tonic::Code::AlreadyExists
            && let Some(detail) = temporal_sdk_protos::utilities::decode_status_detail::<
                WorkflowExecutionAlreadyStartedFailure,
            >(status.details())
        {
            return ClientError::WorkflowAlreadyStarted { workflow_id: String::new(), run_id: detail.run_id };
        }
        ClientError::Rpc { operation, code: status.code(), message: status.message().to_string() }
    }

    /// The gRPC status code, for RPC errors.
    pub fn code(&self) -> Option<tonic::Code> {
        match self {
            ClientError::Rpc { code, .. } => Some(*code),
            ClientError::WorkflowAlreadyStarted { .. } => Some(tonic::Code::AlreadyExists),
            _ => None,
        }
    }

    /// Whether the entity asked for does not exist (gRPC `NOT_FOUND`).
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(tonic::Code::NotFound)
    }
}
