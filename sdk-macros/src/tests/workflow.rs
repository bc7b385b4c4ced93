use proc_macro2::TokenStream;
use quote::quote;

use super::{assert_errors, assert_has, messages, pretty};
use crate::workflow::expand_checked;

/// Expands and returns the pretty output; panics on errors.
pub(super) fn expand_ok(attr: TokenStream, item: TokenStream) -> String {
    let (tokens, errors) = expand_checked(attr, item);
    let errors = messages(errors);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    pretty(&tokens)
}

/// Expands and returns the error messages; the output must still parse.
pub(super) fn expand_err(item: TokenStream) -> Vec<String> {
    expand_err_with(quote!(), item)
}

pub(super) fn expand_err_with(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let (tokens, errors) = expand_checked(attr, item);
    pretty(&tokens);
    messages(errors)
}

fn greeting() -> TokenStream {
    quote! {
        impl Greeting {
            /// Waits for `complete`, then greets.
            #[run]
            pub async fn run(&self, name: String) -> WorkflowResult<String> {
                workflow::wait_condition(|| self.complete.get()).await?;
                Ok(format!("{} / {name}", self.salutation.borrow()))
            }

            #[signal]
            pub fn update_salutation(&self, salutation: String) {
                *self.salutation.borrow_mut() = salutation;
            }

            #[signal(name = "finish")]
            pub fn complete(&self) {
                self.complete.set(true);
            }

            #[query]
            pub fn current_salutation(&self) -> String {
                self.salutation.borrow().clone()
            }

            fn helper(&self) -> usize {
                1
            }
        }
    }
}

#[test]
fn print_greeting_expansion() {
    let expanded = expand_ok(quote!(), greeting());
    println!("{expanded}");
}

#[test]
fn greeting_expansion_shape() {
    let out = expand_ok(quote!(), greeting());
    // markers in place of the methods, with the methods' visibility and docs
    assert_has(
        &out,
        "/// Waits for `complete`, then greets.
         #[allow(non_upper_case_globals, dead_code, clippy::type_complexity)]
         pub const run: ::temporal_sdk::__private::RunMethod<Self> = ::temporal_sdk::__private::RunMethod::new();",
    );
    assert_has(
        &out,
        "pub const update_salutation: ::temporal_sdk::__private::SignalMethod<Self, String>
             = ::temporal_sdk::__private::SignalMethod::new(\"update_salutation\");",
    );
    assert_has(&out, "pub const complete: ::temporal_sdk::__private::SignalMethod<Self, ()>");
    assert_has(&out, "::temporal_sdk::__private::SignalMethod::new(\"finish\")");
    assert_has(&out, "pub const current_salutation: ::temporal_sdk::__private::QueryMethod<Self, (), String>");
    // the methods, renamed and hidden, bodies kept
    assert_has(
        &out,
        "#[doc(hidden)] #[allow(clippy::future_not_send)] async fn __temporal_run(&self, name: String) -> WorkflowResult<String> {",
    );
    assert_has(&out, "#[doc(hidden)] fn __temporal_signal_update_salutation(&self, salutation: String) {");
    assert_has(&out, "#[doc(hidden)] fn __temporal_signal_complete(&self) {");
    assert_has(&out, "#[doc(hidden)] fn __temporal_query_current_salutation(&self) -> String {");
    // untouched
    assert_has(&out, "fn helper(&self) -> usize { 1 }");
    // the Workflow impl
    assert_has(&out, "impl ::temporal_sdk::__private::Workflow for Greeting {");
    assert_has(&out, "const NAME: &'static str = \"Greeting\";");
    assert_has(&out, "type Input = String;");
    assert_has(&out, "type Output = <WorkflowResult<String> as ::temporal_sdk::__private::WorkflowReturn>::Ok;");
    assert_has(&out, "|_: String| -> Self { <Self as ::core::default::Default>::default() }");
    assert_has(&out, "Self::__temporal_run(&this, input).await");
    assert_has(
        &out,
        "definition.signal::<String>(Self::update_salutation, |this: &Self, input: String| Self::__temporal_signal_update_salutation(this, input))",
    );
    assert_has(
        &out,
        "definition.signal::<()>(Self::complete, |this: &Self, (): ()| Self::__temporal_signal_complete(this))",
    );
    assert_has(
        &out,
        "definition.query::<(), String>(Self::current_salutation, |this: &Self, (): ()| -> String { Self::__temporal_query_current_salutation(this) })",
    );
    let markers = out
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("#[run]") || l.starts_with("#[signal") || l.starts_with("#[query"));
    assert_eq!(markers.count(), 0, "{out}");
}

