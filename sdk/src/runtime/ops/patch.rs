//! Patches: a `core_patch` marker records that an execution took the new code path, in
//! sdk-core's layout; replaying, markers seen ahead in the task answer `patched()`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Commands;
use crate::converter;
use crate::protos::temporal::api::command::v1::{Command, RecordMarkerCommandAttributes, command::Attributes as Cmd};
use crate::protos::temporal::api::common::v1::Payloads;
use crate::protos::temporal::api::history::v1::{
    HistoryEvent, MarkerRecordedEventAttributes, history_event::Attributes as Ev,
};

/// The marker name every sdk-core based SDK writes for patches.
const PATCH_MARKER: &str = "core_patch";
const PATCH_DETAILS_KEY: &str = "patch-data";

#[derive(Serialize, Deserialize)]
struct PatchData {
    id: String,
    deprecated: bool,
}

/// What the run knows about its patches.
#[derive(Debug, Default)]
pub(crate) struct Patches {
    /// Patch ids whose markers the task being replayed recorded.
    pub(crate) seen: HashSet<String>,
    /// What `patched(id)` answered, so it answers the same all run long.
    memo: HashMap<String, bool>,
}

impl Patches {
    /// Whether the run takes the new path of patch `id`, recording the marker when it does.
    pub(crate) fn patched(&mut self, commands: &mut Commands, replaying: bool, id: &str, deprecated: bool) -> bool {
        if let Some(&answer) = self.memo.get(id) {
            return answer;
        }
        let answer = !replaying || self.seen.contains(id);
        if answer {
            let data = PatchData { id: id.to_string(), deprecated };
            if let Ok(payload) = converter::encode(&data) {
                let attrs = RecordMarkerCommandAttributes {
                    marker_name: PATCH_MARKER.into(),
                    details: [(PATCH_DETAILS_KEY.to_string(), Payloads { payloads: vec![payload] })].into(),
                    ..Default::default()
                };
                commands.push(Cmd::RecordMarkerCommandAttributes(attrs), 0);
            }
        }
        self.memo.insert(id.to_string(), answer);
        answer
    }
}

/// The patch id and deprecated flag of a patch marker (current or legacy layout).
pub(crate) fn marker_patch(a: &MarkerRecordedEventAttributes) -> Option<(String, bool)> {
    if a.marker_name != PATCH_MARKER {
        return None;
    }
    if let Some(p) = a.details.get(PATCH_DETAILS_KEY).and_then(|p| p.payloads.first()) {
        let data: PatchData = converter::decode(p).ok()?;
        return Some((data.id, data.deprecated));
    }
    // Older sdk-core layout: raw bytes under `patch_id` and `deprecated`.
    let id = a.details.get("patch_id")?.payloads.first()?;
    let deprecated =
        a.details.get("deprecated").and_then(|d| d.payloads.first()).is_some_and(|p| p.data.first() == Some(&1));
    Some((String::from_utf8_lossy(&id.data).into_owned(), deprecated))
}

fn command_patch(c: &RecordMarkerCommandAttributes) -> Option<String> {
    let p = c.details.get(PATCH_DETAILS_KEY)?.payloads.first()?;
    converter::decode::<PatchData>(p).ok().map(|d| d.id)
}

/// Whether a marker command and a marker event are the same (for patches: the same patch).
pub(crate) fn same_marker(c: &RecordMarkerCommandAttributes, e: &MarkerRecordedEventAttributes) -> bool {
    match (command_patch(c), marker_patch(e)) {
        (Some(a), Some((b, _))) => a == b,
        (None, None) => true,
        _ => false,
    }
}

/// A deprecated patch's marker with no matching `patched` call is skipped in replay.
pub(crate) fn is_skippable_marker(event: &HistoryEvent, next: Option<&Command>) -> bool {
    let Some(Ev::MarkerRecordedEventAttributes(a)) = &event.attributes else { return false };
    let Some((id, true)) = marker_patch(a) else { return false };
    !matches!(next.and_then(|c| c.attributes.as_ref()), Some(Cmd::RecordMarkerCommandAttributes(m)) if command_patch(m).as_deref() == Some(id.as_str()))
}
