//! Every supported shape of `#[init]`, `#[run]`, `#[signal]` and `#[query]`.

use std::cell::{Cell, RefCell};
use temporal_sdk::prelude::*;

pub struct Shapes {
    log: RefCell<Vec<String>>,
    n: Cell<u32>,
}

#[workflow(name = "ShapesV2")]
impl Shapes {
    /// Built from the workflow input.
    #[init]
    pub fn new(start: u32) -> Self {
        Shapes { log: RefCell::new(Vec::new()), n: Cell::new(start) }
    }

    /// Any `Result<T, E>` with `E` convertible into `WorkflowError`.
    #[run]
    pub async fn run(&self, start: u32) -> Result<u32, ApplicationError> {
        Ok(start + self.total())
    }

    /// A plain method, called by the run method and a query.
    fn total(&self) -> u32 {
        self.n.get()
    }

    #[signal]
    pub fn sync_no_input(&self) {
        self.n.set(self.n.get() + 1);
    }

    #[signal]
    pub fn sync_input(&self, entry: String) -> () {
        self.log.borrow_mut().push(entry);
    }

    #[signal(name = "add_pair")]
    pub fn sync_tuple(&self, (a, b): (u32, u32)) {
        self.n.set(self.n.get() + a + b);
    }

    #[signal]
    pub async fn async_no_input(&self) {
        self.n.set(0);
    }

    #[signal]
    pub async fn async_input(&self, n: u32) -> WorkflowResult<()> {
        self.n.set(n);
        Ok(())
    }

    #[signal]
    pub async fn async_application_error(&self, n: u32) -> Result<(), ApplicationError> {
        if n == 0 {
            return Err(ApplicationError::new("zero"));
        }
        Ok(())
    }

    #[query]
    pub fn query_no_input(&self) -> u32 {
        self.total()
    }

    #[query]
    pub fn query_input(&self, index: usize) -> Option<String> {
        self.log.borrow().get(index).cloned()
    }

    #[query(name = "type")]
    pub fn r#type(&self) -> String {
        "shapes".to_string()
    }

    #[cfg(debug_assertions)]
    #[query]
    pub fn debug_only(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

/// No input anywhere, `#[init]` without arguments, private handlers.
struct NoInput {
    ready: Cell<bool>,
}

#[workflow]
impl NoInput {
    #[init]
    fn create() -> NoInput {
        NoInput { ready: Cell::new(true) }
    }

    #[run]
    async fn execute(&self) -> WorkflowResult<bool> {
        Ok(self.ready.get())
    }
}

/// Built with `Default`, run takes an input that `#[init]` does not.
#[derive(Default)]
struct Defaulted;

#[temporal_sdk::workflow]
impl Defaulted {
    #[temporal_sdk::run]
    async fn run(&self, _input: Vec<u8>) -> WorkflowResult<()> {
        Ok(())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let options = || WorkflowOptions::new("shapes", "queue");
    let handle = client.start_workflow(Shapes::run, 1, options()).await?;
    handle.signal(Shapes::sync_no_input, ()).await?;
    handle.signal(Shapes::sync_input, "entry".to_string()).await?;
    handle.signal(Shapes::sync_tuple, (1, 2)).await?;
    handle.signal(Shapes::async_no_input, ()).await?;
    handle.signal(Shapes::async_input, 3).await?;
    handle.signal(Shapes::async_application_error, 4).await?;
    let _: u32 = handle.query(Shapes::query_no_input, ()).await?;
    let _: Option<String> = handle.query(Shapes::query_input, 0).await?;
    let _: String = handle.query(Shapes::r#type, ()).await?;
    let _: u32 = handle.result().await?;

    let handle = client.start_workflow(NoInput::execute, (), options()).await?;
    let _: bool = handle.result().await?;

    let handle = client.start_workflow(Defaulted::run, vec![1, 2, 3], options()).await?;
    handle.result().await?;
    Ok(())
}

fn main() {
    let _ = client_side;
    assert_eq!(<Shapes as Workflow>::NAME, "ShapesV2");
    assert_eq!(<NoInput as Workflow>::NAME, "NoInput");
    assert_eq!(<Defaulted as Workflow>::NAME, "Defaulted");
    assert_eq!(Shapes::sync_tuple.name(), "add_pair");
    assert_eq!(Shapes::r#type.name(), "type");
    assert_eq!(Shapes::async_input.name(), "async_input");
    #[cfg(debug_assertions)]
    assert_eq!(Shapes::debug_only.name(), "debug_only");
    // the constructor keeps its name
    assert_eq!(Shapes::new(4).total(), 4);
    // the definitions build
    let _ = <Shapes as Workflow>::definition();
    let _ = <NoInput as Workflow>::definition();
    let _ = <Defaulted as Workflow>::definition();
}
