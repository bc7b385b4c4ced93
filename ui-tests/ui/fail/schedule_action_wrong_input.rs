use temporal_sdk::client::schedule::ScheduleAction;
use temporal_sdk::prelude::*;

#[derive(Default)]
struct Report;

#[workflow]
impl Report {
    #[run]
    async fn run(&self, kind: String) -> WorkflowResult<String> {
        Ok(kind)
    }
}

fn action() -> Result<ScheduleAction, ClientError> {
    // The workflow takes a String.
    ScheduleAction::start_workflow(Report::run, 7, WorkflowOptions::new("report", "reports"))
}

fn main() {
    let _ = action;
}
