use temporal_sdk::prelude::*;

#[derive(Default)]
struct Counter;

#[workflow]
impl Counter {
    #[run]
    async fn run(&self, n: u32) -> WorkflowResult<u32> {
        if n < 3 {
            return workflow::continue_as_new(Self::run, format!("{}", n + 1));
        }
        Ok(n)
    }
}

fn main() {}
