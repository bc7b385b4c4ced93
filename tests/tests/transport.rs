//! The client's connection when the network misbehaves, against a real dev server behind a
//! relay this test controls: a connection that stops carrying bytes is found by keep-alive and
//! replaced, and a connection cut under a waiting call is replaced and the call goes on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::{client, target, unique};
use temporal_sdk::client::KeepAliveOptions;
use temporal_sdk::prelude::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the relay does to the connections it carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    Carry,
    /// Holds the sockets open but carries nothing: a peer that vanished without a FIN.
    Swallow,
    /// Closes both sides.
    Cut,
}

/// A TCP relay in front of the dev server.
struct Relay {
    address: String,
    accepted: Arc<AtomicUsize>,
    connections: Arc<Mutex<Vec<watch::Sender<Fate>>>>,
}

impl Relay {
    async fn start() -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let accepted = Arc::new(AtomicUsize::new(0));
        let connections = Arc::new(Mutex::new(Vec::<watch::Sender<Fate>>::new()));
        let (count, fates) = (Arc::clone(&accepted), Arc::clone(&connections));
        tokio::spawn(async move {
            while let Ok((mut downstream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let (fate, mut watched) = watch::channel(Fate::Carry);
                fates.lock().unwrap_or_else(|e| e.into_inner()).push(fate);
                tokio::spawn(async move {
                    let Ok(mut upstream) = TcpStream::connect(target()).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut downstream, &mut upstream) => return,
                        _ = watched.wait_for(|f| *f != Fate::Carry) => {}
                    }
                    // Swallowed: the sockets stay open until the fate turns to Cut.
                    let _ = watched.wait_for(|f| *f == Fate::Cut).await;
                    drop((downstream, upstream));
                });
            }
        });
        Relay { address, accepted, connections }
    }

    /// Deals `fate` to every connection open so far; later ones are carried.
    fn deal(&self, fate: Fate) {
        for connection in self.connections.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ = connection.send(fate);
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_stops_answering_is_replaced_after_an_unanswered_ping() {
    let relay = Relay::start().await;
    let mut options = ClientOptions::new(&relay.address);
    options.keep_alive =
        Some(KeepAliveOptions { interval: Duration::from_millis(300), timeout: Duration::from_millis(500) });
    let client = Client::connect(options).await.expect("connect through the relay");
    client.count_workflows("").await.expect("a call on the first connection");
    assert_eq!(relay.accepted(), 1);

    relay.deal(Fate::Swallow);
    // A ping goes out within 300 ms and goes unanswered for 500 ms: the connection is given up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = Instant::now();
    client.with_rpc_timeout(Duration::from_secs(5)).count_workflows("").await.expect("a call on a new connection");
    assert!(started.elapsed() < Duration::from_secs(2), "the call waited {:?}", started.elapsed());
    assert_eq!(relay.accepted(), 2, "the call did not go on a new connection");
    relay.deal(Fate::Cut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_for_a_result_survives_its_connection_being_cut() {
    let relay = Relay::start().await;
    let through_relay = Client::connect(ClientOptions::new(&relay.address)).await.expect("connect through the relay");
    // No worker polls this queue: the workflow runs until it is terminated.
    let options = WorkflowOptions::new(unique("cut"), unique("no-worker"));
    let handle = through_relay.start_workflow_by_name("Anything", &(), options).await.expect("start");
    let waiting = tokio::spawn({
        let handle = handle.clone();
        async move { handle.result_as::<()>().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.deal(Fate::Cut);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Ended by another client, so only a wait that went on over a new connection sees it.
    let direct = client().await;
    direct.get_untyped_workflow_handle(handle.id(), None).terminate("over").await.expect("terminate");
    let outcome = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("the wait ended").expect("task");
    match outcome {
        Err(ClientError::WorkflowFailed { .. }) => {}
        other => panic!("expected the termination, got {other:?}"),
    }
    assert!(relay.accepted() >= 2, "the wait did not reconnect");
}
