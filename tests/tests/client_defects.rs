//! Regression tests of the client defects of issue 9, against one real dev server for the
//! whole binary. The server closes every connection after 5 s
//! (`frontend.keepAliveMaxConnectionAge`), so every test here also runs across connection
//! rotations, and its output is kept in a file to look for its warnings.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use integration_tests::{RunningWorker, event_types, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::WorkflowIdReusePolicy;
use temporal_sdk::testing::{DevServerOptions, TestServer};

static SERVER: OnceLock<(TestServer, PathBuf)> = OnceLock::new();

/// The dev server of this binary and the file with everything it printed.
fn server() -> &'static (TestServer, PathBuf) {
    SERVER.get_or_init(|| {
        let log = std::env::temp_dir().join(format!("client-defects-{}.log", unique("server")));
        let options = DevServerOptions {
            extra_args: vec!["--dynamic-config-value".into(), "frontend.keepAliveMaxConnectionAge=\"5s\"".into()],
            output_file: Some(log.clone()),
            ..DevServerOptions::default()
        };
        match TestServer::start_dev_blocking(options) {
            Ok(server) => (server, log),
            Err(e) => panic!("cannot start the dev server: {e}"),
        }
    })
}

async fn client() -> Client {
    Client::connect(ClientOptions::new(server().0.target())).await.expect("connect to the dev server")
}

// ---------------------------------------------------------------------------------------
// 3. start_update returns a handle once the update is accepted.

#[derive(Default)]
struct Updatable {
    done: Cell<bool>,
}

#[workflow]
impl Updatable {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        workflow::wait_condition(|| self.done.get()).await?;
        Ok(())
    }

    #[update]
    fn fail(&self, n: u32) -> WorkflowResult<u32> {
        Err(ApplicationError::new(format!("handler failed on {n}")).with_type("HandlerFailed").into())
    }

    #[update_validator(fail)]
    fn validate_fail(&self, n: &u32) -> Result<(), ApplicationError> {
        if *n == 0 {
            return Err(ApplicationError::new("zero is not allowed").with_type("Rejected"));
        }
        Ok(())
    }

    /// Completes the workflow in the same task as the update's own completion.
    #[update]
    fn finish(&self, n: u32) -> WorkflowResult<u32> {
        self.done.set(true);
        Ok(n)
    }

    /// Lets the workflow complete while the update is still running.
    #[update]
    async fn finish_without_me(&self, n: u32) -> WorkflowResult<u32> {
        self.done.set(true);
        workflow::sleep(Duration::from_secs(3600)).await?;
        Ok(n)
    }
}

