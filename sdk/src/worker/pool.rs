//! The workflow threads: each owns the runs pinned to it and the cache of those runs.
//!
//! Workflow code is `!Send` and must never touch tokio's reactor or clock, so it runs on
//! plain threads, one run always on the same thread. Network I/O stays on tokio; tasks come
//! in and outcomes go out through channels.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::converter::encodings::Encodings;
use crate::error::panic_message;
use crate::protos::temporal::api::enums::v1::{EventType, WorkflowTaskFailedCause};
use crate::protos::temporal::api::query::v1::WorkflowQuery;
use crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
use crate::runtime::info::WorkflowInfo;
use crate::runtime::ops::local_activity::LocalActivityResult;
use crate::runtime::registry::Registry;
use crate::runtime::run::{FailurePolicy, WorkflowRun};
use crate::runtime::task::{self, Step, TaskOutcome};
use crate::telemetry::MetricMeter;

use super::cache::RunCache;
use super::slot::Slot;

/// A task's work as the thread hands it back with its outcome: a cache miss needs its events
/// and messages again, with the full history.
pub(crate) type Work = Box<PollWorkflowTaskQueueResponse>;

enum Message {
    Task(Work, oneshot::Sender<(Step, Work)>),
    Resume(String, Vec<LocalActivityResult>, HashMap<String, WorkflowQuery>, oneshot::Sender<Step>),
    Heartbeat(String, HashMap<String, WorkflowQuery>, oneshot::Sender<Step>),
    Evict(String),
}

/// The pool of workflow threads.
pub(crate) struct Pool {
    slots: Vec<Arc<Slot<Message>>>,
    /// The thread serving each slot.
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    spec: ThreadSpec,
    /// How long an activation may run before the task fails as a potential deadlock (`None`:
    /// never, in debug mode).
    deadlock_timeout: Option<Duration>,
}

/// How a worker's pool of workflow threads is set up.
pub(crate) struct PoolConfig {
    pub(crate) threads: usize,
    /// Runs cached, over all threads.
    pub(crate) cache_capacity: usize,
    pub(crate) workflows: Arc<Registry>,
    pub(crate) namespace: String,
    pub(crate) policy: FailurePolicy,
    pub(crate) meter: Arc<dyn MetricMeter>,
    pub(crate) encodings: Encodings,
    pub(crate) deadlock_timeout: Option<Duration>,
}

/// What a workflow thread is made from, kept to replace a thread stuck in workflow code.
#[derive(Clone)]
struct ThreadSpec {
    cache_capacity: usize,
    workflows: Arc<Registry>,
    namespace: String,
    policy: FailurePolicy,
    meter: Arc<dyn MetricMeter>,
    /// The data converter's custom encodings, in effect for all workflow code on the thread.
    encodings: Encodings,
    cached: Arc<AtomicUsize>,
}

impl ThreadSpec {
    fn spawn(
        &self,
        index: usize,
        slot: Arc<Slot<Message>>,
        generation: u64,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        let spec = self.clone();
        std::thread::Builder::new().name(format!("temporal-workflow-{index}")).spawn(move || {
            crate::telemetry::set_thread_meter(spec.meter);
            spec.encodings.install();
            // Made on the thread: the cache holds `!Send` runs.
            let cache = RunCache::new(spec.cache_capacity, spec.cached);
            let mut thread =
                WorkflowThread { cache, workflows: spec.workflows, namespace: spec.namespace, policy: spec.policy };
            while let Some((_, message)) = slot.recv(generation) {
                thread.handle(message);
                slot.done();
            }
        })
    }
}

impl Pool {
    pub(crate) fn start(config: PoolConfig) -> std::io::Result<Self> {
        let threads = config.threads.max(1);
        let spec = ThreadSpec {
            cache_capacity: config.cache_capacity.div_ceil(threads),
            workflows: config.workflows,
            namespace: config.namespace,
            policy: config.policy,
            meter: config.meter,
            encodings: config.encodings,
            cached: Arc::new(AtomicUsize::new(0)),
        };
        let slots: Vec<_> = (0..threads).map(|_| Arc::new(Slot::new())).collect();
        let handles =
            slots.iter().enumerate().map(|(i, slot)| spec.spawn(i, Arc::clone(slot), 0)).collect::<Result<_, _>>()?;
        Ok(Self { slots, threads: Mutex::new(handles), spec, deadlock_timeout: config.deadlock_timeout })
    }

    fn slot_index(&self, run_id: &str) -> usize {
        let mut h = DefaultHasher::new();
        run_id.hash(&mut h);
        (h.finish() % self.slots.len() as u64) as usize
    }

