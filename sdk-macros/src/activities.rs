//! `#[activities]` on an inherent `impl` block: its `#[activity]` methods become activities
//! that share one value (`&self`: a connection pool, a client, configuration).
//!
//! For every `#[activity]` method `NAME` the block gets, in the method's place, a marker
//! constant `const NAME: ActivityMethod<Self, I, O>` (what workflows pass to
//! `workflow::execute_activity`, like a function marked `#[activity]`) and the method itself,
//! renamed `__temporal_activity_NAME` and hidden. After the block comes
//! `impl ActivityMethods for T`, which lists the methods for `WorkerOptions::activities`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItem, ImplItemFn, Item, ItemImpl, Type};

use crate::attrs::{self, Errors, NameArgs};
use crate::signature::{self, Inputs, tokens};

const SHAPE: &str = "`#[activities] impl MyActivities { #[activity] async fn name(&self, input: T) -> Result<O, ActivityError> { .. } }`";

/// Expands `#[activities(attr)] item`; errors become `compile_error!`s next to the user's code.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let (mut tokens, errors) = expand_checked(attr, item);
    if let Some(errors) = errors {
        tokens.extend(errors.to_compile_error());
    }
    tokens
}

/// The expansion and, separately, the errors (for tests). Methods that fail their checks are
/// emitted unchanged, so that the compiler reports nothing else about them.
pub(crate) fn expand_checked(attr: TokenStream, item: TokenStream) -> (TokenStream, Option<syn::Error>) {
    let mut errors = Errors::default();
    if !attr.is_empty() {
        errors.spanned(
            &attr,
            "`#[activities]` takes no arguments; name each activity with `#[activity(name = \"...\")]`",
        );
    }
    let item_impl = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Impl(item_impl)) => item_impl,
        Ok(other) => {
            let span = other.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span());
            errors.at(span, format!("`#[activities]` goes on an inherent `impl` block: {SHAPE}"));
            return (item, errors.into_error());
        }
        Err(error) => {
            errors.push(error);
            return (item, errors.into_error());
        }
    };
    let tokens = expand_impl(item_impl, &mut errors);
    (tokens, errors.into_error())
}

/// A checked `#[activity]` method.
struct Method {
    name: String,
    name_span: Span,
    inputs: Inputs,
    output: Type,
    method: ImplItemFn,
}

fn expand_impl(mut item_impl: ItemImpl, errors: &mut Errors) -> TokenStream {
    if let Some((_, path, _)) = &item_impl.trait_ {
        errors.spanned(
            path,
            format!(
                "`#[activities]` goes on the inherent `impl {} {{ .. }}` block, not on an impl of a trait",
                tokens(&item_impl.self_ty)
            ),
        );
        return item_impl.into_token_stream();
    }
    if !item_impl.generics.params.is_empty() || item_impl.generics.where_clause.is_some() {
        errors.spanned(
            &item_impl.generics,
            "an `#[activities]` impl block cannot be generic: implement the activities for a concrete type",
        );
        return item_impl.into_token_stream();
    }

    let mut methods: Vec<Method> = Vec::new();
    let mut items: Vec<TokenStream> = Vec::new();
    let mut any_marked = false;
    for item in std::mem::take(&mut item_impl.items) {
        let ImplItem::Fn(mut method) = item else {
            items.push(item.into_token_stream());
            continue;
        };
        let Some(attr) = take_activity_attr(&mut method, errors) else {
            items.push(method.into_token_stream());
            continue;
        };
        any_marked = true;
        match check(&attr, method, errors) {
            Ok(checked) => {
                items.push(method_items(&checked));
                methods.push(checked);
            }
            Err(method) => items.push(method.into_token_stream()),
        }
    }
    if !any_marked {
        let impl_token = &item_impl.impl_token;
        let self_ty = &item_impl.self_ty;
        errors.spanned(
            quote!(#impl_token #self_ty),
            format!("an `#[activities]` impl block has at least one `#[activity]` method: {SHAPE}"),
        );
    }
    for (i, method) in methods.iter().enumerate() {
        if let Some(first) = methods[..i].iter().find(|m| m.name == method.name) {
            errors.at(
                method.name_span,
                format!(
                    "the activity name `{}` is already used by `{}`: give one of them another name with \
                     `#[activity(name = \"...\")]`",
                    method.name, first.method.sig.ident
                ),
            );
        }
    }

    let ItemImpl { attrs, impl_token, self_ty, .. } = &item_impl;
    let p = quote!(::temporal_sdk::__private);
    let entries = methods.iter().map(|method| {
        let ident = &method.method.sig.ident;
        let cfgs: Vec<_> = method.method.attrs.iter().filter(|a| attrs::is_cfg(a)).collect();
        // At the return type, like the marker: an error about the marker's type is reported once.
        let span = method.output.span();
        let ps = crate::private(span);
        let ident = crate::signature::respan(ident, span);
        let entry = quote_spanned! {span=>
            methods.push(#ps::UnboundActivity::new(Self::#ident.name(), |this, args| Self::#ident.call_erased(this, args)));
        };
        quote! {
            #(#cfgs)*
            #entry
        }
    });
    quote! {
        #(#attrs)*
        #impl_token #self_ty {
            #(#items)*
        }

        impl #p::ActivityMethods for #self_ty {
            fn activity_methods() -> ::std::vec::Vec<#p::UnboundActivity<Self>> {
                let mut methods = ::std::vec::Vec::new();
                #(#entries)*
                methods
            }
        }
    }
}

