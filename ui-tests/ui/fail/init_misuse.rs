use temporal_sdk::prelude::*;

struct W;

#[workflow]
impl W {
    #[init]
    async fn new(&self) {}

    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
