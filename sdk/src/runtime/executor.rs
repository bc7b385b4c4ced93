//! The deterministic executor of one workflow run.
//!
//! Tasks (the run method and running signal handlers) are polled in the order they were
//! created, only when something woke them, and never because real time passed: the same
//! history therefore always produces the same commands. Wakers only mark a task ready.

use std::collections::{BTreeMap, BTreeSet};
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

#[derive(Default)]
pub(crate) struct Executor {
    tasks: BTreeMap<u64, Task>,
    ready: Arc<Mutex<BTreeSet<u64>>>,
    next_id: u64,
}

impl Executor {
    pub(crate) fn spawn(&mut self, future: LocalBoxFuture<'static, ()>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let waker = Waker::from(Arc::new(TaskWaker { id, ready: Arc::clone(&self.ready) }));
        self.tasks.insert(id, Task { future, waker });
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
        let Some(task) = self.tasks.get_mut(&id) else { return Ok(()) };
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
                self.tasks.remove(&id);
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
        self.tasks.len()
    }
}
