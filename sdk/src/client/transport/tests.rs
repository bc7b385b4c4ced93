//! The transport against real HTTP/2 servers on loopback, and its gRPC framing.

use super::*;

#[test]
fn deadlines_fit_in_eight_digits() {
    assert_eq!(grpc_timeout(Duration::from_millis(250)), "250000u");
    assert_eq!(grpc_timeout(Duration::from_secs(70)), "70000000u");
    assert_eq!(grpc_timeout(Duration::from_secs(1000)), "1000000m");
    assert_eq!(grpc_timeout(Duration::from_secs(200_000)), "200000S");
    assert_eq!(grpc_timeout(Duration::MAX), "99999999H");
}

#[test]
fn a_frame_is_read_back_whether_it_came_in_one_chunk_or_many() {
    let message = crate::protos::temporal::api::workflowservice::v1::GetSystemInfoRequest::default();
    let framed = frame(
        &crate::protos::temporal::api::common::v1::Payload { data: b"hello".repeat(1000), ..Default::default() },
        false,
    );
    let mut whole = Received::default();
    whole.push(framed.clone()).expect("fits");
    let one = whole.message(None).expect("message");
    let mut parts = Received::default();
    for chunk in framed.chunks(7) {
        parts.push(Bytes::copy_from_slice(chunk)).expect("fits");
    }
    assert_eq!(parts.message(None).expect("message"), one);
    assert_eq!(frame(&message, false).as_ref(), &[0, 0, 0, 0, 0]);
    let zipped = frame(
        &crate::protos::temporal::api::common::v1::Payload { data: b"hello".repeat(1000), ..Default::default() },
        true,
    );
    let mut received = Received::default();
    received.push(zipped).expect("fits");
    assert_eq!(received.message(Some(b"gzip")).expect("gunzipped"), one);
}

#[test]
fn bad_frames_are_errors_not_panics() {
    let received = |bytes: &'static [u8]| {
        let mut r = Received::default();
        r.push(Bytes::from_static(bytes)).expect("fits");
        r
    };
    assert_eq!(received(&[0, 0]).message(None).expect_err("short").code(), Code::Internal);
    assert_eq!(received(&[0, 0, 0, 0, 9, 1]).message(None).expect_err("cut").code(), Code::Internal);
    assert_eq!(received(&[1, 0, 0, 0, 1, 1]).message(None).expect_err("not offered").code(), Code::Internal);
    assert_eq!(received(&[1, 0, 0, 0, 1, 1]).message(Some(b"gzip")).expect_err("not gzip").code(), Code::Internal);
    let too_big = received(&[0, 0xff, 0xff, 0xff, 0xff]).message(None).expect_err("too large");
    assert_eq!(too_big.code(), Code::ResourceExhausted);
    assert_eq!(Received::default().message(None).expect_err("empty").code(), Code::Internal);
}

/// The connections a test server accepted, and the `grpc-timeout` of each request it got.
#[derive(Default)]
struct Seen {
    connections: std::sync::atomic::AtomicUsize,
    timeouts: std::sync::Mutex<Vec<String>>,
}

impl Seen {
    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The deadlines the requests carried, in microseconds.
    fn timeouts(&self) -> Vec<u64> {
        let timeouts = self.timeouts.lock().expect("lock");
        timeouts.iter().map(|t| t.trim_end_matches('u').parse().expect("microseconds")).collect()
    }
}

