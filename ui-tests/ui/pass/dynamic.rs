//! Dynamic handlers and a dynamic workflow.

use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
pub struct Router {
    log: RefCell<Vec<String>>,
}

#[workflow]
impl Router {
    #[run]
    pub async fn run(&self) -> WorkflowResult<Vec<String>> {
        Ok(self.log.borrow().clone())
    }

    /// A static signal wins over the dynamic one for its name.
    #[signal]
    pub fn reset(&self) {
        self.log.borrow_mut().clear();
    }

    #[signal(dynamic)]
    fn any_signal(&self, name: String, args: Vec<RawValue>) {
        let first: Option<String> = args.first().and_then(|a| a.decode().ok());
        self.log.borrow_mut().push(format!("{name}: {first:?}"));
    }

    #[query(dynamic)]
    fn any_query(&self, name: String, _args: Vec<RawValue>) -> Option<String> {
        self.log.borrow().iter().find(|entry| entry.starts_with(&name)).cloned()
    }

    #[update(dynamic)]
    async fn any_update(&self, name: String, args: Vec<RawValue>) -> WorkflowResult<usize> {
        self.log.borrow_mut().push(name);
        Ok(args.len())
    }

    #[update_validator(any_update)]
    fn validate_any_update(&self, name: &str, args: &[RawValue]) -> Result<(), ApplicationError> {
        if name.is_empty() || args.len() > 3 {
            return Err(ApplicationError::new("rejected"));
        }
        Ok(())
    }
}

/// Async dynamic signal; the dynamic update synchronous.
#[derive(Default)]
struct Relay;

#[workflow]
impl Relay {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(dynamic)]
    async fn forward(&self, name: String, _args: Vec<RawValue>) -> WorkflowResult<()> {
        let _ = name;
        Ok(())
    }

    #[update(dynamic)]
    fn answer(&self, name: String, _args: Vec<RawValue>) -> WorkflowResult<String> {
        Ok(name)
    }
}

/// The dynamic workflow: runs every workflow type the worker has no workflow for.
pub struct Fallback {
    arity: usize,
}

#[workflow(dynamic)]
impl Fallback {
    #[init]
    fn new(args: Vec<RawValue>) -> Self {
        Fallback { arity: args.len() }
    }

    #[run]
    async fn run(&self, args: Vec<RawValue>) -> WorkflowResult<String> {
        let kind = workflow::info().map(|info| info.workflow_type).unwrap_or_default();
        Ok(format!("{kind} with {} of {} arguments", args.len(), self.arity))
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    // Dynamic handlers are called by name; static handlers keep their markers.
    let handle = client.start_workflow(Router::run, (), WorkflowOptions::new("router", "queue")).await?;
    handle.signal_by_name("anything", &"value").await?;
    handle.signal(Router::reset, ()).await?;
    let _: Option<String> = handle.query_by_name("anything", &()).await?;
    let _: usize = handle.execute_update_by_name("grow", &(1, 2)).await?;
    // The dynamic workflow is started by the type name it stands in for.
    let other = client.start_workflow_by_name("SomeOtherType", &"input", WorkflowOptions::new("f", "queue")).await?;
    let _: String = other.result_as().await?;
    Ok(())
}

fn main() {
    let _ = client_side;
    assert!(<Fallback as Workflow>::DYNAMIC);
    assert!(!<Router as Workflow>::DYNAMIC);
    let _ = <Router as Workflow>::definition();
    let _ = <Relay as Workflow>::definition();
    let _ = <Fallback as Workflow>::definition();
    let _ = WorkerOptions::new("queue").workflow::<Router>().workflow::<Relay>().workflow::<Fallback>();
    // dynamic handlers keep their names
    let router = Router::default();
    router.any_signal("hello".into(), vec![RawValue::new(&"there").unwrap()]);
    assert_eq!(router.any_query("hello".into(), vec![]).as_deref(), Some("hello: Some(\"there\")"));
    assert!(router.validate_any_update("", &[]).is_err());
}
