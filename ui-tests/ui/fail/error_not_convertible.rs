use temporal_sdk::prelude::*;

#[derive(Debug)]
struct NotAnError;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> Result<(), NotAnError> {
        Ok(())
    }
}

#[activity]
async fn act() -> Result<(), NotAnError> {
    Ok(())
}

fn main() {}
