//! The HTTP/2 connection the client's own calls take.
//!
//! A unary call is sent from the calling task straight onto the connection and its answer is
//! read there too. tonic's channel hands each request to a buffer task, which hands it to
//! hyper's connection task, which spawns a task to send the body and another to await the
//! answer; on a lightly loaded worker each of those hand-offs can wake a parked thread, and
//! waking threads is where most of a worker's CPU went (issue 15). Here only the connection
//! task, which reads and writes the socket, runs apart from the caller.
//!
//! The connection is opened at connect, replaced when the server closes it or sends GOAWAY
//! (a server rotating its connections), and pinged while open when keep-alive is set. A
//! request the server never saw (refused, or above the last stream a GOAWAY accepted) is sent
//! again on a new connection, whatever the call.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::future::{Either, select};
use h2::client::SendRequest;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use prost::bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tonic::{Code, Status};

use super::KeepAliveOptions;
use super::proxy::{ProxyConnector, ProxyError};

/// Largest answer accepted: a page of a long history is big.
pub(crate) const MAX_MESSAGE_SIZE: usize = 128 * 1024 * 1024;

/// Streams reset by this side that are remembered (see the h2 builder in `handshake`).
const MAX_RESET_STREAMS: usize = 10_000;

/// A server's CANCEL this close to the call's deadline is the server enforcing that deadline.
const DEADLINE_SLACK: Duration = Duration::from_millis(250);

/// How often a request the server never saw is sent again on a new connection before the
/// failure is the caller's to retry.
const RESENDS: u32 = 3;

