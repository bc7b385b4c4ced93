//! The operations workflow code waits on, one file per kind: its table of pending instances,
//! the command it emits, how history events resolve it, how its command matches its event on
//! replay, and how it is cancelled.
//!
//! Every SDK future over an operation is an [`OpFuture`]: a sequence number into the kind's
//! table, resolved from history, cancelled when dropped unfinished (for kinds where that is the
//! meaning of dropping), and fused so that `select!` may hold it across iterations.

pub(crate) mod activity;
pub(crate) mod child;
pub(crate) mod condition;
pub(crate) mod external;
pub(crate) mod local_activity;
pub(crate) mod patch;
pub(crate) mod timer;
pub(crate) mod update;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures::future::FusedFuture;

use super::context::{self, SharedState};
use super::state::RunState;
use crate::error::{Failure, WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::{Command, command};
use crate::protos::temporal::api::enums::v1::CommandType;

/// A value that history will fill in, and the task waiting for it.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    pub(crate) value: Option<T>,
    pub(crate) waker: Option<Waker>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self { value: None, waker: None }
    }
}

impl<T> Slot<T> {
    /// Fills the slot and wakes its task; the first resolution wins (a cancellation that
    /// resolved an activity at once is not overwritten by the activity's late result).
    pub(crate) fn resolve(&mut self, value: T) {
        if self.value.is_some() {
            return;
        }
        self.value = Some(value);
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// Whether the operation still waits for its resolution.
    pub(crate) fn is_open(&self) -> bool {
        self.value.is_none()
    }

    /// Takes the resolution, or remembers who waits for it.
    pub(crate) fn take(&mut self, cx: &Context<'_>) -> Poll<T> {
        match self.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                self.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The kinds of SDK operation that a workflow task can be waiting on and that cancelling the
/// task cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum OpKind {
    Timer,
    Activity,
    Condition,
    Child,
    SignalExternal,
    CancelExternal,
    LocalActivity,
}

/// A command emitted by workflow code, with what the runtime needs to match it later.
#[derive(Debug, Clone)]
pub(crate) struct EmittedCommand {
    pub(crate) command: Command,
    /// The sequence number of the timer, activity, ... it belongs to.
    pub(crate) seq: u32,
}

/// The commands of the current activation, in the order workflow code issued them.
#[derive(Debug, Default)]
pub(crate) struct Commands {
    list: Vec<EmittedCommand>,
}

impl Commands {
    pub(crate) fn push(&mut self, attributes: command::Attributes, seq: u32) {
        self.list.push(EmittedCommand { command: to_command(attributes), seq });
    }

    /// Removes a command that has not been sent yet; true if it was there.
    pub(crate) fn remove_unsent(&mut self, matches: impl Fn(&EmittedCommand) -> bool) -> bool {
        match self.list.iter().position(matches) {
            Some(i) => {
                self.list.remove(i);
                true
            }
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The command issued for sequence number `seq` after the first `len` commands. (Sequence
    /// numbers are per kind: an operation that issued no command, such as a local activity,
    /// must not be taken for an earlier command of another kind with the same number.)
    fn issued_since(&self, len: usize, seq: u32) -> Option<&Command> {
        self.list.get(len..)?.iter().find(|c| c.seq == seq).map(|c| &c.command)
    }

    /// Drops what was issued after the first `len` commands (queries and validators may not
    /// schedule anything).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.list.truncate(len);
    }

    pub(crate) fn take(&mut self) -> Vec<EmittedCommand> {
        std::mem::take(&mut self.list)
    }
}

/// Which task an operation belongs to, whether a shield protects it, and the workflow code
/// that started it (for the stack-trace query).
#[derive(Debug, Clone)]
struct OpOwner {
    task: Option<u64>,
    shielded: bool,
    site: &'static Location<'static>,
    /// What the operation waits for, from its command (see `builtin_queries::waiting_on`).
    waiting_on: Option<Box<str>>,
}

/// A pending operation as the stack-trace query lists it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingOp<'a> {
    pub(crate) kind: OpKind,
    pub(crate) seq: u32,
    pub(crate) task: Option<u64>,
    pub(crate) site: &'static Location<'static>,
    pub(crate) waiting_on: Option<&'a str>,
}

/// The pending operations and the tasks that wait on them, in a fixed order for deterministic
/// cancellation.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    ops: OwnerTable,
    /// Tasks whose cancellation found nothing to cancel yet: the next operation gets it.
    pending_cancel: BTreeSet<u64>,
}

type OpKey = (OpKind, u32);

/// The operations in key order: a sorted vector while there are few (most runs wait on one or
/// two operations at a time, and a cached run keeps its table: a map's first node is eleven
/// entries wide), a map once there are many (a fan-out of activities or timers).
#[derive(Debug)]
enum OwnerTable {
    Few(Vec<(OpKey, OpOwner)>),
    Many(BTreeMap<OpKey, OpOwner>),
}

impl Default for OwnerTable {
    fn default() -> Self {
        OwnerTable::Few(Vec::new())
    }
}

impl OwnerTable {
    /// Beyond this many operations, the table becomes a map.
    const FEW: usize = 16;

    fn insert(&mut self, key: OpKey, owner: OpOwner) {
        match self {
            OwnerTable::Few(few) => match few.binary_search_by_key(&key, |(k, _)| *k) {
                Ok(i) => few[i].1 = owner,
                Err(_) if few.len() >= Self::FEW => {
                    let mut many: BTreeMap<OpKey, OpOwner> = few.drain(..).collect();
                    many.insert(key, owner);
                    *self = OwnerTable::Many(many);
                }
                Err(i) => {
                    if few.capacity() == 0 {
                        few.reserve_exact(1);
                    }
                    few.insert(i, (key, owner));
                }
            },
            OwnerTable::Many(many) => {
                many.insert(key, owner);
            }
        }
    }

    fn remove(&mut self, key: OpKey) {
        match self {
            OwnerTable::Few(few) => {
                if let Ok(i) = few.binary_search_by_key(&key, |(k, _)| *k) {
                    few.remove(i);
                }
            }
            OwnerTable::Many(many) => {
                many.remove(&key);
                if many.is_empty() {
                    // Back to the small form, so a run that once fanned out does not keep a map.
                    *self = OwnerTable::default();
                }
            }
        }
    }

    fn get_mut(&mut self, key: &OpKey) -> Option<&mut OpOwner> {
        match self {
            OwnerTable::Few(few) => {
                let i = few.binary_search_by_key(key, |(k, _)| *k).ok()?;
                Some(&mut few[i].1)
            }
            OwnerTable::Many(many) => many.get_mut(key),
        }
    }

    /// Every operation, in key order (boxed: only the stack-trace query walks them all).
    fn iter(&self) -> Box<dyn Iterator<Item = (&OpKey, &OpOwner)> + '_> {
        match self {
            OwnerTable::Few(few) => Box::new(few.iter().map(|(k, o)| (k, o))),
            OwnerTable::Many(many) => Box::new(many.iter()),
        }
    }

    /// The keys of the operations whose owner passes `wanted`, in key order.
    fn keys_where(&self, wanted: impl Fn(&OpOwner) -> bool) -> Vec<OpKey> {
        match self {
            OwnerTable::Few(few) => few.iter().filter(|(_, o)| wanted(o)).map(|(k, _)| *k).collect(),
            OwnerTable::Many(many) => many.iter().filter(|(_, o)| wanted(o)).map(|(k, _)| *k).collect(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            OwnerTable::Few(few) => few.is_empty(),
            OwnerTable::Many(many) => many.is_empty(),
        }
    }
}

impl Owners {
    /// Records a new operation of `task`. Returns true when a cancellation of the task is
    /// pending and must be delivered to this operation right away.
    pub(crate) fn register(
        &mut self,
        kind: OpKind,
        seq: u32,
        task: Option<u64>,
        shielded: bool,
        site: &'static Location<'static>,
    ) -> bool {
        self.ops.insert((kind, seq), OpOwner { task, shielded, site, waiting_on: None });
        !shielded && task.is_some_and(|t| self.pending_cancel.remove(&t))
    }

    pub(crate) fn finish(&mut self, kind: OpKind, seq: u32) {
        self.ops.remove((kind, seq));
    }

    /// The unshielded operations a task is waiting on; when there are none, the cancellation
    /// is kept for the task's next operation (a request is delivered once).
    pub(crate) fn take_cancellable(&mut self, task: u64) -> Vec<(OpKind, u32)> {
        let ops = self.ops.keys_where(|o| o.task == Some(task) && !o.shielded);
        if ops.is_empty() {
            self.pending_cancel.insert(task);
        }
        ops
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Says what a registered operation waits for.
    fn set_waiting_on(&mut self, kind: OpKind, seq: u32, waiting_on: Option<String>) {
        if let Some(owner) = self.ops.get_mut(&(kind, seq)) {
            owner.waiting_on = waiting_on.map(String::into_boxed_str);
        }
    }

    /// The operations still waiting, in kind and sequence order.
    pub(crate) fn pending(&self) -> impl Iterator<Item = PendingOp<'_>> {
        self.ops.iter().map(|(&(kind, seq), o)| PendingOp {
            kind,
            seq,
            task: o.task,
            site: o.site,
            waiting_on: o.waiting_on.as_deref(),
        })
    }
}

/// Cancels the operations `task` waits on (or keeps the cancellation for its next one).
pub(crate) fn cancel_task(st: &mut RunState, task: u64) {
    for (kind, seq) in st.owners.take_cancellable(task) {
        cancel_op(st, kind, seq);
    }
}

/// Cancels one operation the way its kind and options say.
pub(crate) fn cancel_op(st: &mut RunState, kind: OpKind, seq: u32) {
    st.owners.finish(kind, seq);
    match kind {
        OpKind::Timer => st.timers.cancel(&mut st.commands, seq),
        OpKind::Activity => st.activities.cancel(&mut st.commands, seq),
        OpKind::Condition => st.conditions.cancel(seq),
        OpKind::Child => child::cancel(st, seq),
        OpKind::SignalExternal | OpKind::CancelExternal => st.externals.cancel(&mut st.commands, kind, seq),
        OpKind::LocalActivity => local_activity::cancel(st, seq),
    }
}

/// The error an SDK call returns when it was cancelled.
pub(crate) fn cancelled_error(what: &str) -> WorkflowError {
    WorkflowError::from_failure(Failure::cancelled(format!("{what} cancelled")))
}

/// An operation kind as [`OpFuture`] drives it.
pub(crate) trait Op {
    const KIND: OpKind;
    /// What the operation is called in errors ("Timer", "Activity", ...).
    const WHAT: &'static str;
    /// What a resolved operation gives its future (a failure is the future's error).
    type Output;
    /// Whether dropping the unfinished future cancels the operation (a signal already
    /// issued is delivered whether or not anyone waits for it).
    const CANCEL_ON_DROP: bool = true;
    /// Takes the resolution, or registers the waker. `None`: the operation is unknown.
    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<Self::Output, Box<Failure>>>>;
    /// Whether the operation is still waiting for history.
    fn is_open(st: &RunState, seq: u32) -> bool;
    /// The future delivered the outcome or was dropped: forget the table entry nobody needs
    /// any more. (The task's claim on the operation ended with its resolution or cancellation.)
    fn done(st: &mut RunState, seq: u32);
}

/// The future behind every SDK operation: Future + FusedFuture + cancellation on drop.
pub(crate) struct OpFuture<K: Op> {
    state: OpState,
    _kind: PhantomData<fn() -> K>,
}

enum OpState {
    Pending {
        state: SharedState,
        seq: u32,
    },
    /// Could not start (outside workflow code, bad input): the error, given once.
    Failed(Option<WorkflowError>),
    Done,
}

impl<K: Op> OpFuture<K> {
    /// Starts an operation of the current run: `start` issues its command and returns its
    /// sequence number; the operation is registered with the current task, and with the
    /// workflow code that called the SDK function (`#[track_caller]` all the way up).
    #[track_caller]
    pub(crate) fn start(what: &str, start: impl FnOnce(&mut RunState) -> Result<u32, WorkflowError>) -> Self {
        Self::start_at(Location::caller(), what, start)
    }

    /// [`OpFuture::start`] for a call made at `site` (an operation started later than the call
    /// that asked for it: a local activity's next attempt, a timer of `timeout`).
    pub(crate) fn start_at(
        site: &'static Location<'static>,
        what: &str,
        start: impl FnOnce(&mut RunState) -> Result<u32, WorkflowError>,
    ) -> Self {
        let Some(state) = context::current() else { return Self::failed(context::outside_workflow(what)) };
        let seq = {
            let mut st = state.borrow_mut();
            let before = st.commands.len();
            let seq = match start(&mut st) {
                Ok(seq) => seq,
                Err(e) => return Self::failed(e),
            };
            st.generation += 1;
            let cancel = st.register_op(K::KIND, seq, site);
            let waiting_on = st.commands.issued_since(before, seq).and_then(super::builtin_queries::waiting_on);
            st.owners.set_waiting_on(K::KIND, seq, waiting_on);
            if cancel {
                cancel_op(&mut st, K::KIND, seq);
            }
            seq
        };
        Self { state: OpState::Pending { state, seq }, _kind: PhantomData }
    }

    /// A future over an operation that already exists (a started child's result).
    pub(crate) fn existing(state: SharedState, seq: u32) -> Self {
        Self { state: OpState::Pending { state, seq }, _kind: PhantomData }
    }

    /// A future that fails with `error` when polled.
    pub(crate) fn failed(error: WorkflowError) -> Self {
        Self { state: OpState::Failed(Some(error)), _kind: PhantomData }
    }

    /// Runs `f` on the pending operation's state, unless the state is busy (a borrow is
    /// already held: then nothing is done).
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut RunState, u32) -> R) -> Option<R> {
        match &self.state {
            OpState::Pending { state, seq } => state.try_borrow_mut().ok().map(|mut st| f(&mut st, *seq)),
            _ => None,
        }
    }

