use std::fmt;
use std::time::Duration;

use super::ApplicationError;
use crate::converter::failure_converter::{ENCODED_FAILURE_MESSAGE, decode_common_attributes};
use crate::protos::temporal::api::common::v1::{ActivityType, Payload, Payloads, WorkflowExecution, WorkflowType};
pub use crate::protos::temporal::api::enums::v1::{ApplicationErrorCategory, RetryState, TimeoutType};
use crate::protos::temporal::api::failure::v1 as proto;
use crate::protos::temporal::api::failure::v1::failure::FailureInfo;

/// Why something failed, in the form every Temporal SDK writes to history: a message, a kind
/// with its facts, and an optional cause (an activity failure's cause is the activity's own
/// error, for instance).
///
/// ```
/// use temporal_sdk::error::{ApplicationError, Failure, FailureKind};
///
/// let failure = Failure::from(ApplicationError::new("boom").with_type("Oops"));
/// assert_eq!(failure.message, "boom");
/// assert!(matches!(failure.kind, FailureKind::Application { ref error_type, .. } if error_type.as_deref() == Some("Oops")));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The human-readable message.
    pub message: String,
    /// The SDK that wrote it (`"RustSDK"` for this one; Python leaves it empty).
    pub source: String,
    /// A stack trace or backtrace, if any.
    pub stack_trace: String,
    /// What kind of failure, with its facts.
    pub kind: FailureKind,
    /// The failure that caused this one.
    pub cause: Option<Box<Failure>>,
    /// Message and stack trace encoded as a payload, by SDKs whose failure converter moves
    /// them out of the clear (the message then reads "Encoded failure"); kept as received so a
    /// failure passed on stays readable to whoever can decode it.
    pub encoded_attributes: Option<Box<Payload>>,
}

/// The kinds of [`Failure`], one per `failure_info` of the Temporal API.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FailureKind {
    /// Raised by user code ([`ApplicationError`]).
    Application {
        /// The type name (Python writes the exception class name).
        error_type: Option<String>,
        /// Whether retries are ruled out.
        non_retryable: bool,
        /// Detail payloads.
        details: Vec<Payload>,
        /// Overrides the next retry's backoff.
        next_retry_delay: Option<Duration>,
        /// How severe the failure is: `Benign` failures are expected (metrics and logs treat
        /// them as such).
        category: ApplicationErrorCategory,
    },
    /// A timeout expired.
    Timeout {
        /// Which timeout.
        timeout_type: TimeoutType,
        /// Details of the last heartbeat before an activity timed out.
        last_heartbeat_details: Vec<Payload>,
    },
    /// Cancelled on request.
    Cancelled {
        /// Detail payloads.
        details: Vec<Payload>,
    },
    /// The workflow was terminated.
    Terminated,
    /// The server failed the operation.
    Server {
        /// Whether retries are ruled out.
        non_retryable: bool,
    },
    /// An activity failed; the cause says why.
    Activity {
        /// The activity type name.
        activity_type: String,
        /// The activity id.
        activity_id: String,
        /// Why the server stopped retrying.
        retry_state: RetryState,
        /// The `ActivityTaskScheduled` event id.
        scheduled_event_id: i64,
        /// The `ActivityTaskStarted` event id.
        started_event_id: i64,
        /// The identity of the worker that ran the last attempt.
        identity: String,
    },
    /// A child workflow failed; the cause says why.
    ChildWorkflow {
        /// The child's namespace.
        namespace: String,
        /// The child's workflow id.
        workflow_id: String,
        /// The child's run id.
        run_id: String,
        /// The child's workflow type.
        workflow_type: String,
        /// Why the server stopped retrying.
        retry_state: RetryState,
        /// The initiated event id in the parent's history.
        initiated_event_id: i64,
        /// The started event id in the parent's history.
        started_event_id: i64,
    },
    /// A kind this SDK does not model (Nexus, reset), kept verbatim.
    Other(Option<FailureInfo>),
}

/// The `source` this SDK writes into failures.
pub(crate) const FAILURE_SOURCE: &str = "RustSDK";

impl Failure {
    /// A failure of `kind` with a message and no cause.
    pub fn new(message: impl Into<String>, kind: FailureKind) -> Self {
        Self {
            message: message.into(),
            source: FAILURE_SOURCE.into(),
            stack_trace: String::new(),
            kind,
            cause: None,
            encoded_attributes: None,
        }
    }

