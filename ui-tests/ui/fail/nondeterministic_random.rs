use temporal_sdk::prelude::*;

mod rand {
    pub fn random<T: Default>() -> T {
        T::default()
    }
    pub fn thread_rng() -> u8 {
        4
    }
    pub fn rng() -> u8 {
        4
    }
}

mod uuid {
    pub struct Uuid;
    impl Uuid {
        pub fn new_v4() -> Uuid {
            Uuid
        }
    }
}

use rand::thread_rng;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let _a: u64 = rand::random();
        let _b = thread_rng();
        let _c = rand::rng();
        let _d = uuid::Uuid::new_v4();
        Ok(())
    }
}

fn main() {}
