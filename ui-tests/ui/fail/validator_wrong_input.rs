use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update]
    async fn set_limit(&self, limit: u64) -> WorkflowResult<()> {
        let _ = limit;
        Ok(())
    }

    #[update_validator(set_limit)]
    fn validate_set_limit(&self, limit: &u32) -> WorkflowResult<()> {
        let _ = limit;
        Ok(())
    }
}

fn main() {}