/// What went wrong with the connection itself (as opposed to a gRPC status the server sent).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransportError {
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: std::io::Error },
    #[error("{0}")]
    Proxy(#[source] ProxyError),
    #[error("TLS handshake with {target} failed: {source}")]
    Tls { target: String, source: std::io::Error },
    #[error("connecting to {target} took longer than {timeout:?}")]
    ConnectTimeout { target: String, timeout: Duration },
    /// The peer did not speak HTTP/2: a TLS port reached without TLS closes on the preface.
    #[error("the connection closed without an HTTP/2 answer from {target}")]
    NoHttp2 { target: String, source: Option<h2::Error> },
    #[error("HTTP/2 error: {0}")]
    Http2(#[source] h2::Error),
    /// A connection attempt's failure, told to every call that waited for that attempt.
    #[error(transparent)]
    Shared(Arc<TransportError>),
}

/// Opens connections to one server.
pub(crate) struct Connector {
    target: String,
    scheme: Scheme,
    authority: Authority,
    /// `host:port` to dial (or to tunnel to).
    address: String,
    connect_timeout: Duration,
    keep_alive: Option<KeepAliveOptions>,
    proxy: Option<ProxyConnector>,
    #[cfg(feature = "tls")]
    tls: Option<(tokio_rustls::TlsConnector, tokio_rustls::rustls::pki_types::ServerName<'static>)>,
}

/// What the connector needs to know; `tls` is built by [`tls_config`].
pub(crate) struct ConnectorOptions {
    pub(crate) url: Uri,
    pub(crate) target: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) keep_alive: Option<KeepAliveOptions>,
    pub(crate) proxy: Option<ProxyConnector>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<(tokio_rustls::TlsConnector, tokio_rustls::rustls::pki_types::ServerName<'static>)>,
}

impl Connector {
    pub(crate) fn new(options: ConnectorOptions) -> Result<Self, String> {
        let parts = options.url.into_parts();
        let scheme = parts.scheme.unwrap_or(Scheme::HTTP);
        let authority = parts.authority.ok_or_else(|| format!("target {:?} has no host", options.target))?;
        let default_port = if scheme == Scheme::HTTPS { 443 } else { 80 };
        let address = format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(default_port));
        Ok(Connector {
            target: options.target,
            scheme,
            authority,
            address,
            connect_timeout: options.connect_timeout,
            keep_alive: options.keep_alive,
            proxy: options.proxy,
            #[cfg(feature = "tls")]
            tls: options.tls,
        })
    }

    /// A new connection, checked to speak HTTP/2 by a ping's answer, with its task spawned.
    async fn open(&self, generation: u64) -> Result<Live, TransportError> {
        let timeout = self.connect_timeout;
        let opened = tokio::time::timeout(timeout, self.handshake());
        let (send, conn) =
            opened.await.map_err(|_| TransportError::ConnectTimeout { target: self.target.clone(), timeout })??;
        let closed = Arc::new(AtomicBool::new(false));
        tokio::spawn(drive(conn, self.keep_alive, Arc::clone(&closed)));
        Ok(Live { send, closed, generation })
    }

    async fn handshake(&self) -> Result<(SendRequest<Bytes>, Connection), TransportError> {
        let io = self.dial().await?;
        let no_http2 = |source| TransportError::NoHttp2 { target: self.target.clone(), source };
        // hyper's client defaults (what tonic's channel used): the 64 KiB windows of HTTP/2's
        // own defaults would stall a page of history on window updates.
        let (send, mut conn) = h2::client::Builder::new()
            .initial_window_size(2 * 1024 * 1024)
            .initial_connection_window_size(5 * 1024 * 1024)
            .max_send_buffer_size(1024 * 1024)
            // A storm of calls past their deadline resets many streams at once, and the server's
            // frames already on the way for them must be recognised as late, not counted as its
            // protocol errors: h2's defaults (50 streams for 1 s) end the whole connection with
            // "too_many_internal_resets" after 1,024 of those.
            .max_concurrent_reset_streams(MAX_RESET_STREAMS)
            .reset_stream_duration(Duration::from_secs(10))
            .handshake::<_, Bytes>(io)
            .await
            .map_err(|e| no_http2(Some(e)))?;
        let mut pings = conn.ping_pong().ok_or_else(|| no_http2(None))?;
        // The handshake only wrote our preface; the server's answer to a ping proves it speaks
        // HTTP/2, so a wrong port or a missing TLS fails here, as a connection error.
        match select(&mut conn, Box::pin(pings.ping(h2::Ping::opaque()))).await {
            Either::Left((ended, _)) => return Err(no_http2(ended.err())),
            Either::Right((Err(e), _)) => return Err(no_http2(Some(e))),
            Either::Right((Ok(_), _)) => {}
        }
        Ok((send, Connection { conn, pings }))
    }

    async fn dial(&self) -> Result<Box<dyn Io>, TransportError> {
        let tcp: Box<dyn Io> = match &self.proxy {
            Some(proxy) => {
                let uri = Uri::builder()
                    .scheme(self.scheme.clone())
                    .authority(self.authority.clone())
                    .path_and_query("/")
                    .build()
                    .map_err(|e| TransportError::Connect {
                        target: self.target.clone(),
                        source: std::io::Error::other(e),
                    })?;
                Box::new(proxy.clone().tunnel(uri).await.map_err(TransportError::Proxy)?)
            }
            None => {
                let tcp = TcpStream::connect(&self.address)
                    .await
                    .map_err(|source| TransportError::Connect { target: self.target.clone(), source })?;
                // gRPC's frames are small and should not wait for more.
                let _ = tcp.set_nodelay(true);
                Box::new(tcp)
            }
        };
        #[cfg(feature = "tls")]
        if let Some((connector, name)) = &self.tls {
            let tls = connector
                .connect(name.clone(), tcp)
                .await
                .map_err(|source| TransportError::Tls { target: self.target.clone(), source })?;
            if tls.get_ref().1.alpn_protocol() != Some(b"h2".as_slice()) {
                let source = std::io::Error::other("the server did not agree to HTTP/2 (ALPN h2)");
                return Err(TransportError::Tls { target: self.target.clone(), source });
            }
            return Ok(Box::new(tls));
        }
        Ok(tcp)
    }
}

/// The byte stream under HTTP/2: TCP, a proxy's tunnel, either inside TLS.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

struct Connection {
    conn: h2::client::Connection<Box<dyn Io>, Bytes>,
    pings: h2::PingPong,
}

/// Runs a connection until it ends, pinging it when keep-alive is set; a ping unanswered in
/// time ends it. Then it is marked closed, so the next call opens another.
async fn drive(connection: Connection, keep_alive: Option<KeepAliveOptions>, closed: Arc<AtomicBool>) {
    let Connection { mut conn, mut pings } = connection;
    match keep_alive {
        None => {
            let _ = (&mut conn).await;
        }
        Some(keep_alive) => loop {
            let idle = tokio::time::sleep(keep_alive.interval);
            if let Either::Left(_) = select(&mut conn, Box::pin(idle)).await {
                break;
            }
            let answered = tokio::time::timeout(keep_alive.timeout, pings.ping(h2::Ping::opaque()));
            match select(&mut conn, Box::pin(answered)).await {
                Either::Right((Ok(Ok(_)), _)) => {}
                Either::Left(_) => break,
                Either::Right((failed, _)) => {
                    tracing::warn!(?failed, "the server did not answer a keep-alive ping in time; reconnecting");
                    break;
                }
            }
        },
    }
    closed.store(true, Ordering::Release);
}

/// An open connection.
#[derive(Clone)]
struct Live {
    send: SendRequest<Bytes>,
    closed: Arc<AtomicBool>,
    generation: u64,
}

/// The client's connection, replaced when it closes.
pub(crate) struct Transport {
    connector: Connector,
    live: std::sync::Mutex<Option<Live>>,
    /// One reconnection at a time: the calls that find the connection gone wait for it. It
    /// guards the last attempt's failure (and when it ended), which the calls that waited for
    /// that attempt get too, instead of each trying again in turn.
    connecting: tokio::sync::Mutex<Option<(tokio::time::Instant, Arc<TransportError>)>>,
    generations: AtomicU64,
}

/// How an attempt failed.
enum Failed {
    /// The server never saw the request: it may go again on a new connection.
    NotSent(TransportError),
    Status(Status),
}

impl Transport {
    /// A transport that connects on its first call.
    pub(crate) fn lazy(connector: Connector) -> Self {
        Transport {
            connector,
            live: std::sync::Mutex::new(None),
            connecting: tokio::sync::Mutex::new(None),
            generations: AtomicU64::new(0),
        }
    }

    /// A transport with its connection open.
    pub(crate) async fn connect(connector: Connector) -> Result<Self, TransportError> {
        let transport = Transport::lazy(connector);
        transport.reconnect(None).await?;
        Ok(transport)
    }

    fn current(&self) -> Option<Live> {
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.as_ref().filter(|l| !l.closed.load(Ordering::Acquire)).cloned()
    }

    /// A new connection, unless another call already replaced `broken` (or the closed one).
    async fn reconnect(&self, broken: Option<u64>) -> Result<Live, TransportError> {
        let asked = tokio::time::Instant::now();
        let mut last_failure = self.connecting.lock().await;
        if let Some(live) = self.current().filter(|l| Some(l.generation) != broken) {
            return Ok(live);
        }
        if let Some((ended, failure)) = &*last_failure
            && *ended >= asked
        {
            return Err(TransportError::Shared(Arc::clone(failure)));
        }
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        match self.connector.open(generation).await {
            Ok(live) => {
                *last_failure = None;
                *self.live.lock().unwrap_or_else(|e| e.into_inner()) = Some(live.clone());
                Ok(live)
            }
            Err(failure) => {
                let failure = Arc::new(failure);
                *last_failure = Some((tokio::time::Instant::now(), Arc::clone(&failure)));
                Err(TransportError::Shared(failure))
            }
        }
    }

    /// Sends one unary call: `message` is the encoded request (framed by [`frame`]), the
    /// answer is the encoded response. `timeout` bounds the whole call, reconnecting included,
    /// and each attempt sends the server what is left of it as its deadline. `headers` makes an
    /// attempt's headers: usually called once, since a request is sent again only when the
    /// server never saw it.
    pub(crate) async fn unary(
        &self,
        path: &'static str,
        headers: impl Fn() -> HeaderMap,
        message: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, Status> {
        let deadline = tokio::time::Instant::now() + timeout;
        let call = async {
            let mut resends = 0;
            let mut broken = None;
            loop {
                let live = match (broken, self.current()) {
                    (None, Some(live)) => live,
                    _ => self.reconnect(broken).await.map_err(|e| unavailable(e, "cannot connect"))?,
                };
                let mut headers = headers();
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                headers.insert("grpc-timeout", grpc_timeout(left));
                match self.attempt(&live, path, headers, message.clone(), deadline).await {
                    Ok(answer) => return Ok(answer),
                    Err(Failed::Status(status)) => return Err(status),
                    Err(Failed::NotSent(e)) if resends < RESENDS => {
                        tracing::debug!(error = %e, "the server did not take the request; sending it on a new connection");
                        live.closed.store(true, Ordering::Release);
                        broken = Some(live.generation);
                        resends += 1;
                    }
                    Err(Failed::NotSent(e)) => return Err(unavailable(e, "the connection was closed")),
                }
            }
        };
        match tokio::time::timeout(timeout, call).await {
            Ok(result) => result,
            // As tonic says it: CANCELLED "Timeout expired", with the cause a retry looks for.
            Err(_) => Err(Status::from_error(Box::new(tonic::TimeoutExpired(())))),
        }
    }

    async fn attempt(
        &self,
        live: &Live,
        path: &'static str,
        headers: HeaderMap,
        message: Bytes,
        deadline: tokio::time::Instant,
    ) -> Result<Bytes, Failed> {
        let uri = Uri::from_parts({
            let mut parts = http::uri::Parts::default();
            parts.scheme = Some(self.connector.scheme.clone());
            parts.authority = Some(self.connector.authority.clone());
            parts.path_and_query = Some(PathAndQuery::from_static(path));
            parts
        })
        .map_err(|e| Failed::Status(Status::internal(format!("request path {path}: {e}"))))?;
        let mut request = Request::new(());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;

        let not_sent = |e: h2::Error| Failed::NotSent(TransportError::Http2(e));
        let mut send = live.send.clone().ready().await.map_err(not_sent)?;
        let (answer, mut body) = send.send_request(request, false).map_err(not_sent)?;
        let broke = |e, sending| failed(e, sending, tokio::time::Instant::now() + DEADLINE_SLACK >= deadline);
        body.send_data(message, true).map_err(|e| broke(e, true))?;
        let answer = answer.await.map_err(|e| broke(e, false))?;
        let (head, mut body) = answer.into_parts();
        // A trailers-only answer: an error, with no body.
        if let Some(status) = Status::from_header_map(&head.headers) {
            if status.code() != Code::Ok {
                return Err(Failed::Status(status));
            }
        } else if head.status != http::StatusCode::OK {
            return Err(Failed::Status(http_status(head.status)));
        }
        let mut received = Received::default();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.map_err(|e| broke(e, false))?;
            let _ = body.flow_control().release_capacity(chunk.len());
            received.push(chunk).map_err(Failed::Status)?;
        }
        let trailers = body.trailers().await.map_err(|e| broke(e, false))?;
        match trailers.as_ref().and_then(Status::from_header_map) {
            Some(status) if status.code() == Code::Ok => {}
            Some(status) => return Err(Failed::Status(status)),
            None => return Err(Failed::Status(Status::internal("the server's answer ended without a gRPC status"))),
        }
        let compressed = head.headers.get("grpc-encoding").map(HeaderValue::as_bytes);
        received.message(compressed).map_err(Failed::Status)
    }
}

/// A failure of an HTTP/2 stream: requests above the last one a GOAWAY accepted, and streams
/// the server refused, never reached it. `at_deadline`: the call's deadline is (about) reached.
fn failed(e: h2::Error, sending: bool, at_deadline: bool) -> Failed {
    let unseen = e.reason() == Some(h2::Reason::REFUSED_STREAM) || (e.is_go_away() && e.is_remote());
    if unseen {
        return Failed::NotSent(TransportError::Http2(e));
    }
    // gRPC's mapping of HTTP/2 errors (PROTOCOL-HTTP2.md, "Errors").
    let code = match e.reason() {
        // A server cancels the calls still queued at their deadline (grpc-timeout): that is
        // the deadline running out, which a retry of a call that may repeat can outlive.
        Some(h2::Reason::CANCEL) if at_deadline && e.is_remote() => Code::DeadlineExceeded,
        Some(h2::Reason::CANCEL) => Code::Cancelled,
        Some(h2::Reason::ENHANCE_YOUR_CALM) => Code::ResourceExhausted,
        Some(h2::Reason::INADEQUATE_SECURITY) => Code::PermissionDenied,
        Some(_) if !e.is_io() => Code::Internal,
        // The connection broke: the server may or may not have acted, as with any lost answer.
        _ => Code::Unavailable,
    };
    let what = if sending { "sending the request" } else { "reading the answer" };
    let mut status = Status::new(code, format!("{what}: {e}"));
    status.set_source(Arc::new(TransportError::Http2(e)));
    Failed::Status(status)
}

fn unavailable(e: TransportError, what: &str) -> Status {
    let mut status = Status::unavailable(format!("{what}: {e}"));
    status.set_source(Arc::new(e));
    status
}

/// gRPC's code for an HTTP status without a gRPC one (http-grpc-status-mapping.md).
fn http_status(status: http::StatusCode) -> Status {
    use http::StatusCode as S;
    let code = match status {
        S::BAD_REQUEST => Code::Internal,
        S::UNAUTHORIZED => Code::Unauthenticated,
        S::FORBIDDEN => Code::PermissionDenied,
        S::NOT_FOUND => Code::Unimplemented,
        S::TOO_MANY_REQUESTS | S::BAD_GATEWAY | S::SERVICE_UNAVAILABLE | S::GATEWAY_TIMEOUT => Code::Unavailable,
        _ => Code::Unknown,
    };
    Status::new(code, format!("the server answered HTTP {status} without a gRPC status"))
}

/// The body of an answer, kept as the one chunk it usually arrives in.
#[derive(Default)]
struct Received {
    first: Option<Bytes>,
    rest: Option<BytesMut>,
}

impl Received {
    fn push(&mut self, chunk: Bytes) -> Result<(), Status> {
        match (&mut self.first, &mut self.rest) {
            (None, _) => self.first = Some(chunk),
            (Some(first), rest) => {
                let rest = rest.get_or_insert_with(|| BytesMut::from(&first[..]));
                if rest.len() + chunk.len() > MAX_MESSAGE_SIZE + 5 {
                    return Err(too_large(rest.len() + chunk.len()));
                }
                rest.extend_from_slice(&chunk);
            }
        }
        Ok(())
    }

    /// The one message of a unary answer, out of its gRPC frame.
    fn message(self, encoding: Option<&[u8]>) -> Result<Bytes, Status> {
        let mut body = match (self.rest, self.first) {
            (Some(rest), _) => rest.freeze(),
            (None, Some(first)) => first,
            (None, None) => return Err(Status::internal("the server's answer has no message")),
        };
        if body.len() < 5 {
            return Err(Status::internal("the server's answer is cut short"));
        }
        let compressed = body.get_u8();
        let length = body.get_u32() as usize;
        if length > MAX_MESSAGE_SIZE {
            return Err(too_large(length));
        }
        if body.len() < length {
            return Err(Status::internal("the server's answer is cut short"));
        }
        let message = body.split_to(length);
        match (compressed, encoding) {
            (0, _) => Ok(message),
            (1, Some(b"gzip")) => gunzip(&message),
            (1, other) => Err(Status::internal(format!(
                "the server compressed its answer with {:?}, which this client did not offer",
                other.map(String::from_utf8_lossy)
            ))),
            (flag, _) => Err(Status::internal(format!("invalid gRPC frame flag {flag}"))),
        }
    }
}

/// What sdk-core and gRPC say of a message over the limit, which the retry rules know.
fn too_large(length: usize) -> Status {
    Status::resource_exhausted(format!("grpc: received message larger than max ({length} vs. {MAX_MESSAGE_SIZE})"))
}

fn gunzip(message: &[u8]) -> Result<Bytes, Status> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(message)
        .take(MAX_MESSAGE_SIZE as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Status::internal(format!("the server's gzip answer does not decompress: {e}")))?;
    if out.len() > MAX_MESSAGE_SIZE {
        return Err(Status::resource_exhausted(format!(
            "grpc: message after decompression larger than max ({MAX_MESSAGE_SIZE})"
        )));
    }
    Ok(Bytes::from(out))
}

