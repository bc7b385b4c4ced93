use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[run]
    async fn run_again(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