/// An HTTP/2 server on loopback whose `answer` decides, per connection number and request,
/// what happens: `Ok(delay)` answers an empty gRPC message after `delay`, `Err((delay,
/// reason))` resets the stream after `delay`.
async fn server(answer: fn(usize) -> Result<Duration, (Duration, h2::Reason)>) -> (Connector, Arc<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let seen = Arc::new(Seen::default());
    let server_seen = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let number = server_seen.connections.fetch_add(1, Ordering::SeqCst);
            let seen = Arc::clone(&server_seen);
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(tcp).await else { return };
                while let Some(Ok((request, mut respond))) = conn.accept().await {
                    if let Some(timeout) = request.headers().get("grpc-timeout").and_then(|t| t.to_str().ok()) {
                        seen.timeouts.lock().expect("lock").push(timeout.to_string());
                    }
                    let what = answer(number);
                    tokio::spawn(async move {
                        match what {
                            Ok(delay) => {
                                tokio::time::sleep(delay).await;
                                let head = http::Response::builder().header("content-type", "application/grpc");
                                let Ok(mut body) = respond.send_response(head.body(()).expect("head"), false) else {
                                    return;
                                };
                                let _ = body.send_data(Bytes::from_static(&[0, 0, 0, 0, 0]), false);
                                let mut trailers = HeaderMap::new();
                                trailers.insert("grpc-status", HeaderValue::from_static("0"));
                                let _ = body.send_trailers(trailers);
                            }
                            Err((delay, reason)) => {
                                tokio::time::sleep(delay).await;
                                respond.send_reset(reason);
                            }
                        }
                    });
                }
            });
        }
    });
    let connector = Connector::new(ConnectorOptions {
        url: format!("http://{address}").parse().expect("url"),
        target: address,
        connect_timeout: Duration::from_secs(5),
        keep_alive: None,
        proxy: None,
        #[cfg(feature = "tls")]
        tls: None,
    })
    .expect("connector");
    (connector, seen)
}

async fn call(transport: &Transport, timeout: Duration) -> Result<Bytes, Status> {
    transport.unary("/test/Call", HeaderMap::new, Bytes::from_static(&[0, 0, 0, 0, 0]), timeout).await
}

#[tokio::test]
async fn a_request_the_server_refused_goes_again_on_a_new_connection() {
    let (connector, seen) = server(|connection| match connection {
        0 => Err((Duration::from_millis(100), h2::Reason::REFUSED_STREAM)),
        _ => Ok(Duration::ZERO),
    })
    .await;
    let transport = Transport::connect(connector).await.expect("connect");
    assert_eq!(call(&transport, Duration::from_secs(5)).await.expect("answered"), Bytes::new());
    assert_eq!(seen.connections(), 2);
    // The request sent again carries what is left of the call's deadline, not all of it.
    let [first, again] = seen.timeouts()[..] else { panic!("two requests: {:?}", seen.timeouts()) };
    assert!(first <= 5_000_000 && again <= first - 100_000, "{first}us then {again}us");
}

#[tokio::test]
async fn a_servers_cancel_at_the_deadline_is_the_deadline_running_out() {
    let (connector, _) = server(|_| Err((Duration::from_millis(900), h2::Reason::CANCEL))).await;
    let transport = Transport::connect(connector).await.expect("connect");
    let status = call(&transport, Duration::from_secs(1)).await.expect_err("reset");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    // Long before the deadline, a cancel is the server's own word.
    let (connector, _) = server(|_| Err((Duration::ZERO, h2::Reason::CANCEL))).await;
    let transport = Transport::connect(connector).await.expect("connect");
    let status = call(&transport, Duration::from_secs(5)).await.expect_err("reset");
    assert_eq!(status.code(), Code::Cancelled, "{status:?}");
}

#[tokio::test]
async fn a_call_past_its_deadline_ends_as_tonic_ends_it() {
    let (connector, _) = server(|_| Ok(Duration::from_secs(5))).await;
    let transport = Transport::connect(connector).await.expect("connect");
    let status = call(&transport, Duration::from_millis(200)).await.expect_err("too slow");
    assert_eq!((status.code(), status.message()), (Code::Cancelled, "Timeout expired"));
}

#[tokio::test]
async fn calls_waiting_for_a_connection_share_its_failure() {
    // Accepts connections and never answers: each attempt lasts the whole connect timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(tcp);
        }
    });
    let transport = Transport::lazy(
        Connector::new(ConnectorOptions {
            url: format!("http://{address}").parse().expect("url"),
            target: address,
            connect_timeout: Duration::from_millis(300),
            keep_alive: None,
            proxy: None,
            #[cfg(feature = "tls")]
            tls: None,
        })
        .expect("connector"),
    );
    let calls = futures::future::join_all((0..5).map(|_| call(&transport, Duration::from_secs(3)))).await;
    for status in calls.into_iter().map(|c| c.expect_err("nobody answers")) {
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        assert!(status.message().contains("took longer than 300ms"), "{status:?}");
    }
    // One attempt for all five, not five in turn.
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}