/// Removes the `#[activity]` attribute of a method (reporting a second one).
fn take_activity_attr(method: &mut ImplItemFn, errors: &mut Errors) -> Option<Attribute> {
    let mut found = None;
    let mut kept = Vec::with_capacity(method.attrs.len());
    for attr in std::mem::take(&mut method.attrs) {
        if !is_activity_attr(&attr) {
            kept.push(attr);
        } else if found.is_some() {
            errors.spanned(&attr, "`#[activity]` is given twice: keep one");
        } else {
            found = Some(attr);
        }
    }
    method.attrs = kept;
    found
}

/// `#[activity]`, `#[temporal_sdk::activity]`, `#[temporal_sdk::prelude::activity]`.
fn is_activity_attr(attr: &Attribute) -> bool {
    let path = attr.path();
    let ours = (path.segments.len() == 1 && path.leading_colon.is_none())
        || path.segments.first().is_some_and(|first| first.ident == "temporal_sdk");
    ours && path.segments.last().is_some_and(|last| last.ident == "activity")
}

fn check(attr: &Attribute, method: ImplItemFn, all_errors: &mut Errors) -> Result<Method, Box<ImplItemFn>> {
    let mut errors = Errors::default();
    let args = NameArgs::from_attribute(attr, "activity", &[], &mut errors);
    let sig = &method.sig;
    let ident = &sig.ident;
    let (name, name_span) = match &args.name {
        Some(name) => (name.value(), name.span()),
        None => (ident.unraw().to_string(), ident.span()),
    };
    attrs::check_reserved(&name, name_span, &mut errors);
    let what = "an `#[activity]` method";
    signature::check_plain(sig, what, &mut errors);
    match sig.receiver() {
        None => errors.at(
            sig.paren_token.span.join(),
            format!(
                "{what} of an `#[activities]` impl block takes `&self`, the value the activities share: write \
                 `fn {ident}(&self, ..)`; an activity that needs no shared value is a free function marked \
                 `#[activity]`"
            ),
        ),
        Some(receiver) => match &*receiver.ty {
            Type::Reference(reference) if reference.mutability.is_none() => {}
            Type::Reference(_) => errors.spanned(
                receiver,
                format!(
                    "{what} takes `&self`, not `&mut self`: activities run concurrently on the one shared value; \
                     keep state that changes behind a `Mutex` or an atomic"
                ),
            ),
            _ => errors.spanned(
                receiver,
                format!(
                    "{what} takes `&self`, not `{}`: every activity runs on the one shared value",
                    tokens(receiver)
                ),
            ),
        },
    }
    let params = signature::inputs(sig, what, &mut errors);
    let role = if params.len() > 1 { "an argument of an activity" } else { "the argument of an activity" };
    for param in &params {
        signature::check_owned(&param.ty, role, &mut errors);
    }
    let inputs = Inputs::of(sig, &params);
    let output = signature::return_type(sig).cloned();
    match &output {
        None => errors.at(
            sig.paren_token.span.close(),
            "an activity returns `Result<T, E>`: add `-> Result<T, ActivityError>` (any `E` that converts \
             into `ActivityError` works)",
        ),
        Some(ty) => signature::check_owned(ty, "the result of an activity", &mut errors),
    }
    let failed = !errors.is_empty();
    all_errors.extend(errors);
    match output {
        Some(output) if !failed => Ok(Method { name, name_span, inputs, output, method }),
        _ => Err(Box::new(method)),
    }
}

