//! The client through an HTTP CONNECT proxy that each test starts on loopback: a workflow run
//! end to end through it (worker polls included), TLS inside the tunnel, and the clear errors
//! of a proxy that wants other credentials, refuses, or is not there.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::workflows::{SayHello, say_hello};
use integration_tests::{RunningWorker, target, unique};
use temporal_sdk::client::{HttpConnectProxy, TlsOptions};
use temporal_sdk::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "temporal";
const PASSWORD: &str = "s3cret";
/// `Basic base64("temporal:s3cret")`, worked out by hand so that the client's encoding is
/// checked too.
const EXPECTED_AUTHORIZATION: &str = "Basic dGVtcG9yYWw6czNjcmV0";

/// What the test proxy answers to a `CONNECT`.
#[derive(Clone, Copy)]
enum Answer {
    /// Opens the tunnel when the request carries [`EXPECTED_AUTHORIZATION`], else 407.
    TunnelWithAuth,
    /// 403 to everything.
    Forbidden,
}

/// A tunnel the proxy opened: its target, and the first byte the client sent through it.
#[derive(Debug, Clone)]
struct Tunnel {
    target: String,
    first_byte: u8,
}

struct TestProxy {
    address: SocketAddr,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
}

impl TestProxy {
    async fn start(answer: Answer) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&tunnels);
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(tcp, answer, Arc::clone(&seen)));
            }
        });
        TestProxy { address, tunnels }
    }

    fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels.lock().expect("not poisoned").clone()
    }

    fn options(&self, user: &str, password: &str) -> HttpConnectProxy {
        HttpConnectProxy::new(self.address.to_string()).basic_auth(user, password)
    }
}

