use std::fs::File;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct W;

#[workflow]
impl W {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        let _config = std::fs::read_to_string("config.toml");
        let _file = File::open("data.bin");
        let _socket = std::net::TcpStream::connect("localhost:80");
        let _home = std::env::var("HOME");
        Ok(())
    }

    #[signal]
    fn reload(&self) {
        let _ = std::fs::read("config.toml");
    }
}

fn main() {}
