//! Replaying recorded histories against workflow code, to prove that a code change is
//! compatible with executions that already ran.
//!
//! ```no_run
//! # use temporal_sdk::prelude::*;
//! # #[derive(Default)] struct SayHello;
//! # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
//! use temporal_sdk::replay::{Replayer, WorkflowHistory};
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let json = std::fs::read_to_string("tests/histories/say_hello.json")?;
//! let history = WorkflowHistory::from_json("say-hello-1", &json)?;
//! let replayer = Replayer::new().workflow::<SayHello>();
//! replayer.replay_workflow(&history)?;
//! # Ok(()) }
//! ```
//!
//! Every past execution of a workflow type, listed through the client:
//!
//! ```no_run
//! # use temporal_sdk::prelude::*;
//! # #[derive(Default)] struct SayHello;
//! # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
//! use temporal_sdk::replay::Replayer;
//!
//! # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let histories = client.list_workflows("WorkflowType = 'SayHello'").map_histories();
//! let results = Replayer::new().workflow::<SayHello>().replay_workflows(histories).await?;
//! println!("{} executions replayed", results.len());
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;

use futures::{Stream, StreamExt};

use crate::client::HistoryFetchError;
use crate::converter::{CodecError, DataConverter};
pub use crate::history::WorkflowHistory;
use crate::interceptor::{Interceptor, Interceptors, WorkflowHooks};
use crate::runtime::registry::Registry;
use crate::runtime::run::{FailurePolicy, RunError};
use crate::runtime::task;
use crate::workflow::instance::Factory;
use crate::workflow::{Workflow, WorkflowInfo};

/// Why a replay did not succeed.
///
/// ```
/// # use temporal_sdk::replay::ReplayError;
/// fn explain(err: &ReplayError) -> &'static str {
///     match err {
///         ReplayError::Nondeterminism(_) => "the code changed incompatibly",
///         ReplayError::WorkflowTaskFailed(_) => "the code failed (panic or task error)",
///         _ => "the history or the replayer's setup is the problem",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The code produced different commands than history recorded.
    #[error("{0}")]
    Nondeterminism(String),
    /// The code failed the workflow task (a panic or a task error).
    #[error("workflow task failed during replay: {0}")]
    WorkflowTaskFailed(String),
    /// The history's workflow type is not registered with the replayer.
    #[error("workflow type {workflow_type:?} is not registered with the replayer; registered: {known:?}")]
    UnknownWorkflowType {
        /// The history's type.
        workflow_type: String,
        /// The registered types.
        known: Vec<String>,
    },
    /// The history cannot be replayed at all.
    #[error("invalid history: {0}")]
    InvalidHistory(String),
    /// The history could not be obtained (listing or fetching it failed, or its JSON was not
    /// readable).
    #[error("history not available: {0}")]
    HistoryUnavailable(String),
    /// The replayer's payload codecs could not decode the history's payloads.
    #[error("cannot decode the history's payloads: {0}")]
    Codec(#[from] CodecError),
}

/// Replays histories against registered workflow code.
///
/// ```
/// # use temporal_sdk::prelude::*;
/// # #[derive(Default)] struct SayHello;
/// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
/// use temporal_sdk::replay::Replayer;
///
/// let replayer = Replayer::new().workflow::<SayHello>().fail_fast(true);
/// # let _ = replayer;
/// ```
#[derive(Default)]
pub struct Replayer {
    workflows: Registry,
    fail_fast: bool,
    data_converter: DataConverter,
    interceptors: Vec<Arc<dyn Interceptor>>,
    /// The workflow hooks of the interceptors given, which see every replayed run.
    policy: FailurePolicy,
}

impl fmt::Debug for Replayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let types: Vec<&str> = self.workflows.names().into_iter().collect();
        f.debug_struct("Replayer")
            .field("workflows", &types)
            .field("fail_fast", &self.fail_fast)
            .field("data_converter", &self.data_converter)
            .finish()
    }
}

impl Replayer {
    /// A replayer with no workflows.
    ///
    /// ```
    /// # use temporal_sdk::replay::Replayer;
    /// let replayer = Replayer::new();
    /// # let _ = replayer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers workflow type `W`; its histories are recognised by `W`'s workflow type name.
    ///
    /// ```
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct SayHello;
    /// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    /// let replayer = temporal_sdk::replay::Replayer::new().workflow::<SayHello>();
    /// # let _ = replayer;
    /// ```
    pub fn workflow<W: Workflow>(mut self) -> Self {
        self.workflows.insert(Arc::new(Factory::<W>::new()));
        self
    }

    /// Whether [`replay_workflows`](Self::replay_workflows) stops at the first history that
    /// does not replay (`true`) or replays all of them and reports every failure (`false`,
    /// the default).
    ///
    /// ```
    /// # use temporal_sdk::replay::Replayer;
    /// let stop_at_first_failure = Replayer::new().fail_fast(true);
    /// # let _ = stop_at_first_failure;
    /// ```
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Sets the data converter whose codecs decode the histories' payloads (histories are
    /// stored as the workers' codecs wrote them): the one of the workers that ran them.
    ///
    /// ```
    /// # use temporal_sdk::replay::Replayer;
    /// # fn demo(client: &temporal_sdk::Client) {
    /// let replayer = Replayer::new().data_converter(client.data_converter().clone());
    /// # let _ = replayer; }
    /// ```
    pub fn data_converter(mut self, converter: DataConverter) -> Self {
        self.data_converter = converter;
        self
    }

