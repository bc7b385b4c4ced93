//! Servers and environments for tests and local development.
//!
//! [`WorkflowEnvironment::start_local`] starts the real Temporal dev server on a free
//! loopback port, installing its binary on first use, and stops it when dropped.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use temporal_sdk::testing::WorkflowEnvironment;
//!
//! let env = WorkflowEnvironment::start_local().await?;
//! let client = env.client().clone();
//! // ... run a worker and workflows against `client` ...
//! env.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! [`WorkflowEnvironment::start_time_skipping`] starts the time-skipping test server instead:
//! while a test waits for a workflow result through the environment's client, the server
//! jumps over timers, so a workflow that sleeps for a day finishes at once.
//!
//! ```no_run
//! # use std::time::Duration;
//! # use temporal_sdk::prelude::*;
//! # #[derive(Default)] struct WaitADay;
//! # #[workflow] impl WaitADay { #[run] async fn run(&self) -> WorkflowResult<String> {
//! #     workflow::sleep(Duration::from_secs(24 * 3600)).await?; Ok("all done".into()) } }
//! use temporal_sdk::testing::WorkflowEnvironment;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let env = WorkflowEnvironment::start_time_skipping().await?;
//! let worker = Worker::new(env.client(), WorkerOptions::new("tq1").workflow::<WaitADay>())?;
//! let running = worker.clone();
//! tokio::spawn(async move { running.run().await });
//! let result = env.client().execute_workflow(WaitADay::run, (), WorkflowOptions::new("wf1", "tq1")).await?;
//! assert_eq!(result, "all done");
//! worker.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Activities are mocked by registering a test implementation under the real one's name,
//! `#[activity(name = "charge_card")]`, with the worker of the test.

mod activity_environment;
mod history_builder;
mod provision;
mod server;
mod time_skipping;

pub use activity_environment::ActivityEnvironment;
pub use history_builder::HistoryBuilder;
pub use provision::{ProvisionError, ServerKind, find_or_install};
pub use server::{DevServerOptions, SearchAttributeType, TestServer, TimeSkippingServerOptions};

pub use time_skipping::AutoSkippingDisabled;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::client::{Client, ClientError, ClientOptions};
use time_skipping::TimeSkipping;

/// The test server's argument that makes it skip time whenever it is idle, from the start.
/// An environment must not pass it: the server then holds only its internal locks, and the
/// client's unlock while waiting would take one of those away.
const ENABLE_TIME_SKIPPING: &str = "--enable-time-skipping";

/// Why an environment could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The server could not be found, installed or started.
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    /// The client could not connect to it.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The options ask for something the environment cannot work with.
    #[error("invalid environment options: {0}")]
    InvalidOptions(String),
    /// The environment's client configuration (variables, `temporal.toml`) is unusable.
    #[cfg(feature = "envconfig")]
    #[error(transparent)]
    Config(#[from] crate::client::envconfig::ConfigError),
}

/// A Temporal server for tests, with a client connected to it.
///
/// Dropping the environment stops the server it started.
pub struct WorkflowEnvironment {
    client: Client,
    server: Option<TestServer>,
    /// Set for the time-skipping test server.
    time_skipping: Option<Arc<TimeSkipping>>,
}

impl std::fmt::Debug for WorkflowEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowEnvironment")
            .field("target", &self.target())
            .field("time_skipping", &self.time_skipping.is_some())
            .finish()
    }
}

impl WorkflowEnvironment {
    /// Starts the Temporal dev server (`temporal server start-dev`, in memory) on a free
    /// loopback port and connects a client in namespace `default`.
    pub async fn start_local() -> Result<Self, EnvironmentError> {
        Self::start_local_with(DevServerOptions::default()).await
    }

    /// Like [`WorkflowEnvironment::start_local`] with server options (extra namespaces,
    /// search attributes, ...).
    pub async fn start_local_with(options: DevServerOptions) -> Result<Self, EnvironmentError> {
        let server = TestServer::start_dev(options).await?;
        let client = Client::connect(ClientOptions::new(server.target())).await?;
        Ok(Self { client, server: Some(server), time_skipping: None })
    }