    /// An application failure of `error_type` (no details, default category).
    pub fn application(message: impl Into<String>, error_type: Option<String>, non_retryable: bool) -> Self {
        Self::new(
            message,
            FailureKind::Application {
                error_type,
                non_retryable,
                details: Vec::new(),
                next_retry_delay: None,
                category: ApplicationErrorCategory::Unspecified,
            },
        )
    }

    /// A cancellation failure (what a cancelled activity, timer or workflow reports).
    pub fn cancelled(message: impl Into<String>) -> Self {
        Self::new(message, FailureKind::Cancelled { details: Vec::new() })
    }

    /// Whether this is, or is caused by, a cancellation.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, FailureKind::Cancelled { .. }) || self.cause.as_deref().is_some_and(Failure::is_cancelled)
    }

    /// The innermost cause (this failure if it has none).
    pub fn root_cause(&self) -> &Failure {
        let mut f = self;
        while let Some(c) = f.cause.as_deref() {
            f = c;
        }
        f
    }

    /// The application error type of this failure, if it is an application failure.
    pub fn application_type(&self) -> Option<&str> {
        match &self.kind {
            FailureKind::Application { error_type, .. } => error_type.as_deref(),
            _ => None,
        }
    }

    /// Attaches a cause.
    pub fn with_cause(mut self, cause: Failure) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// Reads the wire form.
    pub fn from_proto(p: proto::Failure) -> Self {
        let kind = match p.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(i)) => FailureKind::Application {
                error_type: Some(i.r#type).filter(|t| !t.is_empty()),
                non_retryable: i.non_retryable,
                details: payloads(i.details),
                next_retry_delay: i.next_retry_delay.and_then(|d| Duration::try_from(d).ok()),
                category: ApplicationErrorCategory::try_from(i.category).unwrap_or_default(),
            },
            Some(FailureInfo::TimeoutFailureInfo(i)) => FailureKind::Timeout {
                timeout_type: TimeoutType::try_from(i.timeout_type).unwrap_or(TimeoutType::Unspecified),
                last_heartbeat_details: payloads(i.last_heartbeat_details),
            },
            Some(FailureInfo::CanceledFailureInfo(i)) => FailureKind::Cancelled { details: payloads(i.details) },
            Some(FailureInfo::TerminatedFailureInfo(_)) => FailureKind::Terminated,
            Some(FailureInfo::ServerFailureInfo(i)) => FailureKind::Server { non_retryable: i.non_retryable },
            Some(FailureInfo::ActivityFailureInfo(i)) => FailureKind::Activity {
                activity_type: i.activity_type.map(|t| t.name).unwrap_or_default(),
                activity_id: i.activity_id,
                retry_state: RetryState::try_from(i.retry_state).unwrap_or(RetryState::Unspecified),
                scheduled_event_id: i.scheduled_event_id,
                started_event_id: i.started_event_id,
                identity: i.identity,
            },
            Some(FailureInfo::ChildWorkflowExecutionFailureInfo(i)) => {
                let exec = i.workflow_execution.unwrap_or_default();
                FailureKind::ChildWorkflow {
                    namespace: i.namespace,
                    workflow_id: exec.workflow_id,
                    run_id: exec.run_id,
                    workflow_type: i.workflow_type.map(|t| t.name).unwrap_or_default(),
                    retry_state: RetryState::try_from(i.retry_state).unwrap_or(RetryState::Unspecified),
                    initiated_event_id: i.initiated_event_id,
                    started_event_id: i.started_event_id,
                }
            }
            other => FailureKind::Other(other),
        };
        // Encoded attributes that decode hold the real message and stack trace (the codecs
        // have run by now); ones that do not (still encrypted here) leave the failure as sent.
        let (message, stack_trace) = match p.encoded_attributes.as_ref().and_then(decode_common_attributes) {
            Some(attributes) => attributes,
            None => (p.message, p.stack_trace),
        };
        Self {
            message,
            source: p.source,
            stack_trace,
            kind,
            cause: p.cause.map(|c| Box::new(Failure::from_proto(*c))),
            encoded_attributes: p.encoded_attributes.map(Box::new),
        }
    }

    /// Writes the wire form.
    pub fn to_proto(&self) -> proto::Failure {
        let info = match &self.kind {
            FailureKind::Application { error_type, non_retryable, details, next_retry_delay, category } => {
                Some(FailureInfo::ApplicationFailureInfo(proto::ApplicationFailureInfo {
                    r#type: error_type.clone().unwrap_or_default(),
                    non_retryable: *non_retryable,
                    details: to_payloads(details),
                    next_retry_delay: next_retry_delay.and_then(|d| d.try_into().ok()),
                    category: *category as i32,
                }))
            }
            FailureKind::Timeout { timeout_type, last_heartbeat_details } => {
                Some(FailureInfo::TimeoutFailureInfo(proto::TimeoutFailureInfo {
                    timeout_type: *timeout_type as i32,
                    last_heartbeat_details: to_payloads(last_heartbeat_details),
                }))
            }
            FailureKind::Cancelled { details } => Some(FailureInfo::CanceledFailureInfo(proto::CanceledFailureInfo {
                details: to_payloads(details),
                ..Default::default()
            })),
            FailureKind::Terminated => Some(FailureInfo::TerminatedFailureInfo(Default::default())),
            FailureKind::Server { non_retryable } => {
                Some(FailureInfo::ServerFailureInfo(proto::ServerFailureInfo { non_retryable: *non_retryable }))
            }
            FailureKind::Activity {
                activity_type,
                activity_id,
                retry_state,
                scheduled_event_id,
                started_event_id,
                identity,
            } => Some(FailureInfo::ActivityFailureInfo(proto::ActivityFailureInfo {
                scheduled_event_id: *scheduled_event_id,
                started_event_id: *started_event_id,
                identity: identity.clone(),
                activity_type: Some(ActivityType { name: activity_type.clone() }),
                activity_id: activity_id.clone(),
                retry_state: *retry_state as i32,
            })),
            FailureKind::ChildWorkflow {
                namespace,
                workflow_id,
                run_id,
                workflow_type,
                retry_state,
                initiated_event_id,
                started_event_id,
            } => Some(FailureInfo::ChildWorkflowExecutionFailureInfo(proto::ChildWorkflowExecutionFailureInfo {
                namespace: namespace.clone(),
                workflow_execution: Some(WorkflowExecution {
                    workflow_id: workflow_id.clone(),
                    run_id: run_id.clone(),
                }),
                workflow_type: Some(WorkflowType { name: workflow_type.clone() }),
                initiated_event_id: *initiated_event_id,
                started_event_id: *started_event_id,
                retry_state: *retry_state as i32,
            })),
            FailureKind::Other(info) => info.clone(),
        };
        // A failure read from encoded attributes goes out as it came, unless its message was
        // changed since; attributes that do not decode here (encrypted) are passed on as they are.
        let attributes = self.encoded_attributes.as_deref();
        let (message, stack_trace, encoded_attributes) = match attributes.and_then(decode_common_attributes) {
            Some((message, stack_trace)) if message == self.message && stack_trace == self.stack_trace => {
                (ENCODED_FAILURE_MESSAGE.to_string(), String::new(), attributes.cloned())
            }
            Some(_) => (self.message.clone(), self.stack_trace.clone(), None),
            None => (self.message.clone(), self.stack_trace.clone(), attributes.cloned()),
        };
        proto::Failure {
            message,
            source: self.source.clone(),
            stack_trace,
            encoded_attributes,
            cause: self.cause.as_ref().map(|c| Box::new(c.to_proto())),
            failure_info: info,
        }
    }
}

