//! Worker heartbeats: where the namespace advertises `worker_heartbeats`, the worker tells the
//! server every interval who it is, how busy it is and how it polls (`RecordWorkerHeartbeat`),
//! and sends a last heartbeat with `ShutdownWorker`. The server shows them in
//! `temporal worker list` and `temporal worker describe`.
//!
//! The figures are the worker's own metrics, counted in memory as they are recorded (the worker
//! records through [`TallyMeter`]), so they agree with what a metrics backend sees.

use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use super::Shared;
use super::pollers::PollerBehavior;
use crate::client::CallKind;
use crate::common::{duration_to_proto, time_to_proto};
use crate::protos::temporal::api::deployment::v1::WorkerDeploymentVersion;
use crate::protos::temporal::api::enums::v1::{TaskQueueType, WorkerStatus};
use crate::protos::temporal::api::namespace::v1::namespace_info::Capabilities;
use crate::protos::temporal::api::worker::v1::{WorkerHeartbeat, WorkerHostInfo, WorkerPollerInfo, WorkerSlotsInfo};
use crate::protos::temporal::api::workflowservice::v1::{RecordWorkerHeartbeatRequest, ShutdownWorkerRequest};
use crate::runtime::history::SDK_NAME;
use crate::telemetry::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter};

/// The interval of worker heartbeats unless the options say otherwise (Python's, sdk-core's).
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// The intervals sdk-core accepts.
const SHORTEST: Duration = Duration::from_secs(1);
const LONGEST: Duration = Duration::from_secs(60);

/// Checks the configured interval: `None` and zero turn heartbeats off (`Ok(None)`); anything
/// else must lie between 1 s and 60 s, as in sdk-core (the server takes a worker whose
/// heartbeats stop for gone after a while, so a longer interval would make it flicker).
pub(crate) fn check_interval(interval: Option<Duration>) -> Result<Option<Duration>, String> {
    match interval {
        None => Ok(None),
        Some(d) if d.is_zero() => Ok(None),
        Some(d) if (SHORTEST..=LONGEST).contains(&d) => Ok(Some(d)),
        Some(d) => {
            Err(format!("worker_heartbeat_interval must be between 1 s and 60 s (or zero to turn it off), not {d:?}"))
        }
    }
}

/// The interval to heartbeat at: only where the namespace says its server takes heartbeats
/// (an older server would answer every one with UNIMPLEMENTED), and the options ask for them.
pub(crate) fn interval_for(capabilities: Option<&Capabilities>, interval: Option<Duration>) -> Option<Duration> {
    interval.filter(|_| capabilities.is_some_and(|c| c.worker_heartbeats))
}

/// One kind of poll, for the poller figures.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PollKind {
    Workflow,
    StickyWorkflow,
    Activity,
}

/// The worker's figures, kept as its metrics are recorded.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    workflow_tasks: AtomicU64,
    workflow_tasks_failed: AtomicU64,
    activities: AtomicU64,
    activities_failed: AtomicU64,
    local_activities: AtomicU64,
    local_activities_failed: AtomicU64,
    sticky_hits: AtomicU64,
    sticky_misses: AtomicU64,
    sticky_size: AtomicI64,
    /// Open polls, by `PollKind`.
    pollers: [AtomicUsize; 3],
    /// When a poll of each `PollKind` last brought a task.
    last_polled: [Mutex<Option<SystemTime>>; 3],
    /// Workflow tasks being processed (their slots in use).
    workflow_tasks_busy: AtomicUsize,
}

impl Tally {
    /// Notes that a poll of `kind` brought a task.
    pub(crate) fn polled(&self, kind: PollKind) {
        *self.last_polled[kind as usize].lock().unwrap_or_else(|e| e.into_inner()) = Some(SystemTime::now());
    }

    /// Counts a workflow task as being processed until the guard drops.
    pub(crate) fn workflow_task(self: &Arc<Self>) -> Busy {
        self.workflow_tasks_busy.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(self))
    }

    fn poller_info(&self, kind: PollKind, autoscaling: bool) -> WorkerPollerInfo {
        let last = *self.last_polled[kind as usize].lock().unwrap_or_else(|e| e.into_inner());
        WorkerPollerInfo {
            current_pollers: clamp(self.pollers[kind as usize].load(Ordering::Relaxed) as u64),
            last_successful_poll_time: last.map(time_to_proto),
            is_autoscaling: autoscaling,
        }
    }
}