    /// Processes a task's work (moved, not copied, to the run's thread) there; the work
    /// comes back with the outcome unless the thread never returned it (a deadlock).
    /// `what` describes the task for a deadlock's message.
    pub(crate) async fn process(
        &self,
        run_id: &str,
        what: impl FnOnce() -> String,
        work: Work,
    ) -> (Step, Option<Work>) {
        let reply = self.ask(run_id, what, |reply| Message::Task(work, reply)).await;
        match reply {
            Ok((step, work)) => (step, Some(work)),
            Err(step) => (step, None),
        }
    }

    /// Sends a message to the run's thread and waits for the task's outcome. An activation
    /// that runs longer than the deadlock timeout fails the task with `TMPRL1101`, and a fresh
    /// thread takes over the stuck one's queue (the stuck one ends if its code ever returns).
    /// Errs with the failed task's step when the thread stopped, dropped the task, or got stuck.
    async fn ask<R>(
        &self,
        run_id: &str,
        what: impl FnOnce() -> String,
        message: impl FnOnce(oneshot::Sender<R>) -> Message,
    ) -> Result<R, Step> {
        let (tx, mut rx) = oneshot::channel();
        let index = self.slot_index(run_id);
        let slot = &self.slots[index];
        let Some(id) = slot.send(message(tx)) else {
            return Err(internal_error("the workflow thread has stopped".into()));
        };
        let dropped = |_| internal_error("the workflow thread dropped the task".into());
        let Some(limit) = self.deadlock_timeout else { return rx.await.map_err(dropped) };
        let mut wait = limit;
        loop {
            // One timer per task in the common case; time spent queued behind other tasks
            // does not count against this one.
            match tokio::time::timeout(wait, &mut rx).await {
                Ok(reply) => return reply.map_err(dropped),
                Err(_) => match slot.busy_with(id) {
                    Some(busy) if busy >= limit => return Err(self.deadlocked(index, &what(), limit)),
                    Some(busy) => wait = limit - busy,
                    None => wait = limit,
                },
            }
        }
    }

    /// Replaces the stuck thread of slot `index` and fails the task that got it stuck.
    fn deadlocked(&self, index: usize, what: &str, limit: Duration) -> Step {
        let slot = &self.slots[index];
        let generation = slot.take_over();
        match self.spec.spawn(index, Arc::clone(slot), generation) {
            // The stuck thread's handle is dropped: it is never joined.
            Ok(handle) => self.threads.lock().unwrap_or_else(|e| e.into_inner())[index] = handle,
            Err(e) => tracing::error!(error = %e, "cannot start a workflow thread to replace a deadlocked one"),
        }
        let message = format!(
            "[TMPRL1101] Potential deadlock detected: {what} didn't yield within {} second(s)",
            limit.as_secs_f64()
        );
        tracing::error!("{message}");
        Step::Done(task::failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "DeadlockError"))
    }

    /// Continues a task suspended on local activities, on the run's thread.
    pub(crate) async fn resume(
        &self,
        run_id: &str,
        results: Vec<LocalActivityResult>,
        queries: HashMap<String, WorkflowQuery>,
    ) -> Step {
        let what = || format!("workflow run {run_id}");
        let message = |reply| Message::Resume(run_id.to_string(), results, queries, reply);
        self.ask(run_id, what, message).await.unwrap_or_else(|step| step)
    }

    /// Completes a task suspended on local activities without their results (a workflow task
    /// heartbeat), on the run's thread.
    pub(crate) async fn heartbeat(&self, run_id: &str, queries: HashMap<String, WorkflowQuery>) -> Step {
        let what = || format!("workflow run {run_id}");
        let message = |reply| Message::Heartbeat(run_id.to_string(), queries, reply);
        self.ask(run_id, what, message).await.unwrap_or_else(|step| step)
    }

    /// The runs in the caches of all threads.
    pub(crate) fn cached(&self) -> usize {
        self.spec.cached.load(Ordering::Relaxed)
    }

    /// Drops a run from its thread's cache.
    pub(crate) fn evict(&self, run_id: &str) {
        let _ = self.slots[self.slot_index(run_id)].send(Message::Evict(run_id.to_string()));
    }

    /// Stops the threads after the tasks already sent. A thread stuck in workflow code is not
    /// waited for.
    pub(crate) fn stop(self) {
        for slot in &self.slots {
            slot.close();
        }
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

struct WorkflowThread {
    cache: RunCache<WorkflowRun>,
    workflows: Arc<Registry>,
    namespace: String,
    policy: FailurePolicy,
}

/// A failure of the worker itself (not of workflow code), which fails the task.
fn internal_error(message: String) -> Step {
    Step::Done(task::failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "InternalError"))
}

