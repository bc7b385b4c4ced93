use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update]
    async fn rename(&self, name: String) -> String {
        name
    }
}

fn main() {}
