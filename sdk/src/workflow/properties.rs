//! Search attributes and memo of the running workflow.

use std::collections::HashMap;
use std::time::SystemTime;

use serde::Serialize;

use crate::converter;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{
    ModifyWorkflowPropertiesCommandAttributes, UpsertWorkflowSearchAttributesCommandAttributes,
    command::Attributes as Cmd,
};
use crate::protos::temporal::api::common::v1::{Memo, Payload, SearchAttributes};
use crate::runtime::context;

/// A typed search attribute value; the type decides how the server indexes it.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchAttributeValue {
    /// Full-text.
    Text(String),
    /// Exact-match keyword.
    Keyword(String),
    /// Integer.
    Int(i64),
    /// Floating point.
    Double(f64),
    /// Boolean.
    Bool(bool),
    /// Point in time.
    Datetime(SystemTime),
    /// A list of keywords.
    KeywordList(Vec<String>),
}

impl SearchAttributeValue {
    /// The payload the other SDKs write: json/plain with metadata `type`.
    pub(crate) fn to_payload(&self) -> Result<Payload, converter::PayloadError> {
        let (mut payload, kind) = match self {
            Self::Text(s) => (converter::encode(s)?, "Text"),
            Self::Keyword(s) => (converter::encode(s)?, "Keyword"),
            Self::Int(i) => (converter::encode(i)?, "Int"),
            Self::Double(d) => (converter::encode(d)?, "Double"),
            Self::Bool(b) => (converter::encode(b)?, "Bool"),
            Self::Datetime(t) => (converter::encode(&rfc3339(*t))?, "Datetime"),
            Self::KeywordList(l) => (converter::encode(l)?, "KeywordList"),
        };
        payload.metadata.insert("type".into(), kind.as_bytes().to_vec());
        Ok(payload)
    }
}

fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm), to avoid a date crate for one format.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos()
    )
}

/// Adds or replaces search attributes of this workflow (they must be registered on the
/// server), so that visibility queries find it.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # use temporal_sdk::workflow::SearchAttributeValue;
/// # async fn wf() -> WorkflowResult<()> {
/// workflow::upsert_search_attributes([("CustomerTier", SearchAttributeValue::Keyword("gold".into()))])?;
/// # Ok(()) }
/// ```
pub fn upsert_search_attributes<K: Into<String>>(
    attributes: impl IntoIterator<Item = (K, SearchAttributeValue)>,
) -> WorkflowResult<()> {
    let state = context::current().ok_or_else(|| context::outside_workflow("workflow::upsert_search_attributes"))?;
    let mut fields = HashMap::new();
    for (k, v) in attributes {
        fields.insert(k.into(), v.to_payload().map_err(|e| WorkflowError::Task(Box::new(e)))?);
    }
    let mut st = state.borrow_mut();
    for (k, v) in &fields {
        st.search_attributes.insert(k.clone(), v.clone());
    }
    let attrs = UpsertWorkflowSearchAttributesCommandAttributes {
        search_attributes: Some(SearchAttributes { indexed_fields: fields }),
    };
    st.push_command(Cmd::UpsertWorkflowSearchAttributesCommandAttributes(attrs), 0);
    Ok(())
}

/// The workflow's search attributes as last set (raw payloads with their `type` metadata).
pub fn search_attributes() -> HashMap<String, Payload> {
    context::current().map(|s| s.borrow().search_attributes.clone()).unwrap_or_default()
}

/// Adds or replaces memo entries of this workflow (shown by describe and list calls).
pub fn upsert_memo<K: Into<String>, V: Serialize>(entries: impl IntoIterator<Item = (K, V)>) -> WorkflowResult<()> {
    let state = context::current().ok_or_else(|| context::outside_workflow("workflow::upsert_memo"))?;
    let mut fields = HashMap::new();
    for (k, v) in entries {
        fields.insert(k.into(), converter::encode(&v).map_err(|e| WorkflowError::Task(Box::new(e)))?);
    }
    let mut st = state.borrow_mut();
    for (k, v) in &fields {
        st.memo.insert(k.clone(), v.clone());
    }
    let attrs = ModifyWorkflowPropertiesCommandAttributes { upserted_memo: Some(Memo { fields }) };
    st.push_command(Cmd::ModifyWorkflowPropertiesCommandAttributes(attrs), 0);
    Ok(())
}

/// A memo value of this workflow, decoded as `T`.
pub fn memo_value<T: serde::de::DeserializeOwned>(key: &str) -> Option<Result<T, converter::PayloadError>> {
    let state = context::current()?;
    let st = state.borrow();
    st.memo.get(key).map(converter::decode)
}

/// Whether every signal and update handler has finished: wait on it before completing, so
/// that no update is left unanswered (`workflow::wait_condition(workflow::all_handlers_finished)`).
pub fn all_handlers_finished() -> bool {
    context::current().is_none_or(|s| s.borrow().tasks.running_handlers() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn datetimes_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_840_461);
        assert_eq!(rfc3339(t), "2020-01-01T01:01:01.000000000Z");
    }
}
