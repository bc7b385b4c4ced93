//! What the server tells about a workflow execution, by listing or describing it, decoded:
//! status, times, parent and root, memo, typed search attributes, user metadata.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use crate::common::{Priority, time_from_proto};
use crate::converter::{self, PayloadError};
use crate::protos::temporal::api::common::v1::{Payload, SearchAttributes};
use crate::protos::temporal::api::enums::v1::WorkflowExecutionStatus;
use crate::protos::temporal::api::workflow::v1::WorkflowExecutionInfo;
use crate::protos::temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse;
use crate::workflow::SearchAttributeValue;

/// One workflow execution as a visibility query lists it (and the common part of
/// [`WorkflowDescription`]).
///
/// ```no_run
/// # use futures::StreamExt;
/// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
/// let mut executions = client.list_workflows("WorkflowType = 'SayHello'");
/// while let Some(execution) = executions.next().await {
///     let execution = execution?;
///     println!("{} {} {:?}", execution.workflow_id, execution.run_id, execution.status);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkflowExecution {
    /// The workflow id.
    pub workflow_id: String,
    /// The run id.
    pub run_id: String,
    /// The workflow type name.
    pub workflow_type: String,
    /// Running, completed, failed, ...
    pub status: WorkflowExecutionStatus,
    /// The task queue.
    pub task_queue: String,
    /// When it started.
    pub start_time: Option<SystemTime>,
    /// When its first workflow task was due: the start time plus any start delay or cron
    /// wait.
    pub execution_time: Option<SystemTime>,
    /// When it closed, if it did.
    pub close_time: Option<SystemTime>,
    /// Number of history events (0 while visibility has not caught up).
    pub history_length: i64,
    /// The parent's workflow id, for a child workflow.
    pub parent_id: Option<String>,
    /// The parent's run id, for a child workflow.
    pub parent_run_id: Option<String>,
    /// The workflow id at the root of its chain of parents (its own for a top-level one).
    pub root_id: Option<String>,
    /// The run id at the root of its chain of parents.
    pub root_run_id: Option<String>,
    /// Search attributes, typed by the type the server indexes them with.
    pub search_attributes: HashMap<String, SearchAttributeValue>,
    /// The priority its tasks run with, when one was set.
    pub priority: Option<Priority>,
    /// Everything the server returned.
    pub raw: WorkflowExecutionInfo,
}

impl WorkflowExecution {
    pub(crate) fn from_proto(raw: WorkflowExecutionInfo) -> Self {
        let execution = raw.execution.clone().unwrap_or_default();
        let id = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        let parent = raw.parent_execution.as_ref();
        let root = raw.root_execution.as_ref();
        Self {
            workflow_id: execution.workflow_id,
            run_id: execution.run_id,
            workflow_type: raw.r#type.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
            status: raw.status(),
            task_queue: raw.task_queue.clone(),
            start_time: raw.start_time.as_ref().map(time_from_proto),
            execution_time: raw.execution_time.as_ref().map(time_from_proto),
            close_time: raw.close_time.as_ref().map(time_from_proto),
            history_length: raw.history_length,
            parent_id: parent.and_then(|p| id(&p.workflow_id)),
            parent_run_id: parent.and_then(|p| id(&p.run_id)),
            root_id: root.and_then(|p| id(&p.workflow_id)),
            root_run_id: root.and_then(|p| id(&p.run_id)),
            search_attributes: raw.search_attributes.as_ref().map(decode_search_attributes).unwrap_or_default(),
            priority: raw.priority.as_ref().map(Priority::from_proto).filter(|p| *p != Priority::default()),
            raw,
        }
    }

    /// The memo entries, still encoded.
    pub fn memo(&self) -> &HashMap<String, Payload> {
        static EMPTY: std::sync::OnceLock<HashMap<String, Payload>> = std::sync::OnceLock::new();
        self.raw.memo.as_ref().map_or_else(|| EMPTY.get_or_init(HashMap::new), |m| &m.fields)
    }

    /// A memo value decoded as `T`, or `None` when the memo has no such key.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let description = client.get_untyped_workflow_handle("order-1", None).describe().await?;
    /// let customer: Option<String> = description.memo_value("customer").transpose()?;
    /// # let _ = customer; Ok(()) }
    /// ```
    pub fn memo_value<T: DeserializeOwned>(&self, key: &str) -> Option<Result<T, PayloadError>> {
        self.memo().get(key).map(converter::decode)
    }
}

/// What `describe()` tells about a workflow execution: everything a listing tells
/// ([`WorkflowExecution`], reached through `Deref`), and the user metadata.
///
/// ```no_run
/// # use temporal_sdk::prelude::*;
/// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
/// let description = client.get_untyped_workflow_handle("order-1", None).describe().await?;
/// println!("{:?} since {:?}: {:?}", description.status, description.start_time, description.static_summary);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkflowDescription {
    /// The execution as a listing describes it.
    pub execution: WorkflowExecution,
    /// The summary set at start ([`WorkflowOptions::static_summary`](super::WorkflowOptions::static_summary)).
    pub static_summary: Option<String>,
    /// The details set at start.
    pub static_details: Option<String>,
    /// The full server response.
    pub raw: DescribeWorkflowExecutionResponse,
}