#[test]
fn markers_without_docs_get_a_generated_doc() {
    let out = expand_ok(quote!(), greeting());
    assert_has(&out, "/// The `update_salutation` signal of the `Greeting` workflow");
    assert_has(&out, "/// The `finish` signal of the `Greeting` workflow");
    assert!(!out.contains("The run method of"), "user docs replace the generated one:\n{out}");
}

#[test]
fn workflow_name_override() {
    let out = expand_ok(
        quote!(name = "GreetingV2"),
        quote! { impl Greeting { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } } },
    );
    assert_has(&out, "const NAME: &'static str = \"GreetingV2\";");
    assert_has(&out, "type Input = ();");
    assert_has(&out, "|this: ::temporal_sdk::__private::Rc<Self>, (): ()|");
    assert_has(&out, "Self::__temporal_run(&this).await");
    // a private run method gives a private marker
    assert_has(&out, "const run: ::temporal_sdk::__private::RunMethod<Self>");
}

#[test]
fn init_with_and_without_input() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl Counter {
                #[init]
                pub fn new(start: u32) -> Self { Counter { n: Cell::new(start) } }
                #[run]
                async fn go(&self, start: u32) -> Result<u32, ApplicationError> { Ok(start) }
            }
        },
    );
    // init keeps its name and is called with the workflow input
    assert_has(&out, "pub fn new(start: u32) -> Self {");
    assert_has(
        &out,
        "|input: u32| -> Self { let input: u32 = SameInput::<u32>::same_input(input); let this: Self = Self::new(input); this }",
    );
    assert_has(&out, "trait SameInput<T> {");
    // the marker keeps the run method's own name
    assert_has(&out, "const go: ::temporal_sdk::__private::RunMethod<Self>");
    assert_has(&out, "async fn __temporal_run(&self, start: u32)");

    let out = expand_ok(
        quote!(),
        quote! {
            impl Counter {
                #[init]
                fn new() -> Counter { Counter { n: Cell::new(7) } }
                #[run]
                async fn run(&self, start: u32) -> WorkflowResult<u32> { Ok(start) }
            }
        },
    );
    assert_has(&out, "|_: u32| -> Self { let this: Counter = Self::new(); this }");
}

#[test]
fn async_signals() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl Approval {
                #[run]
                async fn run(&self) -> WorkflowResult<bool> { Ok(true) }
                #[signal]
                async fn approve(&self, who: String) -> WorkflowResult<()> { Ok(()) }
                #[signal]
                async fn poke(&self) { }
            }
        },
    );
    assert_has(
        &out,
        "definition.async_signal::<String>(Self::approve, |this: ::temporal_sdk::__private::Rc<Self>, input: String|",
    );
    assert_has(
        &out,
        "let result: ::core::result::Result<(), _> = Self::__temporal_signal_approve(&this, input).await;
         ::core::result::Result::map_err(result, ::core::convert::Into::into)",
    );
    assert_has(&out, "definition.async_signal::<()>(Self::poke");
    assert_has(&out, "Self::__temporal_signal_poke(&this).await; ::core::result::Result::Ok(())");
    assert_has(&out, "async fn __temporal_signal_approve(&self, who: String) -> WorkflowResult<()>");
}

#[test]
fn queries_with_input_and_renamed() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[run]
                async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                #[query(name = "lookup")]
                fn r#get(&self, key: String) -> Option<u64> { None }
            }
        },
    );
    assert_has(&out, "const r#get: ::temporal_sdk::__private::QueryMethod<Self, String, Option<u64>>");
    assert_has(&out, "fn __temporal_query_get(&self, key: String) -> Option<u64>");
    assert_has(
        &out,
        "definition.query::<String, Option<u64>>(Self::r#get, |this: &Self, input: String| -> Option<u64> { Self::__temporal_query_get(this, input) })",
    );
}

#[test]
fn attributes_follow_the_method_and_cfg_everything() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[run]
                async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                /// Debug only.
                #[cfg(debug_assertions)]
                #[allow(unused_variables)]
                #[signal]
                fn dbg(&self, x: u8) {}
            }
        },
    );
    assert_has(
        &out,
        "/// Debug only.
         #[cfg(debug_assertions)]
         #[allow(non_upper_case_globals, dead_code, clippy::type_complexity)]
         const dbg:",
    );
    assert_has(
        &out,
        "#[doc(hidden)] #[cfg(debug_assertions)] #[allow(unused_variables)] fn __temporal_signal_dbg(&self, x: u8) {}",
    );
    assert_has(&out, "#[cfg(debug_assertions)] let definition = definition.signal::<u8>(Self::dbg");
}

