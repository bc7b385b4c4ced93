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

mod provision;
mod server;

pub use provision::{ProvisionError, ServerKind, find_or_install};
pub use server::{DevServerOptions, SearchAttributeType, TestServer, TimeSkippingServerOptions};

use crate::client::{Client, ClientError, ClientOptions};

/// Why an environment could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The server could not be found, installed or started.
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    /// The client could not connect to it.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A Temporal server for tests, with a client connected to it.
pub struct WorkflowEnvironment {
    client: Client,
    server: Option<TestServer>,
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
        Ok(Self { client, server: Some(server) })
    }

    /// An environment over an existing server reached by `client`.
    pub fn from_client(client: Client) -> Self {
        Self { client, server: None }
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
