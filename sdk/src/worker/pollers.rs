//! How many long polls a worker keeps open per task queue: a fixed maximum, or a number that
//! follows the server's scaling suggestions (poller autoscaling).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use crate::protos::temporal::api::taskqueue::v1::PollerScalingDecision;

/// How a worker polls a task queue for one kind of task (Python's `PollerBehaviorSimpleMaximum`
/// and `PollerBehaviorAutoscaling`).
///
/// ```
/// use temporal_sdk::WorkerOptions;
/// use temporal_sdk::worker::PollerBehavior;
///
/// let options = WorkerOptions::new("orders")
///     .workflow_task_poller_behavior(PollerBehavior::Autoscaling { minimum: 1, maximum: 20, initial: 5 })
///     .activity_task_poller_behavior(PollerBehavior::SimpleMaximum(10));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollerBehavior {
    /// Polls whenever a task slot is free, with at most this many polls open. A workflow
    /// worker with a sticky cache splits them between its sticky and its shared queue (at
    /// least one each).
    SimpleMaximum(usize),
    /// Starts with `initial` polls and follows the server's suggestions (the
    /// `poller_scaling_decision` of poll responses), never fewer than `minimum` nor more than
    /// `maximum` (nor more than free task slots). A workflow worker with a sticky cache scales
    /// its sticky and its shared queue each within these bounds, as sdk-core does.
    Autoscaling {
        /// Polls kept open at least (when slots are free); at least 1.
        minimum: usize,
        /// Polls open at most; at least `minimum`.
        maximum: usize,
        /// Polls open at first; between `minimum` and `maximum`.
        initial: usize,
    },
}

impl Default for PollerBehavior {
    /// Five polls at most, as in Python.
    fn default() -> Self {
        Self::SimpleMaximum(5)
    }
}

