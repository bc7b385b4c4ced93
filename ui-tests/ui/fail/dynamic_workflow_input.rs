use temporal_sdk::prelude::*;

#[derive(Default)]
struct Typed;

#[workflow(dynamic)]
impl Typed {
    #[run]
    async fn run(&self, name: String) -> WorkflowResult<String> {
        Ok(name)
    }
}

#[derive(Default)]
struct NoArguments;

#[workflow(dynamic)]
impl NoArguments {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
