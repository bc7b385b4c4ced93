//! The client: connects to a Temporal server, starts workflows and talks to them.
//!
//! ```no_run
//! # use temporal_sdk::prelude::*;
//! # async fn demo() -> Result<(), ClientError> {
//! let client = Client::connect(ClientOptions::new("localhost:7233").namespace("default")).await?;
//! let other = client.with_namespace("billing"); // same connection, another namespace
//! # let _ = other; Ok(()) }
//! ```

mod async_activity;
mod call;
mod description;
#[cfg(feature = "envconfig")]
pub mod envconfig;
mod error;
mod handle;
mod intercept;
mod list;
mod options;
mod proxy;
mod retry;
mod rpc;
pub mod schedule;
mod services;
mod signal_with_start;
mod transport;
mod update;
mod update_with_start;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::TryFutureExt;
use futures::future::Either;

use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::transport::{Channel, Endpoint};

pub use crate::common::Priority;
pub use async_activity::{AsyncActivityHandle, AsyncActivityId, AsyncHeartbeatResponse};
pub use description::{WorkflowDescription, WorkflowExecution};
pub use error::ClientError;
pub(crate) use error::RpcFailure;
#[cfg(feature = "testing")]
pub(crate) use error::error_chain;
#[doc(hidden)]
pub use handle::HandleMethods;
pub use handle::{Untyped, WorkflowHandle};
pub(crate) use intercept::ClientInterceptors;
pub use intercept::{ClientInterceptor, ClientNext, ClientRequest, ClientResponse};
pub use list::{HistoryFetchError, WorkflowExecutions, WorkflowHistories};
pub use options::{ClientOptions, KeepAliveOptions, TlsOptions, WorkflowOptions};
pub use proxy::HttpConnectProxy;
pub(crate) use retry::CallKind;
pub use retry::RetryConfig;
pub use services::{ClientHeaders, ServiceChannel};
pub use update::{UpdateOptions, WorkflowUpdateHandle, WorkflowUpdateStage};
pub use update_with_start::WithStartWorkflowOperation;

use crate::converter::{self, DataConverter};
use crate::protos::temporal::api::common::v1::{Payloads, WorkflowType};
use crate::protos::temporal::api::workflowservice::v1::{GetSystemInfoRequest, StartWorkflowExecutionRequest};
use crate::telemetry::MetricMeter;
use crate::telemetry::sdk_metrics::ClientMetrics;
use crate::workflow::{RunMethod, Workflow};

struct Connection {
    /// The raw service clients' (tonic's).
    channel: Channel,
    /// The client's own calls'.
    transport: transport::Transport,
    /// Workers in this process that can take a workflow's first task with its start.
    eager_workers: std::sync::Mutex<Vec<std::sync::Weak<dyn EagerWorker>>>,
    identity: String,
    /// Behind a lock so that the key can be rotated on a live client (Python's `api_key`
    /// setter).
    api_key: std::sync::RwLock<Option<AsciiMetadataValue>>,
    /// Metadata of the client options, sent with every call.
    metadata: tonic::metadata::MetadataMap,
    retry: RetryConfig,
    /// Whether requests go gzip-compressed.
    gzip: bool,
    /// Runs around waits for workflow results (a time-skipping test environment's).
    result_wait_hook: std::sync::OnceLock<Arc<dyn ResultWaitHook>>,
    /// Where metrics go, and the client's own instruments.
    meter: Arc<dyn MetricMeter>,
    metrics: ClientMetrics,
}

/// A connection to a Temporal server in one namespace. Cheap to clone; clones share the
/// connection.
#[derive(Clone)]
pub struct Client {
    conn: Arc<Connection>,
    namespace: String,
    /// The caller's limit of each call, retries included (see [`Client::with_rpc_timeout`]).
    rpc_timeout: Option<Duration>,
    /// Metadata added to this client's calls (see [`Client::with_rpc_metadata`]).
    call_metadata: Option<Arc<tonic::metadata::MetadataMap>>,
    /// Codecs and failure converter, applied to every call's payloads.
    data_converter: Arc<DataConverter>,
    /// Around every call made for the user, outermost first; workers built from this client
    /// run them too.
    interceptors: ClientInterceptors,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("namespace", &self.namespace).field("identity", &self.conn.identity).finish()
    }
}

