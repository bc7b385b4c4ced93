//! What a handler's attribute and doc comment say besides its name: its description (the Web
//! UI and `temporal workflow metadata` show it) and its unfinished policy.

use quote::quote;

use super::workflow::{expand_err, expand_ok};
use super::{assert_errors, assert_has};

#[test]
fn descriptions_come_from_the_attribute_or_the_doc_comment() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                /// Adds `n`
                /// to the count.
                ///
                /// Details that stay in the documentation.
                #[signal] fn add(&self, n: u32) {}
                /// Overridden by the attribute.
                #[query(description = "The count")] fn count(&self) -> u32 { 0 }
                #[update] fn reset(&self) -> WorkflowResult<()> { Ok(()) }
            }
        },
    );
    assert_has(&out, r#"SignalMethod::new("add").with_description("Adds `n` to the count.")"#);
    assert_has(&out, r#"QueryMethod::new("count").with_description("The count")"#);
    // No description: the marker is left as it was.
    assert_has(&out, r#"= ::temporal_sdk::__private::UpdateMethod::new("reset");"#);
}

#[test]
fn unfinished_policies_go_on_the_markers_and_the_dynamic_registrations() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                #[signal(unfinished_policy = "abandon")] async fn a(&self) {}
                #[update(unfinished_policy = "warn_and_abandon")] async fn b(&self) -> WorkflowResult<()> { Ok(()) }
                /// Any other signal.
                #[signal(dynamic, unfinished_policy = "abandon")]
                async fn other(&self, name: String, args: Vec<RawValue>) {}
            }
        },
    );
    assert_has(
        &out,
        r#"SignalMethod::new("a").with_unfinished_policy(::temporal_sdk::__private::HandlerUnfinishedPolicy::Abandon)"#,
    );
    assert_has(&out, r#"= ::temporal_sdk::__private::UpdateMethod::new("b");"#);
    assert_has(
        &out,
        r#".dynamic_signal_details("Any other signal.", ::temporal_sdk::__private::HandlerUnfinishedPolicy::Abandon)"#,
    );
}

#[test]
fn bad_details_are_reported() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[signal(unfinished_policy = "ignore")] fn a(&self) {}
            #[query(unfinished_policy = "abandon")] fn b(&self) -> u8 { 0 }
            #[update(description = "x", description = "y")] fn c(&self) -> WorkflowResult<()> { Ok(()) }
            #[update(description = 3)] fn d(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "unknown `unfinished_policy` \"ignore\": write `unfinished_policy = \"abandon\"`",
            "unknown argument `unfinished_policy` of `#[query]`: the arguments are `name = \"...\"`, `description = \"...\"` and `dynamic`",
            "`description` is given twice: keep one",
            "`description` takes a string literal: `description = \"...\"`",
        ],
    );
}
