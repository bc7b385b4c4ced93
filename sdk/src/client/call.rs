//! One call to the workflow service: headers, deadline, and retries by the rules of
//! [`retry`](super::retry).

use std::future::Future;
use std::time::{Duration, Instant};

use tonic::metadata::MetadataValue;

use super::intercept::{ClientNext, ClientRequest, ClientResponse, Intercepted};
use super::retry::{self, CallKind};
use super::rpc::{Encoded, Rpc};
use super::{CALL_TIMEOUT, Client, ClientError, LONG_POLL_TIMEOUT, RpcFailure};
use crate::converter::visit::Visit;
use crate::telemetry::sdk_metrics::millis;
use futures::TryFutureExt;
use futures::future::BoxFuture;

/// Metadata entries as gRPC headers; names are lower-cased, as HTTP/2 requires.
pub(crate) fn metadata_map(
    entries: &std::collections::HashMap<String, String>,
) -> Result<tonic::metadata::MetadataMap, ClientError> {
    let mut map = tonic::metadata::MetadataMap::new();
    for (key, value) in entries {
        let name = tonic::metadata::AsciiMetadataKey::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|_| ClientError::InvalidOptions(format!("{key:?} is not a valid gRPC metadata name")))?;
        let value = MetadataValue::try_from(value.as_str()).map_err(|_| {
            ClientError::InvalidOptions(format!("the value of gRPC metadata {key:?} is not valid ASCII"))
        })?;
        map.insert(name, value);
    }
    Ok(map)
}

impl Client {
    /// Makes a call for the user: through the client's interceptors, then the data
    /// converter's codecs, then to the server (see [`Client::call_encoded`]).
    pub(crate) fn call<T>(&self, kind: CallKind, message: T) -> impl Future<Output = Result<T::Response, ClientError>>
    where
        T: Intercepted + Visit,
        T::Response: Visit,
    {
        self.call_mapped(kind, message, ClientError::from)
    }

