use temporal_sdk::prelude::*;

#[derive(Default)]
struct Account;

#[workflow]
impl Account {
    #[run]
    async fn run(&self) -> WorkflowResult<()> {
        Ok(())
    }

    #[update]
    fn withdraw(&self, cents: u64, reason: String) -> WorkflowResult<u64> {
        let _ = reason;
        Ok(cents)
    }

    #[update_validator(withdraw)]
    fn check_withdraw(&self, cents: &u64) -> WorkflowResult<()> {
        let _ = cents;
        Ok(())
    }

    #[update]
    fn deposit(&self, cents: u64, memo: String) -> WorkflowResult<u64> {
        let _ = memo;
        Ok(cents)
    }

    #[update_validator(deposit)]
    fn check_deposit(&self, cents: &u32, memo: &str) -> WorkflowResult<()> {
        let _ = (cents, memo);
        Ok(())
    }
}

fn main() {}
