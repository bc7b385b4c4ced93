//! Metrics: the SDK's own (the standard Temporal SDK metrics, with their names and labels) and
//! the application's, recorded through one [`MetricMeter`] set on the client
//! ([`ClientOptions::metrics`](crate::ClientOptions::metrics)) and used by the workers built from
//! it. Backends: [`PrometheusMeter`] (cargo feature `prometheus`, with a scrape endpoint) and
//! [`OpenTelemetryMeter`] (cargo feature `opentelemetry`, for OTLP and the rest of the
//! OpenTelemetry exporters); the default records nothing.

mod meter;
#[cfg(feature = "opentelemetry")]
mod opentelemetry;
#[cfg(feature = "prometheus")]
mod prometheus;
pub(crate) mod sdk_metrics;

pub use meter::{Counter, Gauge, Histogram, Labels, MetricDef, MetricMeter, NoopMeter};
pub(crate) use meter::{LabelledMeter, set_thread_meter, thread_meter};
#[cfg(feature = "opentelemetry")]
pub use opentelemetry::OpenTelemetryMeter;
#[cfg(feature = "prometheus")]
pub use prometheus::{PrometheusMeter, ScrapeEndpoint};
