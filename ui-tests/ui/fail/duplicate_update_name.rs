use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update(name = "set")]
    async fn set_a(&self, a: u32) -> WorkflowResult<()> {
        let _ = a;
        Ok(())
    }

    #[update(name = "set")]
    fn set_b(&self, b: u32) -> WorkflowResult<()> {
        let _ = b;
        Ok(())
    }
}

struct Database;

#[activities]
impl Database {
    #[activity(name = "load")]
    async fn load_one(&self) -> Result<(), ActivityError> {
        Ok(())
    }

    #[activity(name = "load")]
    async fn load_two(&self) -> Result<(), ActivityError> {
        Ok(())
    }
}

fn main() {}
