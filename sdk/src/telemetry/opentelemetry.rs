//! A [`MetricMeter`] over an OpenTelemetry `Meter`: the SDK's metrics go wherever the
//! application's OpenTelemetry meter provider exports (OTLP to a collector, or any other
//! exporter), as Python's `OpenTelemetryConfig` sends them.

use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::metrics::Meter;

use super::meter::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter};

/// Records through an OpenTelemetry meter.
///
/// ```
/// use std::sync::Arc;
/// use temporal_sdk::telemetry::OpenTelemetryMeter;
///
/// // With the application's provider set globally (OTLP exporter and so on):
/// let meter = Arc::new(OpenTelemetryMeter::new(opentelemetry::global::meter("temporal-sdk")));
/// let options = temporal_sdk::ClientOptions::new("localhost:7233").metrics(meter);
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct OpenTelemetryMeter {
    meter: Meter,
}

impl OpenTelemetryMeter {
    /// Records through `meter`.
    pub fn new(meter: Meter) -> Self {
        Self { meter }
    }
}

fn attributes(labels: Labels<'_>) -> Vec<KeyValue> {
    // An empty value is how a recording says a label does not apply to it (Prometheus reads
    // it so); OpenTelemetry has absence for that.
    labels.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| KeyValue::new(k.to_string(), v.to_string())).collect()
}

struct OtelCounter(opentelemetry::metrics::Counter<u64>);
struct OtelHistogram(opentelemetry::metrics::Histogram<f64>);
struct OtelGauge(opentelemetry::metrics::Gauge<f64>);

impl Counter for OtelCounter {
    fn add(&self, value: u64, labels: Labels<'_>) {
        self.0.add(value, &attributes(labels));
    }
}

impl Histogram for OtelHistogram {
    fn record(&self, value: f64, labels: Labels<'_>) {
        self.0.record(value, &attributes(labels));
    }
}

impl Gauge for OtelGauge {
    fn set(&self, value: f64, labels: Labels<'_>) {
        self.0.record(value, &attributes(labels));
    }
}

impl MetricMeter for OpenTelemetryMeter {
    fn counter(&self, def: &MetricDef) -> Arc<dyn Counter> {
        let counter = self.meter.u64_counter(def.name.clone()).with_description(def.description.clone());
        let counter = if def.unit.is_empty() { counter } else { counter.with_unit(def.unit.clone()) };
        Arc::new(OtelCounter(counter.build()))
    }
    fn histogram(&self, def: &MetricDef) -> Arc<dyn Histogram> {
        let histogram = self.meter.f64_histogram(def.name.clone()).with_description(def.description.clone());
        let histogram = if def.unit.is_empty() { histogram } else { histogram.with_unit(def.unit.clone()) };
        Arc::new(OtelHistogram(histogram.build()))
    }
    fn gauge(&self, def: &MetricDef) -> Arc<dyn Gauge> {
        let gauge = self.meter.f64_gauge(def.name.clone()).with_description(def.description.clone());
        let gauge = if def.unit.is_empty() { gauge } else { gauge.with_unit(def.unit.clone()) };
        Arc::new(OtelGauge(gauge.build()))
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::metrics::MeterProvider;
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

    use super::*;

    #[test]
    fn exports_through_the_provider() {
        let exporter = InMemoryMetricExporter::default();
        let provider =
            SdkMeterProvider::builder().with_reader(PeriodicReader::builder(exporter.clone()).build()).build();
        let meter = OpenTelemetryMeter::new(provider.meter("temporal-sdk"));
        meter.counter(&MetricDef::new("temporal_workflow_completed", "")).add(2, &[("task_queue", "q")]);
        meter.histogram(&MetricDef::new("temporal_request_latency", "").unit("ms")).record(3.0, &[]);
        provider.force_flush().expect("flush");
        let exported = exporter.get_finished_metrics().expect("metrics");
        let metrics: Vec<_> = exported.iter().flat_map(|r| r.scope_metrics()).flat_map(|s| s.metrics()).collect();
        let completed = metrics.iter().find(|m| m.name() == "temporal_workflow_completed").expect("counter");
        let AggregatedMetrics::U64(MetricData::Sum(sum)) = completed.data() else { panic!("a u64 sum") };
        let point = sum.data_points().next().expect("a point");
        assert_eq!(point.value(), 2);
        assert!(point.attributes().any(|kv| kv.key.as_str() == "task_queue" && kv.value.as_str() == "q"));
        let latency = metrics.iter().find(|m| m.name() == "temporal_request_latency").expect("histogram");
        assert_eq!(latency.unit(), "ms");
    }
}
