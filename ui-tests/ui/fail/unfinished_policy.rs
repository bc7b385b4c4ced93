use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(unfinished_policy = "ignore")]
    async fn refresh(&self) {}

    #[update(unfinished_policy = "Abandon")]
    async fn reset(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[query(unfinished_policy = "abandon")]
    fn status(&self) -> u32 {
        0
    }
}

fn main() {}
