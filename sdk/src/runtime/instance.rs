//! Workflow types and instances with their concrete types erased, so that a worker can hold
//! many workflow types in one table and the run machinery stays non-generic.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use futures::future::LocalBoxFuture;

use crate::converter::{self, PayloadError};
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::common::v1::Payload;
use crate::workflow::definition::HandlerOutcome;
use crate::workflow::{Workflow, WorkflowDefinition};

/// A registered workflow type.
pub(crate) trait WorkflowFactory: Send + Sync {
    fn name(&self) -> &'static str;
    fn instantiate(&self, input: &[Payload]) -> Result<Box<dyn WorkflowInstance>, PayloadError>;
}

/// One workflow object and its handlers.
pub(crate) trait WorkflowInstance {
    /// The run method's future, encoding its output; called once.
    fn run(&mut self) -> LocalBoxFuture<'static, WorkflowResult<Payload>>;
    /// Delivers a signal; `None` when the workflow has no handler of that name.
    fn signal(&self, name: &str, args: &[Payload]) -> Option<Result<HandlerOutcome, PayloadError>>;
    /// Answers a query; `None` when the workflow has no handler of that name.
    fn query(&self, name: &str, args: &[Payload]) -> Option<Result<Payload, PayloadError>>;
    fn signal_names(&self) -> BTreeSet<&'static str>;
    fn query_names(&self) -> BTreeSet<&'static str>;
}

pub(crate) struct Factory<W: Workflow> {
    definition: Arc<WorkflowDefinition<W>>,
}

impl<W: Workflow> Factory<W> {
    pub(crate) fn new() -> Self {
        Self { definition: Arc::new(W::definition()) }
    }
}

impl<W: Workflow> WorkflowFactory for Factory<W> {
    fn name(&self) -> &'static str {
        W::NAME
    }

    fn instantiate(&self, input: &[Payload]) -> Result<Box<dyn WorkflowInstance>, PayloadError> {
        // The constructor and the run method both take the input; decoding twice avoids
        // requiring `Clone` of every input type.
        let init_input = converter::decode_args::<W::Input>(input)?;
        let run_input = converter::decode_args::<W::Input>(input)?;
        let this = Rc::new((self.definition.init)(init_input));
        Ok(Box::new(Instance { this, definition: Arc::clone(&self.definition), input: Some(run_input) }))
    }
}

struct Instance<W: Workflow> {
    this: Rc<W>,
    definition: Arc<WorkflowDefinition<W>>,
    input: Option<W::Input>,
}

impl<W: Workflow> WorkflowInstance for Instance<W> {
    fn run(&mut self) -> LocalBoxFuture<'static, WorkflowResult<Payload>> {
        let Some(input) = self.input.take() else {
            return Box::pin(async { Err(WorkflowError::task("the run method was started twice")) });
        };
        let fut = (self.definition.run)(Rc::clone(&self.this), input);
        Box::pin(async move {
            let out = fut.await?;
            converter::encode(&out).map_err(|e| WorkflowError::Task(Box::new(e)))
        })
    }

    fn signal(&self, name: &str, args: &[Payload]) -> Option<Result<HandlerOutcome, PayloadError>> {
        self.definition.signals.get(name).map(|h| h(&self.this, args))
    }

    fn query(&self, name: &str, args: &[Payload]) -> Option<Result<Payload, PayloadError>> {
        self.definition.queries.get(name).map(|h| h(&self.this, args))
    }

    fn signal_names(&self) -> BTreeSet<&'static str> {
        self.definition.signals.keys().copied().collect()
    }

    fn query_names(&self) -> BTreeSet<&'static str> {
        self.definition.queries.keys().copied().collect()
    }
}