/// A request message in its gRPC frame, gzipped when `gzip` (then the request needs the
/// `grpc-encoding: gzip` header).
pub(crate) fn frame(message: &impl prost::Message, gzip: bool) -> Bytes {
    if gzip {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(&message.encode_to_vec());
        let zipped = encoder.finish().unwrap_or_default();
        let mut framed = BytesMut::with_capacity(5 + zipped.len());
        framed.put_u8(1);
        framed.put_u32(zipped.len() as u32);
        framed.extend_from_slice(&zipped);
        return framed.freeze();
    }
    let length = message.encoded_len();
    let mut framed = BytesMut::with_capacity(5 + length);
    framed.put_u8(0);
    framed.put_u32(length as u32);
    // The buffer has the room the message needs.
    let _ = message.encode(&mut framed);
    framed.freeze()
}

/// A deadline in gRPC's `grpc-timeout` form: at most 8 digits and a unit.
fn grpc_timeout(timeout: Duration) -> HeaderValue {
    const MAX: u128 = 99_999_999;
    let micros = timeout.as_micros();
    let value = if micros <= MAX {
        format!("{micros}u")
    } else if timeout.as_millis() <= MAX {
        format!("{}m", timeout.as_millis())
    } else if u128::from(timeout.as_secs()) <= MAX {
        format!("{}S", timeout.as_secs())
    } else {
        format!("{}H", (timeout.as_secs() / 3600).min(MAX as u64))
    };
    HeaderValue::try_from(value).unwrap_or(HeaderValue::from_static("99999999H"))
}

