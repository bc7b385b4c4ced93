//! Client configuration from a `temporal.toml` profile written by the real `temporal config
//! set`, and from environment variables, used to reach the dev server.

use std::path::{Path, PathBuf};
use std::process::Command;

use integration_tests::{target, unique};
use temporal_sdk::client::envconfig::{ClientConfigProfile, LoadOptions};
use temporal_sdk::prelude::*;
use temporal_sdk::testing::{ServerKind, find_or_install};

/// Runs `temporal config set` on `file`, as a user would.
fn config_set(file: &Path, profile: &str, prop: &str, value: &str) {
    let cli = find_or_install(ServerKind::Dev).expect("the temporal CLI");
    let output = Command::new(cli)
        .args(["config", "set", "--profile", profile, "--prop", prop, "--value", value])
        .env("TEMPORAL_CONFIG_FILE", file)
        .output()
        .expect("run temporal config set");
    assert!(output.status.success(), "temporal config set {prop}: {}", String::from_utf8_lossy(&output.stderr));
}

fn scratch_file() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("envconfig"));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir.join("temporal.toml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_written_by_the_cli_connects_the_client() {
    let file = scratch_file();
    config_set(&file, "ci", "address", &target());
    config_set(&file, "ci", "namespace", "default");
    config_set(&file, "ci", "grpc_meta.x-test-run", "envconfig");
    config_set(&file, "other", "address", "unreachable.invalid:7233");

    // The file is found through TEMPORAL_CONFIG_FILE and the profile through TEMPORAL_PROFILE,
    // as the CLI and the other SDKs find them.
    let env = [("TEMPORAL_CONFIG_FILE", file.to_string_lossy().into_owned()), ("TEMPORAL_PROFILE", "ci".into())];
    let profile = ClientConfigProfile::load(LoadOptions::new().env_vars(env.clone())).expect("profile");
    assert_eq!(profile.address.as_deref(), Some(target().as_str()));
    assert_eq!(profile.grpc_meta.get("x-test-run").map(String::as_str), Some("envconfig"));
    let options = profile.to_client_options().expect("options");
    assert_eq!(options.rpc_metadata.get("x-test-run").map(String::as_str), Some("envconfig"));
    let client = Client::connect(options).await.expect("connect with the profile");
    assert_eq!(client.namespace(), "default");
    let handle = client
        .start_workflow_by_name("Anything", &(), WorkflowOptions::new(unique("envconfig"), unique("no-worker")))
        .await
        .expect("start through the profile's client");
    handle.terminate("test over").await.expect("terminate");

    // Variables override the file: TEMPORAL_ADDRESS replaces the other profile's address.
    let mut env = env.to_vec();
    env[1] = ("TEMPORAL_PROFILE", "other".into());
    env.push(("TEMPORAL_ADDRESS", target()));
    let options = ClientConfigProfile::load(LoadOptions::new().env_vars(env))
        .and_then(|p| p.to_client_options())
        .expect("options");
    Client::connect(options).await.expect("connect with the overridden address");
    let _ = std::fs::remove_dir_all(file.parent().expect("scratch folder"));
}
