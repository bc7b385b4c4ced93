use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::{ClientError, ClientInterceptor, HttpConnectProxy, RetryConfig};
use crate::common::{RetryPolicy, duration_to_proto};
use crate::converter::{self, DataConverter, PayloadError};
use crate::protos::temporal::api::common::v1::{Memo, Payload, SearchAttributes};
use crate::protos::temporal::api::enums::v1::{WorkflowIdConflictPolicy, WorkflowIdReusePolicy};
use crate::protos::temporal::api::sdk::v1::UserMetadata;
use crate::protos::temporal::api::workflowservice::v1::StartWorkflowExecutionRequest;
use crate::telemetry::{MetricMeter, NoopMeter};
use crate::versioning::VersioningOverride;
use crate::workflow::SearchAttributeValue;

/// Options for starting a workflow: its id and task queue, and optional timeouts, policies,
/// memo, search attributes, user metadata and priority.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::WorkflowOptions;
/// use temporal_sdk::workflow::SearchAttributeValue;
///
/// let options = WorkflowOptions::new("order-1234", "orders")
///     .execution_timeout(Duration::from_secs(3600))
///     .memo([("customer", "ACME")])?
///     .search_attributes([("CustomKeywordField", SearchAttributeValue::Keyword("gold".into()))])
///     .static_summary("Order 1234 of ACME");
/// assert_eq!(options.id, "order-1234");
/// # Ok::<(), temporal_sdk::converter::PayloadError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct WorkflowOptions {
    /// The workflow id, unique among running workflows of the namespace.
    pub id: String,
    /// The task queue its workers poll.
    pub task_queue: String,
    /// Limit of the whole chain of runs (retries, continue-as-new).
    pub execution_timeout: Option<Duration>,
    /// Limit of one run.
    pub run_timeout: Option<Duration>,
    /// Limit of one workflow task (server default 10 s).
    pub task_timeout: Option<Duration>,
    /// What to do when a closed workflow with the same id exists.
    pub id_reuse_policy: Option<WorkflowIdReusePolicy>,
    /// What to do when a running workflow with the same id exists.
    pub id_conflict_policy: Option<WorkflowIdConflictPolicy>,
    /// How the server retries the workflow when it fails.
    pub retry_policy: Option<RetryPolicy>,
    /// A cron schedule.
    pub cron_schedule: Option<String>,
    /// Delay before the first workflow task.
    pub start_delay: Option<Duration>,
    /// Memo entries, already encoded (set them with [`WorkflowOptions::memo`]).
    pub memo: HashMap<String, Payload>,
    /// Search attributes (they must be registered on the server).
    pub search_attributes: HashMap<String, SearchAttributeValue>,
    /// A single-line summary the Web UI shows for the workflow (Python's `static_summary`).
    pub static_summary: Option<String>,
    /// Longer details the Web UI shows for the workflow, Markdown allowed (Python's
    /// `static_details`).
    pub static_details: Option<String>,
    /// The priority and fairness of the workflow's tasks.
    pub priority: Option<crate::Priority>,
    /// Hand the first workflow task straight to a worker of this process polling the task
    /// queue, if one has a free slot (eager workflow start): saves a round trip through the
    /// server's task queue.
    pub request_eager_start: bool,
    /// Overrides the versioning behaviour the workflow's workers give it (see
    /// [`crate::versioning`]).
    pub versioning_override: Option<VersioningOverride>,
}

