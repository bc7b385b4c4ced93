//! Replaying recorded histories against workflow code, to prove that a code change is
//! compatible with executions that already ran.
//!
//! ```no_run
//! # use temporal_sdk::prelude::*;
//! # #[derive(Default)] struct SayHello;
//! # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
//! use temporal_sdk::replay::{Replayer, WorkflowHistory};
//!
//! let json = std::fs::read_to_string("tests/histories/say_hello.json").unwrap();
//! let history = WorkflowHistory::from_json("say-hello-1", &json).unwrap();
//! let replayer = Replayer::new().workflow::<SayHello>();
//! replayer.replay_workflow(&history).expect("replays without non-determinism");
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use crate::protos::history_json::{self, HistoryJsonError};
use crate::protos::temporal::api::history::v1::{History, history_event::Attributes};
use crate::runtime::instance::{Factory, WorkflowFactory};
use crate::runtime::run::{RunError, WorkflowRun};
use crate::workflow::{Workflow, WorkflowInfo};

/// A workflow's recorded history with its workflow id.
#[derive(Debug, Clone)]
pub struct WorkflowHistory {
    /// The workflow id.
    pub workflow_id: String,
    /// The events.
    pub history: History,
}

impl WorkflowHistory {
    /// A history from its events.
    pub fn new(workflow_id: impl Into<String>, history: History) -> Self {
        Self { workflow_id: workflow_id.into(), history }
    }

    /// Reads the JSON that `temporal workflow show --output json` and the Web UI export.
    pub fn from_json(workflow_id: impl Into<String>, json: &str) -> Result<Self, HistoryJsonError> {
        Ok(Self::new(workflow_id, history_json::history_from_json(json)?))
    }

    /// Writes canonical proto3 JSON, as the CLI does.
    pub fn to_json(&self) -> Result<String, HistoryJsonError> {
        history_json::history_to_json(&self.history)
    }

    /// The run id (from the first event), if the history starts with one.
    pub fn run_id(&self) -> Option<&str> {
        match self.history.events.first()?.attributes.as_ref()? {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => Some(a.original_execution_run_id.as_str()),
            _ => None,
        }
    }

    /// The workflow type (from the first event).
    pub fn workflow_type(&self) -> Option<&str> {
        match self.history.events.first()?.attributes.as_ref()? {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => a.workflow_type.as_ref().map(|t| t.name.as_str()),
            _ => None,
        }
    }
}

/// Why a replay did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The code produced different commands than history recorded.
    #[error("{0}")]
    Nondeterminism(String),
    /// The code failed the workflow task (a panic or a task error).
    #[error("workflow task failed during replay: {0}")]
    WorkflowTaskFailed(String),
    /// The history's workflow type is not registered with the replayer.
    #[error("workflow type {workflow_type:?} is not registered with the replayer; registered: {known:?}")]
    UnknownWorkflowType {
        /// The history's type.
        workflow_type: String,
        /// The registered types.
        known: Vec<String>,
    },
    /// The history cannot be replayed at all.
    #[error("invalid history: {0}")]
    InvalidHistory(String),
}

/// Replays histories against registered workflow code.
#[derive(Default)]
pub struct Replayer {
    workflows: HashMap<&'static str, Arc<dyn WorkflowFactory>>,
}

impl Replayer {
    /// A replayer with no workflows.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers workflow type `W`.
    pub fn workflow<W: Workflow>(mut self) -> Self {
        self.workflows.insert(W::NAME, Arc::new(Factory::<W>::new()));
        self
    }

    /// Replays one history; `Ok` when the code produces exactly the recorded commands.
    pub fn replay_workflow(&self, history: &WorkflowHistory) -> Result<(), ReplayError> {
        let workflow_type = history
            .workflow_type()
            .ok_or_else(|| ReplayError::InvalidHistory("the first event is not WorkflowExecutionStarted".into()))?;
        let Some(factory) = self.workflows.get(workflow_type) else {
            let mut known: Vec<String> = self.workflows.keys().map(|k| k.to_string()).collect();
            known.sort();
            return Err(ReplayError::UnknownWorkflowType { workflow_type: workflow_type.to_string(), known });
        };
        let info = WorkflowInfo {
            workflow_id: history.workflow_id.clone(),
            run_id: history.run_id().unwrap_or_default().to_string(),
            workflow_type: workflow_type.to_string(),
            ..WorkflowInfo::default()
        };
        let mut run = WorkflowRun::new(Arc::clone(factory), info);
        // Keep workflow code's panics (a replay failure) from being reported twice.
        match run.apply_events(&history.history.events) {
            Ok(_) => Ok(()),
            Err(RunError::Nondeterminism(m)) => {
                Err(ReplayError::Nondeterminism(format!("[TMPRL1100] Nondeterminism error: {m}")))
            }
            Err(e @ (RunError::Panic(_) | RunError::Task(_))) => Err(ReplayError::WorkflowTaskFailed(e.to_string())),
            Err(e @ (RunError::Gap { .. } | RunError::BadHistory(_))) => {
                Err(ReplayError::InvalidHistory(e.to_string()))
            }
        }
    }
}
