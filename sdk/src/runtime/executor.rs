//! The deterministic executor of one workflow run.
//!
//! Tasks (the run method and running signal handlers) are polled in the order they were
//! created, only when something woke them, and never because real time passed: the same
//! history therefore always produces the same commands. Wakers only mark a task ready.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use futures::future::LocalBoxFuture;

use super::context::{Enter, SharedState};
use super::panic::catch_quietly;
use super::state::Spawned;
use super::tasks::TaskRole;

struct TaskWaker {
    id: u64,
    ready: Arc<Mutex<BTreeSet<u64>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // A poisoned lock only means a panic elsewhere; the set itself is still valid.
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        ready.insert(self.id);
    }
}

struct Task {
    future: LocalBoxFuture<'static, ()>,
    waker: Waker,
}

/// A panic that escaped workflow code while it was polled.
#[derive(Debug)]
pub(crate) struct WorkflowPanic(pub(crate) String);

/// The tasks by id, in id (= creation) order. A sorted vector rather than a map: most runs have
/// one task or a few, and every cached run pays for the container (a map's first node is ten
/// times the size of one entry). Finished tasks leave a hole, compacted once holes are half of
/// it, so a run finishing many spawned tasks does not shift the vector each time.
#[derive(Default)]
struct Tasks {
    slots: Vec<(u64, Option<Task>)>,
    live: usize,
}

impl Tasks {
    /// `id` must be greater than every id already there.
    fn push(&mut self, id: u64, task: Task) {
        if self.slots.capacity() == 0 {
            self.slots.reserve_exact(1);
        }
        self.slots.push((id, Some(task)));
        self.live += 1;
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Task> {
        let i = self.slots.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        self.slots[i].1.as_mut()
    }

    fn remove(&mut self, id: u64) {
        let Ok(i) = self.slots.binary_search_by_key(&id, |(id, _)| *id) else { return };
        if self.slots[i].1.take().is_some() {
            self.live -= 1;
        }
        if self.live * 2 <= self.slots.len() {
            self.slots.retain(|(_, task)| task.is_some());
        }
    }
}

#[derive(Default)]
pub(crate) struct Executor {
    tasks: Tasks,
    ready: Arc<Mutex<BTreeSet<u64>>>,
    next_id: u64,
}

impl Executor {
    pub(crate) fn spawn(&mut self, future: LocalBoxFuture<'static, ()>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let waker = Waker::from(Arc::new(TaskWaker { id, ready: Arc::clone(&self.ready) }));
        self.tasks.push(id, Task { future, waker });
        self.lock_ready().insert(id);
        id
    }

    fn lock_ready(&self) -> std::sync::MutexGuard<'_, BTreeSet<u64>> {
        self.ready.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Polls ready tasks until none can make progress, then re-checks `wait_condition`s as long
    /// as something changed since they were last checked.
    pub(crate) fn run_until_stalled(&mut self, state: &SharedState) -> Result<(), WorkflowPanic> {
        let _enter = Enter::new(state);
        let mut checked_generation = None;
        loop {
            loop {
                let ready: Vec<u64> = std::mem::take(&mut *self.lock_ready()).into_iter().collect();
                if ready.is_empty() {
                    break;
                }
                for id in ready {
                    self.poll_task(id, state)?;
                }
            }
            let mut st = state.borrow_mut();
            if st.condition_wakers.is_empty() || checked_generation == Some(st.generation) {
                return Ok(());
            }
            checked_generation = Some(st.generation);
            for w in std::mem::take(&mut st.condition_wakers) {
                w.wake();
            }
        }
    }

    fn poll_task(&mut self, id: u64, state: &SharedState) -> Result<(), WorkflowPanic> {
        let Some(task) = self.tasks.get_mut(id) else { return Ok(()) };
        let mut cx = Context::from_waker(&task.waker);
        state.borrow_mut().current_task = Some(id);
        let polled = catch_quietly(|| task.future.as_mut().poll(&mut cx));
        {
            let mut st = state.borrow_mut();
            st.current_task = None;
            st.shield_depth = 0;
        }
        let spawned = std::mem::take(&mut state.borrow_mut().spawned);
        for Spawned { future, sink, site } in spawned {
            let id = self.spawn(future);
            state.borrow_mut().tasks.started(id, TaskRole::Spawned(site));
            if let Some(sink) = sink {
                sink(id);
            }
        }
        match polled {
            Ok(Poll::Ready(())) => {
                self.tasks.remove(id);
                let mut st = state.borrow_mut();
                st.tasks.finished(id);
                st.generation += 1;
                Ok(())
            }
            Ok(Poll::Pending) => Ok(()),
            Err(message) => Err(WorkflowPanic(message)),
        }
    }

    /// Number of tasks that have not finished.
    pub(crate) fn live_tasks(&self) -> usize {
        self.tasks.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Task {
        Task { future: Box::pin(async {}), waker: Waker::noop().clone() }
    }

    #[test]
    fn tasks_are_found_by_id_across_removals_and_compactions() {
        let mut tasks = Tasks::default();
        for id in 0..10 {
            tasks.push(id, task());
        }
        for id in (0..10).filter(|id| id % 3 != 0) {
            tasks.remove(id);
        }
        assert_eq!(tasks.live, 4);
        assert!(tasks.slots.len() < 10, "holes are compacted once they are half");
        for id in 0..10 {
            assert_eq!(tasks.get_mut(id).is_some(), id % 3 == 0, "task {id}");
        }
        tasks.remove(3);
        tasks.remove(3);
        tasks.push(10, task());
        assert_eq!(tasks.live, 4);
        assert!(tasks.get_mut(10).is_some() && tasks.get_mut(3).is_none());
    }
}