    /// Adds an interceptor: its workflow hooks run as on a worker, told that everything is a
    /// replay (as Python's `Replayer(interceptors=...)`).
    ///
    /// ```
    /// use temporal_sdk::interceptor::Interceptor;
    /// use temporal_sdk::replay::Replayer;
    ///
    /// struct Audit;
    /// impl Interceptor for Audit {}
    ///
    /// let replayer = Replayer::new().interceptor(Audit);
    /// # let _ = replayer;
    /// ```
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        let interceptors: Interceptors = self.interceptors.clone().into();
        self.policy.hooks = Some(Arc::new(WorkflowHooks(interceptors)));
        self
    }

    /// Replays one history; `Ok` when the code produces exactly the recorded commands.
    ///
    /// With payload codecs (see [`data_converter`](Self::data_converter)), the history is
    /// decoded first on a thread of its own, since this call does not wait asynchronously;
    /// [`replay_workflows`](Self::replay_workflows) decodes on the caller's runtime.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct SayHello;
    /// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    /// use temporal_sdk::replay::{ReplayError, Replayer, WorkflowHistory};
    ///
    /// # fn demo(history: WorkflowHistory) {
    /// match Replayer::new().workflow::<SayHello>().replay_workflow(&history) {
    ///     Ok(()) => println!("compatible"),
    ///     Err(ReplayError::Nondeterminism(what)) => eprintln!("incompatible change: {what}"),
    ///     Err(other) => eprintln!("{other}"),
    /// }
    /// # }
    /// ```
    pub fn replay_workflow(&self, history: &WorkflowHistory) -> Result<(), ReplayError> {
        if self.data_converter.codecs().is_empty() {
            return self.replay_decoded(history);
        }
        let decoded = std::thread::scope(|scope| {
            let decoding = scope.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
                    CodecError::new(format!("cannot start a runtime to run the payload codecs on: {e}"))
                })?;
                runtime.block_on(self.decoded(history))
            });
            decoding.join().unwrap_or_else(|_| Err(CodecError::new("a payload codec panicked")))
        })?;
        self.replay_decoded(&decoded)
    }

    /// A copy of `history` with its payloads decoded by the codecs.
    async fn decoded(&self, history: &WorkflowHistory) -> Result<WorkflowHistory, CodecError> {
        let mut decoded = history.clone();
        self.data_converter.decode_message(&mut decoded.history).await?;
        Ok(decoded)
    }

    fn replay_decoded(&self, history: &WorkflowHistory) -> Result<(), ReplayError> {
        self.data_converter.encodings().scope(|| self.replay_with_encodings(history))
    }

    fn replay_with_encodings(&self, history: &WorkflowHistory) -> Result<(), ReplayError> {
        let workflow_type = history
            .workflow_type()
            .ok_or_else(|| ReplayError::InvalidHistory("the first event is not WorkflowExecutionStarted".into()))?;
        let info = WorkflowInfo {
            workflow_id: history.workflow_id.clone(),
            run_id: history.run_id().unwrap_or_default().to_string(),
            workflow_type: workflow_type.to_string(),
            ..WorkflowInfo::default()
        };
        let Ok(mut run) = task::new_run(&self.workflows, workflow_type, info, &self.policy) else {
            let known = self.workflows.names().into_iter().map(str::to_string).collect();
            return Err(ReplayError::UnknownWorkflowType { workflow_type: workflow_type.to_string(), known });
        };
        match task::replay(&mut run, &history.history.events) {
            Ok(()) => Ok(()),
            Err(e @ RunError::Nondeterminism(_)) => Err(ReplayError::Nondeterminism(e.to_string())),
            Err(e @ (RunError::Panic(_) | RunError::Task(_))) => Err(ReplayError::WorkflowTaskFailed(e.to_string())),
            Err(RunError::BadHistory(m)) => Err(ReplayError::InvalidHistory(m)),
            Err(e @ RunError::Gap { .. }) => Err(ReplayError::InvalidHistory(e.to_string())),
        }
    }

    /// Replays many histories, e.g. every past execution that a visibility query lists
    /// ([`WorkflowExecutions::map_histories`]), and says for each workflow id and run id what
    /// happened. `Ok` when all of them replayed; otherwise [`ReplayFailures`] with the same
    /// per-history results. An item of the stream that is an error (a history that could not
    /// be listed, fetched or read) counts as a failed history. With
    /// [`fail_fast`](Self::fail_fast) the replay stops at the first failure.
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct SayHello;
    /// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    /// use temporal_sdk::replay::{Replayer, WorkflowHistory};
    ///
    /// # async fn demo(histories: Vec<WorkflowHistory>) {
    /// // Histories from files: a stream of `Result`s that cannot fail.
    /// let stream = futures::stream::iter(histories.into_iter().map(Ok::<_, std::convert::Infallible>));
    /// match Replayer::new().workflow::<SayHello>().replay_workflows(stream).await {
    ///     Ok(all) => println!("{} histories replay cleanly", all.len()),
    ///     Err(failures) => {
    ///         for failed in failures.results.failures() {
    ///             eprintln!("{} {}: {:?}", failed.workflow_id, failed.run_id, failed.outcome);
    ///         }
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// [`WorkflowExecutions::map_histories`]: crate::client::WorkflowExecutions::map_histories
    pub async fn replay_workflows<S, E>(&self, histories: S) -> Result<ReplayResults, ReplayFailures>
    where
        S: Stream<Item = Result<WorkflowHistory, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut histories = std::pin::pin!(histories);
        let mut results = ReplayResults::default();
        while let Some(item) = histories.next().await {
            let result = match item {
                Ok(history) => ReplayResult {
                    workflow_id: history.workflow_id.clone(),
                    run_id: history.run_id().unwrap_or_default().to_string(),
                    workflow_type: history.workflow_type().unwrap_or_default().to_string(),
                    outcome: if self.data_converter.codecs().is_empty() {
                        self.replay_decoded(&history)
                    } else {
                        match self.decoded(&history).await {
                            Ok(decoded) => self.replay_decoded(&decoded),
                            Err(e) => Err(e.into()),
                        }
                    },
                },
                Err(error) => unavailable(error.into()),
            };
            let failed = result.outcome.is_err();
            results.results.push(result);
            if failed && self.fail_fast {
                results.stopped_early = true;
                break;
            }
        }
        if results.failed() == 0 { Ok(results) } else { Err(ReplayFailures { results }) }
    }
}

