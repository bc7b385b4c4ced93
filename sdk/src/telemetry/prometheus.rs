//! A [`MetricMeter`] on the `prometheus` crate, with a scrape endpoint: what Python's
//! `PrometheusConfig(bind_address=...)` gives.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use hyper::StatusCode;
use prometheus::core::Collector;
use prometheus::{Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

use super::meter::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter};
use crate::http_server::{self, RunningServer};

/// Bucket bounds of latency histograms in milliseconds: workflow tasks take a few, activities
/// and whole workflows seconds to hours.
const LATENCY_MS_BUCKETS: &[f64] = &[
    1.0,
    5.0,
    10.0,
    25.0,
    50.0,
    100.0,
    250.0,
    500.0,
    1_000.0,
    2_500.0,
    5_000.0,
    10_000.0,
    30_000.0,
    60_000.0,
    300_000.0,
    1_800_000.0,
    3_600_000.0,
];

/// Metrics kept in a Prometheus registry, read through [`gather`](Self::gather) or served to
/// scrapers by [`serve`](Self::serve).
///
/// ```no_run
/// use std::sync::Arc;
/// use temporal_sdk::ClientOptions;
/// use temporal_sdk::telemetry::PrometheusMeter;
///
/// # async fn demo() -> std::io::Result<()> {
/// let meter = Arc::new(PrometheusMeter::new());
/// let endpoint = meter.serve("127.0.0.1:9464".parse().unwrap()).await?;
/// let options = ClientOptions::new("localhost:7233").metrics(meter.clone());
/// println!("scrape http://{}/metrics", endpoint.local_addr());
/// # let _ = options; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PrometheusMeter {
    registry: Registry,
    /// One family per metric name, shared by every instrument made for it.
    families: Arc<Mutex<HashMap<String, Arc<Family>>>>,
    /// Labels every metric carries (names sanitized).
    global: Arc<[(String, String)]>,
}

/// A metric's collector, registered at its first recording, when its label names are known.
#[derive(Debug)]
struct Family {
    def: MetricDef,
    registry: Registry,
    kind: Kind,
    registered: OnceLock<Option<(Vec<String>, Registered)>>,
    global: Arc<[(String, String)]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Histogram,
    Gauge,
}

#[derive(Debug)]
enum Registered {
    Counter(IntCounterVec),
    Histogram(HistogramVec),
    Gauge(GaugeVec),
}

/// Prometheus names allow `[a-zA-Z0-9_:]`; anything else becomes `_`.
fn sanitize(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == ':' { c } else { '_' }).collect()
}

impl Family {
    fn register(&self, label_names: Vec<String>) -> Option<(Vec<String>, Registered)> {
        let name = sanitize(&self.def.name);
        let help = if self.def.description.is_empty() { name.clone() } else { self.def.description.clone() };
        let names: Vec<&str> = label_names.iter().map(String::as_str).collect();
        let made: Result<(Registered, Box<dyn Collector>), prometheus::Error> = match self.kind {
            Kind::Counter => IntCounterVec::new(Opts::new(name, help), &names)
                .map(|v| (Registered::Counter(v.clone()), Box::new(v) as Box<dyn Collector>)),
            Kind::Gauge => GaugeVec::new(Opts::new(name, help), &names)
                .map(|v| (Registered::Gauge(v.clone()), Box::new(v) as Box<dyn Collector>)),
            Kind::Histogram => {
                let buckets = if self.def.unit == "ms" {
                    LATENCY_MS_BUCKETS.to_vec()
                } else {
                    prometheus::DEFAULT_BUCKETS.to_vec()
                };
                HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), &names)
                    .map(|v| (Registered::Histogram(v.clone()), Box::new(v) as Box<dyn Collector>))
            }
        };
        match made.and_then(|(registered, collector)| self.registry.register(collector).map(|()| registered)) {
            Ok(registered) => Some((label_names, registered)),
            Err(e) => {
                tracing::warn!(metric = %self.def.name, error = %e, "metric not recorded: Prometheus refused it");
                None
            }
        }
    }

    /// The collector and the label values in its label order, for `labels`.
    fn with<'l>(&'l self, labels: Labels<'l>, f: impl FnOnce(&Registered, &[&'l str])) {
        let registered = self.registered.get_or_init(|| {
            let mut names: Vec<String> = labels.iter().map(|(k, _)| sanitize(k)).collect();
            names.extend(self.global.iter().map(|(k, _)| k.clone()));
            names.sort();
            names.dedup();
            self.register(names)
        });
        let Some((names, collector)) = registered else { return };
        let mut values = Vec::with_capacity(names.len());
        for name in names {
            // A label the recording gives wins over a global one of the same name.
            match labels.iter().find(|(k, _)| sanitize(k) == *name) {
                Some((_, value)) => values.push(*value),
                None => values.push(self.global.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())),
            }
        }
        if labels.len() > names.len() {
            // A label set the metric was not registered with: Prometheus cannot take it.
            tracing::debug!(metric = %self.def.name, "recording with labels the metric was not registered with");
        }
        f(collector, &values);
    }
}

impl Counter for Family {
    fn add(&self, value: u64, labels: Labels<'_>) {
        self.with(labels, |registered, values| {
            if let Registered::Counter(c) = registered
                && let Ok(counter) = c.get_metric_with_label_values(values)
            {
                counter.inc_by(value);
            }
        });
    }
}

