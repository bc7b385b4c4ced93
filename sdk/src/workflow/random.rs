//! Deterministic randomness: the same sequence on every replay of a run.

use crate::runtime::context::{self, RunState};

/// Seeds the generator from the run's original run id, with a hash that must never change
/// (std's hasher is not guaranteed stable across Rust releases, so FNV-1a it is).
pub(crate) fn seed(st: &mut RunState, original_run_id: &str) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in original_run_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    st.rng = h;
}

/// SplitMix64: tiny, fast, and fully specified, so replays on any platform agree.
pub(crate) fn next_u64(st: &mut RunState) -> u64 {
    st.rng = st.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = st.rng;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A deterministic random `u64`: use it instead of `rand` in workflow code.
///
/// Outside workflow code it returns values from a fixed seed.
pub fn random() -> u64 {
    match context::current() {
        Some(s) => next_u64(&mut s.borrow_mut()),
        None => 0x9e37_79b9_7f4a_7c15,
    }
}

/// A deterministic random float in `[0, 1)`.
pub fn random_f64() -> f64 {
    (random() >> 11) as f64 / (1u64 << 53) as f64
}

/// A deterministic random integer in `[low, high)` (`low` when the range is empty).
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # async fn wf() -> WorkflowResult<()> {
/// let dice = workflow::random_range(1, 7);
/// # let _ = dice; Ok(()) }
/// ```
pub fn random_range(low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    low + random() % (high - low)
}

/// A deterministic version-4 UUID: use it instead of `Uuid::new_v4()` in workflow code, for
/// example for child workflow ids.
pub fn uuid4() -> uuid::Uuid {
    let bits = (u128::from(random()) << 64) | u128::from(random());
    uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid()
}
