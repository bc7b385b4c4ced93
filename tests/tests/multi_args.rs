//! Several arguments, one payload each (Python's `*args`), against a real dev server: a
//! two-parameter workflow started typed and by name, two-parameter signals, queries, updates
//! and validators, activities, local activities, child workflows and continue-as-new; and what
//! a caller that sends too many arguments gets.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::client::Untyped;
use temporal_sdk::converter::{self, Args};
use temporal_sdk::error::FailureKind;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

#[activity]
async fn compose(greeting: String, name: String) -> Result<String, ActivityError> {
    Ok(format!("{greeting}, {name}!"))
}

/// One tuple parameter: one payload holding an array.
#[activity]
async fn join_pair(pair: (String, u32)) -> Result<String, ActivityError> {
    Ok(format!("{}#{}", pair.0, pair.1))
}

#[derive(Default)]
struct Label;

#[workflow]
impl Label {
    #[run]
    async fn run(&self, text: String, n: u32) -> WorkflowResult<String> {
        Ok(format!("{text}-{n}"))
    }
}

#[derive(Default)]
struct Countdown;

#[workflow]
impl Countdown {
    #[run]
    async fn run(&self, label: String, n: u32) -> WorkflowResult<String> {
        if n > 0 {
            return workflow::continue_as_new(Self::run, (format!("{label}{n}"), n - 1));
        }
        Ok(label)
    }
}

struct Account {
    owner: RefCell<String>,
    cents: Cell<u64>,
    notes: RefCell<Vec<String>>,
    closed: Cell<bool>,
}

#[workflow]
impl Account {
    #[init]
    fn new(owner: String, cents: u64) -> Self {
        Account {
            owner: RefCell::new(owner),
            cents: Cell::new(cents),
            notes: RefCell::new(Vec::new()),
            closed: Cell::new(false),
        }
    }

    #[run]
    async fn run(&self, owner: String, cents: u64) -> WorkflowResult<String> {
        workflow::wait_condition(|| self.closed.get()).await?;
        let options = || ActivityOptions::start_to_close(Duration::from_secs(10));
        let greeting = workflow::execute_activity(compose, ("Hello".into(), owner.clone()), options()).await?;
        let local = LocalActivityOptions::start_to_close(Duration::from_secs(10));
        let renamed = self.owner.borrow().clone();
        let local = workflow::execute_local_activity(compose, ("Hi".into(), renamed), local).await?;
        let pair = workflow::execute_activity(join_pair, ("pair".into(), 2), options()).await?;
        let id = workflow::info().map(|info| info.workflow_id).unwrap_or_default();
        let child_options = ChildWorkflowOptions::new(format!("{id}-label"));
        let child = workflow::execute_child_workflow(Label::run, ("child".into(), 7), child_options).await?;
        Ok(format!(
            "{greeting} | {local} | {pair} | {child} | {cents}->{} | {}",
            self.cents.get(),
            self.notes.borrow().join(",")
        ))
    }

    #[signal]
    fn note(&self, text: String, times: u32) {
        self.notes.borrow_mut().push(text.repeat(times as usize));
    }

    #[signal]
    fn rename(&self, first: String, last: Option<String>) {
        *self.owner.borrow_mut() = match last {
            Some(last) => format!("{first} {last}"),
            None => first,
        };
    }

    #[signal]
    fn close(&self) {
        self.closed.set(true);
    }

    #[query]
    fn notes_from(&self, skip: usize, prefix: String) -> Vec<String> {
        self.notes.borrow().iter().skip(skip).map(|n| format!("{prefix}{n}")).collect()
    }

    #[query]
    fn owner(&self) -> String {
        self.owner.borrow().clone()
    }

    #[update]
    async fn deposit(&self, cents: u64, memo: String) -> WorkflowResult<u64> {
        self.cents.set(self.cents.get() + cents);
        self.notes.borrow_mut().push(memo);
        Ok(self.cents.get())
    }

