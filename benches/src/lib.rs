//! Benchmarks of temporal-sdk: `cargo bench -p benches` (criterion, in-process) and
//! `cargo run --release -p benches --bin e2e` (end to end against a real dev server), and
//! `cargo run --release -p benches --bin activities` (heartbeat throughput and activity round
//! trips against a real dev server).

pub mod workloads;

/// CPU time of this process so far (all threads, user and system).
pub fn cpu_time() -> std::time::Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let tv = |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Sorted-sample statistics in milliseconds.
pub struct Stats {
    sorted: Vec<f64>,
}

impl Stats {
    /// Statistics of samples in milliseconds.
    pub fn new(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        Self { sorted: samples }
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The `q` quantile (0.5 = median).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.sorted.is_empty() {
            return f64::NAN;
        }
        let i = ((self.sorted.len() - 1) as f64 * q).round() as usize;
        self.sorted[i]
    }

    /// One line: median, p90, min and max.
    pub fn summary(&self) -> String {
        format!(
            "median {:.2} ms, p90 {:.2} ms, min {:.2} ms, max {:.2} ms (n={})",
            self.quantile(0.5),
            self.quantile(0.9),
            self.quantile(0.0),
            self.quantile(1.0),
            self.sorted.len()
        )
    }
}
