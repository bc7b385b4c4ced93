//! The run's deterministic random generator: SplitMix64 seeded by FNV-1a of the original run
//! id, so every replay of a run (and every run continued from it) draws the same numbers.

/// The generator's state.
#[derive(Debug, Default)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeds the generator from the run id every replay sees the same.
    pub(crate) fn seed(&mut self, original_run_id: &str) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in original_run_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
