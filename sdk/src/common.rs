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
