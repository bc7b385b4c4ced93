//! Protobuf messages as workflow and activity arguments and results, in the encodings every
//! Temporal SDK reads: `Proto<M>` travels as `json/protobuf` (proto3 JSON, readable in the Web
//! UI), `ProtoBinary<M>` as `binary/protobuf`; both carry the message's full name.
//!
//! ```sh
//! cargo run --example protobuf
//! ```
//!
//! The messages here are written by hand to keep the example self-contained; a project generates
//! them from `.proto` files with `prost-build`, plus `pbjson-build` for the proto3 JSON serde
//! impls that `Proto<M>` needs (`ProtoBinary<M>` needs only prost).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::converter::{Proto, ProtoBinary};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::history::v1::history_event::Attributes;
use temporal_sdk::testing::WorkflowEnvironment;

/// `shop.v1.Order`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Order {
    #[prost(string, tag = "1")]
    pub order_id: String,
    #[prost(string, repeated, tag = "2")]
    pub items: Vec<String>,
    #[prost(int32, tag = "3")]
    pub total_cents: i32,
}

impl prost::Name for Order {
    const NAME: &'static str = "Order";
    const PACKAGE: &'static str = "shop.v1";
}

/// `shop.v1.Receipt`.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Receipt {
    #[prost(string, tag = "1")]
    pub order_id: String,
    #[prost(string, tag = "2")]
    pub confirmation: String,
}

impl prost::Name for Receipt {
    const NAME: &'static str = "Receipt";
    const PACKAGE: &'static str = "shop.v1";
}

#[activity]
async fn charge(order: ProtoBinary<Order>) -> Result<ProtoBinary<Receipt>, ActivityError> {
    let ProtoBinary(order) = order;
    let confirmation = format!("charged {} cents for {} items", order.total_cents, order.items.len());
    Ok(ProtoBinary(Receipt { order_id: order.order_id, confirmation }))
}

#[derive(Default)]
struct Checkout;

#[workflow]
impl Checkout {
    #[run]
    async fn run(&self, order: Proto<Order>) -> WorkflowResult<Proto<Receipt>> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(10));
        let ProtoBinary(receipt) = workflow::execute_activity(charge, ProtoBinary(order.0), options).await?;
        Ok(Proto(receipt))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();
    let worker = Worker::new(&client, WorkerOptions::new("protobuf-queue").workflow::<Checkout>().activity(charge))?;
    let running = worker.spawn();

    let order = Order { order_id: "o-1".into(), items: vec!["apple".into(), "pear".into()], total_cents: 350 };
    let handle = client
        .start_workflow(Checkout::run, Proto(order), WorkflowOptions::new("protobuf-workflow", "protobuf-queue"))
        .await?;
    let Proto(receipt) = handle.result().await?;
    println!("Receipt: {} ({})", receipt.confirmation, receipt.order_id);

    // The stored input is proto3 JSON with its message type, as Python or Go would write it.
    let history = handle.fetch_history().await?;
    let input = history.history.events.iter().find_map(|event| match &event.attributes {
        Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) => started.input.clone(),
        _ => None,
    });
    if let Some(payload) = input.and_then(|p| p.payloads.into_iter().next()) {
        println!(
            "Stored input: {} {} {}",
            String::from_utf8_lossy(&payload.metadata["encoding"]),
            String::from_utf8_lossy(&payload.metadata["messageType"]),
            String::from_utf8_lossy(&payload.data)
        );
    }

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
