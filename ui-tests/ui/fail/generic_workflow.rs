use temporal_sdk::prelude::*;

#[derive(Default)]
struct W<T>(T);

#[workflow]
impl<T: Default + 'static> W<T> {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
