//! `wait_condition`s: no command and no event; a pending condition is an operation only so that
//! cancelling its task reaches it.

use super::Slot;

/// The run's pending conditions by sequence number; a filled slot means "cancelled". A vector
/// in sequence order, not a map: a run has a condition or a few pending, and every cached run
/// keeps its table (a map's smallest allocation is six times one entry).
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    last_seq: u32,
    slots: Vec<(u32, Slot<()>)>,
}

impl Conditions {
    pub(crate) fn add(&mut self) -> u32 {
        self.last_seq += 1;
        if self.slots.capacity() == 0 {
            self.slots.reserve_exact(1);
        }
        // Sequence numbers only grow, so pushing keeps the order.
        self.slots.push((self.last_seq, Slot::default()));
        self.last_seq
    }

    fn slot(&mut self, seq: u32) -> Option<&mut Slot<()>> {
        let i = self.slots.binary_search_by_key(&seq, |(s, _)| *s).ok()?;
        Some(&mut self.slots[i].1)
    }

    pub(crate) fn cancel(&mut self, seq: u32) {
        if let Some(slot) = self.slot(seq) {
            slot.resolve(());
        }
    }

    pub(crate) fn is_cancelled(&self, seq: u32) -> bool {
        let i = self.slots.binary_search_by_key(&seq, |(s, _)| *s);
        i.is_ok_and(|i| !self.slots[i].1.is_open())
    }

    /// Who to wake when the condition is cancelled.
    pub(crate) fn set_waker(&mut self, seq: u32, waker: &std::task::Waker) {
        if let Some(slot) = self.slot(seq) {
            slot.waker = Some(waker.clone());
        }
    }

    pub(crate) fn remove(&mut self, seq: u32) {
        if let Ok(i) = self.slots.binary_search_by_key(&seq, |(s, _)| *s) {
            self.slots.remove(i);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
