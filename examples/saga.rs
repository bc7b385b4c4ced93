//! A saga: booking a trip is three bookings with three different services, with no
//! transaction spanning them. Each booking that succeeds records how to undo it; when a later
//! one fails, the workflow undoes the earlier ones, newest first. Without `TEMPORAL_ADDRESS`
//! it starts a local dev server.
//!
//! ```sh
//! cargo run --example saga
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporal_sdk::prelude::*;
use temporal_sdk::testing::WorkflowEnvironment;

const TASK_QUEUE: &str = "saga";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Trip {
    traveller: String,
    destination: String,
}

#[activity]
async fn book_car(trip: Trip) -> Result<String, ActivityError> {
    Ok(format!("car for {} in {}", trip.traveller, trip.destination))
}

#[activity]
async fn book_hotel(trip: Trip) -> Result<String, ActivityError> {
    Ok(format!("hotel for {} in {}", trip.traveller, trip.destination))
}

#[activity]
async fn book_flight(trip: Trip) -> Result<String, ActivityError> {
    if trip.destination == "Atlantis" {
        // Non-retryable: no number of retries finds a flight to Atlantis.
        return Err(ActivityError::non_retryable(format!("no flights to {}", trip.destination)));
    }
    Ok(format!("flight for {} to {}", trip.traveller, trip.destination))
}

#[activity]
async fn cancel_car(booking: String) -> Result<String, ActivityError> {
    Ok(format!("cancelled {booking}"))
}

#[activity]
async fn cancel_hotel(booking: String) -> Result<String, ActivityError> {
    Ok(format!("cancelled {booking}"))
}

/// How to undo one booking. Data rather than closures: an undo is an activity, and an
/// activity is scheduled as soon as it is called, so it must not be called until needed.
enum Undo {
    Car(String),
    Hotel(String),
}

async fn undo(step: Undo) -> WorkflowResult<String> {
    // The default retry policy retries until it succeeds: an undo that gives up would leave
    // the traveller with a booking they did not get a trip for.
    let options = ActivityOptions::start_to_close(Duration::from_secs(10));
    match step {
        Undo::Car(booking) => workflow::execute_activity(cancel_car, booking, options).await,
        Undo::Hotel(booking) => workflow::execute_activity(cancel_hotel, booking, options).await,
    }
}

#[derive(Default)]
struct BookTrip;

#[workflow]
impl BookTrip {
    #[run]
    async fn run(&self, trip: Trip) -> WorkflowResult<String> {
        let options = || {
            ActivityOptions::start_to_close(Duration::from_secs(10))
                .retry_policy(RetryPolicy::default().maximum_attempts(3))
        };
        let mut undos = Vec::new();
        let booked = async {
            let car = workflow::execute_activity(book_car, trip.clone(), options()).await?;
            undos.push(Undo::Car(car.clone()));
            let hotel = workflow::execute_activity(book_hotel, trip.clone(), options()).await?;
            undos.push(Undo::Hotel(hotel.clone()));
            let flight = workflow::execute_activity(book_flight, trip.clone(), options()).await?;
            Ok::<_, WorkflowError>(format!("booked {car}, {hotel} and {flight}"))
        }
        .await;

        let failure = match booked {
            Ok(done) => return Ok(done),
            Err(e) => e,
        };
        // Shielded, so that cancelling the workflow cannot stop the undoing half-way.
        let undone = workflow::shield(async {
            let mut undone = Vec::new();
            while let Some(step) = undos.pop() {
                undone.push(undo(step).await?);
            }
            Ok::<_, WorkflowError>(undone)
        })
        .await?;
        let cause = failure.failure().map(|f| f.root_cause().message.clone()).unwrap_or_else(|| failure.to_string());
        Err(ApplicationError::new(format!("trip not booked ({cause}); {}", undone.join(", ")))
            .with_type("TripNotBooked")
            .non_retryable()
            .into())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = WorkflowEnvironment::from_env_or_start_local().await?;
    let client = env.client().clone();

    let worker = Worker::new(
        &client,
        WorkerOptions::new(TASK_QUEUE)
            .workflow::<BookTrip>()
            .activity(book_car)
            .activity(book_hotel)
            .activity(book_flight)
            .activity(cancel_car)
            .activity(cancel_hotel),
    )?;
    let running = worker.spawn();

    for (id, destination) in [("trip-lisbon", "Lisbon"), ("trip-atlantis", "Atlantis")] {
        let trip = Trip { traveller: "Ada".into(), destination: destination.into() };
        match client.execute_workflow(BookTrip::run, trip, WorkflowOptions::new(id, TASK_QUEUE)).await {
            Ok(booked) => println!("Result ({destination}): {booked}"),
            Err(ClientError::WorkflowFailed { cause }) => println!("Result ({destination}): {}", cause.message),
            Err(other) => return Err(other.into()),
        }
    }

    worker.shutdown().await;
    running.await??;
    env.shutdown().await;
    Ok(())
}