const CLIENT_NAME: &str = "temporal-rust";
const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Deadline of one attempt of an ordinary call.
pub(crate) const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Deadline of long polls: the server answers empty after about a minute.
const LONG_POLL_TIMEOUT: Duration = Duration::from_secs(70);

impl Client {
    /// Connects to a server and checks that it answers.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), temporal_sdk::client::ClientError> {
    /// let client = temporal_sdk::Client::connect("localhost:7233").await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub async fn connect(options: impl Into<ClientOptions>) -> Result<Client, ClientError> {
        let options = options.into();
        let use_tls = !options.tls_disabled && (options.tls.is_some() || options.api_key.is_some());
        let url = if options.target.contains("://") {
            options.target.clone()
        } else {
            format!("{}://{}", if use_tls { "https" } else { "http" }, options.target)
        };
        let invalid = |m: String| ClientError::InvalidOptions(m);
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| invalid(format!("target {:?} is not a valid address: {e}", options.target)))?
            .connect_timeout(options.connect_timeout)
            .tcp_nodelay(true);
        if let Some(keep_alive) = options.keep_alive {
            endpoint = endpoint
                .http2_keep_alive_interval(keep_alive.interval)
                .keep_alive_timeout(keep_alive.timeout)
                .keep_alive_while_idle(true);
        }
        if use_tls {
            endpoint = configure_tls(endpoint, options.tls.clone().unwrap_or_default())?;
        }
        let proxy_address = options.http_connect_proxy.as_ref().map(|p| p.address.clone());
        let described = |message: String| {
            let message = match error::tls_mismatch_hint(use_tls, &message) {
                Some(hint) => format!("{message} ({hint})"),
                None => message,
            };
            // A timeout or a closed connection may come from the proxy as much as the server.
            match &proxy_address {
                Some(proxy) => format!("{message} (connecting through the HTTP CONNECT proxy at {proxy})"),
                None => message,
            }
        };
        let proxy = options.http_connect_proxy.as_ref().map(proxy::ProxyConnector::new).transpose()?;
        // The raw service clients' channel, opened on their first use: the client's own calls
        // take `transport`.
        let channel = match &proxy {
            Some(proxy) => endpoint.connect_with_connector_lazy(proxy.clone()),
            None => endpoint.connect_lazy(),
        };
        let connector = transport::Connector::new(transport::ConnectorOptions {
            url: url
                .parse()
                .map_err(|e| invalid(format!("target {:?} is not a valid address: {e}", options.target)))?,
            target: options.target.clone(),
            connect_timeout: options.connect_timeout,
            keep_alive: options.keep_alive,
            proxy,
            #[cfg(feature = "tls")]
            tls: match use_tls {
                true => {
                    let host = endpoint.uri().host().unwrap_or_default();
                    let tls = options.tls.clone().unwrap_or_default();
                    Some(transport::tls_config(&tls, host).map_err(|e| invalid(format!("TLS configuration: {e}")))?)
                }
                false => None,
            },
        })
        .map_err(invalid)?;
        let transport = transport::Transport::connect(connector).await.map_err(|e| ClientError::Connect {
            target: options.target.clone(),
            // A proxy's refusal says all there is; guesses about the server's TLS would mislead.
            message: if proxy::is_proxy_failure(&e) {
                error::error_chain(&e)
            } else {
                described(error::error_chain(&e))
            },
        })?;
        let metadata = call::metadata_map(&options.rpc_metadata)?;
        let api_key = match &options.api_key {
            Some(k) => Some(
                MetadataValue::try_from(format!("Bearer {k}"))
                    .map_err(|_| invalid("the API key contains characters not allowed in a header".into()))?,
            ),
            None => None,
        };
        let client = Client {
            conn: Arc::new(Connection {
                channel,
                transport,
                eager_workers: Default::default(),
                identity: options.identity,
                api_key: std::sync::RwLock::new(api_key),
                metadata,
                retry: options.retry,
                gzip: options.gzip,
                result_wait_hook: Default::default(),
                metrics: ClientMetrics::new(options.metrics.as_ref()),
                meter: options.metrics,
            }),
            data_converter: Arc::new(options.data_converter),
            interceptors: options.interceptors.into(),
            namespace: options.namespace,
            rpc_timeout: None,
            call_metadata: None,
        };
        // The TCP connection may be up while nothing on it speaks gRPC (a TLS port reached
        // without TLS): the first call says so, and then it is a connection failure.
        let probe = client.call_unconverted(CallKind::Idempotent, GetSystemInfoRequest::default()).await;
        match probe {
            Ok(_) => Ok(client),
            Err(failure)
                if failure.timed_out_after.is_none()
                    && retry::caused_by::<transport::TransportError>(&failure.status) =>
            {
                Err(ClientError::Connect {
                    target: options.target,
                    message: described(error::describe_status(&failure.status)),
                })
            }
            Err(failure) => Err(failure.into()),
        }
    }

    /// The meter of this client and the workers built from it.
    pub fn metric_meter(&self) -> &Arc<dyn MetricMeter> {
        &self.conn.meter
    }

    /// Runs `f` with this client's custom encodings in effect (see
    /// [`DataConverter::with_encoding`]), for the values it converts.
    pub(crate) fn in_effect<R>(&self, f: impl FnOnce() -> R) -> R {
        self.data_converter.encodings().scope(f)
    }

    /// The data converter of this client and the workers built from it.
    pub fn data_converter(&self) -> &DataConverter {
        &self.data_converter
    }

    /// A client on the same connection with another data converter (and workers built from it
    /// use that one), as for a test environment's client:
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # use temporal_sdk::converter::{DataConverter, FailureConverter};
    /// # async fn demo(client: Client) {
    /// let converter = DataConverter::default()
    ///     .with_failure_converter(FailureConverter::default().encode_common_attributes(true));
    /// let encoding = client.with_data_converter(converter);
    /// # let _ = encoding; }
    /// ```
    pub fn with_data_converter(&self, converter: DataConverter) -> Client {
        Client { data_converter: Arc::new(converter), ..self.clone() }
    }

    /// A client for another namespace on the same connection.
    pub fn with_namespace(&self, namespace: impl Into<String>) -> Client {
        Client { namespace: namespace.into(), ..self.clone() }
    }

    /// A client whose calls (and the calls of the handles it makes) give up after `timeout`,
    /// retries included, with [`ClientError::Timeout`]. Without it, each attempt of a call
    /// may take 30 s (long polls 70 s), and calls that are safe to repeat are tried again
    /// when an attempt runs out of time. A worker built from such a client ignores it.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let impatient = client.with_rpc_timeout(Duration::from_secs(2));
    /// let handle = impatient.get_untyped_workflow_handle("order-1", None);
    /// let status: String = handle.query_by_name("status", &()).await?;
    /// # let _ = status; Ok(()) }
    /// ```
    pub fn with_rpc_timeout(&self, timeout: Duration) -> Client {
        Client { rpc_timeout: Some(timeout), ..self.clone() }
    }

    /// A client whose calls (and those of the handles it makes) carry these gRPC metadata
    /// entries besides the connection's, as Python's per-call `rpc_metadata`.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let traced = client.with_rpc_metadata([("x-request-origin", "billing-job")])?;
    /// traced.get_untyped_workflow_handle("order-1", None).describe().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_rpc_metadata<K: Into<String>, V: Into<String>>(
        &self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Client, ClientError> {
        let entries = entries.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        let mut map = self.call_metadata.as_deref().cloned().unwrap_or_default();
        for entry in call::metadata_map(&entries)?.iter() {
            if let tonic::metadata::KeyAndValueRef::Ascii(key, value) = entry {
                map.insert(key.clone(), value.clone());
            }
        }
        Ok(Client { call_metadata: Some(Arc::new(map)), ..self.clone() })
    }

    /// Replaces the API key of the connection (for every client and worker sharing it), e.g.
    /// when a key is rotated; `None` stops sending one. TLS stays as it was set at connect.
    ///
    /// ```no_run
    /// # fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// client.set_api_key(Some("new-key"))?;
    /// # Ok(()) }
    /// ```
    pub fn set_api_key(&self, key: Option<&str>) -> Result<(), ClientError> {
        let value = match key {
            Some(k) => Some(MetadataValue::try_from(format!("Bearer {k}")).map_err(|_| {
                ClientError::InvalidOptions("the API key contains characters not allowed in a header".into())
            })?),
            None => None,
        };
        *self.conn.api_key.write().unwrap_or_else(|e| e.into_inner()) = value;
        Ok(())
    }

    /// The client without a caller's RPC timeout, for workers: their polls and reports
    /// follow their own deadlines.
    pub(crate) fn without_rpc_timeout(&self) -> Client {
        Client { rpc_timeout: None, ..self.clone() }
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The identity recorded in history.
    pub fn identity(&self) -> &str {
        &self.conn.identity
    }

    /// Starts a workflow and returns a handle typed by the workflow.
    ///
    /// The input type is the workflow's `#[run]` argument type, so passing the wrong type is
    /// a compile error.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Greeting;
    /// # #[workflow] impl Greeting { #[run] async fn run(&self, name: String) -> WorkflowResult<String> { Ok(name) } }
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let handle = client
    ///     .start_workflow(Greeting::run, "world".to_string(), WorkflowOptions::new("greeting-1", "my-task-queue"))
    ///     .await?;
    /// let result: String = handle.result().await?;
    /// # let _ = result; Ok(()) }
    /// ```
    ///
    /// The request is made (and the input encoded) when this is called; nothing is sent until
    /// the future is awaited, and an error in the options or the input comes out of it then.
    pub fn start_workflow<W: Workflow>(
        &self,
        _run: RunMethod<W>,
        input: W::Input,
        options: WorkflowOptions,
    ) -> impl Future<Output = Result<WorkflowHandle<W>, ClientError>> + Send + use<'_, W> {
        // The request is made here and the future holds only the call: an `async fn` would
        // keep its arguments (the options, the input) in its future as long as the call takes,
        // and a storm of starts holds one future per start.
        let call = self.in_effect(|| W::INPUT_SHAPE.encode(&input)).map_err(ClientError::from);
        let call = call.and_then(|args| self.start_call(W::NAME, args, &options));
        self.handle_when_started(call, options.id)
    }

    /// Starts a workflow and waits for its result.
    pub fn execute_workflow<W: Workflow>(
        &self,
        run: RunMethod<W>,
        input: W::Input,
        options: WorkflowOptions,
    ) -> impl Future<Output = Result<W::Output, ClientError>> + Send + use<'_, W> {
        // Combinators rather than an async block, which would hold the start future twice.
        self.start_workflow(run, input, options).and_then(|handle| async move { handle.result().await })
    }

    /// Starts a workflow by type name with one argument (`&()` for none,
    /// [`Args`](crate::converter::Args) for several, one payload each), for workflows written
    /// in other languages.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let handle = client.start_workflow_by_name("GreetingWorkflow", &"World", WorkflowOptions::new("g-1", "queue")).await?;
    /// let greeting: String = handle.result_as().await?;
    /// # let _ = greeting; Ok(()) }
    /// ```
    pub fn start_workflow_by_name<'a, I: serde::Serialize + ?Sized>(
        &'a self,
        workflow_type: &'a str,
        input: &I,
        options: WorkflowOptions,
    ) -> impl Future<Output = Result<WorkflowHandle<Untyped>, ClientError>> + Send + use<'a, I> {
        // As in `start_workflow`, only the call is left for the future.
        let call = self.in_effect(|| converter::encode_args(input)).map_err(ClientError::from);
        let call = call.and_then(|args| self.start_call(workflow_type, args, &options));
        self.handle_when_started(call, options.id)
    }

    /// The handle of the workflow `call` starts, once it started (or why it did not).
    ///
    /// Combinators rather than an async block: a future awaited in an async block that took
    /// it in is held twice (where it was taken in, and where it is polled).
    fn handle_when_started<W, F>(
        &self,
        call: Result<F, ClientError>,
        workflow_id: String,
    ) -> impl Future<Output = Result<WorkflowHandle<W>, ClientError>> + use<'_, W, F>
    where
        F: Future<Output = Result<String, ClientError>>,
    {
        let started =
            move |run_id: String| WorkflowHandle::new(self.clone(), workflow_id, Some(run_id.clone()), Some(run_id));
        match call {
            Ok(call) => Either::Left(call.map_ok(started)),
            Err(e) => Either::Right(futures::future::ready(Err(e))),
        }
    }

    /// The call that starts a workflow: its request made from `options`, and a future that
    /// sends it and answers the new run's id (handing the first workflow task, when it comes
    /// with the answer, to the worker reserved for it).
    fn start_call<'a>(
        &'a self,
        workflow_type: &'a str,
        args: Vec<crate::protos::temporal::api::common::v1::Payload>,
        options: &WorkflowOptions,
    ) -> Result<impl Future<Output = Result<String, ClientError>> + Send + use<'a>, ClientError> {
        options.validate()?;
        let mut req = StartWorkflowExecutionRequest {
            namespace: self.namespace.clone(),
            workflow_type: Some(WorkflowType { name: workflow_type.to_string() }),
            input: Some(Payloads { payloads: args }),
            identity: self.conn.identity.clone(),
            // One request id for all retries, so a retried start is idempotent.
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        };
        options.apply(&mut req)?;
        let eager = if options.request_eager_start { self.reserve_eager_worker(&options.task_queue) } else { None };
        req.request_eager_execution = eager.is_some();
        req.eager_worker_deployment_options = eager.as_ref().and_then(|(worker, _)| worker.deployment_options());
        let id = options.id.clone();
        // The request id makes a repeat after a lost answer return the same run.
        let call = self.call_mapped(CallKind::Idempotent, req, move |f| f.into_start_error(&id, workflow_type));
        Ok(call.map_ok(|resp| {
            if let (Some((worker, permit)), Some(task)) = (eager, resp.eager_workflow_task) {
                worker.dispatch(task, permit);
            }
            resp.run_id
        }))
    }

    /// Lets a worker of this process take the first task of workflows started through this
    /// client on its task queue (eager workflow start).
    pub(crate) fn register_eager_worker(&self, worker: Arc<dyn EagerWorker>) {
        let mut workers = self.conn.eager_workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.retain(|w| w.strong_count() > 0);
        workers.push(Arc::downgrade(&worker));
    }

    fn reserve_eager_worker(
        &self,
        task_queue: &str,
    ) -> Option<(Arc<dyn EagerWorker>, tokio::sync::OwnedSemaphorePermit)> {
        let workers = self.conn.eager_workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.iter().filter_map(std::sync::Weak::upgrade).find_map(|w| {
            if w.namespace() != self.namespace || w.task_queue() != task_queue {
                return None;
            }
            let permit = w.try_reserve()?;
            Some((w, permit))
        })
    }

    /// A typed handle to an existing workflow (the latest run when `run_id` is `None`).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Greeting;
    /// # #[workflow] impl Greeting { #[run] async fn run(&self) -> WorkflowResult<String> { Ok(String::new()) } }
    /// # async fn demo(client: Client) -> Result<(), ClientError> {
    /// let handle = client.get_workflow_handle::<Greeting>("greeting-1", None);
    /// let greeting: String = handle.result().await?;
    /// # let _ = greeting; Ok(()) }
    /// ```
    pub fn get_workflow_handle<W: Workflow>(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
    ) -> WorkflowHandle<W> {
        WorkflowHandle::new(self.clone(), workflow_id.into(), run_id, None)
    }

    /// A typed handle to an existing workflow, its type named by its run method as in
    /// Python's `get_workflow_handle_for(MyWorkflow.run, id)`. Target one run, or a chain of
    /// runs, with [`WorkflowHandle::with_run_id`] and
    /// [`WorkflowHandle::with_first_execution_run_id`].
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct Greeting;
    /// # #[workflow] impl Greeting { #[run] async fn run(&self) -> WorkflowResult<String> { Ok(String::new()) } }
    /// # async fn demo(client: Client, run_id: String) -> Result<(), ClientError> {
    /// let handle = client.get_workflow_handle_for(Greeting::run, "greeting-1").with_run_id(Some(run_id));
    /// let greeting = handle.result().await?;
    /// # let _ = greeting; Ok(()) }
    /// ```
    pub fn get_workflow_handle_for<W: Workflow>(
        &self,
        _run: RunMethod<W>,
        workflow_id: impl Into<String>,
    ) -> WorkflowHandle<W> {
        WorkflowHandle::new(self.clone(), workflow_id.into(), None, None)
    }

    /// An untyped handle to an existing workflow, for by-name signals, queries and results.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// let handle = client.get_untyped_workflow_handle("greeting-1", None);
    /// let greeting: String = handle.result_as().await?;
    /// # let _ = greeting; Ok(()) }
    /// ```
    pub fn get_untyped_workflow_handle(
        &self,
        workflow_id: impl Into<String>,
        run_id: Option<String>,
    ) -> WorkflowHandle<Untyped> {
        WorkflowHandle::new(self.clone(), workflow_id.into(), run_id, None)
    }
}

