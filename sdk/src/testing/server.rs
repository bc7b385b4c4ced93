//! Starting a Temporal server process for tests, waiting until it answers, and making sure
//! it never outlives the test process.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use temporal_sdk_protos::temporal::api::workflowservice::v1::GetSystemInfoRequest;
use temporal_sdk_protos::temporal::api::workflowservice::v1::workflow_service_client::WorkflowServiceClient;
use tonic::transport::Endpoint;

use super::provision::{ProvisionError, ServerKind, find_or_install};
use crate::client::error_chain;

/// How long a server may take from spawn to its first successful gRPC answer.
const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of server output kept for error messages.
const OUTPUT_TAIL_LINES: usize = 40;
/// A free port found by binding port 0 can be taken by someone else before the server binds
/// it; a few fresh tries make that race harmless.
const PORT_ATTEMPTS: usize = 3;

/// The type of a search attribute that the dev server registers at start-up, as
/// `temporal server start-dev --search-attribute NAME=TYPE` spells it.
///
/// ```no_run
/// use temporal_sdk::testing::{DevServerOptions, SearchAttributeType};
///
/// let mut options = DevServerOptions::default();
/// options.search_attributes.push(("CustomerId".into(), SearchAttributeType::Keyword));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchAttributeType {
    /// Full-text searchable string.
    Text,
    /// Exact-match string.
    Keyword,
    /// 64-bit integer.
    Int,
    /// 64-bit float.
    Double,
    /// Boolean.
    Bool,
    /// Timestamp.
    Datetime,
    /// List of exact-match strings.
    KeywordList,
}

impl fmt::Display for SearchAttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SearchAttributeType::Text => "Text",
            SearchAttributeType::Keyword => "Keyword",
            SearchAttributeType::Int => "Int",
            SearchAttributeType::Double => "Double",
            SearchAttributeType::Bool => "Bool",
            SearchAttributeType::Datetime => "Datetime",
            SearchAttributeType::KeywordList => "KeywordList",
        })
    }
}

/// How to start the Temporal dev server (`temporal server start-dev`).
///
/// The server always runs in memory on free loopback ports with the `default` namespace;
/// these options add to that.
///
/// ```no_run
/// use temporal_sdk::testing::{DevServerOptions, TestServer};
///
/// # async fn f() -> Result<(), temporal_sdk::testing::ProvisionError> {
/// let server = TestServer::start_dev(DevServerOptions {
///     namespaces: vec!["orders".into()],
///     ui: true,
///     ..Default::default()
/// })
/// .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DevServerOptions {
    /// Namespaces to create besides `default`.
    pub namespaces: Vec<String>,
    /// Search attributes to register at start-up.
    pub search_attributes: Vec<(String, SearchAttributeType)>,
    /// Serve the web UI on its own free port (see the server's output for the address);
    /// off by default because tests do not look at it.
    pub ui: bool,
    /// The server's log level: `debug`, `info`, `warn` (default) or `error`.
    pub log_level: String,
    /// A `temporal` executable to use instead of [`find_or_install`]'s.
    pub executable: Option<PathBuf>,
    /// Further arguments appended to the command line, e.g.
    /// `["--dynamic-config-value", "limit.maxIDLength=255"]`.
    pub extra_args: Vec<String>,
    /// How long to wait for the server to answer before giving up (60 s by default).
    pub startup_timeout: Duration,
    /// A file that receives everything the server prints (created, or appended to), for
    /// tests that look for the server's warnings; [`TestServer::recent_output`] keeps only
    /// the last lines.
    ///
    /// ```no_run
    /// use temporal_sdk::testing::{DevServerOptions, TestServer};
    ///
    /// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
    /// let log = std::env::temp_dir().join("dev-server.log");
    /// let server = TestServer::start_dev(DevServerOptions { output_file: Some(log.clone()), ..Default::default() }).await?;
    /// // ... run workflows ...
    /// assert!(!std::fs::read_to_string(&log)?.contains("level=ERROR"));
    /// # let _ = server; Ok(()) }
    /// ```
    pub output_file: Option<PathBuf>,
}