    /// The run and sequence number of the operation while it is pending.
    pub(crate) fn target(&self) -> Option<(SharedState, u32)> {
        match &self.state {
            OpState::Pending { state, seq } => Some((std::rc::Rc::clone(state), *seq)),
            _ => None,
        }
    }

    /// Requests cancellation of the operation (per its kind and options) if it still waits.
    pub(crate) fn cancel(&self) {
        self.with_state(|st, seq| {
            if K::is_open(st, seq) {
                cancel_op(st, K::KIND, seq);
            }
        });
    }
}

impl<K: Op> Future for OpFuture<K> {
    type Output = WorkflowResult<K::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = match &mut self.state {
            OpState::Failed(e) => e.take().unwrap_or_else(|| WorkflowError::task("SDK future polled after completion")),
            OpState::Done => return Poll::Ready(Err(WorkflowError::task("SDK future polled after completion"))),
            OpState::Pending { state, seq } => {
                let mut st = state.borrow_mut();
                let out = match K::take(&mut st, *seq, cx) {
                    Poll::Pending => return Poll::Pending,
                    // Forgotten: it was cancelled before anyone waited for it.
                    Poll::Ready(None) => return Poll::Ready(Err(cancelled_error(K::WHAT))),
                    Poll::Ready(Some(Ok(v))) => Ok(v),
                    Poll::Ready(Some(Err(f))) => Err(WorkflowError::Failure(f)),
                };
                K::done(&mut st, *seq);
                drop(st);
                self.state = OpState::Done;
                return Poll::Ready(out);
            }
        };
        self.state = OpState::Done;
        Poll::Ready(Err(out))
    }
}