/// One proxy connection: reads the `CONNECT` request, answers, and relays bytes both ways.
async fn serve(tcp: TcpStream, answer: Answer, tunnels: Arc<Mutex<Vec<Tunnel>>>) -> std::io::Result<()> {
    let mut client = BufReader::new(tcp);
    let mut request_line = String::new();
    client.read_line(&mut request_line).await?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if client.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("proxy-authorization")
        {
            authorization = Some(value.trim().to_string());
        }
    }
    let mut words = request_line.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        return client.get_mut().write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n").await;
    };
    let refusal: Option<&[u8]> = match answer {
        Answer::Forbidden => Some(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
        Answer::TunnelWithAuth if authorization.as_deref() != Some(EXPECTED_AUTHORIZATION) => {
            Some(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
        }
        Answer::TunnelWithAuth => None,
    };
    if let Some(refusal) = refusal {
        return client.get_mut().write_all(refusal).await;
    }
    let mut upstream = match TcpStream::connect(target).await {
        Ok(upstream) => upstream,
        Err(_) => return client.get_mut().write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await,
    };
    client.get_mut().write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?;
    // Both protocols the client may speak through the tunnel (the HTTP/2 preface, a TLS
    // ClientHello) start with the client.
    let first_byte = client.read_u8().await?;
    upstream.write_all(&[first_byte]).await?;
    tunnels.lock().expect("not poisoned").push(Tunnel { target: target.to_string(), first_byte });
    // Nothing else was buffered: the client waits for the answer before sending more than
    // its first bytes, and those are read through the same buffer.
    let pending = client.buffer().to_vec();
    upstream.write_all(&pending).await?;
    let mut client = client.into_inner();
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await.map(drop)
}

fn connect_message(result: Result<Client, ClientError>) -> String {
    match result {
        Err(ClientError::Connect { message, .. }) => message,
        Err(other) => panic!("expected a connection error, got {other:?}"),
        Ok(_) => panic!("connected although the proxy refuses"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_runs_through_a_connect_proxy_with_basic_auth() {
    let proxy = TestProxy::start(Answer::TunnelWithAuth).await;
    let options = ClientOptions::new(target()).http_connect_proxy(proxy.options(USER, PASSWORD));
    let client = Client::connect(options).await.expect("connect through the proxy");
    let queue = unique("proxied");
    // The worker polls through the same tunnelled connection.
    let worker = RunningWorker::start(&client, WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello));
    let result = client
        .execute_workflow(SayHello::run, "proxy".to_string(), WorkflowOptions::new(unique("proxied"), &queue))
        .await
        .expect("workflow through the proxy");
    assert_eq!(result, "Hello, proxy!");
    worker.stop().await;

    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "the proxy opened no tunnel");
    for tunnel in &tunnels {
        assert_eq!(tunnel.target, target());
        // The HTTP/2 connection preface ("PRI * HTTP/2.0") is what went through.
        assert_eq!(tunnel.first_byte, b'P', "{tunnel:?}");
    }
}

/// A TLS server for `localhost` in front of the dev server: the TLS of the client must reach
/// it through the tunnel.
async fn tls_front_of_the_dev_server() -> SocketAddr {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::{ServerConfig, crypto::ring};

    // A certificate for localhost signed by `test-ca-cert.pem` (whose key was thrown away):
    // clients refuse a self-signed CA certificate used as the server's own.
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../certs/localhost-leaf-cert.pem"))
        .collect::<Result<Vec<_>, _>>()
        .expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../certs/localhost-leaf-key.pem")).expect("test key");
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("TLS configuration");
    // gRPC clients insist on HTTP/2 being agreed in the handshake.
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = target();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, server) = (acceptor.clone(), server.clone());
            tokio::spawn(async move {
                let mut tls = acceptor.accept(tcp).await?;
                let mut upstream = TcpStream::connect(&server).await?;
                tokio::io::copy_bidirectional(&mut tls, &mut upstream).await.map(drop)
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_runs_inside_the_tunnel_to_the_server() {
    let front = tls_front_of_the_dev_server().await;
    let proxy = TestProxy::start(Answer::TunnelWithAuth).await;
    // The proxy resolves the server's name; the client verifies the server's certificate.
    let server = format!("localhost:{}", front.port());
    let tls = TlsOptions {
        server_root_ca_cert: Some(include_bytes!("../certs/test-ca-cert.pem").to_vec()),
        ..Default::default()
    };
    let options = ClientOptions::new(&server).tls(tls).http_connect_proxy(proxy.options(USER, PASSWORD));
    let client = Client::connect(options).await.expect("connect with TLS through the proxy");
    let handle = client
        .start_workflow_by_name("Anything", &(), WorkflowOptions::new(unique("tls-proxied"), unique("no-worker")))
        .await
        .expect("start through the proxy");
    handle.terminate("test over").await.expect("terminate");

    let tunnels = proxy.tunnels();
    assert!(!tunnels.is_empty(), "the proxy opened no tunnel");
    for tunnel in &tunnels {
        assert_eq!(tunnel.target, server);
        // 0x16: a TLS handshake record, so the proxy saw only ciphertext.
        assert_eq!(tunnel.first_byte, 0x16, "{tunnel:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_proxy_credentials_fail_with_a_clear_error() {
    let proxy = TestProxy::start(Answer::TunnelWithAuth).await;
    let options = ClientOptions::new(target()).http_connect_proxy(proxy.options(USER, "wrong"));
    let message = connect_message(Client::connect(options).await);
    assert!(message.contains("407 Proxy Authentication Required"), "{message}");
    assert!(message.contains("proxy authentication required"), "{message}");
    assert!(message.contains(&proxy.address.to_string()), "{message}");
    // No guess about the server's TLS: the proxy said what is wrong.
    assert!(!message.contains("TLS"), "{message}");

    let options = ClientOptions::new(target()).http_connect_proxy(HttpConnectProxy::new(proxy.address.to_string()));
    let message = connect_message(Client::connect(options).await);
    assert!(message.contains("set basic auth"), "{message}");
    assert!(proxy.tunnels().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_or_absent_proxy_is_a_connect_error() {
    let proxy = TestProxy::start(Answer::Forbidden).await;
    let options = ClientOptions::new(target()).http_connect_proxy(proxy.options(USER, PASSWORD));
    let message = connect_message(Client::connect(options).await);
    assert!(message.contains("refused the tunnel") && message.contains("403 Forbidden"), "{message}");

    // A port nobody listens on any more.
    let gone = TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("address");
    let options = ClientOptions::new(target()).http_connect_proxy(HttpConnectProxy::new(gone.to_string()));
    let message = connect_message(Client::connect(options).await);
    assert!(message.contains("cannot reach the HTTP CONNECT proxy"), "{message}");

    // Something that is no HTTP proxy: answers garbage and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let _ = tcp.write_all(b"SSH-2.0-OpenSSH_9.6\r\n").await;
        }
    });
    let options = ClientOptions::new(target()).http_connect_proxy(HttpConnectProxy::new(address.to_string()));
    let message = connect_message(Client::connect(options).await);
    assert!(message.contains("gave no valid answer") && message.contains("not an HTTP status line"), "{message}");

    // A proxy that never answers: the connect timeout bounds the wait.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let mut options = ClientOptions::new(target()).http_connect_proxy(HttpConnectProxy::new(address.to_string()));
    options.connect_timeout = Duration::from_millis(500);
    let started = Instant::now();
    let message = connect_message(Client::connect(options).await);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}: {message}", started.elapsed());
    assert!(message.contains("took longer than 500ms"), "{message}");
    assert!(message.contains(&format!("through the HTTP CONNECT proxy at {address}")), "{message}");
}
