//! Replay speed: events per second replaying a 10,000-event history, and histories per second
//! replaying 100-event histories, each next to the cost of only decoding the same history
//! (protobuf bytes, the form a worker receives, and the CLI's JSON), so that the figures read
//! as ratios that hold on any machine.
//!
//! `cargo bench -p benches --bench replay`
//!
//! The histories are built in-process with `testing::HistoryBuilder`: a workflow that sleeps
//! on N timers one after the other, with the events the server records for it (4 to start, 5
//! per timer, 1 to complete).

use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use prost::Message;
use temporal_sdk::converter;
use temporal_sdk::prelude::*;
use temporal_sdk::protos::history_from_json;
use temporal_sdk::protos::temporal::api::enums::v1::EventType;
use temporal_sdk::protos::temporal::api::history::v1::{History, history_event::Attributes};
use temporal_sdk::replay::{Replayer, WorkflowHistory};
use temporal_sdk::testing::HistoryBuilder;

#[derive(Default)]
struct TimerLoop;

#[workflow]
impl TimerLoop {
    #[run]
    async fn run(&self, timers: u32) -> WorkflowResult<u32> {
        for _ in 0..timers {
            workflow::sleep(Duration::from_secs(1)).await?;
        }
        Ok(timers)
    }
}

/// The history of `TimerLoop` running `timers` timers: `5 * timers + 5` events.
fn timer_loop_history(timers: u32) -> WorkflowHistory {
    let input = converter::encode_args(&timers).expect("encode the input");
    let mut h = HistoryBuilder::with_input("TimerLoop", input);
    h.add_workflow_task();
    for seq in 1..=timers {
        let id = seq.to_string();
        let started = h.add_timer_started(&id);
        h.add_timer_fired(started, &id);
        h.add_workflow_task();
    }
    h.add_workflow_completed(Some(converter::encode(&timers).expect("encode the result")));
    h.build()
}

/// One history size: replay next to its two baselines, in the same group so that criterion
/// prints them together.
fn bench_size(c: &mut Criterion, group_name: &str, timers: u32, throughput: Throughput) {
    let replayer = Replayer::new().workflow::<TimerLoop>();
    let history = timer_loop_history(timers);
    // A benchmark of a replay that fails, or that skips events, would measure the wrong thing.
    replayer.replay_workflow(&history).expect("the generated history replays");
    let mut changed = history.clone();
    let last_timer = changed.history.events.iter_mut().rev().find(|e| e.event_type() == EventType::TimerStarted);
    if let Some(Attributes::TimerStartedEventAttributes(a)) = last_timer.and_then(|e| e.attributes.as_mut()) {
        a.timer_id = "not-a-timer-of-this-run".into();
    }
    replayer.replay_workflow(&changed).expect_err("a changed last timer is noticed");
    let bytes = history.history.encode_to_vec();
    let json = history.to_json().expect("the generated history renders as JSON");

    let mut group = c.benchmark_group(group_name);
    group.throughput(throughput);
    group.bench_function("replay", |b| b.iter(|| replayer.replay_workflow(&history)));
    group.bench_function("baseline: protobuf-decode the history", |b| {
        b.iter(|| History::decode(bytes.as_slice()).map(|h| h.events.len()))
    });
    group.bench_function("baseline: read the CLI's JSON of the history", |b| {
        b.iter(|| history_from_json(&json).map(|h| h.events.len()))
    });
    // What a worker does with a fresh task: decode the bytes, then replay.
    group.bench_function("protobuf-decode, then replay", |b| {
        b.iter_batched(
            || bytes.clone(),
            |bytes| {
                let events = History::decode(bytes.as_slice()).expect("decodes");
                replayer.replay_workflow(&WorkflowHistory::new("bench", events))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn replay(c: &mut Criterion) {
    let large = timer_loop_history(1999);
    assert_eq!(large.history.events.len(), 10_000);
    let small = timer_loop_history(19);
    assert_eq!(small.history.events.len(), 100);

    // Events per second of one long history.
    bench_size(c, "10,000-event history (events)", 1999, Throughput::Elements(10_000));
    // Histories per second of short ones, as when checking many past executions.
    bench_size(c, "100-event history (histories)", 19, Throughput::Elements(1));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(4));
    targets = replay
}
criterion_main!(benches);
