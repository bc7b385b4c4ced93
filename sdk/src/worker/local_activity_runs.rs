//! The local activities of each run the worker hosts. They start when a workflow task asks for
//! them and keep running across workflow task heartbeats; they are cancelled when the workflow
//! asks, when the run closes or is evicted, and when the worker's graceful shutdown time runs
//! out. Their results wait here for the run's current (or next) workflow task, which takes them
//! one at a time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{Notify, mpsc};

use super::Shared;
use super::local_activities;
use crate::activity::{ActivityInfo, CancelReason, Cancellation};
use crate::runtime::ops::local_activity::{LocalActivityRequest, LocalActivityResult};

/// What a workflow task waiting for its local activities gets next.
#[derive(Debug)]
pub(crate) enum Next {
    /// A local activity ended.
    Result(Box<LocalActivityResult>),
    /// The heartbeat time came first: complete the task without results and ask for a new one.
    Heartbeat,
    /// The worker's shutdown cancelled a local activity, whose outcome must not be recorded:
    /// hand the task over to another worker.
    Aborted,
}

enum Event {
    Done(Box<LocalActivityResult>),
    Aborted(u32),
}

/// The local activities of one run.
struct RunActivities {
    /// Running, or ended with the result not yet taken (so a replayed request does not start
    /// the same activity again), by sequence number.
    activities: HashMap<u32, Arc<Cancellation>>,
    tx: mpsc::UnboundedSender<Event>,
    rx: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>>,
}

impl RunActivities {
    fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self { activities: HashMap::new(), tx, rx: Arc::new(tokio::sync::Mutex::new(rx)) }
    }
}

/// The worker's local activities, by run.
#[derive(Default)]
pub(crate) struct LocalActivityRuns {
    runs: Mutex<HashMap<String, RunActivities>>,
    /// Local activity tasks alive (attempts and the backoffs between them).
    running: AtomicUsize,
    idle: Notify,
    /// Set once shutdown cancelled them all: nothing new starts.
    closed: AtomicBool,
}

impl LocalActivityRuns {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, RunActivities>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the requested local activities of a run; one already running (or ended and not
    /// yet taken) is not started again.
    pub(crate) fn start(
        &self,
        shared: &Arc<Shared>,
        run_id: &str,
        workflow: &ActivityInfo,
        requests: Vec<LocalActivityRequest>,
    ) {
        if requests.is_empty() {
            return;
        }
        let mut runs = self.lock();
        let run = runs.entry(run_id.to_string()).or_insert_with(RunActivities::new);
        for request in requests {
            let seq = request.seq;
            if run.activities.contains_key(&seq) {
                continue;
            }
            if self.closed.load(Ordering::SeqCst) {
                let _ = run.tx.send(Event::Aborted(seq));
                continue;
            }
            let cancellation = Arc::new(Cancellation::default());
            run.activities.insert(seq, Arc::clone(&cancellation));
            self.running.fetch_add(1, Ordering::SeqCst);
            let (shared, workflow, tx) = (Arc::clone(shared), workflow.clone(), run.tx.clone());
            tokio::spawn(async move {
                let result = local_activities::run_one(&shared, &workflow, request, &cancellation).await;
                let event = match cancellation.reason() {
                    Some(CancelReason::WorkerShutdown) => Event::Aborted(seq),
                    _ => Event::Done(Box::new(result)),
                };
                // The run may be gone (closed, evicted): then nobody wants the result.
                let _ = tx.send(event);
                let runs = &shared.local_activity_runs;
                if runs.running.fetch_sub(1, Ordering::SeqCst) == 1 {
                    runs.idle.notify_waiters();
                }
            });
        }
    }

    /// Cancels running local activities of a run (the workflow asked).
    pub(crate) fn cancel(&self, run_id: &str, seqs: &[u32]) {
        if seqs.is_empty() {
            return;
        }
        if let Some(run) = self.lock().get(run_id) {
            for seq in seqs {
                if let Some(c) = run.activities.get(seq) {
                    c.cancel(CancelReason::Requested);
                }
            }
        }
    }

    /// The run closed or left the worker: what still runs of it is cancelled and its results
    /// are dropped.
    pub(crate) fn finish_run(&self, run_id: &str) {
        if let Some(run) = self.lock().remove(run_id) {
            for c in run.activities.values() {
                c.cancel(CancelReason::Gone);
            }
        }
    }

    /// Waits for the next local activity of the run to end, until `heartbeat_at` (no deadline
    /// once the worker shuts down: its tasks are not heartbeated, as in sdk-core).
    pub(crate) async fn next(&self, run_id: &str, heartbeat_at: Instant, shutting_down: &AtomicBool) -> Next {
        let Some(rx) = self.lock().get(run_id).map(|r| Arc::clone(&r.rx)) else { return Next::Aborted };
        let mut rx = rx.lock().await;
        let event = loop {
            if shutting_down.load(Ordering::SeqCst) {
                break rx.recv().await;
            }
            tokio::select! {
                event = rx.recv() => break event,
                _ = tokio::time::sleep_until(heartbeat_at.into()) => {
                    if !shutting_down.load(Ordering::SeqCst) {
                        return Next::Heartbeat;
                    }
                }
            }
        };
        let (seq, next) = match event {
            Some(Event::Done(result)) => (result.seq, Next::Result(result)),
            Some(Event::Aborted(seq)) => (seq, Next::Aborted),
            None => return Next::Aborted,
        };
        if let Some(run) = self.lock().get_mut(run_id) {
            run.activities.remove(&seq);
        }
        next
    }

    /// The graceful shutdown time ran out: cancels every local activity, and starts no more.
    pub(crate) fn cancel_all(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for run in self.lock().values() {
            for c in run.activities.values() {
                c.cancel(CancelReason::WorkerShutdown);
            }
        }
    }

    /// Waits until no local activity runs.
    pub(crate) async fn wait_idle(&self) {
        loop {
            // Created before the check: a notification between the check and the await counts.
            let notified = self.idle.notified();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}