#[cfg(feature = "tls")]
pub(crate) use tls::tls_config;

#[cfg(feature = "tls")]
mod tls {
    use std::sync::Arc;

    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

    use crate::client::TlsOptions;

    /// The TLS of a connection to `host`: the options' CA or the system's and the web's roots,
    /// the client's certificate if any, HTTP/2 agreed by ALPN.
    pub(crate) fn tls_config(
        tls: &TlsOptions,
        host: &str,
    ) -> Result<(tokio_rustls::TlsConnector, ServerName<'static>), String> {
        let mut roots = RootCertStore::empty();
        match &tls.server_root_ca_cert {
            Some(pem) => {
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| format!("the server root CA certificate is not valid PEM: {e}"))?;
                    roots.add(cert).map_err(|e| format!("the server root CA certificate: {e}"))?;
                }
                if roots.is_empty() {
                    return Err("the server root CA PEM holds no certificate".into());
                }
            }
            // The operating system's store (where a corporate CA is installed) and the bundled
            // web roots, as the other SDKs trust by default.
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
        }
        let builder = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let mut config = match &tls.client_cert {
            Some((cert, key)) => {
                let chain = CertificateDer::pem_slice_iter(cert)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("the client certificate is not valid PEM: {e}"))?;
                let key =
                    PrivateKeyDer::from_pem_slice(key).map_err(|e| format!("the client key is not valid PEM: {e}"))?;
                builder.with_client_auth_cert(chain, key).map_err(|e| format!("the client certificate: {e}"))?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        let name = tls.domain.as_deref().unwrap_or(host.trim_start_matches('[').trim_end_matches(']'));
        let name = ServerName::try_from(name.to_string())
            .map_err(|e| format!("{name:?} is not a server name TLS can verify: {e}"))?;
        Ok((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
    }
}

#[cfg(test)]
mod tests;
