use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self, name: &str) -> WorkflowResult<()> {
        Ok(())
    }

    #[query]
    fn name(&self) -> &str {
        "w"
    }
}

fn main() {}
