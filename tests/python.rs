//! The real Python SDK for the interoperability tests (`tests/interop_python.rs`): installed on
//! first use into a cache folder, the way the SDK installs the Temporal server binaries
//! (`temporal_sdk::testing::find_or_install`), and run as child processes of the test.
//!
//! Only the tests need Python, so this lives here rather than in the SDK. A fresh machine needs
//! `python3` (3.10 or later, what `temporalio` requires) with its `pip`, nothing else:
//!
//! 1. `TEMPORAL_PYTHON_SDK_DIR`, when set, names a folder holding the packages (for machines
//!    without network access, where someone ran the `pip install --target` below by hand);
//! 2. else the cache folder of the SDK (`$TEMPORAL_SDK_CACHE_DIR`, else
//!    `$XDG_CACHE_HOME/temporal-sdk-rust`, else `~/.cache/temporal-sdk-rust`), subfolder
//!    `python-temporalio-<v>-cryptography-<v>-<interpreter>`;
//! 3. failing both, `python3 -m pip install --target` of the pinned packages into that folder.
//!
//! The scripts then run as `python3 tests/python/interop.py ...` with `PYTHONPATH` set to the
//! folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The Python SDK the suite runs, pinned so every machine runs the same one.
pub const TEMPORALIO: &str = "temporalio==1.35.0";
/// What the samples' encryption codec (`tests/python/interop.py`) is built on.
pub const CRYPTOGRAPHY: &str = "cryptography==46.0.3";
/// What the tracing interop test (`tests/python/tracing.py`) records Python's spans with.
pub const OPENTELEMETRY_SDK: &str = "opentelemetry-sdk==1.45.2";
/// Names a folder with the packages installed, which is then used as it is.
pub const SDK_DIR_VAR: &str = "TEMPORAL_PYTHON_SDK_DIR";

/// The interpreter the scripts run on. Only `python3 -m pip` installs for it: a bare `pip3` may
/// belong to another Python, whose compiled wheels (cryptography, protobuf) this one cannot load.
const PYTHON: &str = "python3";

/// The oldest Python that `temporalio` 1.35 supports.
const MIN_PYTHON: (u32, u32) = (3, 10);

/// A Python with the pinned packages importable.
#[derive(Debug)]
pub struct PythonSdk {
    /// The folder to put on `PYTHONPATH`.
    pub path: PathBuf,
}

impl PythonSdk {
    /// `python3 tests/python/interop.py ARGS` with the packages on its path and nothing of the
    /// user's site-packages in the way.
    pub fn interop_command(&self, args: &[String]) -> tokio::process::Command {
        self.command("interop.py", args)
    }

    /// `python3 tests/python/SCRIPT ARGS`, set up as [`PythonSdk::interop_command`].
    pub fn command(&self, script: &str, args: &[String]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(PYTHON);
        command
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("python").join(script))
            .args(args)
            .env("PYTHONPATH", &self.path)
            .env("PYTHONNOUSERSITE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }
}

/// The script with the Python side of the tests.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python").join("interop.py")
}

/// Why the Python SDK could not be found or installed; the message says what to do.
#[derive(Debug, Clone)]
pub struct PythonError(String);

impl std::fmt::Display for PythonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PythonError {}

/// The Python SDK, installed on first use; blocking (the first call may download about 80 MB).
///
/// Every thread of the process waits for one install (the `OnceLock`); concurrent test
/// processes each install into a private folder and rename it into place, the first rename
/// wins and the others use its copy, so nobody ever imports a half-written package.
pub fn python_sdk_blocking() -> Result<&'static PythonSdk, PythonError> {
    static SDK: OnceLock<Result<PythonSdk, PythonError>> = OnceLock::new();
    SDK.get_or_init(find_or_install).as_ref().map_err(Clone::clone)
}

/// [`python_sdk_blocking`] for async tests; panics with the reason, as a missing Python is a
/// failed test that names what to install, not a skipped one.
pub async fn python_sdk() -> &'static PythonSdk {
    match tokio::task::spawn_blocking(python_sdk_blocking).await {
        Ok(Ok(sdk)) => sdk,
        Ok(Err(e)) => panic!("{e}"),
        Err(e) => panic!("installing the Python SDK panicked: {e}"),
    }
}

