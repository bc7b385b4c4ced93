use temporal_sdk::prelude::*;

struct W {
    n: u32,
}

#[workflow]
impl W {
    #[init]
    fn new(n: u32) -> Self {
        W { n }
    }

    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(format!("{name} {}", self.n))
    }
}

fn main() {}
