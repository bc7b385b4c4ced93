//! Checks on function signatures shared by workflow handlers and activities.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
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

/// The input parameters of a handler or activity (those other than `self`), each one payload;
/// a variadic signature is reported (`what` names the function in the message).
pub(crate) fn inputs<'a>(sig: &'a Signature, what: &str, errors: &mut Errors) -> Vec<&'a PatType> {
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, format!("{what} cannot be variadic"));
    }
    typed_args(sig)
}

/// The input parameters of a function, as its callers see them.
#[derive(Clone)]
pub(crate) struct Inputs {
    /// The parameter types, in order.
    pub(crate) types: Vec<Type>,
    /// The parameter list `( .. )` of the signature, where a fault of the whole input is shown.
    pub(crate) span: proc_macro2::Span,
}

impl Inputs {
    pub(crate) fn of(sig: &Signature, params: &[&PatType]) -> Self {
        Inputs { types: params.iter().map(|p| (*p.ty).clone()).collect(), span: sig.paren_token.span.join() }
    }

    /// Several parameters: the input is their tuple, one payload per parameter.
    pub(crate) fn spread(&self) -> bool {
        self.types.len() > 1
    }

    /// The input type: `None` without parameters, the parameter's type for one, and the tuple
    /// of their types for several. The tuple's parentheses carry the span of the parameter
    /// list, so a tuple that is not a payload type is reported over the parameters.
    pub(crate) fn ty(&self) -> Option<Type> {
        match self.types.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => {
                let mut elems = syn::punctuated::Punctuated::new();
                for ty in many {
                    elems.push(ty.clone());
                }
                let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, TokenStream::new());
                group.set_span(self.span);
                let paren_token = syn::token::Paren { span: group.delim_span() };
                Some(Type::Tuple(syn::TypeTuple { paren_token, elems }))
            }
        }
    }

    /// The input type, `()` without parameters.
    pub(crate) fn ty_or_unit(&self) -> TokenStream {
        match self.ty() {
            Some(ty) => ty.to_token_stream(),
            None => quote!(()),
        }
    }

    /// A closure parameter that receives the input, and the arguments that pass it on to the
    /// function (with a leading comma, to follow `self`).
    pub(crate) fn closure_param(&self) -> (TokenStream, TokenStream) {
        let (pattern, args) = self.binding();
        if self.types.is_empty() { (pattern, args) } else { (pattern, quote!(, #args)) }
    }

    /// A pattern (with its type) that binds the input, and the arguments that pass it on.
    pub(crate) fn binding(&self) -> (TokenStream, TokenStream) {
        let ty = self.ty();
        match self.types.len() {
            0 => (quote!((): ()), quote!()),
            1 => (quote!(input: #ty), quote!(input)),
            n => {
                let names: Vec<_> = (0..n).map(|i| format_ident!("__arg{}", i)).collect();
                (quote!((#(#names),*): #ty), quote!(#(#names),*))
            }
        }
    }
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
