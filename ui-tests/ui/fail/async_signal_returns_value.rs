use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    async fn poke(&self) -> WorkflowResult<u32> {
        Ok(1)
    }
}

fn main() {}
