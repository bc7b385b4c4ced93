use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self, first: String, last: String) -> WorkflowResult<String> {
        Ok(format!("{first} {last}"))
    }

    #[signal]
    fn rename(&self, first: String, last: String) {}
}

fn main() {}
