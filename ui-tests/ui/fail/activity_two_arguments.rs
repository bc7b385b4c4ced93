use temporal_sdk::prelude::*;

#[activity]
async fn greet(greeting: String, name: String) -> Result<String, ActivityError> {
    Ok(format!("{greeting}, {name}!"))
}

fn main() {}
