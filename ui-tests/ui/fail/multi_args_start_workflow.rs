use temporal_sdk::converter::Args;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Transfer;

#[workflow]
impl Transfer {
    #[run]
    async fn run(&self, from: String, to: String, cents: u64) -> WorkflowResult<()> {
        let _ = (from, to, cents);
        Ok(())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let options = || WorkflowOptions::new("transfer-1", "queue");
    // one argument short
    client.start_workflow(Transfer::run, ("a".to_string(), "b".to_string()), options()).await?;
    // a wrong type among several
    client.start_workflow(Transfer::run, ("a".to_string(), 2, 100), options()).await?;
    // the arguments one by one instead of a tuple
    client.start_workflow(Transfer::run, "a".to_string(), "b".to_string(), 100, options()).await?;
    // `Args` is for by-name calls
    client.start_workflow(Transfer::run, Args(("a".to_string(), "b".to_string(), 100)), options()).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
