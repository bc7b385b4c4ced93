use temporal_sdk::prelude::*;

struct Plain;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    fn poke(&self, _name: String, _value: Plain) {}
}

#[activity]
async fn transform(_name: String, _value: Plain) -> Result<(), ActivityError> {
    Ok(())
}

fn main() {}