/// A workflow task in progress; see [`Tally::workflow_task`].
pub(crate) struct Busy(Arc<Tally>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.workflow_tasks_busy.fetch_sub(1, Ordering::Relaxed);
    }
}

fn clamp(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A meter that records through another and keeps the figures heartbeats report.
#[derive(Debug)]
pub(crate) struct TallyMeter {
    inner: Arc<dyn MetricMeter>,
    tally: Arc<Tally>,
}

impl TallyMeter {
    pub(crate) fn new(inner: Arc<dyn MetricMeter>, tally: Arc<Tally>) -> Self {
        Self { inner, tally }
    }

    /// What a recording of metric `name` adds to the tally, if anything.
    fn tap(&self, name: &str) -> Option<Tap> {
        let tally = Arc::clone(&self.tally);
        let count = |field: fn(&Tally) -> &AtomicU64| -> Tap {
            let tally = Arc::clone(&self.tally);
            Box::new(move |value, _| {
                field(&tally).fetch_add(value.max(0.0) as u64, Ordering::Relaxed);
            })
        };
        Some(match name {
            "temporal_workflow_task_execution_latency" => count(|t| &t.workflow_tasks),
            "temporal_workflow_task_execution_failed" => count(|t| &t.workflow_tasks_failed),
            "temporal_activity_execution_latency" => count(|t| &t.activities),
            "temporal_activity_execution_failed" => count(|t| &t.activities_failed),
            "temporal_local_activity_execution_latency" => count(|t| &t.local_activities),
            "temporal_local_activity_execution_failed" => count(|t| &t.local_activities_failed),
            "temporal_sticky_cache_hit" => count(|t| &t.sticky_hits),
            "temporal_sticky_cache_miss" => count(|t| &t.sticky_misses),
            "temporal_sticky_cache_size" => {
                Box::new(move |value, _| tally.sticky_size.store(value as i64, Ordering::Relaxed))
            }
            "temporal_num_pollers" => Box::new(move |value, labels| {
                let kind = match labels.iter().find(|(k, _)| *k == "poller_type").map(|(_, v)| *v) {
                    Some("workflow_task") => PollKind::Workflow,
                    Some("sticky_workflow_task") => PollKind::StickyWorkflow,
                    Some("activity_task") => PollKind::Activity,
                    _ => return,
                };
                tally.pollers[kind as usize].store(value as usize, Ordering::Relaxed);
            }),
            _ => return None,
        })
    }
}

/// What one recording adds to the tally: the value (1 for a histogram) and the labels.
type Tap = Box<dyn Fn(f64, Labels<'_>) + Send + Sync>;

/// An instrument of the inner meter, and its tap.
struct Tee<I: ?Sized> {
    inner: Arc<I>,
    tap: Tap,
}

impl Counter for Tee<dyn Counter> {
    fn add(&self, value: u64, labels: Labels<'_>) {
        self.inner.add(value, labels);
        (self.tap)(value as f64, labels);
    }
}

impl Histogram for Tee<dyn Histogram> {
    fn record(&self, value: f64, labels: Labels<'_>) {
        self.inner.record(value, labels);
        // A latency recorded is a task done.
        (self.tap)(1.0, labels);
    }
}

impl Gauge for Tee<dyn Gauge> {
    fn set(&self, value: f64, labels: Labels<'_>) {
        self.inner.set(value, labels);
        (self.tap)(value, labels);
    }
}

impl MetricMeter for TallyMeter {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        let inner = self.inner.counter(def);
        match self.tap(&def.name) {
            Some(tap) => Arc::new(Tee { inner, tap }),
            None => inner,
        }
    }

    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        let inner = self.inner.histogram(def);
        match self.tap(&def.name) {
            Some(tap) => Arc::new(Tee { inner, tap }),
            None => inner,
        }
    }

    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        let inner = self.inner.gauge(def);
        match self.tap(&def.name) {
            Some(tap) => Arc::new(Tee { inner, tap }),
            None => inner,
        }
    }
}

/// A worker's heartbeat state: its figures, and what the previous heartbeat said, for the
/// figures "since the last heartbeat".
#[derive(Debug)]
pub(crate) struct Heartbeats {
    pub(crate) tally: Arc<Tally>,
    /// The configured interval (checked), before the namespace's say.
    pub(crate) interval: Option<Duration>,
    start_time: SystemTime,
    workflow_autoscaling: bool,
    activity_autoscaling: bool,
    previous: Mutex<Previous>,
}

/// What the previous heartbeat said.
#[derive(Debug, Default)]
struct Previous {
    time: Option<SystemTime>,
    /// Processed and failed tasks: workflow, activity, local activity.
    totals: [(i32, i32); 3],
    cpu: Option<CpuTimes>,
}

