use std::sync::atomic::AtomicU32;
use temporal_sdk::prelude::*;

struct Counter {
    n: AtomicU32,
}

#[activities]
impl Counter {
    #[activity]
    async fn bump(&mut self) -> Result<u32, ActivityError> {
        Ok(0)
    }

    #[activity]
    async fn no_self(n: u32) -> Result<u32, ActivityError> {
        Ok(n)
    }

    #[activity]
    fn two_arguments(&self, a: u32, b: u32) -> Result<u32, ActivityError> {
        Ok(a + b)
    }

    #[activity]
    fn no_result(&self) -> u32 {
        0
    }

    #[activity]
    async fn no_return_type(&self) {}
}

struct Empty;

#[activities]
impl Empty {
    fn helper(&self) {}
}

fn main() {}
