//! The code generated for a checked `#[workflow]` impl block: marker constants, hidden methods,
//! `impl Workflow`, and the typed handle methods.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, ItemImpl, Type};

use super::handler::{Handler, Kind};
use crate::{attrs, signature};

/// The marker constant and the hidden method that replace a handler in the impl block.
pub(super) fn handler_items(handler: &Handler, workflow_name: &str) -> TokenStream {
    let method = &handler.method;
    if handler.keeps_name() {
        // An ordinary method that no client names: it keeps its name.
        let not_send = handler.is_async.then(|| quote!(#[allow(clippy::future_not_send)]));
        return quote!(#not_send #method);
    }
    let ident = handler.ident();
    let vis = &method.vis;
    let docs: Vec<_> = method.attrs.iter().filter(|a| attrs::is_doc(a)).collect();
    let cfgs = handler.cfg_attrs();
    let others: Vec<_> = method.attrs.iter().filter(|a| !attrs::is_doc(a)).collect();
    let p = quote!(::temporal_sdk::__private);
    let input = handler.input_type();
    let name = &handler.name;
    let (ty, value, default_doc) = match handler.kind {
        Kind::Run => (
            quote!(#p::RunMethod<Self>),
            quote!(#p::RunMethod::new()),
            format!(
                " The run method of the `{workflow_name}` workflow: pass it to `Client::start_workflow` to start one."
            ),
        ),
        Kind::Signal => (
            quote!(#p::SignalMethod<Self, #input>),
            quote!(#p::SignalMethod::new(#name)),
            format!(" The `{name}` signal of the `{workflow_name}` workflow: pass it to `WorkflowHandle::signal`."),
        ),
        Kind::Query => {
            let output = handler.output.as_ref().map(ToTokens::to_token_stream).unwrap_or_default();
            (
                quote!(#p::QueryMethod<Self, #input, #output>),
                quote!(#p::QueryMethod::new(#name)),
                format!(" The `{name}` query of the `{workflow_name}` workflow: pass it to `WorkflowHandle::query`."),
            )
        }
        Kind::Update => {
            // At the span of the return type, where a type that is not a `Result` is reported.
            let span = handler.output.as_ref().map_or_else(Span::call_site, |ty| ty.span());
            let output = workflow_ok(handler.output.as_ref());
            let p = crate::private(span);
            (
                quote_spanned!(span=> #p::UpdateMethod<Self, #input, #output>),
                quote_spanned!(span=> #p::UpdateMethod::new(#name)),
                format!(
                    " The `{name}` update of the `{workflow_name}` workflow: pass it to \
                     `WorkflowHandle::execute_update` or `WorkflowHandle::start_update`."
                ),
            )
        }
        Kind::Init | Kind::Validator => return method.to_token_stream(),
    };
    // Several parameters travel one payload each.
    let value = if handler.inputs.spread() && handler.kind != Kind::Run { quote!(#value.spread()) } else { value };
    let value = match handler.description.as_str() {
        "" => value,
        description => quote!(#value.with_description(#description)),
    };
    let value = if handler.abandon_unfinished {
        quote!(#value.with_unfinished_policy(#p::HandlerUnfinishedPolicy::Abandon))
    } else {
        value
    };
    let default_doc = docs.is_empty().then(|| quote!(#[doc = #default_doc]));
    // Workflow code is single-threaded by design: its futures are not `Send`.
    let not_send = handler.is_async.then(|| quote!(#[allow(clippy::future_not_send)]));
    let mut hidden = method.clone();
    hidden.sig.ident = handler.hidden_ident();
    hidden.vis = syn::Visibility::Inherited;
    hidden.attrs = Vec::new();
    // An update's marker type holds a projection, reported at the user's return type if it
    // fails: the whole item carries that span, so that the report is not at the attribute.
    let span = match handler.kind {
        Kind::Update => handler.output.as_ref().map_or_else(Span::call_site, |ty| ty.span()),
        _ => Span::call_site(),
    };
    let marker = quote_spanned!(span=> #vis const #ident: #ty = #value;);
    quote! {
        #(#docs)*
        #default_doc
        #(#cfgs)*
        #[allow(non_upper_case_globals, dead_code, clippy::type_complexity)]
        #marker

        #[doc(hidden)]
        #not_send
        #(#others)*
        #hidden
    }
}

/// `<R as WorkflowReturn>::Ok`, the success type of a `#[run]` or `#[update]` method returning
/// `R`, spanned at `R` so that an `R` that is not a `Result` is reported there.
fn workflow_ok(output: Option<&Type>) -> TokenStream {
    match output {
        Some(output) => {
            let po = crate::private(output.span());
            quote_spanned!(output.span()=> <#output as #po::WorkflowReturn>::Ok)
        }
        None => quote!(()),
    }
}

/// Traits local to `definition()` that turn a type mismatch between what the runtime passes
/// and what the user's method declares into one error, at the user's type, that says why.
struct Checks {
    same_input: bool,
    dynamic_param: bool,
    validator_input: bool,
}

impl Checks {
    fn items(&self) -> TokenStream {
        let mut items = TokenStream::new();
        if self.same_input {
            items.extend(quote! {
                #[diagnostic::on_unimplemented(
                    message = "`#[init]` takes `{T}`, but the workflow input (the argument of the `#[run]` method) is `{Self}`",
                    label = "`#[init]` and `#[run]` both receive the workflow input: give them the same argument type"
                )]
                trait SameInput<T> {
                    fn same_input(self) -> T;
                }
                impl<T> SameInput<T> for T {
                    fn same_input(self) -> T {
                        self
                    }
                }
            });
        }
        if self.dynamic_param {
            items.extend(quote! {
                #[diagnostic::on_unimplemented(
                    message = "a dynamic handler receives `{Self}` here, not `{T}`",
                    label = "dynamic handlers take `name: String, args: Vec<RawValue>` (validators `name: &str, args: &[RawValue]`), and the dynamic run method `args: Vec<RawValue>`"
                )]
                trait DynamicParam<T> {
                    fn dynamic_param(self) -> T;
                }
                impl<T> DynamicParam<T> for T {
                    fn dynamic_param(self) -> T {
                        self
                    }
                }
            });
        }
        if self.validator_input {
            items.extend(quote! {
                #[diagnostic::on_unimplemented(
                    message = "the `#[update_validator]` takes `{T}`, but the update it validates receives `{Self}`",
                    label = "a validator receives a reference to its update's input: `&T` for an update taking `T` (`&str` for `String`, `&[T]` for `Vec<T>`)"
                )]
                trait ValidatorInput<T> {
                    fn validator_input(self) -> T;
                }
                impl<T> ValidatorInput<T> for T {
                    fn validator_input(self) -> T {
                        self
                    }
                }
                // A validator may take `&str` for a `String` input and `&[T]` for a `Vec<T>`
                // (not listed in messages: the label says so).
                #[diagnostic::do_not_recommend]
                impl<'a> ValidatorInput<&'a str> for &'a ::std::string::String {
                    fn validator_input(self) -> &'a str {
                        self
                    }
                }
                #[diagnostic::do_not_recommend]
                impl<'a, T> ValidatorInput<&'a [T]> for &'a ::std::vec::Vec<T> {
                    fn validator_input(self) -> &'a [T] {
                        self
                    }
                }
            });
        }
        items
    }
}

/// `DynamicParam::<#declared>::dynamic_param(#value)`, every token spanned at the declared
/// type, where a mismatch is reported.
fn dynamic_arg(declared: Option<&Type>, value: &str) -> TokenStream {
    match declared {
        Some(ty) => {
            let value = Ident::new(value, ty.span());
            quote_spanned!(ty.span()=> DynamicParam::<#ty>::dynamic_param(#value))
        }
        None => {
            let value = Ident::new(value, Span::call_site());
            quote!(#value)
        }
    }
}

/// `impl Workflow for T`.
/// What `#[workflow(..)]` says of the workflow as a whole.
pub(super) struct WorkflowArgs<'a> {
    pub(super) name: &'a str,
    pub(super) dynamic: bool,
    /// The `VersioningBehavior` variant, when one was given.
    pub(super) versioning_behavior: Option<Ident>,
}

pub(super) fn workflow_impl(
    item_impl: &ItemImpl,
    workflow: &WorkflowArgs<'_>,
    run: &Handler,
    init: Option<&Handler>,
    handlers: &[Handler],
    validators: &[Option<usize>],
) -> TokenStream {
    let (workflow_name, dynamic) = (workflow.name, workflow.dynamic);
    let self_ty = &item_impl.self_ty;
    let p = quote!(::temporal_sdk::__private);
    let mut checks = Checks { same_input: false, dynamic_param: false, validator_input: false };
    let input = if dynamic { quote!(::std::vec::Vec<#p::RawValue>) } else { run.input_type() };
    // `check_handler` accepts no run method without a return type.
    let Some(run_output) = run.output.as_ref() else { return TokenStream::new() };
    let po = crate::private(run_output.span());
    let output_ty = workflow_ok(Some(run_output));

    // Run and init receive the same input.
    let init_fn = match init {
        Some(init) => {
            let init_ident = init.ident();
            // `check_handler` accepts no `#[init]` without a return type.
            let init_ty = init.output.as_ref().map_or_else(|| quote!(Self), ToTokens::to_token_stream);
            let this = quote_spanned!(init_ty.span()=> this);
            match &init.input {
                Some(init_input) => {
                    checks.same_input = true;
                    let span = if init.inputs.spread() { init.inputs.span } else { init_input.span() };
                    let same = quote_spanned!(span=> SameInput::<#init_input>::same_input(input));
                    let (pattern, args) = init.inputs.binding();
                    quote!(|input: #input| -> Self {
                        let #pattern = #same;
                        let this: #init_ty = Self::#init_ident(#args);
                        #this
                    })
                }
                None => quote!(|_: #input| -> Self { let this: #init_ty = Self::#init_ident(); #this }),
            }
        }
        None => {
            let default = quote_spanned!(self_ty.span()=> <Self as ::core::default::Default>::default());
            quote!(|_: #input| -> Self { #default })
        }
    };

    // The conversion of the run method's result carries the span of its return type, so that a
    // return type that is not a `Result` is reported there.
    let run_ident = Ident::new(&run.hidden_ident().to_string(), run_output.span());
    let (param, arg) = if dynamic {
        checks.dynamic_param = true;
        let value = dynamic_arg(run.input.as_ref(), "input");
        (quote!(input: #input), quote!(, #value))
    } else {
        run.input_param()
    };
    let call = quote_spanned!(run_output.span()=>
        #po::WorkflowReturn::into_result(Self::#run_ident(&this #arg).await)
    );
    let run_future = quote_spanned!(run_output.span()=>
        #po::LocalBoxFuture<'static, ::core::result::Result<#output_ty, #po::WorkflowError>>
    );
    // The closure is coerced to `RunFn`, which normalizes the output type at the closure's span.
    let run_fn = quote_spanned! {run_output.span()=>
        |this: #po::Rc<Self>, #param| -> #run_future {
            ::std::boxed::Box::pin(async move { #call })
        }
    };
    // Checking the run closure against `WorkflowDefinition::new` normalizes the output type at
    // the span of this call: keep that at the return type too.
    let new_definition = quote_spanned!(run_output.span()=> #po::WorkflowDefinition::<Self>::new(#init_fn, #run_fn));

    let mut registrations = Vec::new();
    for (index, handler) in handlers.iter().enumerate() {
        let registration = match handler.kind {
            Kind::Signal => signal_registration(handler, &mut checks),
            Kind::Query => query_registration(handler, &mut checks),
            Kind::Update => update_registration(handler, &mut checks),
            Kind::Validator => match validators[index] {
                Some(update) => validator_registration(handler, &handlers[update], &mut checks),
                None => continue,
            },
            Kind::Run | Kind::Init => continue,
        };
        let registration = dynamic_details(handler, registration);
        let cfgs = handler.cfg_attrs();
        registrations.push(quote! {
            #(#cfgs)*
            let definition = #registration;
        });
    }

    // Spanned so that a type that is not serializable is reported at the user's type.
    let input_span = match &run.input {
        Some(_) if run.inputs.spread() => run.inputs.span,
        Some(ty) => ty.span(),
        None => Span::call_site(),
    };
    let input_item = quote_spanned!(input_span=> type Input = #input;);
    let shape_item =
        (run.inputs.spread() && !dynamic).then(|| quote!(const INPUT_SHAPE: #p::ArgShape = #p::ArgShape::Spread;));
    let output_item = quote_spanned!(run_output.span()=> type Output = #output_ty;);
    let dynamic_items = dynamic.then(|| {
        quote! {
            const DYNAMIC: bool = true;

            fn decode_input(payloads: &[#p::Payload]) -> ::core::result::Result<Self::Input, #p::PayloadError> {
                #p::raw_input(payloads)
            }
        }
    });
    let check_items = checks.items();
    let versioning_item = workflow
        .versioning_behavior
        .as_ref()
        .map(|variant| quote!(const VERSIONING_BEHAVIOR: #p::VersioningBehavior = #p::VersioningBehavior::#variant;));

    quote! {
        impl #p::Workflow for #self_ty {
            const NAME: &'static str = #workflow_name;
            #input_item
            #output_item
            #shape_item
            #dynamic_items
            #versioning_item

            // The closures' types are spelled out at the user's types (for error spans), where
            // clippy would count their complexity against the user's code.
            #[allow(clippy::type_complexity)]
            fn definition() -> #p::WorkflowDefinition<Self> {
                #check_items
                let definition = #new_definition;
                #(#registrations)*
                definition
            }
        }
    }
}

/// A dynamic handler has no marker to carry its description and unfinished policy: the
/// registration passes them on.
fn dynamic_details(handler: &Handler, registration: TokenStream) -> TokenStream {
    if !handler.dynamic || (handler.description.is_empty() && !handler.abandon_unfinished) {
        return registration;
    }
    let p = quote!(::temporal_sdk::__private);
    let description = &handler.description;
    let policy = if handler.abandon_unfinished {
        quote!(#p::HandlerUnfinishedPolicy::Abandon)
    } else {
        quote!(#p::HandlerUnfinishedPolicy::WarnAndAbandon)
    };
    match handler.kind {
        Kind::Signal => quote!(#registration.dynamic_signal_details(#description, #policy)),
        Kind::Query => quote!(#registration.dynamic_query_details(#description)),
        Kind::Update => quote!(#registration.dynamic_update_details(#description, #policy)),
        _ => registration,
    }
}

/// The parameters of a dynamic handler's closure and the arguments passed on to the method.
fn dynamic_params(handler: &Handler, checks: &mut Checks) -> TokenStream {
    checks.dynamic_param = true;
    let name = dynamic_arg(handler.name_param.as_ref(), "name");
    let args = dynamic_arg(handler.input.as_ref(), "args");
    quote!(, #name, #args)
}

fn signal_registration(handler: &Handler, checks: &mut Checks) -> TokenStream {
    let p = quote!(::temporal_sdk::__private);
    let method = handler.hidden_ident();
    let (param, arg) = if handler.dynamic {
        (quote!(name: ::std::string::String, args: ::std::vec::Vec<#p::RawValue>), dynamic_params(handler, checks))
    } else {
        handler.input_param()
    };
    if !handler.is_async {
        return if handler.dynamic {
            quote!(definition.dynamic_signal(|this: &Self, #param| Self::#method(this #arg)))
        } else {
            let marker = handler.ident();
            let input = handler.input_type();
            quote!(definition.signal::<#input>(Self::#marker, |this: &Self, #param| Self::#method(this #arg)))
        };
    }
    let body = match &handler.output {
        None => quote!(Self::#method(&this #arg).await; ::core::result::Result::Ok(())),
        Some(output) => {
            // A result other than `Result<(), E>` is reported at the return type.
            let method = Ident::new(&method.to_string(), output.span());
            quote_spanned!(output.span()=>
                let result: ::core::result::Result<(), _> = Self::#method(&this #arg).await;
                ::core::result::Result::map_err(result, ::core::convert::Into::into)
            )
        }
    };
    let closure = quote! {
        |this: #p::Rc<Self>, #param| -> #p::LocalBoxFuture<'static, ::core::result::Result<(), #p::WorkflowError>> {
            ::std::boxed::Box::pin(async move { #body })
        }
    };
    if handler.dynamic {
        quote!(definition.dynamic_async_signal(#closure))
    } else {
        let marker = handler.ident();
        let input = handler.input_type();
        quote!(definition.async_signal::<#input>(Self::#marker, #closure))
    }
}

fn query_registration(handler: &Handler, checks: &mut Checks) -> TokenStream {
    let p = quote!(::temporal_sdk::__private);
    let method = handler.hidden_ident();
    let output = handler.output.as_ref().map(ToTokens::to_token_stream).unwrap_or_default();
    if handler.dynamic {
        let arg = dynamic_params(handler, checks);
        quote! {
            definition.dynamic_query::<#output>(
                |this: &Self, name: ::std::string::String, args: ::std::vec::Vec<#p::RawValue>| -> #output {
                    Self::#method(this #arg)
                },
            )
        }
    } else {
        let marker = handler.ident();
        let input = handler.input_type();
        let (param, arg) = handler.input_param();
        quote! {
            definition.query::<#input, #output>(Self::#marker, |this: &Self, #param| -> #output { Self::#method(this #arg) })
        }
    }
}

fn update_registration(handler: &Handler, checks: &mut Checks) -> TokenStream {
    let p = quote!(::temporal_sdk::__private);
    // `check_handler` accepts no update without a return type.
    let Some(output) = handler.output.as_ref() else { return quote!(definition) };
    let output_ty = workflow_ok(Some(output));
    let po = crate::private(output.span());
    // Spanned so that a result that is not a `Result` is reported at the return type.
    let method = Ident::new(&handler.hidden_ident().to_string(), output.span());
    let wait = handler.is_async.then(|| quote_spanned!(output.span()=> .await));
    let (param, arg) = if handler.dynamic {
        (quote!(name: ::std::string::String, args: ::std::vec::Vec<#p::RawValue>), dynamic_params(handler, checks))
    } else {
        handler.input_param()
    };
    // A synchronous handler runs when the update task is first polled, like an async one: the
    // runtime creates the future before validating the update.
    let call = quote_spanned!(output.span()=> #po::WorkflowReturn::into_result(Self::#method(&this #arg) #wait));
    // Every token carries the span of the return type: the compiler reports a return type that
    // is not a `Result` at the span of the registration, once, and there it points at the type.
    let closure = quote_spanned! {output.span()=>
        |this: #po::Rc<Self>, #param| -> #po::LocalBoxFuture<'static, ::core::result::Result<#output_ty, #po::WorkflowError>> {
            ::std::boxed::Box::pin(async move { #call })
        }
    };
    if handler.dynamic {
        quote_spanned!(output.span()=> definition.dynamic_update::<#output_ty>(#closure))
    } else {
        let marker = signature::respan(handler.ident(), output.span());
        let input = handler.input_type();
        quote_spanned!(output.span()=> definition.update::<#input, #output_ty>(Self::#marker, #closure))
    }
}

fn validator_registration(validator: &Handler, update: &Handler, checks: &mut Checks) -> TokenStream {
    let p = quote!(::temporal_sdk::__private);
    // `check_handler` accepts no validator without a return type.
    let Some(output) = validator.output.as_ref() else { return quote!(definition) };
    let method = Ident::new(&validator.hidden_ident().to_string(), output.span());
    // A result other than `Result<(), E>` is reported at the return type.
    let check = |args: TokenStream| {
        quote_spanned!(output.span()=>
            let result: ::core::result::Result<(), _> = Self::#method(this #args);
            ::core::result::Result::map_err(result, #p::validator_rejection)
        )
    };
    let result = quote!(::core::result::Result<(), #p::WorkflowError>);
    let declared = &validator.inputs.types;
    if update.dynamic {
        checks.dynamic_param = true;
        let name = dynamic_arg(declared.first(), "name");
        let args = dynamic_arg(declared.get(1), "args");
        let body = check(quote!(, #name, #args));
        return quote! {
            definition.dynamic_update_validator(
                |this: &Self, name: &str, args: &[#p::RawValue]| -> #result { #body },
            )
        };
    }
    let marker = update.ident();
    let input = update.input_type();
    checks.validator_input |= !declared.is_empty();
    // A reference to the input, or to each parameter's value for several.
    let single = declared.len() == 1;
    let values = declared.iter().enumerate().map(|(i, declared)| {
        let value = if single {
            quote_spanned!(declared.span()=> input)
        } else {
            let index = syn::Index { index: i as u32, span: declared.span() };
            quote_spanned!(declared.span()=> &input.#index)
        };
        quote_spanned!(declared.span()=> , ValidatorInput::<#declared>::validator_input(#value))
    });
    let body = check(quote!(#(#values)*));
    let param = if declared.is_empty() { quote!(_input) } else { quote!(input) };
    quote! {
        definition.update_validator::<#input, _>(Self::#marker, |this: &Self, #param: &#input| -> #result { #body })
    }
}

/// Methods of `WorkflowHandle` (and of the traits it implements) that a generated method of
/// the same name could not override: handlers with these names are reached through their
/// markers only (`handle.signal(W::cancel, ())`). Keep in step with the methods of
/// `sdk/src/client/handle.rs` and `update.rs`: a handler named like a handle method that is
/// missing here gets a generated method that the handle's own method shadows.
const HANDLE_METHODS: &[&str] = &[
    "id",
    "run_id",
    "result",
    "result_as",
    "signal",
    "signal_by_name",
    "query",
    "query_by_name",
    "execute_update",
    "start_update",
    "execute_update_by_name",
    "start_update_by_name",
    "cancel",
    "terminate",
    "describe",
    "fetch_history",
    "clone",
    "clone_from",
    "fmt",
    "deref",
    "to_owned",
    "into",
    "try_into",
    "borrow",
    "type_id",
];

/// The typed handle methods: a trait with one method per signal, query and update, implemented
/// for `WorkflowHandle<T>`, which derefs to it as a trait object. The trait sits in an
/// anonymous `const` block, so it adds no name to the user's module; the methods of a trait
/// object are callable without importing the trait.
///
/// Each method states the bounds its types need in a `where` clause made non-trivial with
/// `for<'a>`: when a type does not meet them (not serializable, an update result that is not a
/// `Result`), the method merely cannot be called, and the only error is the one reported at the
/// handler itself.
pub(super) fn handle_methods(item_impl: &ItemImpl, handlers: &[Handler]) -> TokenStream {
    let self_ty = &item_impl.self_ty;
    let p = quote!(::temporal_sdk::__private);
    let type_name = match &**self_ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.unraw().to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let trait_ident = format_ident!("{}Handle", type_name);
    let mut declarations = Vec::new();
    let mut definitions = Vec::new();
    for handler in handlers {
        if !handler.kind.is_named_handler() || handler.dynamic {
            continue;
        }
        let ident = handler.ident();
        if HANDLE_METHODS.contains(&ident.unraw().to_string().as_str()) {
            continue;
        }
        let cfgs = handler.cfg_attrs();
        let docs: Vec<_> = handler.method.attrs.iter().filter(|a| attrs::is_doc(a)).collect();
        let name = &handler.name;
        let mut bounds = Vec::new();
        let (param, value) = match &handler.input {
            Some(ty) => {
                // The future holds the input (and a reference to it) across awaits.
                bounds.push(quote!(for<'__a> #ty: #p::serde::Serialize + ::core::marker::Send + ::core::marker::Sync));
                if handler.inputs.spread() {
                    let names = param_names(&handler.method.sig);
                    let types = &handler.inputs.types;
                    (quote!(#(, #names: #types)*), quote!((#(#names),*)))
                } else {
                    (quote!(, input: #ty), quote!(input))
                }
            }
            None => (quote!(), quote!(())),
        };
        let (output, call, doc) = match handler.kind {
            Kind::Signal => (
                quote!(()),
                quote!(signal),
                format!(" Sends the `{name}` signal: `handle.signal({type_name}::{ident}, ..)`."),
            ),
            Kind::Query => (
                handler.output.as_ref().map(ToTokens::to_token_stream).unwrap_or_default(),
                quote!(query),
                format!(" Runs the `{name}` query: `handle.query({type_name}::{ident}, ..)`."),
            ),
            _ => {
                if let Some(returned) = &handler.output {
                    bounds.push(quote!(for<'__a> #returned: #p::WorkflowReturn));
                }
                (
                    workflow_ok(handler.output.as_ref()),
                    quote!(execute_update),
                    format!(
                        " Sends the `{name}` update and waits for its result: \
                         `handle.execute_update({type_name}::{ident}, ..)`."
                    ),
                )
            }
        };
        if handler.kind != Kind::Signal {
            bounds.push(quote!(for<'__a> #output: #p::serde::de::DeserializeOwned));
        }
        let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
        let future = quote!(#p::BoxFuture<'_, ::core::result::Result<#output, #p::ClientError>>);
        let where_clause = (!bounds.is_empty()).then(|| quote!(where #(#bounds),*));
        declarations.push(quote! {
            #(#cfgs)*
            #(#docs)*
            #separator
            #[doc = #doc]
            fn #ident(&self #param) -> #future #where_clause;
        });
        definitions.push(quote! {
            #(#cfgs)*
            fn #ident(&self #param) -> #future #where_clause {
                ::std::boxed::Box::pin(#p::WorkflowHandle::#call(self, <#self_ty>::#ident, #value))
            }
        });
    }
    if declarations.is_empty() {
        return TokenStream::new();
    }
    let trait_doc = format!(
        " The signals, queries and updates of the `{type_name}` workflow, as methods of \
         `WorkflowHandle<{type_name}>`."
    );
    quote! {
        const _: () = {
            #[doc = #trait_doc]
            #[allow(non_camel_case_types)]
            pub trait #trait_ident {
                #(#declarations)*
            }

            impl #trait_ident for #p::WorkflowHandle<#self_ty> {
                #(#definitions)*
            }

            impl #p::HandleMethods for #self_ty {
                type Methods = dyn #trait_ident;

                fn methods(handle: &#p::WorkflowHandle<Self>) -> &Self::Methods {
                    handle
                }
            }
        };
    }
}

/// Names for the parameters of a generated method that takes a handler's parameters one by one:
/// the handler's own names where they are plain identifiers (the method's documentation shows
/// them), `argN` for patterns.
fn param_names(sig: &syn::Signature) -> Vec<Ident> {
    let args = signature::typed_args(sig);
    let own: Vec<Option<Ident>> = args
        .iter()
        .map(|arg| match &*arg.pat {
            syn::Pat::Ident(pat) if pat.subpat.is_none() => Some(pat.ident.clone()),
            _ => None,
        })
        .collect();
    let taken = |name: &Ident| own.iter().flatten().any(|ident| ident.unraw() == *name);
    own.iter()
        .enumerate()
        .map(|(i, ident)| match ident {
            Some(ident) => ident.clone(),
            None => {
                let name = format_ident!("arg{}", i);
                if taken(&name) { format_ident!("__arg{}", i) } else { name }
            }
        })
        .collect()
}
