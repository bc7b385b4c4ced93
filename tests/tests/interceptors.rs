//! Interceptors: what they see of client calls, activity attempts and workflow runs, and the
//! headers they put on them, checked against a real server's histories.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::interceptor::{
    ActivityCall, ActivityNext, ClientNext, ClientRequest, ClientResponse, InboundKind, Interceptor, OutboundKind,
    WorkflowInbound, WorkflowOutbound,
};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::Payload;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes as Ev;
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

const TENANT: &str = "tenant";
/// The client call that sent the headers.
const SENDER: &str = "sender";

/// Everything the recorder saw.
#[derive(Default, Debug)]
struct Seen {
    client_calls: Vec<String>,
    inbound: Vec<(InboundKind, String, bool, Option<String>)>,
    outbound: Vec<(OutboundKind, String, bool)>,
    activities: Vec<(String, Option<String>)>,
    heartbeats: usize,
}

/// Puts the tenant on client calls, passes it from a run's start headers to what the run
/// schedules, and records every hook call.
#[derive(Clone)]
struct Recorder {
    tenant: String,
    seen: Arc<Mutex<Seen>>,
}

impl Recorder {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
}

impl Interceptor for Recorder {
    fn intercept_client<'a>(
        &'a self,
        mut request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        self.seen().client_calls.push(request.operation().to_string());
        let operation = request.operation();
        request.edit_headers(|h| {
            h.insert(TENANT, &self.tenant).unwrap();
            h.insert(SENDER, operation).unwrap();
        });
        next.run(request)
    }

    fn execute_activity<'a>(
        &'a self,
        call: ActivityCall<'a>,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, Result<Payload, ActivityError>> {
        let tenant = call.headers.get::<String>(TENANT).unwrap();
        self.seen().activities.push((call.info.activity_type.clone(), tenant));
        next.run(call)
    }

    fn activity_heartbeat(&self, _info: &temporal_sdk::activity::ActivityInfo, details: &mut Vec<Payload>) {
        self.seen().heartbeats += 1;
        details.clear();
    }

    fn workflow_inbound(&self, call: &mut WorkflowInbound<'_>) {
        let tenant = call.headers().get::<String>(TENANT).unwrap();
        self.seen().inbound.push((call.kind(), call.name().to_string(), call.is_replaying(), tenant));
    }

    fn workflow_outbound(&self, call: &mut WorkflowOutbound<'_>) {
        self.seen().outbound.push((call.kind(), call.name().to_string(), call.is_replaying()));
        if let Some(tenant) = call.workflow_headers().payload(TENANT).cloned() {
            call.headers_mut().insert_payload(TENANT, tenant);
        }
    }
}

#[activity]
async fn whose(label: String) -> Result<String, ActivityError> {
    activity::heartbeat(&"working");
    let tenant: Option<String> =
        activity::headers().get(TENANT).map_err(|e| ActivityError::retryable(e.to_string()))?;
    Ok(format!("{label}:{}", tenant.unwrap_or_default()))
}

fn start_tenant() -> String {
    workflow::info().and_then(|i| i.headers.get::<String>(TENANT).unwrap()).unwrap_or_default()
}

#[derive(Default)]
struct Leaf;

#[workflow]
impl Leaf {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        Ok(format!("child:{}", start_tenant()))
    }
}

#[derive(Default)]
struct Hub {
    done: std::cell::Cell<bool>,
    /// Whose signal finished the run, from the signal's own headers.
    finished_by: std::cell::RefCell<String>,
    bumps: std::cell::Cell<u32>,
}

