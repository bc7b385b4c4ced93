//! The workflow threads: each owns the runs pinned to it and the cache of those runs.
//!
//! Workflow code is `!Send` and must never touch tokio's reactor or clock, so it runs on
//! plain threads, one run always on the same thread. Network I/O stays on tokio; tasks come
//! in and outcomes go out through channels.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::error::{Failure, panic_message};
use crate::protos::temporal::api::command::v1::Command;
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::enums::v1::{EventType, QueryResultType, WorkflowTaskFailedCause};
use crate::protos::temporal::api::failure::v1::Failure as ProtoFailure;
use crate::protos::temporal::api::query::v1::WorkflowQuery;
use crate::protos::temporal::api::query::v1::WorkflowQueryResult;
use crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;
use crate::runtime::info::WorkflowInfo;
use crate::runtime::instance::WorkflowFactory;
use crate::runtime::ops::local_activity::{LocalActivityRequest, LocalActivityResult};
use crate::runtime::run::{Activation, FailurePolicy, RunError, WorkflowRun};

/// What became of a workflow task. (One per task, moved once: the size difference between
/// variants does not matter.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum TaskOutcome {
    Completed {
        commands: Vec<Command>,
        messages: Vec<crate::protos::temporal::api::protocol::v1::Message>,
        query_results: HashMap<String, WorkflowQueryResult>,
        cached: bool,
    },
    Failed {
        cause: WorkflowTaskFailedCause,
        failure: ProtoFailure,
    },
    QueryAnswer(Result<Payload, String>),
    NeedFullHistory,
    /// The task waits for these local activities; resume it with their results.
    LocalActivities(Vec<LocalActivityRequest>),
}

enum Message {
    Task(Box<PollWorkflowTaskQueueResponse>, oneshot::Sender<TaskOutcome>),
    Resume(String, Vec<LocalActivityResult>, HashMap<String, WorkflowQuery>, oneshot::Sender<TaskOutcome>),
    Evict(String),
}

pub(crate) type WorkflowTable = Arc<HashMap<&'static str, Arc<dyn WorkflowFactory>>>;

/// The pool of workflow threads.
pub(crate) struct Pool {
    senders: Vec<mpsc::Sender<Message>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    pub(crate) fn start(
        threads: usize,
        cache_capacity: usize,
        workflows: WorkflowTable,
        namespace: String,
        policy: FailurePolicy,
    ) -> std::io::Result<Self> {
        let per_thread = cache_capacity.div_ceil(threads.max(1));
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        for i in 0..threads.max(1) {
            let (tx, rx) = mpsc::channel();
            let (workflows, namespace, policy) = (Arc::clone(&workflows), namespace.clone(), policy.clone());
            let handle = std::thread::Builder::new().name(format!("temporal-workflow-{i}")).spawn(move || {
                WorkflowThread { cache: Cache::new(per_thread), workflows, namespace, policy }.serve(rx)
            })?;
            senders.push(tx);
            handles.push(handle);
        }
        Ok(Self { senders, threads: handles })
    }

    fn sender(&self, run_id: &str) -> &mpsc::Sender<Message> {
        let mut h = DefaultHasher::new();
        run_id.hash(&mut h);
        &self.senders[(h.finish() % self.senders.len() as u64) as usize]
    }

    /// Processes a task on the run's thread.
    pub(crate) async fn process(&self, task: PollWorkflowTaskQueueResponse) -> TaskOutcome {
        let run_id = task.workflow_execution.as_ref().map(|e| e.run_id.clone()).unwrap_or_default();
        self.ask(&run_id, |reply| Message::Task(Box::new(task), reply)).await
    }

    /// Sends a message to the run's thread and waits for the task's outcome.
    async fn ask(&self, run_id: &str, message: impl FnOnce(oneshot::Sender<TaskOutcome>) -> Message) -> TaskOutcome {
        let (tx, rx) = oneshot::channel();
        if self.sender(run_id).send(message(tx)).is_err() {
            return failed(
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                "the workflow thread has stopped".into(),
                "InternalError",
            );
        }
        rx.await.unwrap_or_else(|_| {
            failed(
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                "the workflow thread dropped the task".into(),
                "InternalError",
            )
        })
    }

