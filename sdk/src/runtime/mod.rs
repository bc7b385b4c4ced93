//! The deterministic engine: history in, commands out. Independent of tonic and tokio, and of
//! the public face (`workflow/`), which stands on it.

pub(crate) mod builtin_queries;
pub(crate) mod context;
pub(crate) mod executor;
pub(crate) mod history;
pub(crate) mod hooks;
pub(crate) mod info;
pub(crate) mod instance;
pub(crate) mod jobs;
pub(crate) mod matching;
pub(crate) mod ops;
pub(crate) mod panic;
pub(crate) mod registry;
pub(crate) mod rng;
pub(crate) mod run;
pub(crate) mod state;
pub(crate) mod task;
pub(crate) mod tasks;
