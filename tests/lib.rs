//! Shared helpers of the integration tests: one real Temporal dev server per test binary,
//! a client per test, unique ids and task queues, and workers that run in the background.

pub mod workflows;

use std::sync::OnceLock;

use temporal_sdk::prelude::*;
use temporal_sdk::testing::{DevServerOptions, TestServer};
use temporal_sdk::worker::WorkerError;
use tokio::task::JoinHandle;

static SERVER: OnceLock<TestServer> = OnceLock::new();

/// The dev server shared by the tests of this binary, started on first use.
///
/// The server process ends with the test process (see `TestServer`), even though a static
/// is never dropped.
pub fn server() -> &'static TestServer {
    SERVER.get_or_init(|| match TestServer::start_dev_blocking(DevServerOptions::default()) {
        Ok(s) => s,
        Err(e) => panic!("cannot start the Temporal dev server for the tests: {e}"),
    })
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
        let join = tokio::spawn({
            let worker = worker.clone();
            async move { worker.run().await }
        });
        Self { worker, join }
    }

    /// Shuts the worker down and checks that it ended cleanly.
    pub async fn stop(self) {
        self.worker.shutdown().await;
        self.join.await.expect("worker task").expect("worker ran cleanly");
    }
}
