use temporal_sdk::prelude::*;

#[workflow]
#[derive(Default)]
struct W;

fn main() {}
