use temporal_sdk::prelude::*;

struct W;

#[workflow]
impl Default for W {
    fn default() -> Self {
        W
    }
}

fn main() {}
