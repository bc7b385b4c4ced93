//! Histories built event by event, for tests that replay workflow code against exactly the
//! history they need (the way sdk-core's tests build theirs).

use std::time::{Duration, SystemTime};

use crate::common::time_to_proto;
use crate::error::Failure;
use crate::protos::temporal::api::common::v1::{ActivityType, Payload, Payloads, WorkflowExecution, WorkflowType};
use crate::protos::temporal::api::history::v1::history_event::Attributes;
use crate::protos::temporal::api::history::v1::*;
use crate::protos::temporal::api::sdk::v1::WorkflowTaskCompletedMetadata;
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::replay::WorkflowHistory;
use crate::runtime::history::{SDK_NAME, type_of_attributes};

/// Builds a workflow history one event at a time: event ids, event types and event times are
/// filled in, each `add_*` returns the new event's id for the events that refer to it.
///
/// ```
/// use temporal_sdk::testing::HistoryBuilder;
///
/// let mut h = HistoryBuilder::new("Sleeper");
/// h.add_workflow_task();
/// let started = h.add_timer_started("1");
/// h.add_timer_fired(started, "1");
/// h.add_workflow_task();
/// h.add_workflow_completed(None);
/// let history = h.build();
/// assert_eq!(history.history.events.len(), 10);
/// ```
#[derive(Debug, Clone)]
pub struct HistoryBuilder {
    events: Vec<HistoryEvent>,
    start: SystemTime,
    last_completed_task: i64,
}

impl HistoryBuilder {
    /// A history whose first event starts workflow type `workflow_type` without input.
    pub fn new(workflow_type: &str) -> Self {
        Self::with_input(workflow_type, Vec::new())
    }

    /// A history whose first event starts `workflow_type` with one payload per argument.
    pub fn with_input(workflow_type: &str, input: Vec<Payload>) -> Self {
        let mut builder = Self {
            events: Vec::new(),
            start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            last_completed_task: 0,
        };
        builder.add(Attributes::WorkflowExecutionStartedEventAttributes(WorkflowExecutionStartedEventAttributes {
            workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
            task_queue: Some(TaskQueue { name: "history-builder".into(), ..Default::default() }),
            input: (!input.is_empty()).then_some(Payloads { payloads: input }),
            attempt: 1,
            original_execution_run_id: "history-builder-run".into(),
            first_execution_run_id: "history-builder-run".into(),
            ..Default::default()
        }));
        builder
    }

    /// Appends an event with these attributes (its type follows from them); returns its id.
    pub fn add(&mut self, attributes: Attributes) -> i64 {
        let event_id = self.events.len() as i64 + 1;
        self.events.push(HistoryEvent {
            event_id,
            event_type: type_of_attributes(&attributes) as i32,
            event_time: Some(time_to_proto(self.start + Duration::from_millis(event_id as u64))),
            attributes: Some(attributes),
            ..Default::default()
        });
        event_id
    }

    /// A workflow task scheduled and started: the task a worker would be working on now.
    /// Returns the started event's id.
    pub fn add_workflow_task_scheduled_and_started(&mut self) -> i64 {
        let scheduled = self.add(Attributes::WorkflowTaskScheduledEventAttributes(Default::default()));
        self.add(Attributes::WorkflowTaskStartedEventAttributes(WorkflowTaskStartedEventAttributes {
            scheduled_event_id: scheduled,
            ..Default::default()
        }))
    }

    /// A workflow task scheduled, started and completed by this SDK; the command events that
    /// follow belong to it. Returns the completed event's id.
    pub fn add_workflow_task(&mut self) -> i64 {
        let started = self.add_workflow_task_scheduled_and_started();
        let completed =
            self.add(Attributes::WorkflowTaskCompletedEventAttributes(WorkflowTaskCompletedEventAttributes {
                scheduled_event_id: started - 1,
                started_event_id: started,
                sdk_metadata: Some(WorkflowTaskCompletedMetadata { sdk_name: SDK_NAME.into(), ..Default::default() }),
                ..Default::default()
            }));
        self.last_completed_task = completed;
        completed
    }

    /// A signal with one payload per argument.
    pub fn add_signal(&mut self, name: &str, input: Vec<Payload>) -> i64 {
        self.add(Attributes::WorkflowExecutionSignaledEventAttributes(WorkflowExecutionSignaledEventAttributes {
            signal_name: name.to_string(),
            input: (!input.is_empty()).then_some(Payloads { payloads: input }),
            ..Default::default()
        }))
    }

    /// A request to cancel the workflow.
    pub fn add_cancel_requested(&mut self) -> i64 {
        self.add(Attributes::WorkflowExecutionCancelRequestedEventAttributes(Default::default()))
    }

