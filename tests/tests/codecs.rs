//! Payload codecs and the failure converter on a real dev server: every user payload a client
//! and its worker write is encrypted in history (search attributes and the SDK's own marker
//! data stay clear), everything reads back in the clear, failures' messages travel encrypted,
//! the replayer decodes with its converter, a worker without the key fails the task (and keeps
//! the workflow) instead of losing it, and the CLI shows clear values through the codec server.

use std::cell::RefCell;
use std::time::Duration;

use examples::codecs::{EncryptionCodec, ZlibCodec};
use integration_tests::{RunningWorker, client, event_types, unique};
use temporal_sdk::converter::codec_server::CodecServer;
use temporal_sdk::converter::{self, DataConverter, FailureConverter};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::common::v1::Payload;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::replay::{ReplayError, Replayer};
use temporal_sdk::workflow::{ChildWorkflowOptions, LocalActivityOptions};

fn encrypting() -> DataConverter {
    DataConverter::default().with_codec(ZlibCodec::default()).with_codec(EncryptionCodec::samples_test_key())
}

fn encrypted(payload: &Payload) -> bool {
    payload.metadata.get("encoding").map(Vec::as_slice) == Some(b"binary/encrypted")
}

#[activity]
async fn shout(text: String) -> Result<String, ActivityError> {
    Ok(text.to_uppercase())
}

#[activity]
async fn refuse(text: String) -> Result<String, ActivityError> {
    Err(ApplicationError::new(format!("refused {text}")).with_type("Refused").non_retryable().into())
}

#[derive(Default)]
struct Echo;

#[workflow]
impl Echo {
    #[run]
    async fn run(&self, text: String) -> WorkflowResult<String> {
        Ok(format!("echo {text}"))
    }
}

#[derive(Default)]
struct Vault {
    note: RefCell<Option<String>>,
}

#[workflow]
impl Vault {
    #[run]
    async fn run(&self, secret: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        let remote = workflow::execute_activity(shout, secret.clone(), options).await?;
        let local_options = LocalActivityOptions::start_to_close(Duration::from_secs(10));
        let local = workflow::execute_local_activity(shout, format!("{secret} local"), local_options).await?;
        let patched = workflow::patched("codec-patch");
        let child_id = format!("{}-child", workflow::info().map(|i| i.workflow_id).unwrap_or_default());
        let child =
            workflow::execute_child_workflow(Echo::run, format!("{secret} child"), ChildWorkflowOptions::new(child_id))
                .await?;
        workflow::upsert_memo([("later", format!("{secret} memo"))])?;
        workflow::wait_condition(|| self.note.borrow().is_some()).await?;
        let note = self.note.borrow().clone().unwrap_or_default();
        Ok(format!("{remote}|{local}|{patched}|{child}|{note}"))
    }

    #[signal]
    fn leave_note(&self, note: String) {
        *self.note.borrow_mut() = Some(note);
    }

    #[query]
    fn note(&self) -> Option<String> {
        self.note.borrow().clone()
    }

    #[update]
    fn amend(&self, note: String) -> WorkflowResult<String> {
        Ok(format!("amended {note}"))
    }
}

#[derive(Default)]
struct Refuses;

