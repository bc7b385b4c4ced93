use proc_macro2::TokenStream;
use quote::quote;

use super::{assert_errors, assert_has, messages, pretty};
use crate::activities::expand_checked;

fn expand_ok(item: TokenStream) -> String {
    let (tokens, errors) = expand_checked(quote!(), item);
    let errors = messages(errors);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    pretty(&tokens)
}

fn expand_err(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let (tokens, errors) = expand_checked(attr, item);
    pretty(&tokens);
    messages(errors)
}

fn database() -> TokenStream {
    quote! {
        impl Database {
            /// Loads a row.
            #[activity]
            pub async fn load(&self, key: String) -> Result<String, ActivityError> { Ok(key) }

            #[activity(name = "Store")]
            fn store(&self) -> Result<u32, std::io::Error> { Ok(1) }

            fn helper(&self) {}
        }
    }
}

#[test]
fn print_activities_expansion() {
    println!("{}", expand_ok(database()));
}

#[test]
fn markers_hidden_methods_and_registration() {
    let out = expand_ok(database());
    assert_has(
        &out,
        "/// Loads a row.
         #[allow(non_upper_case_globals, clippy::type_complexity)]
         pub const load: ::temporal_sdk::__private::ActivityMethod<
             Self, String, <Result<String, ActivityError> as ::temporal_sdk::__private::ActivityReturn>::Ok,
         > = ::temporal_sdk::__private::activity_method::<
             Self, String, <Result<String, ActivityError> as ::temporal_sdk::__private::ActivityReturn>::Ok,
         >(",
    );
    assert_has(&out, "\"load\", |this: ::temporal_sdk::__private::Arc<Self>, input: String|");
    assert_has(
        &out,
        "::std::boxed::Box::pin(async move {
             ::temporal_sdk::__private::ActivityReturn::into_result(Self::__temporal_activity_load(&this, input).await)
         })",
    );
    assert_has(&out, "#[doc(hidden)] async fn __temporal_activity_load(&self, key: String)");
    // blocking method: on the activity executor
    assert_has(
        &out,
        "::temporal_sdk::__private::blocking_activity(move ||
             ::temporal_sdk::__private::ActivityReturn::into_result(Self::__temporal_activity_store(&this)))",
    );
    assert_has(&out, "\"Store\", |this: ::temporal_sdk::__private::Arc<Self>, (): ()|");
    assert_has(&out, "fn helper(&self) {}");
    assert_has(&out, "impl ::temporal_sdk::__private::ActivityMethods for Database {");
    assert_has(
        &out,
        "methods.push(::temporal_sdk::__private::UnboundActivity::new(Self::load.name(), |this, args| Self::load.call_erased(this, args)));",
    );
    assert_has(&out, "::temporal_sdk::__private::UnboundActivity::new(Self::store.name(), |this, args|");
}

#[test]
fn errors() {
    let errors = expand_err(
        quote!(pool),
        quote! {
            impl Database {
                #[activity] async fn a(&mut self) -> Result<(), E> { Ok(()) }
                #[activity] async fn b(x: u32) -> Result<(), E> { Ok(()) }
                #[activity] fn c(&self, x: u32, y: u32) -> Result<(), E> { Ok(()) }
                #[activity] fn d(&self) {}
                #[activity] fn e(self) -> Result<(), E> { Ok(()) }
                #[activity(name = "f")] fn f1(&self) -> Result<(), E> { Ok(()) }
                #[activity(name = "f")] fn f2(&self) -> Result<(), E> { Ok(()) }
                #[activity] #[activity] fn g(&self) -> Result<(), E> { Ok(()) }
            }
        },
    );
    assert_errors(
        &errors,
        &[
            "`#[activities]` takes no arguments",
            "an `#[activity]` method takes `&self`, not `&mut self`: activities run concurrently on the one shared value",
            "an `#[activity]` method of an `#[activities]` impl block takes `&self`, the value the activities share",
            "an activity returns `Result<T, E>`",
            "an `#[activity]` method takes `&self`, not `self`",
            "`#[activity]` is given twice: keep one",
            "the activity name `f` is already used by `f1`",
        ],
    );
    assert_errors(
        &expand_err(quote!(), quote! { impl Database { fn helper(&self) {} } }),
        &["an `#[activities]` impl block has at least one `#[activity]` method"],
    );
    assert_errors(
        &expand_err(quote!(), quote! { impl Trait for Database {} }),
        &["`#[activities]` goes on the inherent `impl Database { .. }` block"],
    );
    assert_errors(&expand_err(quote!(), quote! { fn f() {} }), &["`#[activities]` goes on an inherent `impl` block"]);
}

#[test]
fn several_arguments_are_spread() {
    let out = expand_ok(quote! {
        impl Database {
            #[activity]
            async fn put(&self, key: String, value: u32) -> Result<(), ActivityError> { Ok(()) }
        }
    });
    assert_has(&out, "::temporal_sdk::__private::ActivityMethod<Self, (String, u32),");
    assert_has(&out, "|this: ::temporal_sdk::__private::Arc<Self>, (__arg0, __arg1): (String, u32)|");
    assert_has(&out, "Self::__temporal_activity_put(&this, __arg0, __arg1).await");
    assert_has(&out, ").spread();");
}
