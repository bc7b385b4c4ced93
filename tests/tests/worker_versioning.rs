//! Worker deployment versioning against a real dev server: two workers of one deployment
//! (build ids v1 and v2) on one task queue; a pinned run stays on v1 after the current
//! version moves to v2 while an auto-upgrade run moves; a start-time override pins a run; and
//! a versioned worker needs a behaviour for every workflow type.

use std::time::Duration;

use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::protos::temporal::api::workflowservice::v1::SetWorkerDeploymentCurrentVersionRequest;
use temporal_sdk::versioning::{
    VersioningBehavior, VersioningOverride, WorkerDeploymentOptions, WorkerDeploymentVersion,
};
use temporal_sdk::worker::WorkerError;

#[derive(Default)]
struct Pinned {
    proceed: std::cell::Cell<bool>,
}

#[workflow(versioning_behavior = "pinned")]
impl Pinned {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        workflow::wait_condition(|| self.proceed.get()).await
    }

    #[signal]
    fn proceed(&self) {
        self.proceed.set(true);
    }
}

#[derive(Default)]
struct Upgrading {
    proceed: std::cell::Cell<bool>,
}

#[workflow(versioning_behavior = "auto_upgrade")]
impl Upgrading {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        workflow::wait_condition(|| self.proceed.get()).await
    }

    #[signal]
    fn proceed(&self) {
        self.proceed.set(true);
    }
}

/// A workflow that says nothing of its versioning behaviour.
#[derive(Default)]
struct Unsaid;

#[workflow]
impl Unsaid {
    #[run]
    async fn run(&self) -> WorkflowResult<String> {
        Ok("ran".into())
    }
}

fn versioned_worker(queue: &str, version: &WorkerDeploymentVersion) -> WorkerOptions {
    WorkerOptions::new(queue)
        .workflow::<Pinned>()
        .workflow::<Upgrading>()
        .deployment(WorkerDeploymentOptions::new(version.clone()))
}

