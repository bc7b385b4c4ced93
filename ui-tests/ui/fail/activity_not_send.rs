use std::rc::Rc;
use temporal_sdk::prelude::*;

async fn pause() {}

#[activity]
async fn hold_rc(n: u32) -> Result<u32, ActivityError> {
    let shared = Rc::new(n);
    pause().await;
    Ok(*shared)
}

fn main() {}
