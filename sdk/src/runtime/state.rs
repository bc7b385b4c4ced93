//! The state of one run that SDK futures and the run machinery share: the run's facts and
//! clock, the table of each operation kind, the commands of the current activation, and what
//! the executor needs to attribute operations to tasks.

use std::collections::HashMap;
use std::panic::Location;
use std::task::Waker;
use std::time::SystemTime;

use futures::future::LocalBoxFuture;

use super::hooks::SharedHooks;
use super::info::WorkflowInfo;
use super::ops::activity::Activities;
use super::ops::child::Children;
use super::ops::condition::Conditions;
use super::ops::external::Externals;
use super::ops::local_activity::LocalActivities;
use super::ops::patch::Patches;
use super::ops::timer::Timers;
use super::ops::{Commands, OpKind, Owners};
use super::rng::Rng;
use super::tasks::Tasks;
use crate::error::{WorkflowError, WorkflowResult};
use crate::protos::temporal::api::command::v1::command;
use crate::protos::temporal::api::common::v1::Payload;
use crate::protos::temporal::api::protocol::v1::Message;

/// Everything mutable about one run that SDK futures touch.
pub(crate) struct RunState {
    pub(crate) info: WorkflowInfo,
    pub(crate) now: SystemTime,
    pub(crate) replaying: bool,
    pub(crate) cancel_requested: bool,
    pub(crate) commands: Commands,
    /// Protocol messages (update acceptances, rejections, responses) of this activation.
    pub(crate) messages: Vec<Message>,
    pub(crate) owners: Owners,
    pub(crate) timers: Timers,
    pub(crate) activities: Activities,
    pub(crate) children: Children,
    pub(crate) externals: Externals,
    pub(crate) conditions: Conditions,
    pub(crate) local_activities: LocalActivities,
    pub(crate) patches: Patches,
    /// What each live task runs (the run method, handlers, spawned tasks).
    pub(crate) tasks: Tasks,
    /// What the workflow says it is doing now (`workflow::set_current_details`), for the
    /// metadata query.
    pub(crate) current_details: String,
    /// Search attributes and memo as the workflow last saw or set them.
    pub(crate) search_attributes: HashMap<String, Payload>,
    pub(crate) memo: HashMap<String, Payload>,
    pub(crate) rng: Rng,
    /// The task being polled now (`None` while jobs are applied).
    pub(crate) current_task: Option<u64>,
    /// The run method's task, the one a workflow cancellation request cancels.
    pub(crate) main_task: Option<u64>,
    /// Greater than zero while a `shield` is being polled.
    pub(crate) shield_depth: u32,
    /// Bumped on every change that could make a `wait_condition` true.
    pub(crate) generation: u64,
    pub(crate) condition_wakers: Vec<Waker>,
    /// Tasks started during a poll (`workflow::spawn`, with where it was called); the executor
    /// adopts them after the poll and tells each its task id.
    pub(crate) spawned: Vec<Spawned>,
    /// The run method's result, once it returned.
    pub(crate) result: Option<WorkflowResult<Payload>>,
    /// The first error a signal handler task returned; it ends the activation.
    pub(crate) handler_error: Option<WorkflowError>,
    /// Set while the run itself is dropped (evicted, replay finished): futures dropped then
    /// are not being cancelled by workflow code, so they emit no command.
    pub(crate) tearing_down: bool,
    /// The worker's interceptors, if it has any.
    pub(crate) hooks: SharedHooks,
    /// The headers of the signal, query or update being handled (`None`: the run's own).
    pub(crate) inbound_headers: Option<std::rc::Rc<crate::headers::Headers>>,
}

impl RunState {
    pub(crate) fn new(info: WorkflowInfo) -> Self {
        Self {
            info,
            now: SystemTime::UNIX_EPOCH,
            replaying: false,
            cancel_requested: false,
            commands: Commands::default(),
            messages: Vec::new(),
            owners: Owners::default(),
            timers: Timers::default(),
            activities: Activities::default(),
            children: Children::default(),
            externals: Externals::default(),
            conditions: Conditions::default(),
            local_activities: LocalActivities::default(),
            patches: Patches::default(),
            tasks: Tasks::default(),
            current_details: String::new(),
            search_attributes: HashMap::new(),
            memo: HashMap::new(),
            rng: Rng::default(),
            current_task: None,
            main_task: None,
            shield_depth: 0,
            generation: 0,
            condition_wakers: Vec::new(),
            spawned: Vec::new(),
            result: None,
            handler_error: None,
            tearing_down: false,
            hooks: None,
            inbound_headers: None,
        }
    }

    /// Issues a command that belongs to no operation (properties, markers): workflow code ran,
    /// so conditions may hold now.
    pub(crate) fn push_command(&mut self, attributes: command::Attributes, seq: u32) {
        self.generation += 1;
        self.commands.push(attributes, seq);
    }

    /// Records a new operation of the current task. Returns true when a cancellation of the
    /// task is pending and must be delivered to this operation right away.
    pub(crate) fn register_op(&mut self, kind: OpKind, seq: u32, site: &'static Location<'static>) -> bool {
        self.owners.register(kind, seq, self.current_task, self.shield_depth > 0, site)
    }

    /// Whether the run waits on anything the SDK created (else a still-running run can only
    /// be waiting on something foreign, which never wakes deterministically).
    pub(crate) fn waits_on_sdk(&self) -> bool {
        !self.owners.is_empty()
            || !self.timers.is_empty()
            || !self.activities.is_empty()
            || !self.local_activities.is_empty()
            || !self.children.is_empty()
            || !self.conditions.is_empty()
            || !self.externals.is_empty()
            || !self.condition_wakers.is_empty()
            || self.tasks.running_handlers() > 0
    }
}

pub(crate) type SharedState = std::rc::Rc<std::cell::RefCell<RunState>>;

/// Receives the executor's id of a spawned task (to cancel what that task waits on).
pub(crate) type TaskIdSink = Box<dyn FnOnce(u64)>;

/// A task `workflow::spawn` started, waiting for the executor to adopt it.
pub(crate) struct Spawned {
    pub(crate) future: LocalBoxFuture<'static, ()>,
    pub(crate) sink: Option<TaskIdSink>,
    pub(crate) site: &'static Location<'static>,
}