    /// Continues a task suspended on local activities, on the run's thread.
    pub(crate) async fn resume(
        &self,
        run_id: &str,
        results: Vec<LocalActivityResult>,
        queries: HashMap<String, WorkflowQuery>,
    ) -> TaskOutcome {
        self.ask(run_id, |reply| Message::Resume(run_id.to_string(), results, queries, reply)).await
    }

    /// Drops a run from its thread's cache.
    pub(crate) fn evict(&self, run_id: &str) {
        let _ = self.sender(run_id).send(Message::Evict(run_id.to_string()));
    }

    /// Stops the threads (after the tasks already sent).
    pub(crate) fn stop(self) {
        drop(self.senders);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// A least-recently-used cache of runs.
struct Cache {
    runs: HashMap<String, (WorkflowRun, u64)>,
    capacity: usize,
    clock: u64,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Self { runs: HashMap::new(), capacity, clock: 0 }
    }

    /// Keeps a run regardless of the capacity (a task in flight needs it back).
    fn keep(&mut self, run_id: String, run: WorkflowRun) {
        self.clock += 1;
        self.runs.insert(run_id, (run, self.clock));
    }

    fn take(&mut self, run_id: &str) -> Option<WorkflowRun> {
        self.runs.remove(run_id).map(|(r, _)| r)
    }

    /// Keeps `run`; false when caching is off.
    fn put(&mut self, run_id: String, run: WorkflowRun) -> bool {
        if self.capacity == 0 {
            return false;
        }
        if self.runs.len() >= self.capacity
            && let Some(oldest) = self.runs.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone())
        {
            self.runs.remove(&oldest);
        }
        self.clock += 1;
        self.runs.insert(run_id, (run, self.clock));
        true
    }
}

struct WorkflowThread {
    cache: Cache,
    workflows: WorkflowTable,
    namespace: String,
    policy: FailurePolicy,
}

fn failed(cause: WorkflowTaskFailedCause, message: String, error_type: &str) -> TaskOutcome {
    let failure = Failure::application(message, Some(error_type.into()), false);
    TaskOutcome::Failed { cause, failure: failure.to_proto() }
}

