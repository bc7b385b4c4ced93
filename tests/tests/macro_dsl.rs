//! The macro DSL against a real dev server: dynamic signal, query and update handlers (and the
//! dynamic validator), activities that are methods of one shared value, and the typed handle
//! methods that `#[workflow]` generates.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::replay::Replayer;

/// Stands for a connection pool that every activity method shares.
struct Inventory {
    warehouse: String,
    reservations: AtomicU32,
}

#[activities]
impl Inventory {
    #[activity]
    async fn reserve(&self, item: String) -> Result<String, ActivityError> {
        self.reservations.fetch_add(1, Ordering::SeqCst);
        Ok(format!("{item}@{}", self.warehouse))
    }

    /// Blocking, on the worker's activity executor.
    #[activity(name = "CountReservations")]
    fn count(&self) -> Result<u32, ActivityError> {
        Ok(self.reservations.load(Ordering::SeqCst))
    }
}

#[derive(Default)]
struct Router {
    log: RefCell<Vec<String>>,
    done: Cell<bool>,
}

#[workflow]
impl Router {
    #[run]
    async fn run(&self) -> WorkflowResult<Vec<String>> {
        workflow::wait_condition(|| self.done.get()).await?;
        workflow::wait_condition(workflow::all_handlers_finished).await?;
        Ok(self.log.borrow().clone())
    }

    #[signal]
    fn finish(&self) {
        self.done.set(true);
    }

    #[signal(dynamic)]
    fn any_signal(&self, name: String, args: Vec<RawValue>) {
        let first: String = args.first().and_then(|a| a.decode().ok()).unwrap_or_default();
        self.log.borrow_mut().push(format!("{name}={first}"));
    }

    #[query]
    fn entries(&self) -> usize {
        self.log.borrow().len()
    }

    #[query(dynamic)]
    fn any_query(&self, name: String, _args: Vec<RawValue>) -> Option<String> {
        self.log.borrow().iter().find(|entry| entry.starts_with(&format!("{name}="))).cloned()
    }

    /// Reserves the item named by the update through an activity method.
    #[update(dynamic)]
    async fn any_update(&self, name: String, args: Vec<RawValue>) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        let reserved = workflow::execute_activity(Inventory::reserve, name.clone(), options.clone()).await?;
        let count: u32 = workflow::execute_activity(Inventory::count, (), options).await?;
        self.log.borrow_mut().push(format!("{reserved}#{count}/{}", args.len()));
        Ok(reserved)
    }

    #[update_validator(any_update)]
    fn only_items(&self, name: &str, _args: &[RawValue]) -> Result<(), ApplicationError> {
        if name.starts_with("item_") {
            return Ok(());
        }
        Err(ApplicationError::new(format!("{name} is not an item")).with_type("NotAnItem"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_handlers_method_activities_and_handle_methods() {
    let client = client().await;
    let queue = unique("macro-dsl");
    let inventory = Arc::new(Inventory { warehouse: "north".into(), reservations: AtomicU32::new(0) });
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Router>().activities(Arc::clone(&inventory)),
    );
    let handle =
        client.start_workflow(Router::run, (), WorkflowOptions::new(unique("router"), &queue)).await.expect("start");

    // Names without a handler of their own go to the dynamic handlers.
    handle.signal_by_name("color", &"blue").await.expect("dynamic signal");
    let color: Option<String> = handle.query_by_name("color", &()).await.expect("dynamic query");
    assert_eq!(color.as_deref(), Some("color=blue"));
    // One argument (a tuple travels as one payload).
    let reserved: String = handle.execute_update_by_name("item_tea", &(1, 2)).await.expect("dynamic update");
    assert_eq!(reserved, "item_tea@north");
    assert_eq!(inventory.reservations.load(Ordering::SeqCst), 1);

    // The dynamic validator rejects before anything runs.
    let err = handle.execute_update_by_name::<String, _>("shoe", &()).await.unwrap_err();
    let ClientError::UpdateFailed { cause } = &err else { panic!("unexpected: {err}") };
    assert_eq!(cause.application_type(), Some("NotAnItem"));

    // The generated handle methods reach the static handlers.
    assert_eq!(handle.entries().await.expect("typed query"), 2);
    handle.finish().await.expect("typed signal");
    let log = handle.result().await.expect("result");
    assert_eq!(log, vec!["color=blue".to_string(), "item_tea@north#1/1".to_string()]);

    let history = handle.fetch_history().await.expect("history");
    Replayer::new().workflow::<Router>().replay_workflow(&history).expect("dynamic handlers replay");
    worker.stop().await;
}

/// Runs every workflow type no other workflow of its worker has.
#[derive(Default)]
struct Fallback {
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
        let first: String = match args.first() {
            Some(a) => a.decode()?,
            None => String::new(),
        };
        Ok(format!("{kind}({first}) with {} arguments", self.arity))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dynamic_workflow_runs_unknown_types_and_replays() {
    let client = client().await;
    let queue = unique("dynamic-workflow");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Fallback>());
    let handle = client
        .start_workflow_by_name("SomeTypeNobodyRegistered", &"hello", WorkflowOptions::new(unique("dyn"), &queue))
        .await
        .expect("start");
    let out: String = handle.result_as().await.expect("result");
    assert_eq!(out, "SomeTypeNobodyRegistered(hello) with 1 arguments");
    let history = handle.fetch_history().await.expect("history");
    temporal_sdk::replay::Replayer::new().workflow::<Fallback>().replay_workflow(&history).expect("replays");
    worker.stop().await;
}
