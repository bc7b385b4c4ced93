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
    fn borrowed_second(&self, a: u32, b: &str) -> Result<u32, ActivityError> {
        Ok(a + b.len() as u32)
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