    /// Starts the time-skipping test server on a free port and connects a client in namespace
    /// `default`.
    ///
    /// While a wait for a workflow result through this client (or a clone of it) is in
    /// progress, the server's time jumps to the next timer or timeout whenever nothing else is
    /// happening; otherwise it runs at the real pace. [`sleep`](Self::sleep) advances it by
    /// hand, [`auto_time_skipping_disabled`](Self::auto_time_skipping_disabled) turns the
    /// automatic skipping off for a while. Time stands still while a workflow task or an
    /// activity is running. A workflow that waits for something that never comes is skipped
    /// to its run timeout (10 years when none is set), so waiting for its result ends with a
    /// timeout at once.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::testing::WorkflowEnvironment;
    ///
    /// let env = WorkflowEnvironment::start_time_skipping().await?;
    /// let before = env.current_time().await?;
    /// env.sleep(std::time::Duration::from_secs(3600)).await?;
    /// assert!(env.current_time().await?.duration_since(before)?.as_secs() >= 3600);
    /// # Ok(()) }
    /// ```
    pub async fn start_time_skipping() -> Result<Self, EnvironmentError> {
        Self::start_time_skipping_with(TimeSkippingServerOptions::default()).await
    }

    /// Like [`WorkflowEnvironment::start_time_skipping`] with server options (a given
    /// executable, a longer start-up timeout, ...).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::testing::{TimeSkippingServerOptions, WorkflowEnvironment};
    ///
    /// let options = TimeSkippingServerOptions { executable: Some("/opt/temporal-test-server".into()), ..Default::default() };
    /// let env = WorkflowEnvironment::start_time_skipping_with(options).await?;
    /// # let _ = env; Ok(()) }
    /// ```
    pub async fn start_time_skipping_with(options: TimeSkippingServerOptions) -> Result<Self, EnvironmentError> {
        if options.extra_args.iter().any(|a| a == ENABLE_TIME_SKIPPING) {
            return Err(EnvironmentError::InvalidOptions(format!(
                "{ENABLE_TIME_SKIPPING} makes the server skip time on its own, which breaks the \
                 environment's skipping while results are awaited; leave it out"
            )));
        }
        let server = TestServer::start_time_skipping(options).await?;
        let mut env = Self::connect_time_skipping(server.target()).await?;
        env.server = Some(server);
        Ok(env)
    }

    /// An environment over a time-skipping test server that is already running at `target`
    /// (`host:port`), started as `temporal-test-server PORT` (without
    /// `--enable-time-skipping`); e.g. one server shared by the tests of a test binary. The
    /// server keeps running when the environment is dropped.
    ///
    /// The server's time is shared by all its clients: tests that run on one server at the
    /// same time see each other's skips.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::testing::{TestServer, TimeSkippingServerOptions, WorkflowEnvironment};
    ///
    /// let server = TestServer::start_time_skipping(TimeSkippingServerOptions::default()).await?;
    /// let env = WorkflowEnvironment::connect_time_skipping(server.target()).await?;
    /// # let _ = env; Ok(()) }
    /// ```
    pub async fn connect_time_skipping(target: &str) -> Result<Self, EnvironmentError> {
        let client = Client::connect(ClientOptions::new(target)).await?;
        let time_skipping = Some(time_skipping::enable(&client));
        Ok(Self { client, server: None, time_skipping })
    }

    /// The server of the environment's client configuration when it names one (the
    /// `TEMPORAL_ADDRESS` variable, or the address of the `TEMPORAL_PROFILE` profile, else
    /// the `default` one, of `temporal.toml`: see [`envconfig`](crate::client::envconfig)),
    /// with its namespace, API key, TLS and metadata; else a local dev server started here:
    /// what examples and local tools want.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let env = temporal_sdk::testing::WorkflowEnvironment::from_env_or_start_local().await?;
    /// # let _ = env; Ok(()) }
    /// ```
    #[cfg(feature = "envconfig")]
    pub async fn from_env_or_start_local() -> Result<Self, EnvironmentError> {
        use crate::client::envconfig::{ClientConfigProfile, LoadOptions};
        let profile = ClientConfigProfile::load(LoadOptions::new())?;
        if profile.address.as_deref().is_none_or(str::is_empty) {
            return Self::start_local().await;
        }
        Ok(Self::from_client(Client::connect(profile.to_client_options()?).await?))
    }

