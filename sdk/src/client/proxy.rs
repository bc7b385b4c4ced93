//! The client's connection through an HTTP proxy: a `CONNECT` tunnel to the server, opened by
//! a connector that tonic calls for every (re)connection. TLS, when configured, is put on top
//! of the tunnel by tonic, so it runs end to end between the client and the server and the
//! proxy only relays bytes it cannot read.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tonic::transport::Uri;

use super::ClientError;

/// An HTTP proxy that the client's connection goes through, by an HTTP `CONNECT` tunnel, with
/// optional basic authentication (Python's `HttpConnectProxyConfig`). TLS settings still
/// apply: TLS runs inside the tunnel, end to end with the server.
///
/// ```
/// use temporal_sdk::client::{ClientOptions, HttpConnectProxy};
///
/// let options = ClientOptions::new("my-ns.a1b2c.tmprl.cloud:7233")
///     .api_key("...")
///     .http_connect_proxy(HttpConnectProxy::new("proxy.corp.example:3128").basic_auth("svc-temporal", "secret"));
/// # let _ = options;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HttpConnectProxy {
    /// The proxy's `host:port` (Python's `target_host`).
    pub address: String,
    /// User and password sent as `Proxy-Authorization: Basic ...` with the `CONNECT` request.
    pub basic_auth: Option<(String, String)>,
}

impl HttpConnectProxy {
    /// A proxy at `host:port`, without authentication.
    pub fn new(address: impl Into<String>) -> Self {
        Self { address: address.into(), basic_auth: None }
    }

    /// Authenticates to the proxy with a user and password (HTTP basic authentication).
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic_auth = Some((user.into(), password.into()));
        self
    }
}

// The password stays out of logs that print client options.
impl std::fmt::Debug for HttpConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConnectProxy")
            .field("address", &self.address)
            .field("basic_auth", &self.basic_auth.as_ref().map(|(user, _)| (user, "<redacted>")))
            .finish()
    }
}

/// Longest proxy answer head read: a proxy that sends more is not one to trust with the
/// connection.
const MAX_RESPONSE_HEAD: u64 = 16 * 1024;

/// Why a tunnel could not be opened. Tonic hands it back as the source of its transport error,
/// so the connect error names the proxy rather than the server.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProxyError {
    #[error("cannot reach the HTTP CONNECT proxy at {proxy}: {source}")]
    Unreachable { proxy: String, source: std::io::Error },
    #[error("the HTTP CONNECT proxy at {proxy} refused the tunnel to {target} with \"{status}\"{hint}")]
    Refused { proxy: String, target: String, status: String, hint: &'static str },
    #[error("the HTTP CONNECT proxy at {proxy} gave no valid answer to the tunnel request to {target}: {detail}")]
    BadAnswer { proxy: String, target: String, detail: String },
    #[error("the server address {0} has no host to open a tunnel to")]
    NoHost(String),
}

/// Whether a connection failure is the proxy's (then hints about the server's TLS would
/// mislead).
pub(crate) fn is_proxy_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<ProxyError>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// Opens a `CONNECT` tunnel through the proxy to the endpoint tonic asks for.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    address: Arc<str>,
    /// The whole `Proxy-Authorization` value, encoded once.
    authorization: Option<Arc<str>>,
}

impl ProxyConnector {
    pub(crate) fn new(proxy: &HttpConnectProxy) -> Result<Self, ClientError> {
        let invalid = |m: &str| ClientError::InvalidOptions(format!("HTTP CONNECT proxy: {m}"));
        if proxy.address.trim().is_empty() {
            return Err(invalid("the proxy address is empty"));
        }
        let authorization = match &proxy.basic_auth {
            // Basic authentication joins user and password with a colon, so a colon in the
            // user would move the split (RFC 7617).
            Some((user, _)) if user.contains(':') => return Err(invalid("the user of basic auth contains ':'")),
            Some((user, password)) => {
                let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                Some(Arc::from(format!("Basic {credentials}")))
            }
            None => None,
        };
        if proxy.address.contains(['\r', '\n']) {
            return Err(invalid("the proxy address contains a line break"));
        }
        Ok(Self { address: Arc::from(proxy.address.trim()), authorization })
    }

    pub(crate) async fn tunnel(self, uri: Uri) -> Result<BufReader<TcpStream>, ProxyError> {
        let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| ProxyError::NoHost(uri.to_string()))?;
        let default_port = if uri.scheme_str() == Some("https") { 443 } else { 80 };
        // `host()` keeps the brackets of an IPv6 address, as the request target needs them.
        let target = format!("{host}:{}", uri.port_u16().unwrap_or(default_port));
        let proxy = self.address.to_string();
        let tcp = TcpStream::connect(&*self.address)
            .await
            .map_err(|source| ProxyError::Unreachable { proxy: proxy.clone(), source })?;
        // gRPC sends small frames that should not wait for more (what `tcp_nodelay` on the
        // endpoint does for tonic's own connector, which is not used here).
        let _ = tcp.set_nodelay(true);
        // Buffered for reading the answer line by line; the buffer stays with the stream, so
        // bytes the server sends right behind the proxy's answer (an HTTP/2 server speaks
        // first) are not lost.
        let mut stream = BufReader::new(tcp);
        let bad_answer =
            |detail: String| ProxyError::BadAnswer { proxy: proxy.clone(), target: target.clone(), detail };
        let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(authorization) = &self.authorization {
            request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
        }
        request.push_str("\r\n");
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .map_err(|e| bad_answer(format!("sending the request failed: {e}")))?;

