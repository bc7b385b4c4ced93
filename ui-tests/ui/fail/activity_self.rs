use temporal_sdk::prelude::*;

struct Activities;

impl Activities {
    #[activity]
    async fn say_hello(&self, name: String) -> Result<String, ActivityError> {
        Ok(format!("Hello, {name}!"))
    }
}

fn main() {}
