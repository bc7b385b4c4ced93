use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(name = "poke")]
    fn poke_once(&self) {}

    #[signal(name = "poke")]
    fn poke_twice(&self) {}
}

fn main() {}
