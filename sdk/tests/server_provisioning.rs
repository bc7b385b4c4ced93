//! The test servers: provisioning, start-up, readiness, clean shutdown, and that a server
//! never outlives the process that started it.
//!
//! The first run on a fresh machine installs both binaries with pip (about 250 MB).

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use temporal_sdk::testing::{
    DevServerOptions, ProvisionError, SearchAttributeType, ServerKind, TestServer, TimeSkippingServerOptions,
    find_or_install,
};
use temporal_sdk_protos::temporal::api::operatorservice::v1::ListSearchAttributesRequest;
use temporal_sdk_protos::temporal::api::operatorservice::v1::operator_service_client::OperatorServiceClient;
use temporal_sdk_protos::temporal::api::testservice::v1::test_service_client::TestServiceClient;
use temporal_sdk_protos::temporal::api::workflowservice::v1::workflow_service_client::WorkflowServiceClient;
use temporal_sdk_protos::temporal::api::workflowservice::v1::{DescribeNamespaceRequest, GetSystemInfoRequest};
use tonic::transport::Channel;

async fn channel(server: &TestServer) -> Channel {
    Channel::from_shared(format!("http://{}", server.target()))
        .expect("valid uri")
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}", server.target()))
}

fn is_listening(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(500),
    )
    .is_ok()
}

