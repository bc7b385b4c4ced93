//! Several parameters, one payload each, everywhere: workflow run and init, signals (sync and
//! async), queries, updates and their validators, activities (functions and methods), child
//! workflows, continue-as-new, local activities, external signals, the typed handle methods,
//! and the by-name calls with `Args`.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::time::Duration;
use temporal_sdk::client::{UpdateOptions, WithStartWorkflowOperation};
use temporal_sdk::converter::{ArgShape, Args};
use temporal_sdk::prelude::*;
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

#[activity]
async fn compose(greeting: String, name: String, times: u32) -> Result<String, ActivityError> {
    Ok(format!("{greeting}, {name}!").repeat(times as usize))
}

#[activity]
fn add(a: i64, b: i64) -> Result<i64, ActivityError> {
    Ok(a + b)
}

/// One tuple parameter: one payload holding an array.
#[activity]
async fn add_pair(pair: (i64, i64)) -> Result<i64, ActivityError> {
    Ok(pair.0 + pair.1)
}

pub struct Store;

#[activities]
impl Store {
    #[activity]
    async fn put(&self, key: String, value: u32) -> Result<(), ActivityError> {
        let _ = (key, value);
        Ok(())
    }
}

pub struct Account {
    owner: RefCell<String>,
    cents: Cell<u64>,
}

#[workflow]
impl Account {
    #[init]
    pub fn new(owner: String, cents: u64) -> Self {
        Account { owner: RefCell::new(owner), cents: Cell::new(cents) }
    }

    #[run]
    pub async fn run(&self, owner: String, cents: u64) -> WorkflowResult<String> {
        let options = || ActivityOptions::start_to_close(Duration::from_secs(5));
        let text = workflow::execute_activity(compose, ("Hello".into(), owner.clone(), 2), options()).await?;
        let _: i64 = workflow::execute_activity(add, (1, 2), options()).await?;
        let _: i64 = workflow::execute_activity(add_pair, (1, 2), options()).await?;
        workflow::execute_activity(Store::put, ("k".into(), 7), options()).await?;
        let local = LocalActivityOptions::start_to_close(Duration::from_secs(2));
        let _: i64 = workflow::execute_local_activity(add, (3, 4), local).await?;
        let _: String = workflow::execute_activity_by_name("compose", &Args(("Hi", "you", 1)), options()).await?;

        if cents > 100 {
            let child = ChildWorkflowOptions::new("child");
            let _: String = workflow::execute_child_workflow(Self::run, ("child".into(), 1), child).await?;
            let child = workflow::start_child_workflow(Self::run, ("child".into(), 2), ChildWorkflowOptions::new("c2")).await?;
            child.signal(Self::deposit, (5, "interest".into())).await?;
            child.signal_by_name("deposit", &Args((5, "interest"))).await?;
            let external = workflow::get_external_workflow_handle::<Account>("other", None);
            external.signal(Self::deposit, (1, "gift".into())).await?;
            return workflow::continue_as_new(Self::run, (owner, cents - 1));
        }
        Ok(format!("{text} {}", self.cents.get()))
    }

    #[signal]
    pub fn deposit(&self, cents: u64, memo: String) {
        let _ = memo;
        self.cents.set(self.cents.get() + cents);
    }

    #[signal]
    pub async fn rename(&self, first: String, last: Option<String>) {
        *self.owner.borrow_mut() = format!("{first} {}", last.unwrap_or_default());
    }

    #[query]
    pub fn balance_in(&self, currency: String, rate: f64) -> String {
        format!("{} {currency}", self.cents.get() as f64 * rate)
    }

    #[update]
    pub async fn withdraw(&self, cents: u64, reason: String) -> WorkflowResult<u64> {
        let _ = reason;
        self.cents.set(self.cents.get() - cents);
        Ok(self.cents.get())
    }

    #[update_validator(withdraw)]
    fn check_withdraw(&self, cents: &u64, reason: &str) -> Result<(), ApplicationError> {
        if *cents > self.cents.get() || reason.is_empty() {
            return Err(ApplicationError::new("not allowed"));
        }
        Ok(())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let options = || WorkflowOptions::new("account", "queue");
    let handle = client.start_workflow(Account::run, ("Ada".into(), 100), options()).await?;
    handle.signal(Account::deposit, (5, "salary".into())).await?;
    handle.signal(Account::rename, ("Ada".into(), None)).await?;
    let _: String = handle.query(Account::balance_in, ("EUR".into(), 0.9)).await?;
    let _: u64 = handle.execute_update(Account::withdraw, (1, "rent".into())).await?;
    let _ = handle.start_update_with(Account::withdraw, (1, "rent".into()), UpdateOptions::new()).await?;
    // the typed handle methods take the parameters one by one
    handle.deposit(5, "salary".into()).await?;
    let _: String = handle.balance_in("EUR".into(), 0.9).await?;
    let _: u64 = handle.withdraw(1, "rent".into()).await?;
    let _: String = handle.result().await?;

    let _ = client
        .signal_with_start(Account::run, ("Bo".into(), 1), Account::deposit, (1, "x".into()), options())
        .await?;
    let start = WithStartWorkflowOperation::new(Account::run, ("Bo".into(), 1), options())?;
    let _: u64 =
        client.execute_update_with_start_workflow(Account::withdraw, (1, "x".into()), &start, UpdateOptions::new()).await?;

    // by name, several arguments with `Args`
    let untyped = client.start_workflow_by_name("Account", &Args(("Ada", 100)), options()).await?;
    untyped.signal_by_name("deposit", &Args((5, "salary"))).await?;
    let _: String = untyped.query_by_name("balance_in", &Args(("EUR", 0.9))).await?;
    let _: u64 = untyped.execute_update_by_name("withdraw", &Args((1, "rent"))).await?;
    Ok(())
}

fn heartbeat_in_activity() {
    activity::heartbeat(&Args((3u32, "copying")));
}

fn main() {
    let _ = client_side;
    let _ = heartbeat_in_activity;
    assert_eq!(<Account as Workflow>::INPUT_SHAPE, ArgShape::Spread);
    assert_eq!(Account::deposit.input_shape(), ArgShape::Spread);
    assert_eq!(Account::withdraw.input_shape(), ArgShape::Spread);
    assert_eq!(compose.input_shape(), ArgShape::Spread);
    assert_eq!(add_pair.input_shape(), ArgShape::Single);
    assert_eq!(Store::put.input_shape(), ArgShape::Spread);
    let _ = <Account as Workflow>::definition();
    let _ = WorkerOptions::new("queue")
        .workflow::<Account>()
        .activity(compose)
        .activity(add)
        .activity(add_pair)
        .activities(Arc::new(Store));
    // `call` keeps the function's own parameters
    let _ = compose::call("Hi".into(), "you".into(), 1);
    assert_eq!(add::call(1, 2).unwrap_or_default(), 3);
}
