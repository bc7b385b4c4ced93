//! The state a running workflow shares with the SDK futures it creates.
//!
//! Workflow code reaches its run through a thread-local that the executor sets while it polls
//! the run's futures, so `workflow::sleep(..)` needs no context argument (as in Python). The
//! state is single-threaded (`Rc<RefCell<..>>`): a run never leaves its workflow thread.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::task::Waker;
use std::time::SystemTime;

use futures::future::LocalBoxFuture;

use crate::error::{Failure, WorkflowResult};
use crate::protos::temporal::api::command::v1::{Command, command};
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::enums::v1::CommandType;
use crate::workflow::WorkflowInfo;

/// A value that history will fill in, and the task waiting for it.
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

/// Which task an operation belongs to, and whether a shield protects it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpOwner {
    pub(crate) task: Option<u64>,
    pub(crate) shielded: bool,
}

/// How an activity ended, as history tells it.
#[derive(Debug, Clone)]
pub(crate) enum ActivityOutcome {
    Completed(Option<Payload>),
    Failed(Failure),
}

/// A command emitted by workflow code, with what the runtime needs to match it later.
#[derive(Debug, Clone)]
pub(crate) struct EmittedCommand {
    pub(crate) command: Command,
    /// The sequence number of the timer, activity, ... it belongs to.
    pub(crate) seq: u32,
}

/// Sequence numbers per command kind: ids of timers and activities, stable across replays.
#[derive(Debug, Default)]
pub(crate) struct Sequences {
    pub(crate) timer: u32,
    pub(crate) activity: u32,
    pub(crate) condition: u32,
    pub(crate) child: u32,
    pub(crate) signal_external: u32,
    pub(crate) cancel_external: u32,
    pub(crate) local_activity: u32,
}

/// Everything mutable about one run that SDK futures touch.
pub(crate) struct RunState {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) cancel_requested: bool,
    pub(crate) seq: Sequences,
    pub(crate) commands: Vec<EmittedCommand>,
    pub(crate) timers: HashMap<u32, Slot<Result<(), Failure>>>,
    pub(crate) activities: HashMap<u32, Slot<ActivityOutcome>>,
    /// What cancelling an activity needs: its cancellation type, ids and scheduled event.
    pub(crate) activity_meta: HashMap<u32, crate::workflow::ActivityMeta>,
    /// Child workflows by sequence number.
    pub(crate) children: HashMap<u32, crate::workflow::ChildState>,
    /// Signals to other workflows, resolved when delivered or failed.
    pub(crate) signals_external: HashMap<u32, Slot<Result<(), Failure>>>,
    /// Cancellation requests to other workflows.
    pub(crate) cancels_external: HashMap<u32, Slot<Result<(), Failure>>>,
    /// Child cancellation requests whose child resolves when the request is delivered
    /// (`WaitCancellationRequested`): cancel-external seq -> child seq.
    pub(crate) child_cancel_requests: HashMap<u32, u32>,
    /// Protocol messages (update acceptances, rejections, responses) of this activation.
    pub(crate) messages: Vec<crate::protos::temporal::api::protocol::v1::Message>,
    /// Signal and update handlers still running.
    pub(crate) running_handlers: usize,
    /// Patch ids whose markers the task being replayed recorded.
    pub(crate) patches_seen: std::collections::HashSet<String>,
    /// What `patched(id)` answered, so it answers the same all run long.
    pub(crate) patches_memo: HashMap<String, bool>,
    /// Search attributes and memo as the workflow last saw or set them.
    pub(crate) search_attributes: HashMap<String, crate::protos::temporal::api::common::v1::Payload>,
    pub(crate) memo: HashMap<String, crate::protos::temporal::api::common::v1::Payload>,
    /// Local activities by sequence number, their type and id, requests not yet handed to
    /// the worker, and results recorded in history (replay).
    pub(crate) local_activities: HashMap<u32, Slot<crate::workflow::local_activity::LocalOutcome>>,
    /// When each local activity's first attempt was scheduled (kept across timer backoffs).
    pub(crate) local_activity_original: HashMap<u32, SystemTime>,
    pub(crate) local_activity_meta: HashMap<u32, (String, String)>,
    pub(crate) local_activity_requests: Vec<crate::workflow::LocalActivityRequest>,
    pub(crate) local_activity_markers: HashMap<u32, crate::workflow::LocalActivityResult>,
    /// The deterministic random generator's state (seeded from the first run id).
    pub(crate) rng: u64,
    /// Pending `wait_condition`s, resolved when cancelled.
    pub(crate) conditions: HashMap<u32, Slot<()>>,
    /// Pending operations and their owners, in a fixed order for deterministic cancellation.
    pub(crate) ops: BTreeMap<(OpKind, u32), OpOwner>,
    /// The task being polled now (`None` while jobs are applied).
    pub(crate) current_task: Option<u64>,
    /// The run method's task, the one a workflow cancellation request cancels.
    pub(crate) main_task: Option<u64>,
    /// Greater than zero while a `shield` is being polled.
    pub(crate) shield_depth: u32,
    /// Tasks whose cancellation found nothing to cancel yet: the next operation gets it.
    pub(crate) pending_cancel: BTreeSet<u64>,
    /// Bumped on every change that could make a `wait_condition` true.
    pub(crate) generation: u64,
    pub(crate) condition_wakers: Vec<Waker>,
    /// Tasks started by handlers during a poll; the executor adopts them afterwards.
    pub(crate) spawned: Vec<LocalBoxFuture<'static, ()>>,
    /// The run method's result, once it returned.
    pub(crate) result: Option<WorkflowResult<Payload>>,
    /// The first error a signal handler task returned; it ends the activation.
    pub(crate) handler_error: Option<crate::error::WorkflowError>,
    /// Set while the run itself is dropped (evicted, replay finished): futures dropped then
    /// are not being cancelled by workflow code, so they emit no command.
    pub(crate) tearing_down: bool,
}

