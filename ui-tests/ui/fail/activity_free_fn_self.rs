use temporal_sdk::prelude::*;

#[activity]
async fn say_hello(&self, name: String) -> Result<String, ActivityError> {
    Ok(format!("Hello, {name}!"))
}

fn main() {}