#[cfg(feature = "tls")]
fn configure_tls(endpoint: Endpoint, tls: TlsOptions) -> Result<Endpoint, ClientError> {
    use tonic::transport::{Certificate, ClientTlsConfig, Identity};
    let mut config = ClientTlsConfig::new();
    config = match &tls.server_root_ca_cert {
        Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
        // The operating system's store (where a corporate CA is installed) and the bundled web
        // roots, as the other SDKs trust by default.
        None => config.with_native_roots().with_webpki_roots(),
    };
    if let Some(domain) = &tls.domain {
        config = config.domain_name(domain.clone());
    }
    if let Some((cert, key)) = &tls.client_cert {
        config = config.identity(Identity::from_pem(cert, key));
    }
    endpoint
        .tls_config(config)
        .map_err(|e| ClientError::InvalidOptions(format!("TLS configuration: {}", error::error_chain(&e))))
}

#[cfg(not(feature = "tls"))]
fn configure_tls(_endpoint: Endpoint, _tls: TlsOptions) -> Result<Endpoint, ClientError> {
    Err(ClientError::InvalidOptions("TLS was requested but temporal-sdk was built without its `tls` feature".into()))
}

/// A worker in this process that can take the first workflow task of a start response (eager
/// workflow start). Workers implement it; the client knows them only through it.
pub(crate) trait EagerWorker: Send + Sync {
    fn namespace(&self) -> &str;
    fn task_queue(&self) -> &str;
    /// A free workflow task slot, unless the worker is busy or shutting down.
    fn try_reserve(&self) -> Option<tokio::sync::OwnedSemaphorePermit>;
    /// The worker's deployment version, which the start request names so that the server
    /// records the eager task as taken by that version.
    fn deployment_options(&self) -> Option<crate::protos::temporal::api::deployment::v1::WorkerDeploymentOptions>;
    /// Processes an eagerly dispatched first workflow task.
    fn dispatch(
        self: Arc<Self>,
        task: crate::protos::temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse,
        permit: tokio::sync::OwnedSemaphorePermit,
    );
}

