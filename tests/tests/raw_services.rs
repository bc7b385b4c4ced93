//! The raw service clients, for what the typed API does not cover: the operator service of the
//! dev server and the test service of the time-skipping server.

use std::time::{Duration, UNIX_EPOCH};

use integration_tests::{client, time_skipping_env, unique};
use temporal_sdk::protos::temporal::api::enums::v1::IndexedValueType;
use temporal_sdk::protos::temporal::api::operatorservice::v1::{
    AddSearchAttributesRequest, ListSearchAttributesRequest,
};
use temporal_sdk::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_service_adds_and_lists_search_attributes() {
    let client = client().await;
    let mut operator = client.operator_service();
    let name = format!("Raw{}", unique("attr").replace('-', ""));
    let add = AddSearchAttributesRequest {
        search_attributes: [(name.clone(), IndexedValueType::Keyword as i32)].into(),
        namespace: client.namespace().to_string(),
    };
    operator.add_search_attributes(add).await.expect("add a search attribute");
    let list = ListSearchAttributesRequest { namespace: client.namespace().to_string() };
    let attributes = operator.list_search_attributes(list).await.expect("list search attributes").into_inner();
    assert_eq!(attributes.custom_attributes.get(&name), Some(&(IndexedValueType::Keyword as i32)));
    // Registered by the tests' dev server options.
    assert!(attributes.custom_attributes.contains_key("CustomKeywordField"), "{:?}", attributes.custom_attributes);

    // The raw workflow service works without the caller setting the namespace header.
    let describe = DescribeNamespaceRequest { namespace: client.namespace().to_string(), ..Default::default() };
    let namespace = client.workflow_service().describe_namespace(describe).await.expect("describe").into_inner();
    assert_eq!(namespace.namespace_info.map(|i| i.name).as_deref(), Some(client.namespace()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_service_tells_the_time_skipping_servers_time() {
    let env = time_skipping_env().await;
    let raw = env.client().test_service().get_current_time(()).await.expect("current time").into_inner();
    let raw = raw.time.expect("a time");
    let raw = UNIX_EPOCH + Duration::new(raw.seconds as u64, raw.nanos as u32);
    let typed = env.current_time().await.expect("current time");
    // Nothing is pending, so the server's clock runs at the real pace between the two calls.
    let apart = typed.duration_since(raw).unwrap_or_else(|e| e.duration());
    assert!(apart < Duration::from_secs(5), "{apart:?}");
}
