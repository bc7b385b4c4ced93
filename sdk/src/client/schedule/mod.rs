//! Schedules: start a workflow on a calendar, at intervals or by cron, with overlap and
//! catch-up policies, pause, trigger and backfill (Python's `Client.create_schedule` and
//! `ScheduleHandle`).
//!
//! ```no_run
//! # use std::time::Duration;
//! # use temporal_sdk::prelude::*;
//! # use temporal_sdk::client::schedule::*;
//! # #[derive(Default)] struct Report;
//! # #[workflow] impl Report { #[run] async fn run(&self, kind: String) -> WorkflowResult<()> { Ok(()) } }
//! # async fn demo(client: Client) -> Result<(), ClientError> {
//! let action = ScheduleAction::start_workflow(Report::run, "daily".into(), WorkflowOptions::new("report", "reports"))?;
//! let spec = ScheduleSpec { cron_expressions: vec!["0 6 * * *".into()], ..ScheduleSpec::default() };
//! let handle = client.create_schedule("daily-report", Schedule::new(action, spec), ScheduleOptions::default()).await?;
//! handle.trigger().await?;
//! # Ok(()) }
//! ```

mod handle;
mod spec;

use std::collections::HashMap;
use std::time::SystemTime;

use futures::stream::{self, BoxStream, StreamExt};
use serde::Serialize;

pub use handle::{ScheduleDescription, ScheduleHandle};
pub use spec::{
    ScheduleBackfill, ScheduleCalendarSpec, ScheduleIntervalSpec, SchedulePolicy, ScheduleRange, ScheduleSpec,
    ScheduleState,
};

use super::description::decode_search_attributes;
use super::options::encode_search_attributes;
use super::{CallKind, Client, ClientError, WorkflowOptions};
use crate::common::{RetryPolicy, duration_to_proto, time_from_proto};
use crate::converter;
use crate::protos::temporal::api::common::v1::{Memo, Payload, Payloads, WorkflowType};
use crate::protos::temporal::api::schedule::v1 as proto;
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflow::v1::NewWorkflowExecutionInfo;
use crate::protos::temporal::api::workflowservice::v1::{CreateScheduleRequest, ListSchedulesRequest};
use crate::workflow::{RunMethod, SearchAttributeValue, Workflow};

/// What a schedule does: start a workflow. The workflow id of each run is the action's id
/// followed by the scheduled time.
///
/// ```
/// use temporal_sdk::WorkflowOptions;
/// use temporal_sdk::client::schedule::ScheduleAction;
///
/// let action = ScheduleAction::start_workflow_by_name("Cleanup", &30, WorkflowOptions::new("cleanup", "ops"))?;
/// assert_eq!(action.workflow_type(), "Cleanup");
/// # Ok::<(), temporal_sdk::client::ClientError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleAction {
    /// The start request, as the server keeps it.
    pub raw: NewWorkflowExecutionInfo,
}

impl ScheduleAction {
    /// Starts workflow `W` with `input`; the input type is the workflow's, checked at compile
    /// time. Of the options, the id, task queue, timeouts, retry policy, memo, search
    /// attributes, summary/details and priority are used.
    pub fn start_workflow<W: Workflow>(
        _run: RunMethod<W>,
        input: W::Input,
        options: WorkflowOptions,
    ) -> Result<Self, ClientError> {
        Self::build(W::NAME, W::INPUT_SHAPE.encode(&input)?, &options)
    }

    /// Starts a workflow by type name with one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several, one payload each).
    pub fn start_workflow_by_name<I: Serialize + ?Sized>(
        workflow_type: &str,
        input: &I,
        options: WorkflowOptions,
    ) -> Result<Self, ClientError> {
        Self::build(workflow_type, converter::encode_args(input)?, &options)
    }