impl<K: Op> FusedFuture for OpFuture<K> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, OpState::Done)
    }
}

impl<K: Op> Drop for OpFuture<K> {
    /// An operation nobody waits for any more is cancelled (per its kind and options); a run
    /// being dropped is not workflow code cancelling anything.
    fn drop(&mut self) {
        let OpState::Pending { state, seq } = &self.state else { return };
        let Ok(mut st) = state.try_borrow_mut() else { return };
        if st.tearing_down {
            return;
        }
        if K::CANCEL_ON_DROP && K::is_open(&st, *seq) {
            cancel_op(&mut st, K::KIND, *seq);
        }
        if K::CANCEL_ON_DROP || !K::is_open(&st, *seq) {
            K::done(&mut st, *seq);
        }
    }
}

/// A command with its type filled in from its attributes. (The protos crate has a `From` for
/// this that panics on several attribute kinds, so the SDK keeps its own total mapping.)
pub(crate) fn to_command(attributes: command::Attributes) -> Command {
    use command::Attributes as A;
    let command_type = match &attributes {
        A::ScheduleActivityTaskCommandAttributes(_) => CommandType::ScheduleActivityTask,
        A::StartTimerCommandAttributes(_) => CommandType::StartTimer,
        A::CompleteWorkflowExecutionCommandAttributes(_) => CommandType::CompleteWorkflowExecution,
        A::FailWorkflowExecutionCommandAttributes(_) => CommandType::FailWorkflowExecution,
        A::RequestCancelActivityTaskCommandAttributes(_) => CommandType::RequestCancelActivityTask,
        A::CancelTimerCommandAttributes(_) => CommandType::CancelTimer,
        A::CancelWorkflowExecutionCommandAttributes(_) => CommandType::CancelWorkflowExecution,
        A::RequestCancelExternalWorkflowExecutionCommandAttributes(_) => {
            CommandType::RequestCancelExternalWorkflowExecution
        }
        A::RecordMarkerCommandAttributes(_) => CommandType::RecordMarker,
        A::ContinueAsNewWorkflowExecutionCommandAttributes(_) => CommandType::ContinueAsNewWorkflowExecution,
        A::StartChildWorkflowExecutionCommandAttributes(_) => CommandType::StartChildWorkflowExecution,
        A::SignalExternalWorkflowExecutionCommandAttributes(_) => CommandType::SignalExternalWorkflowExecution,
        A::UpsertWorkflowSearchAttributesCommandAttributes(_) => CommandType::UpsertWorkflowSearchAttributes,
        A::ProtocolMessageCommandAttributes(_) => CommandType::ProtocolMessage,
        A::ModifyWorkflowPropertiesCommandAttributes(_) => CommandType::ModifyWorkflowProperties,
        A::ScheduleNexusOperationCommandAttributes(_) => CommandType::ScheduleNexusOperation,
        A::RequestCancelNexusOperationCommandAttributes(_) => CommandType::RequestCancelNexusOperation,
    };
    Command { command_type: command_type as i32, attributes: Some(attributes), ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_cancel_in_key_order_whether_few_or_many() {
        for count in [3u32, 40] {
            let mut owners = Owners::default();
            // Kinds interleaved, as a workflow registers them; cancellation goes by (kind, seq).
            for seq in (1..=count).rev() {
                owners.register(OpKind::Activity, seq, Some(7), false, Location::caller());
                owners.register(OpKind::Timer, seq, Some(7), seq == 2, Location::caller());
                owners.register(OpKind::Condition, seq, Some(8), false, Location::caller());
            }
            let mut want: Vec<OpKey> = (1..=count).filter(|s| *s != 2).map(|s| (OpKind::Timer, s)).collect();
            want.extend((1..=count).map(|s| (OpKind::Activity, s)));
            assert_eq!(owners.take_cancellable(7), want, "{count} operations");
            for seq in 1..=count {
                for kind in [OpKind::Activity, OpKind::Timer, OpKind::Condition] {
                    owners.finish(kind, seq);
                }
            }
            assert!(owners.is_empty());
            assert!(matches!(owners.ops, OwnerTable::Few(_)), "an emptied table is small again");
            assert!(owners.take_cancellable(9).is_empty());
            let next = owners.register(OpKind::Timer, 99, Some(9), false, Location::caller());
            assert!(next, "a cancellation waits for the next operation");
        }
    }
}