fn update_failure(error: &ClientError) -> (String, Option<String>) {
    match error {
        ClientError::UpdateFailed { cause } => (cause.message.clone(), cause.application_type().map(str::to_string)),
        other => panic!("expected UpdateFailed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_update_returns_a_handle_once_the_update_is_accepted() {
    let client = client().await;
    let queue = unique("updates");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Updatable>());
    let handle =
        client.start_workflow(Updatable::run, (), WorkflowOptions::new(unique("upd"), &queue)).await.expect("start");

    // The validator rejects: as in Python, a handle whose result is the typed rejection.
    let update = handle.start_update(Updatable::fail, 0).await.expect("a handle");
    let err = update.result().await.expect_err("rejected");
    assert_eq!(update_failure(&err), ("zero is not allowed".into(), Some("Rejected".into())));
    let err = handle.execute_update(Updatable::fail, 0).await.expect_err("rejected");
    assert_eq!(update_failure(&err), ("zero is not allowed".into(), Some("Rejected".into())));

    // Accepted, then failed in the handler: a handle, whose result is the failure.
    let update = handle.start_update(Updatable::fail, 1).await.expect("accepted, so a handle");
    let err = update.result().await.expect_err("the handler failed");
    assert_eq!(update_failure(&err), ("handler failed on 1".into(), Some("HandlerFailed".into())));
    let err = handle.execute_update(Updatable::fail, 2).await.expect_err("the handler failed");
    assert_eq!(update_failure(&err), ("handler failed on 2".into(), Some("HandlerFailed".into())));

    // Accepted, and the workflow completed in the same task before the handler did.
    let update = handle.start_update(Updatable::finish_without_me, 3).await.expect("accepted, so a handle");
    let err = update.result().await.expect_err("the workflow left the update unfinished");
    assert!(update_failure(&err).0.contains("completed before the Update completed"), "{err}");
    handle.result().await.expect("the workflow completed");

    // Completed together with the workflow, in one task.
    let handle =
        client.start_workflow(Updatable::run, (), WorkflowOptions::new(unique("upd"), &queue)).await.expect("start");
    let update = handle.start_update(Updatable::finish, 4).await.expect("accepted");
    assert_eq!(update.result().await.expect("update result"), 4);
    handle.result().await.expect("the workflow completed");
    worker.stop().await;
}

// ---------------------------------------------------------------------------------------
// 6. WorkflowAlreadyStarted names the workflow.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn already_started_names_the_workflow() {
    let client = client().await;
    let queue = unique("already");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Updatable>());
    let id = unique("twice");
    let first = client.start_workflow(Updatable::run, (), WorkflowOptions::new(&id, &queue)).await.expect("start");
    let run_id = first.run_id().expect("a run id").to_string();

    let err = client.start_workflow(Updatable::run, (), WorkflowOptions::new(&id, &queue)).await.expect_err("running");
    let ClientError::WorkflowAlreadyStarted { workflow_id, workflow_type, run_id: existing } = &err else {
        panic!("expected WorkflowAlreadyStarted, got {err:?}");
    };
    assert_eq!(
        (workflow_id.as_str(), workflow_type.as_str(), existing.as_str()),
        (id.as_str(), "Updatable", run_id.as_str())
    );
    assert!(err.to_string().contains(&id) && err.to_string().contains("Updatable"), "{err}");

    // Signal-with-start of a closed workflow whose id may not be reused.
    first.execute_update(Updatable::finish, 1).await.expect("finish");
    first.result().await.expect("completed");
    let options = WorkflowOptions::new(&id, &queue).id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate);
    let err = client
        .signal_with_start_by_name("Updatable", &(), "nothing", &(), options)
        .await
        .expect_err("the id may not be reused");
    let ClientError::WorkflowAlreadyStarted { workflow_id, workflow_type, .. } = &err else {
        panic!("expected WorkflowAlreadyStarted, got {err:?}");
    };
    assert_eq!((workflow_id.as_str(), workflow_type.as_str()), (id.as_str(), "Updatable"));
    worker.stop().await;
}

// ---------------------------------------------------------------------------------------
// 9. A connection rotation loses no call.

static RUNS: Mutex<Option<HashMap<String, u32>>> = Mutex::new(None);
static REPEATED_ACTIVITIES: AtomicU32 = AtomicU32::new(0);

/// Counts its runs per workflow: each workflow runs it once, so a second run is a repeat.
#[activity]
async fn count_run(n: u32) -> Result<u32, ActivityError> {
    let info = temporal_sdk::activity::info().ok_or_else(|| ApplicationError::new("not in an activity"))?;
    let mut runs = RUNS.lock().unwrap_or_else(|e| e.into_inner());
    let count = runs.get_or_insert_with(HashMap::new).entry(info.workflow_id).or_default();
    *count += 1;
    if *count > 1 || info.attempt > 1 {
        REPEATED_ACTIVITIES.fetch_add(1, Ordering::SeqCst);
    }
    Ok(n + 1)
}

#[derive(Default)]
struct OneActivity;