    #[update_validator(deposit)]
    fn check_deposit(&self, cents: &u64, memo: &str) -> Result<(), ApplicationError> {
        if *cents == 0 || memo.is_empty() {
            return Err(ApplicationError::new(format!("a deposit needs cents and a memo, got {cents} and {memo:?}")));
        }
        Ok(())
    }
}

fn worker_options(queue: &str) -> WorkerOptions {
    WorkerOptions::new(queue)
        .workflow::<Account>()
        .workflow::<Label>()
        .workflow::<Countdown>()
        .workflow::<Caller>()
        .activity(compose)
        .activity(join_pair)
}

/// The input payloads of the workflow's start event.
async fn start_input<W>(handle: &WorkflowHandle<W>) -> Vec<temporal_sdk::protos::temporal::api::common::v1::Payload> {
    let history = handle.fetch_history().await.expect("history");
    history
        .history
        .events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => a.input.clone(),
            _ => None,
        })
        .expect("a start event")
        .payloads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_parameter_workflow_takes_two_payloads_everywhere() {
    let client = client().await;
    let queue = unique("multi-args");
    let worker = RunningWorker::start(&client, worker_options(&queue));

    let handle = client
        .start_workflow(Account::run, ("Ada".into(), 100), WorkflowOptions::new(unique("account"), &queue))
        .await
        .expect("start");
    let input = start_input(&handle).await;
    assert_eq!(input.len(), 2, "one payload per argument: {input:?}");
    assert_eq!(converter::decode::<String>(&input[0]).expect("owner"), "Ada");
    assert_eq!(converter::decode::<u64>(&input[1]).expect("cents"), 100);

    handle.signal(Account::note, ("ab".into(), 2)).await.expect("signal");
    handle.note("c".into(), 3).await.expect("typed handle method");
    // A missing trailing `Option` is `None`, as Python's default.
    handle.signal_by_name("rename", &Args(("Ada",))).await.expect("signal by name");
    assert_eq!(handle.owner().await.expect("owner"), "Ada");
    handle.signal(Account::rename, ("Ada".into(), Some("Lovelace".into()))).await.expect("signal");
    let notes: Vec<String> = handle.query(Account::notes_from, (1, "> ".into())).await.expect("query");
    assert_eq!(notes, ["> ccc"]);
    assert_eq!(handle.notes_from(0, "".into()).await.expect("typed query"), ["abab", "ccc"]);

    let total = handle.execute_update(Account::deposit, (20, "salary".into())).await.expect("update");
    assert_eq!(total, 120);
    assert_eq!(handle.deposit(5, "gift".into()).await.expect("typed update"), 125);
    let rejected = handle.execute_update(Account::deposit, (0, "nothing".into())).await.expect_err("rejected");
    let ClientError::UpdateFailed { cause } = &rejected else { panic!("{rejected}") };
    assert!(cause.message.contains("got 0 and \"nothing\""), "the validator saw both arguments: {}", cause.message);

    handle.signal(Account::close, ()).await.expect("close");
    let result = handle.result().await.expect("result");
    assert_eq!(
        result, "Hello, Ada! | Hi, Ada Lovelace! | pair#2 | child-7 | 100->125 | abab,ccc,salary,gift",
        "activity, local activity, tuple-parameter activity and child workflow all got their arguments"
    );
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_name_calls_send_several_arguments_with_args() {
    let client = client().await;
    let queue = unique("multi-args-by-name");
    let worker = RunningWorker::start(&client, worker_options(&queue));

    let options = WorkflowOptions::new(unique("account"), &queue);
    let handle: WorkflowHandle<Untyped> =
        client.start_workflow_by_name("Account", &Args(("Bo", 1)), options).await.expect("start by name");
    assert_eq!(start_input(&handle).await.len(), 2);
    handle.signal_by_name("note", &Args(("x", 2))).await.expect("signal");
    let notes: Vec<String> = handle.query_by_name("notes_from", &Args((0, "-"))).await.expect("query");
    assert_eq!(notes, ["-xx"]);
    let total: u64 = handle.execute_update_by_name("deposit", &Args((9, "tip"))).await.expect("update");
    assert_eq!(total, 10);
    handle.signal_by_name("close", &()).await.expect("close");
    let result: String = handle.result_as().await.expect("result");
    assert!(result.starts_with("Hello, Bo! | Hi, Bo! |"), "{result}");
    assert!(result.ends_with("1->10 | xx,tip"), "{result}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continue_as_new_carries_two_arguments() {
    let client = client().await;
    let queue = unique("multi-args-can");
    let worker = RunningWorker::start(&client, worker_options(&queue));
    let result = client
        .execute_workflow(Countdown::run, ("go".into(), 3), WorkflowOptions::new(unique("countdown"), &queue))
        .await
        .expect("result");
    assert_eq!(result, "go321");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_arguments_fail_the_workflow_task_with_the_counts() {
    let client = client().await;
    let queue = unique("multi-args-extra");
    let worker = RunningWorker::start(&client, worker_options(&queue));
    let options = WorkflowOptions::new(unique("account"), &queue);
    let handle = client.start_workflow_by_name("Account", &Args(("Cy", 1, true)), options).await.expect("start");
    // As any input that does not decode: the task fails (and is retried), the workflow stays open.
    let message = wait_for_failed_task(&handle).await;
    assert!(message.contains("failed decoding the input of workflow Account"), "{message}");
    assert!(message.contains("expected 2 arguments, got 3"), "{message}");
    handle.terminate("test over").await.expect("terminate");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_arguments_reject_an_update_and_fail_an_activity_attempt() {
    let client = client().await;
    let queue = unique("multi-args-extra-update");
    let worker = RunningWorker::start(&client, worker_options(&queue));
    let handle = client
        .start_workflow(Account::run, ("Di".into(), 1), WorkflowOptions::new(unique("account"), &queue))
        .await
        .expect("start");
    let rejected =
        handle.execute_update_by_name::<u64, _>("deposit", &Args((1, "a", "b"))).await.expect_err("rejected");
    let ClientError::UpdateFailed { cause } = &rejected else { panic!("{rejected}") };
    assert!(cause.message.contains("expected 2 arguments, got 3"), "{}", cause.message);
    // A missing argument that is not an `Option` names its index.
    let rejected = handle.execute_update_by_name::<u64, _>("deposit", &Args((1,))).await.expect_err("rejected");
    let ClientError::UpdateFailed { cause } = &rejected else { panic!("{rejected}") };
    assert!(cause.message.contains("expected 2 arguments, got 1: the argument at index 1"), "{}", cause.message);
    handle.terminate("test over").await.expect("terminate");

    let handle =
        client.start_workflow(Caller::run, (), WorkflowOptions::new(unique("caller"), &queue)).await.expect("start");
    let err = handle.result().await.expect_err("the activity fails");
    let ClientError::WorkflowFailed { cause } = &err else { panic!("{err}") };
    // As any arguments that do not decode: the attempt fails retryably.
    let root = cause.root_cause();
    assert!(matches!(root.kind, FailureKind::Application { non_retryable: false, .. }), "{root:?}");
    assert!(root.message.contains("Failed decoding arguments of activity \"compose\""), "{}", root.message);
    assert!(root.message.contains("expected 2 arguments, got 3"), "{}", root.message);
    worker.stop().await;
}

/// Calls the two-parameter activity by name with three arguments, once.
#[derive(Default)]
struct Caller;

#[workflow]
impl Caller {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10))
            .retry_policy(RetryPolicy::default().maximum_attempts(1));
        workflow::execute_activity_by_name("compose", &Args(("a", "b", "c")), options).await
    }
}

async fn wait_for_failed_task<W>(handle: &WorkflowHandle<W>) -> String {
    for _ in 0..200 {
        let events = handle.fetch_history().await.expect("history").history.events;
        let failed = events.iter().find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(a)) => a.failure.as_ref().map(|f| f.message.clone()),
            _ => None,
        });
        if let Some(message) = failed {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no WorkflowTaskFailed event appeared");
}