    /// [`Client::call`], turning a failed call into an error the call site's way (a start's
    /// already-started failure, say).
    pub(crate) fn call_mapped<T>(
        &self,
        kind: CallKind,
        message: T,
        on_failure: impl Fn(RpcFailure) -> ClientError + Send + Sync,
    ) -> impl Future<Output = Result<T::Response, ClientError>>
    where
        T: Intercepted + Visit,
        T::Response: Visit,
    {
        // On the heap until it is encoded: each layer of futures below would otherwise keep a
        // copy of the message (they hold their arguments), and a storm of starts holds as
        // many of those futures as it has starts.
        let message = Box::new(message);
        async move {
            if self.interceptors.is_empty() {
                return self.call_converted_rpc(kind, message).await.map_err(|e| e.map_rpc(&on_failure));
            }
            let terminal = |request: ClientRequest| -> BoxFuture<'_, Result<ClientResponse, ClientError>> {
                Box::pin(async {
                    let message = T::from_request(request).ok_or_else(|| {
                        ClientError::InvalidOptions(format!(
                            "an interceptor replaced the {} request with another",
                            T::OPERATION
                        ))
                    })?;
                    let response = self.call_converted_rpc(kind, Box::new(message)).await;
                    response.map(T::into_response).map_err(|e| e.map_rpc(&on_failure))
                })
            };
            let response = ClientNext::new(&self.interceptors, &terminal).run(message.into_request()).await?;
            T::from_response(response).ok_or_else(|| {
                ClientError::InvalidOptions(format!(
                    "an interceptor answered the {} request with another's response",
                    T::OPERATION
                ))
            })
        }
    }

    /// The message's payloads through the codecs, the message encoded once and sent (see
    /// [`Client::call_encoded`]), the response's payloads decoded.
    async fn call_converted_rpc<T>(&self, kind: CallKind, mut message: Box<T>) -> Result<T::Response, ConvertedFailure>
    where
        T: Rpc + Visit,
        T::Response: Visit,
    {
        self.data_converter.encode_message(&mut *message).await.map_err(|e| ConvertedFailure::Client(e.into()))?;
        let task_queue = task_queue_label(&*message);
        let request = Encoded::new(&*message, self.conn.gzip);
        drop(message);
        let mut response = self.call_encoded(kind, request, task_queue).await.map_err(ConvertedFailure::Rpc)?;
        self.data_converter.decode_message(&mut *response).await.map_err(|e| ConvertedFailure::Client(e.into()))?;
        Ok(*response)
    }

    /// A call without interceptors or data converter, leaving the failure for the caller to
    /// turn into an error (the connection's probe, the worker's polls and reports).
    pub(crate) fn call_unconverted<T: Rpc>(
        &self,
        kind: CallKind,
        message: T,
    ) -> impl Future<Output = Result<T::Response, RpcFailure>> {
        let task_queue = task_queue_label(&message);
        let call = self.call_encoded(kind, Encoded::new(&message, self.conn.gzip), task_queue);
        call.map_ok(|response| *response)
    }

    /// Sends an encoded request, retrying what `kind` allows (see [`Client::attempts`]), and
    /// records the call's metrics.
    async fn call_encoded<R>(
        &self,
        kind: CallKind,
        request: Encoded,
        task_queue: Option<String>,
    ) -> Result<Box<R>, RpcFailure>
    where
        R: prost::Message + Default + Send + Sync + 'static,
    {
        let started = Instant::now();
        let operation = request.operation();
        let result = self.attempts(operation, kind, |timeout| self.send_encoded(&request, timeout)).await;
        self.record_call(operation, kind, task_queue.as_deref(), started, result.as_ref().err());
        result
    }

    /// Calls the workflow service, retrying what `kind` allows (see [`CallKind`]), with the
    /// request's payloads encoded and the response's decoded by the data converter; no
    /// interceptors (the worker's own calls).
    pub(crate) fn call_converted<T>(
        &self,
        kind: CallKind,
        message: T,
    ) -> impl Future<Output = Result<T::Response, ClientError>>
    where
        T: Rpc + Visit,
        T::Response: Visit,
    {
        self.call_converted_rpc(kind, Box::new(message)).map_err(|e| e.map_rpc(&ClientError::from))
    }

    /// [`Client::call_converted`] without the data converter: for the worker, which encodes and
    /// decodes itself to handle a codec's failure as the task's.
    pub(crate) fn call_plain<T: Rpc>(
        &self,
        kind: CallKind,
        message: T,
    ) -> impl Future<Output = Result<T::Response, ClientError>> {
        self.call_unconverted(kind, message).map_err(ClientError::from)
    }

    /// `temporal_request` (or `temporal_long_request` for long polls): one per call, whatever
    /// its retries, with its latency and, when it failed, its status code.
    fn record_call(
        &self,
        operation: &'static str,
        kind: CallKind,
        task_queue: Option<&str>,
        started: Instant,
        failure: Option<&RpcFailure>,
    ) {
        let metrics = &self.conn.metrics;
        let (count, failed, latency) = match kind {
            CallKind::UserLongPoll | CallKind::TaskPoll => {
                (&metrics.long_request, &metrics.long_request_failure, &metrics.long_request_latency)
            }
            CallKind::Normal | CallKind::Idempotent => {
                (&metrics.request, &metrics.request_failure, &metrics.request_latency)
            }
        };
        // Every recording of a metric carries the same label names (Prometheus requires it):
        // calls without a task queue have an empty one, which Prometheus reads as none.
        let labels = [
            ("operation", operation),
            ("namespace", self.namespace.as_str()),
            ("task_queue", task_queue.unwrap_or_default()),
        ];
        count.add(1, &labels);
        latency.record(millis(started.elapsed()), &labels);
        if let Some(failure) = failure {
            let code = status_code_name(failure.status.code());
            let [operation, namespace, task_queue] = labels;
            failed.add(1, &[operation, namespace, task_queue, ("status_code", code.as_str())]);
        }
    }

    /// Tries a call, `attempt(deadline)` each time.
    ///
    /// Each attempt gets the kind's deadline, cut to what is left of the caller's RPC timeout
    /// (task polls ignore that one). A call is retried while its kind allows for the failure
    /// and the retry budget lasts; time spent in attempts that ran out of time is not
    /// charged to the budget's `max_elapsed`, or one slow attempt would end every call.
    async fn attempts<R, A, Fut>(&self, operation: &'static str, kind: CallKind, attempt: A) -> Result<R, RpcFailure>
    where
        A: Fn(Duration) -> Fut,
        Fut: Future<Output = Result<R, tonic::Status>>,
    {
        let config = kind.config(&self.conn.retry);
        let attempt_limit = match kind {
            CallKind::UserLongPoll | CallKind::TaskPoll => LONG_POLL_TIMEOUT,
            CallKind::Normal | CallKind::Idempotent => CALL_TIMEOUT,
        };
        let started = Instant::now();
        let deadline = self.rpc_timeout.filter(|_| kind != CallKind::TaskPoll).map(|t| started + t);
        let mut retries = 0u32;
        let mut expired_attempts = Duration::ZERO;
        loop {
            let attempt_started = Instant::now();
            let timeout = match deadline {
                Some(d) => d.saturating_duration_since(attempt_started).min(attempt_limit),
                None => attempt_limit,
            };
            let status = match attempt(timeout).await {
                Ok(response) => return Ok(response),
                Err(status) => status,
            };
            let failure = retry::Failure::of(&status);
            let timed_out = failure == retry::Failure::DeadlineExpired;
            if timed_out {
                expired_attempts += attempt_started.elapsed();
            }
            // Out of the caller's time is a timeout whatever the last attempt said: the server
            // (or the connection) may end a stream at its deadline with another code.
            let give_up = |status, out_of_time: bool| {
                let after = deadline.map_or(timeout, |d| d.saturating_duration_since(started));
                let timed_out_after = (timed_out || out_of_time).then_some(after);
                Err(RpcFailure { operation, status, timed_out_after })
            };
            retries += 1;
            let charged = started.elapsed().saturating_sub(expired_attempts);
            let budget_spent =
                config.max_retries.is_some_and(|m| retries > m) || config.max_elapsed.is_some_and(|m| charged >= m);
            if budget_spent || !kind.retries(failure, started.elapsed()) {
                return give_up(status, deadline.is_some_and(|d| Instant::now() >= d));
            }
            let backoff = retry::backoff(&config, failure, retries);
            if deadline.is_some_and(|d| Instant::now() + backoff >= d) {
                return give_up(status, true);
            }
            tracing::debug!(operation, code = ?status.code(), message = status.message(), ?backoff, "retrying");
            tokio::time::sleep(backoff).await;
        }
    }
}

