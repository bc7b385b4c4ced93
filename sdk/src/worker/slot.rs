//! A workflow thread's inbox, shared with whichever thread serves it: when a thread is stuck in
//! workflow code that never yields (a deadlock), a fresh thread takes over the same inbox, so
//! the tasks queued behind the stuck one still run.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The inbox of one workflow thread.
pub(crate) struct Slot<M> {
    queue: Mutex<Queue<M>>,
    ready: Condvar,
    /// Bumped when a new thread takes over: the old one stops after what it is doing.
    generation: AtomicU64,
    /// The message the serving thread works on, and since when.
    busy: Mutex<Option<(u64, Instant)>>,
}

struct Queue<M> {
    messages: VecDeque<(u64, M)>,
    next_id: u64,
    closed: bool,
}

impl<M> Slot<M> {
    pub(crate) fn new() -> Self {
        Self {
            queue: Mutex::new(Queue { messages: VecDeque::new(), next_id: 0, closed: false }),
            ready: Condvar::new(),
            generation: AtomicU64::new(0),
            busy: Mutex::new(None),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue<M>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `message`; its id, or `None` once the slot is closed.
    pub(crate) fn send(&self, message: M) -> Option<u64> {
        let mut queue = self.queue();
        if queue.closed {
            return None;
        }
        let id = queue.next_id;
        queue.next_id += 1;
        queue.messages.push_back((id, message));
        drop(queue);
        self.ready.notify_one();
        Some(id)
    }

    /// The next message for the thread of `generation`, marked as being worked on; `None`
    /// when the slot is closed (and empty) or another thread has taken over.
    pub(crate) fn recv(&self, generation: u64) -> Option<(u64, M)> {
        let mut queue = self.queue();
        loop {
            if self.generation() != generation {
                return None;
            }
            if let Some((id, message)) = queue.messages.pop_front() {
                *self.busy.lock().unwrap_or_else(|e| e.into_inner()) = Some((id, Instant::now()));
                return Some((id, message));
            }
            if queue.closed {
                return None;
            }
            queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The thread finished the message it was working on.
    pub(crate) fn done(&self) {
        *self.busy.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// How long the serving thread has been working on message `id`, if it is doing so now.
    pub(crate) fn busy_with(&self, id: u64) -> Option<Duration> {
        match *self.busy.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((busy, since)) if busy == id => Some(since.elapsed()),
            _ => None,
        }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Hands the slot to a new thread: the current one stops after its message. Returns the
    /// new thread's generation.
    pub(crate) fn take_over(&self) -> u64 {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        *self.busy.lock().unwrap_or_else(|e| e.into_inner()) = None;
        // Wakes an idle old thread so it sees the new generation and ends.
        self.ready.notify_all();
        generation
    }

    /// No more messages: the thread ends once the queue is empty.
    pub(crate) fn close(&self) {
        self.queue().closed = true;
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_generation_takes_over_the_queue() {
        let slot = Slot::new();
        let first = slot.send("stuck").unwrap();
        slot.send("queued behind").unwrap();
        assert_eq!(slot.recv(0), Some((first, "stuck")));
        assert!(slot.busy_with(first).is_some());
        let generation = slot.take_over();
        assert_eq!(slot.busy_with(first), None);
        // The stuck thread, once out, stops; the new one gets what was queued.
        assert_eq!(slot.recv(0), None);
        assert_eq!(slot.recv(generation).map(|(_, m)| m), Some("queued behind"));
        slot.done();
        slot.close();
        assert_eq!(slot.recv(generation), None);
        assert_eq!(slot.send("late"), None);
    }
}
