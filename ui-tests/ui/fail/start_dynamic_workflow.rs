use temporal_sdk::prelude::*;

#[derive(Default)]
struct Fallback;

#[workflow(dynamic)]
impl Fallback {
    #[run]
    async fn run(&self, args: Vec<RawValue>) -> WorkflowResult<usize> {
        Ok(args.len())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let _ = client.start_workflow(Fallback::run, vec![], WorkflowOptions::new("id", "queue")).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
