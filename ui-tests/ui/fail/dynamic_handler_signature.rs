use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(dynamic)]
    fn any_signal(&self, args: Vec<RawValue>) {
        let _ = args;
    }

    #[query(dynamic)]
    fn any_query(&self, name: String, args: Vec<String>) -> usize {
        name.len() + args.len()
    }

    #[update(dynamic)]
    async fn any_update(&self, name: &str, args: Vec<RawValue>) -> WorkflowResult<usize> {
        Ok(name.len() + args.len())
    }

    #[update_validator(any_update)]
    fn validate_any_update(&self, args: &[RawValue]) -> WorkflowResult<()> {
        let _ = args;
        Ok(())
    }
}

fn main() {}