#[workflow]
impl Refuses {
    #[run]
    async fn run(&self, text: String) -> WorkflowResult<String> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        workflow::execute_activity(refuse, text, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_payload_is_encrypted_in_history_and_reads_back_clear() {
    let client = client().await.with_data_converter(encrypting());
    let queue = unique("vault");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<Vault>().workflow::<Echo>().activity(shout),
    );
    let options =
        WorkflowOptions::new(unique("vault"), &queue).memo([("at-start", "memo value")]).expect("memo encodes");
    let handle = client.start_workflow(Vault::run, "psst".to_string(), options).await.expect("start");
    assert_eq!(handle.execute_update(Vault::amend, "n1".to_string()).await.expect("update"), "amended n1");
    handle.signal(Vault::leave_note, "the note".to_string()).await.expect("signal");
    let result = handle.result().await.expect("result");
    assert_eq!(result, "PSST|PSST LOCAL|true|echo psst child|the note");
    assert_eq!(handle.query(Vault::note, ()).await.expect("query").as_deref(), Some("the note"));
    let description = handle.describe().await.expect("describe");
    assert_eq!(description.memo_value::<String>("at-start").expect("memo").expect("decodes"), "memo value");
    assert_eq!(description.memo_value::<String>("later").expect("memo").expect("decodes"), "psst memo");

    let history = handle.fetch_history().await.expect("history");
    let mut seen = Vec::new();
    for event in &history.history.events {
        let mut user: Vec<&Payload> = Vec::new();
        match &event.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
                user.extend(a.input.iter().flat_map(|p| &p.payloads));
                user.extend(a.memo.iter().flat_map(|m| m.fields.values()));
            }
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                user.extend(a.input.iter().flat_map(|p| &p.payloads))
            }
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                user.extend(a.result.iter().flat_map(|p| &p.payloads))
            }
            Some(Attributes::MarkerRecordedEventAttributes(a)) => {
                // The SDK's own bookkeeping stays clear, as every SDK writes it.
                for (key, payloads) in &a.details {
                    let clear = payloads.payloads.iter().all(|p| !encrypted(p));
                    match (a.marker_name.as_str(), key.as_str()) {
                        ("core_local_activity", "result") => user.extend(&payloads.payloads),
                        _ => assert!(clear, "marker {} detail {key} must stay clear", a.marker_name),
                    }
                }
            }
            Some(Attributes::StartChildWorkflowExecutionInitiatedEventAttributes(a)) => {
                user.extend(a.input.iter().flat_map(|p| &p.payloads))
            }
            Some(Attributes::ChildWorkflowExecutionCompletedEventAttributes(a)) => {
                user.extend(a.result.iter().flat_map(|p| &p.payloads))
            }
            Some(Attributes::WorkflowExecutionSignaledEventAttributes(a)) => {
                user.extend(a.input.iter().flat_map(|p| &p.payloads))
            }
            Some(Attributes::WorkflowPropertiesModifiedEventAttributes(a)) => {
                user.extend(a.upserted_memo.iter().flat_map(|m| m.fields.values()))
            }
            Some(Attributes::WorkflowExecutionUpdateAcceptedEventAttributes(a)) => user.extend(
                a.accepted_request
                    .iter()
                    .flat_map(|r| r.input.iter())
                    .flat_map(|i| i.args.iter())
                    .flat_map(|p| &p.payloads),
            ),
            Some(Attributes::WorkflowExecutionUpdateCompletedEventAttributes(a)) => {
                use temporal_sdk::protos::temporal::api::update::v1::outcome::Value;
                if let Some(Value::Success(p)) = a.outcome.as_ref().and_then(|o| o.value.as_ref()) {
                    user.extend(&p.payloads);
                }
            }
            Some(Attributes::WorkflowExecutionCompletedEventAttributes(a)) => {
                user.extend(a.result.iter().flat_map(|p| &p.payloads))
            }
            _ => {}
        }
        if !user.is_empty() {
            seen.push(event.event_type().as_str_name().trim_start_matches("EVENT_TYPE_").to_string());
        }
        for payload in user {
            assert!(encrypted(payload), "{:?} holds a clear payload: {payload:?}", event.event_type());
        }
    }
    for expected in [
        "WORKFLOW_EXECUTION_STARTED",
        "ACTIVITY_TASK_SCHEDULED",
        "ACTIVITY_TASK_COMPLETED",
        "MARKER_RECORDED",
        "START_CHILD_WORKFLOW_EXECUTION_INITIATED",
        "CHILD_WORKFLOW_EXECUTION_COMPLETED",
        "WORKFLOW_PROPERTIES_MODIFIED",
        "WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
        "WORKFLOW_EXECUTION_UPDATE_COMPLETED",
        "WORKFLOW_EXECUTION_SIGNALED",
        "WORKFLOW_EXECUTION_COMPLETED",
    ] {
        assert!(seen.iter().any(|s| s == expected), "no user payload checked in {expected}: {seen:?}");
    }

    // The replayer decodes with the workers' converter; without it, the input cannot be read.
    Replayer::new().workflow::<Vault>().data_converter(encrypting()).replay_workflow(&history).expect("replays");
    let without_key = Replayer::new().workflow::<Vault>().replay_workflow(&history);
    assert!(matches!(without_key, Err(ReplayError::WorkflowTaskFailed(_))), "{without_key:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_messages_travel_encrypted_and_read_back_clear() {
    let converter = encrypting().with_failure_converter(FailureConverter::default().encode_common_attributes(true));
    let client = client().await.with_data_converter(converter);
    let queue = unique("refuses");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Refuses>().activity(refuse));
    let handle = client
        .start_workflow(Refuses::run, "the offer".to_string(), WorkflowOptions::new(unique("refuses"), &queue))
        .await
        .expect("start");
    let failure = match handle.result().await {
        Err(ClientError::WorkflowFailed { cause }) => *cause,
        other => panic!("expected a workflow failure, got {other:?}"),
    };
    // Read back: the activity error's message and type, under the activity failure.
    let root = failure.root_cause();
    assert_eq!(root.message, "refused the offer");
    assert_eq!(root.application_type(), Some("Refused"));

    let history = handle.fetch_history().await.expect("history");
    let stored = history
        .history
        .events
        .iter()
        .find_map(|e| match &e.attributes {
            Some(Attributes::ActivityTaskFailedEventAttributes(a)) => a.failure.clone(),
            _ => None,
        })
        .expect("an activity failure in history");
    assert_eq!(stored.message, "Encoded failure");
    assert!(stored.stack_trace.is_empty());
    let attributes = stored.encoded_attributes.as_ref().expect("encoded attributes");
    assert!(encrypted(attributes), "{attributes:?}");
    let clear = encrypting().decode(vec![attributes.clone()]).await.expect("decrypts");
    let fields: serde_json::Value = converter::decode(&clear[0]).expect("json");
    assert_eq!(fields["message"], "refused the offer");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_the_key_fails_the_task_and_the_workflow_waits_for_one_with_it() {
    let writer = client().await.with_data_converter(encrypting());
    let other_key = DataConverter::default().with_codec(EncryptionCodec::new("other-key", &[7u8; 32]));
    let queue = unique("wrong-key");
    let wrong =
        RunningWorker::start(&writer.with_data_converter(other_key), WorkerOptions::new(&queue).workflow::<Echo>());
    let handle = writer
        .start_workflow(Echo::run, "x".to_string(), WorkflowOptions::new(unique("wrong-key"), &queue))
        .await
        .expect("start");
    let mut failed = None;
    for _ in 0..200 {
        let history = handle.fetch_history().await.expect("history");
        failed = history.history.events.iter().find_map(|e| match &e.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(a)) => a.failure.clone(),
            _ => None,
        });
        if failed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failure = failed.expect("the workflow task failed");
    assert!(
        failure.message.contains("Failed decoding") && failure.message.contains("test-key-id"),
        "{}",
        failure.message
    );
    wrong.stop().await;
    // The workflow is not lost: a worker with the key finishes it.
    let right = RunningWorker::start(&writer, WorkerOptions::new(&queue).workflow::<Echo>());
    assert_eq!(handle.result().await.expect("result"), "echo x");
    right.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_shows_clear_values_through_the_codec_server() {
    let client = client().await.with_data_converter(encrypting());
    let queue = unique("cli-codec");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Echo>());
    let id = unique("cli-codec");
    let handle = client
        .start_workflow(Echo::run, "visible to key holders".to_string(), WorkflowOptions::new(&id, &queue))
        .await
        .expect("start");
    assert_eq!(handle.result().await.expect("result"), "echo visible to key holders");
    let server = CodecServer::new(encrypting()).bind("127.0.0.1:0".parse().expect("address")).await.expect("bind");
    let cli = temporal_sdk::testing::find_or_install(temporal_sdk::testing::ServerKind::Dev).expect("temporal CLI");
    let show = |codec: Option<String>| {
        let mut command = tokio::process::Command::new(&cli);
        command.args([
            "workflow",
            "show",
            "--workflow-id",
            &id,
            "--address",
            &integration_tests::target(),
            "--output",
            "json",
        ]);
        if let Some(url) = codec {
            command.args(["--codec-endpoint", &url]);
        }
        command.output()
    };
    let clear = show(Some(server.url())).await.expect("run the CLI");
    let clear_out = String::from_utf8_lossy(&clear.stdout);
    assert!(clear.status.success(), "{clear_out}\n{}", String::from_utf8_lossy(&clear.stderr));
    // JSON output shows payloads in proto JSON: `json/plain` and `"echo visible to key holders"`
    // in base64.
    assert!(clear_out.contains("\"anNvbi9wbGFpbg==\""), "{clear_out}");
    assert!(clear_out.contains("\"ImVjaG8gdmlzaWJsZSB0byBrZXkgaG9sZGVycyI=\""), "{clear_out}");
    assert!(!clear_out.contains("YmluYXJ5L2VuY3J5cHRlZA=="), "all decoded: {clear_out}");
    let opaque = show(None).await.expect("run the CLI");
    let opaque_out = String::from_utf8_lossy(&opaque.stdout);
    assert!(!opaque_out.contains("ImVjaG8gdmlzaWJsZSB0byBrZXkgaG9sZGVycyI="), "{opaque_out}");
    assert!(opaque_out.contains("\"YmluYXJ5L2VuY3J5cHRlZA==\""), "binary/encrypted: {opaque_out}");
    assert!(
        event_types(&handle.fetch_history().await.expect("history"))
            .contains(&"WORKFLOW_EXECUTION_COMPLETED".to_string())
    );
    worker.stop().await;
}