impl WorkflowThread {
    fn handle(&mut self, msg: Message) {
        match msg {
            Message::Evict(run_id) => {
                self.cache.take(&run_id);
            }
            Message::Resume(run_id, results, queries, reply) => {
                let step = catch_unwind(AssertUnwindSafe(|| self.resume(run_id.clone(), results, &queries)))
                    .unwrap_or_else(|p| {
                        self.cache.take(&run_id);
                        internal_error(format!(
                            "internal error while resuming the workflow task: {}",
                            panic_message(p.as_ref())
                        ))
                    });
                let _ = reply.send(step);
            }
            Message::Heartbeat(run_id, queries, reply) => {
                let step =
                    catch_unwind(AssertUnwindSafe(|| self.heartbeat(run_id.clone(), &queries))).unwrap_or_else(|p| {
                        self.cache.take(&run_id);
                        internal_error(format!(
                            "internal error while heartbeating the workflow task: {}",
                            panic_message(p.as_ref())
                        ))
                    });
                let _ = reply.send(step);
            }
            Message::Task(task, reply) => {
                let step = catch_unwind(AssertUnwindSafe(|| self.process(&task))).unwrap_or_else(|p| {
                    if let Some(execution) = &task.workflow_execution {
                        self.cache.take(&execution.run_id);
                    }
                    internal_error(format!(
                        "internal error while processing the workflow task: {}",
                        panic_message(p.as_ref())
                    ))
                });
                let _ = reply.send((step, task));
            }
        }
    }

    fn process(&mut self, task: &PollWorkflowTaskQueueResponse) -> Step {
        let exec = task.workflow_execution.clone().unwrap_or_default();
        let workflow_type = task.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let events = task.history.as_ref().map_or(&[][..], |h| &h.events[..]);
        let full = events.first().is_some_and(|e| e.event_type() == EventType::WorkflowExecutionStarted);

        let mut run = if full {
            self.cache.take(&exec.run_id);
            let info = WorkflowInfo {
                namespace: self.namespace.clone(),
                workflow_id: exec.workflow_id.clone(),
                run_id: exec.run_id.clone(),
                workflow_type: workflow_type.clone(),
                attempt: 1,
                ..WorkflowInfo::default()
            };
            match task::new_run(&self.workflows, &workflow_type, info, &self.policy) {
                Ok(run) => run,
                Err(message) if task.query.is_some() => return Step::Done(TaskOutcome::QueryAnswer(Err(message))),
                Err(message) => {
                    let cause = WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure;
                    return Step::Done(task::failed(cause, message, "NotFoundError"));
                }
            }
        } else {
            match self.cache.take(&exec.run_id) {
                Some(run) if events.first().is_none_or(|e| e.event_id <= run.last_event_id() + 1) => run,
                _ => return Step::NeedFullHistory,
            }
        };
        let step = match &task.query {
            Some(query) => task::answer_legacy_query(&mut run, events, query),
            None => task::process(&mut run, events, &task.messages, &task.queries),
        };
        self.keep(exec.run_id, run, step)
    }

    /// Continues a task suspended on local activities.
    fn resume(
        &mut self,
        run_id: String,
        results: Vec<LocalActivityResult>,
        queries: &HashMap<String, WorkflowQuery>,
    ) -> Step {
        let Some(mut run) = self.cache.take(&run_id) else {
            return internal_error("the run was evicted while its local activities ran".into());
        };
        let step = task::resume(&mut run, results, queries);
        self.keep(run_id, run, step)
    }

    /// Completes a task suspended on local activities without them.
    fn heartbeat(&mut self, run_id: String, queries: &HashMap<String, WorkflowQuery>) -> Step {
        let Some(mut run) = self.cache.take(&run_id) else {
            return internal_error("the run was evicted while its local activities ran".into());
        };
        let step = task::heartbeat(&mut run, queries);
        self.keep(run_id, run, step)
    }

    /// Caches the run as far as the task's outcome allows.
    fn keep(&mut self, run_id: String, run: WorkflowRun, mut step: Step) -> Step {
        if run.is_broken() {
            return step;
        }
        match &mut step {
            // Kept (even with caching off) until the local activities come back.
            Step::LocalActivities { .. } => self.cache.keep(run_id, run),
            Step::Done(TaskOutcome::Completed { cached, .. }) => *cached = *cached && self.cache.put(run_id, run),
            Step::Done(TaskOutcome::QueryAnswer(_)) => {
                self.cache.put(run_id, run);
            }
            Step::Done(TaskOutcome::Failed { .. }) | Step::NeedFullHistory => {}
        }
        step
    }
}