    /// The server named by the `TEMPORAL_ADDRESS` environment variable when it is set, else a
    /// local dev server started here (without the `envconfig` feature, profiles are not read).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let env = temporal_sdk::testing::WorkflowEnvironment::from_env_or_start_local().await?;
    /// # let _ = env; Ok(()) }
    /// ```
    #[cfg(not(feature = "envconfig"))]
    pub async fn from_env_or_start_local() -> Result<Self, EnvironmentError> {
        match std::env::var("TEMPORAL_ADDRESS") {
            Ok(address) => Ok(Self::from_client(Client::connect(ClientOptions::new(address)).await?)),
            Err(_) => Self::start_local().await,
        }
    }

    /// An environment over an existing server reached by `client`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::testing::WorkflowEnvironment;
    ///
    /// let client = temporal_sdk::Client::connect("localhost:7233").await?;
    /// let env = WorkflowEnvironment::from_client(client);
    /// # let _ = env; Ok(()) }
    /// ```
    pub fn from_client(client: Client) -> Self {
        Self { client, server: None, time_skipping: None }
    }

    /// Whether the environment's server skips time (the time-skipping test server).
    ///
    /// ```no_run
    /// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment) {
    /// if env.supports_time_skipping() {
    ///     // a 45 s timeout can be tested without waiting 45 s
    /// }
    /// # }
    /// ```
    pub fn supports_time_skipping(&self) -> bool {
        self.time_skipping.is_some()
    }

    /// Advances the environment's time by `duration`.
    ///
    /// On the time-skipping server, time skips over `duration` (firing the timers due in it)
    /// and stops at its end, even when no result is being waited for. On other servers this
    /// waits for `duration` of real time.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment) -> Result<(), temporal_sdk::client::ClientError> {
    /// // Past a workflow's 45 s timeout, before waiting for its result.
    /// env.sleep(Duration::from_secs(50)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sleep(&self, duration: Duration) -> Result<(), ClientError> {
        match &self.time_skipping {
            Some(controller) => controller.sleep(duration).await,
            None => {
                tokio::time::sleep(duration).await;
                Ok(())
            }
        }
    }

    /// The environment's current time: the test server's (possibly skipped ahead) time, or
    /// this machine's clock for other servers.
    ///
    /// ```no_run
    /// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment) -> Result<(), temporal_sdk::client::ClientError> {
    /// let now = env.current_time().await?;
    /// # let _ = now; Ok(()) }
    /// ```
    pub async fn current_time(&self) -> Result<SystemTime, ClientError> {
        match &self.time_skipping {
            Some(controller) => controller.current_time().await,
            None => Ok(SystemTime::now()),
        }
    }

    /// Turns automatic time skipping off until the returned scope is dropped: waiting for a
    /// workflow result then lets the workflow's timers take their real time. Waits already
    /// in progress keep skipping. Does nothing on servers that do not skip time.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct W;
    /// # #[workflow] impl W { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    /// # async fn demo(env: temporal_sdk::testing::WorkflowEnvironment, handle: WorkflowHandle<W>) -> Result<(), ClientError> {
    /// {
    ///     let _real_time = env.auto_time_skipping_disabled();
    ///     handle.result().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn auto_time_skipping_disabled(&self) -> AutoSkippingDisabled {
        match &self.time_skipping {
            Some(controller) => controller.disable_auto(),
            None => AutoSkippingDisabled::none(),
        }
    }

    /// The client connected to the environment's server.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The server's `host:port`, when the environment started one.
    pub fn target(&self) -> Option<&str> {
        self.server.as_ref().map(TestServer::target)
    }

    /// Stops the server the environment started (dropping it does the same).
    pub async fn shutdown(self) {
        if let Some(server) = self.server {
            server.shutdown().await;
        }
    }
}
