//! A typed Rust SDK for [Temporal](https://temporal.io): durable workflows and activities,
//! a client, and a worker, on a real Temporal server.
//!
//! ```no_run
//! use std::time::Duration;
//! use temporal_sdk::prelude::*;
//!
//! #[activity]
//! async fn say_hello(name: String) -> Result<String, ActivityError> {
//!     Ok(format!("Hello, {name}!"))
//! }
//!
//! #[derive(Default)]
//! struct SayHello;
//!
//! #[workflow]
//! impl SayHello {
//!     #[run]
//!     async fn run(&self, name: String) -> WorkflowResult<String> {
//!         workflow::execute_activity(say_hello, name, ActivityOptions::start_to_close(Duration::from_secs(10))).await
//!     }
//! }
//!
//! # async fn main_() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect("localhost:7233").await?;
//! let worker = Worker::new(&client, WorkerOptions::new("hello-queue").workflow::<SayHello>().activity(say_hello))?;
//! let running = worker.clone();
//! tokio::spawn(async move { running.run().await });
//! let result = client
//!     .execute_workflow(SayHello::run, "Temporal".to_string(), WorkflowOptions::new("hello-1", "hello-queue"))
//!     .await?;
//! assert_eq!(result, "Hello, Temporal!");
//! worker.shutdown().await;
//! # Ok(()) }
//! ```

#![deny(missing_docs, missing_debug_implementations)]

pub mod activity;
pub mod client;
mod common;
pub mod converter;
pub mod error;
mod headers;
mod history;
#[cfg(any(feature = "codec-server", feature = "prometheus"))]
mod http_server;
pub mod interceptor;
pub mod replay;
mod runtime;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod versioning;
pub mod worker;
pub mod workflow;

/// The Temporal API wire types.
pub use temporal_sdk_protos as protos;

pub use client::{Client, ClientOptions, WorkflowHandle, WorkflowOptions};
pub use common::{Priority, RetryPolicy};
pub use temporal_sdk_macros::{activities, activity, init, query, run, signal, update, update_validator, workflow};
pub use worker::{Worker, WorkerOptions};

/// Everything a typical workflow, activity or client program uses.
pub mod prelude {
    pub use crate::activity::{self, ActivityDefinition};
    pub use crate::client::{Client, ClientError, ClientOptions, WorkflowHandle, WorkflowOptions};
    pub use crate::common::RetryPolicy;
    pub use crate::converter::RawValue;
    pub use crate::error::{ActivityError, ApplicationError, Failure, WorkflowError, WorkflowResult};
    pub use crate::worker::{Worker, WorkerOptions};
    pub use crate::workflow::{self, ActivityOptions, Workflow};
    pub use temporal_sdk_macros::{activities, activity, init, query, run, signal, update, update_validator, workflow};
}

/// Internals that the project's criterion benchmarks measure; not a public API.
#[doc(hidden)]
pub mod __bench {
    pub use crate::worker::cache::RunCache;
}

/// Used by the code that the macros generate; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::activity::{
        ActivityDefinition, ActivityImplementation, ActivityMethod, ActivityMethods, ActivityReturn, UnboundActivity,
        activity_method,
    };
    pub use crate::client::{ClientError, HandleMethods, WorkflowHandle};
    pub use crate::converter::{ArgShape, PayloadError, RawValue};
    pub use crate::error::{ActivityError, WorkflowError, WorkflowResult};
    pub use crate::protos::temporal::api::common::v1::Payload;
    pub use crate::versioning::VersioningBehavior;
    pub use crate::worker::blocking_activity;
    pub use crate::workflow::definition::{raw_input, validator_rejection};
    pub use crate::workflow::{
        HandlerUnfinishedPolicy, QueryMethod, RunMethod, SignalMethod, UpdateMethod, Workflow, WorkflowDefinition,
        WorkflowReturn,
    };
    pub use futures::future::{BoxFuture, LocalBoxFuture};
    // The crate rather than its traits, so that compiler messages keep naming serde's paths.
    pub use serde;
    pub use std::rc::Rc;
    pub use std::sync::Arc;
}