impl WorkflowOptions {
    /// Options with a workflow id and task queue.
    pub fn new(id: impl Into<String>, task_queue: impl Into<String>) -> Self {
        Self { id: id.into(), task_queue: task_queue.into(), ..Self::default() }
    }
    /// Sets the execution timeout.
    pub fn execution_timeout(mut self, d: Duration) -> Self {
        self.execution_timeout = Some(d);
        self
    }
    /// Sets the run timeout.
    pub fn run_timeout(mut self, d: Duration) -> Self {
        self.run_timeout = Some(d);
        self
    }
    /// Sets the task timeout.
    pub fn task_timeout(mut self, d: Duration) -> Self {
        self.task_timeout = Some(d);
        self
    }
    /// Sets the id reuse policy.
    pub fn id_reuse_policy(mut self, p: WorkflowIdReusePolicy) -> Self {
        self.id_reuse_policy = Some(p);
        self
    }
    /// Sets the id conflict policy: fail (the default), use the running workflow, or
    /// terminate it and start anew.
    ///
    /// ```
    /// use temporal_sdk::WorkflowOptions;
    /// use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;
    ///
    /// let options = WorkflowOptions::new("cart-7", "carts").id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    /// # let _ = options;
    /// ```
    pub fn id_conflict_policy(mut self, p: WorkflowIdConflictPolicy) -> Self {
        self.id_conflict_policy = Some(p);
        self
    }
    /// Sets the retry policy.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry_policy = Some(p);
        self
    }
    /// Sets a cron schedule.
    pub fn cron_schedule(mut self, s: impl Into<String>) -> Self {
        self.cron_schedule = Some(s.into());
        self
    }
    /// Sets a start delay: the first workflow task is scheduled only after it.
    pub fn start_delay(mut self, d: Duration) -> Self {
        self.start_delay = Some(d);
        self
    }

    /// Adds memo entries, encoded as workflow arguments are; describe and list calls return
    /// them.
    ///
    /// ```
    /// let options = temporal_sdk::WorkflowOptions::new("order-1", "orders").memo([("attempt", 1)])?;
    /// # let _ = options; Ok::<(), temporal_sdk::converter::PayloadError>(())
    /// ```
    pub fn memo<K: Into<String>, V: Serialize>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, PayloadError> {
        for (k, v) in entries {
            self.memo.insert(k.into(), converter::encode(&v)?);
        }
        Ok(self)
    }

    /// Adds search attributes, so that visibility queries find the workflow from its start.
    ///
    /// ```
    /// use temporal_sdk::workflow::SearchAttributeValue;
    /// let options = temporal_sdk::WorkflowOptions::new("order-1", "orders")
    ///     .search_attributes([("CustomIntField", SearchAttributeValue::Int(3))]);
    /// # let _ = options;
    /// ```
    pub fn search_attributes<K: Into<String>>(
        mut self,
        attributes: impl IntoIterator<Item = (K, SearchAttributeValue)>,
    ) -> Self {
        self.search_attributes.extend(attributes.into_iter().map(|(k, v)| (k.into(), v)));
        self
    }

    /// Sets the summary the Web UI shows (one line).
    pub fn static_summary(mut self, summary: impl Into<String>) -> Self {
        self.static_summary = Some(summary.into());
        self
    }

    /// Sets the details the Web UI shows (Markdown).
    pub fn static_details(mut self, details: impl Into<String>) -> Self {
        self.static_details = Some(details.into());
        self
    }

    /// Sets the priority.
    ///
    /// ```
    /// use temporal_sdk::{Priority, WorkflowOptions};
    /// let options = WorkflowOptions::new("report-1", "reports").priority(Priority::key(1).fairness("tenant-a", 2.0));
    /// # let _ = options;
    /// ```
    pub fn priority(mut self, priority: crate::Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Asks for eager workflow start.
    pub fn request_eager_start(mut self, eager: bool) -> Self {
        self.request_eager_start = eager;
        self
    }

    /// Overrides the versioning behaviour of the workflow's workers: pins the run to a
    /// deployment version, or makes it follow the current version (Python's
    /// `versioning_override`).
    ///
    /// ```
    /// use temporal_sdk::WorkflowOptions;
    /// use temporal_sdk::versioning::VersioningOverride;
    ///
    /// let options = WorkflowOptions::new("order-1", "orders").versioning_override(VersioningOverride::AutoUpgrade);
    /// # let _ = options;
    /// ```
    pub fn versioning_override(mut self, versioning_override: VersioningOverride) -> Self {
        self.versioning_override = Some(versioning_override);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ClientError> {
        if self.id.is_empty() || self.task_queue.is_empty() {
            return Err(ClientError::InvalidOptions("a workflow needs an id and a task queue".into()));
        }
        Ok(())
    }

    pub(crate) fn apply(&self, req: &mut StartWorkflowExecutionRequest) -> Result<(), ClientError> {
        req.workflow_id = self.id.clone();
        req.task_queue = Some(crate::protos::temporal::api::taskqueue::v1::TaskQueue {
            name: self.task_queue.clone(),
            ..Default::default()
        });
        req.workflow_execution_timeout = self.execution_timeout.map(duration_to_proto);
        req.workflow_run_timeout = self.run_timeout.map(duration_to_proto);
        req.workflow_task_timeout = self.task_timeout.map(duration_to_proto);
        req.workflow_id_reuse_policy = self.id_reuse_policy.map(|p| p as i32).unwrap_or_default();
        req.workflow_id_conflict_policy = self.id_conflict_policy.map(|p| p as i32).unwrap_or_default();
        req.retry_policy = self.retry_policy.as_ref().map(RetryPolicy::to_proto);
        req.cron_schedule = self.cron_schedule.clone().unwrap_or_default();
        req.workflow_start_delay = self.start_delay.map(duration_to_proto);
        req.memo = (!self.memo.is_empty()).then(|| Memo { fields: self.memo.clone() });
        req.search_attributes = encode_search_attributes(&self.search_attributes)?;
        req.user_metadata = user_metadata(self.static_summary.as_deref(), self.static_details.as_deref())?;
        req.priority = self.priority.as_ref().map(crate::Priority::to_proto);
        req.versioning_override = self.versioning_override.as_ref().map(VersioningOverride::to_proto);
        Ok(())
    }
}

/// The wire form of search attributes; `None` when there are none, as the server expects.
pub(crate) fn encode_search_attributes(
    attributes: &HashMap<String, SearchAttributeValue>,
) -> Result<Option<SearchAttributes>, PayloadError> {
    if attributes.is_empty() {
        return Ok(None);
    }
    let mut indexed_fields = HashMap::new();
    for (k, v) in attributes {
        indexed_fields.insert(k.clone(), v.to_payload()?);
    }
    Ok(Some(SearchAttributes { indexed_fields }))
}

/// Summary and details as the other SDKs write them: each a string payload of the converter.
pub(crate) fn user_metadata(
    summary: Option<&str>,
    details: Option<&str>,
) -> Result<Option<UserMetadata>, PayloadError> {
    if summary.is_none() && details.is_none() {
        return Ok(None);
    }
    Ok(Some(UserMetadata {
        summary: summary.map(converter::encode).transpose()?,
        details: details.map(converter::encode).transpose()?,
    }))
}

/// TLS settings for the connection (needs the `tls` feature, on by default).
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM of the CA to trust instead of the system's web PKI roots.
    pub server_root_ca_cert: Option<Vec<u8>>,
    /// The server name to verify, when it differs from the target's host.
    pub domain: Option<String>,
    /// PEM client certificate and key for mutual TLS.
    pub client_cert: Option<(Vec<u8>, Vec<u8>)>,
}