/// One HTTP/1.1 exchange with the codec server; the response's status line, headers and body.
async fn http(server: &temporal_sdk::converter::codec_server::RunningCodecServer, request: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.local_addr()).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

fn post(path: &str, origin: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: codec\r\nOrigin: {origin}\r\nContent-Type: application/json\r\nX-Namespace: default\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn the_codec_server_speaks_proto_json_with_cors_for_the_web_ui() {
    let server = CodecServer::new(encrypting()).bind("127.0.0.1:0".parse().expect("address")).await.expect("bind");
    // `"hi"` as json/plain: encoding "json/plain", data `"hi"`, both base64.
    let clear = r#"{"payloads":[{"metadata":{"encoding":"anNvbi9wbGFpbg=="},"data":"ImhpIg=="}]}"#;
    let encoded = http(&server, post("/encode", "http://localhost:8233", clear)).await;
    assert!(encoded.starts_with("HTTP/1.1 200"), "{encoded}");
    assert!(encoded.to_ascii_lowercase().contains("access-control-allow-origin: http://localhost:8233"), "{encoded}");
    let body = encoded.split("\r\n\r\n").nth(1).expect("body");
    assert!(body.contains("YmluYXJ5L2VuY3J5cHRlZA=="), "binary/encrypted: {body}");
    let decoded = http(&server, post("/decode", "http://localhost:8233", body)).await;
    let decoded_body = decoded.split("\r\n\r\n").nth(1).expect("body");
    let value: serde_json::Value = serde_json::from_str(decoded_body).expect("json");
    assert_eq!(value["payloads"][0]["data"], "ImhpIg==");
    assert_eq!(value["payloads"][0]["metadata"]["encoding"], "anNvbi9wbGFpbg==");

    // A browser's preflight from the Web UI.
    let preflight = http(
        &server,
        "OPTIONS /decode HTTP/1.1\r\nHost: codec\r\nOrigin: http://localhost:8233\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n".into(),
    )
    .await
    .to_ascii_lowercase();
    assert!(preflight.starts_with("http/1.1 200"), "{preflight}");
    assert!(
        preflight.contains("access-control-allow-headers: content-type, x-namespace, authorization"),
        "{preflight}"
    );
    // Other origins get no CORS grant; bad bodies and undecodable payloads are client errors.
    let foreign = http(&server, post("/decode", "http://evil.example", clear)).await;
    assert!(!foreign.to_ascii_lowercase().contains("access-control-allow-origin"), "{foreign}");
    let bad = http(&server, post("/decode", "http://localhost:8233", "{not json")).await;
    assert!(bad.starts_with("HTTP/1.1 400") && bad.contains("Payloads"), "{bad}");
    let tampered = r#"{"payloads":[{"metadata":{"encoding":"YmluYXJ5L2VuY3J5cHRlZA==","encryption-key-id":"dGVzdC1rZXktaWQ="},"data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#;
    let refused = http(&server, post("/decode", "http://localhost:8233", tampered)).await;
    assert!(refused.starts_with("HTTP/1.1 400") && refused.contains("decryption failed"), "{refused}");
    let missing = http(&server, post("/nothing", "http://localhost:8233", clear)).await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

// ---- Custom encodings in the payload converter chain ----------------------------------------

/// JSON behind a marker byte, under its own encoding name, for `Parcel` only: stands for any serde
/// format an estate might use (MessagePack, CBOR ...).
#[derive(Debug)]
struct ParcelEncoding;

impl converter::EncodingConverter for ParcelEncoding {
    fn encoding(&self) -> &str {
        "binary/parcel"
    }
    fn accepts(&self, type_name: &str) -> bool {
        type_name.ends_with("::Parcel")
    }
    fn serialize(&self, value: &dyn erased_serde::Serialize) -> Result<Vec<u8>, converter::EncodingError> {
        let mut out = vec![0x50];
        out.extend(serde_json::to_vec(value)?);
        Ok(out)
    }
    fn deserialize(&self, data: &[u8], read: converter::DeserializeWith<'_>) -> Result<(), converter::EncodingError> {
        let body = data.strip_prefix(&[0x50]).ok_or("not a parcel")?;
        let mut json = serde_json::Deserializer::from_slice(body);
        read(&mut <dyn erased_serde::Deserializer>::erase(&mut json))?;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Parcel {
    to: String,
    grams: u32,
}

#[activity]
async fn weigh_parcel(parcel: Parcel) -> Result<Parcel, ActivityError> {
    Ok(Parcel { grams: parcel.grams + 1, ..parcel })
}

#[derive(Default)]
struct Post;

#[workflow]
impl Post {
    #[run]
    async fn run(&self, parcel: Parcel, note: String) -> WorkflowResult<(Parcel, String)> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        let weighed = workflow::execute_activity(weigh_parcel, parcel, options).await?;
        Ok((weighed, note))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_encodings_write_their_types_in_client_workflow_and_activity() {
    let client = client().await.with_data_converter(DataConverter::default().with_encoding(ParcelEncoding));
    let queue = unique("post");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<Post>().activity(weigh_parcel));
    let parcel = Parcel { to: "Ada".into(), grams: 100 };
    let handle = client
        .start_workflow(
            Post::run,
            (parcel.clone(), "fragile".to_string()),
            WorkflowOptions::new(unique("post"), &queue),
        )
        .await
        .expect("start");
    let (weighed, note) = handle.result().await.expect("result");
    assert_eq!(weighed, Parcel { to: "Ada".into(), grams: 101 });
    assert_eq!(note, "fragile");
    let history = handle.fetch_history().await.expect("history");
    let encoding = |p: &Payload| String::from_utf8_lossy(&p.metadata["encoding"]).into_owned();
    let mut seen = Vec::new();
    for event in &history.history.events {
        match &event.attributes {
            Some(Attributes::WorkflowExecutionStartedEventAttributes(a)) => {
                seen.extend(a.input.iter().flat_map(|p| &p.payloads).map(encoding))
            }
            Some(Attributes::ActivityTaskScheduledEventAttributes(a)) => {
                seen.extend(a.input.iter().flat_map(|p| &p.payloads).map(encoding))
            }
            Some(Attributes::ActivityTaskCompletedEventAttributes(a)) => {
                seen.extend(a.result.iter().flat_map(|p| &p.payloads).map(encoding))
            }
            _ => {}
        }
    }
    // The parcel in its encoding wherever it travels; the note, a `String`, stays JSON.
    assert_eq!(seen, ["binary/parcel", "json/plain", "binary/parcel", "binary/parcel"]);
    // A replayer with the same converter reads the history; one without cannot.
    let with =
        Replayer::new().workflow::<Post>().data_converter(DataConverter::default().with_encoding(ParcelEncoding));
    with.replay_workflow(&history).expect("replays");
    assert!(Replayer::new().workflow::<Post>().replay_workflow(&history).is_err());
    worker.stop().await;
}
