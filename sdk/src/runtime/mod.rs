//! The deterministic workflow runtime: history in, commands out.

pub(crate) mod context;
pub(crate) mod executor;
pub(crate) mod history;
pub(crate) mod instance;
pub(crate) mod panic;
pub(crate) mod run;
pub(crate) mod update;