/// Where and how to connect.
///
/// ```
/// use temporal_sdk::ClientOptions;
///
/// let options = ClientOptions::new("my-ns.a1b2c.tmprl.cloud:7233")
///     .namespace("my-ns.a1b2c")
///     .api_key("...");
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `host:port`, or a URL with an `http`/`https` scheme.
    pub target: String,
    /// The namespace (default `"default"`).
    pub namespace: String,
    /// The identity recorded in history (default `pid@hostname`).
    pub identity: String,
    /// TLS settings; an API key turns TLS on with defaults.
    pub tls: Option<TlsOptions>,
    /// An API key sent as a bearer token.
    pub api_key: Option<String>,
    /// Retries of transient errors on ordinary calls (long polls retry forever).
    pub retry: RetryConfig,
    /// Limit of connecting.
    pub connect_timeout: Duration,
    /// gRPC metadata (headers) sent with every call, as Python's `rpc_metadata`.
    pub rpc_metadata: std::collections::HashMap<String, String>,
    /// Keeps TLS off even with an API key (a profile with `tls.disabled = true`).
    pub tls_disabled: bool,
    /// HTTP/2 keep-alive pings, so that a connection a proxy or load balancer dropped
    /// silently is noticed (`None`: no pings). Default: every 30 s, 15 s to answer, as in
    /// the Python SDK.
    pub keep_alive: Option<KeepAliveOptions>,
    /// Sends requests gzip-compressed (responses are accepted compressed either way).
    pub gzip: bool,
    /// Codecs and failure converter for every payload the client and its workers send and
    /// receive (default: none, payloads in the clear).
    pub data_converter: DataConverter,
    /// An HTTP proxy to reach the server through, by a `CONNECT` tunnel.
    pub http_connect_proxy: Option<HttpConnectProxy>,
    /// Where the client's and its workers' metrics go (default: nowhere).
    pub metrics: Arc<dyn MetricMeter>,
    /// Around the client's calls and the workers built from it, outermost first.
    pub interceptors: Vec<Arc<dyn ClientInterceptor>>,
}

