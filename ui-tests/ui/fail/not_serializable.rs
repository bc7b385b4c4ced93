use temporal_sdk::prelude::*;

struct Plain;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self, _input: Plain) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    fn poke(&self, _value: Plain) {}

    #[query]
    fn peek(&self) -> Plain {
        Plain
    }
}

#[activity]
async fn transform(input: Plain) -> Result<Plain, ActivityError> {
    Ok(input)
}

fn main() {}