fn payloads(p: Option<Payloads>) -> Vec<Payload> {
    p.map(|p| p.payloads).unwrap_or_default()
}

fn to_payloads(p: &[Payload]) -> Option<Payloads> {
    if p.is_empty() { None } else { Some(Payloads { payloads: p.to_vec() }) }
}

impl From<ApplicationError> for Failure {
    fn from(e: ApplicationError) -> Self {
        Failure::new(
            e.message,
            FailureKind::Application {
                error_type: e.error_type,
                non_retryable: e.non_retryable,
                details: e.details,
                next_retry_delay: e.next_retry_delay,
                category: e.category,
            },
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::Application { error_type: Some(t), .. } => write!(f, "{t}: {}", self.message),
            FailureKind::Activity { activity_type, activity_id, retry_state, .. } => {
                write!(f, "{} (activity {activity_type} id {activity_id}, {})", self.message, retry_state.as_str_name())
            }
            FailureKind::ChildWorkflow { workflow_type, workflow_id, .. } => {
                write!(f, "{} (child workflow {workflow_type} id {workflow_id})", self.message)
            }
            FailureKind::Timeout { timeout_type, .. } => write!(f, "{} ({})", self.message, timeout_type.as_str_name()),
            _ => f.write_str(&self.message),
        }?;
        if let Some(c) = &self.cause
            && f.alternate()
        {
            write!(f, ": {c:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
    }
}