impl WorkflowDescription {
    pub(crate) fn from_proto(raw: DescribeWorkflowExecutionResponse) -> Result<Self, PayloadError> {
        let metadata = raw.execution_config.as_ref().and_then(|c| c.user_metadata.as_ref());
        let text = |p: Option<&Payload>| p.map(converter::decode::<String>).transpose();
        Ok(Self {
            execution: WorkflowExecution::from_proto(raw.workflow_execution_info.clone().unwrap_or_default()),
            static_summary: text(metadata.and_then(|m| m.summary.as_ref()))?,
            static_details: text(metadata.and_then(|m| m.details.as_ref()))?,
            raw,
        })
    }
}

impl std::ops::Deref for WorkflowDescription {
    type Target = WorkflowExecution;

    fn deref(&self) -> &WorkflowExecution {
        &self.execution
    }
}

/// Search attributes typed by the `type` metadata the server puts on each; values without it
/// (older servers) are typed by their JSON shape. Values that decode as neither are left out,
/// as Python's typed search attributes leave them out.
pub(crate) fn decode_search_attributes(attributes: &SearchAttributes) -> HashMap<String, SearchAttributeValue> {
    attributes.indexed_fields.iter().filter_map(|(k, p)| Some((k.clone(), decode_search_attribute(p)?))).collect()
}

fn decode_search_attribute(payload: &Payload) -> Option<SearchAttributeValue> {
    let value: serde_json::Value = converter::decode(payload).ok()?;
    let kind = payload.metadata.get("type").and_then(|t| std::str::from_utf8(t).ok());
    // Some servers send a single-valued attribute as a one-element list.
    let single = match (&value, kind) {
        (serde_json::Value::Array(items), Some(k)) if k != "KeywordList" && items.len() == 1 => items[0].clone(),
        _ => value.clone(),
    };
    match kind {
        Some("Keyword") => Some(SearchAttributeValue::Keyword(single.as_str()?.to_string())),
        Some("Text") => Some(SearchAttributeValue::Text(single.as_str()?.to_string())),
        Some("Int") => Some(SearchAttributeValue::Int(single.as_i64()?)),
        Some("Double") => Some(SearchAttributeValue::Double(single.as_f64()?)),
        Some("Bool") => Some(SearchAttributeValue::Bool(single.as_bool()?)),
        Some("Datetime") => Some(SearchAttributeValue::Datetime(parse_rfc3339(single.as_str()?)?)),
        Some("KeywordList") => Some(SearchAttributeValue::KeywordList(keywords(&value)?)),
        Some(_) => None,
        None => match value {
            serde_json::Value::String(s) => Some(SearchAttributeValue::Keyword(s)),
            serde_json::Value::Bool(b) => Some(SearchAttributeValue::Bool(b)),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Some(SearchAttributeValue::Int(i)),
                None => Some(SearchAttributeValue::Double(n.as_f64()?)),
            },
            serde_json::Value::Array(_) => Some(SearchAttributeValue::KeywordList(keywords(&value)?)),
            _ => None,
        },
    }
}

fn keywords(value: &serde_json::Value) -> Option<Vec<String>> {
    match value {
        serde_json::Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        serde_json::Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// Reads an RFC 3339 time (`2024-05-01T10:00:00.5Z`, `...+02:00`), the form every SDK and
/// the server write datetime search attributes in.
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let kept = &fraction[..digits.min(9)];
        nanos = kept.parse::<u32>().ok()? * 10u32.pow(9 - kept.len() as u32);
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let minutes = rest[1..3].parse::<i64>().ok()? * 60 + rest[4..6].parse::<i64>().ok()?;
            if rest.starts_with('-') { -minutes * 60 } else { minutes * 60 }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm), the inverse of the encoder's.
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let since_epoch = Duration::new(secs.unsigned_abs(), 0);
    let whole = if secs >= 0 { UNIX_EPOCH.checked_add(since_epoch)? } else { UNIX_EPOCH.checked_sub(since_epoch)? };
    whole.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_are_read_with_fractions_and_offsets() {
        let t = UNIX_EPOCH + Duration::from_secs(1_577_840_461);
        assert_eq!(parse_rfc3339("2020-01-01T01:01:01Z"), Some(t));
        assert_eq!(parse_rfc3339("2020-01-01T01:01:01.000000000Z"), Some(t));
        assert_eq!(parse_rfc3339("2020-01-01T03:01:01+02:00"), Some(t));
        assert_eq!(parse_rfc3339("2020-01-01T01:01:01.25Z"), Some(t + Duration::from_millis(250)));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(UNIX_EPOCH - Duration::from_secs(1)));
        assert_eq!(parse_rfc3339("2020-13-01T01:01:01Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn search_attributes_round_trip_through_their_payloads() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let values = [
            SearchAttributeValue::Keyword("k".into()),
            SearchAttributeValue::Text("some text".into()),
            SearchAttributeValue::Int(-3),
            SearchAttributeValue::Double(1.5),
            SearchAttributeValue::Bool(true),
            SearchAttributeValue::Datetime(t),
            SearchAttributeValue::KeywordList(vec!["a".into(), "b".into()]),
        ];
        for value in values {
            let payload = value.to_payload().expect("encodes");
            assert_eq!(decode_search_attribute(&payload), Some(value));
        }
    }

    #[test]
    fn a_single_valued_attribute_sent_as_a_list_is_read_as_its_value() {
        let mut payload = converter::encode(&["gold"]).expect("encodes");
        payload.metadata.insert("type".into(), b"Keyword".to_vec());
        assert_eq!(decode_search_attribute(&payload), Some(SearchAttributeValue::Keyword("gold".into())));
    }
}
