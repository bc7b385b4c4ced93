use std::cell::RefCell;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Person {
    name: RefCell<String>,
}

#[workflow]
impl Person {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[signal]
    fn rename(&self, first: String, last: String) {
        *self.name.borrow_mut() = format!("{first} {last}");
    }
}

async fn client_side(client: Client) -> Result<(), ClientError> {
    let handle = client.start_workflow(Person::run, (), WorkflowOptions::new("p", "queue")).await?;
    // one argument short
    handle.signal(Person::rename, ("Ada".to_string(),)).await?;
    // a wrong type among several
    handle.signal(Person::rename, ("Ada".to_string(), 1815)).await?;
    // the typed handle method takes them one by one
    handle.rename("Ada".to_string()).await?;
    handle.rename("Ada".to_string(), 1815).await?;
    Ok(())
}

fn main() {
    let _ = client_side;
}
