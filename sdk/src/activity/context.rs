use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, watch};

use crate::converter::{self, PayloadError};
use crate::protos::temporal::api::common::v1::Payload;

/// Facts about the running activity attempt, the Rust form of Python's `activity.info()`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ActivityInfo {
    /// The activity id.
    pub activity_id: String,
    /// The activity type name.
    pub activity_type: String,
    /// The attempt number, starting at 1.
    pub attempt: i32,
    /// The task queue.
    pub task_queue: String,
    /// The opaque token that identifies this attempt to the server.
    pub task_token: Vec<u8>,
    /// The namespace of the workflow that scheduled it.
    pub workflow_namespace: String,
    /// The workflow id.
    pub workflow_id: String,
    /// The workflow run id.
    pub workflow_run_id: String,
    /// The workflow type.
    pub workflow_type: String,
    /// When the activity was first scheduled.
    pub scheduled_time: Option<SystemTime>,
    /// When this attempt was scheduled.
    pub current_attempt_scheduled_time: Option<SystemTime>,
    /// When this attempt started.
    pub started_time: Option<SystemTime>,
    /// Limit of all attempts.
    pub schedule_to_close_timeout: Option<Duration>,
    /// Limit of this attempt.
    pub start_to_close_timeout: Option<Duration>,
    /// Limit between heartbeats.
    pub heartbeat_timeout: Option<Duration>,
    /// The details of the last heartbeat of a previous attempt.
    pub heartbeat_details: Vec<Payload>,
    /// Whether it runs as a local activity.
    pub is_local: bool,
}

impl ActivityInfo {
    /// Decodes the first heartbeat detail recorded by a previous attempt, if any: the usual
    /// way to resume work after a retry.
    pub fn heartbeat_details<T: DeserializeOwned>(&self) -> Result<Option<T>, PayloadError> {
        self.heartbeat_details.first().map(converter::decode).transpose()
    }
}

/// The running attempt's context, shared between the activity and the worker.
pub(crate) struct ActivityContext {
    pub(crate) info: ActivityInfo,
    pub(crate) heartbeats: watch::Sender<Option<Vec<Payload>>>,
    cancelled: AtomicBool,
    cancel_notify: Notify,
}

impl ActivityContext {
    pub(crate) fn new(info: ActivityInfo) -> (Arc<Self>, watch::Receiver<Option<Vec<Payload>>>) {
        let (tx, rx) = watch::channel(None);
        (Arc::new(Self { info, heartbeats: tx, cancelled: AtomicBool::new(false), cancel_notify: Notify::new() }), rx)
    }

    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.cancel_notify.notify_waiters();
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

tokio::task_local! {
    pub(crate) static CONTEXT: Arc<ActivityContext>;
}

thread_local! {
    /// The context of a blocking activity, set on the pool thread that runs it.
    pub(crate) static BLOCKING_CONTEXT: RefCell<Option<Arc<ActivityContext>>> = const { RefCell::new(None) };
}

pub(crate) fn current() -> Option<Arc<ActivityContext>> {
    CONTEXT.try_with(Arc::clone).ok().or_else(|| BLOCKING_CONTEXT.with(|c| c.borrow().clone()))
}

/// The running activity's info, or `None` outside activity code.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// #[activity]
/// async fn whoami() -> Result<String, ActivityError> {
///     let info = activity::info().expect("inside an activity");
///     Ok(format!("{} attempt {}", info.activity_type, info.attempt))
/// }
/// ```
pub fn info() -> Option<ActivityInfo> {
    current().map(|c| c.info.clone())
}

/// Records progress. Heartbeats are throttled (at most one call per 80% of the heartbeat
/// timeout) and the latest details win; the details reach the next attempt after a retry, and
/// a heartbeat is how the activity learns that it was cancelled.
///
/// Outside activity code, or with details that cannot be serialized, this logs and does
/// nothing.
pub fn heartbeat<T: Serialize + ?Sized>(details: &T) {
    let Some(ctx) = current() else {
        tracing::warn!("activity::heartbeat called outside an activity");
        return;
    };
    match converter::encode_args(details) {
        Ok(payloads) => {
            ctx.heartbeats.send_replace(Some(payloads));
        }
        Err(e) => tracing::warn!(error = %e, "heartbeat details do not serialize; heartbeat dropped"),
    }
}

/// Whether cancellation of this activity was requested (learned through heartbeats).
pub fn is_cancelled() -> bool {
    current().is_some_and(|c| c.is_cancelled())
}

/// Resolves once cancellation of this activity is requested.
pub async fn cancelled() {
    let Some(ctx) = current() else { return std::future::pending().await };
    loop {
        let notified = ctx.cancel_notify.notified();
        if ctx.is_cancelled() {
            return;
        }
        notified.await;
    }
}

pub(crate) fn context_for_blocking() -> Option<Arc<ActivityContext>> {
    current()
}

pub(crate) fn set_blocking_context(ctx: Option<Arc<ActivityContext>>) {
    BLOCKING_CONTEXT.with(|c| *c.borrow_mut() = ctx);
}
