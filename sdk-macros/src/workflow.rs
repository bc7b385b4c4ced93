//! `#[workflow]` on an inherent `impl` block: turns the `#[run]`, `#[init]`, `#[signal]` and
//! `#[query]` methods into marker constants and implements `Workflow` for the type.
//!
//! For every valid handler method `NAME` the block gets, in the method's place:
//! - `const NAME: RunMethod<Self> | SignalMethod<Self, I> | QueryMethod<Self, I, O>`, with the
//!   method's visibility and doc comments (what users pass to the client);
//! - the method itself, renamed `__temporal_<kind>_NAME` and `#[doc(hidden)]`, body untouched.
//!
//! The `#[init]` function keeps its name (it is an ordinary constructor). After the block
//! comes `impl Workflow for T`, whose `definition()` registers non-capturing closures that call
//! the renamed methods.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItem, ImplItemFn, Item, ItemImpl, Type};

use crate::attrs::{self, Errors, NameArgs};
use crate::signature::{self, tokens};

/// Expands `#[workflow(attr)] item`; errors become `compile_error!`s next to the best-effort
/// expansion.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let (mut tokens, errors) = expand_checked(attr, item);
    if let Some(errors) = errors {
        tokens.extend(errors.to_compile_error());
    }
    tokens
}

/// The expansion and, separately, the errors found (for tests). When there are errors, the
/// expansion still contains the user's code (with the handlers that were valid expanded), so
/// that the compiler reports no follow-up errors about missing items.
pub(crate) fn expand_checked(attr: TokenStream, item: TokenStream) -> (TokenStream, Option<syn::Error>) {
    let mut errors = Errors::default();
    let args = NameArgs::parse(attr, "workflow", &mut errors);
    let item_impl = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Impl(item_impl)) => item_impl,
        Ok(other) => {
            errors.push(not_an_impl(&other));
            return (item, errors.into_error());
        }
        Err(error) => {
            errors.push(error);
            return (item, errors.into_error());
        }
    };
    let tokens = expand_impl(args, item_impl, &mut errors);
    (tokens, errors.into_error())
}

fn not_an_impl(item: &Item) -> syn::Error {
    let shape = "`#[workflow] impl MyWorkflow { #[run] async fn run(&self) -> WorkflowResult<()> { .. } }`";
    match item {
        Item::Struct(syn::ItemStruct { ident, .. }) | Item::Enum(syn::ItemEnum { ident, .. }) => {
            syn::Error::new_spanned(
                ident,
                format!(
                    "put `#[workflow]` on the `impl {ident} {{ .. }}` block that holds the `#[run]` method, \
                     not on the type itself"
                ),
            )
        }
        Item::Fn(item_fn) => syn::Error::new_spanned(
            &item_fn.sig.ident,
            format!(
                "`#[workflow]` goes on an inherent `impl` block, not on a function: {shape}; \
                 for an activity, use `#[activity]`"
            ),
        ),
        other => {
            syn::Error::new(first_token_span(other), format!("`#[workflow]` goes on an inherent `impl` block: {shape}"))
        }
    }
}

fn first_token_span(item: &impl ToTokens) -> Span {
    item.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

/// The four kinds of marked methods.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Run,
    Init,
    Signal,
    Query,
}

impl Kind {
    /// Recognises `#[run]`, `#[temporal_sdk::run]`, `#[temporal_sdk::prelude::run]` ...
    fn of(attr: &Attribute) -> Option<Kind> {
        let path = attr.path();
        let last = path.segments.last()?;
        let ours = (path.segments.len() == 1 && path.leading_colon.is_none())
            || path.segments.first().is_some_and(|first| first.ident == "temporal_sdk");
        if !ours {
            return None;
        }
        Some(match last.ident.to_string().as_str() {
            "run" => Kind::Run,
            "init" => Kind::Init,
            "signal" => Kind::Signal,
            "query" => Kind::Query,
            _ => return None,
        })
    }

    fn keyword(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Init => "init",
            Kind::Signal => "signal",
            Kind::Query => "query",
        }
    }

    /// How messages name a method of this kind.
    fn what(self) -> &'static str {
        match self {
            Kind::Run => "the `#[run]` method",
            Kind::Init => "the `#[init]` function",
            Kind::Signal => "a `#[signal]` handler",
            Kind::Query => "a `#[query]` handler",
        }
    }
}

