//! The metric meter the SDK records through: a small trait over whatever metrics backend the
//! application uses (Prometheus, OpenTelemetry), so the SDK's own metrics and the user's land in
//! the same place. The default records nothing, at the cost of a virtual call.

use std::fmt;
use std::sync::Arc;

/// A metric's name, description and unit, as a backend registers it.
///
/// ```
/// use temporal_sdk::telemetry::MetricDef;
///
/// let def = MetricDef::new("orders_placed", "Orders placed by the checkout workflow").unit("1");
/// assert_eq!(def.name, "orders_placed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDef {
    /// The name (the SDK's own carry the `temporal_` prefix).
    pub name: String,
    /// What it counts or measures.
    pub description: String,
    /// Its unit (`ms`, `s`, `1` ...), empty when it has none.
    pub unit: String,
}

impl MetricDef {
    /// A metric without a unit.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self { name: name.into(), description: description.into(), unit: String::new() }
    }

    /// Sets the unit.
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = unit.into();
        self
    }
}

/// Label names and values of one recording, e.g. `[("task_queue", "orders")]`.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// A monotonic counter.
pub trait Counter: Send + Sync {
    /// Adds `value`.
    fn add(&self, value: u64, labels: Labels<'_>);
}

/// A distribution of values (latencies in the unit of its definition).
pub trait Histogram: Send + Sync {
    /// Records one value.
    fn record(&self, value: f64, labels: Labels<'_>);
}

/// A value that goes up and down (free slots, cache size).
pub trait Gauge: Send + Sync {
    /// Sets the current value.
    fn set(&self, value: f64, labels: Labels<'_>);
}

/// Makes instruments. Implemented by the backends (`PrometheusMeter`, `OpenTelemetryMeter`
/// behind their cargo features) and by the default [`NoopMeter`].
///
/// ```
/// use temporal_sdk::telemetry::{MetricDef, MetricMeter, NoopMeter};
///
/// let meter = NoopMeter;
/// let placed = meter.counter(&MetricDef::new("orders_placed", "Orders placed"));
/// placed.add(1, &[("region", "eu")]);
/// ```
pub trait MetricMeter: fmt::Debug + Send + Sync + 'static {
    /// A counter for `def`.
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter>;
    /// A histogram for `def`.
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram>;
    /// A gauge for `def`.
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge>;
}

/// Records nothing: the meter when none is configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopMeter;

struct Noop;

impl Counter for Noop {
    fn add(&self, _: u64, _: Labels<'_>) {}
}
impl Histogram for Noop {
    fn record(&self, _: f64, _: Labels<'_>) {}
}
impl Gauge for Noop {
    fn set(&self, _: f64, _: Labels<'_>) {}
}

impl MetricMeter for NoopMeter {
    fn counter(&self, _: &MetricDef) -> Arc<dyn Counter> {
        Arc::new(Noop)
    }
    fn histogram(&self, _: &MetricDef) -> Arc<dyn Histogram> {
        Arc::new(Noop)
    }
    fn gauge(&self, _: &MetricDef) -> Arc<dyn Gauge> {
        Arc::new(Noop)
    }
}

/// A meter that adds fixed labels to every recording of another meter: what
/// `activity::metric_meter()` and `workflow::metric_meter()` hand out.
#[derive(Debug, Clone)]
pub(crate) struct LabelledMeter {
    pub(crate) inner: Arc<dyn MetricMeter>,
    pub(crate) labels: Arc<[(String, String)]>,
    /// Recordings are dropped while this says so (a workflow replaying its history).
    pub(crate) silent: Option<fn() -> bool>,
}

struct Labelled<I: ?Sized> {
    inner: Arc<I>,
    labels: Arc<[(String, String)]>,
    silent: Option<fn() -> bool>,
}

impl<I: ?Sized> Labelled<I> {
    fn with(&self, extra: Labels<'_>, f: impl FnOnce(Labels<'_>)) {
        if self.silent.is_some_and(|silent| silent()) {
            return;
        }
        let mut all: Vec<(&str, &str)> = self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for (key, value) in extra {
            // A label the caller gives wins over the fixed one of the same name.
            match all.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => all.push((key, value)),
            }
        }
        f(&all)
    }
}

impl Counter for Labelled<dyn Counter> {
    fn add(&self, value: u64, labels: Labels<'_>) {
        self.with(labels, |all| self.inner.add(value, all))
    }
}
impl Histogram for Labelled<dyn Histogram> {
    fn record(&self, value: f64, labels: Labels<'_>) {
        self.with(labels, |all| self.inner.record(value, all))
    }
}
impl Gauge for Labelled<dyn Gauge> {
    fn set(&self, value: f64, labels: Labels<'_>) {
        self.with(labels, |all| self.inner.set(value, all))
    }
}

impl MetricMeter for LabelledMeter {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        Arc::new(Labelled { inner: self.inner.counter(def), labels: Arc::clone(&self.labels), silent: self.silent })
    }
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        Arc::new(Labelled { inner: self.inner.histogram(def), labels: Arc::clone(&self.labels), silent: self.silent })
    }
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        Arc::new(Labelled { inner: self.inner.gauge(def), labels: Arc::clone(&self.labels), silent: self.silent })
    }
}

thread_local! {
    /// The meter of the worker whose workflow thread this is.
    static THREAD_METER: std::cell::RefCell<Option<Arc<dyn MetricMeter>>> = const { std::cell::RefCell::new(None) };
}

/// Makes `meter` the one workflow code on this thread records through.
pub(crate) fn set_thread_meter(meter: Arc<dyn MetricMeter>) {
    THREAD_METER.with(|m| *m.borrow_mut() = Some(meter));
}

/// The meter of this workflow thread's worker (one that records nothing elsewhere).
pub(crate) fn thread_meter() -> Arc<dyn MetricMeter> {
    THREAD_METER.with(|m| m.borrow().clone()).unwrap_or_else(|| Arc::new(NoopMeter))
}