/// What awaits the end of a wait for a workflow result, once it ends.
pub(crate) type Release = futures::future::BoxFuture<'static, Result<(), ClientError>>;

/// Something to do around each wait for a workflow result: the time-skipping test server's
/// environment unlocks its clock then. Production clients have none.
pub(crate) trait ResultWaitHook: Send + Sync {
    /// Called as a wait begins; the release (if any) is awaited when it ended.
    fn begin(&self) -> futures::future::BoxFuture<'_, Result<Option<Release>, ClientError>>;
}

impl Client {
    /// Installs the hook run around result waits (once; later calls keep the first).
    #[cfg(feature = "testing")]
    pub(crate) fn set_result_wait_hook(&self, hook: Arc<dyn ResultWaitHook>) {
        let _ = self.conn.result_wait_hook.set(hook);
    }

    /// The connection's channel, for service clients of the test server.
    #[cfg(feature = "testing")]
    pub(crate) fn channel(&self) -> tonic::transport::Channel {
        self.conn.channel.clone()
    }

    /// Runs `wait` (a wait for a workflow result) inside the result-wait hook, if any.
    pub(crate) async fn around_result_wait<T>(
        &self,
        wait: impl std::future::Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let Some(hook) = self.conn.result_wait_hook.get() else { return wait.await };
        let Some(release) = hook.begin().await? else { return wait.await };
        let result = wait.await;
        let released = release.await;
        // The result matters more, but a hook left half-done (a test server left unlocked)
        // would silently change every later wait, so its failure is not swallowed either.
        let value = result?;
        released?;
        Ok(value)
    }
}
