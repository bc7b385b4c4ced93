//! In-process benchmarks: payload conversion and replay of a recorded history.

use criterion::{Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use temporal_sdk::converter;

#[derive(Serialize, Deserialize)]
struct Order {
    id: String,
    items: Vec<(String, u32)>,
    total_cents: u64,
}

fn conversion(c: &mut Criterion) {
    let order =
        Order { id: "order-1234".into(), items: vec![("apple".into(), 3), ("pear".into(), 2)], total_cents: 1234 };
    c.bench_function("encode struct to json/plain payload", |b| {
        b.iter(|| converter::encode(&order).map(|p| p.data.len()))
    });
    let payload = converter::encode(&order).expect("encode");
    c.bench_function("decode json/plain payload to struct", |b| {
        b.iter(|| converter::decode::<Order>(&payload).map(|o| o.total_cents))
    });
    // The argument-list path every workflow, activity and handler input takes.
    c.bench_function("encode_args of one struct", |b| b.iter(|| converter::encode_args(&order).map(|p| p.len())));
    let args = converter::encode_args(&order).expect("encode_args");
    c.bench_function("decode_args of one struct", |b| {
        b.iter(|| converter::decode_args::<Order>(&args).map(|o| o.total_cents))
    });
    // Two parameters, one payload each.
    let spread = converter::Args((&order.id, &order.items));
    c.bench_function("encode_args of two arguments (one payload each)", |b| {
        b.iter(|| converter::encode_args(&spread).map(|p| p.len()))
    });
    let two = converter::encode_args(&spread).expect("encode_args");
    c.bench_function("decode_args of two arguments (one payload each)", |b| {
        b.iter(|| converter::decode_args::<converter::Args<(String, Vec<(String, u32)>)>>(&two).map(|a| a.0.1.len()))
    });
    // Baseline: serde_json alone, the floor of what the converter can cost.
    c.bench_function("baseline: serde_json::to_vec of the struct", |b| {
        b.iter(|| serde_json::to_vec(&order).map(|v| v.len()))
    });
}

criterion_group!(benches, conversion);
criterion_main!(benches);
