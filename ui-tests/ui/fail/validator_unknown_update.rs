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
    async fn add_item(&self, item: String) -> WorkflowResult<()> {
        let _ = item;
        Ok(())
    }

    #[signal]
    fn poke(&self) {}

    #[update_validator(add_itme)]
    fn validate_typo(&self, item: &String) -> WorkflowResult<()> {
        let _ = item;
        Ok(())
    }

    #[update_validator(poke)]
    fn validate_signal(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update_validator(add_item)]
    fn validate_once(&self, item: &String) -> WorkflowResult<()> {
        let _ = item;
        Ok(())
    }

    #[update_validator(add_item)]
    fn validate_twice(&self, item: &String) -> WorkflowResult<()> {
        let _ = item;
        Ok(())
    }

    #[update_validator]
    fn validate_what(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