fn find_or_install() -> Result<PythonSdk, PythonError> {
    if let Some(dir) = std::env::var_os(SDK_DIR_VAR).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(dir);
        if !has_packages(&path) {
            return Err(PythonError(format!(
                "{SDK_DIR_VAR}={} holds no temporalio, cryptography and opentelemetry-sdk packages; fix or unset it",
                path.display()
            )));
        }
        return Ok(PythonSdk { path });
    }
    let interpreter = interpreter_tag()?;
    let root = cache_root().ok_or_else(|| {
        not_installed("no cache folder: none of TEMPORAL_SDK_CACHE_DIR, XDG_CACHE_HOME, HOME is set".into())
    })?;
    let name = format!(
        "python-{}-{}-{}-{interpreter}",
        TEMPORALIO.replace("==", "-"),
        CRYPTOGRAPHY.replace("==", "-"),
        OPENTELEMETRY_SDK.replace("==", "-")
    );
    let dir = root.join(&name);
    if has_packages(&dir) {
        return Ok(PythonSdk { path: dir });
    }
    let started = Instant::now();
    install(&root, &name, &dir)?;
    // Shown with `--nocapture`, and in the output of a failing test: the price of a fresh cache.
    eprintln!(
        "installed {TEMPORALIO}, {CRYPTOGRAPHY} and {OPENTELEMETRY_SDK} into {} in {:.1?}",
        dir.display(),
        started.elapsed()
    );
    Ok(PythonSdk { path: dir })
}

fn has_packages(dir: &Path) -> bool {
    dir.join("temporalio").join("__init__.py").is_file()
        && dir.join("cryptography").join("__init__.py").is_file()
        && dir.join("opentelemetry").join("sdk").join("trace").join("__init__.py").is_file()
}

fn not_installed(cause: String) -> PythonError {
    PythonError(format!(
        "the Python SDK for the interoperability tests is not installed and the automatic install failed: \
         {cause}\nInstall it with `{PYTHON} -m pip install --target DIR {TEMPORALIO} {CRYPTOGRAPHY} {OPENTELEMETRY_SDK}` and set \
         {SDK_DIR_VAR}=DIR"
    ))
}

/// The interpreter's cache tag (`cpython-311`): wheels with compiled code are built per
/// interpreter, so each gets its own install folder. Also checks that `python3` runs and is
/// recent enough, with a message that says so instead of pip's "no matching distribution".
fn interpreter_tag() -> Result<String, PythonError> {
    let probe = "import sys; print(sys.implementation.cache_tag, sys.version_info[0], sys.version_info[1])";
    let output = run(Command::new(PYTHON).args(["-c", probe])).map_err(|e| {
        PythonError(format!(
            "`{PYTHON}` could not be run ({e}): the Python interoperability tests need Python \
             {}.{} or later with pip on PATH as `{PYTHON}`",
            MIN_PYTHON.0, MIN_PYTHON.1
        ))
    })?;
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    let parsed = match fields.as_slice() {
        [tag, major, minor] => major.parse::<u32>().ok().zip(minor.parse::<u32>().ok()).map(|v| (tag.to_string(), v)),
        _ => None,
    };
    let Some((tag, version)) = parsed.filter(|_| output.status.success()) else {
        return Err(PythonError(format!(
            "`{PYTHON} -c` did not report its version ({}): {}{}",
            output.status,
            text.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    };
    if version < MIN_PYTHON {
        return Err(PythonError(format!(
            "`{PYTHON}` is Python {}.{}; {TEMPORALIO} needs {}.{} or later",
            version.0, version.1, MIN_PYTHON.0, MIN_PYTHON.1
        )));
    }
    Ok(tag)
}

/// The SDK's cache folder, chosen by the same rules as `temporal_sdk::testing::find_or_install`,
/// so one folder (one thing to clear, one to cache on CI) holds everything the tests download.
fn cache_root() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("TEMPORAL_SDK_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("temporal-sdk-rust")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("temporal-sdk-rust")))
}

/// Installs into a private folder beside the final one and renames it into place (atomic on
/// one file system). Losing a race to another process leaves its copy in place and uses it.
fn install(root: &Path, name: &str, dir: &Path) -> Result<(), PythonError> {
    std::fs::create_dir_all(root)
        .map_err(|e| not_installed(format!("cannot create the cache folder {}: {e}", root.display())))?;
    let partial_prefix = format!(".partial-{name}-");
    remove_stale_partials(root, &partial_prefix);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = root.join(format!("{partial_prefix}{}-{nanos}", std::process::id()));
    if let Err(e) = pip_install(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    match std::fs::rename(&tmp, dir) {
        Ok(()) => Ok(()),
        Err(_) if has_packages(dir) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(not_installed(format!(
                "cannot move the installed packages into {} ({e}); remove that folder if it is a broken leftover",
                dir.display()
            )))
        }
    }
}

/// A killed install leaves a partial folder behind; one older than any real install could take
/// is removed, younger ones may belong to a live install of another process.
fn remove_stale_partials(root: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(6 * 3600));
        if old && entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn pip_command() -> Command {
    let mut command = Command::new(PYTHON);
    command
        .args(["-m", "pip"])
        // A user-wide `PIP_USER=1` or `PIP_REQUIRE_VIRTUALENV=1` makes `--target` fail; neither
        // matters for a private folder. Root's "use a virtual environment" warning is noise here.
        .env("PIP_USER", "0")
        .env("PIP_REQUIRE_VIRTUALENV", "0")
        .env("PIP_ROOT_USER_ACTION", "ignore");
    command
}

fn pip_install(target: &Path) -> Result<(), PythonError> {
    let probe = run(pip_command().arg("--version"));
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = match probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        return Err(not_installed(format!(
            "`{PYTHON}` has no pip (`{PYTHON} -m pip --version`: {why}); install it, e.g. \
             `apt-get install python3-pip` or `{PYTHON} -m ensurepip`"
        )));
    }
    let output = run(pip_command()
        .args(["install", "--quiet", "--disable-pip-version-check", "--no-input", "--target"])
        .arg(target)
        .args([TEMPORALIO, CRYPTOGRAPHY, OPENTELEMETRY_SDK]))
    .map_err(|e| not_installed(format!("could not run `{PYTHON} -m pip`: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        return Err(not_installed(format!(
            "`{PYTHON} -m pip install --target {} {TEMPORALIO} {CRYPTOGRAPHY} {OPENTELEMETRY_SDK}` failed ({}):\n{}",
            target.display(),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )));
    }
    if !has_packages(target) {
        return Err(not_installed(format!("pip succeeded but {} lacks the packages", target.display())));
    }
    Ok(())
}

fn run(command: &mut Command) -> std::io::Result<std::process::Output> {
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).output()
}

