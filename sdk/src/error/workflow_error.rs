use std::error::Error as StdError;
use std::fmt;

use super::{ApplicationError, Failure};

/// The result of workflow code and of every SDK call made from it.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

/// How workflow code ends badly, with the two meanings Temporal gives that.
///
/// * [`WorkflowError::Failure`] fails the *workflow*: an [`ApplicationError`] the code returned
///   on purpose, or a failure of an activity or child workflow it propagated with `?`. A
///   cancellation failure after the workflow was asked to cancel ends it as cancelled.
/// * [`WorkflowError::Task`] fails only the *workflow task*: any other error (an I/O error, a
///   bug, a panic). The server retries the task, so a fixed deployment picks the workflow up
///   where it was, as in the Python SDK.
///
/// Any error converts with `?`:
///
/// ```
/// use temporal_sdk::error::{ApplicationError, WorkflowError};
///
/// let e: WorkflowError = ApplicationError::new("no such customer").into();
/// assert!(matches!(e, WorkflowError::Failure(_)));
///
/// let e: WorkflowError = "x".parse::<u32>().unwrap_err().into();
/// assert!(matches!(e, WorkflowError::Task(_)));
/// ```
pub enum WorkflowError {
    /// Fails the workflow with this failure. (Boxed so that `WorkflowResult<T>` stays small.)
    Failure(Box<Failure>),
    /// Fails the workflow task, which the server retries.
    Task(Box<dyn StdError + Send + Sync + 'static>),
    /// Ends the run and starts a new one (see `workflow::continue_as_new`).
    ContinueAsNew(Box<ContinueAsNew>),
}

impl WorkflowError {
    /// An error that fails the workflow with `failure`.
    pub fn from_failure(failure: Failure) -> Self {
        WorkflowError::Failure(Box::new(failure))
    }

    /// A task failure with a message (the server retries the task).
    pub fn task(message: impl Into<String>) -> Self {
        WorkflowError::Task(message.into().into())
    }

    /// The failure, if this error fails the workflow.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            WorkflowError::Failure(f) => Some(f.as_ref()),
            WorkflowError::Task(_) | WorkflowError::ContinueAsNew(_) => None,
        }
    }

    /// Whether this is a cancellation (of the workflow, or of what it awaited).
    pub fn is_cancelled(&self) -> bool {
        self.failure().is_some_and(Failure::is_cancelled)
    }
}

impl<E> From<E> for WorkflowError
where
    E: Into<Box<dyn StdError + Send + Sync + 'static>>,
{
    fn from(e: E) -> Self {
        let boxed: Box<dyn StdError + Send + Sync + 'static> = e.into();
        let boxed = match boxed.downcast::<ApplicationError>() {
            Ok(app) => return WorkflowError::Failure(Box::new(Failure::from(*app))),
            Err(other) => other,
        };
        match boxed.downcast::<Failure>() {
            Ok(f) => WorkflowError::Failure(f),
            Err(other) => WorkflowError::Task(other),
        }
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::Failure(fail) => write!(f, "workflow failure: {fail:#}"),
            WorkflowError::Task(e) => write!(f, "workflow task failure: {e}"),
            WorkflowError::ContinueAsNew(_) => f.write_str("continue as new"),
        }
    }
}

impl fmt::Debug for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::Failure(fail) => f.debug_tuple("Failure").field(fail).finish(),
            WorkflowError::Task(e) => f.debug_tuple("Task").field(e).finish(),
            WorkflowError::ContinueAsNew(c) => f.debug_tuple("ContinueAsNew").field(c).finish(),
        }
    }
}

/// The request to continue as new, carried by [`WorkflowError::ContinueAsNew`]; made by
/// [`workflow::continue_as_new`](crate::workflow::continue_as_new).
#[derive(Debug, Clone)]
pub struct ContinueAsNew {
    pub(crate) attributes: crate::protos::temporal::api::command::v1::ContinueAsNewWorkflowExecutionCommandAttributes,
}