#[workflow]
impl OneActivity {
    #[run]
    async fn run(&self, n: u32) -> WorkflowResult<u32> {
        workflow::execute_activity(count_run, n, ActivityOptions::start_to_close(Duration::from_secs(10))).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_rotation_loses_no_call() {
    const LANES: u32 = 24;
    const LOAD: Duration = Duration::from_secs(20);
    let client = client().await;
    let queue = unique("rotation");
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<OneActivity>().activity(count_run));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let slow = Arc::new(Mutex::new(Vec::<String>::new()));
    let end = Instant::now() + LOAD;
    let mut lanes = Vec::new();
    for lane in 0..LANES {
        let (client, queue, failures, slow) = (client.clone(), queue.clone(), Arc::clone(&failures), Arc::clone(&slow));
        lanes.push(tokio::spawn(async move {
            let mut done = 0u32;
            while Instant::now() < end {
                let id = unique(&format!("rotation-{lane}"));
                let options = WorkflowOptions::new(&id, &queue).execution_timeout(Duration::from_secs(60));
                let started = Instant::now();
                let outcome = client.execute_workflow(OneActivity::run, done, options).await;
                match outcome {
                    Ok(v) if v == done + 1 => {}
                    Ok(v) => failures.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{id}: result {v}")),
                    Err(e) => failures.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{id}: {e}")),
                }
                if started.elapsed() > Duration::from_secs(3) {
                    slow.lock().unwrap_or_else(|e| e.into_inner()).push(id);
                }
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for lane in lanes {
        total += lane.await.expect("lane");
    }
    worker.stop().await;
    let failures = failures.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(failures.is_empty(), "{} of {total} workflows failed: {failures:#?}", failures.len());
    assert_eq!(REPEATED_ACTIVITIES.load(Ordering::SeqCst), 0, "an activity ran twice");
    // A lost workflow task completion shows only as a task timeout in the slow ones.
    let slow = slow.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for id in slow {
        let history = client.get_untyped_workflow_handle(&id, None).fetch_history().await.expect("history");
        let events = event_types(&history);
        let lost = ["WORKFLOW_TASK_TIMED_OUT", "WORKFLOW_TASK_FAILED", "ACTIVITY_TASK_TIMED_OUT"];
        assert!(!events.iter().any(|e| lost.contains(&e.as_str())), "{id}: {events:?}");
    }
    assert!(total > 100, "too little load to cross a rotation: {total} workflows");
}

// ---------------------------------------------------------------------------------------
// 10. Polls name their task queue's kind.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_name_their_task_queue_kind() {
    let client = client().await;
    let queue = unique("kinds");
    // Workflow and activity polls on the normal queue, workflow polls on the sticky queue
    // (the second task of a workflow goes there).
    let worker =
        RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<OneActivity>().activity(count_run));
    for n in 0..3 {
        let options = WorkflowOptions::new(unique("kinds"), &queue);
        assert_eq!(client.execute_workflow(OneActivity::run, n, options).await.expect("workflow"), n + 1);
    }
    worker.stop().await;
    // The server's output reaches the file through a reader thread.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let output = std::fs::read_to_string(&server().1).expect("the server's output");
    let unspecified: Vec<&str> = output.lines().filter(|l| l.contains("Unspecified task queue kind")).collect();
    assert!(unspecified.is_empty(), "{unspecified:#?}");
}

// ---------------------------------------------------------------------------------------
// 14. Connection errors say what went wrong, once.

/// A TLS server on a free port that completes no handshake a plaintext client starts.
async fn tls_listener() -> std::net::SocketAddr {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{ServerConfig, crypto::ring};

    let certs = CertificateDer::pem_slice_iter(include_bytes!("../certs/localhost-cert.pem"))
        .collect::<Result<Vec<_>, _>>()
        .expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../certs/localhost-key.pem")).expect("test key");
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("TLS configuration");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move { acceptor.accept(tcp).await.map(drop) });
        }
    });
    address
}

fn connect_message(error: ClientError) -> String {
    match error {
        ClientError::Connect { message, .. } => message,
        other => panic!("expected a connection error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_say_what_went_wrong_once() {
    // Nothing listens on port 1.
    let message = connect_message(Client::connect("127.0.0.1:1").await.expect_err("refused"));
    assert!(message.contains("Connection refused"), "{message}");
    let links: Vec<&str> = message.split(": ").collect();
    assert!(links.windows(2).all(|w| w[0] != w[1]), "a link repeats: {message}");

    // A plaintext client at a TLS port.
    let tls_port = tls_listener().await;
    let started = Instant::now();
    let message = connect_message(Client::connect(tls_port.to_string()).await.expect_err("TLS expected"));
    assert!(message.contains("likely expects TLS"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());

    // A TLS client at the dev server's plaintext port.
    let options = ClientOptions::new(server().0.target()).tls(Default::default());
    let message = connect_message(Client::connect(options).await.expect_err("plaintext server"));
    assert!(message.contains("likely serves plaintext"), "{message}");
    let links: Vec<&str> = message.split(": ").collect();
    assert!(links.windows(2).all(|w| w[0] != w[1]), "a link repeats: {message}");
}

// ---------------------------------------------------------------------------------------
// 17. Callers set a call's deadline.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_gives_up_at_the_callers_rpc_timeout() {
    let client = client().await;
    // No worker polls this queue, so nobody answers the query.
    let queue = unique("no-worker");
    let handle =
        client.start_workflow(Updatable::run, (), WorkflowOptions::new(unique("q"), &queue)).await.expect("start");
    let impatient = handle.clone().with_rpc_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let err = impatient.query_by_name::<u32, _>("anything", &()).await.expect_err("no worker answers");
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("QueryWorkflow timed out"), "{err}");
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3), "{elapsed:?}");
    handle.terminate("done").await.expect("terminate");
}