impl Heartbeats {
    pub(crate) fn new(
        interval: Option<Duration>,
        workflow_polls: PollerBehavior,
        activity_polls: PollerBehavior,
    ) -> Self {
        let autoscaling = |b| matches!(b, PollerBehavior::Autoscaling { .. });
        Self {
            tally: Arc::default(),
            interval,
            start_time: SystemTime::now(),
            workflow_autoscaling: autoscaling(workflow_polls),
            activity_autoscaling: autoscaling(activity_polls),
            // The first heartbeat's CPU figure covers the time since the worker was made.
            previous: Mutex::new(Previous { cpu: CpuTimes::read(), ..Default::default() }),
        }
    }

    /// The worker's heartbeat now, as the previous one left the "since then" figures.
    pub(crate) fn heartbeat(&self, shared: &Shared) -> WorkerHeartbeat {
        let tally = &self.tally;
        let now = SystemTime::now();
        let mut previous = self.previous.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = previous.time.map(|t| now.duration_since(t).unwrap_or_default());
        previous.time = Some(now);
        let cpu = CpuTimes::read();
        let cpu_usage = match (previous.cpu, cpu) {
            (Some(before), Some(after)) => after.usage_since(before),
            _ => 0.0,
        };
        previous.cpu = cpu.or(previous.cpu);

        let activities_running = shared.running.lock().unwrap_or_else(|e| e.into_inner()).len();
        let local_free = shared.local_activity_permits.available_permits().min(shared.local_activity_slots);
        let kinds = [
            (
                shared.workflow_task_slots,
                tally.workflow_tasks_busy.load(Ordering::Relaxed),
                &tally.workflow_tasks,
                &tally.workflow_tasks_failed,
            ),
            (shared.activity_slots, activities_running, &tally.activities, &tally.activities_failed),
            (
                shared.local_activity_slots,
                shared.local_activity_slots - local_free,
                &tally.local_activities,
                &tally.local_activities_failed,
            ),
        ];
        let mut slots = kinds.iter().zip(previous.totals.iter_mut()).map(|((total, used, done, failed), last)| {
            let used = (*used).min(*total);
            let done = clamp(done.load(Ordering::Relaxed));
            let failed = clamp(failed.load(Ordering::Relaxed));
            let info = WorkerSlotsInfo {
                current_available_slots: clamp((total - used) as u64),
                current_used_slots: clamp(used as u64),
                slot_supplier_kind: "Fixed".into(),
                total_processed_tasks: done,
                total_failed_tasks: failed,
                last_interval_processed_tasks: done.saturating_sub(last.0),
                last_interval_failure_tasks: failed.saturating_sub(last.1),
            };
            *last = (done, failed);
            Some(info)
        });
        let (workflow_slots, activity_slots, local_activity_slots) =
            (slots.next().flatten(), slots.next().flatten(), slots.next().flatten());
        drop(previous);

        let shutting_down = shared.shutting_down.load(Ordering::SeqCst);
        WorkerHeartbeat {
            worker_instance_key: shared.instance_key.clone(),
            worker_identity: shared.client.identity().to_string(),
            host_info: Some(WorkerHostInfo {
                host_name: host_name(),
                worker_grouping_key: grouping_key().to_string(),
                process_id: std::process::id().to_string(),
                current_host_cpu_usage: cpu_usage as f32,
                current_host_mem_usage: memory_usage() as f32,
            }),
            task_queue: shared.task_queue.clone(),
            deployment_version: shared.deployment.as_ref().map(|d| WorkerDeploymentVersion {
                deployment_name: d.deployment_name.clone(),
                build_id: d.build_id.clone(),
            }),
            sdk_name: SDK_NAME.into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            status: if shutting_down { WorkerStatus::ShuttingDown } else { WorkerStatus::Running } as i32,
            start_time: Some(time_to_proto(self.start_time)),
            heartbeat_time: Some(time_to_proto(now)),
            elapsed_since_last_heartbeat: elapsed.map(duration_to_proto),
            workflow_task_slots_info: workflow_slots,
            activity_task_slots_info: activity_slots,
            local_activity_slots_info: local_activity_slots,
            workflow_poller_info: Some(tally.poller_info(PollKind::Workflow, self.workflow_autoscaling)),
            workflow_sticky_poller_info: Some(tally.poller_info(PollKind::StickyWorkflow, self.workflow_autoscaling)),
            activity_poller_info: Some(tally.poller_info(PollKind::Activity, self.activity_autoscaling)),
            total_sticky_cache_hit: clamp(tally.sticky_hits.load(Ordering::Relaxed)),
            total_sticky_cache_miss: clamp(tally.sticky_misses.load(Ordering::Relaxed)),
            current_sticky_cache_size: i32::try_from(tally.sticky_size.load(Ordering::Relaxed)).unwrap_or(i32::MAX),
            ..Default::default()
        }
    }
}

