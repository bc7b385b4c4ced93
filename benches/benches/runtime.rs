//! In-process benchmarks: payload conversion, and the payload codecs per KiB.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use examples::codecs::{EncryptionCodec, ZlibCodec};
use serde::{Deserialize, Serialize};
use temporal_sdk::converter::{self, DataConverter};

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
    // Before Python-identical JSON (sorted keys, Python's escapes and float form), a payload
    // was serde_json's bytes plus the encoding metadata: the baseline of the ratio.
    c.bench_function("baseline: json/plain payload from serde_json::to_vec", |b| {
        b.iter(|| {
            serde_json::to_vec(&order).map(|data| temporal_sdk::protos::temporal::api::common::v1::Payload {
                metadata: [("encoding".to_string(), b"json/plain".to_vec())].into(),
                data,
                ..Default::default()
            })
        })
    });
}

/// What codecs cost per KiB of payload: AES-256-GCM (the samples' encryption codec) and zlib,
/// each way, on a JSON payload of 1 KiB and of 64 KiB.
fn codecs(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let converters = [
        ("aes-gcm", DataConverter::default().with_codec(EncryptionCodec::samples_test_key())),
        ("zlib", DataConverter::default().with_codec(ZlibCodec::always())),
    ];
    for size in [1024usize, 64 * 1024] {
        // Text with some repetition, as JSON documents have.
        let text: String = (0..size).map(|i| char::from(b'a' + ((i * 7 + i / 13) % 26) as u8)).collect();
        let payload = converter::encode(&text).expect("encode");
        let mut group = c.benchmark_group(format!("codec {} KiB", size / 1024));
        group.throughput(Throughput::Bytes(payload.data.len() as u64));
        for (name, converter) in &converters {
            group.bench_function(format!("{name} encode"), |b| {
                b.iter_batched(
                    || vec![payload.clone()],
                    |payloads| runtime.block_on(converter.encode(payloads)).expect("encode"),
                    BatchSize::SmallInput,
                )
            });
            let encoded = runtime.block_on(converter.encode(vec![payload.clone()])).expect("encode");
            group.bench_function(format!("{name} decode"), |b| {
                b.iter_batched(
                    || encoded.clone(),
                    |payloads| runtime.block_on(converter.decode(payloads)).expect("decode"),
                    BatchSize::SmallInput,
                )
            });
        }
        group.finish();
    }
}

criterion_group!(benches, conversion, codecs);
criterion_main!(benches);