impl Default for DevServerOptions {
    fn default() -> Self {
        Self {
            namespaces: Vec::new(),
            search_attributes: Vec::new(),
            ui: false,
            log_level: "warn".into(),
            executable: None,
            extra_args: Vec::new(),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            output_file: None,
        }
    }
}

/// How to start the time-skipping test server (`temporal-test-server PORT`).
///
/// ```no_run
/// use temporal_sdk::testing::{TestServer, TimeSkippingServerOptions};
///
/// # async fn f() -> Result<(), temporal_sdk::testing::ProvisionError> {
/// let server = TestServer::start_time_skipping(TimeSkippingServerOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TimeSkippingServerOptions {
    /// A `temporal-test-server` executable to use instead of [`find_or_install`]'s.
    pub executable: Option<PathBuf>,
    /// Further arguments after the port. `--enable-time-skipping` (only recognised right
    /// after the port) makes the server skip time on its own whenever it is idle; without it
    /// time skips only while a client lifts the server's lock, as
    /// [`WorkflowEnvironment`](super::WorkflowEnvironment) does while it waits for a result.
    pub extra_args: Vec<String>,
    /// How long to wait for the server to answer before giving up (60 s by default).
    pub startup_timeout: Duration,
}

impl Default for TimeSkippingServerOptions {
    fn default() -> Self {
        Self { executable: None, extra_args: Vec::new(), startup_timeout: DEFAULT_STARTUP_TIMEOUT }
    }
}

/// A running Temporal server process, ready for gRPC on `127.0.0.1:`[`port`](Self::port).
///
/// The server stops when this value is dropped or [`shutdown`](Self::shutdown), and also
/// when the process that started it ends in any way, even killed, or with the server kept
/// in a `static` whose destructor never runs. That is why one server can be shared by all
/// tests of a test binary:
///
/// ```no_run
/// use std::sync::OnceLock;
/// use temporal_sdk::testing::{DevServerOptions, TestServer};
///
/// // In a test binary: every test calls `server()`; the first call starts it.
/// fn server() -> &'static TestServer {
///     static SERVER: OnceLock<TestServer> = OnceLock::new();
///     SERVER.get_or_init(|| {
///         TestServer::start_dev_blocking(DevServerOptions::default())
///             .unwrap_or_else(|e| panic!("{e}"))
///     })
/// }
///
/// let target = server().target(); // "127.0.0.1:PORT"
/// ```
#[derive(Debug)]
pub struct TestServer {
    kind: ServerKind,
    port: u16,
    target: String,
    output: OutputTail,
    /// Stops the server when dropped.
    process: ServerProcess,
}

impl TestServer {
    /// Starts the Temporal dev server in memory on free loopback ports and waits until it
    /// answers `GetSystemInfo`.
    ///
    /// The command is `temporal server start-dev --ip 127.0.0.1 --port P --http-port H
    /// --metrics-port M (--headless | --ui-port U) --namespace default [--namespace N ...]
    /// --log-level warn --dynamic-config-value frontend.enableServerVersionCheck=false
    /// [--search-attribute K=T ...] [extra args]`, with the executable from
    /// [`find_or_install`] unless the options name one.
    ///
    /// ```no_run
    /// use temporal_sdk::testing::{DevServerOptions, TestServer};
    ///
    /// # async fn f() -> Result<(), temporal_sdk::testing::ProvisionError> {
    /// let server = TestServer::start_dev(DevServerOptions::default()).await?;
    /// println!("dev server at {}", server.target());
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start_dev(options: DevServerOptions) -> Result<TestServer, ProvisionError> {
        let kind = ServerKind::Dev;
        let exe = resolve_executable(kind, options.executable.clone()).await?;
        let port_count = if options.ui { 4 } else { 3 };
        let output = OutputTail::new(options.output_file.as_deref())?;
        start_with_retries(kind, exe, port_count, options.startup_timeout, output, |ports| dev_args(&options, ports))
            .await
    }

