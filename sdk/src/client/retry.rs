//! Retrying transient gRPC failures with exponential backoff and jitter.

use std::time::Duration;

use tonic::Code;

/// How a call is retried when the server is briefly unavailable or overloaded.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Backoff before the first retry.
    pub initial_interval: Duration,
    /// Growth factor of the backoff.
    pub multiplier: f64,
    /// Cap of the backoff.
    pub max_interval: Duration,
    /// Give up after this much time in all (`None`: never).
    pub max_elapsed: Option<Duration>,
    /// Give up after this many retries (`None`: never).
    pub max_retries: Option<u32>,
}

impl Default for RetryConfig {
    /// 100 ms initial backoff, x1.7, at most 5 s apart, for at most 10 s or 10 retries.
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_millis(100),
            multiplier: 1.7,
            max_interval: Duration::from_secs(5),
            max_elapsed: Some(Duration::from_secs(10)),
            max_retries: Some(10),
        }
    }
}

impl RetryConfig {
    /// For long polls: retried forever, up to 10 s apart, so a worker survives a server that
    /// goes away and comes back.
    pub fn forever() -> Self {
        Self {
            initial_interval: Duration::from_millis(200),
            multiplier: 2.0,
            max_interval: Duration::from_secs(10),
            max_elapsed: None,
            max_retries: None,
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        Self { max_retries: Some(0), ..Self::default() }
    }

    /// The backoff before retry number `attempt` (1-based), with ±20% jitter.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let base = self.initial_interval.as_secs_f64() * self.multiplier.powi(attempt.saturating_sub(1) as i32);
        let capped = base.min(self.max_interval.as_secs_f64());
        let jitter = 0.8 + 0.4 * random_unit();
        Duration::from_secs_f64(capped * jitter)
    }
}

fn random_unit() -> f64 {
    (uuid::Uuid::new_v4().as_u128() as u64 >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether a failed call may succeed when tried again.
pub(crate) fn is_retryable(code: Code, long_poll: bool) -> bool {
    matches!(
        code,
        Code::DataLoss
            | Code::Internal
            | Code::Unknown
            | Code::ResourceExhausted
            | Code::Aborted
            | Code::OutOfRange
            | Code::Unavailable
    ) || (long_poll && matches!(code, Code::Cancelled | Code::DeadlineExceeded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let c = RetryConfig::default();
        let b1 = c.backoff(1).as_secs_f64();
        assert!((0.08..=0.12).contains(&b1), "{b1}");
        let b20 = c.backoff(20).as_secs_f64();
        assert!((4.0..=6.0).contains(&b20), "{b20}");
        assert!(is_retryable(Code::Unavailable, false));
        assert!(!is_retryable(Code::InvalidArgument, false));
        assert!(is_retryable(Code::DeadlineExceeded, true));
    }
}
