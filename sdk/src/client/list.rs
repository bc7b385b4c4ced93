//! Listing workflow executions with a visibility query, and fetching their histories, e.g. to
//! replay every past execution of a workflow type against changed code.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};

use super::{CallKind, Client, ClientError, WorkflowExecution};
use crate::history::WorkflowHistory;
use crate::protos::temporal::api::workflow::v1::WorkflowExecutionInfo;
use crate::protos::temporal::api::workflowservice::v1::{
    CountWorkflowExecutionsRequest, ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse,
};

/// Histories fetched at the same time by [`WorkflowExecutions::map_histories`]: enough to hide
/// the round trips, few enough not to load the server.
const HISTORY_FETCHES_IN_FLIGHT: usize = 4;

impl Client {
    /// The workflow executions that a [visibility query] matches, as a stream that fetches
    /// further pages as it is read. An empty query lists every execution of the namespace.
    ///
    /// Visibility is eventually consistent: an execution that just started or closed may be
    /// missing, or listed with its previous status, for a moment.
    ///
    /// ```no_run
    /// # use futures::TryStreamExt;
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// let failed: Vec<_> = client
    ///     .list_workflows("WorkflowType = 'SayHello' AND ExecutionStatus = 'Failed'")
    ///     .try_collect()
    ///     .await?;
    /// # let _ = failed; Ok(()) }
    /// ```
    ///
    /// [visibility query]: https://docs.temporal.io/list-filter
    pub fn list_workflows(&self, query: impl Into<String>) -> WorkflowExecutions {
        WorkflowExecutions {
            client: self.clone(),
            query: query.into(),
            page_size: 0,
            next_page: Some(Vec::new()),
            buffered: VecDeque::new(),
            in_flight: None,
        }
    }

    /// How many workflow executions a visibility query matches.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::ClientError> {
    /// let running = client.count_workflows("ExecutionStatus = 'Running'").await?;
    /// # let _ = running; Ok(()) }
    /// ```
    pub async fn count_workflows(&self, query: impl Into<String>) -> Result<u64, ClientError> {
        let req = CountWorkflowExecutionsRequest { namespace: self.namespace.clone(), query: query.into() };
        let resp = self.call(CallKind::Idempotent, req).await?;
        Ok(u64::try_from(resp.count).unwrap_or(0))
    }

    async fn list_page(
        self,
        query: String,
        page_size: i32,
        next_page_token: Vec<u8>,
    ) -> Result<ListWorkflowExecutionsResponse, ClientError> {
        let req =
            ListWorkflowExecutionsRequest { namespace: self.namespace.clone(), page_size, next_page_token, query };
        self.call(CallKind::Idempotent, req).await
    }
}

/// The stream of [`Client::list_workflows`]: each item is one execution, or the error that
/// ended the listing.
///
/// ```no_run
/// # use futures::StreamExt;
/// # async fn demo(client: temporal_sdk::Client) {
/// let first_ten: Vec<_> = client.list_workflows("").page_size(10).take(10).collect().await;
/// # let _ = first_ten; }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct WorkflowExecutions {
    client: Client,
    query: String,
    page_size: i32,
    /// The token of the page to fetch next; `None` once the last page was fetched.
    next_page: Option<Vec<u8>>,
    buffered: VecDeque<WorkflowExecutionInfo>,
    in_flight: Option<BoxFuture<'static, Result<ListWorkflowExecutionsResponse, ClientError>>>,
}

impl std::fmt::Debug for WorkflowExecutions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowExecutions").field("query", &self.query).field("page_size", &self.page_size).finish()
    }
}

