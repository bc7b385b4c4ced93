//! A workflow's recorded history, as the client fetches it and the replayer reads it.

use crate::protos::history_json::{self, HistoryJsonError};
use crate::protos::temporal::api::history::v1::{History, history_event::Attributes};

/// A workflow's recorded history with its workflow id.
///
/// ```
/// use temporal_sdk::protos::temporal::api::history::v1::History;
/// use temporal_sdk::replay::WorkflowHistory;
///
/// let history = WorkflowHistory::new("order-17", History::default());
/// assert_eq!(history.workflow_id, "order-17");
/// ```
#[derive(Debug, Clone)]
pub struct WorkflowHistory {
    /// The workflow id.
    pub workflow_id: String,
    /// The events.
    pub history: History,
}

impl WorkflowHistory {
    /// A history from its events, e.g. built in a test or decoded from protobuf bytes.
    pub fn new(workflow_id: impl Into<String>, history: History) -> Self {
        Self { workflow_id: workflow_id.into(), history }
    }

    /// Reads the JSON that `temporal workflow show --output json` and the Web UI export, as
    /// well as the older spellings of `tctl` and earlier UIs (`"eventType":
    /// "WorkflowExecutionStarted"` rather than `"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"`) and
    /// a JSON array of history pieces. The workflow id is not part of that JSON, so it is
    /// given here. Malformed input is an error saying where, never a panic.
    ///
    /// ```
    /// use temporal_sdk::replay::WorkflowHistory;
    ///
    /// let json = r#"{"events": [{"eventId": "1", "eventType": "WorkflowExecutionStarted",
    ///     "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "SayHello"},
    ///         "originalExecutionRunId": "run-1"}}]}"#;
    /// let history = WorkflowHistory::from_json("say-hello-1", json)?;
    /// assert_eq!(history.workflow_type(), Some("SayHello"));
    /// assert_eq!(history.run_id(), Some("run-1"));
    ///
    /// let err = WorkflowHistory::from_json("x", r#"{"events": [}"#).unwrap_err();
    /// assert!(err.to_string().contains("line 1, column 13"), "{err}");
    /// # Ok::<(), temporal_sdk::protos::HistoryJsonError>(())
    /// ```
    pub fn from_json(workflow_id: impl Into<String>, json: &str) -> Result<Self, HistoryJsonError> {
        Ok(Self::new(workflow_id, history_json::history_from_json(json)?))
    }

    /// Writes canonical proto3 JSON, as the CLI does; [`from_json`](Self::from_json) reads
    /// it back.
    ///
    /// ```
    /// # use temporal_sdk::replay::WorkflowHistory;
    /// # let json = r#"{"events": [{"eventId": "1", "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"}]}"#;
    /// let history = WorkflowHistory::from_json("wf-1", json)?;
    /// let again = WorkflowHistory::from_json("wf-1", &history.to_json()?)?;
    /// assert_eq!(again.history, history.history);
    /// # Ok::<(), temporal_sdk::protos::HistoryJsonError>(())
    /// ```
    pub fn to_json(&self) -> Result<String, HistoryJsonError> {
        history_json::history_to_json(&self.history)
    }

    /// The run id (from the first event), if the history starts with one.
    ///
    /// ```
    /// # use temporal_sdk::replay::WorkflowHistory;
    /// # use temporal_sdk::protos::temporal::api::history::v1::History;
    /// assert_eq!(WorkflowHistory::new("wf-1", History::default()).run_id(), None);
    /// ```
    pub fn run_id(&self) -> Option<&str> {
        match self.history.events.first()?.attributes.as_ref()? {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => Some(a.original_execution_run_id.as_str()),
            _ => None,
        }
    }

    /// The workflow type (from the first event).
    ///
    /// ```
    /// # use temporal_sdk::replay::WorkflowHistory;
    /// # use temporal_sdk::protos::temporal::api::history::v1::History;
    /// assert_eq!(WorkflowHistory::new("wf-1", History::default()).workflow_type(), None);
    /// ```
    pub fn workflow_type(&self) -> Option<&str> {
        match self.history.events.first()?.attributes.as_ref()? {
            Attributes::WorkflowExecutionStartedEventAttributes(a) => a.workflow_type.as_ref().map(|t| t.name.as_str()),
            _ => None,
        }
    }
}