    /// `TimerStarted`, recorded by the last completed workflow task.
    pub fn add_timer_started(&mut self, timer_id: &str) -> i64 {
        self.add(Attributes::TimerStartedEventAttributes(TimerStartedEventAttributes {
            timer_id: timer_id.to_string(),
            start_to_fire_timeout: Some(prost_wkt_types::Duration { seconds: 1, nanos: 0 }),
            workflow_task_completed_event_id: self.last_completed_task,
        }))
    }

    /// `TimerFired` of the timer started at `started_event_id`.
    pub fn add_timer_fired(&mut self, started_event_id: i64, timer_id: &str) -> i64 {
        self.add(Attributes::TimerFiredEventAttributes(TimerFiredEventAttributes {
            timer_id: timer_id.to_string(),
            started_event_id,
        }))
    }

    /// `TimerCanceled`, recorded by the last completed workflow task.
    pub fn add_timer_cancelled(&mut self, started_event_id: i64, timer_id: &str) -> i64 {
        self.add(Attributes::TimerCanceledEventAttributes(TimerCanceledEventAttributes {
            timer_id: timer_id.to_string(),
            started_event_id,
            workflow_task_completed_event_id: self.last_completed_task,
            ..Default::default()
        }))
    }

    /// `ActivityTaskScheduled`, recorded by the last completed workflow task.
    pub fn add_activity_scheduled(&mut self, activity_id: &str, activity_type: &str) -> i64 {
        self.add(Attributes::ActivityTaskScheduledEventAttributes(ActivityTaskScheduledEventAttributes {
            activity_id: activity_id.to_string(),
            activity_type: Some(ActivityType { name: activity_type.to_string() }),
            workflow_task_completed_event_id: self.last_completed_task,
            ..Default::default()
        }))
    }

    /// `ActivityTaskStarted` of the activity scheduled at `scheduled_event_id`.
    pub fn add_activity_started(&mut self, scheduled_event_id: i64) -> i64 {
        self.add(Attributes::ActivityTaskStartedEventAttributes(ActivityTaskStartedEventAttributes {
            scheduled_event_id,
            attempt: 1,
            ..Default::default()
        }))
    }

    /// `ActivityTaskCompleted` with the activity's result.
    pub fn add_activity_completed(&mut self, scheduled_event_id: i64, started_event_id: i64, result: Payload) -> i64 {
        self.add(Attributes::ActivityTaskCompletedEventAttributes(ActivityTaskCompletedEventAttributes {
            result: Some(Payloads { payloads: vec![result] }),
            scheduled_event_id,
            started_event_id,
            ..Default::default()
        }))
    }

    /// `ActivityTaskFailed` with the activity's failure.
    pub fn add_activity_failed(&mut self, scheduled_event_id: i64, started_event_id: i64, failure: Failure) -> i64 {
        self.add(Attributes::ActivityTaskFailedEventAttributes(ActivityTaskFailedEventAttributes {
            failure: Some(failure.to_proto()),
            scheduled_event_id,
            started_event_id,
            ..Default::default()
        }))
    }

    /// A local activity marker (`core_local_activity`, as sdk-core based SDKs write it),
    /// recorded by the last completed workflow task: local activity `seq` of `activity_type`
    /// (id = seq) ended on `attempt` with `outcome`. A cancellation recorded without waiting
    /// for the activity has attempt 0 and a cancelled failure.
    ///
    /// ```
    /// use temporal_sdk::converter::encode;
    /// use temporal_sdk::testing::HistoryBuilder;
    ///
    /// let mut h = HistoryBuilder::new("Converts");
    /// h.add_workflow_task();
    /// h.add_local_activity_marker(1, "rate", 1, Ok(encode(&1.25).unwrap()));
    /// h.add_workflow_completed(None);
    /// assert_eq!(h.build().history.events.len(), 6);
    /// ```
    pub fn add_local_activity_marker(
        &mut self,
        seq: u32,
        activity_type: &str,
        attempt: u32,
        outcome: Result<Payload, Failure>,
    ) -> i64 {
        let at = |t: SystemTime| {
            let p = time_to_proto(t);
            serde_json::json!({ "seconds": p.seconds, "nanos": p.nanos })
        };
        let now = self.start + Duration::from_millis(self.events.len() as u64 + 1);
        let data = serde_json::json!({
            "seq": seq,
            "attempt": attempt,
            "activity_id": seq.to_string(),
            "activity_type": activity_type,
            "complete_time": if attempt == 0 { serde_json::Value::Null } else { at(now) },
            "backoff": null,
            "original_schedule_time": at(self.start),
        });
        let mut details = std::collections::HashMap::new();
        if let Ok(p) = crate::converter::encode(&data) {
            details.insert("data".to_string(), Payloads { payloads: vec![p] });
        }
        let failure = match outcome {
            Ok(result) => {
                details.insert("result".to_string(), Payloads { payloads: vec![result] });
                None
            }
            Err(f) => Some(f.to_proto()),
        };
        self.add(Attributes::MarkerRecordedEventAttributes(MarkerRecordedEventAttributes {
            marker_name: "core_local_activity".into(),
            details,
            workflow_task_completed_event_id: self.last_completed_task,
            failure,
            ..Default::default()
        }))
    }