#[test]
fn path_attributes_are_recognised() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl W {
                #[temporal_sdk::run]
                async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                #[temporal_sdk::prelude::query]
                fn q(&self) -> u8 { 0 }
                #[other::signal]
                fn not_ours(&self) {}
                #[signal]
                fn typed_receiver(self: &Self) {}
            }
        },
    );
    assert_has(&out, "const q:");
    assert_has(&out, "#[other::signal] fn not_ours(&self) {}");
    assert_has(&out, "fn __temporal_signal_typed_receiver(self: &Self) {}");
}

// ---- errors ----

#[test]
fn no_run_method() {
    let errors = expand_err(quote! { impl W { #[signal] fn s(&self) {} } });
    assert_errors(&errors, &["a `#[workflow]` impl block needs one `#[run]` method"]);
}

#[test]
fn two_run_methods() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn a(&self) -> WorkflowResult<()> { Ok(()) }
            #[run] async fn b(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(&errors, &["a workflow has one `#[run]` method, and `a` is already it"]);
}

#[test]
fn two_init_functions() {
    let errors = expand_err(quote! {
        impl W {
            #[init] fn a() -> Self { W }
            #[init] fn b() -> Self { W }
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(&errors, &["a workflow has one `#[init]` method, and `a` is already it"]);
}

#[test]
fn run_not_async() {
    let errors = expand_err(quote! { impl W { #[run] fn run(&self) -> WorkflowResult<()> { Ok(()) } } });
    assert_errors(&errors, &["the `#[run]` method must be `async`: write `async fn run(&self, ..)`"]);
}

#[test]
fn receivers() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&mut self) -> WorkflowResult<()> { Ok(()) }
            #[signal] fn a(self) {}
            #[signal] fn b(x: u32) {}
            #[query] fn c(self: Rc<Self>) -> u32 { 0 }
            #[signal] async fn d(&mut self) {}
        }
    });
    assert_errors(
        &errors,
        &[
            "the `#[run]` method takes `&self`, not `&mut self`: workflow state is reached through `&self`; keep state that changes in `Cell`/`RefCell` fields",
            "a `#[signal]` handler takes `&self`, not `self`",
            "a `#[signal]` handler takes `&self` as its first parameter: write `fn b(&self, x: u32)`",
            "a `#[query]` handler takes `&self`, not `self: Rc<Self>`",
            "a `#[signal]` handler takes `&self`, not `&mut self`",
        ],
    );
}

#[test]
fn async_query_and_signal_returning_a_value() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[query] async fn q(&self) -> u32 { 0 }
            #[signal] fn s(&self) -> u32 { 0 }
            #[query] fn nothing(&self) {}
        }
    });
    assert_errors(
        &errors,
        &[
            "a `#[query]` handler cannot be `async`",
            "a `#[signal]` handler returns nothing: remove `-> u32`; to read workflow state from a client, add a `#[query]`",
            "a `#[query]` handler returns the value it reads: add `-> T`",
        ],
    );
}

#[test]
fn handler_names() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[signal(name = "")] fn a(&self) {}
            #[signal(name = "x", name = "y")] fn b(&self) {}
            #[signal(color = "red")] fn c(&self) {}
            #[query(name = "x")] fn d(&self) -> u8 { 0 }
            #[signal] fn h(&self) {}
            #[signal(name = "h")] fn e(&self) {}
            #[query(name = "__stack_trace")] fn f(&self) -> String { String::new() }
            #[signal = "g"] fn g(&self) {}
        }
    });
    assert_errors(
        &errors,
        &[
            "`name` cannot be empty",
            "`name` is given twice: keep one",
            "unknown argument `color` of `#[signal]`: the arguments are `name = \"...\"`, `description = \"...\"`, \
             `unfinished_policy = \"...\"` and `dynamic`",
            "the query name `__stack_trace` is reserved",
            "write `#[signal]` or `#[signal(name = \"...\")]`",
            // reported after the per-method checks
            "the signal name `h` is already used by `h`: give one of them another name with `#[signal(name = \"...\")]`",
        ],
    );
}