/// The marker constant and the hidden method that replace an `#[activity]` method.
fn method_items(checked: &Method) -> TokenStream {
    let Method { name, inputs, output, method, .. } = checked;
    let ident = &method.sig.ident;
    let vis = &method.vis;
    let docs: Vec<_> = method.attrs.iter().filter(|a| attrs::is_doc(a)).collect();
    let cfgs: Vec<_> = method.attrs.iter().filter(|a| attrs::is_cfg(a)).collect();
    let others: Vec<_> = method.attrs.iter().filter(|a| !attrs::is_doc(a)).collect();
    let default_doc = docs.is_empty().then(|| {
        let doc = format!(
            " The `{name}` activity: pass it to `workflow::execute_activity`; `WorkerOptions::activities` registers \
             it with the other methods of its impl block."
        );
        quote!(#[doc = #doc])
    });
    let hidden = Ident::new(&format_ident!("__temporal_activity_{}", ident.unraw()).to_string(), ident.span());
    let mut hidden_method = method.clone();
    hidden_method.sig.ident = hidden.clone();
    hidden_method.vis = syn::Visibility::Inherited;
    hidden_method.attrs = Vec::new();

    let input_ty = inputs.ty_or_unit();
    let (param, arg) = inputs.closure_param();
    // Several parameters travel one payload each.
    let spread = inputs.spread().then(|| quote_spanned!(output.span()=> .spread()));
    let po = crate::private(output.span());
    let output_ty = quote_spanned!(output.span()=> <#output as #po::ActivityReturn>::Ok);
    let future = quote_spanned!(output.span()=>
        #po::BoxFuture<'static, ::core::result::Result<#output_ty, #po::ActivityError>>
    );
    // The conversion of the result carries the span of the return type, so that a return type
    // that is not a `Result` is reported there.
    let call_ident = Ident::new(&hidden.to_string(), output.span());
    let body = if method.sig.asyncness.is_some() {
        let call =
            quote_spanned!(output.span()=> #po::ActivityReturn::into_result(Self::#call_ident(&this #arg).await));
        quote_spanned!(ident.span()=> ::std::boxed::Box::pin(async move { #call }))
    } else {
        let call = quote_spanned!(output.span()=> #po::ActivityReturn::into_result(Self::#call_ident(&this #arg)));
        let pi = crate::private(ident.span());
        quote!(#pi::blocking_activity(move || #call))
    };
    // The marker's type holds `<R as ActivityReturn>::Ok`, reported at the return type `R` if
    // it fails: every token of the item carries that span, so that the report appears once.
    // Argument and result types that are not payload types are reported at their own tokens,
    // the generic arguments of `activity_method`.
    let span = output.span();
    let marker = quote_spanned! {span=>
        #vis const #ident: #po::ActivityMethod<Self, #input_ty, #output_ty> =
            #po::activity_method::<Self, #input_ty, #output_ty>(
                #name,
                |this: #po::Arc<Self>, #param| -> #future { #body },
            )#spread;
    };
    quote! {
        #(#docs)*
        #default_doc
        #(#cfgs)*
        #[allow(non_upper_case_globals, clippy::type_complexity)]
        #marker

        #[doc(hidden)]
        #(#others)*
        #hidden_method
    }
}
