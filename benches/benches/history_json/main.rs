//! History JSON loading and writing, before and after issue 15, in one run:
//!
//! * before: the prost-reflect implementation this crate had (a `DescriptorPool` of the whole
//!   Temporal API, a `DynamicMessage` per event), kept in `baseline.rs`;
//! * after: `temporal_sdk::protos::history_from_json` / `history_to_json` (static schema tables,
//!   JSON straight to protobuf wire bytes, prost decode);
//! * for scale: parsing the same text into a `serde_json::Value` only, and protobuf-decoding the
//!   same history.
//!
//! `cargo bench -p benches --bench history_json`
//!
//! The input is every recorded history of the repository concatenated (about 400 events); see
//! `input.rs`. One-time memory is measured by `--bench history_json_memory`.

mod baseline;
mod input;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;
use temporal_sdk::protos::{history_from_json, history_to_json, temporal::api::history::v1::History};

fn history_json(c: &mut Criterion) {
    let (json, events) = input::realistic_history_json();
    let history = history_from_json(&json).expect("the new reader reads the input");
    assert_eq!(history.events.len(), events);
    // Both sides must do the same work for the ratio to mean anything.
    assert_eq!(baseline::history_from_json(&json).expect("the old reader reads the input"), history);
    assert_eq!(history_from_json(&baseline::history_to_json(&history).expect("old writer")).expect("reads"), history);
    let bytes = history.encode_to_vec();

    let mut group = c.benchmark_group(format!("history JSON → History ({events} events, {} KiB)", json.len() / 1024));
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("before: prost-reflect DynamicMessage per event", |b| {
        b.iter(|| baseline::history_from_json(&json).map(|h| h.events.len()))
    });
    group.bench_function("after: schema tables, JSON to wire bytes", |b| {
        b.iter(|| history_from_json(&json).map(|h| h.events.len()))
    });
    group.bench_function("reference: serde_json::Value only", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(&json).map(|v| v.is_object()))
    });
    group.bench_function("reference: protobuf-decode the same history", |b| {
        b.iter(|| History::decode(bytes.as_slice()).map(|h| h.events.len()))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("History → JSON ({events} events)"));
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("before: prost-reflect", |b| b.iter(|| baseline::history_to_json(&history).map(|j| j.len())));
    group.bench_function("after: schema tables", |b| b.iter(|| history_to_json(&history).map(|j| j.len())));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = history_json
}
criterion_main!(benches);
