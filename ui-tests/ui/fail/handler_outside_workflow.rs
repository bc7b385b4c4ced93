use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    fn poke(&self) {}

    #[query]
    fn status(&self) -> u32 {
        0
    }

    #[init]
    fn new() -> Self {
        W
    }

    #[update]
    fn change(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update_validator(change)]
    fn check(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
