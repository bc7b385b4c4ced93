//! Activity attempts as interceptors see them.

use futures::future::BoxFuture;

use super::{Headers, Interceptor};
use crate::activity::ActivityInfo;
use crate::error::ActivityError;
use crate::protos::temporal::api::common::v1::Payload;

/// One activity attempt on its way into the activity function: its facts, the headers its
/// workflow sent along, and its arguments (converted, not yet decoded into Rust values).
#[derive(Debug)]
#[non_exhaustive]
pub struct ActivityCall<'a> {
    /// The attempt's facts.
    pub info: &'a ActivityInfo,
    /// What the scheduling workflow (or its interceptors) put in the headers; the activity
    /// reads them with [`activity::headers`](crate::activity::headers).
    pub headers: Headers,
    /// The arguments, one payload each.
    pub args: Vec<Payload>,
}

/// Runs the attempt's remaining interceptors, then the activity.
pub(crate) type Terminal<'a> =
    &'a (dyn Fn(ActivityCall<'a>) -> BoxFuture<'a, Result<Payload, ActivityError>> + Send + Sync);

/// The rest of the chain after the interceptor being called: the next one, or the activity.
pub struct ActivityNext<'a> {
    rest: &'a [std::sync::Arc<dyn Interceptor>],
    terminal: Terminal<'a>,
}

impl std::fmt::Debug for ActivityNext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityNext").field("interceptors_left", &self.rest.len()).finish()
    }
}

impl<'a> ActivityNext<'a> {
    pub(crate) fn new(chain: &'a [std::sync::Arc<dyn Interceptor>], terminal: Terminal<'a>) -> Self {
        ActivityNext { rest: chain, terminal }
    }

    /// Passes the attempt on and returns its outcome.
    pub fn run(self, call: ActivityCall<'a>) -> BoxFuture<'a, Result<Payload, ActivityError>> {
        match self.rest.split_first() {
            Some((first, rest)) => first.execute_activity(call, ActivityNext { rest, terminal: self.terminal }),
            None => (self.terminal)(call),
        }
    }
}
