use std::time::SystemTime;
use temporal_sdk::prelude::*;

mod chrono {
    pub struct Utc;
    impl Utc {
        pub fn now() -> u64 {
            0
        }
    }
}

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let _wall = std::time::SystemTime::now();
        let _imported = SystemTime::now();
        let _monotonic = std::time::Instant::now();
        let _chrono = chrono::Utc::now();
        Ok(())
    }

    #[query]
    fn age(&self) -> String {
        format!("{:?}", SystemTime::now())
    }
}

fn main() {}