/// Makes `version` the deployment's current one, retrying while the server has not yet seen a
/// poll of that version (the version exists from its first poll on).
async fn set_current(client: &Client, version: &WorkerDeploymentVersion) {
    let mut last = None;
    for _ in 0..100 {
        let req = SetWorkerDeploymentCurrentVersionRequest {
            namespace: client.namespace().to_string(),
            deployment_name: version.deployment_name.clone(),
            build_id: version.build_id.clone(),
            identity: "worker-versioning-test".into(),
            ..Default::default()
        };
        match client.workflow_service().set_worker_deployment_current_version(req).await {
            Ok(_) => return,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cannot make {version} current: {last:?}");
}

/// The run's versioning info as describe reports it: its behaviour and version.
async fn versioning<W: Workflow>(handle: &WorkflowHandle<W>) -> (VersioningBehavior, Option<String>) {
    let description = handle.describe().await.expect("describe");
    let info = description.raw.workflow_execution_info.and_then(|i| i.versioning_info).unwrap_or_default();
    let version = info.deployment_version.map(|v| format!("{}.{}", v.deployment_name, v.build_id));
    (VersioningBehavior::from_proto(info.behavior), version)
}

/// Waits until the run's first workflow task was completed by a versioned worker.
async fn wait_versioned<W: Workflow>(handle: &WorkflowHandle<W>) -> (VersioningBehavior, Option<String>) {
    for _ in 0..100 {
        let info = versioning(handle).await;
        if info.1.is_some() {
            return info;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the run's first task was not completed by a versioned worker");
}

/// The build id and behaviour recorded by each completed workflow task of the run: which
/// worker ran it.
async fn task_builds<W: Workflow>(handle: &WorkflowHandle<W>) -> Vec<(String, VersioningBehavior)> {
    let history = handle.fetch_history().await.expect("history");
    history
        .history
        .events
        .iter()
        .filter_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskCompletedEventAttributes(a)) => Some((
                a.deployment_version.as_ref().map(|v| v.build_id.clone()).unwrap_or_default(),
                VersioningBehavior::from_proto(a.versioning_behavior),
            )),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_runs_stay_on_their_version_and_auto_upgrade_runs_move_to_the_current_one() {
    let client = client().await;
    let deployment = unique("deployment");
    let queue = unique("versioned");
    let v1 = WorkerDeploymentVersion::new(&deployment, "v1");
    let v2 = WorkerDeploymentVersion::new(&deployment, "v2");

    let worker1 = RunningWorker::start(&client, versioned_worker(&queue, &v1));
    set_current(&client, &v1).await;
    let pinned = client
        .start_workflow(Pinned::run, (), WorkflowOptions::new(unique("pinned"), &queue))
        .await
        .expect("start the pinned run");
    let upgrading = client
        .start_workflow(Upgrading::run, (), WorkflowOptions::new(unique("upgrading"), &queue))
        .await
        .expect("start the auto-upgrade run");
    let on_v1 = Some(v1.to_string());
    assert_eq!(wait_versioned(&pinned).await, (VersioningBehavior::Pinned, on_v1.clone()));
    assert_eq!(wait_versioned(&upgrading).await, (VersioningBehavior::AutoUpgrade, on_v1.clone()));

    let worker2 = RunningWorker::start(&client, versioned_worker(&queue, &v2));
    set_current(&client, &v2).await;
    // Started once v2 is current, but pinned to v1 by the start request.
    let overridden = client
        .start_workflow(
            Upgrading::run,
            (),
            WorkflowOptions::new(unique("overridden"), &queue)
                .versioning_override(VersioningOverride::Pinned { version: v1.clone() }),
        )
        .await
        .expect("start the overridden run");
    let overridden_info = wait_versioned(&overridden).await;
    assert_eq!(overridden_info.1, on_v1, "the override pins the run to v1");

    pinned.signal(Pinned::proceed, ()).await.expect("signal");
    upgrading.signal(Upgrading::proceed, ()).await.expect("signal");
    overridden.signal(Upgrading::proceed, ()).await.expect("signal");
    pinned.result().await.expect("the pinned run completes");
    upgrading.result().await.expect("the auto-upgrade run completes");
    overridden.result().await.expect("the overridden run completes");

    // Every task of the pinned run ran on v1; the auto-upgrade run's last task ran on v2.
    let pinned_tasks = task_builds(&pinned).await;
    assert!(pinned_tasks.len() >= 2, "{pinned_tasks:?}");
    assert!(pinned_tasks.iter().all(|t| *t == ("v1".to_string(), VersioningBehavior::Pinned)), "{pinned_tasks:?}");
    assert_eq!(versioning(&pinned).await, (VersioningBehavior::Pinned, on_v1.clone()));

    let upgrading_tasks = task_builds(&upgrading).await;
    assert_eq!(upgrading_tasks.first(), Some(&("v1".to_string(), VersioningBehavior::AutoUpgrade)));
    assert_eq!(upgrading_tasks.last(), Some(&("v2".to_string(), VersioningBehavior::AutoUpgrade)));
    assert_eq!(versioning(&upgrading).await, (VersioningBehavior::AutoUpgrade, Some(v2.to_string())));

    let overridden_tasks = task_builds(&overridden).await;
    assert!(overridden_tasks.iter().all(|(build, _)| build == "v1"), "{overridden_tasks:?}");
    let description = overridden.describe().await.expect("describe");
    let info = description.raw.workflow_execution_info.and_then(|i| i.versioning_info).expect("versioning info");
    assert!(info.versioning_override.is_some(), "describe shows the override: {info:?}");

    worker1.stop().await;
    worker2.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_versioned_worker_needs_a_behavior_for_every_workflow() {
    let client = client().await;
    let version = WorkerDeploymentVersion::new(unique("deployment"), "v1");
    let options = WorkerOptions::new("q").workflow::<Pinned>().workflow::<Unsaid>();
    let error = Worker::new(&client, options.deployment(WorkerDeploymentOptions::new(version.clone())))
        .expect_err("Unsaid has no behaviour and there is no default");
    assert!(
        matches!(&error, WorkerError::InvalidOptions(m) if m.contains("\"Unsaid\"") && m.contains("versioning behavior")),
        "{error}"
    );

    // A default behaviour covers the workflow types that say none.
    let queue = unique("versioned-default");
    let options = WorkerOptions::new(&queue).workflow::<Unsaid>().deployment(
        WorkerDeploymentOptions::new(version.clone()).default_versioning_behavior(VersioningBehavior::AutoUpgrade),
    );
    let worker = RunningWorker::start(&client, options);
    set_current(&client, &version).await;
    let handle =
        client.start_workflow(Unsaid::run, (), WorkflowOptions::new(unique("unsaid"), &queue)).await.expect("start");
    assert_eq!(handle.result().await.expect("result"), "ran");
    assert_eq!(task_builds(&handle).await, vec![("v1".to_string(), VersioningBehavior::AutoUpgrade)]);
    worker.stop().await;

    // Without worker versioning there is nothing to require, and a default would mean nothing.
    let unversioned = WorkerDeploymentOptions::new(version).use_worker_versioning(false);
    let options = WorkerOptions::new("q").workflow::<Unsaid>().deployment(unversioned.clone());
    assert!(Worker::new(&client, options).is_ok());
    let options = WorkerOptions::new("q")
        .workflow::<Unsaid>()
        .deployment(unversioned.default_versioning_behavior(VersioningBehavior::Pinned));
    assert!(matches!(Worker::new(&client, options), Err(WorkerError::InvalidOptions(_))));
}

/// An unversioned worker runs a workflow type that has a behaviour as any other: it does not
/// report the behaviour, which the server refuses without a versioned deployment (Python 1.35
/// reports it, and its tasks of such a workflow fail to complete).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unversioned_worker_runs_workflows_that_have_a_behavior() {
    let client = client().await;
    let queue = unique("unversioned");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Pinned>());
    let handle =
        client.start_workflow(Pinned::run, (), WorkflowOptions::new(unique("pinned"), &queue)).await.expect("start");
    handle.signal(Pinned::proceed, ()).await.expect("signal");
    handle.result().await.expect("the run completes");
    worker.stop().await;
}
