use std::cell::Cell;
use temporal_sdk::prelude::*;

struct Counter {
    n: Cell<u32>,
}

#[activities]
impl Counter {
    #[activity]
    async fn bump(&self) -> Result<u32, ActivityError> {
        self.n.set(self.n.get() + 1);
        Ok(self.n.get())
    }
}

fn main() {}
