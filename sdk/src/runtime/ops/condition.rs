//! `wait_condition`s: no command and no event; a pending condition is an operation only so that
//! cancelling its task reaches it.

use std::collections::HashMap;

use super::Slot;

/// The run's pending conditions by sequence number; a filled slot means "cancelled".
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    last_seq: u32,
    slots: HashMap<u32, Slot<()>>,
}

impl Conditions {
    pub(crate) fn add(&mut self) -> u32 {
        self.last_seq += 1;
        self.slots.insert(self.last_seq, Slot::default());
        self.last_seq
    }

    pub(crate) fn cancel(&mut self, seq: u32) {
        if let Some(slot) = self.slots.get_mut(&seq) {
            slot.resolve(());
        }
    }

    pub(crate) fn is_cancelled(&self, seq: u32) -> bool {
        self.slots.get(&seq).is_some_and(|s| !s.is_open())
    }

    /// Who to wake when the condition is cancelled.
    pub(crate) fn set_waker(&mut self, seq: u32, waker: &std::task::Waker) {
        if let Some(slot) = self.slots.get_mut(&seq) {
            slot.waker = Some(waker.clone());
        }
    }

    pub(crate) fn remove(&mut self, seq: u32) {
        self.slots.remove(&seq);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
