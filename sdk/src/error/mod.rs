//! Failures and errors: the Temporal failure hierarchy and the error types of workflow,
//! activity and client code.
//!
//! [`Failure`] mirrors `temporal.api.failure.v1.Failure`, the form in which every Temporal SDK
//! records why something failed (an application error, a timeout, a cancellation, an
//! activity or child workflow that failed with a cause). Workflow code returns
//! [`WorkflowError`], activity code returns [`ActivityError`]; both convert from any
//! ordinary error with `?`, the way `anyhow` does.

mod activity_error;
mod application;
mod failure;
mod workflow_error;

pub use activity_error::ActivityError;
pub use application::ApplicationError;
pub use failure::{ApplicationErrorCategory, Failure, FailureKind, RetryState, TimeoutType};
pub use workflow_error::{ContinueAsNew, WorkflowError, WorkflowResult};

/// The failure type name of a Rust error type: its name without module paths, as Python writes
/// an exception's class name, so `non_retryable_error_types` lists read the same in every SDK
/// (`core::num::error::ParseIntError` becomes `ParseIntError`, `my::Wrapper<my::Inner>` becomes
/// `Wrapper<Inner>`). Strings and type-erased errors (`Box<dyn Error>`, `anyhow::Error`) have no
/// type: their failures carry none.
pub(crate) fn failure_type_name(rust_type: &str) -> Option<String> {
    let rust_type = rust_type.trim_start_matches('&');
    if rust_type.starts_with("alloc::boxed::Box<dyn ")
        || matches!(rust_type, "str" | "alloc::string::String" | "anyhow::Error" | "eyre::Report")
    {
        return None;
    }
    let mut short = String::with_capacity(rust_type.len());
    let mut segment_start = 0;
    for c in rust_type.chars() {
        if c == ':' {
            // Drop the path written so far; `::` is two characters, the second resets again.
            short.truncate(segment_start);
        } else if !(c.is_alphanumeric() || c == '_') {
            short.push(c);
            segment_start = short.len();
        } else {
            short.push(c);
        }
    }
    Some(short)
}

/// The failure of an ordinary Rust error (not an [`ApplicationError`] or [`Failure`]): its
/// message, and its type per [`failure_type_name`].
pub(crate) fn failure_of_error(error: &(dyn std::error::Error + 'static), rust_type: &str) -> Failure {
    Failure::application(error.to_string(), failure_type_name(rust_type), false)
}

/// The message of a caught panic payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::failure_type_name;

    #[test]
    fn failure_types_are_unqualified_type_names() {
        let name = |t: &str| failure_type_name(t);
        assert_eq!(name("core::num::error::ParseIntError").as_deref(), Some("ParseIntError"));
        assert_eq!(name(std::any::type_name::<std::num::ParseIntError>()).as_deref(), Some("ParseIntError"));
        assert_eq!(name("MyError").as_deref(), Some("MyError"));
        assert_eq!(name("my::Wrapper<my::inner::Inner, u32>").as_deref(), Some("Wrapper<Inner, u32>"));
        assert_eq!(name("&std::io::error::Error").as_deref(), Some("Error"));
        assert_eq!(name(std::any::type_name::<String>()), None);
        assert_eq!(name(std::any::type_name::<&str>()), None);
        assert_eq!(name(std::any::type_name::<Box<dyn std::error::Error + Send + Sync>>()), None);
    }
}
