//! Checks on function signatures shared by workflow handlers and activities.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{FnArg, PatType, ReturnType, Signature, Type};

use crate::attrs::Errors;

/// Checks that a handler's first parameter is `&self`. `what` names the handler in messages
/// ("a `#[signal]` handler"). Returns whether the receiver is `&self`.
pub(crate) fn check_ref_self(sig: &Signature, what: &str, errors: &mut Errors) -> bool {
    let asyncness = if sig.asyncness.is_some() { "async " } else { "" };
    let ident = &sig.ident;
    let Some(receiver) = sig.receiver() else {
        let shape = match typed_args(sig).first() {
            Some(arg) => format!("{asyncness}fn {ident}(&self, {})", tokens(arg)),
            None => format!("{asyncness}fn {ident}(&self)"),
        };
        errors.at(sig.paren_token.span.join(), format!("{what} takes `&self` as its first parameter: write `{shape}`"));
        return false;
    };
    let reference = match &*receiver.ty {
        Type::Reference(reference) if is_self(&reference.elem) => Some(reference),
        _ => None,
    };
    match reference {
        Some(reference) if reference.mutability.is_none() => return true,
        Some(_) => errors.spanned(
            receiver,
            format!(
                "{what} takes `&self`, not `&mut self`: workflow state is reached through `&self`; \
                 keep state that changes in `Cell`/`RefCell` fields"
            ),
        ),
        None => errors.spanned(
            receiver,
            format!(
                "{what} takes `&self`, not `{}`: the run method and the handlers share one workflow instance",
                tokens(receiver)
            ),
        ),
    }
    false
}

/// `Self`, the type of `self` in `&self` (syn writes the shorthand receivers out as `&Self`).
fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("Self"))
}

/// Reports a `self` parameter on something that must not have one (`#[init]`, activities).
pub(crate) fn check_no_self(sig: &Signature, message: &str, errors: &mut Errors) {
    if let Some(receiver) = sig.receiver() {
        errors.spanned(receiver, message);
    }
}

/// The parameters other than `self`.
pub(crate) fn typed_args(sig: &Signature) -> Vec<&PatType> {
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The single input argument of a handler or activity: `None` when it takes none. More than one
/// is reported (`what` names the function in the message) and the first is returned.
pub(crate) fn single_input<'a>(sig: &'a Signature, what: &str, errors: &mut Errors) -> Option<&'a PatType> {
    let args = typed_args(sig);
    if args.len() > 1 {
        let extra: Vec<_> = args[1..].iter().map(|arg| arg.to_token_stream()).collect();
        errors.spanned(
            quote::quote!(#(#extra)*),
            format!(
                "{what} takes at most one argument: to pass several values, take a struct or a tuple, \
                 e.g. `(a, b): (A, B)`"
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, format!("{what} cannot be variadic"));
    }
    args.first().copied()
}

/// Rejects generic parameters and `unsafe`, which no handler or activity can have.
pub(crate) fn check_plain(sig: &Signature, what: &str, errors: &mut Errors) {
    if !sig.generics.params.is_empty() {
        errors.spanned(&sig.generics, format!("{what} cannot be generic: use concrete types"));
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(where_clause, format!("{what} cannot have a `where` clause: use concrete types"));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, format!("{what} cannot be `unsafe`"));
    }
}

/// Checks that a type that crosses the wire (an argument or a result) is owned: no references,
/// no borrowed lifetimes, no `impl Trait`. `role` starts the message ("the argument of a
/// `#[signal]` handler").
pub(crate) fn check_owned(ty: &Type, role: &str, errors: &mut Errors) {
    struct Finder<'e, 'r> {
        role: &'r str,
        errors: &'e mut Errors,
    }
    impl<'ast> Visit<'ast> for Finder<'_, '_> {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            let role = self.role;
            self.errors.spanned(
                reference,
                format!(
                    "{role} is sent as a payload, so it must be an owned type: take `String` instead of \
                     `&str`, `Vec<T>` instead of `&[T]`, `T` instead of `&T`"
                ),
            );
        }
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident != "static" {
                let role = self.role;
                self.errors.spanned(
                    lifetime,
                    format!("{role} is sent as a payload, so it must be an owned type without the borrowed lifetime `{lifetime}`"),
                );
            }
        }
        fn visit_type_impl_trait(&mut self, impl_trait: &'ast syn::TypeImplTrait) {
            let role = self.role;
            self.errors.spanned(impl_trait, format!("{role} must be a concrete type, not `impl Trait`"));
        }
    }
    Finder { role, errors }.visit_type(ty);
}

/// The declared return type, `None` for a function without `-> T`.
pub(crate) fn return_type(sig: &Signature) -> Option<&Type> {
    match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(ty),
    }
}

/// Whether a function returns nothing (no `-> T`, or `-> ()`).
pub(crate) fn returns_unit(sig: &Signature) -> bool {
    match return_type(sig) {
        None => true,
        Some(Type::Tuple(tuple)) => tuple.elems.is_empty(),
        Some(_) => false,
    }
}

/// Tokens as the user would write them (for messages).
pub(crate) fn tokens(item: impl ToTokens) -> String {
    let text = item.to_token_stream().to_string();
    // `TokenStream::to_string` spaces every token; undo the common cases.
    text.replace("& ", "&")
        .replace(" :", ":")
        .replace(" ,", ",")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
}

/// `ident` with another span (raw if it was).
pub(crate) fn respan(ident: &syn::Ident, span: proc_macro2::Span) -> syn::Ident {
    use syn::ext::IdentExt;
    let name = ident.unraw().to_string();
    if ident.to_string().starts_with("r#") { syn::Ident::new_raw(&name, span) } else { syn::Ident::new(&name, span) }
}