/// A marked method whose signature passed the checks.
struct Handler {
    kind: Kind,
    /// The name registered with the server (signals and queries).
    name: String,
    /// Where the name comes from: the `name = ".."` literal, or the method name.
    name_span: Span,
    /// The argument type; `None` when the method takes no argument.
    input: Option<Type>,
    /// The declared return type, when there is one.
    output: Option<Type>,
    is_async: bool,
    /// The method, without its marker attribute.
    method: ImplItemFn,
}

impl Handler {
    fn ident(&self) -> &Ident {
        &self.method.sig.ident
    }

    /// The name the method gets once its own name is taken by the marker constant.
    fn hidden_ident(&self) -> Ident {
        let ident = self.ident().unraw();
        let hidden = match self.kind {
            Kind::Run => format_ident!("__temporal_run"),
            Kind::Init => ident.clone(),
            Kind::Signal => format_ident!("__temporal_signal_{}", ident),
            Kind::Query => format_ident!("__temporal_query_{}", ident),
        };
        Ident::new(&hidden.to_string(), self.ident().span())
    }

    /// The argument type, `()` when there is none.
    fn input_type(&self) -> TokenStream {
        match &self.input {
            Some(ty) => ty.to_token_stream(),
            None => quote!(()),
        }
    }

    /// A closure parameter that receives the input, and the arguments to pass on to the method.
    fn input_param(&self) -> (TokenStream, TokenStream) {
        match &self.input {
            Some(ty) => (quote!(input: #ty), quote!(, input)),
            None => (quote!((): ()), quote!()),
        }
    }

    fn cfg_attrs(&self) -> Vec<&Attribute> {
        self.method.attrs.iter().filter(|a| attrs::is_cfg(a)).collect()
    }
}

fn expand_impl(args: NameArgs, mut item_impl: ItemImpl, errors: &mut Errors) -> TokenStream {
    if let Some((_, path, _)) = &item_impl.trait_ {
        errors.spanned(
            path,
            format!(
                "`#[workflow]` goes on the inherent `impl {} {{ .. }}` block, not on an impl of a trait",
                tokens(&item_impl.self_ty)
            ),
        );
        return item_impl.into_token_stream();
    }
    if !item_impl.generics.params.is_empty() || item_impl.generics.where_clause.is_some() {
        errors.spanned(
            &item_impl.generics,
            "a `#[workflow]` impl block cannot be generic (not supported yet): implement the workflow for a concrete type",
        );
    }
    if let Some(unsafety) = &item_impl.unsafety {
        errors.spanned(unsafety, "a `#[workflow]` impl block cannot be `unsafe`");
    }
    let type_name = match &*item_impl.self_ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| s.ident.unraw().to_string()),
        _ => None,
    };
    let Some(type_name) = type_name else {
        errors.spanned(&item_impl.self_ty, "`#[workflow]` needs a named type: `impl MyWorkflow { .. }`");
        return item_impl.into_token_stream();
    };
    let workflow_name = match &args.name {
        Some(name) => {
            attrs::check_reserved(&name.value(), name.span(), errors);
            name.value()
        }
        None => {
            attrs::check_reserved(&type_name, item_impl.self_ty.span(), errors);
            type_name
        }
    };

    // Find and check the marked methods, in order.
    let mut handlers: Vec<Handler> = Vec::new();
    let mut run_seen: Option<Ident> = None;
    let mut init_seen: Option<Ident> = None;
    let mut any_run_marker = false;
    let mut new_items: Vec<ItemSlot> = Vec::new();
    for item in std::mem::take(&mut item_impl.items) {
        match item {
            ImplItem::Fn(method) => match take_marker(method, errors) {
                (method, None) => new_items.push(ItemSlot::Plain(Box::new(ImplItem::Fn(method)))),
                (method, Some((kind, attr))) => {
                    let previous = match kind {
                        Kind::Run => Some(&mut run_seen),
                        Kind::Init => Some(&mut init_seen),
                        _ => None,
                    };
                    if let Some(previous) = previous {
                        if let Some(first) = previous {
                            errors.spanned(
                                &attr,
                                format!(
                                    "a workflow has one `#[{}]` method, and `{first}` is already it: remove this `#[{}]`",
                                    kind.keyword(),
                                    kind.keyword()
                                ),
                            );
                            new_items.push(ItemSlot::Plain(Box::new(ImplItem::Fn(method))));
                            continue;
                        }
                        *previous = Some(method.sig.ident.clone());
                    }
                    any_run_marker |= kind == Kind::Run;
                    match check_handler(kind, &attr, method, errors) {
                        Ok(handler) => {
                            new_items.push(ItemSlot::Handler(handlers.len()));
                            handlers.push(handler);
                        }
                        Err(method) => new_items.push(ItemSlot::Plain(Box::new(ImplItem::Fn(*method)))),
                    }
                }
            },
            mut other => {
                if let Some(attrs) = item_attrs_mut(&mut other) {
                    attrs.retain(|attr| match Kind::of(attr) {
                        Some(kind) => {
                            errors.spanned(
                                attr,
                                format!("`#[{}]` goes on a method of the `#[workflow]` impl block", kind.keyword()),
                            );
                            false
                        }
                        None => true,
                    });
                }
                new_items.push(ItemSlot::Plain(Box::new(other)));
            }
        }
    }