#[tokio::test]
async fn dev_server_starts_answers_and_stops() {
    let started = Instant::now();
    let server = TestServer::start_dev(DevServerOptions {
        namespaces: vec!["provisioning-extra".into()],
        search_attributes: vec![("ProvisioningKeyword".into(), SearchAttributeType::Keyword)],
        ..Default::default()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("dev server ready in {:?}", started.elapsed());
    assert_eq!(server.kind(), ServerKind::Dev);
    assert_eq!(server.target(), format!("127.0.0.1:{}", server.port()));

    let channel = channel(&server).await;
    let info = WorkflowServiceClient::new(channel.clone())
        .get_system_info(GetSystemInfoRequest::default())
        .await
        .expect("GetSystemInfo")
        .into_inner();
    assert!(!info.server_version.is_empty(), "{info:?}");

    for namespace in ["default", "provisioning-extra"] {
        WorkflowServiceClient::new(channel.clone())
            .describe_namespace(DescribeNamespaceRequest { namespace: namespace.into(), ..Default::default() })
            .await
            .unwrap_or_else(|e| panic!("namespace {namespace}: {e}"));
    }
    let attributes = OperatorServiceClient::new(channel)
        .list_search_attributes(ListSearchAttributesRequest { namespace: "default".into() })
        .await
        .expect("ListSearchAttributes")
        .into_inner();
    assert!(attributes.custom_attributes.contains_key("ProvisioningKeyword"), "{:?}", attributes.custom_attributes);

    let port = server.port();
    server.shutdown().await;
    assert!(!is_listening(port), "the dev server still listens after shutdown");
}

#[tokio::test]
async fn time_skipping_server_starts_answers_and_stops() {
    let started = Instant::now();
    let server =
        TestServer::start_time_skipping(TimeSkippingServerOptions::default()).await.unwrap_or_else(|e| panic!("{e}"));
    eprintln!("time-skipping server ready in {:?}", started.elapsed());
    assert_eq!(server.kind(), ServerKind::TimeSkipping);

    let channel = channel(&server).await;
    WorkflowServiceClient::new(channel.clone())
        .get_system_info(GetSystemInfoRequest::default())
        .await
        .expect("GetSystemInfo");
    let now = TestServiceClient::new(channel)
        .get_current_time(())
        .await
        .expect("GetCurrentTime of the test service")
        .into_inner();
    assert!(now.time.is_some_and(|t| t.seconds > 0));

    let port = server.port();
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_listening(port) {
        assert!(Instant::now() < deadline, "the time-skipping server outlived its drop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn binaries_are_found_where_tests_expect_them() {
    for kind in [ServerKind::Dev, ServerKind::TimeSkipping] {
        let path = find_or_install(kind).unwrap_or_else(|e| panic!("{e}"));
        assert!(path.is_file(), "{}", path.display());
        // A second lookup must not install again: it finds the same file at once.
        let again = Instant::now();
        assert_eq!(find_or_install(kind).unwrap_or_else(|e| panic!("{e}")), path);
        assert!(again.elapsed() < Duration::from_secs(5), "{kind} looked up slowly");
    }
}

/// A stand-in server so that failures are tested without a real one.
#[cfg(unix)]
fn fake_server(name: &str, script: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).expect("write fake server");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[cfg(unix)]
#[tokio::test]
async fn a_server_that_exits_early_is_reported_with_its_output() {
    let exe = fake_server("exits-early", "echo 'boom: fake server failed' >&2\nexit 3");
    let result = TestServer::start_time_skipping(TimeSkippingServerOptions {
        executable: Some(exe.clone()),
        ..Default::default()
    })
    .await;
    let _ = std::fs::remove_file(&exe);
    let error = result.expect_err("a server that exits must fail to start");
    assert!(matches!(error, ProvisionError::ExitedEarly { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("boom: fake server failed"), "{message}");
    assert!(message.contains("exit status: 3"), "{message}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_server_that_never_answers_times_out_with_its_output() {
    let exe = fake_server("never-ready", "echo 'still thinking' >&2\nexec sleep 30");
    let result = TestServer::start_time_skipping(TimeSkippingServerOptions {
        executable: Some(exe.clone()),
        startup_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let _ = std::fs::remove_file(&exe);
    let error = result.expect_err("a silent server must time out");
    assert!(matches!(error, ProvisionError::NotReady { .. }), "{error:?}");
    assert!(error.to_string().contains("still thinking"), "{error}");
}

// --- orphan safety -------------------------------------------------------------------

const ORPHAN_MODE_VAR: &str = "TEMPORAL_SDK_ORPHAN_TEST_MODE";
const ORPHAN_PORT_MARK: &str = "ORPHAN_SERVER_PORT=";

/// Run only as a child of `servers_die_with_the_process_that_started_them`: starts a server
/// kept in a `static` (so never dropped), reports its port, then dies without cleanup.
#[cfg(unix)]
#[test]
#[ignore = "helper process for servers_die_with_the_process_that_started_them"]
fn orphan_child() {
    let Ok(mode) = std::env::var(ORPHAN_MODE_VAR) else {
        return;
    };
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let started = if mode.starts_with("dev") {
            TestServer::start_dev_blocking(DevServerOptions::default())
        } else {
            TestServer::start_time_skipping_blocking(TimeSkippingServerOptions::default())
        };
        started.unwrap_or_else(|e| panic!("{e}"))
    });
    println!("{ORPHAN_PORT_MARK}{}", server.port());
    // Let the server finish its start-up printing: a server that writes after this process
    // is gone dies of SIGPIPE, which would pass this test even without the guard.
    std::thread::sleep(Duration::from_millis(1500));
    if mode.ends_with("sigkill") {
        let _ = Command::new("kill").args(["-KILL", &std::process::id().to_string()]).status();
        std::thread::sleep(Duration::from_secs(30));
    }
    std::process::exit(0);
}

/// Linux only: the pids of processes whose arguments include `port`, i.e. the server and
/// its guard script.
#[cfg(target_os = "linux")]
fn processes_with_port_arg(port: u16) -> Vec<String> {
    let port = port.to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_string_lossy().into_owned();
            pid.parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let mentions_temporal = args.iter().any(|a| String::from_utf8_lossy(a).contains("temporal"));
            (mentions_temporal && args.contains(&port.as_bytes())).then_some(pid)
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
fn processes_with_port_arg(_port: u16) -> Vec<String> {
    Vec::new()
}

#[cfg(unix)]
fn assert_server_dies_with_child(mode: &str) {
    let exe = std::env::current_exe().expect("test binary path");
    let spawned = Instant::now();
    let output = Command::new(exe)
        .args(["orphan_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(ORPHAN_MODE_VAR, mode)
        .stdin(Stdio::null())
        .output()
        .expect("run the child test process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let port: u16 = stdout
        .lines()
        .find_map(|line| line.split_once(ORPHAN_PORT_MARK))
        .and_then(|(_, port)| port.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "{mode}: the child reported no port ({}); stdout:\n{stdout}\nstderr:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let child_gone = Instant::now();
    let deadline = child_gone + Duration::from_secs(15);
    loop {
        let leftovers = processes_with_port_arg(port);
        if leftovers.is_empty() && !is_listening(port) {
            break;
        }
        if Instant::now() > deadline {
            for pid in &leftovers {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
            panic!("{mode}: the server on port {port} outlived its process: {leftovers:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "{mode}: child ran {:?}; server gone {:?} after the child exited",
        child_gone - spawned,
        child_gone.elapsed()
    );
}

#[cfg(unix)]
#[test]
fn servers_die_with_the_process_that_started_them() {
    // A leaked `static` at a normal exit, and a SIGKILL that runs no code at all.
    assert_server_dies_with_child("dev-exit");
    assert_server_dies_with_child("time-skipping-sigkill");
}
