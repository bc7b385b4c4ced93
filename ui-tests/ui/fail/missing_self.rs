use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(name: String) -> WorkflowResult<String> {
        Ok(name)
    }

    #[query]
    fn status(self) -> u32 {
        0
    }
}

fn main() {}