/// What the Python side does to payloads and failures (`interop.py --codec --encoded-failures`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PyConverter {
    /// The samples' AES-GCM encryption codec with the samples' test key.
    pub codec: bool,
    /// `DefaultFailureConverterWithEncodedAttributes`.
    pub encoded_failures: bool,
}

impl PyConverter {
    /// With the encryption codec.
    pub fn codec(mut self) -> Self {
        self.codec = true;
        self
    }

    /// With `DefaultFailureConverterWithEncodedAttributes`.
    pub fn encoded_failures(mut self) -> Self {
        self.encoded_failures = true;
        self
    }

    fn args(self) -> Vec<String> {
        let mut args = Vec::new();
        if self.codec {
            args.push("--codec".into());
        }
        if self.encoded_failures {
            args.push("--encoded-failures".into());
        }
        args
    }
}

/// The last lines a child wrote to a stream, kept for the message of a failing test.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<Vec<String>>>);

impl Tail {
    const LINES: usize = 200;

    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == Self::LINES {
            lines.remove(0);
        }
        lines.push(line);
    }

    fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).join("\n")
    }

    /// Reads `stream` to its end on a task of its own: a child whose pipe nobody empties blocks
    /// once the pipe is full.
    fn collect(&self, stream: impl AsyncRead + Unpin + Send + 'static) {
        let tail = self.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tail.push(line);
            }
        });
    }
}

/// A Python worker (`interop.py worker`) running every Python workflow and activity of the
/// suite on one task queue, until dropped (the process is killed then).
pub struct PythonWorker {
    child: tokio::process::Child,
    stderr: Tail,
    /// Its task queue.
    pub task_queue: String,
}

