use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow(name = "")]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(name = "a", name = "b")]
    fn poke(&self) {}

    #[query(title = "status")]
    fn status(&self) -> u32 {
        0
    }

    #[update(name = "")]
    fn reset(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
