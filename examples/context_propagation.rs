//! Context propagation: a tenant id set where a request comes in (a web handler, say) follows
//! the workflow it starts into the workflow, its activities, its local activities and its
//! child workflows, through one interceptor and the headers of each call and command. This is
//! how the Python SDK's context-propagation sample carries a user id, written with a
//! `tokio::task_local!` where Python uses a `contextvars.ContextVar`.
//!
//! ```sh
//! cargo run --example context_propagation
//! ```

use std::time::Duration;

use futures::future::BoxFuture;
use temporal_sdk::interceptor::{
    ActivityCall, ActivityNext, ClientNext, ClientRequest, ClientResponse, Interceptor, WorkflowOutbound,
};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::Payload;
use temporal_sdk::testing::WorkflowEnvironment;
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

/// The header the tenant travels in.
const TENANT_HEADER: &str = "tenant-id";

tokio::task_local! {
    /// The tenant of the request being served: set by the caller on the client side, and by
    /// the interceptor around each activity on the worker side.
    static TENANT: String;
}

/// The tenant of the current task, if one was set.
fn current_tenant() -> Option<String> {
    TENANT.try_with(Clone::clone).ok()
}

/// Carries the tenant: from the caller's task into every client call's headers, from a
/// workflow's start headers onto everything it schedules, and from an activity's headers into
/// the activity's task.
struct TenantPropagator;

impl Interceptor for TenantPropagator {
    fn intercept_client<'a>(
        &'a self,
        mut request: ClientRequest,
        next: ClientNext<'a>,
    ) -> BoxFuture<'a, Result<ClientResponse, ClientError>> {
        if let Some(tenant) = current_tenant() {
            request.edit_headers(|headers| {
                if let Err(e) = headers.insert(TENANT_HEADER, &tenant) {
                    eprintln!("cannot put the tenant in the headers: {e}");
                }
            });
        }
        next.run(request)
    }

    fn workflow_outbound(&self, call: &mut WorkflowOutbound<'_>) {
        if let Some(tenant) = call.workflow_headers().payload(TENANT_HEADER).cloned() {
            call.headers_mut().insert_payload(TENANT_HEADER, tenant);
        }
    }

    fn execute_activity<'a>(
        &'a self,
        call: ActivityCall<'a>,
        next: ActivityNext<'a>,
    ) -> BoxFuture<'a, Result<Payload, ActivityError>> {
        match call.headers.get::<String>(TENANT_HEADER) {
            Ok(Some(tenant)) => Box::pin(TENANT.scope(tenant, next.run(call))),
            _ => next.run(call),
        }
    }
}

#[activity]
async fn provision(account: String) -> Result<String, ActivityError> {
    let tenant = current_tenant().unwrap_or_else(|| "<none>".into());
    Ok(format!("provisioned {account} for tenant {tenant}"))
}

#[activity]
async fn audit(event: String) -> Result<String, ActivityError> {
    let tenant = current_tenant().unwrap_or_else(|| "<none>".into());
    Ok(format!("audited {event:?} for tenant {tenant}"))
}

/// The tenant a workflow was started for, from its start headers.
fn workflow_tenant() -> String {
    workflow::info().and_then(|i| i.headers.get::<String>(TENANT_HEADER).ok().flatten()).unwrap_or_default()
}

#[derive(Default)]
struct Welcome;

#[workflow]
impl Welcome {
    #[run]
    async fn run(&self, account: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(5));
        let sent = workflow::execute_activity(audit, format!("welcome mail to {account}"), options).await?;
        Ok(format!("{sent} (workflow saw tenant {})", workflow_tenant()))
    }
}

#[derive(Default)]
struct Onboard;

#[workflow]
impl Onboard {
    #[run]
    async fn run(&self, account: String) -> WorkflowResult<Vec<String>> {
        let provisioned = workflow::execute_activity(
            provision,
            account.clone(),
            ActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        let audited = workflow::execute_local_activity(
            audit,
            format!("onboarding of {account}"),
            LocalActivityOptions::start_to_close(Duration::from_secs(5)),
        )
        .await?;
        let child_id = format!("{}-welcome", workflow::info().map(|i| i.workflow_id).unwrap_or_default());
        let welcomed =
            workflow::execute_child_workflow(Welcome::run, account, ChildWorkflowOptions::new(child_id)).await?;
        Ok(vec![format!("workflow saw tenant {}", workflow_tenant()), provisioned, audited, welcomed])
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    // Given to the client, the interceptor also runs in the workers built from it.
    let client = env.client().with_interceptor(TenantPropagator);
    let queue = "context-propagation";
    let worker = Worker::new(
        &client,
        WorkerOptions::new(queue).workflow::<Onboard>().workflow::<Welcome>().activity(provision).activity(audit),
    )?;
    let running = worker.spawn();

    // The request handler: everything it calls runs with its tenant.
    let id = format!("onboard-{}", std::process::id());
    let lines = TENANT
        .scope("acme-corp".to_string(), async {
            client.execute_workflow(Onboard::run, "ada".to_string(), WorkflowOptions::new(id, queue)).await
        })
        .await?;
    for line in lines {
        println!("{line}");
    }

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