/// Sends a heartbeat every `interval` until shutdown. A failed heartbeat is logged and the next
/// one tried at its time; none outlasts its interval or holds up shutdown.
pub(crate) async fn run(shared: Arc<Shared>, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let req = RecordWorkerHeartbeatRequest {
            namespace: shared.client.namespace().to_string(),
            identity: shared.client.identity().to_string(),
            worker_heartbeat: vec![shared.heartbeats.heartbeat(&shared)],
            ..Default::default()
        };
        let call = shared.client.call_plain(CallKind::Idempotent, req);
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(interval, call) => outcome,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        match outcome {
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.code() == Some(tonic::Code::Unimplemented) => {
                tracing::debug!(error = %e, "the server does not take worker heartbeats; no more are sent");
                return;
            }
            Ok(Err(e)) => tracing::warn!(error = %e, task_queue = %shared.task_queue, "worker heartbeat failed"),
            Err(_) => tracing::warn!(task_queue = %shared.task_queue, "worker heartbeat timed out"),
        }
    }
}

/// Tells the server the worker is going (`ShutdownWorker`): so that tasks on its sticky queue
/// go to other workers at once, and, when it heartbeats, with its last heartbeat (status
/// shutting down, as sdk-core sends it). Without either there is nothing to say.
pub(crate) async fn shutdown_worker(shared: &Shared, heartbeating: bool) {
    if shared.sticky_queue.is_none() && !heartbeating {
        return;
    }
    let mut task_queue_types = Vec::new();
    if !shared.workflows.is_empty() {
        task_queue_types.push(TaskQueueType::Workflow as i32);
    }
    if !shared.activities.is_empty() && !shared.no_remote_activities {
        task_queue_types.push(TaskQueueType::Activity as i32);
    }
    let req = ShutdownWorkerRequest {
        namespace: shared.client.namespace().to_string(),
        sticky_task_queue: shared.sticky_queue.as_ref().map(|q| q.name.clone()).unwrap_or_default(),
        identity: shared.client.identity().to_string(),
        reason: "graceful shutdown".into(),
        worker_heartbeat: heartbeating.then(|| shared.heartbeats.heartbeat(shared)),
        worker_instance_key: shared.instance_key.clone(),
        task_queue: shared.task_queue.clone(),
        task_queue_types,
    };
    let call = shared.client.call_plain(CallKind::Idempotent, req);
    // A courtesy: a server that does not answer soon must not keep the worker from stopping.
    match tokio::time::timeout(SHUTDOWN_CALL_LIMIT, call).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, "ShutdownWorker failed"),
        Err(_) => tracing::debug!("ShutdownWorker timed out"),
    }
}

/// How long shutdown waits for the server to take `ShutdownWorker`.
const SHUTDOWN_CALL_LIMIT: Duration = Duration::from_secs(5);

/// The machine's name, as the client's default identity reads it.
fn host_name() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into())
    })
    .clone()
}

/// One key for all the workers of this process: the server groups the workers it lists by it.
fn grouping_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| uuid::Uuid::new_v4().to_string())
}

/// The machine's CPU time counters (`/proc/stat`, Linux only): busy and total jiffies.
#[derive(Debug, Clone, Copy)]
struct CpuTimes {
    busy: u64,
    total: u64,
}

impl CpuTimes {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        Self::parse(stat.lines().next()?)
    }

    /// The aggregate `cpu` line: user nice system idle iowait irq softirq steal ...
    fn parse(line: &str) -> Option<Self> {
        let mut fields = line.split_whitespace();
        if fields.next()? != "cpu" {
            return None;
        }
        let values: Vec<u64> = fields.take(8).map(|f| f.parse().ok()).collect::<Option<_>>()?;
        let total: u64 = values.iter().sum();
        let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
        Some(Self { busy: total.saturating_sub(idle), total })
    }

    /// The share of all cores' time spent busy since `before`, from 0 to 1.
    fn usage_since(self, before: Self) -> f64 {
        let total = self.total.saturating_sub(before.total);
        if total == 0 {
            return 0.0;
        }
        (self.busy.saturating_sub(before.busy) as f64 / total as f64).clamp(0.0, 1.0)
    }
}

