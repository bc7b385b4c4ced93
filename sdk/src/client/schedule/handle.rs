//! A handle to one schedule: describe, update, pause, unpause, trigger, backfill, delete.

use std::time::SystemTime;

use super::{Schedule, ScheduleBackfill};
use crate::client::{CallKind, Client, ClientError};
use crate::common::time_from_proto;
use crate::protos::temporal::api::common::v1::{Payload, WorkflowExecution};
use crate::protos::temporal::api::enums::v1::ScheduleOverlapPolicy;
use crate::protos::temporal::api::schedule::v1 as proto;
use crate::protos::temporal::api::workflowservice::v1::{
    DeleteScheduleRequest, DescribeScheduleRequest, DescribeScheduleResponse, PatchScheduleRequest,
    UpdateScheduleRequest,
};

/// A handle to a schedule, as Python's `ScheduleHandle`.
///
/// ```no_run
/// # use std::time::{Duration, SystemTime};
/// # use temporal_sdk::client::schedule::ScheduleBackfill;
/// # use temporal_sdk::protos::temporal::api::enums::v1::ScheduleOverlapPolicy;
/// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
/// let handle = client.get_schedule_handle("daily-report");
/// handle.pause(Some("until the migration is over")).await?;
/// let now = SystemTime::now();
/// let last_week = ScheduleBackfill { start_at: now - Duration::from_secs(7 * 86_400), end_at: now, overlap: ScheduleOverlapPolicy::AllowAll };
/// handle.backfill(vec![last_week]).await?;
/// handle.unpause(None).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScheduleHandle {
    client: Client,
    id: String,
}

/// What [`ScheduleHandle::describe`] tells: the schedule and what it did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScheduleDescription {
    /// The schedule id.
    pub id: String,
    /// The schedule as it is now.
    pub schedule: Schedule,
    /// Actions taken so far.
    pub num_actions: u64,
    /// The workflows its most recent actions started.
    pub recent_actions: Vec<WorkflowExecution>,
    /// The workflows it started that still run.
    pub running_workflows: Vec<WorkflowExecution>,
    /// The next times it acts.
    pub next_action_times: Vec<SystemTime>,
    /// When it was created.
    pub created_at: Option<SystemTime>,
    /// When it was last changed.
    pub last_updated_at: Option<SystemTime>,
    /// Everything the server returned.
    pub raw: DescribeScheduleResponse,
}

impl ScheduleDescription {
    /// A memo value of the schedule, decoded as `T`.
    pub fn memo_value<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Option<Result<T, crate::converter::PayloadError>> {
        self.raw.memo.as_ref().and_then(|m| m.fields.get(key)).map(|p: &Payload| crate::converter::decode(p))
    }
}

impl ScheduleHandle {
    pub(super) fn new(client: Client, id: String) -> Self {
        Self { client, id }
    }

    /// The schedule id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Describes the schedule.
    pub async fn describe(&self) -> Result<ScheduleDescription, ClientError> {
        let req = DescribeScheduleRequest { namespace: self.client.namespace.clone(), schedule_id: self.id.clone() };
        let raw = self.client.call(CallKind::Idempotent, req).await?;
        let info = raw.info.clone().unwrap_or_default();
        Ok(ScheduleDescription {
            id: self.id.clone(),
            schedule: Schedule::from_proto(&raw.schedule.clone().unwrap_or_default())?,
            num_actions: u64::try_from(info.action_count).unwrap_or(0),
            recent_actions: info.recent_actions.iter().filter_map(|a| a.start_workflow_result.clone()).collect(),
            running_workflows: info.running_workflows.clone(),
            next_action_times: info.future_action_times.iter().map(time_from_proto).collect(),
            created_at: info.create_time.as_ref().map(time_from_proto),
            last_updated_at: info.update_time.as_ref().map(time_from_proto),
            raw,
        })
    }

    /// Changes the schedule by read-modify-write: `change` gets the current description and
    /// returns the new schedule (or `None` to leave it). A concurrent change in between makes
    /// the server refuse the write, so nothing is lost silently.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// client
    ///     .get_schedule_handle("daily-report")
    ///     .update(|description| {
    ///         let mut schedule = description.schedule.clone();
    ///         schedule.spec.cron_expressions = vec!["0 7 * * *".into()];
    ///         Some(schedule)
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        change: impl FnOnce(&ScheduleDescription) -> Option<Schedule>,
    ) -> Result<(), ClientError> {
        let description = self.describe().await?;
        let Some(schedule) = change(&description) else { return Ok(()) };
        let req = UpdateScheduleRequest {
            namespace: self.client.namespace.clone(),
            schedule_id: self.id.clone(),
            schedule: Some(schedule.to_proto()),
            conflict_token: description.raw.conflict_token.clone(),
            identity: self.client.identity().to_string(),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        self.client.call(CallKind::Idempotent, req).await?;
        Ok(())
    }

    /// Pauses the schedule, with a note (default "Paused via Rust SDK").
    pub async fn pause(&self, note: Option<&str>) -> Result<(), ClientError> {
        let note = note.unwrap_or("Paused via Rust SDK").to_string();
        self.patch(proto::SchedulePatch { pause: note, ..Default::default() }).await
    }

    /// Unpauses the schedule, with a note (default "Unpaused via Rust SDK").
    pub async fn unpause(&self, note: Option<&str>) -> Result<(), ClientError> {
        let note = note.unwrap_or("Unpaused via Rust SDK").to_string();
        self.patch(proto::SchedulePatch { unpause: note, ..Default::default() }).await
    }

    /// Runs the action now, under the schedule's overlap policy.
    pub async fn trigger(&self) -> Result<(), ClientError> {
        self.trigger_with_overlap(ScheduleOverlapPolicy::Unspecified).await
    }

    /// Runs the action now, under another overlap policy (`AllowAll` always starts one).
    pub async fn trigger_with_overlap(&self, overlap: ScheduleOverlapPolicy) -> Result<(), ClientError> {
        let trigger = proto::TriggerImmediatelyRequest { overlap_policy: overlap as i32, ..Default::default() };
        self.patch(proto::SchedulePatch { trigger_immediately: Some(trigger), ..Default::default() }).await
    }

    /// Runs the actions the schedule would have run in past periods.
    pub async fn backfill(&self, backfills: Vec<ScheduleBackfill>) -> Result<(), ClientError> {
        if backfills.is_empty() {
            return Err(ClientError::InvalidOptions("a backfill needs at least one period".into()));
        }
        let backfill_request = backfills.iter().map(ScheduleBackfill::to_proto).collect();
        self.patch(proto::SchedulePatch { backfill_request, ..Default::default() }).await
    }

    /// Deletes the schedule; the workflows it started keep running.
    pub async fn delete(&self) -> Result<(), ClientError> {
        let req = DeleteScheduleRequest {
            namespace: self.client.namespace.clone(),
            schedule_id: self.id.clone(),
            identity: self.client.identity().to_string(),
        };
        self.client.call(CallKind::Idempotent, req).await?;
        Ok(())
    }

    async fn patch(&self, patch: proto::SchedulePatch) -> Result<(), ClientError> {
        let req = PatchScheduleRequest {
            namespace: self.client.namespace.clone(),
            schedule_id: self.id.clone(),
            patch: Some(patch),
            identity: self.client.identity().to_string(),
            // The same request id on retries keeps a trigger or backfill from running twice.
            request_id: uuid::Uuid::new_v4().to_string(),
        };
        self.client.call(CallKind::Idempotent, req).await?;
        Ok(())
    }
}