impl Histogram for Family {
    fn record(&self, value: f64, labels: Labels<'_>) {
        self.with(labels, |registered, values| {
            if let Registered::Histogram(h) = registered
                && let Ok(histogram) = h.get_metric_with_label_values(values)
            {
                histogram.observe(value);
            }
        });
    }
}

impl Gauge for Family {
    fn set(&self, value: f64, labels: Labels<'_>) {
        self.with(labels, |registered, values| {
            if let Registered::Gauge(g) = registered
                && let Ok(gauge) = g.get_metric_with_label_values(values)
            {
                gauge.set(value);
            }
        });
    }
}

/// The label every metric of a [`PrometheusMeter::new`] carries: the one the Python, .NET and
/// TypeScript SDKs' Prometheus output carries, so dashboards and alert rules that select on it
/// read a Rust worker too.
const SERVICE_NAME: (&str, &str) = ("service_name", "temporal-core-sdk");

impl Default for PrometheusMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl PrometheusMeter {
    /// A meter with a registry of its own, whose metrics all carry
    /// `service_name="temporal-core-sdk"` as the other SDKs' do.
    pub fn new() -> Self {
        Self::with_global_labels([SERVICE_NAME])
    }

    /// A meter with a registry of its own whose metrics all carry `labels` (and no others):
    /// Python's `TelemetryConfig(global_tags=...)`.
    ///
    /// ```
    /// use temporal_sdk::telemetry::{MetricDef, MetricMeter, PrometheusMeter};
    ///
    /// let meter = PrometheusMeter::with_global_labels([("service_name", "billing"), ("region", "eu")]);
    /// meter.counter(&MetricDef::new("orders_placed", "Orders placed")).add(1, &[]);
    /// assert!(meter.gather().contains(r#"orders_placed{region="eu",service_name="billing"} 1"#));
    /// ```
    pub fn with_global_labels<K: AsRef<str>, V: Into<String>>(labels: impl IntoIterator<Item = (K, V)>) -> Self {
        Self::with_registry(Registry::new()).global_labels(labels)
    }

    /// A meter recording into `registry` (one the application already exposes), with no
    /// global labels.
    pub fn with_registry(registry: Registry) -> Self {
        Self { registry, families: Default::default(), global: Arc::new([]) }
    }

    /// Replaces the labels every metric carries; metrics already recorded keep theirs.
    pub fn global_labels<K: AsRef<str>, V: Into<String>>(mut self, labels: impl IntoIterator<Item = (K, V)>) -> Self {
        self.global = labels.into_iter().map(|(k, v)| (sanitize(k.as_ref()), v.into())).collect();
        self
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The metrics in the Prometheus text format.
    pub fn gather(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "cannot encode the metrics");
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Serves `GET /metrics` on `address` (port 0 picks a free one) in the background.
    pub async fn serve(&self, address: SocketAddr) -> std::io::Result<ScrapeEndpoint> {
        let meter = self.clone();
        let running = http_server::spawn(address, move |request| {
            let body = (request.uri().path() == "/metrics").then(|| meter.gather());
            async move {
                match body {
                    Some(body) => http_server::respond(StatusCode::OK, "text/plain; version=0.0.4", body),
                    None => http_server::text(StatusCode::NOT_FOUND, "metrics are at /metrics"),
                }
            }
        })
        .await?;
        Ok(ScrapeEndpoint { running })
    }

    fn family(&self, def: &MetricDef, kind: Kind) -> Arc<Family> {
        let mut families = self.families.lock().unwrap_or_else(|e| e.into_inner());
        let family = families.entry(def.name.clone()).or_insert_with(|| {
            Arc::new(Family {
                def: def.clone(),
                registry: self.registry.clone(),
                kind,
                registered: OnceLock::new(),
                global: Arc::clone(&self.global),
            })
        });
        Arc::clone(family)
    }
}

impl MetricMeter for PrometheusMeter {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        self.family(def, Kind::Counter)
    }
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        self.family(def, Kind::Histogram)
    }
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        self.family(def, Kind::Gauge)
    }
}

/// A Prometheus scrape endpoint serving in the background; dropping it stops it.
#[derive(Debug)]
pub struct ScrapeEndpoint {
    running: RunningServer,
}

impl ScrapeEndpoint {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_labels_in_the_text_format() {
        let meter = PrometheusMeter::new();
        let completed = meter.counter(&MetricDef::new("temporal_workflow_completed", "done"));
        completed.add(2, &[("task_queue", "q"), ("namespace", "default")]);
        meter
            .counter(&MetricDef::new("temporal_workflow_completed", "done"))
            .add(1, &[("namespace", "default"), ("task_queue", "q")]);
        meter.histogram(&MetricDef::new("temporal_request_latency", "").unit("ms")).record(12.0, &[("operation", "X")]);
        meter.gauge(&MetricDef::new("odd.name", "")).set(3.5, &[]);
        let text = meter.gather();
        assert!(
            text.contains(
                r#"temporal_workflow_completed{namespace="default",service_name="temporal-core-sdk",task_queue="q"} 3"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"temporal_request_latency_bucket{operation="X",service_name="temporal-core-sdk",le="25"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"odd_name{service_name="temporal-core-sdk"} 3.5"#), "{text}");
    }
}