impl RunState {
    pub(crate) fn new(info: WorkflowInfo, now: SystemTime) -> Self {
        Self {
            info,
            now,
            replaying: false,
            cancel_requested: false,
            seq: Sequences::default(),
            commands: Vec::new(),
            timers: HashMap::new(),
            activities: HashMap::new(),
            activity_meta: HashMap::new(),
            children: HashMap::new(),
            signals_external: HashMap::new(),
            cancels_external: HashMap::new(),
            child_cancel_requests: HashMap::new(),
            messages: Vec::new(),
            local_activities: HashMap::new(),
            local_activity_original: HashMap::new(),
            local_activity_meta: HashMap::new(),
            local_activity_requests: Vec::new(),
            local_activity_markers: HashMap::new(),
            search_attributes: HashMap::new(),
            memo: HashMap::new(),
            running_handlers: 0,
            patches_seen: Default::default(),
            patches_memo: HashMap::new(),
            rng: 0,
            conditions: HashMap::new(),
            ops: BTreeMap::new(),
            current_task: None,
            main_task: None,
            shield_depth: 0,
            pending_cancel: BTreeSet::new(),
            generation: 0,
            condition_wakers: Vec::new(),
            spawned: Vec::new(),
            result: None,
            handler_error: None,
            tearing_down: false,
        }
    }

    pub(crate) fn push_command(&mut self, attributes: command::Attributes, seq: u32) {
        self.generation += 1;
        self.commands.push(EmittedCommand { command: to_command(attributes), seq });
    }

    /// Records a new operation of the current task. Returns true when a cancellation of the
    /// task is pending and must be delivered to this operation right away.
    pub(crate) fn register_op(&mut self, kind: OpKind, seq: u32) -> bool {
        let owner = OpOwner { task: self.current_task, shielded: self.shield_depth > 0 };
        self.ops.insert((kind, seq), owner);
        !owner.shielded && owner.task.is_some_and(|t| self.pending_cancel.remove(&t))
    }

    pub(crate) fn finish_op(&mut self, kind: OpKind, seq: u32) {
        self.ops.remove(&(kind, seq));
    }

    /// The unshielded operations a task is waiting on; when there are none, the cancellation
    /// is kept for the task's next operation (a request is delivered once).
    pub(crate) fn take_cancellable_ops(&mut self, task: u64) -> Vec<(OpKind, u32)> {
        let ops: Vec<(OpKind, u32)> =
            self.ops.iter().filter(|(_, o)| o.task == Some(task) && !o.shielded).map(|(k, _)| *k).collect();
        if ops.is_empty() {
            self.pending_cancel.insert(task);
        }
        ops
    }

    /// Removes an emitted command that has not been sent yet; true if it was there.
    pub(crate) fn remove_unsent(&mut self, matches: impl Fn(&EmittedCommand) -> bool) -> bool {
        match self.commands.iter().position(matches) {
            Some(i) => {
                self.commands.remove(i);
                true
            }
            None => false,
        }
    }
}

pub(crate) type SharedState = Rc<RefCell<RunState>>;

thread_local! {
    static CURRENT: RefCell<Option<SharedState>> = const { RefCell::new(None) };
}

/// Makes `state` the current run for the guard's lifetime (nesting restores the outer one).
pub(crate) struct Enter {
    previous: Option<SharedState>,
}

impl Enter {
    pub(crate) fn new(state: &SharedState) -> Self {
        let previous = CURRENT.with(|c| c.replace(Some(Rc::clone(state))));
        Self { previous }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The current run's state, or `None` outside workflow code.
pub(crate) fn current() -> Option<SharedState> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The error SDK calls return when made outside workflow code.
pub(crate) fn outside_workflow(what: &str) -> crate::error::WorkflowError {
    crate::error::WorkflowError::task(format!(
        "`{what}` was called outside workflow code: it works only inside a #[workflow] run method or handler, on the worker's workflow thread"
    ))
}

/// Polls a slot of `map`: the value once resolved (removing the slot), `None` if the slot is
/// gone (its operation was cancelled and forgotten).
pub(crate) fn poll_slot<T>(
    map: &mut HashMap<u32, Slot<T>>,
    seq: u32,
    cx: &std::task::Context<'_>,
) -> std::task::Poll<Option<T>> {
    let Some(slot) = map.get_mut(&seq) else { return std::task::Poll::Ready(None) };
    match slot.value.take() {
        Some(v) => {
            map.remove(&seq);
            std::task::Poll::Ready(Some(v))
        }
        None => {
            slot.waker = Some(cx.waker().clone());
            std::task::Poll::Pending
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
