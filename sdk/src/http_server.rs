//! The little HTTP/1.1 server behind the codec server and the Prometheus scrape endpoint: an
//! accept loop on hyper, one task per connection, a handler per request.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// Serves `listener`'s connections with `handler` until the future is dropped.
pub(crate) async fn serve<H, Fut>(listener: TcpListener, handler: H)
where
    H: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    let handler = Arc::new(handler);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(error = %e, "HTTP endpoint: accepting a connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let response = handler(request);
                async move { Ok::<_, std::convert::Infallible>(response.await) }
            });
            if let Err(e) =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await
            {
                tracing::debug!(error = %e, "HTTP endpoint: connection ended with an error");
            }
        });
    }
}

/// Binds `address` and serves it in the background.
pub(crate) async fn spawn<H, Fut>(address: SocketAddr, handler: H) -> std::io::Result<RunningServer>
where
    H: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    let listener = TcpListener::bind(address).await?;
    let local_addr = listener.local_addr()?;
    Ok(RunningServer { local_addr, task: tokio::spawn(serve(listener, handler)) })
}

/// A response with a body and content type.
pub(crate) fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, message: &str) -> HttpResponse {
    respond(status, "text/plain; charset=utf-8", message.to_string())
}

/// A server serving in the background; dropping it stops it.
#[derive(Debug)]
pub(crate) struct RunningServer {
    pub(crate) local_addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Waits until the server stops (never, unless its task panicked).
    #[cfg_attr(not(feature = "codec-server"), allow(dead_code))]
    pub(crate) async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
