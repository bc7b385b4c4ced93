//! Deterministic randomness: the same sequence on every replay of a run.

use crate::runtime::context;

/// A deterministic random `u64`: use it instead of `rand` in workflow code.
///
/// Outside workflow code it returns values from a fixed seed.
pub fn random() -> u64 {
    match context::current() {
        Some(s) => s.borrow_mut().rng.next_u64(),
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
