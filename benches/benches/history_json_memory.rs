//! One-time memory of history JSON loading, before and after issue 15: heap bytes still
//! allocated after the first load (what stays resident for the process's lifetime), the peak
//! during it, and the resident set size; then the same for a second load, which should cost
//! nothing lasting.
//!
//! `cargo bench -p benches --bench history_json_memory`
//!
//! Heap figures come from a counting global allocator, so they are exact and independent of the
//! machine; RSS figures come from `/proc/self/status` (Linux only) and include page-level noise.
//! The new reader runs first, so the old one's pool is not resident while it is measured.

#[path = "history_json/baseline.rs"]
mod baseline;
#[path = "history_json/input.rs"]
mod input;

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicIsize, Ordering::Relaxed},
};

use temporal_sdk::protos::{HistoryJsonError, history_from_json, temporal::api::history::v1::History};

/// The system allocator, counting the bytes currently allocated and their high-water mark.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn add(bytes: isize) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which `System.alloc` shares.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            add(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn rss_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Loads `json` with `load`, dropping the result, and reports what the load left allocated.
fn measure(label: &str, json: &str, load: fn(&str) -> Result<History, HistoryJsonError>) -> isize {
    let before = LIVE.load(Relaxed);
    let rss_before = rss_kib();
    PEAK.store(before, Relaxed);
    let events = load(json).expect("the input loads").events.len();
    let retained = LIVE.load(Relaxed) - before;
    let peak = PEAK.load(Relaxed) - before;
    let rss = match (rss_before, rss_kib()) {
        (Some(a), Some(b)) => format!("{:+.1} MB", (b - a) as f64 / 1024.0),
        _ => "n/a".to_owned(),
    };
    println!(
        "{label:<44} {events:>4} events: retained {:>9.3} MB, peak {:>8.3} MB, RSS {rss}",
        retained as f64 / 1e6,
        peak as f64 / 1e6
    );
    retained
}

fn main() {
    let (json, _) = input::realistic_history_json();
    let one_event = r#"{"events":[{"eventId":"1","eventType":"EVENT_TYPE_TIMER_FIRED","timerFiredEventAttributes":{"timerId":"1"}}]}"#;

    println!("history JSON loading, one-time memory (heap bytes from a counting allocator):");
    let first = measure("after: first load, one event", one_event, history_from_json);
    measure("after: second load, one event", one_event, history_from_json);
    measure("after: load of the realistic history", &json, history_from_json);
    let old_first = measure("before: first load, one event", one_event, baseline::history_from_json);
    measure("before: second load, one event", one_event, baseline::history_from_json);
    measure("before: load of the realistic history", &json, baseline::history_from_json);

    // The issue's budget for the one-time cost of the new reader.
    assert!(first < 3_000_000, "the first load retained {first} bytes");
    println!("one-time heap: before {:.1} MB, after {:.3} MB", old_first as f64 / 1e6, first as f64 / 1e6);
}
