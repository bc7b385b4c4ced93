//! Start options against a real dev server: memo, typed search attributes, user metadata,
//! priority, start delay and id conflict policy, seen through describe and visibility; and
//! handles to existing workflows.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::TryStreamExt;
use integration_tests::workflows::{SayHello, SignalWorkflow};
use integration_tests::{client, unique};
use temporal_sdk::Priority;
use temporal_sdk::client::WorkflowExecution;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::{WorkflowExecutionStatus, WorkflowIdConflictPolicy};
use temporal_sdk::workflow::SearchAttributeValue as Sa;

fn all_kinds(keyword: &str, at: SystemTime) -> HashMap<String, Sa> {
    HashMap::from([
        ("CustomKeywordField".to_string(), Sa::Keyword(keyword.to_string())),
        ("CustomIntField".to_string(), Sa::Int(42)),
        ("CustomTextField".to_string(), Sa::Text("some searchable text".into())),
        ("CustomDoubleField".to_string(), Sa::Double(2.5)),
        ("CustomBoolField".to_string(), Sa::Bool(true)),
        ("CustomDatetimeField".to_string(), Sa::Datetime(at)),
        ("CustomKeywordListField".to_string(), Sa::KeywordList(vec!["a".into(), "b".into()])),
    ])
}

/// Visibility is eventually consistent: polls until the query lists something.
async fn listed(client: &Client, query: &str) -> Vec<WorkflowExecution> {
    for _ in 0..100 {
        let found: Vec<_> = client.list_workflows(query).try_collect().await.expect("list");
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing listed for {query}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memo_search_attributes_metadata_and_priority_set_at_start_are_described_and_listed() {
    let client = client().await;
    let keyword = unique("kw");
    // Whole milliseconds: the server keeps datetimes at that precision or finer.
    let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let options = WorkflowOptions::new(unique("start-options"), unique("no-worker"))
        .memo([("customer", "ACME")])
        .expect("memo encodes")
        .memo([("attempt", 3)])
        .expect("memo encodes")
        .search_attributes(all_kinds(&keyword, at))
        .static_summary("Order of ACME")
        .static_details("**Rush** order")
        .priority(Priority::key(2).fairness("tenant-a", 1.5))
        .start_delay(Duration::from_secs(3600));
    let handle = client.start_workflow(SayHello::run, "nobody".to_string(), options).await.expect("start");

    let described = handle.describe().await.expect("describe");
    assert_eq!(described.workflow_type, "SayHello");
    assert_eq!(described.status, WorkflowExecutionStatus::Running);
    assert_eq!(described.memo_value::<String>("customer").transpose().expect("decodes"), Some("ACME".into()));
    assert_eq!(described.memo_value::<u32>("attempt").transpose().expect("decodes"), Some(3));
    assert!(described.memo_value::<String>("absent").is_none());
    assert_eq!(described.search_attributes, all_kinds(&keyword, at));
    assert_eq!(described.static_summary.as_deref(), Some("Order of ACME"));
    assert_eq!(described.static_details.as_deref(), Some("**Rush** order"));
    assert_eq!(described.priority, Some(Priority::key(2).fairness("tenant-a", 1.5)));
    assert_eq!(described.parent_id, None);
    // The start delay shows as the time the first workflow task is due.
    let start = described.start_time.expect("start time");
    let due = described.execution_time.expect("execution time");
    let delay = due.duration_since(start).expect("due after the start");
    assert!(delay >= Duration::from_secs(3599) && delay <= Duration::from_secs(3601), "{delay:?}");
    // The raw DescribeWorkflowExecution response carries the user metadata as the other SDKs
    // write it: json/plain strings.
    let metadata = described.raw.execution_config.as_ref().and_then(|c| c.user_metadata.clone()).expect("metadata");
    let summary = metadata.summary.expect("summary");
    assert_eq!(summary.metadata.get("encoding").map(Vec::as_slice), Some(&b"json/plain"[..]));
    assert_eq!(summary.data, b"\"Order of ACME\"");

    let query = format!("CustomKeywordField = '{keyword}' AND CustomIntField = 42 AND CustomBoolField = true");
    let found = listed(&client, &query).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].workflow_id, handle.id());
    assert_eq!(found[0].search_attributes, all_kinds(&keyword, at));
    assert_eq!(found[0].memo_value::<String>("customer").transpose().expect("decodes"), Some("ACME".into()));
    let by_list = listed(&client, &format!("CustomKeywordListField = 'b' AND CustomKeywordField = '{keyword}'")).await;
    assert_eq!(by_list.len(), 1);
    handle.terminate("test over").await.expect("terminate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_with_start_carries_the_start_options() {
    let client = client().await;
    let keyword = unique("swk");
    let options = WorkflowOptions::new(unique("swk"), unique("no-worker"))
        .memo([("origin", "signal-with-start")])
        .expect("memo encodes")
        .search_attributes([("CustomKeywordField", Sa::Keyword(keyword.clone()))])
        .static_summary("started by a signal")
        .priority(Priority::key(4));
    let handle = client
        .signal_with_start(SignalWorkflow::run, (), SignalWorkflow::some_signal, (), options)
        .await
        .expect("signal with start");
    let described = handle.describe().await.expect("describe");
    assert_eq!(
        described.memo_value::<String>("origin").transpose().expect("decodes"),
        Some("signal-with-start".into())
    );
    assert_eq!(described.search_attributes.get("CustomKeywordField"), Some(&Sa::Keyword(keyword)));
    assert_eq!(described.static_summary.as_deref(), Some("started by a signal"));
    assert_eq!(described.priority, Some(Priority::key(4)));
    handle.terminate("test over").await.expect("terminate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_conflict_policies_fail_use_existing_or_terminate_existing() {
    let client = client().await;
    let id = unique("conflict");
    let queue = unique("no-worker");
    let first = client.start_workflow_by_name("Anything", &(), WorkflowOptions::new(&id, &queue)).await.expect("start");
    let again = client.start_workflow_by_name("Anything", &(), WorkflowOptions::new(&id, &queue)).await;
    assert!(matches!(again, Err(ClientError::WorkflowAlreadyStarted { .. })), "{again:?}");

    let existing = client
        .start_workflow_by_name(
            "Anything",
            &(),
            WorkflowOptions::new(&id, &queue).id_conflict_policy(WorkflowIdConflictPolicy::UseExisting),
        )
        .await
        .expect("use existing");
    assert_eq!(existing.run_id(), first.run_id());

    let replaced = client
        .start_workflow_by_name(
            "Anything",
            &(),
            WorkflowOptions::new(&id, &queue).id_conflict_policy(WorkflowIdConflictPolicy::TerminateExisting),
        )
        .await
        .expect("terminate existing");
    assert_ne!(replaced.run_id(), first.run_id());
    assert_eq!(first.describe().await.expect("describe").status, WorkflowExecutionStatus::Terminated);
    replaced.terminate("test over").await.expect("terminate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_to_existing_workflows_target_a_run_or_a_chain() {
    let client = client().await;
    let id = unique("existing");
    let started = client
        .start_workflow(SayHello::run, "x".to_string(), WorkflowOptions::new(&id, unique("no-worker")))
        .await
        .expect("start");
    let run_id = started.run_id().expect("run id").to_string();

    let typed = client.get_workflow_handle_for(SayHello::run, &id).with_run_id(Some(run_id.clone()));
    assert_eq!(typed.describe().await.expect("describe").run_id, run_id);
    let unknown_run = client.get_untyped_workflow_handle(&id, Some(uuid::Uuid::new_v4().to_string()));
    let err = unknown_run.describe().await.expect_err("no such run");
    assert!(err.is_not_found(), "{err}");

    // A chain that started with another run is not this workflow's: the server refuses.
    let other_chain =
        client.get_untyped_workflow_handle(&id, None).with_first_execution_run_id(uuid::Uuid::new_v4().to_string());
    let err = other_chain.terminate("wrong chain").await.expect_err("another chain");
    assert!(err.is_not_found(), "{err}");
    let this_chain = client.get_untyped_workflow_handle(&id, None).with_first_execution_run_id(run_id);
    this_chain.terminate("test over").await.expect("terminate");
    let status = client.get_workflow_handle::<SayHello>(&id, None).describe().await.expect("describe").status;
    assert_eq!(status, WorkflowExecutionStatus::Terminated);
}
