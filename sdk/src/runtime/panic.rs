//! Catching panics of workflow code without printing them.
//!
//! A panic in workflow code fails the workflow task, and the server retries the task; the
//! default panic hook would print the message (and a backtrace) to stderr on every retry. While
//! workflow code runs, a hook installed once per process records where the panic happened
//! instead, and the worker reports it through `tracing` with the workflow's ids. Panics
//! anywhere else still reach the hook that was installed before.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::error::panic_message;

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) {
                let location = info.location().map(|l| l.to_string());
                LOCATION.with(|l| *l.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its message and source location, printed by no one.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    install_hook();
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        let message = panic_message(payload.as_ref());
        match LOCATION.with(|l| l.borrow_mut().take()) {
            Some(location) => format!("{message} (at {location})"),
            None => message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::catch_quietly;

    #[test]
    fn a_caught_panic_gives_its_message_and_location() {
        let err = catch_quietly(|| -> u32 { panic!("boom {}", 7) }).unwrap_err();
        assert!(err.starts_with("boom 7 (at sdk/src/runtime/panic.rs:"), "{err}");
        assert_eq!(catch_quietly(|| 5), Ok(5));
    }
}
