//! Small types shared by the client, workflows and activities.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::protos::temporal::api::common::v1 as proto;

/// How the server retries a failed activity or workflow.
///
/// Unset fields take the server's defaults (1 s initial interval, coefficient 2, 100 s
/// maximum interval, unlimited attempts).
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .initial_interval(Duration::from_millis(100))
///     .maximum_attempts(3)
///     .non_retryable_error_types(["PaymentError"]);
/// assert_eq!(policy.maximum_attempts, 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetryPolicy {
    /// Backoff before the first retry.
    pub initial_interval: Option<Duration>,
    /// Growth factor of the backoff.
    pub backoff_coefficient: Option<f64>,
    /// Cap of the backoff.
    pub maximum_interval: Option<Duration>,
    /// Attempts in all, including the first; 0 means unlimited.
    pub maximum_attempts: i32,
    /// Application error types that are never retried.
    pub non_retryable_error_types: Vec<String>,
}

impl RetryPolicy {
    /// Sets the backoff before the first retry.
    pub fn initial_interval(mut self, d: Duration) -> Self {
        self.initial_interval = Some(d);
        self
    }
    /// Sets the growth factor of the backoff.
    pub fn backoff_coefficient(mut self, c: f64) -> Self {
        self.backoff_coefficient = Some(c);
        self
    }
    /// Sets the cap of the backoff.
    pub fn maximum_interval(mut self, d: Duration) -> Self {
        self.maximum_interval = Some(d);
        self
    }
    /// Sets the number of attempts in all (0: unlimited).
    pub fn maximum_attempts(mut self, n: i32) -> Self {
        self.maximum_attempts = n;
        self
    }
    /// Sets the application error types that are never retried.
    pub fn non_retryable_error_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.non_retryable_error_types = types.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn to_proto(&self) -> proto::RetryPolicy {
        proto::RetryPolicy {
            initial_interval: self.initial_interval.map(duration_to_proto),
            backoff_coefficient: self.backoff_coefficient.unwrap_or(0.0),
            maximum_interval: self.maximum_interval.map(duration_to_proto),
            maximum_attempts: self.maximum_attempts,
            non_retryable_error_types: self.non_retryable_error_types.clone(),
        }
    }

    pub(crate) fn from_proto(p: &proto::RetryPolicy) -> Self {
        Self {
            initial_interval: p.initial_interval.as_ref().map(duration_from_proto),
            backoff_coefficient: Some(p.backoff_coefficient).filter(|c| *c != 0.0),
            maximum_interval: p.maximum_interval.as_ref().map(duration_from_proto),
            maximum_attempts: p.maximum_attempts,
            non_retryable_error_types: p.non_retryable_error_types.clone(),
        }
    }
}

/// The priority and fairness of a workflow's (or activity's) tasks, as Python's `Priority`.
///
/// A lower `priority_key` runs first (1 is the highest; unset takes the server's default,
/// the middle of the range). Tasks with the same key are shared between fairness keys in
/// proportion to their weights.
///
/// ```
/// use temporal_sdk::Priority;
///
/// let urgent = Priority::key(1);
/// let tenant = Priority::default().fairness("tenant-42", 0.5);
/// assert_eq!(urgent.priority_key, Some(1));
/// # let _ = tenant;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Priority {
    /// 1 (first) to the server's maximum (5 by default); `None` for the default.
    pub priority_key: Option<u32>,
    /// The key tasks are balanced by (a tenant, a customer), at most 64 bytes.
    pub fairness_key: Option<String>,
    /// The share of the fairness key (default 1.0).
    pub fairness_weight: Option<f32>,
}

impl Priority {
    /// A priority with this key.
    pub fn key(priority_key: u32) -> Self {
        Self { priority_key: Some(priority_key), ..Self::default() }
    }
    /// Sets the fairness key and weight.
    pub fn fairness(mut self, key: impl Into<String>, weight: f32) -> Self {
        self.fairness_key = Some(key.into());
        self.fairness_weight = Some(weight);
        self
    }

    pub(crate) fn to_proto(&self) -> proto::Priority {
        proto::Priority {
            priority_key: self.priority_key.map_or(0, |k| i32::try_from(k).unwrap_or(i32::MAX)),
            fairness_key: self.fairness_key.clone().unwrap_or_default(),
            fairness_weight: self.fairness_weight.unwrap_or(0.0),
        }
    }

    pub(crate) fn from_proto(p: &proto::Priority) -> Self {
        Self {
            priority_key: u32::try_from(p.priority_key).ok().filter(|k| *k != 0),
            fairness_key: Some(p.fairness_key.clone()).filter(|k| !k.is_empty()),
            fairness_weight: Some(p.fairness_weight).filter(|w| *w != 0.0),
        }
    }
}

pub(crate) fn duration_to_proto(d: Duration) -> prost_wkt_types::Duration {
    prost_wkt_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: d.subsec_nanos() as i32,
    }
}

pub(crate) fn duration_from_proto(d: &prost_wkt_types::Duration) -> Duration {
    if d.seconds < 0 || d.nanos < 0 {
        return Duration::ZERO;
    }
    Duration::new(d.seconds as u64, d.nanos as u32)
}

pub(crate) fn time_from_proto(t: &prost_wkt_types::Timestamp) -> SystemTime {
    if t.seconds >= 0 {
        UNIX_EPOCH + Duration::new(t.seconds as u64, t.nanos.max(0) as u32)
    } else {
        UNIX_EPOCH - Duration::from_secs(t.seconds.unsigned_abs())
    }
}

pub(crate) fn time_to_proto(t: SystemTime) -> prost_wkt_types::Timestamp {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    prost_wkt_types::Timestamp { seconds: d.as_secs() as i64, nanos: d.subsec_nanos() as i32 }
}
