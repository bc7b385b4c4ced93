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
    async fn no_result(&self, n: u32) {
        let _ = n;
    }

    #[update]
    fn mutates(&mut self, n: u32) -> WorkflowResult<u32> {
        Ok(n)
    }

    #[update]
    async fn borrowed_second(&self, a: u32, b: &[u32]) -> WorkflowResult<u32> {
        Ok(a + b.len() as u32)
    }

    #[update]
    fn no_self(n: u32) -> WorkflowResult<u32> {
        Ok(n)
    }
}

fn main() {}
