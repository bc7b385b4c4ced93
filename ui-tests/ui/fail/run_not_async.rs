use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
