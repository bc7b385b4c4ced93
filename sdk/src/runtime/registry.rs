//! The workflow types a worker or a replayer knows, with the dynamic workflow as fallback.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::instance::WorkflowFactory;

/// Workflow types by name; at most one dynamic workflow takes the names no other type has.
#[derive(Clone, Default)]
pub(crate) struct Registry {
    types: HashMap<&'static str, Arc<dyn WorkflowFactory>>,
}

impl Registry {
    /// A registry of `factories`; a name registered twice, or two dynamic workflows, is an
    /// error saying which.
    pub(crate) fn new(factories: impl IntoIterator<Item = Arc<dyn WorkflowFactory>>) -> Result<Self, String> {
        let mut types = HashMap::new();
        let mut dynamic = 0;
        for f in factories {
            dynamic += usize::from(f.is_dynamic());
            let name = f.name();
            if types.insert(name, f).is_some() {
                return Err(format!("workflow type {name:?} is registered twice"));
            }
        }
        if dynamic > 1 {
            return Err("more than one dynamic workflow is registered; a worker takes at most one".into());
        }
        Ok(Self { types })
    }

    /// Adds or replaces one type (replayers accept re-registration of a name).
    pub(crate) fn insert(&mut self, factory: Arc<dyn WorkflowFactory>) {
        self.types.insert(factory.name(), factory);
    }

    /// The type that runs `workflow_type`: its own, else the dynamic workflow.
    pub(crate) fn find(&self, workflow_type: &str) -> Option<&Arc<dyn WorkflowFactory>> {
        self.types.get(workflow_type).or_else(|| self.types.values().find(|f| f.is_dynamic()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The registered names, sorted, for messages about unknown types.
    pub(crate) fn names(&self) -> BTreeSet<&'static str> {
        self.types.keys().copied().collect()
    }
}
