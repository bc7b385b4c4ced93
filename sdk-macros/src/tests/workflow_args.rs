//! Handlers with several parameters: the input is their tuple, one payload each.

use quote::quote;

use super::workflow::{expand_err, expand_err_with, expand_ok};
use super::{assert_errors, assert_has};

#[test]
fn several_arguments_are_spread() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[init] fn new(a: u32, b: String) -> Self { W }
                #[run] async fn run(&self, a: u32, b: String) -> WorkflowResult<()> { Ok(()) }
                #[signal] fn s(&self, first: u32, (x, y): (u8, u8), last: Option<u8>) {}
                #[query] fn q(&self, a: u32, b: u32) -> u32 { a + b }
                #[update] async fn u(&self, a: u32, b: String) -> WorkflowResult<()> { Ok(()) }
                #[update_validator(u)] fn check_u(&self, a: &u32, b: &str) -> WorkflowResult<()> { Ok(()) }
                #[query] fn pair(&self, pair: (u32, u32)) -> u32 { pair.0 }
            }
        },
    );
    // The input is the tuple of the parameters, one payload each.
    assert_has(&out, "type Input = (u32, String);");
    assert_has(
        &out,
        "const INPUT_SHAPE: ::temporal_sdk::__private::ArgShape = ::temporal_sdk::__private::ArgShape::Spread;",
    );
    assert_has(
        &out,
        "const s: ::temporal_sdk::__private::SignalMethod<Self, (u32, (u8, u8), Option<u8>)> =
             ::temporal_sdk::__private::SignalMethod::new(\"s\").spread();",
    );
    assert_has(
        &out,
        "definition.signal::<(u32, (u8, u8), Option<u8>)>(Self::s, |this: &Self, (__arg0, __arg1, __arg2): (u32, (u8, u8), Option<u8>)|
             Self::__temporal_signal_s(this, __arg0, __arg1, __arg2))",
    );
    assert_has(&out, "::temporal_sdk::__private::QueryMethod::new(\"q\").spread()");
    // One tuple parameter stays one payload.
    assert_has(&out, "::temporal_sdk::__private::QueryMethod::new(\"pair\");");
    assert_has(
        &out,
        "let (__arg0, __arg1): (u32, String) = SameInput::<(u32, String)>::same_input(input);
         let this: Self = Self::new(__arg0, __arg1);",
    );
    // The validator gets a reference to each parameter.
    assert_has(
        &out,
        "Self::check_u(this, ValidatorInput::<&u32>::validator_input(&input.0), ValidatorInput::<&str>::validator_input(&input.1))",
    );
    // The typed handle method takes the parameters one by one, under their names.
    assert_has(&out, "fn s(&self, first: u32, arg1: (u8, u8), last: Option<u8>)");
    assert_has(&out, "::temporal_sdk::__private::WorkflowHandle::signal(self, <W>::s, (first, arg1, last))");
}

#[test]
fn several_arguments_errors() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self, a: &str, b: u32) -> WorkflowResult<()> { Ok(()) }
            #[update] fn u(&self, a: u32, b: u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(u)] fn check_u(&self, a: &u32) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "an argument of the `#[run]` method (the workflow input) is sent as a payload, so it must be an owned type",
            "`u` takes 2 arguments, so its `#[update_validator]` takes `&self` and a reference to each: write \
             `fn check_u(&self, a: &u32, b: &u32) -> WorkflowResult<()>`",
        ],
    );
    let errors = expand_err_with(
        quote!(dynamic),
        quote! {
            impl W {
                #[run] async fn run(&self, a: Vec<RawValue>, b: u32) -> WorkflowResult<()> { Ok(()) }
            }
        },
    );
    assert_errors(
        &errors,
        &["the `#[run]` method of a dynamic workflow receives the workflow's arguments as raw values"],
    );
}