    fn build(workflow_type: &str, args: Vec<Payload>, o: &WorkflowOptions) -> Result<Self, ClientError> {
        o.validate()?;
        Ok(Self {
            raw: NewWorkflowExecutionInfo {
                workflow_id: o.id.clone(),
                workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
                task_queue: Some(TaskQueue { name: o.task_queue.clone(), ..Default::default() }),
                input: Some(Payloads { payloads: args }),
                workflow_execution_timeout: o.execution_timeout.map(duration_to_proto),
                workflow_run_timeout: o.run_timeout.map(duration_to_proto),
                workflow_task_timeout: o.task_timeout.map(duration_to_proto),
                retry_policy: o.retry_policy.as_ref().map(RetryPolicy::to_proto),
                memo: (!o.memo.is_empty()).then(|| Memo { fields: o.memo.clone() }),
                search_attributes: encode_search_attributes(&o.search_attributes)?,
                user_metadata: super::options::user_metadata(o.static_summary.as_deref(), o.static_details.as_deref())?,
                priority: o.priority.as_ref().map(crate::Priority::to_proto),
                ..Default::default()
            },
        })
    }

    /// The workflow type started.
    pub fn workflow_type(&self) -> &str {
        self.raw.workflow_type.as_ref().map_or("", |t| t.name.as_str())
    }

    /// The workflow id prefix.
    pub fn workflow_id(&self) -> &str {
        &self.raw.workflow_id
    }

    /// The task queue.
    pub fn task_queue(&self) -> &str {
        self.raw.task_queue.as_ref().map_or("", |t| t.name.as_str())
    }

    fn to_proto(&self) -> proto::ScheduleAction {
        proto::ScheduleAction { action: Some(proto::schedule_action::Action::StartWorkflow(self.raw.clone())) }
    }
}

/// A schedule: its action, spec, policy and state, as Python's `Schedule`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// What it does.
    pub action: ScheduleAction,
    /// When.
    pub spec: ScheduleSpec,
    /// Overlaps, catch-up, failures.
    pub policy: SchedulePolicy,
    /// Paused, note, limited actions.
    pub state: ScheduleState,
}

impl Schedule {
    /// A schedule with the default policy and state.
    pub fn new(action: ScheduleAction, spec: ScheduleSpec) -> Self {
        Self { action, spec, policy: SchedulePolicy::default(), state: ScheduleState::default() }
    }

    pub(crate) fn to_proto(&self) -> proto::Schedule {
        proto::Schedule {
            spec: Some(self.spec.to_proto()),
            action: Some(self.action.to_proto()),
            policies: Some(self.policy.to_proto()),
            state: Some(self.state.to_proto()),
        }
    }

    pub(crate) fn from_proto(s: &proto::Schedule) -> Result<Self, ClientError> {
        let Some(proto::schedule_action::Action::StartWorkflow(raw)) = s.action.as_ref().and_then(|a| a.action.clone())
        else {
            return Err(ClientError::InvalidOptions("the schedule's action is not a workflow start".into()));
        };
        Ok(Self {
            action: ScheduleAction { raw },
            spec: s.spec.as_ref().map(ScheduleSpec::from_proto).unwrap_or_default(),
            policy: s.policies.as_ref().map(SchedulePolicy::from_proto).unwrap_or_default(),
            state: s.state.as_ref().map(ScheduleState::from_proto).unwrap_or_default(),
        })
    }
}

/// Options of creating a schedule, as the keyword arguments of Python's `create_schedule`.
#[derive(Debug, Clone, Default)]
pub struct ScheduleOptions {
    /// Run the action once right away.
    pub trigger_immediately: bool,
    /// Run the actions of these past periods right away.
    pub backfill: Vec<ScheduleBackfill>,
    /// Memo of the schedule, encoded (see [`WorkflowOptions::memo`]).
    pub memo: HashMap<String, Payload>,
    /// Search attributes of the schedule.
    pub search_attributes: HashMap<String, SearchAttributeValue>,
}

/// One schedule as [`Client::list_schedules`] lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScheduleListEntry {
    /// The schedule id.
    pub id: String,
    /// The workflow type its action starts.
    pub workflow_type: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The state's note.
    pub note: Option<String>,
    /// The next times it acts.
    pub next_action_times: Vec<SystemTime>,
    /// Search attributes, typed.
    pub search_attributes: HashMap<String, SearchAttributeValue>,
    /// Everything the server returned.
    pub raw: proto::ScheduleListEntry,
}

