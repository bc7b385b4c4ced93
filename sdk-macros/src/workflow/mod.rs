//! `#[workflow]` on an inherent `impl` block: turns the `#[run]`, `#[init]`, `#[signal]`,
//! `#[query]`, `#[update]` and `#[update_validator]` methods into marker constants and
//! registrations, implements `Workflow` for the type, and checks the block's code for
//! well-known non-deterministic calls.
//!
//! For every valid handler method `NAME` the block gets, in the method's place:
//! - `const NAME: RunMethod<Self> | SignalMethod<Self, I> | QueryMethod<Self, I, O> |
//!   UpdateMethod<Self, I, O>`, with the method's visibility and doc comments (what users pass
//!   to the client);
//! - the method itself, renamed `__temporal_<kind>_NAME` and `#[doc(hidden)]`, body untouched.
//!
//! The `#[init]` function, validators and dynamic handlers keep their names (no client calls
//! them by marker). After the block come `impl Workflow for T`, whose `definition()` registers
//! non-capturing closures that call the methods, and the typed handle methods (a trait object
//! that `WorkflowHandle<T>` derefs to).

mod determinism;
mod generate;
mod handler;

#[cfg(test)]
pub(crate) use determinism::classify as determinism_classify;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItem, ImplItemFn, Item, ItemImpl, Type};

use crate::attrs::{self, Errors, NameArgs};
use crate::signature::tokens;
use generate::{handle_methods, handler_items, workflow_impl};
use handler::{Handler, Kind, check_handler, check_unique_names, link_validators};

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
    let args = NameArgs::parse_with_keys(
        attr,
        "workflow",
        &["dynamic", "unrestricted"],
        &["versioning_behavior"],
        &mut errors,
    );
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
    let dynamic = args.has("dynamic");
    if let (true, Some(name)) = (dynamic, &args.name) {
        errors.spanned(
            name,
            "a dynamic workflow runs every workflow type that no registered workflow has, so it has no name of \
             its own: remove `name = \"..\"`",
        );
    }
    let versioning_behavior = versioning_behavior(&args, errors);
    let check_determinism = !args.has("unrestricted");
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
        let mut method = match item {
            ImplItem::Fn(method) => method,
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
                continue;
            }
        };
        // Every method of the block is workflow code, handlers and helpers alike.
        determinism::check_method(&mut method, check_determinism, errors);
        let (method, (kind, attr)) = match take_marker(method, errors) {
            (method, Some(marker)) => (method, marker),
            (method, None) => {
                new_items.push(ItemSlot::Plain(Box::new(ImplItem::Fn(method))));
                continue;
            }
        };
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
        match check_handler(kind, &attr, method, dynamic, errors) {
            Ok(handler) => {
                new_items.push(ItemSlot::Handler(handlers.len()));
                handlers.push(handler);
            }
            Err(method) => new_items.push(ItemSlot::Plain(Box::new(ImplItem::Fn(*method)))),
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
    let validators = link_validators(&handlers, errors);

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
        let workflow = generate::WorkflowArgs { name: &workflow_name, dynamic, versioning_behavior };
        output.extend(workflow_impl(&item_impl, &workflow, run, init, &handlers, &validators));
        output.extend(handle_methods(&item_impl, &handlers));
    }
    output
}

/// The `VersioningBehavior` variant that `versioning_behavior = ".."` names, if given and valid.
fn versioning_behavior(args: &NameArgs, errors: &mut Errors) -> Option<Ident> {
    let value = args.value("versioning_behavior")?;
    let variant = match value.value().as_str() {
        "pinned" => "Pinned",
        "auto_upgrade" => "AutoUpgrade",
        other => {
            errors.spanned(
                value,
                format!(
                    "unknown versioning behavior {other:?}: write `versioning_behavior = \"pinned\"` (runs stay on the \
                     deployment version they started on) or `versioning_behavior = \"auto_upgrade\"` (runs move to the \
                     current version)"
                ),
            );
            return None;
        }
    };
    Some(Ident::new(variant, value.span()))
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
                    "a method is one of `#[run]`, `#[init]`, `#[signal]`, `#[query]`, `#[update]` or \
                     `#[update_validator]`; `{}` is already `#[{}]`: remove `#[{}]`, or move the shared code into a \
                     plain method that both call",
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