impl WorkflowThread {
    fn serve(&mut self, rx: mpsc::Receiver<Message>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Message::Evict(run_id) => {
                    self.cache.take(&run_id);
                }
                Message::Resume(run_id, results, queries, reply) => {
                    let outcome = catch_unwind(AssertUnwindSafe(|| self.resume(run_id.clone(), results, &queries)))
                        .unwrap_or_else(|p| {
                            self.cache.take(&run_id);
                            failed(
                                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                                format!(
                                    "internal error while resuming the workflow task: {}",
                                    panic_message(p.as_ref())
                                ),
                                "InternalError",
                            )
                        });
                    let _ = reply.send(outcome);
                }
                Message::Task(task, reply) => {
                    let run_id = task.workflow_execution.as_ref().map(|e| e.run_id.clone()).unwrap_or_default();
                    let outcome = catch_unwind(AssertUnwindSafe(|| self.process(*task))).unwrap_or_else(|p| {
                        self.cache.take(&run_id);
                        failed(
                            WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                            format!("internal error while processing the workflow task: {}", panic_message(p.as_ref())),
                            "InternalError",
                        )
                    });
                    let _ = reply.send(outcome);
                }
            }
        }
    }

    fn process(&mut self, task: PollWorkflowTaskQueueResponse) -> TaskOutcome {
        let exec = task.workflow_execution.clone().unwrap_or_default();
        let workflow_type = task.workflow_type.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let events = task.history.map(|h| h.events).unwrap_or_default();
        let full = events.first().is_some_and(|e| e.event_type() == EventType::WorkflowExecutionStarted);

        let mut run = if full {
            self.cache.take(&exec.run_id);
            // Unknown types go to the dynamic workflow, if one is registered.
            let factory =
                self.workflows.get(workflow_type.as_str()).or_else(|| self.workflows.values().find(|f| f.is_dynamic()));
            let Some(factory) = factory else {
                let known: BTreeSet<&str> = self.workflows.keys().copied().collect();
                let message = format!(
                    "Workflow type {workflow_type:?} is not registered on this worker; registered workflow types: {known:?}"
                );
                if task.query.is_some() {
                    return TaskOutcome::QueryAnswer(Err(message));
                }
                return failed(WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, message, "NotFoundError");
            };
            let info = WorkflowInfo {
                namespace: self.namespace.clone(),
                workflow_id: exec.workflow_id.clone(),
                run_id: exec.run_id.clone(),
                workflow_type: workflow_type.clone(),
                attempt: 1,
                ..WorkflowInfo::default()
            };
            WorkflowRun::new(Arc::clone(factory), info).with_policy(self.policy.clone())
        } else {
            match self.cache.take(&exec.run_id) {
                Some(run) if events.first().is_none_or(|e| e.event_id <= run.last_event_id() + 1) => run,
                _ => return TaskOutcome::NeedFullHistory,
            }
        };

        let applied = run.apply_events(&events, &task.messages);
        if let Some(q) = &task.query {
            return match applied {
                Ok(_) => {
                    let args = q.query_args.clone().map(|p| p.payloads).unwrap_or_default();
                    let answer = run.query(&q.query_type, &args);
                    self.cache.put(exec.run_id, run);
                    TaskOutcome::QueryAnswer(answer)
                }
                Err(RunError::Gap { .. }) => TaskOutcome::NeedFullHistory,
                // A legacy query task is answered, never failed as a workflow task.
                Err(e) => TaskOutcome::QueryAnswer(Err(e.to_string())),
            };
        }
        self.finish(exec.run_id, run, applied, &task.queries)
    }

    /// Continues a task suspended on local activities.
    fn resume(
        &mut self,
        run_id: String,
        results: Vec<LocalActivityResult>,
        queries: &HashMap<String, WorkflowQuery>,
    ) -> TaskOutcome {
        let Some(mut run) = self.cache.take(&run_id) else {
            return failed(
                WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure,
                "the run was evicted while its local activities ran".into(),
                "InternalError",
            );
        };
        let applied = run.resume_local_activities(results);
        self.finish(run_id, run, applied, queries)
    }

    /// Turns what the live task produced into the task's outcome.
    fn finish(
        &mut self,
        run_id: String,
        run: WorkflowRun,
        applied: Result<Activation, RunError>,
        queries: &HashMap<String, WorkflowQuery>,
    ) -> TaskOutcome {
        let activation = match applied {
            Ok(a) => a,
            Err(RunError::Gap { .. }) => return TaskOutcome::NeedFullHistory,
            Err(RunError::Nondeterminism(m)) if run.nondeterminism_command(&m).is_some() => {
                let commands =
                    run.nondeterminism_command(&format!("[TMPRL1100] Nondeterminism error: {m}")).into_iter().collect();
                return TaskOutcome::Completed {
                    commands,
                    messages: Vec::new(),
                    query_results: HashMap::new(),
                    cached: false,
                };
            }
            Err(e) => {
                let (cause, error_type) = match &e {
                    RunError::Nondeterminism(_) => {
                        (WorkflowTaskFailedCause::NonDeterministicError, "NondeterminismError")
                    }
                    RunError::Panic(_) => (WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, "Panic"),
                    _ => (WorkflowTaskFailedCause::WorkflowWorkerUnhandledFailure, "WorkflowTaskError"),
                };
                // The server retries the task: this is the one report of what went wrong.
                tracing::warn!(workflow_id = %run.workflow_id(), run_id = %run_id, error = %e, "failing workflow task");
                return failed(cause, e.to_string(), error_type);
            }
        };
        if !activation.local_activities.is_empty() {
            // Kept (even with caching off) until the local activities come back.
            self.cache.keep(run_id, run);
            return TaskOutcome::LocalActivities(activation.local_activities);
        }
        let mut query_results = HashMap::new();
        for (id, q) in queries {
            let args = q.query_args.clone().map(|p| p.payloads).unwrap_or_default();
            let result = match run.query(&q.query_type, &args) {
                Ok(p) => WorkflowQueryResult {
                    result_type: QueryResultType::Answered as i32,
                    answer: Some(Payloads { payloads: vec![p] }),
                    ..Default::default()
                },
                Err(message) => WorkflowQueryResult {
                    result_type: QueryResultType::Failed as i32,
                    error_message: message.clone(),
                    failure: Some(Failure::application(message, None, false).to_proto()),
                    ..Default::default()
                },
            };
            query_results.insert(id.clone(), result);
        }
        let cached = !run.is_finished() && self.cache.put(run_id, run);
        TaskOutcome::Completed { commands: activation.commands, messages: activation.messages, query_results, cached }
    }
}
