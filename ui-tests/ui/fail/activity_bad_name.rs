use temporal_sdk::prelude::*;

#[activity(name = "")]
async fn a() -> Result<(), ActivityError> {
    Ok(())
}

#[activity(name = "b", name = "c")]
async fn b() -> Result<(), ActivityError> {
    Ok(())
}

#[activity(queue = "q")]
async fn c() -> Result<(), ActivityError> {
    Ok(())
}

fn main() {}
