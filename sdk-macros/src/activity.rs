//! `#[activity]` on a free function: turns it into a unit struct of the same name that
//! implements `ActivityDefinition` and `ActivityImplementation`; the function body becomes the
//! struct's associated function `call`, so tests can still run the code directly.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, Item, ItemFn};

use crate::attrs::{self, Errors, NameArgs};
use crate::signature::{self, Inputs};

const SHAPE: &str = "`#[activity] async fn name(input: T) -> Result<O, ActivityError> { .. }`";

/// Expands `#[activity(attr)] item`; errors become `compile_error!`s next to the user's code.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let (mut tokens, errors) = expand_checked(attr, item);
    if let Some(errors) = errors {
        tokens.extend(errors.to_compile_error());
    }
    tokens
}

/// The expansion and, separately, the errors (for tests). On errors the function is emitted
/// unchanged.
pub(crate) fn expand_checked(attr: TokenStream, item: TokenStream) -> (TokenStream, Option<syn::Error>) {
    let mut errors = Errors::default();
    let args = NameArgs::parse(attr, "activity", &mut errors);
    let item_fn = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(item_fn)) => item_fn,
        Ok(other) => {
            let span = other.to_token_stream().into_iter().next().map_or_else(Span::call_site, |t| t.span());
            errors.at(span, format!("`#[activity]` goes on a function: {SHAPE}"));
            return (item, errors.into_error());
        }
        Err(error) => {
            errors.push(error);
            return (item, errors.into_error());
        }
    };
    let Some(activity) = check(&args, &item_fn, &mut errors) else {
        return (item, errors.into_error());
    };
    if !errors.is_empty() {
        return (item, errors.into_error());
    }
    (expand_fn(&activity, &item_fn), None)
}

/// What the checks learnt about the function.
struct Activity {
    name: String,
    inputs: Inputs,
    output: syn::Type,
}

fn check(args: &NameArgs, item_fn: &ItemFn, errors: &mut Errors) -> Option<Activity> {
    let sig = &item_fn.sig;
    let name = match &args.name {
        Some(name) => {
            attrs::check_reserved(&name.value(), name.span(), errors);
            name.value()
        }
        None => {
            attrs::check_reserved(&sig.ident.unraw().to_string(), sig.ident.span(), errors);
            sig.ident.unraw().to_string()
        }
    };
    signature::check_plain(sig, "an activity", errors);
    signature::check_no_self(
        sig,
        "an `#[activity]` function takes no `self`: for activities that share state (a connection pool, a \
         client), put `#[activities]` on the `impl` block, and its `#[activity]` methods take `&self`; an \
         activity without shared state is a function without `self`",
        errors,
    );
    let params = signature::inputs(sig, "an activity", errors);
    let role = if params.len() > 1 { "an argument of an activity" } else { "the argument of an activity" };
    for param in &params {
        signature::check_owned(&param.ty, role, errors);
    }
    let inputs = Inputs::of(sig, &params);
    let output = signature::return_type(sig).cloned();
    match &output {
        None => errors.at(
            sig.paren_token.span.close(),
            "an activity returns `Result<T, E>`: add `-> Result<T, ActivityError>` (any `E` that converts \
             into `ActivityError` works)",
        ),
        Some(ty) => signature::check_owned(ty, "the result of an activity", errors),
    }
    Some(Activity { name, inputs, output: output? })
}

fn expand_fn(activity: &Activity, item_fn: &ItemFn) -> TokenStream {
    let p = quote!(::temporal_sdk::__private);
    let ItemFn { attrs, vis, sig, block } = item_fn;
    let ident = &sig.ident;
    let name = &activity.name;
    let output = &activity.output;
    let docs: Vec<_> = attrs.iter().filter(|a| attrs::is_doc(a)).collect();
    let others: Vec<_> = attrs.iter().filter(|a| !attrs::is_doc(a)).collect();
    let cfgs: Vec<_> = attrs.iter().filter(|a| attrs::is_cfg(a)).collect();
    let default_doc = docs.is_empty().then(|| {
        let doc =
            format!(" The `{name}` activity: pass it to `workflow::execute_activity` and register it with a worker.");
        quote!(#[doc = #doc])
    });
    let input = activity.inputs.ty_or_unit();
    let (param, arg) = activity.inputs.binding();
    let mut call_sig = sig.clone();
    call_sig.ident = Ident::new("call", ident.span());
    let po = crate::private(output.span());
    let output_ty = quote_spanned!(output.span()=> <#output as #po::ActivityReturn>::Ok);
    let future = quote_spanned!(output.span()=>
        #po::BoxFuture<'static, ::core::result::Result<#output_ty, #po::ActivityError>>
    );
    // The conversion of the result carries the span of the return type, so that a return type
    // that is not a `Result` is reported there.
    let call_ident = Ident::new("call", output.span());
    let execute = if sig.asyncness.is_some() {
        let call = quote_spanned!(output.span()=>
            #po::ActivityReturn::into_result(Self::#call_ident(#arg).await)
        );
        quote_spanned!(sig.ident.span()=> ::std::boxed::Box::pin(async move { #call }))
    } else {
        let call = quote_spanned!(output.span()=>
            #po::ActivityReturn::into_result(Self::#call_ident(#arg))
        );
        // Only the path carries the user's span (a value that is not `Send` is reported at the
        // function's name); the closure is macro code, which lints such as clippy's leave alone.
        let pi = crate::private(sig.ident.span());
        quote!(#pi::blocking_activity(move || #call))
    };
    // rustc checks the signature of `execute` against the trait at the span of the whole item:
    // give every token of it the span of the return type, where the other errors point.
    let execute_fn = quote_spanned! {output.span()=>
        // The size of `ActivityError` and the length of the future's type are the SDK's
        // business, not the user's.
        #[allow(clippy::result_large_err, clippy::type_complexity)]
        fn execute(&self, #param) -> #future {
            #execute
        }
    };
    let input_span = match activity.inputs.types.as_slice() {
        [] => Span::call_site(),
        [one] => one.span(),
        _ => activity.inputs.span,
    };
    let input_item = quote_spanned!(input_span=> type Input = #input;);
    let p_shape = crate::private(Span::call_site());
    let shape_item = activity.inputs.spread().then(|| {
        quote! {
            fn input_shape(&self) -> #p_shape::ArgShape {
                #p_shape::ArgShape::Spread
            }
        }
    });
    let output_item = quote_spanned!(output.span()=> type Output = #output_ty;);
    let call_doc = [
        format!(
            " Runs the code of the `{name}` activity directly, as a plain function call: no worker, \
             no server, no retries (for unit tests)."
        ),
        String::new(),
        " Code that reads the activity context (`activity::info()`, heartbeats) needs the activity \
         test environment around the call."
            .to_string(),
    ];

    quote! {
        #(#docs)*
        #default_doc
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #[derive(
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
            ::core::default::Default,
        )]
        #vis struct #ident;

        #(#cfgs)*
        impl #ident {
            #(#[doc = #call_doc])*
            #(#others)*
            #vis #call_sig #block
        }

        #(#cfgs)*
        impl #p::ActivityDefinition for #ident {
            #input_item
            #output_item

            fn name(&self) -> &'static str {
                #name
            }

            #shape_item
        }

        #(#cfgs)*
        impl #p::ActivityImplementation for #ident {
            #execute_fn
        }
    }
}