#[workflow]
impl Hub {
    #[run]
    async fn run(&self) -> WorkflowResult<Vec<String>> {
        let remote = workflow::execute_activity(
            whose,
            "remote".to_string(),
            ActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        let local = workflow::execute_local_activity(
            whose,
            "local".to_string(),
            LocalActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        let child_id = format!("{}-leaf", workflow::info().unwrap().workflow_id);
        let child = workflow::execute_child_workflow(Leaf::run, (), ChildWorkflowOptions::new(child_id)).await?;
        workflow::wait_condition(|| self.done.get()).await?;
        let signal = format!("signal:{}", self.finished_by.borrow());
        Ok(vec![format!("workflow:{}", start_tenant()), remote, local, child, signal])
    }

    #[signal]
    fn finish(&self) {
        let sender: Option<String> = workflow::headers().get(SENDER).unwrap();
        *self.finished_by.borrow_mut() = sender.unwrap_or_default();
        self.done.set(true);
    }

    #[query]
    fn bumps(&self) -> u32 {
        self.bumps.get()
    }

    #[update]
    fn bump(&self) -> WorkflowResult<u32> {
        self.bumps.set(self.bumps.get() + 1);
        Ok(self.bumps.get())
    }

    #[update_validator(bump)]
    fn validate_bump(&self) -> Result<(), ApplicationError> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_travel_from_the_client_through_the_workflow_to_activities_and_children() {
    let recorder = Recorder { tenant: "acme".into(), seen: Arc::default() };
    let client = client().await.with_interceptor(recorder.clone());
    let queue = unique("intercepted");
    // No cache: every task replays the run from the start, so replays reach the hooks too.
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Hub>().workflow::<Leaf>().activity(whose).max_cached_workflows(0),
    );
    let handle = client.start_workflow(Hub::run, (), WorkflowOptions::new(unique("hub"), &queue)).await.expect("start");
    assert_eq!(handle.execute_update(Hub::bump, ()).await.expect("update"), 1);
    assert_eq!(handle.query(Hub::bumps, ()).await.expect("query"), 1);
    handle.signal(Hub::finish, ()).await.expect("signal");
    let result = handle.result().await.expect("result");
    assert_eq!(result, ["workflow:acme", "remote:acme", "local:acme", "child:acme", "signal:SignalWorkflowExecution"]);
    worker.stop().await;

    let history = handle.fetch_history().await.expect("history");
    let scheduled = history.history.events.iter().find_map(|e| match &e.attributes {
        Some(Ev::ActivityTaskScheduledEventAttributes(a)) => Some(a.header.clone()),
        _ => None,
    });
    let header = scheduled.flatten().expect("the scheduled activity carries a header");
    assert!(header.fields.contains_key(TENANT), "{header:?}");

    let seen = recorder.seen();
    for op in ["StartWorkflowExecution", "UpdateWorkflowExecution", "QueryWorkflow", "SignalWorkflowExecution"] {
        assert!(seen.client_calls.iter().any(|c| c == op), "{op} not intercepted: {:?}", seen.client_calls);
    }
    let live_inbound: Vec<_> = seen
        .inbound
        .iter()
        .filter(|(_, name, replaying, _)| !replaying && name != "Leaf")
        .map(|(kind, name, _, tenant)| (*kind, name.as_str(), tenant.as_deref()))
        .collect();
    assert_eq!(
        live_inbound,
        [
            (InboundKind::Run, "Hub", Some("acme")),
            (InboundKind::ValidateUpdate, "bump", Some("acme")),
            (InboundKind::Update, "bump", Some("acme")),
            (InboundKind::Query, "bumps", Some("acme")),
            (InboundKind::Signal, "finish", Some("acme")),
        ],
        "{:?}",
        seen.inbound
    );
    assert!(
        seen.inbound.iter().any(|(kind, name, replaying, _)| *kind == InboundKind::Run && name == "Hub" && *replaying),
        "without a cache the run replays, and hooks are told: {:?}",
        seen.inbound
    );
    let live_outbound: Vec<_> =
        seen.outbound.iter().filter(|(_, _, replaying)| !replaying).map(|(k, n, _)| (*k, n.as_str())).collect();
    // Without a cache, a task that arrives while the local activity runs replays the run, and
    // the code asks for the local activity again (its marker is not in history yet): not a
    // replay, so the hook hears it again. Commands history already holds are heard once.
    assert!(live_outbound.contains(&(OutboundKind::LocalActivity, "whose")), "{live_outbound:?}");
    for expected in [
        (OutboundKind::Activity, "whose"),
        (OutboundKind::ChildWorkflow, "Leaf"),
        (OutboundKind::CompleteWorkflow, "Leaf"),
        (OutboundKind::CompleteWorkflow, "Hub"),
    ] {
        assert_eq!(live_outbound.iter().filter(|o| **o == expected).count(), 1, "{expected:?} in {live_outbound:?}");
    }
    assert_eq!(
        seen.activities,
        [("whose".to_string(), Some("acme".to_string())), ("whose".to_string(), Some("acme".to_string()))]
    );
    assert_eq!(seen.heartbeats, 2, "each attempt's heartbeat went through the interceptor");
}

/// Refuses terminations: a call an interceptor answers never reaches the server.
struct NoTerminate;

impl Interceptor for NoTerminate {
    fn intercept_client<'a>(
        &'a self,
        request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        if let ClientRequest::TerminateWorkflowExecution(r) = &request {
            let id = r.workflow_execution.as_ref().map(|e| e.workflow_id.clone()).unwrap_or_default();
            return Box::pin(
                async move { Err(ClientError::InvalidOptions(format!("terminating {id} is not allowed"))) },
            );
        }
        next.run(request)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interceptor_can_answer_a_call_itself() {
    let client = client().await.with_interceptor(NoTerminate);
    let queue = unique("refusing");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Hub>().workflow::<Leaf>().activity(whose));
    let handle = client.start_workflow(Hub::run, (), WorkflowOptions::new(unique("hub"), &queue)).await.expect("start");
    let refused = handle.terminate("stop").await.expect_err("refused");
    assert!(refused.to_string().contains("is not allowed"), "{refused}");
    let description = handle.describe().await.expect("describe");
    assert_eq!(description.status, temporal_sdk::protos::temporal::api::enums::v1::WorkflowExecutionStatus::Running);
    handle.signal(Hub::finish, ()).await.expect("signal");
    handle.result().await.expect("result");
    worker.stop().await;
}