    if !any_run_marker {
        let impl_token = &item_impl.impl_token;
        let self_ty = &item_impl.self_ty;
        errors.spanned(
            quote!(#impl_token #self_ty),
            "a `#[workflow]` impl block needs one `#[run]` method, e.g. \
             `#[run] async fn run(&self, input: T) -> WorkflowResult<O> { .. }`",
        );
    }
    check_unique_names(&handlers, errors);

    let run = handlers.iter().find(|h| h.kind == Kind::Run);
    let init = handlers.iter().find(|h| h.kind == Kind::Init);
    let mut init_ok = init_seen.is_none() || init.is_some();
    if let (Some(run), Some(init)) = (run, init)
        && let (None, Some(input)) = (&run.input, &init.input)
    {
        errors.spanned(
            input,
            format!(
                "`#[init]` takes an argument but the `#[run]` method `{}` takes none: both receive the \
                     workflow input, so give them the same argument (or remove this one)",
                run.ident()
            ),
        );
        init_ok = false;
    }

    // The impl block with each handler replaced by its marker constant and hidden method.
    let mut items = Vec::new();
    for slot in new_items {
        match slot {
            ItemSlot::Plain(item) => items.push(item.into_token_stream()),
            ItemSlot::Handler(index) => items.push(handler_items(&handlers[index], &workflow_name)),
        }
    }
    let ItemImpl { attrs, defaultness, unsafety, impl_token, generics, self_ty, .. } = &item_impl;
    let where_clause = &generics.where_clause;
    let mut output = quote! {
        #(#attrs)*
        #defaultness #unsafety #impl_token #generics #self_ty #where_clause {
            #(#items)*
        }
    };
    if let (Some(run), true) = (run, init_ok) {
        output.extend(workflow_impl(&item_impl, &workflow_name, run, init, &handlers));
    }
    output
}

/// Where an impl item goes back: unchanged, or expanded from `handlers[i]`.
enum ItemSlot {
    Plain(Box<ImplItem>),
    Handler(usize),
}

fn item_attrs_mut(item: &mut ImplItem) -> Option<&mut Vec<Attribute>> {
    match item {
        ImplItem::Const(c) => Some(&mut c.attrs),
        ImplItem::Fn(f) => Some(&mut f.attrs),
        ImplItem::Type(t) => Some(&mut t.attrs),
        ImplItem::Macro(m) => Some(&mut m.attrs),
        _ => None,
    }
}

/// Removes the marker attributes from a method; returns the first, and reports any second one.
fn take_marker(mut method: ImplItemFn, errors: &mut Errors) -> (ImplItemFn, Option<(Kind, Attribute)>) {
    let mut found: Option<(Kind, Attribute)> = None;
    let mut kept = Vec::with_capacity(method.attrs.len());
    for attr in std::mem::take(&mut method.attrs) {
        match (Kind::of(&attr), &found) {
            (None, _) => kept.push(attr),
            (Some(kind), None) => found = Some((kind, attr)),
            (Some(kind), Some((first, _))) => errors.spanned(
                &attr,
                format!(
                    "a method is one of `#[run]`, `#[init]`, `#[signal]` or `#[query]`; `{}` is already `#[{}]`: \
                     remove `#[{}]`, or move the shared code into a plain method that both call",
                    method.sig.ident,
                    first.keyword(),
                    kind.keyword()
                ),
            ),
        }
    }
    method.attrs = kept;
    (method, found)
}

