//! Temporal API wire types for `temporal-sdk`, plus loading and writing workflow histories as
//! JSON.
//!
//! Everything from [`temporalio_protos`] is re-exported at the crate root, so the generated
//! types live at `temporal_sdk_protos::temporal::api::<package>::v1`, for example
//! [`temporal::api::history::v1::History`]. Well-known types (`Duration`, `Timestamp`) are those
//! of the `prost-wkt-types` crate.
//!
//! The [`history_json`] module converts histories from and to the proto3 JSON that the
//! `temporal` CLI and web UI export (the generated types do not implement that mapping
//! themselves).
//!
//! ```no_run
//! use temporal_sdk_protos::{history_from_json, temporal::api::enums::v1::EventType};
//!
//! let json = std::fs::read_to_string("history.json")?;
//! let history = history_from_json(&json)?;
//! assert_eq!(history.events[0].event_type(), EventType::WorkflowExecutionStarted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs, missing_debug_implementations)]

pub use temporalio_protos::*;

pub mod history_json;

/// The encoded `google.protobuf.FileDescriptorSet` of every message in `temporalio-protos`
/// (Temporal API, sdk-core `coresdk`, `google.protobuf`, ...), for reflection-based tools; for
/// example `prost_reflect::DescriptorPool::decode(FILE_DESCRIPTOR_SET)`. This crate itself does
/// not decode it: the history JSON support uses tables generated at build time.
///
/// ```
/// assert!(!temporal_sdk_protos::FILE_DESCRIPTOR_SET.is_empty());
/// ```
pub static FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/temporal_descriptors.bin"));

pub use history_json::{HistoryJsonError, history_from_json, history_to_json};
