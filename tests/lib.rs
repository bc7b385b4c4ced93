//! Shared helpers of the integration tests: one real Temporal dev server per test binary,
//! a client per test, unique ids and task queues, and workers that run in the background;
//! and, for the tests of time skipping, one time-skipping test server per test binary; and, for
//! the interoperability tests, the real Python SDK ([`python`]).

pub mod python;
pub mod workflows;

use std::sync::OnceLock;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::{
    DevServerOptions, SearchAttributeType, TestServer, TimeSkippingServerOptions, WorkflowEnvironment,
};
use temporal_sdk::worker::WorkerError;
use tokio::task::JoinHandle;

static SERVER: OnceLock<TestServer> = OnceLock::new();

/// The dev server shared by the tests of this binary, started on first use.
///
/// The server process ends with the test process (see `TestServer`), even though a static
/// is never dropped.
pub fn server() -> &'static TestServer {
    SERVER.get_or_init(|| match TestServer::start_dev_blocking(server_options()) {
        Ok(s) => s,
        Err(e) => panic!("cannot start the Temporal dev server for the tests: {e}"),
    })
}

/// The dev server options of the tests: search attributes the tests upsert are registered.
pub fn server_options() -> DevServerOptions {
    DevServerOptions {
        search_attributes: vec![
            ("CustomKeywordField".into(), SearchAttributeType::Keyword),
            ("CustomIntField".into(), SearchAttributeType::Int),
            ("CustomTextField".into(), SearchAttributeType::Text),
            ("CustomDoubleField".into(), SearchAttributeType::Double),
            ("CustomBoolField".into(), SearchAttributeType::Bool),
            ("CustomDatetimeField".into(), SearchAttributeType::Datetime),
            ("CustomKeywordListField".into(), SearchAttributeType::KeywordList),
        ],
        ..DevServerOptions::default()
    }
}

/// The server the tests use: `TEMPORAL_TEST_ADDRESS` when set (an existing server), else the
/// dev server of this test binary.
pub fn target() -> String {
    match std::env::var("TEMPORAL_TEST_ADDRESS") {
        Ok(address) => address,
        Err(_) => server().target().to_string(),
    }
}

/// A client of the test server, in namespace `default`.
pub async fn client() -> Client {
    let target = target();
    Client::connect(ClientOptions::new(target)).await.expect("connect to the dev server")
}

static TIME_SKIPPING_SERVER: OnceLock<TestServer> = OnceLock::new();

/// The time-skipping test server shared by the tests of this binary, started on first use.
pub fn time_skipping_server() -> &'static TestServer {
    TIME_SKIPPING_SERVER.get_or_init(|| {
        match TestServer::start_time_skipping_blocking(TimeSkippingServerOptions::default()) {
            Ok(s) => s,
            Err(e) => panic!("cannot start the Temporal time-skipping test server for the tests: {e}"),
        }
    })
}

/// Whoever holds it has the shared time-skipping server to itself: the server has one clock,
/// so a test skipping time would fire the timers of another running at the same time.
static TIME_SKIPPING_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A time-skipping environment on this binary's shared server, used by one test at a time.
pub struct TimeSkippingEnv {
    pub env: WorkflowEnvironment,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for TimeSkippingEnv {
    type Target = WorkflowEnvironment;

    fn deref(&self) -> &WorkflowEnvironment {
        &self.env
    }
}

/// Waits for the shared time-skipping server to be free and connects an environment to it.
pub async fn time_skipping_env() -> TimeSkippingEnv {
    // A test that panicked while holding the turn does not poison a tokio mutex.
    let turn = TIME_SKIPPING_TURN.lock().await;
    let target = time_skipping_server().target().to_string();
    let env = WorkflowEnvironment::connect_time_skipping(&target).await.expect("connect to the test server");
    TimeSkippingEnv { env, _turn: turn }
}

/// A name unique to this test run.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A worker running in the background until stopped.
pub struct RunningWorker {
    pub worker: Worker,
    join: JoinHandle<Result<(), WorkerError>>,
}

impl RunningWorker {
    /// Starts a worker with `options` on a background task.
    pub fn start(client: &Client, options: WorkerOptions) -> Self {
        let worker = Worker::new(client, options).expect("valid worker options");
        let join = worker.spawn();
        Self { worker, join }
    }

    /// Shuts the worker down and checks that it ended cleanly.
    pub async fn stop(self) {
        self.worker.shutdown().await;
        self.join.await.expect("worker task").expect("worker ran cleanly");
    }
}

/// The event type names of a history, e.g. `"ACTIVITY_TASK_CANCEL_REQUESTED"`.
pub fn event_types(history: &temporal_sdk::replay::WorkflowHistory) -> Vec<String> {
    history
        .history
        .events
        .iter()
        .map(|e| e.event_type().as_str_name().trim_start_matches("EVENT_TYPE_").to_string())
        .collect()
}
