//! The SDK's own metrics, with the names, units and labels of the other Temporal SDKs (the SDK
//! metrics reference on docs.temporal.io), so existing dashboards read a Rust worker too.
//! Latencies are histograms in milliseconds, as the other SDKs record them by default.

use std::sync::Arc;
use std::time::Duration;

use super::meter::{Counter, Gauge, Histogram, MetricDef, MetricMeter};

/// Declares a bundle of instruments: `field: kind "name" "description"`.
macro_rules! instruments {
    ($(#[$doc:meta])* $bundle:ident { $($field:ident: $kind:ident $name:literal $description:literal,)* }) => {
        $(#[$doc])*
        pub(crate) struct $bundle {
            $(pub(crate) $field: Arc<dyn $kind>,)*
        }

        impl $bundle {
            pub(crate) fn new(meter: &dyn MetricMeter) -> Self {
                Self { $($field: instruments!(@make meter, $kind, $name, $description),)* }
            }
        }

        impl std::fmt::Debug for $bundle {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($bundle)).finish_non_exhaustive()
            }
        }
    };
    (@make $meter:ident, Counter, $name:literal, $description:literal) => {
        $meter.counter(&MetricDef::new($name, $description))
    };
    (@make $meter:ident, Gauge, $name:literal, $description:literal) => {
        $meter.gauge(&MetricDef::new($name, $description))
    };
    (@make $meter:ident, Histogram, $name:literal, $description:literal) => {
        $meter.histogram(&MetricDef::new($name, $description).unit("ms"))
    };
}

instruments! {
    /// Calls to the server, by `operation` and `namespace` (long polls apart), and `task_queue`
    /// for the calls that name one (starts and polls), as the other SDKs label them.
    ClientMetrics {
        request: Counter "temporal_request" "Client calls to the Temporal server",
        request_failure: Counter "temporal_request_failure" "Client calls that failed, by status_code",
        request_latency: Histogram "temporal_request_latency" "Latency of client calls, retries included",
        long_request: Counter "temporal_long_request" "Long-poll calls to the Temporal server",
        long_request_failure: Counter "temporal_long_request_failure" "Long-poll calls that failed, by status_code",
        long_request_latency: Histogram "temporal_long_request_latency" "Latency of long-poll calls",
    }
}

instruments! {
    /// A worker's workflow, activity and cache metrics, labelled with `namespace` and
    /// `task_queue` and, where they apply, `workflow_type`, `activity_type`, `worker_type` and
    /// `poller_type`.
    WorkerMetrics {
        worker_start: Counter "temporal_worker_start" "Workers started",
        workflow_poll_succeed: Counter "temporal_workflow_task_queue_poll_succeed" "Workflow task polls that returned a task",
        workflow_poll_empty: Counter "temporal_workflow_task_queue_poll_empty" "Workflow task polls that returned none",
        workflow_task_schedule_to_start: Histogram "temporal_workflow_task_schedule_to_start_latency" "Time a workflow task waited in its queue",
        workflow_task_execution: Histogram "temporal_workflow_task_execution_latency" "Time the worker spent on a workflow task",
        workflow_task_replay: Histogram "temporal_workflow_task_replay_latency" "Time spent replaying history for a workflow task",
        workflow_task_failed: Counter "temporal_workflow_task_execution_failed" "Workflow tasks that failed, by failure_reason",
        workflow_completed: Counter "temporal_workflow_completed" "Workflows that completed",
        workflow_failed: Counter "temporal_workflow_failed" "Workflows that failed",
        workflow_canceled: Counter "temporal_workflow_canceled" "Workflows that were cancelled",
        workflow_continue_as_new: Counter "temporal_workflow_continue_as_new" "Workflows that continued as new",
        workflow_endtoend: Histogram "temporal_workflow_endtoend_latency" "Time from a workflow's start to its close",
        sticky_cache_hit: Counter "temporal_sticky_cache_hit" "Workflow tasks served from the run cache",
        sticky_cache_miss: Counter "temporal_sticky_cache_miss" "Workflow tasks that found no cached run",
        sticky_cache_size: Gauge "temporal_sticky_cache_size" "Runs in the cache",
        slots_available: Gauge "temporal_worker_task_slots_available" "Free task slots, by worker_type",
        slots_used: Gauge "temporal_worker_task_slots_used" "Task slots in use, by worker_type",
        num_pollers: Gauge "temporal_num_pollers" "Pollers, by poller_type",
        activity_task_received: Counter "temporal_activity_task_received" "Activity tasks received, polled or eager",
        activity_poll_no_task: Counter "temporal_activity_poll_no_task" "Activity task polls that returned none",
        activity_schedule_to_start: Histogram "temporal_activity_schedule_to_start_latency" "Time an activity task waited in its queue",
        activity_execution: Histogram "temporal_activity_execution_latency" "Time an activity attempt ran",
        activity_succeed_endtoend: Histogram "temporal_activity_succeed_endtoend_latency" "Time from an activity's scheduling to its success",
        activity_failed: Counter "temporal_activity_execution_failed" "Activity attempts that failed",
        activity_cancelled: Counter "temporal_activity_execution_cancelled" "Activity attempts that were cancelled",
        local_activity_total: Counter "temporal_local_activity_total" "Local activity attempts",
        local_activity_execution: Histogram "temporal_local_activity_execution_latency" "Time a local activity attempt ran",
        local_activity_failed: Counter "temporal_local_activity_execution_failed" "Local activity attempts that failed",
        local_activity_cancelled: Counter "temporal_local_activity_execution_cancelled" "Local activity attempts that were cancelled",
    }
}

/// A duration in the milliseconds the latency histograms record.
pub(crate) fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
