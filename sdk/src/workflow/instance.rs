//! The engine's view of a `#[workflow]` type: its definition behind the runtime's
//! type-erased factory and instance traits.

use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Arc;

use futures::future::LocalBoxFuture;

use super::{Workflow, WorkflowDefinition};
use crate::converter::{self, PayloadError};
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::common::v1::Payload;
use crate::runtime::instance::{
    HandlerOutcome, InteractionDefinition, InteractionKind, WorkflowFactory, WorkflowInstance,
};
use crate::runtime::tasks::{HandlerKind, HandlerUnfinishedPolicy};

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

    fn is_dynamic(&self) -> bool {
        W::DYNAMIC
    }

    fn versioning_behavior(&self) -> crate::versioning::VersioningBehavior {
        W::VERSIONING_BEHAVIOR
    }

    fn instantiate(&self, input: &[Payload]) -> Result<Box<dyn WorkflowInstance>, PayloadError> {
        // The constructor and the run method both take the input; decoding twice avoids
        // requiring `Clone` of every input type.
        let init_input = W::decode_input(input)?;
        let run_input = W::decode_input(input)?;
        let this = Rc::new((self.definition.init)(init_input));
        Ok(Box::new(Instance {
            this,
            definition: Arc::clone(&self.definition),
            input: std::cell::RefCell::new(Some(run_input)),
        }))
    }
}

struct Instance<W: Workflow> {
    this: Rc<W>,
    definition: Arc<WorkflowDefinition<W>>,
    input: std::cell::RefCell<Option<W::Input>>,
}

impl<W: Workflow> WorkflowInstance for Instance<W> {
    fn run(&self) -> LocalBoxFuture<'static, WorkflowResult<Payload>> {
        let Some(input) = self.input.borrow_mut().take() else {
            return Box::pin(async { Err(WorkflowError::task("the run method was started twice")) });
        };
        let fut = (self.definition.run)(Rc::clone(&self.this), input);
        Box::pin(async move {
            let out = fut.await?;
            converter::encode(&out).map_err(|e| WorkflowError::Task(Box::new(e)))
        })
    }

    // A handler registered under the name wins; the dynamic handler takes every other name.

    fn signal(&self, name: &str, args: &[Payload]) -> Option<Result<HandlerOutcome, PayloadError>> {
        let definition = &*self.definition;
        match definition.signals.get(name) {
            Some(h) => Some(h(&self.this, args)),
            None => definition.dynamic_signal.as_ref().map(|h| Ok(h(&self.this, name, args))),
        }
    }

    fn query(&self, name: &str, args: &[Payload]) -> Option<Result<Payload, PayloadError>> {
        let definition = &*self.definition;
        match definition.queries.get(name) {
            Some(h) => Some(h(&self.this, args)),
            None => definition.dynamic_query.as_ref().map(|h| h(&self.this, name, args)),
        }
    }

    fn update(
        &self,
        name: &str,
        args: &[Payload],
    ) -> Option<Result<LocalBoxFuture<'static, WorkflowResult<Payload>>, PayloadError>> {
        let definition = &*self.definition;
        match definition.updates.get(name) {
            Some(h) => Some(h(&self.this, args)),
            None => definition.dynamic_update.as_ref().map(|h| Ok(h(&self.this, name, args))),
        }
    }

    fn validate_update(&self, name: &str, args: &[Payload]) -> Option<Result<WorkflowResult<()>, PayloadError>> {
        let definition = &*self.definition;
        if definition.updates.contains_key(name) {
            return definition.validators.get(name).map(|v| v(&self.this, args));
        }
        definition.dynamic_validator.as_ref().map(|v| Ok(v(&self.this, name, args)))
    }

    fn update_names(&self) -> BTreeSet<&'static str> {
        let definition = &*self.definition;
        with_dynamic(definition.updates.keys().copied(), definition.dynamic_update.is_some())
    }

    fn signal_names(&self) -> BTreeSet<&'static str> {
        let definition = &*self.definition;
        with_dynamic(definition.signals.keys().copied(), definition.dynamic_signal.is_some())
    }

    fn query_names(&self) -> BTreeSet<&'static str> {
        let definition = &*self.definition;
        with_dynamic(definition.queries.keys().copied(), definition.dynamic_query.is_some())
    }

    fn definitions(&self) -> Vec<InteractionDefinition> {
        let d = &*self.definition;
        let kinds = [
            (InteractionKind::Signal, d.signals.keys().copied().collect::<Vec<_>>(), d.dynamic_signal.is_some()),
            (InteractionKind::Query, d.queries.keys().copied().collect(), d.dynamic_query.is_some()),
            (InteractionKind::Update, d.updates.keys().copied().collect(), d.dynamic_update.is_some()),
        ];
        let mut all = Vec::new();
        for (kind, names, dynamic) in kinds {
            // The dynamic handler has no name of its own: listed with an empty one, as Python does.
            for name in names.into_iter().chain(dynamic.then_some("")) {
                let description = d.details.get(&(kind, name)).map_or("", |details| details.description);
                all.push(InteractionDefinition { kind, name, description });
            }
        }
        all
    }

    fn unfinished_policy(&self, kind: HandlerKind, name: &str) -> HandlerUnfinishedPolicy {
        let d = &*self.definition;
        // A name without a handler of its own runs the dynamic handler, registered under "".
        let (kind, key) = match kind {
            HandlerKind::Signal => (InteractionKind::Signal, d.signals.get_key_value(name).map(|(k, _)| *k)),
            HandlerKind::Update => (InteractionKind::Update, d.updates.get_key_value(name).map(|(k, _)| *k)),
        };
        d.details.get(&(kind, key.unwrap_or(""))).map(|details| details.policy).unwrap_or_default()
    }
}

