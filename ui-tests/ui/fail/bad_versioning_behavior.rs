use temporal_sdk::prelude::*;

#[derive(Default)]
struct Misspelled;

#[workflow(versioning_behavior = "pinnned")]
impl Misspelled {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
struct NotAString;

#[workflow(versioning_behavior = pinned)]
impl NotAString {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Twice;

#[workflow(versioning_behavior = "pinned", versioning_behavior = "auto_upgrade")]
impl Twice {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

#[derive(Default)]
struct Unknown;

#[workflow(versioning = "pinned")]
impl Unknown {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }
}

fn main() {}