    /// Starts the time-skipping test server on a free port and waits until it answers.
    ///
    /// The command is `temporal-test-server P [extra args]`. This server listens on all
    /// interfaces (it has no option to bind loopback only); clients use `127.0.0.1:P`.
    ///
    /// ```no_run
    /// use temporal_sdk::testing::{TestServer, TimeSkippingServerOptions};
    ///
    /// # async fn f() -> Result<(), temporal_sdk::testing::ProvisionError> {
    /// let server = TestServer::start_time_skipping(TimeSkippingServerOptions::default()).await?;
    /// println!("time-skipping server on port {}", server.port());
    /// # Ok(()) }
    /// ```
    pub async fn start_time_skipping(options: TimeSkippingServerOptions) -> Result<TestServer, ProvisionError> {
        let kind = ServerKind::TimeSkipping;
        let exe = resolve_executable(kind, options.executable.clone()).await?;
        start_with_retries(kind, exe, 1, options.startup_timeout, OutputTail::default(), |ports| {
            let mut args: Vec<OsString> = vec![ports[0].to_string().into()];
            args.extend(options.extra_args.iter().map(OsString::from));
            args
        })
        .await
    }

    /// [`start_dev`](Self::start_dev) for synchronous code, such as a `static OnceLock`
    /// initialiser in tests.
    ///
    /// It runs on a fresh thread with its own small runtime, so it works both outside any
    /// runtime and from inside one (where a nested `block_on` would panic); it blocks the
    /// calling thread until the server is ready.
    ///
    /// ```no_run
    /// use temporal_sdk::testing::{DevServerOptions, TestServer};
    ///
    /// let server = TestServer::start_dev_blocking(DevServerOptions::default())?;
    /// # Ok::<(), temporal_sdk::testing::ProvisionError>(())
    /// ```
    pub fn start_dev_blocking(options: DevServerOptions) -> Result<TestServer, ProvisionError> {
        run_on_fresh_thread(move || TestServer::start_dev(options))
    }

    /// [`start_time_skipping`](Self::start_time_skipping) for synchronous code; see
    /// [`start_dev_blocking`](Self::start_dev_blocking).
    ///
    /// ```no_run
    /// use temporal_sdk::testing::{TestServer, TimeSkippingServerOptions};
    ///
    /// let server = TestServer::start_time_skipping_blocking(Default::default())?;
    /// # Ok::<(), temporal_sdk::testing::ProvisionError>(())
    /// ```
    pub fn start_time_skipping_blocking(options: TimeSkippingServerOptions) -> Result<TestServer, ProvisionError> {
        run_on_fresh_thread(move || TestServer::start_time_skipping(options))
    }

    /// The gRPC address to connect a client to: `127.0.0.1:PORT`, without a scheme.
    ///
    /// ```no_run
    /// # fn f(server: &temporal_sdk::testing::TestServer) {
    /// let url = format!("http://{}", server.target());
    /// # }
    /// ```
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The server's gRPC port on 127.0.0.1.
    ///
    /// ```no_run
    /// # fn f(server: &temporal_sdk::testing::TestServer) {
    /// assert_ne!(server.port(), 0);
    /// # }
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Which server this is.
    ///
    /// ```no_run
    /// # fn f(server: &temporal_sdk::testing::TestServer) {
    /// use temporal_sdk::testing::ServerKind;
    /// let skips_time = server.kind() == ServerKind::TimeSkipping;
    /// # }
    /// ```
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// The last lines the server printed (stderr and stdout interleaved), for a test's
    /// failure message when something goes wrong on the server's side.
    ///
    /// ```no_run
    /// # fn f(server: &temporal_sdk::testing::TestServer) {
    /// eprintln!("server said:\n{}", server.recent_output());
    /// # }
    /// ```
    pub fn recent_output(&self) -> String {
        self.output.text()
    }

