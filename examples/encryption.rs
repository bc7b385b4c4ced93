//! Encrypted payloads: every input, result and failure message leaves the process encrypted
//! with AES-256-GCM (in the format the other SDKs' samples use), so the server, and whoever reads
//! its database, sees ciphertext. A codec server lets the CLI and the Web UI show the clear
//! values to those who hold the key.
//!
//! ```sh
//! cargo run --example encryption
//! ```

use std::time::Duration;

use examples::codecs::{EncryptionCodec, ZlibCodec};
use temporal_sdk::converter::codec_server::CodecServer;
use temporal_sdk::converter::{DataConverter, FailureConverter};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::testing::WorkflowEnvironment;

#[activity]
async fn greet(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

#[derive(Default)]
struct EncryptedGreeting;

#[workflow]
impl EncryptedGreeting {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        workflow::execute_activity(greet, name, ActivityOptions::start_to_close(Duration::from_secs(10))).await
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    // Compress, then encrypt the compressed bytes; failures' messages travel encrypted too.
    let converter = DataConverter::default()
        .with_codec(ZlibCodec::default())
        .with_codec(EncryptionCodec::samples_test_key())
        .with_failure_converter(FailureConverter::default().encode_common_attributes(true));
    let client = env.client().with_data_converter(converter.clone());

    let worker =
        Worker::new(&client, WorkerOptions::new("encryption-queue").workflow::<EncryptedGreeting>().activity(greet))?;
    let running = worker.spawn();
    let handle = client
        .start_workflow(
            EncryptedGreeting::run,
            "Temporal".to_string(),
            WorkflowOptions::new("encryption-workflow", "encryption-queue"),
        )
        .await?;
    println!("Result: {}", handle.result().await?);

    // What the server stored: ciphertext.
    let history = handle.fetch_history().await?;
    let stored_input = history.history.events.iter().find_map(|event| match &event.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) => started.input.clone(),
        _ => None,
    });
    if let Some(input) = stored_input.and_then(|p| p.payloads.into_iter().next()) {
        let encoding = String::from_utf8_lossy(&input.metadata["encoding"]).into_owned();
        println!("The server stores the input as {encoding}, {} bytes", input.data.len());
    }

    // Who holds the key can read it back through the codec server.
    let codec_server = CodecServer::new(converter).bind("127.0.0.1:0".parse()?).await?;
    println!(
        "Codec server on {url}: temporal workflow show --workflow-id encryption-workflow --address {} --codec-endpoint {url}",
        env.target().unwrap_or("localhost:7233"),
        url = codec_server.url(),
    );

    worker.shutdown().await;
    running.await??;
    drop(codec_server);
    env.shutdown().await;
    Ok(())
}