impl Client {
    /// Creates a schedule; an existing schedule with this id is
    /// [`ClientError::ScheduleAlreadyRunning`].
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::client::schedule::*;
    /// # async fn demo(client: Client, action: ScheduleAction) -> Result<(), ClientError> {
    /// let spec = ScheduleSpec { intervals: vec![ScheduleIntervalSpec::every(Duration::from_secs(600))], ..Default::default() };
    /// let options = ScheduleOptions { trigger_immediately: true, ..Default::default() };
    /// let handle = client.create_schedule("every-ten-minutes", Schedule::new(action, spec), options).await?;
    /// # let _ = handle; Ok(()) }
    /// ```
    pub async fn create_schedule(
        &self,
        id: impl Into<String>,
        schedule: Schedule,
        options: ScheduleOptions,
    ) -> Result<ScheduleHandle, ClientError> {
        let id = id.into();
        let initial_patch =
            (options.trigger_immediately || !options.backfill.is_empty()).then(|| proto::SchedulePatch {
                trigger_immediately: options.trigger_immediately.then(|| proto::TriggerImmediatelyRequest {
                    overlap_policy: schedule.policy.overlap as i32,
                    ..Default::default()
                }),
                backfill_request: options.backfill.iter().map(ScheduleBackfill::to_proto).collect(),
                ..Default::default()
            });
        let req = CreateScheduleRequest {
            namespace: self.namespace.clone(),
            schedule_id: id.clone(),
            schedule: Some(schedule.to_proto()),
            initial_patch,
            identity: self.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            memo: (!options.memo.is_empty()).then(|| Memo { fields: options.memo.clone() }),
            search_attributes: encode_search_attributes(&options.search_attributes)?,
        };
        self.call(CallKind::Idempotent, req).await.map_err(|e| match e {
            ClientError::Rpc { code: tonic::Code::AlreadyExists, .. } => {
                ClientError::ScheduleAlreadyRunning { schedule_id: id.clone() }
            }
            other => other,
        })?;
        Ok(self.get_schedule_handle(id))
    }

    /// A handle to an existing schedule.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// client.get_schedule_handle("daily-report").pause(Some("maintenance")).await?;
    /// # Ok(()) }
    /// ```
    pub fn get_schedule_handle(&self, id: impl Into<String>) -> ScheduleHandle {
        ScheduleHandle::new(self.clone(), id.into())
    }

    /// The schedules of the namespace (matching a visibility query when not empty), as a
    /// stream that fetches pages as it is read. Visibility is eventually consistent: a new
    /// schedule may be missing for a moment.
    ///
    /// ```no_run
    /// # use futures::TryStreamExt;
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// let schedules: Vec<_> = client.list_schedules("").try_collect().await?;
    /// for s in &schedules { println!("{} starts {}", s.id, s.workflow_type); }
    /// # Ok(()) }
    /// ```
    pub fn list_schedules(
        &self,
        query: impl Into<String>,
    ) -> BoxStream<'static, Result<ScheduleListEntry, ClientError>> {
        let client = self.clone();
        let query = query.into();
        let pages = stream::try_unfold(Some(Vec::new()), move |token| {
            let (client, query) = (client.clone(), query.clone());
            async move {
                let Some(token) = token else { return Ok(None) };
                let req = ListSchedulesRequest {
                    namespace: client.namespace.clone(),
                    maximum_page_size: 0,
                    next_page_token: token,
                    query,
                };
                let resp = client.call(CallKind::Idempotent, req).await?;
                let next = (!resp.next_page_token.is_empty()).then_some(resp.next_page_token);
                Ok::<_, ClientError>(Some((resp.schedules, next)))
            }
        });
        pages
            .map(|page| match page {
                Ok(entries) => stream::iter(entries.into_iter().map(|e| Ok(list_entry(e)))).boxed(),
                Err(e) => stream::iter([Err(e)]).boxed(),
            })
            .flatten()
            .boxed()
    }
}

fn list_entry(raw: proto::ScheduleListEntry) -> ScheduleListEntry {
    let info = raw.info.clone().unwrap_or_default();
    ScheduleListEntry {
        id: raw.schedule_id.clone(),
        workflow_type: info.workflow_type.map(|t| t.name).unwrap_or_default(),
        paused: info.paused,
        note: Some(info.notes).filter(|n| !n.is_empty()),
        next_action_times: info.future_action_times.iter().map(time_from_proto).collect(),
        search_attributes: raw.search_attributes.as_ref().map(decode_search_attributes).unwrap_or_default(),
        raw,
    }
}
