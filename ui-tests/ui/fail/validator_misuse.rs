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
    async fn validate_async(&self, limit: &u64) -> WorkflowResult<()> {
        let _ = limit;
        Ok(())
    }

    #[update_validator(set_limit)]
    fn validate_mut(&mut self, limit: &u64) -> WorkflowResult<()> {
        let _ = limit;
        Ok(())
    }

    #[update_validator(set_limit)]
    fn validate_by_value(&self, limit: u64) -> WorkflowResult<()> {
        let _ = limit;
        Ok(())
    }

    #[update_validator(set_limit)]
    fn validate_nothing(&self, limit: &u64) {
        let _ = limit;
    }
}

fn main() {}