    /// `ActivityTaskCancelRequested`, recorded by the last completed workflow task.
    pub fn add_activity_cancel_requested(&mut self, scheduled_event_id: i64) -> i64 {
        self.add(Attributes::ActivityTaskCancelRequestedEventAttributes(ActivityTaskCancelRequestedEventAttributes {
            scheduled_event_id,
            workflow_task_completed_event_id: self.last_completed_task,
        }))
    }

    /// `ActivityTaskCanceled`: the activity accepted its cancellation.
    pub fn add_activity_cancelled(&mut self, scheduled_event_id: i64, started_event_id: i64) -> i64 {
        self.add(Attributes::ActivityTaskCanceledEventAttributes(ActivityTaskCanceledEventAttributes {
            scheduled_event_id,
            started_event_id,
            ..Default::default()
        }))
    }

    /// `StartChildWorkflowExecutionInitiated`, recorded by the last completed workflow task.
    pub fn add_child_initiated(&mut self, workflow_id: &str, workflow_type: &str) -> i64 {
        self.add(Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(
            StartChildWorkflowExecutionInitiatedEventAttributes {
                workflow_id: workflow_id.to_string(),
                workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
                workflow_task_completed_event_id: self.last_completed_task,
                ..Default::default()
            },
        ))
    }

    /// `ChildWorkflowExecutionStarted` of the child initiated at `initiated_event_id`.
    pub fn add_child_started(&mut self, initiated_event_id: i64, workflow_id: &str, run_id: &str) -> i64 {
        self.add(Attributes::ChildWorkflowExecutionStartedEventAttributes(
            ChildWorkflowExecutionStartedEventAttributes {
                initiated_event_id,
                workflow_execution: Some(WorkflowExecution {
                    workflow_id: workflow_id.to_string(),
                    run_id: run_id.to_string(),
                }),
                ..Default::default()
            },
        ))
    }

    /// `ChildWorkflowExecutionCompleted` with the child's result.
    pub fn add_child_completed(&mut self, initiated_event_id: i64, started_event_id: i64, result: Payload) -> i64 {
        self.add(Attributes::ChildWorkflowExecutionCompletedEventAttributes(
            ChildWorkflowExecutionCompletedEventAttributes {
                result: Some(Payloads { payloads: vec![result] }),
                initiated_event_id,
                started_event_id,
                ..Default::default()
            },
        ))
    }

    /// `WorkflowExecutionCompleted` with the workflow's result, by the last completed task.
    pub fn add_workflow_completed(&mut self, result: Option<Payload>) -> i64 {
        self.add(Attributes::WorkflowExecutionCompletedEventAttributes(WorkflowExecutionCompletedEventAttributes {
            result: result.map(|p| Payloads { payloads: vec![p] }),
            workflow_task_completed_event_id: self.last_completed_task,
            ..Default::default()
        }))
    }

    /// `WorkflowExecutionCanceled`, by the last completed task.
    pub fn add_workflow_cancelled(&mut self) -> i64 {
        self.add(Attributes::WorkflowExecutionCanceledEventAttributes(WorkflowExecutionCanceledEventAttributes {
            workflow_task_completed_event_id: self.last_completed_task,
            ..Default::default()
        }))
    }

    /// `WorkflowExecutionFailed` with the workflow's failure, by the last completed task.
    pub fn add_workflow_failed(&mut self, failure: Failure) -> i64 {
        self.add(Attributes::WorkflowExecutionFailedEventAttributes(WorkflowExecutionFailedEventAttributes {
            failure: Some(failure.to_proto()),
            workflow_task_completed_event_id: self.last_completed_task,
            ..Default::default()
        }))
    }

    /// The events so far.
    pub fn events(&self) -> &[HistoryEvent] {
        &self.events
    }

    /// The history, with workflow id `history-builder`.
    pub fn build(self) -> WorkflowHistory {
        WorkflowHistory::new("history-builder", History { events: self.events })
    }
}