/// The share of the machine's memory in use (`/proc/meminfo`, Linux only; 0 elsewhere).
fn memory_usage() -> f64 {
    std::fs::read_to_string("/proc/meminfo").map(|m| parse_meminfo(&m)).unwrap_or(0.0)
}

fn parse_meminfo(meminfo: &str) -> f64 {
    let field = |name: &str| {
        meminfo.lines().find_map(|l| l.strip_prefix(name)?.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    };
    match (field("MemTotal:"), field("MemAvailable:")) {
        (Some(total), Some(available)) if total > 0.0 => ((total - available) / total).clamp(0.0, 1.0),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_go_only_where_the_namespace_takes_them() {
        let with = Capabilities { worker_heartbeats: true, ..Default::default() };
        let without = Capabilities { worker_heartbeats: false, poller_autoscaling: true, ..Default::default() };
        let every = Some(Duration::from_secs(5));
        assert_eq!(interval_for(Some(&with), every), every);
        assert_eq!(interval_for(Some(&without), every), None);
        // A namespace that could not be described (a server without the call) gets none either.
        assert_eq!(interval_for(None, every), None);
        assert_eq!(interval_for(Some(&with), None), None);
    }

    #[test]
    fn intervals_are_checked_and_zero_turns_heartbeats_off() {
        assert_eq!(check_interval(None), Ok(None));
        assert_eq!(check_interval(Some(Duration::ZERO)), Ok(None));
        assert_eq!(check_interval(Some(DEFAULT_INTERVAL)), Ok(Some(DEFAULT_INTERVAL)));
        assert_eq!(check_interval(Some(Duration::from_secs(1))), Ok(Some(Duration::from_secs(1))));
        assert!(check_interval(Some(Duration::from_millis(500))).is_err());
        assert!(check_interval(Some(Duration::from_secs(61))).unwrap_err().contains("between 1 s and 60 s"));
    }

    #[test]
    fn the_tally_follows_the_metrics() {
        let tally = Arc::new(Tally::default());
        let meter = TallyMeter::new(Arc::new(crate::telemetry::NoopMeter), Arc::clone(&tally));
        let metrics = crate::telemetry::sdk_metrics::WorkerMetrics::new(&meter);
        metrics.workflow_task_execution.record(12.0, &[]);
        metrics.workflow_task_execution.record(3.0, &[]);
        metrics.workflow_task_failed.add(1, &[]);
        metrics.activity_execution.record(40.0, &[]);
        metrics.sticky_cache_hit.add(2, &[]);
        metrics.sticky_cache_size.set(7.0, &[]);
        metrics.num_pollers.set(4.0, &[("poller_type", "sticky_workflow_task")]);
        metrics.num_pollers.set(1.0, &[("poller_type", "activity_task")]);
        assert_eq!(tally.workflow_tasks.load(Ordering::Relaxed), 2);
        assert_eq!(tally.workflow_tasks_failed.load(Ordering::Relaxed), 1);
        assert_eq!(tally.activities.load(Ordering::Relaxed), 1);
        assert_eq!(tally.sticky_hits.load(Ordering::Relaxed), 2);
        assert_eq!(tally.sticky_size.load(Ordering::Relaxed), 7);
        assert_eq!(tally.pollers[PollKind::StickyWorkflow as usize].load(Ordering::Relaxed), 4);
        assert_eq!(tally.pollers[PollKind::Activity as usize].load(Ordering::Relaxed), 1);
        assert_eq!(tally.pollers[PollKind::Workflow as usize].load(Ordering::Relaxed), 0);
        let busy = tally.workflow_task();
        assert_eq!(tally.workflow_tasks_busy.load(Ordering::Relaxed), 1);
        drop(busy);
        assert_eq!(tally.workflow_tasks_busy.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn cpu_and_memory_figures_are_shares() {
        let before = CpuTimes::parse("cpu  100 0 100 700 100 0 0 0 0 0").expect("a cpu line");
        let after = CpuTimes::parse("cpu  200 0 200 800 100 0 0 0 0 0").expect("a cpu line");
        assert!((after.usage_since(before) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(after.usage_since(after), 0.0);
        assert!(CpuTimes::parse("cpu0 1 2 3 4").is_none());
        let meminfo = "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    750 kB\n";
        assert!((parse_meminfo(meminfo) - 0.25).abs() < 1e-9);
        assert_eq!(parse_meminfo("nothing"), 0.0);
    }
}