impl PythonWorker {
    /// Starts the worker and waits until the server sees it polling (its "READY" line), so
    /// tests never sleep on a guess. Panics with the worker's output when it does not get there.
    pub async fn start(address: &str, task_queue: &str, converter: PyConverter) -> Self {
        let sdk = python_sdk().await;
        let mut args =
            vec!["worker".into(), "--address".into(), address.into(), "--task-queue".into(), task_queue.into()];
        args.extend(converter.args());
        let mut child = match sdk.interop_command(&args).spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot start the Python worker ({PYTHON} {}): {e}", script().display()),
        };
        let stderr = Tail::default();
        if let Some(err) = child.stderr.take() {
            stderr.collect(err);
        }
        let Some(stdout) = child.stdout.take() else {
            panic!("the Python worker's stdout is not piped");
        };
        let mut lines = BufReader::new(stdout).lines();
        let ready = format!("READY {task_queue}");
        // Importing the SDK and connecting take a second or two; the bound is generous because
        // the machine is shared with compilers and other tests.
        let waited = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) if line.trim() == ready => return true,
                    Ok(Some(_)) => continue,
                    _ => return false,
                }
            }
        })
        .await;
        if waited != Ok(true) {
            let status = child.try_wait().ok().flatten().map(|s| s.to_string()).unwrap_or("still running".into());
            // Give the stderr task a moment to read what a crashing worker wrote last.
            tokio::time::sleep(Duration::from_millis(200)).await;
            panic!(
                "the Python worker on {task_queue} did not report READY ({}; {status}); its stderr:\n{}",
                if waited.is_err() { "timed out after 60 s" } else { "its stdout ended" },
                stderr.text()
            );
        }
        // Nothing more is expected on stdout, but it is drained all the same.
        Tail::default().collect(lines.into_inner());
        Self { child, stderr, task_queue: task_queue.into() }
    }

    /// What the worker wrote to stderr so far (Python's logs of failed tasks, tracebacks).
    pub fn stderr(&self) -> String {
        self.stderr.text()
    }

    /// Kills the worker and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// One run of `interop.py client`: starts a workflow by name from Python and prints what Python
/// got back.
#[derive(Debug, Clone)]
pub struct PythonClient {
    args: Vec<String>,
}

impl PythonClient {
    /// A call of workflow type `workflow` on `task_queue`.
    pub fn new(address: &str, task_queue: &str, workflow: &str) -> Self {
        let args = ["client", "--address", address, "--task-queue", task_queue, "--workflow", workflow];
        Self { args: args.into_iter().map(String::from).collect() }
    }

    /// Appends an argument (one payload, converted by Python); `{"__bytes__": "<hex>"}` is a
    /// Python `bytes`.
    pub fn arg(mut self, value: serde_json::Value) -> Self {
        self.args.extend(["--arg".into(), value.to_string()]);
        self
    }

    /// Appends a payload made by hand with this encoding and data, after the [`arg`](Self::arg)s.
    pub fn raw_arg(mut self, encoding: &str, data: &str) -> Self {
        self.args.extend(["--raw-arg".into(), format!("{encoding}={data}")]);
        self
    }

    /// Appends a `temporal.api.common.v1.WorkflowExecution` message argument, which Python
    /// writes as `json/protobuf`.
    pub fn execution_arg(mut self, workflow_id: &str, run_id: &str) -> Self {
        self.args.extend(["--execution-arg".into(), format!("{workflow_id},{run_id}")]);
        self
    }

    /// The workflow id to start with.
    pub fn id(mut self, id: &str) -> Self {
        self.args.extend(["--id".into(), id.into()]);
        self
    }

    /// The workflow task timeout, in seconds.
    pub fn task_timeout(mut self, seconds: u32) -> Self {
        self.args.extend(["--task-timeout".into(), seconds.to_string()]);
        self
    }

    /// Starts the workflow and returns at once, without its result.
    pub fn no_wait(mut self) -> Self {
        self.args.push("--no-wait".into());
        self
    }

    /// The Python client's converter.
    pub fn converter(mut self, converter: PyConverter) -> Self {
        self.args.extend(converter.args());
        self
    }

    /// Runs the client and returns its JSON line: `{"workflow_id", "run_id", "result"}` or
    /// `{.., "error"}`. Panics with its output if it fails or prints no JSON.
    pub async fn run(self) -> serde_json::Value {
        let sdk = python_sdk().await;
        let child = match sdk.interop_command(&self.args).spawn() {
            Ok(child) => child,
            Err(e) => panic!("cannot start the Python client: {e}"),
        };
        // The workflows under test finish in seconds; the bound only keeps a hang from hanging
        // the suite (the child is killed when the timed-out future drops it).
        let output = match tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => panic!("the Python client failed to run: {e}"),
            Err(_) => panic!("the Python client {:?} did not finish within 60 s", self.args),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let parsed = stdout.lines().last().and_then(|line| serde_json::from_str::<serde_json::Value>(line).ok());
        match parsed {
            Some(value) if output.status.success() => value,
            _ => panic!(
                "the Python client {:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
                self.args, output.status
            ),
        }
    }
}
