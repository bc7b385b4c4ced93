//! The sticky cache's operations as it fills: a task on a cached run (taken out and put back),
//! and a new run put into a full cache (evicting the least recently used one). The baseline is
//! the cache the worker had before issue 15, reproduced here: a map with a use counter, whose
//! eviction scans every entry for the oldest.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use temporal_sdk::__bench::RunCache;

/// A cached run's stand-in: the cache never looks inside its values.
type Run = Box<[u64; 8]>;

/// The worker's cache before issue 15 (commit 5dc9f15^): eviction is O(entries).
struct ScanCache {
    runs: HashMap<String, (Run, u64)>,
    capacity: usize,
    clock: u64,
}

impl ScanCache {
    fn take(&mut self, run_id: &str) -> Option<Run> {
        self.runs.remove(run_id).map(|(run, _)| run)
    }

    fn put(&mut self, run_id: String, run: Run) {
        if self.runs.len() >= self.capacity
            && let Some(oldest) = self.runs.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone())
        {
            self.runs.remove(&oldest);
        }
        self.clock += 1;
        self.runs.insert(run_id, (run, self.clock));
    }
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn run_id(i: usize) -> String {
    format!("0195e0c4-7d1a-7c3e-9a51-{i:012}")
}

fn full_lru(size: usize) -> RunCache<Run> {
    let mut cache = RunCache::new(size, Arc::new(AtomicUsize::new(0)));
    for i in 0..size {
        cache.put(run_id(i), Box::new([0; 8]));
    }
    cache
}

fn full_scan(size: usize) -> ScanCache {
    let mut cache = ScanCache { runs: HashMap::new(), capacity: size, clock: 0 };
    for i in 0..size {
        cache.put(run_id(i), Box::new([0; 8]));
    }
    cache
}

/// A task on a cached run, the oldest each time: the run is taken out and put back.
fn task_on_cached_run(c: &mut Criterion) {
    let mut group = c.benchmark_group("run cache: task on a cached run");
    for size in SIZES {
        let ids: Vec<String> = (0..size).map(run_id).collect();
        let mut lru = full_lru(size);
        let mut next = 0;
        group.bench_function(BenchmarkId::new("lru", size), |b| {
            b.iter(|| {
                let id = &ids[next % size];
                next += 1;
                let run = lru.take(id).expect("cached");
                lru.put(id.clone(), run)
            })
        });
        let mut scan = full_scan(size);
        let mut next = 0;
        group.bench_function(BenchmarkId::new("scan (before)", size), |b| {
            b.iter(|| {
                let id = &ids[next % size];
                next += 1;
                let run = scan.take(id).expect("cached");
                scan.put(id.clone(), run)
            })
        });
    }
    group.finish();
}

/// A new run put into a full cache, which evicts the least recently used run.
fn new_run_into_full_cache(c: &mut Criterion) {
    let mut group = c.benchmark_group("run cache: new run into a full cache");
    group.sample_size(20);
    for size in SIZES {
        let mut lru = full_lru(size);
        let mut next = size;
        group.bench_function(BenchmarkId::new("lru", size), |b| {
            b.iter(|| {
                next += 1;
                lru.put(run_id(next), Box::new([0; 8]))
            })
        });
        assert_eq!(lru.len(), size);
        let mut scan = full_scan(size);
        let mut next = size;
        group.bench_function(BenchmarkId::new("scan (before)", size), |b| {
            b.iter(|| {
                next += 1;
                scan.put(run_id(next), Box::new([0; 8]))
            })
        });
        assert_eq!(scan.runs.len(), size);
    }
    group.finish();
}

criterion_group!(benches, task_on_cached_run, new_run_into_full_cache);
criterion_main!(benches);
