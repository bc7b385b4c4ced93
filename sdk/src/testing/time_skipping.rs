//! The hook that lets the time-skipping test server skip time while a client waits for a
//! workflow result.
//!
//! The test server counts locks: time runs at the real pace while the count is positive and
//! jumps to the next scheduled event whenever it is zero. Started without
//! `--enable-time-skipping` it holds one lock that a client may lift, besides internal ones
//! (one while its timer queue is empty, one per workflow task in flight). A client of a
//! [`WorkflowEnvironment`] lifts that lock while at least one of its result waits is in
//! progress and puts it back when the last one ends. The count of waits is kept here, not by
//! calling `UnlockTimeSkipping` once per wait: a second unlock would take away one of the
//! server's internal locks, and time would skip while a workflow task is being processed.
//!
//! [`WorkflowEnvironment`]: crate::testing::WorkflowEnvironment

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use tonic::transport::Channel;

use futures::future::BoxFuture;

use crate::client::{CALL_TIMEOUT, Client, ClientError, Release, ResultWaitHook};
use crate::common::{duration_to_proto, time_from_proto};
use crate::protos::temporal::api::testservice::v1::test_service_client::TestServiceClient;
use crate::protos::temporal::api::testservice::v1::{LockTimeSkippingRequest, SleepRequest, UnlockTimeSkippingRequest};

/// Client-side state of the test server's time-skipping lock.
pub(crate) struct TimeSkipping {
    service: TestServiceClient<Channel>,
    /// Result waits that currently hold the server unlocked. The mutex also serialises the
    /// lock RPCs, so the server's count and this one never disagree.
    unlocked_by: tokio::sync::Mutex<usize>,
    /// Open [`AutoSkippingDisabled`] scopes.
    auto_disabled: AtomicUsize,
}

impl TimeSkipping {
    fn new(channel: Channel) -> Self {
        Self {
            service: TestServiceClient::new(channel),
            unlocked_by: tokio::sync::Mutex::new(0),
            auto_disabled: AtomicUsize::new(0),
        }
    }

    /// Removes the server's lock unless a wait already did. The RPC runs on its own task, so
    /// that a caller cancelled half-way cannot leave the server unlocked with nobody counting
    /// it: the guard is then dropped on that task and locks again.
    async fn unlock(self: &Arc<Self>) -> Result<Unlocked, ClientError> {
        let this = Arc::clone(self);
        detached("UnlockTimeSkipping", async move {
            let mut unlocked_by = this.unlocked_by.lock().await;
            if *unlocked_by == 0 {
                let mut service = this.service.clone();
                service
                    .unlock_time_skipping(request(UnlockTimeSkippingRequest {}, CALL_TIMEOUT))
                    .await
                    .map_err(|s| ClientError::from_status("UnlockTimeSkipping", s))?;
            }
            *unlocked_by += 1;
            drop(unlocked_by);
            Ok(Unlocked { owner: Some(this) })
        })
        .await
    }

    /// Undoes one [`unlock`](Self::unlock); the last one puts the server's lock back.
    async fn relock(self: Arc<Self>) -> Result<(), ClientError> {
        detached("LockTimeSkipping", async move {
            let mut unlocked_by = self.unlocked_by.lock().await;
            *unlocked_by = unlocked_by.saturating_sub(1);
            if *unlocked_by == 0 {
                let mut service = self.service.clone();
                service
                    .lock_time_skipping(request(LockTimeSkippingRequest {}, CALL_TIMEOUT))
                    .await
                    .map_err(|s| ClientError::from_status("LockTimeSkipping", s))?;
            }
            Ok(())
        })
        .await
    }

    /// Advances the server's time by `duration`, skipping over it.
    pub(crate) async fn sleep(self: &Arc<Self>, duration: Duration) -> Result<(), ClientError> {
        let this = Arc::clone(self);
        detached("UnlockTimeSkippingWithSleep", async move {
            // Held for the whole call: a wait that unlocked in the middle would make the
            // server's count negative when this call locks again.
            let unlocked_by = this.unlocked_by.lock().await;
            let mut service = this.service.clone();
            let message = SleepRequest { duration: Some(duration_to_proto(duration)) };
            // If something else still holds a lock, time passes at the real pace.
            let timeout = duration.saturating_add(CALL_TIMEOUT);
            if *unlocked_by == 0 {
                // Unlocks, and locks again exactly when the duration has passed, so that time
                // stops where the caller asked and does not run on to the next timer.
                service
                    .unlock_time_skipping_with_sleep(request(message, timeout))
                    .await
                    .map_err(|s| ClientError::from_status("UnlockTimeSkippingWithSleep", s))?;
            } else {
                // A result wait has the server unlocked already: time skips anyway.
                service.sleep(request(message, timeout)).await.map_err(|s| ClientError::from_status("Sleep", s))?;
            }
            Ok(())
        })
        .await
    }

