use std::time::Duration;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        std::thread::spawn(|| {});
        std::thread::sleep(Duration::from_millis(10));
        tokio::spawn(async {});
        tokio::time::sleep(Duration::from_millis(10)).await;
        tokio::select! {
            _ = async {} => {}
            _ = async {} => {}
        }
        Ok(())
    }
}

fn main() {}