impl WorkflowExecutions {
    /// Asks the server for pages of at most `size` executions (the server's default when 0).
    /// Takes effect from the next page fetched.
    ///
    /// ```no_run
    /// # fn demo(client: temporal_sdk::Client) {
    /// let executions = client.list_workflows("").page_size(100);
    /// # let _ = executions; }
    /// ```
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = i32::try_from(size).unwrap_or(i32::MAX);
        self
    }

    /// The history of each listed execution, fetched a few at a time, in listing order; ready
    /// for [`Replayer::replay_workflows`](crate::replay::Replayer::replay_workflows).
    ///
    /// ```no_run
    /// # use temporal_sdk::prelude::*;
    /// # #[derive(Default)] struct SayHello;
    /// # #[workflow] impl SayHello { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } }
    /// use temporal_sdk::replay::Replayer;
    ///
    /// # async fn demo(client: Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let histories = client.list_workflows("WorkflowType = 'SayHello'").map_histories();
    /// Replayer::new().workflow::<SayHello>().replay_workflows(histories).await?;
    /// # Ok(()) }
    /// ```
    pub fn map_histories(self) -> WorkflowHistories {
        let client = self.client.clone();
        let inner = self
            .map(move |listed| {
                let client = client.clone();
                async move {
                    let execution = listed.map_err(HistoryFetchError::List)?;
                    client
                        .get_untyped_workflow_handle(execution.workflow_id.clone(), Some(execution.run_id.clone()))
                        .fetch_history()
                        .await
                        .map_err(|source| HistoryFetchError::Fetch {
                            workflow_id: execution.workflow_id,
                            run_id: execution.run_id,
                            source,
                        })
                }
            })
            .buffered(HISTORY_FETCHES_IN_FLIGHT)
            .boxed();
        WorkflowHistories { inner }
    }
}

impl Stream for WorkflowExecutions {
    type Item = Result<WorkflowExecution, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(info) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(WorkflowExecution::from_proto(info))));
            }
            if let Some(page) = this.in_flight.as_mut() {
                let result = std::task::ready!(page.as_mut().poll(cx));
                this.in_flight = None;
                match result {
                    Ok(resp) => {
                        this.buffered.extend(resp.executions);
                        // Visibility may answer an empty page with a token; only an empty
                        // token ends the listing.
                        if !resp.next_page_token.is_empty() {
                            this.next_page = Some(resp.next_page_token);
                        }
                        continue;
                    }
                    Err(e) => {
                        this.next_page = None;
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            let Some(token) = this.next_page.take() else {
                return Poll::Ready(None);
            };
            let page = this.client.clone().list_page(this.query.clone(), this.page_size, token);
            this.in_flight = Some(Box::pin(page));
        }
    }
}

/// The stream of [`WorkflowExecutions::map_histories`]: each item is one execution's
/// history, or why it could not be fetched.
///
/// ```no_run
/// # use futures::TryStreamExt;
/// # async fn demo(client: temporal_sdk::Client) -> Result<(), temporal_sdk::client::HistoryFetchError> {
/// let histories: Vec<_> = client.list_workflows("WorkflowType = 'SayHello'").map_histories().try_collect().await?;
/// # let _ = histories; Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct WorkflowHistories {
    inner: BoxStream<'static, Result<WorkflowHistory, HistoryFetchError>>,
}

impl std::fmt::Debug for WorkflowHistories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkflowHistories").finish_non_exhaustive()
    }
}

impl Stream for WorkflowHistories {
    type Item = Result<WorkflowHistory, HistoryFetchError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Why [`WorkflowExecutions::map_histories`] could not produce a history.
///
/// ```no_run
/// # use futures::StreamExt;
/// use temporal_sdk::client::HistoryFetchError;
///
/// # async fn demo(client: temporal_sdk::Client) {
/// let mut histories = client.list_workflows("").map_histories();
/// while let Some(history) = histories.next().await {
///     match history {
///         Ok(history) => println!("{} events", history.history.events.len()),
///         Err(HistoryFetchError::Fetch { workflow_id, .. }) => eprintln!("skipping {workflow_id}"),
///         Err(e) => eprintln!("{e}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryFetchError {
    /// Listing the executions failed; the stream ends after this item.
    #[error("listing workflow executions failed: {0}")]
    List(#[source] ClientError),
    /// One execution's history could not be fetched.
    #[error("fetching the history of workflow {workflow_id:?} run {run_id} failed: {source}")]
    Fetch {
        /// The workflow id.
        workflow_id: String,
        /// The run id.
        run_id: String,
        /// The client's error.
        #[source]
        source: ClientError,
    },
}
