//! Which failed calls are tried again, and how long to wait in between: sdk-core's rules
//! (`crates/client/src/retry.rs`), plus retries of the failures a server's connection
//! rotation and an overloaded server cause.

use std::time::Duration;

use tonic::{Code, Status};

/// How a call is retried when the server is briefly unavailable or overloaded.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::ClientOptions;
/// use temporal_sdk::client::RetryConfig;
///
/// let patient = RetryConfig { max_elapsed: Some(Duration::from_secs(60)), ..RetryConfig::default() };
/// let options = ClientOptions::new("localhost:7233").retry(patient);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Backoff before the first retry.
    pub initial_interval: Duration,
    /// Growth factor of the backoff.
    pub multiplier: f64,
    /// Cap of the backoff.
    pub max_interval: Duration,
    /// Give up once this much time has gone by since the first attempt (`None`: never).
    /// Attempts cut off by the call's deadline do not count: one such attempt would
    /// otherwise use up a budget shorter than the deadline; they count against
    /// `max_retries` only.
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
    ///
    /// ```
    /// let forever = temporal_sdk::client::RetryConfig::forever();
    /// assert_eq!(forever.max_retries, None);
    /// ```
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
    ///
    /// ```
    /// let none = temporal_sdk::client::RetryConfig::none();
    /// assert_eq!(none.max_retries, Some(0));
    /// ```
    pub fn none() -> Self {
        Self { max_retries: Some(0), ..Self::default() }
    }

    /// The extra backoff of RESOURCE_EXHAUSTED: the server asks for less traffic, so waiting
    /// only the usual 100 ms would add to its load.
    fn throttle() -> Self {
        Self { initial_interval: Duration::from_secs(1), ..Self::forever() }
    }

    /// The backoff before retry number `retry` (1-based), with ±20% jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let base = self.initial_interval.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = base.min(self.max_interval.as_secs_f64());
        let jitter = 0.8 + 0.4 * random_unit();
        Duration::from_secs_f64(capped * jitter)
    }
}

fn random_unit() -> f64 {
    (uuid::Uuid::new_v4().as_u128() as u64 >> 11) as f64 / (1u64 << 53) as f64
}

/// What a call is, as far as repeating it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// Changes something and carries nothing the server could recognise a repeat by
    /// (terminate): not repeated after a deadline, when it may have taken effect.
    Normal,
    /// Safe to send twice: a read, or a call the server deduplicates (by request id, update
    /// id or task token: a second completion of the same task is refused with NOT_FOUND).
    Idempotent,
    /// A long poll a caller waits on (a workflow's result, an update's outcome). The server
    /// answers before the deadline, so a deadline that runs out is only a slow server.
    UserLongPoll,
    /// A worker's poll for tasks: there is nothing to do but poll again, so every failure is
    /// retried for a while and the transient ones forever.
    TaskPoll,
}

/// How long a task poll keeps retrying codes that are normally final: proxies and load
/// balancers answer with odd codes while they start.
const TASK_POLL_FATAL_GRACE: Duration = Duration::from_secs(60);

/// Why a call failed, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A code a server uses for trouble that passes.
    Transient,
    /// RESOURCE_EXHAUSTED: the server is overloaded or rate limits this client.
    Throttled,
    /// The call's deadline ran out: the client gave up waiting (CANCELLED "Timeout expired")
    /// or the server did (DEADLINE_EXCEEDED). The server may still have acted on it.
    DeadlineExpired,
    /// The server's final word (invalid argument, not found, ...).
    Final,
}

impl Failure {
    pub(crate) fn of(status: &Status) -> Failure {
        match status.code() {
            Code::ResourceExhausted if is_message_too_large(status.message()) => Failure::Final,
            Code::ResourceExhausted => Failure::Throttled,
            Code::DataLoss | Code::Internal | Code::Unknown | Code::Aborted | Code::OutOfRange | Code::Unavailable => {
                Failure::Transient
            }
            Code::DeadlineExceeded => Failure::DeadlineExpired,
            Code::Cancelled if caused_by::<tonic::TimeoutExpired>(status) => Failure::DeadlineExpired,
            // A request the server never saw is sent again by the transport itself, before any
            // status exists; any other CANCELLED is the server's word.
            _ => Failure::Final,
        }
    }
}

impl CallKind {
    /// Whether a call of this kind that failed this way may be tried again, `since_start` after
    /// its first attempt.
    pub(crate) fn retries(self, failure: Failure, since_start: Duration) -> bool {
        match failure {
            Failure::Transient | Failure::Throttled => true,
            Failure::DeadlineExpired => self != CallKind::Normal,
            Failure::Final => self == CallKind::TaskPoll && since_start <= TASK_POLL_FATAL_GRACE,
        }
    }

    /// The retry schedule of this kind of call, given the client's configuration of
    /// ordinary calls.
    pub(crate) fn config(self, ordinary: &RetryConfig) -> RetryConfig {
        match self {
            CallKind::Normal | CallKind::Idempotent => ordinary.clone(),
            CallKind::UserLongPoll | CallKind::TaskPoll => RetryConfig::forever(),
        }
    }
}

