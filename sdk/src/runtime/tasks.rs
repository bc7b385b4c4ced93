//! What each task of a run is for: the run method, a signal or update handler, or a task that
//! workflow code spawned. The stack-trace query names tasks by it, and the run warns when the
//! workflow finishes while handlers it would interrupt are still running (TMPRL1102).

use std::collections::BTreeMap;
use std::panic::Location;

/// What happens to a signal or update handler still running when the workflow finishes
/// (Python's `HandlerUnfinishedPolicy`). Either way the handler is abandoned; the policy only
/// decides whether a warning says so.
///
/// Set it per handler on the attribute: `#[signal(unfinished_policy = "abandon")]`,
/// `#[update(unfinished_policy = "abandon")]`.
///
/// ```
/// # use std::time::Duration;
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct Cart;
/// #[workflow]
/// impl Cart {
///     #[run]
///     async fn run(&self) -> WorkflowResult<()> {
///         workflow::sleep(Duration::from_secs(60)).await
///     }
///
///     /// Best effort: interrupting it when the cart closes is fine.
///     #[signal(unfinished_policy = "abandon")]
///     async fn refresh_prices(&self) -> WorkflowResult<()> {
///         workflow::sleep(Duration::from_secs(3600)).await
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum HandlerUnfinishedPolicy {
    /// Log a warning that lists the interrupted handlers (the default).
    #[default]
    WarnAndAbandon,
    /// Interrupt the handler without a warning.
    Abandon,
}

/// Signal or update: the handlers a finishing workflow can interrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandlerKind {
    Signal,
    Update,
}

/// A signal or update handler running as its own task.
#[derive(Debug, Clone)]
pub(crate) struct RunningHandler {
    pub(crate) kind: HandlerKind,
    /// The name it was called with (for a dynamic handler, the signal's or update's name).
    pub(crate) name: String,
    /// The update id; signals have none.
    pub(crate) update_id: Option<String>,
    pub(crate) policy: HandlerUnfinishedPolicy,
}

/// What a task of the executor runs.
#[derive(Debug, Clone)]
pub(crate) enum TaskRole {
    Run,
    Handler(RunningHandler),
    /// `workflow::spawn`, called at this place.
    Spawned(&'static Location<'static>),
}

impl TaskRole {
    /// How the stack trace names the task.
    pub(crate) fn describe(&self, workflow_type: &str) -> String {
        match self {
            TaskRole::Run => format!("the run method of workflow {workflow_type}"),
            TaskRole::Handler(h) => match (&h.kind, &h.update_id) {
                (HandlerKind::Update, Some(id)) => format!("update handler {:?} (update id {id:?})", h.name),
                (HandlerKind::Update, None) => format!("update handler {:?}", h.name),
                (HandlerKind::Signal, _) => format!("signal handler {:?}", h.name),
            },
            TaskRole::Spawned(at) => format!("the task spawned at {at}"),
        }
    }
}

/// The role of every live task, by executor task id.
#[derive(Debug, Default)]
pub(crate) struct Tasks {
    roles: BTreeMap<u64, TaskRole>,
    handlers: usize,
}

impl Tasks {
    pub(crate) fn started(&mut self, task: u64, role: TaskRole) {
        self.handlers += usize::from(matches!(role, TaskRole::Handler(_)));
        if let Some(TaskRole::Handler(_)) = self.roles.insert(task, role) {
            self.handlers -= 1;
        }
    }

    pub(crate) fn finished(&mut self, task: u64) {
        if let Some(TaskRole::Handler(_)) = self.roles.remove(&task) {
            self.handlers -= 1;
        }
    }

    pub(crate) fn role(&self, task: u64) -> Option<&TaskRole> {
        self.roles.get(&task)
    }

    /// Every live task with its role, in task order.
    pub(crate) fn roles(&self) -> impl Iterator<Item = (u64, &TaskRole)> {
        self.roles.iter().map(|(id, role)| (*id, role))
    }

    /// Signal and update handlers still running.
    pub(crate) fn running_handlers(&self) -> usize {
        self.handlers
    }

    fn unfinished(&self, kind: HandlerKind) -> impl Iterator<Item = &RunningHandler> {
        self.roles.values().filter_map(move |role| match role {
            TaskRole::Handler(h) if h.kind == kind && h.policy == HandlerUnfinishedPolicy::WarnAndAbandon => Some(h),
            _ => None,
        })
    }