#[test]
fn workflow_arguments() {
    let item = quote! { impl W { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } } };
    assert_errors(&expand_err_with(quote!(name = ""), item.clone()), &["`name` cannot be empty"]);
    assert_errors(&expand_err_with(quote!(name = "A", name = "B"), item.clone()), &["`name` is given twice"]);
    assert_errors(
        &expand_err_with(quote!(task_queue = "q"), item.clone()),
        &["unknown argument `task_queue` of `#[workflow]`"],
    );
    assert_errors(&expand_err_with(quote!(name = "__temporal_x"), item), &["the name `__temporal_x` is reserved"]);
}

#[test]
fn run_and_init_arguments() {
    let errors = expand_err(quote! {
        impl W {
            #[init(name = "x")] fn new() -> Self { W }
            #[run(name = "x")] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "`#[init]` takes no arguments",
            "`#[run]` takes no arguments; to name the workflow type, write `#[workflow(name = \"...\")]`",
        ],
    );
}

#[test]
fn init_checks() {
    let errors = expand_err(quote! {
        impl W {
            #[init] async fn new(&self) {}
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "`#[init]` cannot be `async`",
            "`#[init]` builds the workflow, so it takes no `self`",
            "`#[init]` returns the new workflow: add `-> Self`",
        ],
    );
    let errors = expand_err(quote! {
        impl W {
            #[init] fn new(x: u32) -> Self { W }
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(&errors, &["`#[init]` takes an argument but the `#[run]` method `run` takes none"]);
}

#[test]
fn run_without_result() {
    let errors = expand_err(quote! { impl W { #[run] async fn run(&self) {} } });
    assert_errors(&errors, &["the `#[run]` method returns the workflow result: add `-> WorkflowResult<T>`"]);
}

#[test]
fn borrowed_and_opaque_types() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self, name: &str) -> WorkflowResult<()> { Ok(()) }
            #[query] fn q(&self) -> &str { "" }
            #[signal] fn s(&self, v: Cow<'a, str>) {}
            #[query] fn i(&self) -> impl Display { 1 }
            #[signal] fn ok(&self, v: Cow<'static, str>) {}
        }
    });
    assert_errors(
        &errors,
        &[
            "the argument of the `#[run]` method (the workflow input) is sent as a payload, so it must be an owned type: take `String` instead of `&str`",
            "the result of a `#[query]` handler is sent as a payload, so it must be an owned type",
            "the argument of a `#[signal]` handler is sent as a payload, so it must be an owned type without the borrowed lifetime `'a`",
            "the result of a `#[query]` handler must be a concrete type, not `impl Trait`",
        ],
    );
}

#[test]
fn generic_and_unsafe() {
    let errors = expand_err(quote! {
        impl<T> W<T> {
            #[run] async fn run<U>(&self) -> WorkflowResult<()> { Ok(()) }
            #[signal] unsafe fn s(&self) {}
        }
    });
    assert_errors(
        &errors,
        &[
            "a `#[workflow]` impl block cannot be generic",
            "the `#[run]` method cannot be generic",
            "a `#[signal]` handler cannot be `unsafe`",
        ],
    );
}

#[test]
fn one_marker_per_method_and_only_on_methods() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[signal] #[query] fn both(&self) -> u8 { 0 }
            #[query] const X: u8 = 1;
        }
    });
    assert_errors(
        &errors,
        &[
            "a method is one of `#[run]`, `#[init]`, `#[signal]`, `#[query]`, `#[update]` or `#[update_validator]`; `both` is already `#[signal]`",
            "a `#[signal]` handler returns nothing",
            "`#[query]` goes on a method of the `#[workflow]` impl block",
        ],
    );
}

#[test]
fn not_an_inherent_impl() {
    assert_errors(
        &expand_err(quote! { struct W { n: u32 } }),
        &["put `#[workflow]` on the `impl W { .. }` block that holds the `#[run]` method, not on the type itself"],
    );
    assert_errors(
        &expand_err(quote! { impl Default for W { fn default() -> Self { W } } }),
        &["`#[workflow]` goes on the inherent `impl W { .. }` block, not on an impl of a trait"],
    );
    assert_errors(
        &expand_err(quote! { async fn run() {} }),
        &["`#[workflow]` goes on an inherent `impl` block, not on a function"],
    );
    assert_errors(&expand_err(quote! { mod m {} }), &["`#[workflow]` goes on an inherent `impl` block"]);
}

