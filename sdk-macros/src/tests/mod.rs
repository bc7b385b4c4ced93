//! Unit tests: run the expansion functions on token input and check the errors and the shape of
//! the output. `cargo test -p temporal-sdk-macros -- --nocapture print` shows expansions.

mod activities;
mod activity;
mod handler_details;
mod workflow;
mod workflow_args;

use proc_macro2::TokenStream;

/// The messages of the errors, in order.
fn messages(error: Option<syn::Error>) -> Vec<String> {
    error.map(|e| e.into_iter().map(|e| e.to_string()).collect()).unwrap_or_default()
}

/// Formats generated items like `cargo expand` would.
fn pretty(tokens: &TokenStream) -> String {
    let file: syn::File =
        syn::parse2(tokens.clone()).unwrap_or_else(|e| panic!("expansion does not parse: {e}\n{tokens}"));
    prettyplease::unparse(&file)
}

/// Asserts that `errors` has exactly one message per expected fragment, each containing it.
#[track_caller]
fn assert_errors(errors: &[String], expected: &[&str]) {
    assert_eq!(errors.len(), expected.len(), "errors: {errors:#?}\nexpected fragments: {expected:#?}");
    for (error, fragment) in errors.iter().zip(expected) {
        assert!(error.contains(fragment), "error {error:?} does not contain {fragment:?}\nall: {errors:#?}");
    }
}

/// Whitespace-insensitive "contains" (and blind to trailing commas), for generated code.
#[track_caller]
fn assert_has(haystack: &str, needle: &str) {
    let squash = |s: &str| {
        let mut squashed = s.split_whitespace().collect::<String>();
        for (from, to) in [(",)", ")"), (",>", ">"), (",|", "|"), (",}", "}")] {
            squashed = squashed.replace(from, to);
        }
        squashed
    };
    assert!(squash(haystack).contains(&squash(needle)), "expansion lacks {needle:?}:\n{haystack}");
}
