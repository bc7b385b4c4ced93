//! The time-skipping test environment: the Python README's tests of `WaitADayWorkflow` and
//! `SignalWorkflow` in Rust, manual and automatic skipping, concurrent and cancelled waits,
//! and mocked activities. They share one time-skipping server (see `tests/lib.rs`) and take
//! turns on it, because the server has one clock.

use std::time::{Duration, Instant, SystemTime};

use integration_tests::workflows::{SayHello, SignalWorkflow, WaitADayWorkflow};
use integration_tests::{RunningWorker, time_skipping_env, unique};
use temporal_sdk::prelude::*;
use temporal_sdk::protos::temporal::api::enums::v1::EventType;
use temporal_sdk::testing::WorkflowEnvironment;

/// What the README promises: "That test will run almost instantly".
const INSTANTLY: Duration = Duration::from_secs(1);

fn elapsed_between(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// Waits until the workflow's first task has run and its timer is in history, so that a
/// test knows the timer exists before it moves time.
async fn wait_for_timer_started<W>(handle: &WorkflowHandle<W>) {
    for _ in 0..200 {
        let history = handle.fetch_history().await.expect("history");
        if history.history.events.iter().any(|e| e.event_type() == EventType::TimerStarted) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the workflow never started its timer");
}

/// Time passes at the real pace (nothing skips) although a timer is pending: the server is
/// locked again.
async fn assert_time_is_locked(env: &WorkflowEnvironment) {
    let before = env.current_time().await.expect("current time");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = env.current_time().await.expect("current time");
    let passed = elapsed_between(before, after);
    assert!(passed < Duration::from_secs(10), "time skipped {passed:?} while nobody waited for a result");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_a_day_workflow() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<WaitADayWorkflow>());
    let server_start = env.current_time().await.expect("current time");

    let started = Instant::now();
    let result = env
        .client()
        .execute_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("result");
    let wall = started.elapsed();

    assert_eq!(result, "all done");
    eprintln!("a day of workflow time took {wall:?}");
    assert!(wall < INSTANTLY, "waiting a day took {wall:?}");
    let skipped = elapsed_between(server_start, env.current_time().await.expect("current time"));
    assert!(skipped >= Duration::from_secs(24 * 3600), "the server's clock moved only {skipped:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_workflow_gets_the_signal() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<SignalWorkflow>());

    let started = Instant::now();
    let handle = env
        .client()
        .start_workflow(SignalWorkflow::run, (), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("start");
    handle.signal(SignalWorkflow::some_signal, ()).await.expect("signal");
    assert_eq!(handle.result().await.expect("result"), "got signal");
    let wall = started.elapsed();
    eprintln!("signal workflow with the signal took {wall:?}");

    assert!(wall < INSTANTLY, "took {wall:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_workflow_times_out_after_env_sleep() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<SignalWorkflow>());

    let started = Instant::now();
    let handle = env
        .client()
        .start_workflow(SignalWorkflow::run, (), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("start");
    wait_for_timer_started(&handle).await;
    env.sleep(Duration::from_secs(50)).await.expect("sleep");
    // With automatic skipping off, the result can only be there already if the manual sleep
    // fired the 45 s timer.
    let result = {
        let _no_auto_skipping = env.auto_time_skipping_disabled();
        tokio::time::timeout(INSTANTLY, handle.result()).await
    };
    let wall = started.elapsed();
    eprintln!("signal workflow timing out after env.sleep(50 s) took {wall:?}");

    assert_eq!(result.expect("the timeout had already fired").expect("result"), "got timeout");
    assert!(wall < INSTANTLY, "took {wall:?}");
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_sleep_moves_the_clock_and_stops() {
    let env = time_skipping_env().await;
    let before = env.current_time().await.expect("current time");
    let started = Instant::now();
    env.sleep(Duration::from_secs(3600)).await.expect("sleep");
    let moved = elapsed_between(before, env.current_time().await.expect("current time"));
    assert!(started.elapsed() < INSTANTLY, "took {:?}", started.elapsed());
    assert!(moved >= Duration::from_secs(3600) && moved < Duration::from_secs(3660), "moved {moved:?}");
    assert_time_is_locked(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_inside_a_disabled_scope_take_real_time() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<WaitADayWorkflow>());
    let handle = env
        .client()
        .start_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("start");

    {
        let _scope = env.auto_time_skipping_disabled();
        let waited = tokio::time::timeout(Duration::from_millis(500), handle.result()).await;
        assert!(waited.is_err(), "a day passed in half a second with skipping disabled");
    }
    let started = Instant::now();
    assert_eq!(handle.result().await.expect("result"), "all done");
    assert!(started.elapsed() < INSTANTLY, "took {:?}", started.elapsed());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_waits_skip_together_then_lock_again() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(
        env.client(),
        WorkerOptions::new(&queue).workflow::<WaitADayWorkflow>().workflow::<SignalWorkflow>(),
    );
    let client = env.client();
    let started = Instant::now();
    let (day, signal) = tokio::join!(
        client.execute_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("day"), &queue)),
        client.execute_workflow(SignalWorkflow::run, (), WorkflowOptions::new(unique("sig"), &queue)),
    );
    assert_eq!(day.expect("day result"), "all done");
    assert_eq!(signal.expect("signal result"), "got timeout");
    assert!(started.elapsed() < INSTANTLY, "took {:?}", started.elapsed());

    // A workflow with a pending day-long timer: if the last wait had left the server
    // unlocked, its clock would jump a day.
    let pending = client
        .start_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("pending"), &queue))
        .await
        .expect("start");
    wait_for_timer_started(&pending).await;
    assert_time_is_locked(&env).await;
    pending.terminate("test over").await.expect("terminate");
    worker.stop().await;
}

/// Takes real time, which no skipping shortens: the server holds time still while an
/// activity runs, so its timeouts do not fire early.
#[activity]
async fn real_work(millis: u64) -> Result<(), ActivityError> {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    Ok(())
}

#[derive(Default)]
struct RealWork;

#[workflow]
impl RealWork {
    #[run]
    async fn run(&self, millis: u64) -> WorkflowResult<()> {
        let options = ActivityOptions::start_to_close(Duration::from_secs(3600))
            .retry_policy(RetryPolicy::default().maximum_attempts(1));
        workflow::execute_activity(real_work, millis, options).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_activity_holds_time_still() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker =
        RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<RealWork>().activity(real_work));
    let started = Instant::now();
    env.client()
        .execute_workflow(RealWork::run, 700, WorkflowOptions::new(unique("work"), &queue))
        .await
        .expect("the activity finished before its timeout");
    assert!(started.elapsed() >= Duration::from_millis(700), "took {:?}", started.elapsed());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_wait_locks_again() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(
        env.client(),
        WorkerOptions::new(&queue).workflow::<RealWork>().workflow::<WaitADayWorkflow>().activity(real_work),
    );
    let busy = env
        .client()
        .start_workflow(RealWork::run, 1000, WorkflowOptions::new(unique("busy"), &queue))
        .await
        .expect("start");
    let waited = tokio::time::timeout(Duration::from_millis(300), busy.result()).await;
    assert!(waited.is_err(), "a second of work was done in 300 ms");

    // The dropped wait locks again from a task of its own.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pending = env
        .client()
        .start_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("pending"), &queue))
        .await
        .expect("start");
    wait_for_timer_started(&pending).await;
    {
        // The running activity holds time still; the check must come after it.
        let _no_auto_skipping = env.auto_time_skipping_disabled();
        busy.result().await.expect("the work is done");
    }
    assert_time_is_locked(&env).await;
    // Manual sleeping still works: it would fail if the server's lock count had gone wrong.
    env.sleep(Duration::from_secs(1)).await.expect("sleep");
    pending.terminate("test over").await.expect("terminate");
    worker.stop().await;
}