#[test]
fn many_errors_are_reported_together() {
    let errors = expand_err(quote! {
        impl W {
            #[run] fn run(&mut self, a: &u32, b: u32) -> WorkflowResult<()> { Ok(()) }
            #[query] async fn q(&self) -> u32 { 0 }
        }
    });
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn errors_keep_valid_handlers_expanded() {
    // The run method is fine, one signal is not: the workflow is still implemented (so uses of
    // `W::run` elsewhere produce no follow-up errors), the bad signal stays a plain method.
    let (tokens, errors) = expand_checked(
        quote!(),
        quote! {
            impl W {
                #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                #[signal] fn bad(&mut self) {}
                #[signal] fn good(&self) {}
            }
        },
    );
    assert_eq!(messages(errors).len(), 1);
    let out = pretty(&tokens);
    assert_has(&out, "impl ::temporal_sdk::__private::Workflow for W");
    assert_has(&out, "const good:");
    assert_has(&out, "fn bad(&mut self) {}");
    assert!(!out.contains("\"bad\""), "{out}");
}

fn cart() -> TokenStream {
    quote! {
        impl Cart {
            #[run]
            pub async fn run(&self) -> WorkflowResult<usize> { Ok(0) }

            /// Adds an item.
            #[update]
            pub async fn add_item(&self, item: String) -> WorkflowResult<u32> { Ok(1) }

            #[update_validator(add_item)]
            fn validate_add_item(&self, item: &String) -> Result<(), ApplicationError> { Ok(()) }

            #[update(name = "clear")]
            pub fn clear_all(&self) -> Result<(), ApplicationError> { Ok(()) }

            #[update_validator(clear_all)]
            fn validate_clear(&self) -> WorkflowResult<()> { Ok(()) }
        }
    }
}

#[test]
fn print_cart_expansion() {
    println!("{}", expand_ok(quote!(), cart()));
}

#[test]
fn updates_and_validators() {
    let out = expand_ok(quote!(), cart());
    assert_has(
        &out,
        "/// Adds an item.
         #[allow(non_upper_case_globals, dead_code, clippy::type_complexity)]
         pub const add_item: ::temporal_sdk::__private::UpdateMethod<
             Self, String, <WorkflowResult<u32> as ::temporal_sdk::__private::WorkflowReturn>::Ok,
         > = ::temporal_sdk::__private::UpdateMethod::new(\"add_item\").with_description(\"Adds an item.\");",
    );
    assert_has(&out, "async fn __temporal_update_add_item(&self, item: String) -> WorkflowResult<u32>");
    assert_has(
        &out,
        "definition.update::<String, <WorkflowResult<u32> as ::temporal_sdk::__private::WorkflowReturn>::Ok>(Self::add_item",
    );
    assert_has(
        &out,
        "::temporal_sdk::__private::WorkflowReturn::into_result(Self::__temporal_update_add_item(&this, input).await)",
    );
    // a synchronous update runs inside the future, once polled
    assert_has(
        &out,
        "::std::boxed::Box::pin(async move {
             ::temporal_sdk::__private::WorkflowReturn::into_result(Self::__temporal_update_clear_all(&this))
         })",
    );
    assert_has(&out, "::temporal_sdk::__private::UpdateMethod::new(\"clear\")");
    // validators keep their names and are registered under their update's name
    assert_has(&out, "fn validate_add_item(&self, item: &String) -> Result<(), ApplicationError> { Ok(()) }");
    assert_has(&out, "definition.update_validator::<String, _>(Self::add_item, |this: &Self, input: &String|");
    assert_has(&out, "Self::validate_add_item(this, ValidatorInput::<&String>::validator_input(input))");
    // A validator's error is a rejection named after its type, never a task failure.
    assert_has(&out, "::core::result::Result::map_err(result, ::temporal_sdk::__private::validator_rejection)");
    assert_has(&out, "definition.update_validator::<(), _>(Self::clear_all, |this: &Self, _input: &()|");
    assert_has(&out, "Self::validate_clear(this)");
    assert_has(&out, "trait ValidatorInput<T>");
}

#[test]
fn update_checks() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[update] async fn no_result(&self, n: u32) {}
            #[update] fn mutates(&mut self) -> WorkflowResult<()> { Ok(()) }
            #[update] fn two(&self, a: u32, b: u32) -> WorkflowResult<()> { Ok(()) }
            #[update(name = "__temporal_x")] fn reserved(&self) -> WorkflowResult<()> { Ok(()) }
            #[update(name = "same")] fn a(&self) -> WorkflowResult<()> { Ok(()) }
            #[update(name = "same")] fn b(&self) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "an `#[update]` handler returns its result, or an error that fails the update",
            "an `#[update]` handler takes `&self`, not `&mut self`",
            "the name `__temporal_x` is reserved",
            "the update name `same` is already used by `a`",
        ],
    );
}

