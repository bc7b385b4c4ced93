use temporal_sdk::prelude::*;

struct W {
    n: u32,
}

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<u32> {
        Ok(self.n)
    }
}

fn main() {}