    /// Stops the server and waits until its process is gone.
    ///
    /// Dropping the `TestServer` stops it too, without waiting; use this where a test must
    /// know that the server is gone, e.g. before checking a port is free.
    ///
    /// ```no_run
    /// # async fn f(server: temporal_sdk::testing::TestServer) {
    /// server.shutdown().await;
    /// # }
    /// ```
    pub async fn shutdown(self) {
        self.process.stop_and_wait().await;
    }
}

fn dev_args(options: &DevServerOptions, ports: &[u16]) -> Vec<OsString> {
    let mut args: Vec<String> = vec![
        "server".into(),
        "start-dev".into(),
        "--ip".into(),
        "127.0.0.1".into(),
        "--port".into(),
        ports[0].to_string(),
        "--http-port".into(),
        ports[1].to_string(),
        "--metrics-port".into(),
        ports[2].to_string(),
    ];
    match ports.get(3) {
        Some(ui_port) if options.ui => args.extend(["--ui-port".into(), ui_port.to_string()]),
        _ => args.push("--headless".into()),
    }
    args.extend(["--namespace".into(), "default".into()]);
    for ns in options.namespaces.iter().filter(|ns| ns.as_str() != "default") {
        args.extend(["--namespace".into(), ns.clone()]);
    }
    args.extend([
        "--log-level".into(),
        options.log_level.clone(),
        // Without this the server phones home at start-up to check for a newer version.
        "--dynamic-config-value".into(),
        "frontend.enableServerVersionCheck=false".into(),
    ]);
    for (name, ty) in &options.search_attributes {
        args.extend(["--search-attribute".into(), format!("{name}={ty}")]);
    }
    args.extend(options.extra_args.iter().cloned());
    args.into_iter().map(OsString::from).collect()
}

async fn resolve_executable(kind: ServerKind, explicit: Option<PathBuf>) -> Result<PathBuf, ProvisionError> {
    match explicit {
        Some(path) => Ok(path),
        None => tokio::task::spawn_blocking(move || find_or_install(kind))
            .await
            .map_err(|e| ProvisionError::Runtime(format!("finding the {kind}: {e}")))?,
    }
}

fn run_on_fresh_thread<F, Fut>(start: F) -> Result<TestServer, ProvisionError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<TestServer, ProvisionError>>,
{
    std::thread::Builder::new()
        .name("temporal-test-server-start".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| ProvisionError::Runtime(e.to_string()))?;
            runtime.block_on(start())
        })
        .map_err(|e| ProvisionError::Runtime(e.to_string()))?
        .join()
        .map_err(|_| ProvisionError::Runtime("the start-up thread panicked".into()))?
}

