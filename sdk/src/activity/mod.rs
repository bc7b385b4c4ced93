//! What activity code calls, and how activities are defined.
//!
//! An activity is a function marked `#[activity]`; `async` ones run as tokio tasks, plain
//! ones on a blocking thread pool. Inside, [`info`] and [`heartbeat`] reach the running
//! activity's context, as `activity.info()` and `activity.heartbeat()` do in Python.
//!
//! ```
//! use temporal_sdk::prelude::*;
//!
//! #[activity]
//! async fn process(items: Vec<String>) -> Result<usize, ActivityError> {
//!     for (i, _item) in items.iter().enumerate() {
//!         activity::heartbeat(&i);
//!     }
//!     Ok(items.len())
//! }
//! ```

mod context;
mod definition;

pub(crate) use context::{ActivityContext, CONTEXT, context_for_blocking, set_blocking_context};
pub use context::{ActivityInfo, cancelled, heartbeat, info, is_cancelled};
pub use definition::{ActivityDefinition, ActivityImplementation, ActivityReturn};