/// Stands for the dynamic handler in the names lists, which only feed messages: a workflow with
/// a dynamic handler handles every name.
pub(crate) const DYNAMIC_HANDLER: &str = "(dynamic handler)";

fn with_dynamic(names: impl Iterator<Item = &'static str>, dynamic: bool) -> BTreeSet<&'static str> {
    names.chain(dynamic.then_some(DYNAMIC_HANDLER)).collect()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures::FutureExt;

    use super::*;
    use crate::converter::{RawValue, encode, encode_args};
    use crate::workflow::{QueryMethod, SignalMethod, UpdateMethod};

    #[derive(Default)]
    struct Inbox {
        seen: RefCell<Vec<String>>,
    }

    impl Workflow for Inbox {
        const NAME: &'static str = "Inbox";
        type Input = ();
        type Output = ();

        fn definition() -> WorkflowDefinition<Self> {
            WorkflowDefinition::new(|()| Inbox::default(), |_, ()| Box::pin(async { Ok(()) }))
                .signal(SignalMethod::new("known"), |this: &Inbox, s: String| {
                    this.seen.borrow_mut().push(format!("known {s}"))
                })
                .dynamic_signal(|this: &Inbox, name: String, args: Vec<RawValue>| {
                    this.seen.borrow_mut().push(format!("{name} {}", args.len()));
                })
                .query(QueryMethod::new("count"), |this: &Inbox, (): ()| this.seen.borrow().len())
                .dynamic_query(|_: &Inbox, name: String, _: Vec<RawValue>| name)
                .update(UpdateMethod::new("known_update"), |_, n: u32| Box::pin(async move { Ok(n + 1) }))
                .dynamic_update(|_, name: String, args: Vec<RawValue>| {
                    Box::pin(async move { Ok(format!("{name}:{}", args[0].decode::<String>().unwrap_or_default())) })
                })
                .dynamic_update_validator(
                    |_: &Inbox, name: &str, _: &[RawValue]| {
                        if name == "forbidden" { Err(WorkflowError::task("no")) } else { Ok(()) }
                    },
                )
        }
    }

    fn args<T: serde::Serialize>(value: &T) -> Vec<Payload> {
        encode_args(value).unwrap()
    }

    #[test]
    fn unknown_names_fall_back_to_the_dynamic_handlers() {
        let instance = Factory::<Inbox>::new().instantiate(&[]).unwrap();
        assert!(matches!(instance.signal("known", &args(&"a")), Some(Ok(HandlerOutcome::Done))));
        assert!(matches!(instance.signal("other", &args(&(1, 2))), Some(Ok(HandlerOutcome::Done))));
        let count = instance.query("count", &[]).unwrap().unwrap();
        assert_eq!(count, encode(&2).unwrap());
        assert_eq!(instance.query("mystery", &[]).unwrap().unwrap(), encode(&"mystery").unwrap());

        let known = instance.update("known_update", &args(&1u32)).unwrap().unwrap().now_or_never().unwrap();
        assert_eq!(known.unwrap(), encode(&2).unwrap());
        let dynamic = instance.update("rename", &args(&"x")).unwrap().unwrap().now_or_never().unwrap();
        assert_eq!(dynamic.unwrap(), encode(&"rename:x").unwrap());

        // The static update has no validator; the dynamic validator sees only other names.
        assert!(instance.validate_update("known_update", &args(&1u32)).is_none());
        assert!(matches!(instance.validate_update("forbidden", &[]), Some(Ok(Err(_)))));
        assert!(matches!(instance.validate_update("allowed", &[]), Some(Ok(Ok(())))));

        assert!(instance.signal_names().contains(DYNAMIC_HANDLER));
        assert!(instance.query_names().contains("count"));
        assert!(instance.update_names().contains(DYNAMIC_HANDLER));
    }
}