async fn start_with_retries(
    kind: ServerKind,
    exe: PathBuf,
    port_count: usize,
    timeout: Duration,
    output: OutputTail,
    args_for: impl Fn(&[u16]) -> Vec<OsString>,
) -> Result<TestServer, ProvisionError> {
    let mut attempt = 1;
    loop {
        let ports = free_ports(port_count)?;
        let result = start_once(kind, &exe, ports[0], args_for(&ports), timeout, output.clone()).await;
        match result {
            Err(ProvisionError::ExitedEarly { ref output, .. })
                if attempt < PORT_ATTEMPTS && output.to_ascii_lowercase().contains("address already in use") =>
            {
                tracing::debug!(%kind, attempt, "server port was taken, retrying on fresh ports");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Ports the OS considers free right now. All listeners are held until every port is
/// chosen so that the ports are distinct.
fn free_ports(count: usize) -> Result<Vec<u16>, ProvisionError> {
    let context = "finding a free port on 127.0.0.1";
    let listeners = (0..count)
        .map(|_| TcpListener::bind(("127.0.0.1", 0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ProvisionError::Io { context: context.into(), source })?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ProvisionError::Io { context: context.into(), source })
}

async fn start_once(
    kind: ServerKind,
    exe: &std::path::Path,
    port: u16,
    args: Vec<OsString>,
    timeout: Duration,
    output: OutputTail,
) -> Result<TestServer, ProvisionError> {
    let command = std::iter::once(exe.as_os_str())
        .chain(args.iter().map(OsString::as_os_str))
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let mut process = ServerProcess::spawn(kind, exe, &args, &output)?;
    let deadline = started + timeout;
    let mut last_error = String::from("no answer yet");
    loop {
        if let Some(status) = process.exited() {
            process.wait_for_output_readers().await;
            return Err(ProvisionError::ExitedEarly { kind, status, command, output: output.text() });
        }
        let now = Instant::now();
        if now >= deadline {
            drop(process);
            return Err(ProvisionError::NotReady { kind, port, timeout, last_error, command, output: output.text() });
        }
        let probe_timeout = (deadline - now).min(Duration::from_secs(5));
        match tokio::time::timeout(probe_timeout, probe(port)).await {
            Ok(Ok(())) => break,
            Ok(Err(e)) => last_error = e,
            Err(_) => last_error = format!("no answer within {probe_timeout:?}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tracing::debug!(%kind, port, elapsed = ?started.elapsed(), "test server ready");
    Ok(TestServer { kind, port, target: format!("127.0.0.1:{port}"), output, process })
}

/// Ready means a real RPC succeeds, not merely that the port accepts connections: the dev
/// server opens its port before its services are wired up. Both servers implement
/// `GetSystemInfo` (the time-skipping one with an empty `server_version`).
async fn probe(port: u16) -> Result<(), String> {
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .map_err(|e| error_chain(&e))?
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
        .map_err(|e| error_chain(&e))?;
    WorkflowServiceClient::new(channel)
        .get_system_info(GetSystemInfoRequest::default())
        .await
        .map(drop)
        .map_err(|status| format!("GetSystemInfo: {status}"))
}

/// The last lines a server printed, shared with the threads that read its pipes, and the
/// file that gets all of them when one was asked for.
#[derive(Debug, Clone, Default)]
struct OutputTail(Arc<Mutex<VecDeque<String>>>, Option<Arc<Mutex<std::fs::File>>>);

impl OutputTail {
    fn new(file: Option<&std::path::Path>) -> Result<Self, ProvisionError> {
        let Some(path) = file else { return Ok(Self::default()) };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| ProvisionError::Io { context: format!("opening {}", path.display()), source })?;
        Ok(Self(Arc::default(), Some(Arc::new(Mutex::new(file)))))
    }

    fn push(&self, line: String) {
        if let Some(file) = &self.1 {
            use std::io::Write;
            let mut file = file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // The copy is a convenience; a full disk must not stop the draining of the pipe.
            let _ = writeln!(file, "{line}");
        }
        let mut lines = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if lines.len() == OUTPUT_TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        lines.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
    }
}

/// Drains one of the server's output pipes on a plain thread for as long as the server
/// runs. A thread rather than a task, because a server kept in a `static` outlives the
/// runtime that started it, and an undrained pipe would block the server once it fills.
fn spawn_reader(
    kind: ServerKind,
    stream: impl Read + Send + 'static,
    tail: OutputTail,
) -> Option<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("temporal-test-server-output".into())
        .spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                // Bytes, not `lines()`: one non-UTF-8 byte must not stop the draining.
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                        tracing::debug!(target: "temporal_sdk::testing::server", %kind, "{line}");
                        tail.push(line);
                    }
                }
            }
        })
        .ok()
}

/// The orphan guard. The server runs as a background job of this `sh` script, which then
/// blocks reading its stdin: a pipe whose only write end the `TestServer` holds. The kernel
/// closes that end when this process exits for any reason (including SIGKILL, and a
/// `static` never dropped), or when the `TestServer` drops it; `read` then sees EOF and the
/// script kills the server (both servers keep their state in memory only, so there is nothing
/// to save, and a graceful stop would take the dev server a second). The script exits with
/// the server's status as soon as the server exits, so an early crash is visible as the
/// script's exit. No `unsafe` `pre_exec`/`prctl` is needed.
#[cfg(unix)]
const GUARD_SCRIPT: &str = r#"
exec 3<&0 0</dev/null
"$@" 3<&- &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' TERM HUP INT
(
  while read -r _; do :; done
  kill -KILL "$server" 2>/dev/null
) <&3 &
watcher=$!
exec 3<&-
while :; do
  wait "$server"
  status=$?
  kill -0 "$server" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
exit "$status"
"#;

/// The spawned process. Dropping it stops the server without blocking, which also covers a
/// start-up future cancelled half-way.
#[derive(Debug)]
struct ServerProcess {
    /// The guard script on Unix, the server itself elsewhere; `None` once reaped.
    child: Option<Child>,
    /// Closing this tells the guard script to stop the server.
    stdin: Option<ChildStdin>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl ServerProcess {
    fn spawn(
        kind: ServerKind,
        exe: &std::path::Path,
        args: &[OsString],
        output: &OutputTail,
    ) -> Result<ServerProcess, ProvisionError> {
        #[cfg(unix)]
        let (program, mut cmd) = {
            use std::os::unix::process::CommandExt;
            let program = PathBuf::from("/bin/sh");
            let mut cmd = Command::new(&program);
            cmd.arg("-c")
                .arg(GUARD_SCRIPT)
                .arg("temporal-sdk-server-guard")
                .arg(exe)
                .args(args)
                // Own process group: a terminal's Ctrl-C goes to the test process only, and
                // the guard then stops the server in order instead of both racing to die.
                .process_group(0);
            (program, cmd)
        };
        #[cfg(not(unix))]
        let (program, mut cmd) = {
            let mut cmd = Command::new(exe);
            cmd.args(args);
            (exe.to_path_buf(), cmd)
        };
        // Never the test's own stdout/stderr: a server inheriting them would keep a
        // `cargo test | tee` pipeline open after the tests end.
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ProvisionError::Spawn { kind, program, source })?;
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.extend(spawn_reader(kind, stdout, output.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.extend(spawn_reader(kind, stderr, output.clone()));
        }
        let stdin = child.stdin.take();
        Ok(ServerProcess { child: Some(child), stdin, readers })
    }

    /// `Some(status)` once the server (on Unix: the guard script, which exits with it) has
    /// exited.
    fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => {
                self.child = None;
                Some(status.to_string())
            }
            Ok(None) => None,
            Err(e) => Some(format!("unknown status: {e}")),
        }
    }

    /// Gives the reader threads a moment to collect the last lines a crashed server wrote.
    async fn wait_for_output_readers(&self) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && !self.readers.iter().all(|r| r.is_finished()) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn request_stop(&mut self) {
        drop(self.stdin.take());
        #[cfg(not(unix))]
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
    }

    async fn stop_and_wait(mut self) {
        self.request_stop();
        let Some(mut child) = self.child.take() else {
            return;
        };
        // The guard kills the server at once; past this deadline something is wrong with the
        // guard itself, and killing it is the last resort.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return;
                }
                _ => return,
            }
        }
    }
}

impl Drop for ServerProcess {
    /// Stops without blocking the caller; a thread reaps the guard so that no zombie is
    /// left. Without that thread the guard still stops the server; it only stays a zombie
    /// until this process exits.
    fn drop(&mut self) {
        self.request_stop();
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = std::thread::Builder::new().name("temporal-test-server-reaper".into()).spawn(move || {
            let _ = child.wait();
        });
    }
}
