//! Update ids, update handles found by id, the stage to wait for, and update-with-start,
//! against a real dev server.

use std::cell::Cell;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation, WorkflowUpdateStage};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdConflictPolicy;

#[derive(Default)]
struct Counter {
    total: Cell<u32>,
    updates: Cell<u32>,
    done: Cell<bool>,
}

#[workflow]
impl Counter {
    #[run]
    pub async fn run(&self, start: u32) -> WorkflowResult<(u32, u32)> {
        self.total.set(self.total.get() + start);
        workflow::wait_condition(|| self.done.get()).await?;
        workflow::wait_condition(workflow::all_handlers_finished).await?;
        Ok((self.total.get(), self.updates.get()))
    }

    /// Adds `n`; returns the new total.
    #[update]
    pub fn add(&self, n: u32) -> WorkflowResult<u32> {
        self.total.set(self.total.get() + n);
        self.updates.set(self.updates.get() + 1);
        Ok(self.total.get())
    }

    #[signal]
    pub fn finish(&self) {
        self.done.set(true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_id_is_run_once_and_its_handle_found_again() {
    let client = client().await;
    let queue = unique("counter");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Counter>());
    let handle =
        client.start_workflow(Counter::run, 0, WorkflowOptions::new(unique("counter"), &queue)).await.expect("start");

    let first = UpdateOptions::new().id("add-five");
    assert_eq!(handle.execute_update_with(Counter::add, 5, first.clone()).await.expect("update"), 5);
    // The same id again: the server returns the first outcome without running the handler.
    assert_eq!(handle.execute_update_with(Counter::add, 7, first).await.expect("repeat"), 5);
    let again = handle.start_update_with(Counter::add, 9, UpdateOptions::new().id("add-five")).await.expect("repeat");
    assert_eq!(again.id(), "add-five");
    assert_eq!(again.result().await.expect("result"), 5);

    // Handles found by id, typed and untyped, from a handle made by id alone.
    let by_id = client.get_workflow_handle::<Counter>(handle.id(), None);
    assert_eq!(by_id.get_update_handle_for(Counter::add, "add-five").result().await.expect("typed"), 5);
    let untyped = client.get_untyped_workflow_handle(handle.id(), None);
    assert_eq!(untyped.get_update_handle::<u32>("add-five").result().await.expect("untyped"), 5);
    let missing = untyped.get_update_handle::<u32>("no-such-update").result().await.expect_err("unknown id");
    assert!(missing.is_not_found(), "{missing}");

    // Waiting for completion brings the outcome with the handle.
    let completed = handle
        .start_update_with(Counter::add, 1, UpdateOptions::new().wait_for_stage(WorkflowUpdateStage::Completed))
        .await
        .expect("completed");
    assert_eq!(completed.workflow_id(), handle.id());
    assert_eq!(completed.result().await.expect("result"), 6);

    handle.signal(Counter::finish, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), (6, 2));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_with_start_starts_a_workflow_or_updates_the_running_one() {
    let client = client().await;
    let queue = unique("counter");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Counter>());
    let id = unique("uws");
    let use_existing = || WorkflowOptions::new(&id, &queue).id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);

    // No workflow runs under the id: it starts with input 10 and takes the update.
    let start = WithStartWorkflowOperation::new(Counter::run, 10, use_existing()).expect("operation");
    let total = client
        .execute_update_with_start_workflow(Counter::add, 1, &start, UpdateOptions::new().id("first"))
        .await
        .expect("update with start");
    assert_eq!(total, 11);
    let started = start.workflow_handle().expect("handle after the call");
    let run_id = started.run_id().expect("run id").to_string();

    // It runs now: the update goes to the same run, and its input is not used.
    let again = WithStartWorkflowOperation::new(Counter::run, 1000, use_existing()).expect("operation");
    let update = client
        .start_update_with_start_workflow(Counter::add, 2, &again, UpdateOptions::new().id("second"))
        .await
        .expect("update of the running workflow");
    assert_eq!(update.workflow_run_id(), Some(run_id.as_str()));
    assert_eq!(update.result().await.expect("result"), 13);
    assert_eq!(again.workflow_handle().and_then(|h| h.run_id().map(str::to_string)), Some(run_id.clone()));

    // The same update id through update-with-start is deduplicated too.
    let repeat = WithStartWorkflowOperation::new(Counter::run, 0, use_existing()).expect("operation");
    let total = client
        .execute_update_with_start_workflow(Counter::add, 50, &repeat, UpdateOptions::new().id("second"))
        .await
        .expect("repeat");
    assert_eq!(total, 13);

    // With the Fail policy a running workflow is an error naming it, as in Python.
    let fail = WorkflowOptions::new(&id, &queue).id_conflict_policy(WorkflowIdConflictPolicy::Fail);
    let refused = WithStartWorkflowOperation::new(Counter::run, 0, fail).expect("operation");
    let err = client
        .execute_update_with_start_workflow(Counter::add, 1, &refused, UpdateOptions::new())
        .await
        .expect_err("already started");
    match &err {
        ClientError::WorkflowAlreadyStarted { workflow_id, workflow_type, run_id: existing } => {
            assert_eq!(workflow_id, &id);
            assert_eq!(workflow_type, "Counter");
            assert_eq!(existing, &run_id);
        }
        other => panic!("expected WorkflowAlreadyStarted, got {other:?}"),
    }
    assert!(refused.workflow_handle().is_none());
    // An operation is used once, and needs a conflict policy.
    let reused = client.execute_update_with_start_workflow(Counter::add, 1, &start, UpdateOptions::new()).await;
    assert!(matches!(reused, Err(ClientError::InvalidOptions(_))), "{reused:?}");
    let no_policy = WithStartWorkflowOperation::new(Counter::run, 0, WorkflowOptions::new(&id, &queue));
    assert!(matches!(no_policy, Err(ClientError::InvalidOptions(_))), "{no_policy:?}");

    started.signal(Counter::finish, ()).await.expect("signal");
    assert_eq!(started.result().await.expect("result"), (13, 2));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_with_start_by_name_reaches_a_workflow_of_any_language() {
    let client = client().await;
    let queue = unique("counter");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Counter>());
    let options =
        WorkflowOptions::new(unique("uws-name"), &queue).id_conflict_policy(WorkflowIdConflictPolicy::UseExisting);
    let start = WithStartWorkflowOperation::by_name("Counter", &3, options).expect("operation");
    let update = client
        .start_update_with_start_workflow_by_name::<u32, _, _>("add", &4, &start, UpdateOptions::new())
        .await
        .expect("update with start");
    assert_eq!(update.result().await.expect("result"), 7);
    let handle = start.workflow_handle().expect("handle");
    handle.signal_by_name("finish", &()).await.expect("signal");
    assert_eq!(handle.result_as::<(u32, u32)>().await.expect("result"), (7, 1));
    worker.stop().await;
}
