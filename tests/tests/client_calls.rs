//! Per-call settings of the client against a real dev server: an RPC timeout, extra gRPC
//! metadata, and an API key changed on a live client.

use std::time::{Duration, Instant};

use integration_tests::{client, unique};
use temporal_sdk::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_with_a_one_second_rpc_timeout_and_no_worker_times_out_after_about_a_second() {
    let client = client().await;
    let handle = client
        .start_workflow_by_name("Anything", &(), WorkflowOptions::new(unique("no-worker"), unique("no-worker")))
        .await
        .expect("start");
    let started = Instant::now();
    let err = handle
        .clone()
        .with_rpc_timeout(Duration::from_secs(1))
        .query_by_name::<String, _>("state", &())
        .await
        .expect_err("no worker answers");
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(3), "{took:?}");
    handle.terminate("test over").await.expect("terminate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_metadata_and_a_changed_api_key_go_with_the_calls() {
    let client = client().await;
    // The dev server accepts any metadata and ignores bearer tokens: the calls still work,
    // and names or values that cannot be headers are refused before sending.
    let traced = client.with_rpc_metadata([("x-test-origin", "client-calls")]).expect("valid metadata");
    traced.count_workflows("").await.expect("call with metadata");
    assert!(matches!(client.with_rpc_metadata([("bad name", "v")]), Err(ClientError::InvalidOptions(_))));
    client.set_api_key(Some("rotated-key")).expect("valid key");
    traced.count_workflows("").await.expect("call with the new key");
    assert!(matches!(client.set_api_key(Some("bad\nkey")), Err(ClientError::InvalidOptions(_))));
    client.set_api_key(None).expect("no key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_requests_and_keep_alive_pings_work_against_the_server() {
    let mut options = ClientOptions::new(integration_tests::target());
    options.gzip = true;
    options.keep_alive = Some(temporal_sdk::client::KeepAliveOptions {
        interval: Duration::from_millis(500),
        timeout: Duration::from_secs(5),
    });
    let client = Client::connect(options).await.expect("connect");
    let handle = client
        .start_workflow_by_name(
            "Anything",
            &"a payload the server must decompress",
            WorkflowOptions::new(unique("gzip"), unique("gzip")),
        )
        .await
        .expect("a compressed start");
    // Long enough for several keep-alive pings, which the server must answer.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let described = handle.describe().await.expect("describe over the same connection");
    assert_eq!(described.workflow_type, "Anything");
    handle.terminate("test over").await.expect("terminate");

    let mut quiet = ClientOptions::new(integration_tests::target());
    quiet.keep_alive = None;
    Client::connect(quiet).await.expect("connect without pings").count_workflows("").await.expect("count");
}
