use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&mut self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    fn poke(&mut self) {}

    #[query]
    fn peek(&mut self) -> u32 {
        0
    }
}

fn main() {}