/// The `task_queue` label of a call's metrics: the queue a start or a task poll names (a
/// sticky poll by its worker's queue), as the other SDKs label those calls; other calls have
/// none.
fn task_queue_label(message: &dyn std::any::Any) -> Option<String> {
    use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
    use crate::protos::temporal::api::workflowservice::v1 as ws;
    let queue: Option<&TaskQueue> = if let Some(r) = message.downcast_ref::<ws::PollWorkflowTaskQueueRequest>() {
        r.task_queue.as_ref()
    } else if let Some(r) = message.downcast_ref::<ws::PollActivityTaskQueueRequest>() {
        r.task_queue.as_ref()
    } else if let Some(r) = message.downcast_ref::<ws::StartWorkflowExecutionRequest>() {
        r.task_queue.as_ref()
    } else if let Some(r) = message.downcast_ref::<ws::SignalWithStartWorkflowExecutionRequest>() {
        r.task_queue.as_ref()
    } else {
        None
    };
    queue.map(|q| if q.normal_name.is_empty() { q.name.clone() } else { q.normal_name.clone() })
}

/// Why a converted call failed: the call itself, or the data converter on either side of it.
enum ConvertedFailure {
    Rpc(RpcFailure),
    Client(ClientError),
}

impl ConvertedFailure {
    fn map_rpc(self, on_failure: &impl Fn(RpcFailure) -> ClientError) -> ClientError {
        match self {
            ConvertedFailure::Rpc(f) => on_failure(f),
            ConvertedFailure::Client(e) => e,
        }
    }
}