/// A test double of `say_hello`, registered under the real activity's name.
#[activity(name = "say_hello")]
async fn say_hello_mocked(name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello from the mock, {name}!"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mocked_activity_replaces_the_real_one() {
    let env = time_skipping_env().await;
    let queue = unique("tq1");
    let worker = RunningWorker::start(
        env.client(),
        WorkerOptions::new(&queue).workflow::<SayHello>().activity(say_hello_mocked),
    );
    let result = env
        .client()
        .execute_workflow(SayHello::run, "Temporal".to_string(), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("result");
    assert_eq!(result, "Hello from the mock, Temporal!");
    worker.stop().await;
}

/// `start_time_skipping` runs a server of its own, which stops with the environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_time_skipping_owns_its_server() {
    let env = WorkflowEnvironment::start_time_skipping().await.expect("start the test server");
    assert!(env.supports_time_skipping());
    let target = env.target().expect("the environment started a server").to_string();
    let queue = unique("tq1");
    let worker = RunningWorker::start(env.client(), WorkerOptions::new(&queue).workflow::<WaitADayWorkflow>());
    let started = Instant::now();
    let result = env
        .client()
        .execute_workflow(WaitADayWorkflow::run, (), WorkflowOptions::new(unique("wf1"), &queue))
        .await
        .expect("result");
    assert_eq!(result, "all done");
    assert!(started.elapsed() < INSTANTLY, "took {:?}", started.elapsed());
    worker.stop().await;

    drop(env);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&target).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {target} still accepts connections after the environment was dropped");
}
