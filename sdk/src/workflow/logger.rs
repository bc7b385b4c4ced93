//! Logging from workflow code that stays quiet while history is replayed, so that a workflow
//! logs each thing once however often it is replayed.

use crate::runtime::context;

/// A logger for workflow code: each message carries the workflow id, run id and type, and
/// nothing is logged while replaying.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// workflow::logger().info(format_args!("charging {} cents", 1250));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Logger;

/// The workflow logger.
pub fn logger() -> Logger {
    Logger
}

macro_rules! level {
    ($name:ident, $level:ident) => {
        /// Logs at this level unless replaying.
        pub fn $name(&self, message: impl std::fmt::Display) {
            let Some(state) = context::current() else {
                tracing::$level!("{message}");
                return;
            };
            let st = state.borrow();
            if st.replaying {
                return;
            }
            let info = &st.info;
            tracing::$level!(workflow_id = %info.workflow_id, run_id = %info.run_id, workflow_type = %info.workflow_type, "{message}");
        }
    };
}

impl Logger {
    level!(trace, trace);
    level!(debug, debug);
    level!(info, info);
    level!(warn, warn);
    level!(error, error);
}