/// The wait before retry number `retry` of a call that failed this way.
pub(crate) fn backoff(config: &RetryConfig, failure: Failure, retry: u32) -> Duration {
    match failure {
        Failure::Throttled => config.backoff(retry).max(RetryConfig::throttle().backoff(retry)),
        // Only task polls retry final codes; the grace period is meant to be waited out slowly.
        Failure::Final => config.max_interval,
        _ => config.backoff(retry),
    }
}

/// sdk-core never retries a message over gRPC's size limit: it will not shrink.
fn is_message_too_large(message: &str) -> bool {
    [
        "grpc: received message larger than max",
        "grpc: message after decompression larger than max",
        "grpc: received message after decompression larger than max",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

/// Whether `status` was made on this side because of an `E` (its source chain holds one).
pub(crate) fn caused_by<E: std::error::Error + 'static>(status: &Status) -> bool {
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if error.is::<E>() {
            return true;
        }
        source = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::client::transport::TransportError;

    fn status_from(error: impl std::error::Error + Send + Sync + 'static) -> Status {
        Status::from_error(Box::new(error))
    }

    #[test]
    fn backoff_grows_and_caps() {
        let c = RetryConfig::default();
        let b1 = c.backoff(1).as_secs_f64();
        assert!((0.08..=0.12).contains(&b1), "{b1}");
        let b20 = c.backoff(20).as_secs_f64();
        assert!((4.0..=6.0).contains(&b20), "{b20}");
        assert!(c.backoff(u32::MAX) <= Duration::from_secs(6));
    }

    #[test]
    fn throttled_calls_wait_at_least_the_throttle_backoff() {
        let c = RetryConfig::default();
        let b = backoff(&c, Failure::Throttled, 1);
        assert!(b >= Duration::from_millis(800), "{b:?}");
        let b = backoff(&c, Failure::Throttled, 3);
        assert!(b >= Duration::from_millis(3200), "{b:?}");
    }

    #[test]
    fn codes_are_classified_like_sdk_core() {
        for code in [Code::DataLoss, Code::Internal, Code::Unknown, Code::Aborted, Code::OutOfRange, Code::Unavailable]
        {
            assert_eq!(Failure::of(&Status::new(code, "x")), Failure::Transient, "{code:?}");
        }
        assert_eq!(Failure::of(&Status::resource_exhausted("slow down")), Failure::Throttled);
        assert_eq!(
            Failure::of(&Status::resource_exhausted("grpc: received message larger than max (5 vs. 4)")),
            Failure::Final
        );
        for code in [
            Code::InvalidArgument,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::FailedPrecondition,
            Code::Unauthenticated,
            Code::Unimplemented,
        ] {
            assert_eq!(Failure::of(&Status::new(code, "x")), Failure::Final, "{code:?}");
        }
        assert_eq!(Failure::of(&Status::deadline_exceeded("context deadline exceeded")), Failure::DeadlineExpired);
    }

    #[test]
    fn cancels_are_told_apart_by_their_cause() {
        // Our own deadline: tonic's timeout layer.
        let ours = status_from(tonic::TimeoutExpired(()));
        assert_eq!(ours.code(), Code::Cancelled);
        assert_eq!(Failure::of(&ours), Failure::DeadlineExpired);
        // Sent by the server: no local cause, its word is final.
        assert_eq!(Failure::of(&Status::cancelled("cancelled by the server")), Failure::Final);
        // The server's RST_STREAM CANCEL, as the transport reports it (its HTTP/2 error as the
        // cause): final too.
        let mut reset = Status::cancelled("reading the answer: stream error received: operation was cancelled");
        reset.set_source(Arc::new(TransportError::Http2(h2::Error::from(h2::Reason::CANCEL))));
        assert_eq!(Failure::of(&reset), Failure::Final);
    }

    #[test]
    fn which_calls_retry_what() {
        let t = Duration::ZERO;
        for kind in [CallKind::Normal, CallKind::Idempotent, CallKind::UserLongPoll, CallKind::TaskPoll] {
            // A connection broken under a call is UNAVAILABLE: retried, completions included.
            assert!(kind.retries(Failure::Transient, t), "{kind:?}");
            assert!(kind.retries(Failure::Throttled, t), "{kind:?}");
        }
        assert!(!CallKind::Normal.retries(Failure::DeadlineExpired, t));
        assert!(CallKind::Idempotent.retries(Failure::DeadlineExpired, t));
        assert!(CallKind::UserLongPoll.retries(Failure::DeadlineExpired, t));
        assert!(CallKind::TaskPoll.retries(Failure::DeadlineExpired, t));
        assert!(!CallKind::Idempotent.retries(Failure::Final, t));
        assert!(CallKind::TaskPoll.retries(Failure::Final, Duration::from_secs(59)));
        assert!(!CallKind::TaskPoll.retries(Failure::Final, Duration::from_secs(61)));
    }
}