#[test]
fn validator_checks() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[update] async fn set(&self, n: u32) -> WorkflowResult<()> { Ok(()) }
            #[signal] fn poke(&self) {}
            #[update_validator(set)] async fn is_async(&self, n: &u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn by_value(&self, n: u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn by_mut(&self, n: &mut u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn no_result(&self, n: &u32) {}
            #[update_validator(sett)] fn typo(&self, n: &u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(poke)] fn of_signal(&self) -> WorkflowResult<()> { Ok(()) }
            #[update_validator] fn of_nothing(&self) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn first(&self, n: &u32) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn second(&self) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(set)] fn dynamic_shape(&self, name: &str, args: &[RawValue]) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "an `#[update_validator]` cannot be `async`",
            "an `#[update_validator]` accepts the update with `Ok(())` and rejects it with an error",
            "`#[update_validator]` names the `#[update]` method it validates",
            // reported once all handlers are known
            "an `#[update_validator]` receives the update's input by reference: write `input: &u32`",
            "take `&T`, not `&mut T`",
            "no `#[update]` method `sett` in this `#[workflow]` impl block",
            "`poke` is a `#[signal]` handler, not an `#[update]`: only updates have validators",
            "the update `set` already has a validator, `first`",
            "the update `set` already has a validator, `first`",
        ],
    );
    assert!(errors[5].contains("its `#[update]` methods are `set`"), "{errors:#?}");
}

#[test]
fn dynamic_handlers() {
    let out = expand_ok(
        quote!(),
        quote! {
            impl Router {
                #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
                #[signal(dynamic)] fn any_signal(&self, name: String, args: Vec<RawValue>) {}
                #[query(dynamic)] fn any_query(&self, name: String, args: Vec<RawValue>) -> usize { 0 }
                #[update(dynamic)] async fn any_update(&self, name: String, args: Vec<RawValue>) -> WorkflowResult<u8> { Ok(0) }
                #[update_validator(any_update)] fn check(&self, name: &str, args: &[RawValue]) -> WorkflowResult<()> { Ok(()) }
            }
        },
    );
    // dynamic handlers keep their names and get no marker
    assert_has(&out, "fn any_signal(&self, name: String, args: Vec<RawValue>) {}");
    assert!(!out.contains("const any_signal"), "{out}");
    assert_has(
        &out,
        "definition.dynamic_signal(|this: &Self, name: ::std::string::String, args: ::std::vec::Vec<::temporal_sdk::__private::RawValue>|
             Self::any_signal(this, DynamicParam::<String>::dynamic_param(name), DynamicParam::<Vec<RawValue>>::dynamic_param(args)))",
    );
    assert_has(&out, "definition.dynamic_query::<usize>(");
    assert_has(
        &out,
        "definition.dynamic_update::<<WorkflowResult<u8> as ::temporal_sdk::__private::WorkflowReturn>::Ok>(",
    );
    assert_has(
        &out,
        "definition.dynamic_update_validator(|this: &Self, name: &str, args: &[::temporal_sdk::__private::RawValue]|",
    );
    assert_has(&out, "DynamicParam::<&[RawValue]>::dynamic_param(args)");
    assert_has(&out, "trait DynamicParam<T>");
    // and no typed handle method
    assert!(!out.contains("HandleMethods"), "{out}");
}

#[test]
fn dynamic_handler_checks() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) }
            #[signal(dynamic)] fn one_argument(&self, args: Vec<RawValue>) {}
            #[signal(dynamic, name = "x")] fn named(&self, name: String, args: Vec<RawValue>) {}
            #[query(dynamic)] async fn is_async(&self, name: String, args: Vec<RawValue>) -> u8 { 0 }
            #[update(dynamic)] async fn no_result(&self, name: String, args: Vec<RawValue>) {}
            #[query(dynamic)] fn first(&self, name: String, args: Vec<RawValue>) -> u8 { 0 }
            #[query(dynamic)] fn second(&self, name: String, args: Vec<RawValue>) -> u8 { 0 }
            #[update] fn typed(&self) -> WorkflowResult<()> { Ok(()) }
            #[update_validator(typed)] fn dynamic_shape(&self, name: &str, args: &[RawValue]) -> WorkflowResult<()> { Ok(()) }
        }
    });
    assert_errors(
        &errors,
        &[
            "a dynamic `#[signal]` handler takes the name it was called with and the raw arguments: write `fn one_argument(&self, name: String, args: Vec<RawValue>)`",
            "a dynamic `#[signal]` handler has no name of its own",
            "a `#[query]` handler cannot be `async`",
            "an `#[update]` handler returns its result",
            "a workflow has one dynamic `#[query]` handler, and `first` is already it",
            "an `#[update_validator]` takes `&self` and a reference to the update's input",
        ],
    );
}