/// Checks the signature of a marked method. On failure the method is handed back (without its
/// marker) so it can be emitted as a plain method.
fn check_handler(
    kind: Kind,
    attr: &Attribute,
    method: ImplItemFn,
    all_errors: &mut Errors,
) -> Result<Handler, Box<ImplItemFn>> {
    let mut errors = Errors::default();
    let sig = &method.sig;
    let what = kind.what();
    let ident = &sig.ident;
    let mut name_span = ident.span();
    let name = match kind {
        Kind::Run => {
            attrs::expect_no_args(
                attr,
                "run",
                "; to name the workflow type, write `#[workflow(name = \"...\")]` on the impl block",
                &mut errors,
            );
            String::new()
        }
        Kind::Init => {
            attrs::expect_no_args(attr, "init", "", &mut errors);
            String::new()
        }
        Kind::Signal | Kind::Query => {
            let args = NameArgs::from_attribute(attr, kind.keyword(), &mut errors);
            let (name, span) = match &args.name {
                Some(name) => (name.value(), name.span()),
                None => (ident.unraw().to_string(), ident.span()),
            };
            name_span = span;
            attrs::check_reserved(&name, span, &mut errors);
            if kind == Kind::Query && (name == "__stack_trace" || name == "__enhanced_stack_trace") {
                errors.at(
                    span,
                    format!("the query name `{name}` is reserved by Temporal: choose another with `name = \"...\"`"),
                );
            }
            name
        }
    };
    signature::check_plain(sig, what, &mut errors);

    // async-ness
    match (kind, &sig.asyncness) {
        (Kind::Run, None) => errors.spanned(
            {
                let fn_token = &sig.fn_token;
                quote!(#fn_token #ident)
            },
            format!("the `#[run]` method must be `async`: write `async fn {ident}(&self, ..)`"),
        ),
        (Kind::Init, Some(asyncness)) => errors.spanned(
            asyncness,
            "`#[init]` cannot be `async`: it only builds the workflow from its input; do async work in the `#[run]` method",
        ),
        (Kind::Query, Some(asyncness)) => errors.spanned(
            asyncness,
            "a `#[query]` handler cannot be `async`: a query answers at once from the workflow state; \
             do the work in the run method or a signal and let the query read the outcome",
        ),
        _ => {}
    }

    // receiver
    match kind {
        Kind::Init => signature::check_no_self(
            sig,
            "`#[init]` builds the workflow, so it takes no `self`: write `fn new(input: T) -> Self`",
            &mut errors,
        ),
        _ => {
            signature::check_ref_self(sig, what, &mut errors);
        }
    }

    // input
    let input = signature::single_input(sig, what, &mut errors).map(|arg| (*arg.ty).clone());
    if let Some(input) = &input {
        let role = match kind {
            Kind::Run => "the argument of the `#[run]` method (the workflow input)".to_string(),
            Kind::Init => "the argument of `#[init]` (the workflow input)".to_string(),
            _ => format!("the argument of {what}"),
        };
        signature::check_owned(input, &role, &mut errors);
    }

    // output
    let output = signature::return_type(sig).cloned();
    let missing_output = |errors: &mut Errors, message: &str| {
        errors.at(sig.paren_token.span.close(), message);
    };
    match kind {
        Kind::Run => match &output {
            None => missing_output(
                &mut errors,
                "the `#[run]` method returns the workflow result: add `-> WorkflowResult<T>` \
                 (or any `Result<T, E>` whose `E` converts into `WorkflowError`)",
            ),
            Some(ty) => signature::check_owned(ty, "the result of the `#[run]` method", &mut errors),
        },
        Kind::Init => {
            if output.is_none() {
                missing_output(&mut errors, "`#[init]` returns the new workflow: add `-> Self`");
            }
        }
        Kind::Signal => {
            if sig.asyncness.is_none() && !signature::returns_unit(sig) {
                let ty = output.as_ref().expect("not unit");
                errors.spanned(
                    &sig.output,
                    format!(
                        "a `#[signal]` handler returns nothing: remove `-> {}`; to read workflow state from a \
                         client, add a `#[query]`",
                        tokens(ty)
                    ),
                );
            }
        }
        Kind::Query => match &output {
            None => missing_output(&mut errors, "a `#[query]` handler returns the value it reads: add `-> T`"),
            Some(ty) => signature::check_owned(ty, "the result of a `#[query]` handler", &mut errors),
        },
    }

    let failed = !errors.is_empty();
    all_errors.extend(errors);
    if failed {
        return Err(Box::new(method));
    }
    let is_async = method.sig.asyncness.is_some();
    let output = if kind == Kind::Signal && signature::returns_unit(&method.sig) { None } else { output };
    Ok(Handler { kind, name, name_span, input, output, is_async, method })
}

/// Two signals (or two queries) cannot share a name.
fn check_unique_names(handlers: &[Handler], errors: &mut Errors) {
    for (i, handler) in handlers.iter().enumerate() {
        if !matches!(handler.kind, Kind::Signal | Kind::Query) {
            continue;
        }
        if let Some(first) = handlers[..i].iter().find(|h| h.kind == handler.kind && h.name == handler.name) {
            errors.at(
                handler.name_span,
                format!(
                    "the {} name `{}` is already used by `{}`: give one of them another name with \
                     `#[{}(name = \"...\")]`",
                    handler.kind.keyword(),
                    handler.name,
                    first.ident(),
                    handler.kind.keyword()
                ),
            );
        }
    }
}

/// The marker constant and the hidden method that replace a handler in the impl block.
fn handler_items(handler: &Handler, workflow_name: &str) -> TokenStream {
    let method = &handler.method;
    let ident = handler.ident();
    if handler.kind == Kind::Init {
        // An ordinary constructor: it keeps its name.
        return method.to_token_stream();
    }
    let vis = &method.vis;
    let docs: Vec<_> = method.attrs.iter().filter(|a| attrs::is_doc(a)).collect();
    let cfgs = handler.cfg_attrs();
    let others: Vec<_> = method.attrs.iter().filter(|a| !attrs::is_doc(a)).collect();
    let input = handler.input_type();
    let name = &handler.name;
    let (ty, value, default_doc) = match handler.kind {
        Kind::Run => (
            quote!(::temporal_sdk::__private::RunMethod<Self>),
            quote!(::temporal_sdk::__private::RunMethod::new()),
            format!(
                " The run method of the `{workflow_name}` workflow: pass it to `Client::start_workflow` to start one."
            ),
        ),
        Kind::Signal => (
            quote!(::temporal_sdk::__private::SignalMethod<Self, #input>),
            quote!(::temporal_sdk::__private::SignalMethod::new(#name)),
            format!(" The `{name}` signal of the `{workflow_name}` workflow: pass it to `WorkflowHandle::signal`."),
        ),
        Kind::Query => {
            let output = handler.output.as_ref().expect("checked");
            (
                quote!(::temporal_sdk::__private::QueryMethod<Self, #input, #output>),
                quote!(::temporal_sdk::__private::QueryMethod::new(#name)),
                format!(" The `{name}` query of the `{workflow_name}` workflow: pass it to `WorkflowHandle::query`."),
            )
        }
        Kind::Init => unreachable!(),
    };
    let default_doc = docs.is_empty().then(|| quote!(#[doc = #default_doc]));
    let mut hidden = method.clone();
    hidden.sig.ident = handler.hidden_ident();
    hidden.vis = syn::Visibility::Inherited;
    hidden.attrs = Vec::new();
    quote! {
        #(#docs)*
        #default_doc
        #(#cfgs)*
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #ident: #ty = #value;

        #[doc(hidden)]
        #(#others)*
        #hidden
    }
}

/// `impl Workflow for T`.
fn workflow_impl(
    item_impl: &ItemImpl,
    workflow_name: &str,
    run: &Handler,
    init: Option<&Handler>,
    handlers: &[Handler],
) -> TokenStream {
    let self_ty = &item_impl.self_ty;
    let p = quote!(::temporal_sdk::__private);
    let input = run.input_type();
    let run_output = run.output.as_ref().expect("checked");
    let po = crate::private(run_output.span());
    let output_ty = quote_spanned!(run_output.span()=> <#run_output as #po::WorkflowReturn>::Ok);

    // Run and init receive the same input. `SameInput` turns a mismatch into one error at
    // init's argument that says so (instead of a bare "mismatched types").
    let mut same_input_trait = None;
    let init_fn = match init {
        Some(init) => {
            let init_ident = init.ident();
            let init_ty = init.output.as_ref().expect("checked");
            let this = quote_spanned!(init_ty.span()=> this);
            match &init.input {
                Some(init_input) => {
                    same_input_trait = Some(quote! {
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
                    let same = quote_spanned!(init_input.span()=> SameInput::<#init_input>::same_input(input));
                    quote!(|input: #input| -> Self { let this: #init_ty = Self::#init_ident(#same); #this })
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
    let (param, arg) = run.input_param();
    // `RunResult` converts the error of the run method's result. (Its message repeats the one of
    // `WorkflowReturn`, which reports the same problem at the same place.)
    let run_result_trait = quote! {
        #[diagnostic::on_unimplemented(
            message = "a workflow `#[run]` method must return `WorkflowResult<T>` (or `Result<T, E>`), not `{Self}`",
            note = "any `E` convertible into `WorkflowError` works, e.g. `ApplicationError` or `anyhow::Error`"
        )]
        trait RunResult<T> {
            fn into_run_result(self) -> ::core::result::Result<T, #p::WorkflowError>;
        }
        impl<T, E: ::core::convert::Into<#p::WorkflowError>> RunResult<T> for ::core::result::Result<T, E> {
            fn into_run_result(self) -> ::core::result::Result<T, #p::WorkflowError> {
                ::core::result::Result::map_err(self, ::core::convert::Into::into)
            }
        }
    };
    let call = quote_spanned!(run_output.span()=>
        RunResult::<#output_ty>::into_run_result(Self::#run_ident(&this #arg).await)
    );
    let run_future = quote_spanned!(run_output.span()=>
        #po::LocalBoxFuture<'static, ::core::result::Result<#output_ty, #po::WorkflowError>>
    );
    // Checking the run closure against `WorkflowDefinition::new` normalizes the output type at
    // this path: keep that at the return type too.
    let new_definition = quote_spanned!(run_output.span()=> #po::WorkflowDefinition::<Self>::new);
    // The closure is coerced to `RunFn`, which normalizes the output type at the closure's span.
    let run_fn = quote_spanned! {run_output.span()=>
        |this: #po::Rc<Self>, #param| -> #run_future {
            ::std::boxed::Box::pin(async move { #call })
        }
    };

    let registrations = handlers.iter().filter_map(|handler| {
        let name = &handler.name;
        let hidden = handler.hidden_ident();
        let input = handler.input_type();
        let (param, arg) = handler.input_param();
        let cfgs = handler.cfg_attrs();
        let registration = match (handler.kind, handler.is_async) {
            (Kind::Signal, false) => quote! {
                definition.signal::<#input>(#name, |this: &Self, #param| Self::#hidden(this #arg))
            },
            (Kind::Signal, true) => {
                let body = match &handler.output {
                    None => quote!(Self::#hidden(&this #arg).await; ::core::result::Result::Ok(())),
                    Some(output) => {
                        // A result other than `Result<(), E>` is reported at the return type.
                        let hidden = Ident::new(&hidden.to_string(), output.span());
                        quote_spanned!(output.span()=>
                            let result: ::core::result::Result<(), _> = Self::#hidden(&this #arg).await;
                            ::core::result::Result::map_err(result, ::core::convert::Into::into)
                        )
                    }
                };
                quote! {
                    definition.async_signal::<#input>(
                        #name,
                        |this: #p::Rc<Self>, #param| -> #p::LocalBoxFuture<'static, ::core::result::Result<(), #p::WorkflowError>> {
                            ::std::boxed::Box::pin(async move { #body })
                        },
                    )
                }
            }
            (Kind::Query, _) => {
                let output = handler.output.as_ref().expect("checked");
                quote! {
                    definition.query::<#input, #output>(#name, |this: &Self, #param| -> #output { Self::#hidden(this #arg) })
                }
            }
            (Kind::Run | Kind::Init, _) => return None,
        };
        Some(quote! {
            #(#cfgs)*
            let definition = #registration;
        })
    });

    // Spanned so that a type that is not serializable is reported at the user's type.
    let input_span = run.input.as_ref().map_or_else(Span::call_site, |ty| ty.span());
    let input_item = quote_spanned!(input_span=> type Input = #input;);
    let output_item = quote_spanned!(run_output.span()=> type Output = #output_ty;);

    quote! {
        impl #p::Workflow for #self_ty {
            const NAME: &'static str = #workflow_name;
            #input_item
            #output_item

            fn definition() -> #p::WorkflowDefinition<Self> {
                #same_input_trait
                #run_result_trait
                let definition = #new_definition(#init_fn, #run_fn);
                #(#registrations)*
                definition
            }
        }
    }
}