/// HTTP/2 keep-alive of a client's connection.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::client::{ClientOptions, KeepAliveOptions};
///
/// let mut options = ClientOptions::new("localhost:7233");
/// options.keep_alive = Some(KeepAliveOptions { interval: Duration::from_secs(10), timeout: Duration::from_secs(5) });
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepAliveOptions {
    /// How often a ping is sent.
    pub interval: Duration,
    /// How long a ping may go unanswered before the connection is closed.
    pub timeout: Duration,
}

impl Default for KeepAliveOptions {
    fn default() -> Self {
        Self { interval: Duration::from_secs(30), timeout: Duration::from_secs(15) }
    }
}

impl ClientOptions {
    /// Options for a target `host:port`.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            namespace: "default".into(),
            identity: default_identity(),
            tls: None,
            api_key: None,
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_secs(10),
            rpc_metadata: Default::default(),
            tls_disabled: false,
            keep_alive: Some(KeepAliveOptions::default()),
            gzip: false,
            data_converter: DataConverter::default(),
            http_connect_proxy: None,
            metrics: Arc::new(NoopMeter),
            interceptors: Vec::new(),
        }
    }
    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }
    /// Sets the identity.
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = identity.into();
        self
    }
    /// Sets TLS options.
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = Some(tls);
        self
    }
    /// Sets an API key (and turns TLS on unless TLS options were given).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
    /// Adds a gRPC metadata entry sent with every call.
    ///
    /// ```
    /// let options = temporal_sdk::ClientOptions::new("localhost:7233").rpc_metadata("x-tenant", "acme");
    /// # let _ = options;
    /// ```
    pub fn rpc_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.rpc_metadata.insert(key.into(), value.into());
        self
    }
    /// Sets the data converter: the payload codecs (encryption, compression) and failure
    /// converter of the client, its workers, and what is built from them.
    ///
    /// ```
    /// use temporal_sdk::converter::{DataConverter, FailureConverter};
    ///
    /// let converter = DataConverter::default()
    ///     .with_failure_converter(FailureConverter::default().encode_common_attributes(true));
    /// let options = temporal_sdk::ClientOptions::new("localhost:7233").data_converter(converter);
    /// # let _ = options;
    /// ```
    pub fn data_converter(mut self, converter: DataConverter) -> Self {
        self.data_converter = converter;
        self
    }
    /// Sets the meter that the client's and its workers' metrics (the standard Temporal SDK
    /// metrics) and the application's (`activity::metric_meter()`, `workflow::metric_meter()`)
    /// are recorded through, e.g. a `telemetry::PrometheusMeter`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use temporal_sdk::telemetry::NoopMeter;
    ///
    /// let options = temporal_sdk::ClientOptions::new("localhost:7233").metrics(Arc::new(NoopMeter));
    /// # let _ = options;
    /// ```
    pub fn metrics(mut self, meter: Arc<dyn MetricMeter>) -> Self {
        self.metrics = meter;
        self
    }
    /// Adds an interceptor of the client's calls and of the workers built from the client
    /// (after those added before, so inside them); see [`crate::interceptor`].
    ///
    /// ```
    /// use temporal_sdk::interceptor::Interceptor;
    ///
    /// struct Audit;
    /// impl Interceptor for Audit {}
    ///
    /// let options = temporal_sdk::ClientOptions::new("localhost:7233").interceptor(Audit);
    /// # let _ = options;
    /// ```
    pub fn interceptor(mut self, interceptor: impl ClientInterceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }
    /// Sets the retry configuration of ordinary calls.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }
    /// Connects through an HTTP proxy, by a `CONNECT` tunnel (TLS, if set, runs inside it).
    ///
    /// ```
    /// use temporal_sdk::client::{ClientOptions, HttpConnectProxy};
    ///
    /// let options = ClientOptions::new("temporal.internal:7233")
    ///     .http_connect_proxy(HttpConnectProxy::new("proxy.corp.example:3128").basic_auth("user", "password"));
    /// # let _ = options;
    /// ```
    pub fn http_connect_proxy(mut self, proxy: HttpConnectProxy) -> Self {
        self.http_connect_proxy = Some(proxy);
        self
    }
}

impl From<&str> for ClientOptions {
    fn from(target: &str) -> Self {
        ClientOptions::new(target)
    }
}

impl From<String> for ClientOptions {
    fn from(target: String) -> Self {
        ClientOptions::new(target)
    }
}

fn default_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{}@{host}", std::process::id())
}