    /// The server's current time.
    pub(crate) async fn current_time(&self) -> Result<SystemTime, ClientError> {
        let mut service = self.service.clone();
        let resp = service
            .get_current_time(request((), CALL_TIMEOUT))
            .await
            .map_err(|s| ClientError::from_status("GetCurrentTime", s))?
            .into_inner();
        let time = resp.time.ok_or_else(|| ClientError::Rpc {
            operation: "GetCurrentTime",
            code: tonic::Code::Internal,
            message: "the test server answered without a time".into(),
        })?;
        Ok(time_from_proto(&time))
    }

    /// Turns automatic skipping off until the returned scope is dropped.
    pub(crate) fn disable_auto(self: &Arc<Self>) -> AutoSkippingDisabled {
        self.auto_disabled.fetch_add(1, Ordering::SeqCst);
        AutoSkippingDisabled { owner: Some(Arc::clone(self)) }
    }
}

fn request<T>(message: T, timeout: Duration) -> tonic::Request<T> {
    let mut req = tonic::Request::new(message);
    req.set_timeout(timeout);
    req
}

/// Runs `call` on a task of its own, so that it finishes even if the caller stops waiting;
/// inline when there is no tokio runtime to spawn on.
async fn detached<T: Send + 'static>(
    operation: &'static str,
    call: impl Future<Output = Result<T, ClientError>> + Send + 'static,
) -> Result<T, ClientError> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime.spawn(call).await.map_err(|e| ClientError::Rpc {
            operation,
            code: tonic::Code::Cancelled,
            message: format!("the call's task ended: {e}"),
        })?,
        Err(_) => call.await,
    }
}

/// One result wait's hold on the unlocked server.
struct Unlocked {
    owner: Option<Arc<TimeSkipping>>,
}

impl Unlocked {
    async fn release(mut self) -> Result<(), ClientError> {
        match self.owner.take() {
            Some(owner) => owner.relock().await,
            None => Ok(()),
        }
    }
}

impl Drop for Unlocked {
    /// A wait cancelled half-way (e.g. by `tokio::time::timeout`) must still lock again, or
    /// every later test would run with time skipping on.
    fn drop(&mut self) {
        let Some(owner) = self.owner.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = owner.relock().await {
                        tracing::warn!("locking time skipping again after a cancelled result wait: {e}");
                    }
                });
            }
            Err(_) => tracing::warn!("a result wait was dropped outside a runtime; time skipping stays unlocked"),
        }
    }
}

/// While this value lives, waiting for a workflow result through the environment's client
/// does not skip time: the server's time runs at the real pace unless
/// [`WorkflowEnvironment::sleep`](crate::testing::WorkflowEnvironment::sleep) advances it.
///
/// Made by [`WorkflowEnvironment::auto_time_skipping_disabled`].
///
/// ```no_run
/// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment) {
/// let scope = env.auto_time_skipping_disabled();
/// // ... waits here see the workflow's timers take their real time ...
/// drop(scope);
/// # }
/// ```
///
/// [`WorkflowEnvironment::auto_time_skipping_disabled`]:
///     crate::testing::WorkflowEnvironment::auto_time_skipping_disabled
#[must_use = "automatic time skipping is on again as soon as this scope is dropped"]
pub struct AutoSkippingDisabled {
    owner: Option<Arc<TimeSkipping>>,
}

impl AutoSkippingDisabled {
    /// A scope that changes nothing, for environments that do not skip time.
    pub(crate) fn none() -> Self {
        Self { owner: None }
    }
}

impl std::fmt::Debug for AutoSkippingDisabled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutoSkippingDisabled").field("active", &self.owner.is_some()).finish()
    }
}

impl Drop for AutoSkippingDisabled {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            owner.auto_disabled.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Makes `client` (and every clone of it) unlock time skipping on the test server while it
/// waits for workflow results; returns the controller.
pub(crate) fn enable(client: &Client) -> Arc<TimeSkipping> {
    let controller = Arc::new(TimeSkipping::new(client.channel()));
    client.set_result_wait_hook(Arc::new(UnlockWhileWaiting(Arc::clone(&controller))));
    controller
}

/// The client's side of the controller: result waits unlock the server's clock.
struct UnlockWhileWaiting(Arc<TimeSkipping>);

impl ResultWaitHook for UnlockWhileWaiting {
    /// Unlocks time skipping for a wait (unless automatic skipping is off); the release
    /// relocks it.
    fn begin(&self) -> BoxFuture<'_, Result<Option<Release>, ClientError>> {
        Box::pin(async move {
            if self.0.auto_disabled.load(Ordering::SeqCst) > 0 {
                return Ok(None);
            }
            let unlocked = self.0.unlock().await?;
            Ok(Some(Box::pin(unlocked.release()) as Release))
        })
    }
}
