use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[signal]
    fn poke(&self) {}
}

fn main() {}
