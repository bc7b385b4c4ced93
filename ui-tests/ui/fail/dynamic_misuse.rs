use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal(dynamic, name = "everything")]
    fn first(&self, name: String, args: Vec<RawValue>) {
        let _ = (name, args);
    }

    #[signal(dynamic)]
    fn second(&self, name: String, args: Vec<RawValue>) {
        let _ = (name, args);
    }

    #[query(dynamic = true)]
    fn any_query(&self, name: String, args: Vec<RawValue>) -> usize {
        name.len() + args.len()
    }
}

#[derive(Default)]
struct Fallback;

#[workflow(dynamic, name = "Fallback")]
impl Fallback {
    #[run]
    async fn run(&self, args: Vec<RawValue>) -> WorkflowResult<()> {
        let _ = args;
        Ok(())
    }
}

fn main() {}