        let read_failed = |e: std::io::Error| bad_answer(format!("reading its answer failed: {e}"));
        let mut head = (&mut stream).take(MAX_RESPONSE_HEAD);
        let mut status_line = Vec::new();
        head.read_until(b'\n', &mut status_line).await.map_err(read_failed)?;
        if status_line.is_empty() {
            return Err(bad_answer("it closed the connection without answering".into()));
        }
        let status = text(&status_line);
        let mut parts = status.splitn(3, ' ');
        let (version, code) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
        let code: u16 = match code.parse() {
            Ok(code) if version.starts_with("HTTP/") => code,
            _ => return Err(bad_answer(format!("{status:?} is not an HTTP status line"))),
        };
        if !(200..300).contains(&code) {
            // The connection is given up, so the rest of the answer is not read.
            let hint = match (code, self.authorization.is_some()) {
                (407, true) => {
                    " (proxy authentication required: the proxy refused the user and password of basic auth)"
                }
                (407, false) => " (proxy authentication required: set basic auth on HttpConnectProxy)",
                _ => "",
            };
            return Err(ProxyError::Refused { proxy, target, status, hint });
        }
        // The tunnel has no use for the headers, but they must be consumed: the server's bytes
        // start behind the blank line that ends them.
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = head.read_until(b'\n', &mut line).await.map_err(read_failed)?;
            if read == 0 || !line.ends_with(b"\n") {
                return Err(bad_answer(if head.limit() == 0 {
                    format!("its answer is longer than {MAX_RESPONSE_HEAD} bytes")
                } else {
                    format!("its answer ended before its headers did (after {status:?})")
                }));
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        Ok(stream)
    }
}

/// A line of the proxy's answer as text, without its line break.
fn text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).trim_end().to_string()
}

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = TokioIo<BufReader<TcpStream>>;
    type Error = ProxyError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ProxyError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ProxyError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move { connector.tunnel(uri).await.map(TokioIo::new) })
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    /// A one-shot "proxy" that sends `answer` in a single write to whatever connects, then
    /// hangs up.
    async fn answering(answer: &'static [u8]) -> ProxyConnector {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.expect("accept");
            let mut request = vec![0; 1024];
            let _ = tcp.read(&mut request).await;
            let _ = tcp.write_all(answer).await;
        });
        ProxyConnector::new(&HttpConnectProxy::new(address)).expect("valid")
    }

    #[tokio::test]
    async fn bytes_right_behind_the_proxys_answer_reach_the_client() {
        let connector = answering(b"HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\nSERVER-FIRST").await;
        let mut stream = connector.tunnel(Uri::from_static("http://server:7233")).await.expect("tunnel");
        let mut first = String::new();
        stream.read_to_string(&mut first).await.expect("read");
        assert_eq!(first, "SERVER-FIRST");
    }

    #[tokio::test]
    async fn a_proxy_hanging_up_says_so() {
        let connector = answering(b"").await;
        let error = connector.tunnel(Uri::from_static("http://server:7233")).await.expect_err("no answer");
        assert!(error.to_string().contains("closed the connection without answering"), "{error}");
        let connector = answering(b"HTTP/1.1 200 OK\r\nVia: te").await;
        let error = connector.tunnel(Uri::from_static("http://server:7233")).await.expect_err("cut short");
        assert!(error.to_string().contains("ended before its headers did"), "{error}");
    }

    #[test]
    fn credentials_are_encoded_once_and_kept_out_of_debug_output() {
        let proxy = HttpConnectProxy::new("proxy:3128").basic_auth("user", "pa:ss");
        let connector = ProxyConnector::new(&proxy).expect("valid");
        // base64("user:pa:ss"): a colon in the password is allowed.
        assert_eq!(connector.authorization.as_deref(), Some("Basic dXNlcjpwYTpzcw=="));
        let printed = format!("{proxy:?}");
        assert!(!printed.contains("pa:ss") && printed.contains("user"), "{printed}");
    }

    #[test]
    fn unusable_proxy_options_are_refused_before_connecting() {
        for proxy in [
            HttpConnectProxy::new(" "),
            HttpConnectProxy::new("proxy:3128\r\nX: y"),
            HttpConnectProxy::new("proxy:3128").basic_auth("us:er", "p"),
        ] {
            assert!(matches!(ProxyConnector::new(&proxy), Err(ClientError::InvalidOptions(_))), "{proxy:?}");
        }
    }
}
