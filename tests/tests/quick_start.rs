//! The Python README's Quick Start and GreetingWorkflow, in Rust, against a real dev server.

use std::time::Duration;

use integration_tests::workflows::{GreetingWorkflow, SayHello, create_greeting_activity, say_hello};
use integration_tests::{RunningWorker, client, unique};
use temporal_sdk::prelude::*;

async fn wait_for_query(handle: &WorkflowHandle<GreetingWorkflow>, expected: &str) {
    for _ in 0..100 {
        if handle.query(GreetingWorkflow::current_greeting, ()).await.expect("query") == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("current_greeting never became {expected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn say_hello_runs_an_activity() {
    let client = client().await;
    let queue = unique("say-hello");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello));
    let result = client
        .execute_workflow(SayHello::run, "Temporal".to_string(), WorkflowOptions::new(unique("say-hello"), &queue))
        .await
        .expect("workflow result");
    assert_eq!(result, "Hello, Temporal!");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greeting_workflow_with_signals_and_query() {
    let client = client().await;
    let queue = unique("greeting");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<GreetingWorkflow>().activity(create_greeting_activity),
    );
    let handle = client
        .start_workflow(GreetingWorkflow::run, "my name".to_string(), WorkflowOptions::new(unique("greeting"), &queue))
        .await
        .expect("start");
    wait_for_query(&handle, "Hello, my name!").await;
    handle.signal(GreetingWorkflow::update_salutation, "Aloha".to_string()).await.expect("signal");
    wait_for_query(&handle, "Aloha, my name!").await;
    handle.signal(GreetingWorkflow::complete_with_greeting, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), "Aloha, my name!");

    // The recorded history holds two activities (one per greeting) and both signals.
    let history = handle.fetch_history().await.expect("history");
    let names: Vec<String> = history.history.events.iter().map(|e| e.event_type().as_str_name().to_string()).collect();
    assert_eq!(names.iter().filter(|n| *n == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED").count(), 2, "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED").count(), 2, "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"));

    // A closed workflow can still be queried: the worker replays it from history.
    assert_eq!(handle.query(GreetingWorkflow::current_greeting, ()).await.expect("query"), "Aloha, my name!");
    let description = handle.describe().await.expect("describe");
    assert_eq!(description.workflow_type, "GreetingWorkflow");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_name_calls_reach_typed_workflows() {
    let client = client().await;
    let queue = unique("by-name");
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello));
    let handle = client
        .start_workflow_by_name("SayHello", "by name", WorkflowOptions::new(unique("by-name"), &queue))
        .await
        .expect("start");
    let result: String = handle.result_as().await.expect("result");
    assert_eq!(result, "Hello, by name!");

    // The result payload is json/plain, as the other SDKs write it.
    let history = handle.fetch_history().await.expect("history");
    let completed = history.history.events.last().expect("events");
    let Some(temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes::WorkflowExecutionCompletedEventAttributes(a)) =
        &completed.attributes
    else {
        panic!("last event is not completion: {completed:?}")
    };
    let payload = &a.result.as_ref().expect("result payloads").payloads[0];
    assert_eq!(payload.metadata["encoding"], b"json/plain");
    assert_eq!(payload.data, br#""Hello, by name!""#);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_a_running_workflow_id_again_fails_clearly() {
    let client = client().await;
    let queue = unique("dup");
    let id = unique("dup");
    // No worker: the workflow stays running.
    client.start_workflow(SayHello::run, "a".to_string(), WorkflowOptions::new(&id, &queue)).await.expect("start");
    let err =
        client.start_workflow(SayHello::run, "b".to_string(), WorkflowOptions::new(&id, &queue)).await.unwrap_err();
    assert!(matches!(err, ClientError::WorkflowAlreadyStarted { .. }), "{err}");
    client.get_workflow_handle::<SayHello>(&id, None).terminate("test over").await.expect("terminate");
    let err = client.get_workflow_handle::<SayHello>(&id, None).result().await.unwrap_err();
    assert!(err.to_string().contains("test over"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_namespace_shares_the_connection() {
    let client = client().await;
    let other = client.with_namespace("no-such-namespace");
    assert_eq!(other.namespace(), "no-such-namespace");
    let err = other
        .start_workflow(SayHello::run, "x".to_string(), WorkflowOptions::new(unique("ns"), "q"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no-such-namespace"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_with_start_starts_then_signals_the_running_workflow() {
    let client = client().await;
    let queue = unique("sws");
    let worker = RunningWorker::start(
        &client,
        WorkerOptions::new(&queue).workflow::<GreetingWorkflow>().activity(create_greeting_activity),
    );
    let id = unique("sws");
    let options = || WorkflowOptions::new(&id, &queue);
    let first = client
        .signal_with_start(
            GreetingWorkflow::run,
            "sws".to_string(),
            GreetingWorkflow::update_salutation,
            "Hola".to_string(),
            options(),
        )
        .await
        .expect("signal with start");
    // The signal reached the workflow before its first activity ran.
    wait_for_query(&first, "Hola, sws!").await;
    // On a running workflow it only signals: the same run.
    let second = client
        .signal_with_start(
            GreetingWorkflow::run,
            "ignored".to_string(),
            GreetingWorkflow::update_salutation,
            "Ciao".to_string(),
            options(),
        )
        .await
        .expect("signal with start");
    assert_eq!(first.run_id(), second.run_id());
    wait_for_query(&first, "Ciao, sws!").await;
    first.signal(GreetingWorkflow::complete_with_greeting, ()).await.expect("signal");
    assert_eq!(first.result().await.expect("result"), "Ciao, sws!");
    worker.stop().await;
}
