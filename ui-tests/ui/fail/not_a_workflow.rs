use temporal_sdk::prelude::*;

#[derive(Default)]
struct Plain;

impl Plain {
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.get_workflow_handle::<Plain>("id", None);
    let _ = handle;
    let _ = client.start_workflow(Plain::run, (), WorkflowOptions::new("id", "queue")).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
    let _ = WorkerOptions::new("queue").workflow::<Plain>();
}