    /// The TMPRL1102 warnings for a workflow finishing now: one for the updates and one for the
    /// signals still running whose policy asks for a warning (none when there are none).
    pub(crate) fn unfinished_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let updates: Vec<String> = self
            .unfinished(HandlerKind::Update)
            .map(|h| {
                format!("{{\"name\": {}, \"id\": {}}}", quoted(&h.name), quoted(h.update_id.as_deref().unwrap_or("")))
            })
            .collect();
        if !updates.is_empty() {
            warnings.push(format!(
                "[TMPRL1102] Workflow finished while update handlers are still running. The work those handlers were \
                 doing may have been cut short, and the clients that sent the updates get a 'workflow execution already \
                 completed' error instead of the update result. To let every signal and update handler finish first, \
                 await `workflow::wait_condition(workflow::all_handlers_finished)` before returning. If you and the \
                 clients sending the update accept that running handlers are interrupted when the workflow finishes \
                 (and that clients receive errors), turn this warning off on the handler: \
                 `#[update(unfinished_policy = \"abandon\")]`. Unfinished updates (whose handlers did not turn the \
                 warning off): {}",
                list(&updates)
            ));
        }
        // Signals have no id: each name once, with how many of its handlers are running, most first.
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for h in self.unfinished(HandlerKind::Signal) {
            match counts.iter_mut().find(|(name, _)| *name == h.name) {
                Some((_, n)) => *n += 1,
                None => counts.push((&h.name, 1)),
            }
        }
        counts.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
        if !counts.is_empty() {
            let signals: Vec<String> =
                counts.iter().map(|(name, n)| format!("{{\"name\": {}, \"count\": {n}}}", quoted(name))).collect();
            warnings.push(format!(
                "[TMPRL1102] Workflow finished while signal handlers are still running. The work those handlers were \
                 doing may have been cut short. To let every signal and update handler finish first, await \
                 `workflow::wait_condition(workflow::all_handlers_finished)` before returning. If you and the clients \
                 sending the signal accept that running handlers are interrupted when the workflow finishes, turn \
                 this warning off on the handler: `#[signal(unfinished_policy = \"abandon\")]`. Unfinished signals \
                 (whose handlers did not turn the warning off): {}",
                list(&signals)
            ));
        }
        warnings
    }
}

/// A JSON string.
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A JSON list, spaced as Python's `json.dumps` writes it, which the Python SDK's warning shows.
fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(kind: HandlerKind, name: &str, id: Option<&str>, policy: HandlerUnfinishedPolicy) -> TaskRole {
        TaskRole::Handler(RunningHandler { kind, name: name.into(), update_id: id.map(Into::into), policy })
    }

    #[test]
    fn warns_about_unfinished_handlers_unless_abandoned() {
        use HandlerKind::*;
        use HandlerUnfinishedPolicy::*;
        let mut tasks = Tasks::default();
        tasks.started(0, TaskRole::Run);
        assert!(tasks.unfinished_warnings().is_empty());
        tasks.started(1, handler(Signal, "a", None, WarnAndAbandon));
        tasks.started(2, handler(Signal, "b", None, WarnAndAbandon));
        tasks.started(3, handler(Signal, "b", None, WarnAndAbandon));
        tasks.started(4, handler(Signal, "quiet", None, Abandon));
        tasks.started(5, handler(Update, "set", Some("u-1"), WarnAndAbandon));
        tasks.started(6, handler(Update, "quiet", Some("u-2"), Abandon));
        assert_eq!(tasks.running_handlers(), 6);
        let warnings = tasks.unfinished_warnings();
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].starts_with("[TMPRL1102] Workflow finished while update handlers are still running"));
        assert!(warnings[0].ends_with(r#"[{"name": "set", "id": "u-1"}]"#), "{}", warnings[0]);
        assert!(warnings[1].ends_with(r#"[{"name": "b", "count": 2}, {"name": "a", "count": 1}]"#), "{}", warnings[1]);

        for task in 1..=6 {
            tasks.finished(task);
        }
        assert_eq!(tasks.running_handlers(), 0);
        assert!(tasks.unfinished_warnings().is_empty());
    }
}