#[test]
fn dynamic_workflow() {
    let out = expand_ok(
        quote!(dynamic),
        quote! {
            impl Fallback {
                #[run] async fn run(&self, args: Vec<RawValue>) -> WorkflowResult<usize> { Ok(args.len()) }
            }
        },
    );
    assert_has(&out, "type Input = ::std::vec::Vec<::temporal_sdk::__private::RawValue>;");
    assert_has(&out, "const DYNAMIC: bool = true;");
    assert_has(&out, "::temporal_sdk::__private::raw_input(payloads)");
    // no run marker: a dynamic workflow is started by the type name it stands in for
    assert!(!out.contains("RunMethod"), "{out}");
    assert_has(&out, "Self::run(&this, DynamicParam::<Vec<RawValue>>::dynamic_param(input)).await");

    let item = quote! { impl F { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } } };
    assert_errors(
        &expand_err_with(quote!(dynamic), item.clone()),
        &["the `#[run]` method of a dynamic workflow receives the workflow's arguments as raw values"],
    );
    assert_errors(
        &expand_err_with(
            quote!(dynamic, name = "F"),
            quote! { impl F { #[run] async fn run(&self, a: Vec<RawValue>) -> WorkflowResult<()> { Ok(()) } } },
        ),
        &["a dynamic workflow runs every workflow type that no registered workflow has, so it has no name"],
    );
    // taken as given: the run method is checked as that of a dynamic workflow
    assert_errors(
        &expand_err_with(quote!(dynamic = true), item),
        &[
            "`dynamic` takes no value: write `#[workflow(dynamic)]`",
            "the `#[run]` method of a dynamic workflow receives the workflow's arguments as raw values",
        ],
    );
}

#[test]
fn typed_handle_methods() {
    let out = expand_ok(quote!(), greeting());
    assert_has(&out, "const _: () = {");
    assert_has(&out, "pub trait GreetingHandle {");
    // the bounds make a method uncallable, rather than a second error, when a type is wrong
    assert_has(
        &out,
        "fn update_salutation(&self, input: String) -> ::temporal_sdk::__private::BoxFuture<'_, ::core::result::Result<(), ::temporal_sdk::__private::ClientError>>
         where for<'__a> String: ::temporal_sdk::__private::serde::Serialize + ::core::marker::Send + ::core::marker::Sync;",
    );
    assert_has(&out, "where for<'__a> String: ::temporal_sdk::__private::serde::de::DeserializeOwned;");
    assert_has(
        &out,
        "::std::boxed::Box::pin(::temporal_sdk::__private::WorkflowHandle::signal(self, <Greeting>::update_salutation, input))",
    );
    assert_has(&out, "::temporal_sdk::__private::WorkflowHandle::signal(self, <Greeting>::complete, ())");
    assert_has(&out, "::temporal_sdk::__private::WorkflowHandle::query(self, <Greeting>::current_salutation, ())");
    assert_has(&out, "impl GreetingHandle for ::temporal_sdk::__private::WorkflowHandle<Greeting>");
    assert_has(&out, "impl ::temporal_sdk::__private::HandleMethods for Greeting { type Methods = dyn GreetingHandle;");
    let out = expand_ok(quote!(), cart());
    assert_has(
        &out,
        "fn add_item(&self, input: String) -> ::temporal_sdk::__private::BoxFuture<'_, ::core::result::Result<<WorkflowResult<u32> as ::temporal_sdk::__private::WorkflowReturn>::Ok, ::temporal_sdk::__private::ClientError>>",
    );
    assert_has(&out, "for<'__a> WorkflowResult<u32>: ::temporal_sdk::__private::WorkflowReturn,");
    assert_has(&out, "::temporal_sdk::__private::WorkflowHandle::execute_update(self, <Cart>::add_item, input)");
    // handlers named like the handle's own methods are left to their markers
    let out = expand_ok(
        quote!(),
        quote! { impl W { #[run] async fn run(&self) -> WorkflowResult<()> { Ok(()) } #[signal] fn cancel(&self) {} } },
    );
    assert!(!out.contains("HandleMethods"), "{out}");
}

#[test]
fn determinism_errors_name_the_alternative() {
    let errors = expand_err(quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> {
                let a = std::time::SystemTime::now();
                let b = Instant::now();
                tokio::time::sleep(d).await;
                tokio::spawn(async {});
                let r: u64 = rand::random();
                let id = Uuid::new_v4();
                let f = fs::read("x");
                let e = std::env::var("X");
                tokio::select! { _ = a => {} }
                println!("{:?}", SystemTime::now());
                Ok(())
            }
            fn helper(&self) { std::thread::sleep(d); }
        }
    });
    assert_errors(
        &errors,
        &[
            "`std::time::SystemTime::now` in workflow code reads the machine's clock, which gives another value when the workflow replays: use `workflow::now()`",
            "`Instant::now` in workflow code reads the machine's clock",
            "`tokio::time::sleep` in workflow code is a tokio timer",
            "`tokio::spawn` in workflow code runs code outside the workflow's deterministic executor",
            "`rand::random` in workflow code gives another value when the workflow replays: use `workflow::random()`",
            "`Uuid::new_v4` in workflow code gives another id when the workflow replays: use `workflow::uuid4()`",
            "`fs::read` in workflow code does file I/O",
            "`std::env::var` in workflow code reads the worker's environment",
            "`tokio::select!` in workflow code picks a random branch",
            "`SystemTime::now` in workflow code reads the machine's clock",
            "`std::thread::sleep` in workflow code blocks the workflow thread",
        ],
    );
    assert!(
        errors[0].ends_with("for code you vouch for, put `#[allow_nondeterministic]` on the statement or the method")
    );
}

#[test]
fn determinism_escape_hatches() {
    let item = quote! {
        impl W {
            #[run] async fn run(&self) -> WorkflowResult<()> {
                #[allow_nondeterministic]
                let a = SystemTime::now();
                #[allow_nondeterministic]
                { std::thread::sleep(d); }
                #[allow_nondeterministic]
                println!("{:?}", SystemTime::now());
                let ok = workflow::now();
                workflow::sleep(d).await?;
                let pick = workflow::select! { a = x => 1, b = y => 2 };
                let epoch = std::time::SystemTime::UNIX_EPOCH;
                Ok(())
            }
            #[allow_nondeterministic]
            #[query] fn stamp(&self) -> u64 { SystemTime::now(); 0 }
        }
    };
    let out = expand_ok(quote!(), item.clone());
    // the attribute never reaches the compiler
    assert!(!out.contains("allow_nondeterministic"), "{out}");
    let out = expand_ok(
        quote!(unrestricted),
        quote! {
            impl W { #[run] async fn run(&self) -> WorkflowResult<()> { let t = SystemTime::now(); Ok(()) } }
        },
    );
    assert_has(&out, "let t = SystemTime::now();");
}

#[test]
fn determinism_classifier() {
    use crate::workflow::determinism_classify as classify;
    let bad = |path: &str, is_macro: bool| {
        let segments: Vec<&str> = path.split("::").collect();
        classify(&segments, is_macro).is_some()
    };
    for path in [
        "SystemTime::now",
        "std::time::Instant::now",
        "chrono::Utc::now",
        "chrono::Local::now",
        "std::thread::spawn",
        "thread::sleep",
        "tokio::spawn",
        "tokio::task::spawn_blocking",
        "task::spawn_local",
        "tokio::time::sleep",
        "time::timeout",
        "rand::random",
        "thread_rng",
        "rand::thread_rng",
        "rand::rng",
        "OsRng",
        "uuid::Uuid::new_v4",
        "std::fs::read_to_string",
        "fs::write",
        "tokio::fs::read",
        "File::open",
        "std::net::TcpStream::connect",
        "TcpStream::connect",
        "std::env::var",
        "env::args",
        "std::process::Command::new",
    ] {
        assert!(bad(path, false), "{path} should be rejected");
    }
    for path in [
        "workflow::now",
        "workflow::sleep",
        "workflow::random",
        "workflow::uuid4",
        "std::time::Duration::from_secs",
        "SystemTime::UNIX_EPOCH",
        "Instant",
        "sleep",
        "random",
        "spawn",
        "std::fs",
        "my::fs_helper::read",
        "std::time::sleep",
        "Uuid::parse_str",
        "env",
        "HashMap::new",
    ] {
        assert!(!bad(path, false), "{path} should pass");
    }
    assert!(bad("tokio::select", true));
    assert!(bad("futures::select", true));
    assert!(!bad("workflow::select", true));
    assert!(!bad("select", true));
    assert!(!bad("tokio::join", true));
}
