use temporal_sdk::prelude::*;

#[activity]
async fn no_result(name: String) {
    let _ = name;
}

#[activity]
fn not_a_result(name: String) -> String {
    name
}

fn main() {}
