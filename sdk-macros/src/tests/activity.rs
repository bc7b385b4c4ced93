use proc_macro2::TokenStream;
use quote::quote;

use super::{assert_errors, assert_has, messages, pretty};
use crate::activity::expand_checked;

fn expand_ok(attr: TokenStream, item: TokenStream) -> String {
    let (tokens, errors) = expand_checked(attr, item);
    let errors = messages(errors);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    pretty(&tokens)
}

fn expand_err(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let (tokens, errors) = expand_checked(attr, item);
    pretty(&tokens);
    messages(errors)
}

fn say_hello() -> TokenStream {
    quote! {
        /// Greets someone.
        #[activity]
        pub async fn say_hello(name: String) -> Result<String, ActivityError> {
            Ok(format!("Hello, {name}!"))
        }
    }
}

#[test]
fn print_activity_expansion() {
    // `#[activity]` itself is not part of the item the macro receives.
    let item = quote! {
        /// Greets someone.
        pub async fn say_hello(name: String) -> Result<String, ActivityError> {
            Ok(format!("Hello, {name}!"))
        }
    };
    println!("{}", expand_ok(quote!(), item));
    println!("{}", expand_ok(quote!(name = "Fetch"), quote! { fn fetch() -> Result<u32, std::io::Error> { Ok(1) } }));
}

#[test]
fn async_activity_shape() {
    let out = expand_ok(quote!(), say_hello());
    assert_has(
        &out,
        "/// Greets someone.
         #[allow(non_camel_case_types)]
         #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default)]
         pub struct say_hello;",
    );
    assert_has(&out, "impl say_hello {");
    assert_has(
        &out,
        "#[activity] pub async fn call(name: String) -> Result<String, ActivityError> { Ok(format!(\"Hello, {name}!\")) }",
    );
    assert_has(&out, "impl ::temporal_sdk::__private::ActivityDefinition for say_hello {");
    assert_has(&out, "type Input = String;");
    assert_has(&out, "type Output = <Result<String, ActivityError> as ::temporal_sdk::__private::ActivityReturn>::Ok;");
    assert_has(&out, "fn name(&self) -> &'static str { \"say_hello\" }");
    assert_has(&out, "impl ::temporal_sdk::__private::ActivityImplementation for say_hello {");
    assert_has(
        &out,
        "fn execute(&self, input: String) -> ::temporal_sdk::__private::BoxFuture<'static, ::core::result::Result<<Result<String, ActivityError> as ::temporal_sdk::__private::ActivityReturn>::Ok, ::temporal_sdk::__private::ActivityError>>",
    );
    assert_has(
        &out,
        "::std::boxed::Box::pin(async move {
             ::temporal_sdk::__private::ActivityReturn::into_result(Self::call(input).await)
         })",
    );
}

#[test]
fn blocking_activity_without_input() {
    let out = expand_ok(quote!(name = "Fetch"), quote! { fn fetch() -> Result<u32, std::io::Error> { Ok(1) } });
    assert_has(&out, "struct fetch;");
    assert_has(&out, "/// The `Fetch` activity");
    assert_has(&out, "fn call() -> Result<u32, std::io::Error> { Ok(1) }");
    assert_has(&out, "type Input = ();");
    assert_has(&out, "\"Fetch\"");
    assert_has(&out, "fn execute(&self, (): ())");
    assert_has(
        &out,
        "::temporal_sdk::__private::blocking_activity(move ||
             ::temporal_sdk::__private::ActivityReturn::into_result(Self::call())
         )",
    );
}

#[test]
fn cfg_applies_to_every_item() {
    let out = expand_ok(quote!(), quote! { #[cfg(feature = "x")] async fn a() -> Result<(), E> { Ok(()) } });
    assert_eq!(out.matches("#[cfg(feature = \"x\")]").count(), 5, "{out}");
}

#[test]
fn errors() {
    assert_errors(
        &expand_err(quote!(), quote! { async fn a(&self) -> Result<(), E> { Ok(()) } }),
        &[
            "an `#[activity]` function takes no `self`: for activities that share state (a connection pool, a client), put `#[activities]` on the `impl` block",
        ],
    );
    assert_errors(
        &expand_err(quote!(), quote! { async fn a(x: u32, y: &str) -> Result<(), E> { Ok(()) } }),
        &["an argument of an activity is sent as a payload, so it must be an owned type"],
    );
    assert_errors(
        &expand_err(quote!(), quote! { async fn a(x: u32) {} }),
        &["an activity returns `Result<T, E>`: add `-> Result<T, ActivityError>`"],
    );
    assert_errors(
        &expand_err(quote!(), quote! { async fn a<T>(x: &str) -> Result<&str, E> { Ok(x) } }),
        &[
            "an activity cannot be generic",
            "the argument of an activity is sent as a payload, so it must be an owned type",
            "the result of an activity is sent as a payload, so it must be an owned type",
        ],
    );
    assert_errors(
        &expand_err(quote!(name = "", label = "x"), quote! { async fn a() -> Result<(), E> { Ok(()) } }),
        &["`name` cannot be empty", "unknown argument `label` of `#[activity]`"],
    );
    assert_errors(
        &expand_err(quote!(), quote! { struct A; }),
        &["`#[activity]` goes on a function: `#[activity] async fn name(input: T) -> Result<O, ActivityError> { .. }`"],
    );
}

#[test]
fn several_arguments_are_spread() {
    let out = expand_ok(
        quote!(),
        quote! { async fn compose(greeting: String, name: String) -> Result<String, ActivityError> { Ok(name) } },
    );
    assert_has(&out, "type Input = (String, String);");
    assert_has(
        &out,
        "fn input_shape(&self) -> ::temporal_sdk::__private::ArgShape { ::temporal_sdk::__private::ArgShape::Spread }",
    );
    assert_has(&out, "fn execute(&self, (__arg0, __arg1): (String, String))");
    assert_has(&out, "Self::call(__arg0, __arg1).await");
    // `call` keeps the function's own parameters.
    assert_has(&out, "async fn call(greeting: String, name: String)");
    // One tuple parameter stays one payload.
    let out =
        expand_ok(quote!(), quote! { async fn pair(p: (String, String)) -> Result<String, ActivityError> { Ok(p.0) } });
    assert_has(&out, "type Input = (String, String);");
    assert!(!out.contains("input_shape"), "{out}");
}