impl PollerBehavior {
    /// The checks sdk-core makes (`what` names the option in the message).
    pub(crate) fn validate(&self, what: &str) -> Result<(), String> {
        match *self {
            Self::SimpleMaximum(0) => Err(format!("{what}: SimpleMaximum must be at least 1")),
            Self::SimpleMaximum(_) => Ok(()),
            Self::Autoscaling { minimum, maximum, initial } => {
                if minimum < 1 {
                    Err(format!("{what}: the autoscaling minimum must be at least 1"))
                } else if maximum < minimum {
                    Err(format!("{what}: the autoscaling maximum ({maximum}) is below the minimum ({minimum})"))
                } else if initial < minimum || initial > maximum {
                    Err(format!(
                        "{what}: the autoscaling initial count ({initial}) must be between minimum ({minimum}) and \
                         maximum ({maximum})"
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// What a poll gave, for the scaler.
pub(crate) enum PollOutcome<'a> {
    /// A response: a task (`empty == false`) or a poll that timed out empty.
    Response { empty: bool, decision: Option<&'a PollerScalingDecision> },
    /// The server refused the poll.
    Error(tonic::Code),
}

/// The number of polls of one queue: how many may be open (`target`) and how many are.
///
/// The rules are sdk-core's: a scale-down suggestion is always followed; a scale-up one only
/// while the tasks taken per 100 ms still grow (more polls would not help a worker that cannot
/// take more); an empty poll takes one poll away once the server is known to make suggestions;
/// errors take one away (`RESOURCE_EXHAUSTED` halves the count).
pub(crate) struct PollScaler {
    minimum: usize,
    maximum: usize,
    autoscaling: bool,
    /// Whether the namespace says its server makes scaling suggestions.
    server_autoscales: bool,
    target: AtomicUsize,
    active: watch::Sender<usize>,
    ever_saw_decision: AtomicBool,
    ingested_this_period: AtomicUsize,
    ingested_last_period: AtomicUsize,
    scale_up_allowed: AtomicBool,
    /// Told the number of open polls whenever it changes (the `temporal_num_pollers` gauge).
    on_change: Box<dyn Fn(usize) + Send + Sync>,
}

/// One open poll; dropping it makes room for the next.
pub(crate) struct PollTurn(Arc<PollScaler>);

impl Drop for PollTurn {
    fn drop(&mut self) {
        let scaler = &self.0;
        scaler.active.send_modify(|n| {
            *n = n.saturating_sub(1);
            (scaler.on_change)(*n);
        });
    }
}

impl PollScaler {
    pub(crate) fn new(
        behavior: PollerBehavior,
        server_autoscales: bool,
        on_change: impl Fn(usize) + Send + Sync + 'static,
    ) -> Arc<Self> {
        let (minimum, maximum, initial, autoscaling) = match behavior {
            PollerBehavior::SimpleMaximum(n) => (1, n.max(1), n.max(1), false),
            PollerBehavior::Autoscaling { minimum, maximum, initial } => (minimum, maximum, initial, true),
        };
        (on_change)(0);
        Arc::new(Self {
            minimum,
            maximum,
            autoscaling,
            server_autoscales,
            target: AtomicUsize::new(initial),
            active: watch::channel(0).0,
            ever_saw_decision: AtomicBool::new(false),
            ingested_this_period: AtomicUsize::new(0),
            ingested_last_period: AtomicUsize::new(0),
            scale_up_allowed: AtomicBool::new(true),
            on_change: Box::new(on_change),
        })
    }

    /// Waits until another poll may open, and counts it open.
    pub(crate) async fn turn(self: &Arc<Self>) -> PollTurn {
        let mut active = self.active.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = active.wait_for(|n| *n < self.maximum && *n < self.target.load(Ordering::Relaxed)).await;
        self.active.send_modify(|n| {
            *n += 1;
            (self.on_change)(*n);
        });
        PollTurn(Arc::clone(self))
    }

    /// Waits until no poll is open.
    pub(crate) async fn idle(&self) {
        let _ = self.active.subscribe().wait_for(|n| *n == 0).await;
    }

    /// The number of polls that may be open now.
    #[cfg(test)]
    fn target(&self) -> usize {
        self.target.load(Ordering::Relaxed)
    }

    /// Adjusts the target to what a poll gave.
    pub(crate) fn report(&self, outcome: PollOutcome<'_>) {
        if !self.autoscaling {
            return;
        }
        let can_scale_down = self.ever_saw_decision.load(Ordering::Relaxed) || self.server_autoscales;
        match outcome {
            PollOutcome::Response { empty, decision } => {
                if !empty {
                    self.ingested_this_period.fetch_add(1, Ordering::Relaxed);
                }
                match decision {
                    Some(decision) => {
                        self.ever_saw_decision.store(true, Ordering::Relaxed);
                        let delta = decision.poll_request_delta_suggestion;
                        if delta < 0 {
                            self.change(|t| t.saturating_sub(delta.unsigned_abs() as usize));
                        } else if delta > 0 && self.scale_up_allowed.load(Ordering::Relaxed) {
                            self.change(|t| t.saturating_add(delta as usize));
                        }
                    }
                    None if empty && can_scale_down => self.change(|t| t.saturating_sub(1)),
                    None => {}
                }
            }
            PollOutcome::Error(code) if can_scale_down => {
                if code == tonic::Code::ResourceExhausted {
                    self.change(|t| t / 2);
                } else {
                    self.change(|t| t.saturating_sub(1));
                }
            }
            PollOutcome::Error(_) => {}
        }
    }

    fn change(&self, f: impl Fn(usize) -> usize) {
        let _ = self
            .target
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| Some(f(t).clamp(self.minimum, self.maximum)));
        // Wakes a waiting `turn` when the target grew.
        self.active.send_modify(|_| {});
    }

    /// Every 100 ms, allows scaling up only if more tasks came in than in the period before
    /// (by 10 %): until the worker stops.
    pub(crate) async fn measure(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        if !self.autoscaling {
            return;
        }
        let mut tick = tokio::time::interval(PERIOD);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
            let ingested = self.ingested_this_period.swap(0, Ordering::Relaxed);
            let last = self.ingested_last_period.swap(ingested, Ordering::Relaxed);
            self.scale_up_allowed.store(ingested as f64 >= last as f64 * 1.1, Ordering::Relaxed);
        }
    }
}

/// The period over which the tasks taken are counted.
const PERIOD: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(delta: i32) -> PollerScalingDecision {
        PollerScalingDecision { poll_request_delta_suggestion: delta }
    }

    #[test]
    fn behaviours_are_checked() {
        assert!(PollerBehavior::SimpleMaximum(0).validate("x").is_err());
        assert!(PollerBehavior::Autoscaling { minimum: 0, maximum: 5, initial: 1 }.validate("x").is_err());
        assert!(PollerBehavior::Autoscaling { minimum: 3, maximum: 2, initial: 2 }.validate("x").is_err());
        assert!(PollerBehavior::Autoscaling { minimum: 1, maximum: 5, initial: 6 }.validate("x").is_err());
        assert!(PollerBehavior::Autoscaling { minimum: 1, maximum: 5, initial: 5 }.validate("x").is_ok());
    }

    #[test]
    fn suggestions_move_the_target_within_the_bounds() {
        let scaler = PollScaler::new(PollerBehavior::Autoscaling { minimum: 2, maximum: 4, initial: 3 }, false, |_| {});
        // No suggestion seen and no capability: an empty poll changes nothing.
        scaler.report(PollOutcome::Response { empty: true, decision: None });
        assert_eq!(scaler.target(), 3);
        for _ in 0..5 {
            scaler.report(PollOutcome::Response { empty: false, decision: Some(&decision(1)) });
        }
        assert_eq!(scaler.target(), 4);
        scaler.report(PollOutcome::Response { empty: false, decision: Some(&decision(-1)) });
        assert_eq!(scaler.target(), 3);
        // Suggestions were seen: empty polls now scale down, to the minimum and no further.
        for _ in 0..5 {
            scaler.report(PollOutcome::Response { empty: true, decision: None });
        }
        assert_eq!(scaler.target(), 2);
        scaler.report(PollOutcome::Error(tonic::Code::ResourceExhausted));
        assert_eq!(scaler.target(), 2);
    }

    #[test]
    fn a_fixed_maximum_ignores_suggestions() {
        let scaler = PollScaler::new(PollerBehavior::SimpleMaximum(5), true, |_| {});
        scaler.report(PollOutcome::Response { empty: true, decision: Some(&decision(-1)) });
        assert_eq!(scaler.target(), 5);
    }

    #[tokio::test]
    async fn turns_are_limited_by_the_target_and_reported() {
        let seen = Arc::new(AtomicUsize::new(usize::MAX));
        let gauge = Arc::clone(&seen);
        let scaler =
            PollScaler::new(PollerBehavior::Autoscaling { minimum: 1, maximum: 3, initial: 1 }, true, move |n| {
                gauge.store(n, Ordering::Relaxed)
            });
        let first = scaler.turn().await;
        assert_eq!(seen.load(Ordering::Relaxed), 1);
        let second = tokio::time::timeout(Duration::from_millis(50), scaler.turn()).await;
        assert!(second.is_err(), "the target is one poll");
        scaler.report(PollOutcome::Response { empty: false, decision: Some(&decision(1)) });
        let second = tokio::time::timeout(Duration::from_millis(500), scaler.turn()).await.expect("a second turn");
        assert_eq!(seen.load(Ordering::Relaxed), 2);
        drop((first, second));
        assert_eq!(seen.load(Ordering::Relaxed), 0);
        scaler.idle().await;
    }
}