/// A gRPC code as the protocol spells it (`NOT_FOUND`), the `status_code` label's value.
fn status_code_name(code: tonic::Code) -> String {
    let mut name = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::client::{Connection, RetryConfig};
    use crate::protos::temporal::api::workflowservice::v1::GetSystemInfoResponse;

    /// A client whose calls never reach a network: the tests script each attempt's outcome.
    pub(crate) fn offline_client(retry: RetryConfig) -> Client {
        let channel = tonic::transport::Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
        let connector = crate::client::transport::Connector::new(crate::client::transport::ConnectorOptions {
            url: tonic::transport::Uri::from_static("http://127.0.0.1:1"),
            target: "127.0.0.1:1".into(),
            connect_timeout: std::time::Duration::from_secs(1),
            keep_alive: None,
            proxy: None,
            #[cfg(feature = "tls")]
            tls: None,
        })
        .expect("a valid target");
        Client {
            conn: Arc::new(Connection {
                channel,
                transport: crate::client::transport::Transport::lazy(connector),
                eager_workers: Default::default(),
                identity: "test".into(),
                api_key: Default::default(),
                metadata: Default::default(),
                retry,
                gzip: false,
                result_wait_hook: Default::default(),
                meter: Arc::new(crate::telemetry::NoopMeter),
                metrics: crate::telemetry::sdk_metrics::ClientMetrics::new(&crate::telemetry::NoopMeter),
            }),
            data_converter: Default::default(),
            interceptors: std::sync::Arc::new([]),
            namespace: "default".into(),
            rpc_timeout: None,
            call_metadata: None,
        }
    }

    fn deadline_expired() -> tonic::Status {
        tonic::Status::from_error(Box::new(tonic::TimeoutExpired(())))
    }

    /// A connection closed under a call, as the transport reports it when no new one opens yet
    /// (a server restarting). A request the server never saw, it first sends again by itself.
    fn connection_closed() -> tonic::Status {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = crate::client::transport::TransportError::Connect { target: "127.0.0.1:1".into(), source: refused };
        let mut status = tonic::Status::unavailable(format!("cannot connect: {error}"));
        status.set_source(Arc::new(error));
        status
    }

    /// Calls `GetSystemInfo` through the retry loop; attempt `n` (0-based) ends as
    /// `script(n)` after `delay(n)`.
    async fn scripted(
        client: &Client,
        kind: CallKind,
        script: impl Fn(u32) -> Result<(), tonic::Status>,
        delay: impl Fn(u32) -> Duration,
    ) -> (Result<GetSystemInfoResponse, RpcFailure>, u32) {
        let attempts = AtomicU32::new(0);
        let result = client
            .attempts("GetSystemInfo", kind, |_| {
                let n = attempts.fetch_add(1, Ordering::SeqCst);
                let outcome = script(n);
                let wait = delay(n);
                async move {
                    tokio::time::sleep(wait).await;
                    outcome.map(|()| GetSystemInfoResponse::default())
                }
            })
            .await;
        (result, attempts.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_slow_attempt_does_not_use_up_the_budget_of_a_call_safe_to_repeat() {
        // The budget is shorter than the first attempt, which runs into its deadline.
        let retry = RetryConfig { max_elapsed: Some(Duration::from_millis(100)), ..RetryConfig::default() };
        let client = offline_client(retry);
        let first_expires = |n| if n == 0 { Err(deadline_expired()) } else { Ok(()) };
        let slow_first = |n| if n == 0 { Duration::from_millis(200) } else { Duration::ZERO };
        let (result, attempts) = scripted(&client, CallKind::Idempotent, first_expires, slow_first).await;
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(attempts, 2);
        // A call that may have taken effect is not repeated, and says it timed out.
        let (result, attempts) = scripted(&client, CallKind::Normal, first_expires, slow_first).await;
        let error = ClientError::from(result.expect_err("not retried"));
        assert!(error.is_timeout(), "{error}");
        assert_eq!(attempts, 1);
    }

    #[tokio::test]
    async fn a_closed_connection_is_retried_for_every_call() {
        let client = offline_client(RetryConfig::default());
        for kind in [CallKind::Normal, CallKind::Idempotent, CallKind::UserLongPoll] {
            let closed_once = |n| if n == 0 { Err(connection_closed()) } else { Ok(()) };
            let (result, attempts) = scripted(&client, kind, closed_once, |_| Duration::ZERO).await;
            assert!(result.is_ok(), "{kind:?}: {result:?}");
            assert_eq!(attempts, 2, "{kind:?}");
        }
    }

    #[tokio::test]
    async fn final_codes_are_not_retried() {
        let client = offline_client(RetryConfig::default());
        let invalid = |_| Err(tonic::Status::invalid_argument("bad"));
        let (result, attempts) = scripted(&client, CallKind::Idempotent, invalid, |_| Duration::ZERO).await;
        assert_eq!(result.expect_err("final").status.code(), tonic::Code::InvalidArgument);
        assert_eq!(attempts, 1);
    }

    #[tokio::test]
    async fn the_callers_rpc_timeout_bounds_the_call_with_its_retries() {
        let client = offline_client(RetryConfig::forever()).with_rpc_timeout(Duration::from_millis(500));
        let started = Instant::now();
        let always_expires = |_| Err(deadline_expired());
        let (result, attempts) =
            scripted(&client, CallKind::Idempotent, always_expires, |_| Duration::from_millis(100)).await;
        let error = ClientError::from(result.expect_err("out of time"));
        assert!(
            matches!(error, ClientError::Timeout { after, .. } if after == Duration::from_millis(500)),
            "{error:?}"
        );
        assert!(attempts >= 2, "{attempts}");
        assert!(started.elapsed() < Duration::from_millis(800), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_start_future_holds_no_copy_of_its_request() {
        // A storm of starts holds one such future per start (issue 15's W4): it used to hold
        // the request several times over (26 KB), a copy per layer of the call and of tonic's.
        let client = offline_client(RetryConfig::default());
        let start = client.start_workflow_by_name("W", &(), crate::client::WorkflowOptions::new("id", "tq"));
        let size = std::mem::size_of_val(&start);
        assert!(size < 4096, "{size} bytes");
    }
}