/// A history that could not be obtained, with the execution it belongs to when known.
fn unavailable(error: Box<dyn std::error::Error + Send + Sync>) -> ReplayResult {
    let (workflow_id, run_id) = match error.downcast_ref::<HistoryFetchError>() {
        Some(HistoryFetchError::Fetch { workflow_id, run_id, .. }) => (workflow_id.clone(), run_id.clone()),
        _ => (String::new(), String::new()),
    };
    ReplayResult {
        workflow_id,
        run_id,
        workflow_type: String::new(),
        outcome: Err(ReplayError::HistoryUnavailable(error.to_string())),
    }
}

/// What happened to one history in [`Replayer::replay_workflows`].
///
/// ```
/// # use temporal_sdk::replay::ReplayResult;
/// fn line(r: &ReplayResult) -> String {
///     match &r.outcome {
///         Ok(()) => format!("{} {}: ok", r.workflow_id, r.run_id),
///         Err(e) => format!("{} {}: {e}", r.workflow_id, r.run_id),
///     }
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ReplayResult {
    /// The workflow id (empty when a history could not be obtained and its id is unknown).
    pub workflow_id: String,
    /// The run id, from the history's first event.
    pub run_id: String,
    /// The workflow type, from the history's first event.
    pub workflow_type: String,
    /// `Ok` when the history replayed.
    pub outcome: Result<(), ReplayError>,
}

/// The per-history results of [`Replayer::replay_workflows`], in the order of the histories.
///
/// ```
/// # use temporal_sdk::replay::ReplayResults;
/// fn summary(results: &ReplayResults) -> String {
///     format!("{} replayed, {} failed", results.len(), results.failed())
/// }
/// ```
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReplayResults {
    /// One entry per history replayed (or that could not be obtained).
    pub results: Vec<ReplayResult>,
    /// Whether the replay stopped at a failure before the end of the histories (fail fast).
    pub stopped_early: bool,
}

impl ReplayResults {
    /// How many histories were handled.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether there were no histories at all.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// How many did not replay.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_err()).count()
    }

    /// The ones that did not replay.
    pub fn failures(&self) -> impl Iterator<Item = &ReplayResult> {
        self.results.iter().filter(|r| r.outcome.is_err())
    }

    /// The result for a run id, if that run was replayed.
    pub fn get(&self, run_id: &str) -> Option<&ReplayResult> {
        self.results.iter().find(|r| r.run_id == run_id)
    }
}

/// The error of [`Replayer::replay_workflows`]: at least one history did not replay. Its
/// message lists every failure with its workflow id and run id.
///
/// ```
/// # use temporal_sdk::replay::ReplayFailures;
/// fn report(failures: &ReplayFailures) {
///     eprintln!("{failures}");
///     assert!(failures.results.failed() > 0);
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ReplayFailures {
    /// All results, the successful ones included.
    pub results: ReplayResults,
}

impl fmt::Display for ReplayFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let results = &self.results;
        write!(f, "{} of {} workflow histories did not replay", results.failed(), results.len())?;
        if results.stopped_early {
            f.write_str(" (stopped at the first failure)")?;
        }
        for failure in results.failures() {
            let id = if failure.workflow_id.is_empty() { "?" } else { &failure.workflow_id };
            let run = if failure.run_id.is_empty() { "?" } else { &failure.run_id };
            if let Err(e) = &failure.outcome {
                write!(f, "\n  workflow {id} run {run}: {e}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ReplayFailures {}
