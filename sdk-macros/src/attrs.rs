//! Arguments of the attributes (`name = ".."`) and an accumulator for errors, so that one item
//! reports every problem at once instead of one per build.

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Token};

/// Collects `syn::Error`s; they are combined into one error that expands to several
/// `compile_error!`s, each with its own span.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// An error spanning `tokens` (from their first to their last token).
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn at(&mut self, span: proc_macro2::Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Moves the errors of `other` into `self`.
    pub(crate) fn extend(&mut self, other: Errors) {
        if let Some(error) = other.0 {
            self.push(error);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }
}

/// The arguments that `#[workflow]`, `#[activity]`, `#[signal]`, `#[query]` and `#[update]`
/// accept: nothing, `name = "..."`, and, for some, flags such as `dynamic`.
#[derive(Default)]
pub(crate) struct NameArgs {
    pub(crate) name: Option<LitStr>,
    /// The flags given (`dynamic`, `unrestricted`), with the span of each.
    pub(crate) flags: Vec<(String, proc_macro2::Span)>,
    /// The other `key = "..."` arguments given (`versioning_behavior`), by key.
    pub(crate) values: Vec<(String, LitStr)>,
}

impl NameArgs {
    /// Parses the tokens inside the parentheses of `#[kw(...)]` (`kw` is `workflow`, `signal`
    /// ...), which takes `name = ".."` only. Problems are pushed to `errors`; the arguments that
    /// parsed are returned.
    pub(crate) fn parse(tokens: TokenStream, kw: &str, errors: &mut Errors) -> Self {
        Self::parse_with_flags(tokens, kw, &[], errors)
    }

    /// Like [`NameArgs::parse`], for an attribute that also takes the bare words in `flags`.
    pub(crate) fn parse_with_flags(tokens: TokenStream, kw: &str, flags: &[&str], errors: &mut Errors) -> Self {
        Self::parse_with(tokens, kw, flags, &[], errors)
    }

    /// Like [`NameArgs::parse_with_flags`], for an attribute that also takes `key = "..."` for
    /// the keys in `keys`.
    pub(crate) fn parse_with(
        tokens: TokenStream,
        kw: &str,
        flags: &[&str],
        keys: &[&str],
        errors: &mut Errors,
    ) -> Self {
        let mut args = NameArgs::default();
        if tokens.is_empty() {
            return args;
        }
        let accepted = accepted_args(flags, keys);
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
            Ok(metas) => metas,
            Err(error) => {
                let takes = if flags.is_empty() && keys.is_empty() {
                    "no arguments or `name = \"...\"`".to_string()
                } else {
                    accepted
                };
                errors.push(syn::Error::new(error.span(), format!("{error}: `#[{kw}]` takes {takes}")));
                return args;
            }
        };
        for meta in metas {
            if let Meta::Path(path) = &meta
                && let Some(flag) = flags.iter().find(|flag| path.is_ident(flag))
            {
                if args.has(flag) {
                    errors.spanned(path, format!("`{flag}` is given twice: keep one"));
                } else {
                    args.flags.push((flag.to_string(), path.span()));
                }
                continue;
            }
            if let Some(key) = keys.iter().find(|key| meta.path().is_ident(key)) {
                match &meta {
                    Meta::NameValue(syn::MetaNameValue {
                        value: Expr::Lit(ExprLit { lit: Lit::Str(s), .. }), ..
                    }) => {
                        if args.value(key).is_some() {
                            errors.spanned(&meta, format!("`{key}` is given twice: keep one"));
                        } else {
                            args.values.push((key.to_string(), s.clone()));
                        }
                    }
                    _ => errors.spanned(&meta, format!("`{key}` takes a string literal: `{key} = \"...\"`")),
                }
                continue;
            }
            if !meta.path().is_ident("name") {
                let path = meta.path().to_token_stream().to_string().replace(' ', "");
                let message = match flags.iter().find(|flag| meta.path().is_ident(flag)) {
                    Some(flag) => {
                        // Taken as given, so that the item is checked as the author meant it.
                        if !args.has(flag) {
                            args.flags.push((flag.to_string(), meta.path().span()));
                        }
                        format!("`{flag}` takes no value: write `#[{kw}({flag})]`")
                    }
                    None if flags.is_empty() && keys.is_empty() => {
                        format!("unknown argument `{path}` of `#[{kw}]`: the only argument is `name = \"...\"`")
                    }
                    None => format!("unknown argument `{path}` of `#[{kw}]`: the arguments are {accepted}"),
                };
                errors.spanned(meta.path(), message);
                continue;
            }
            let literal = match &meta {
                Meta::NameValue(nv) => match &nv.value {
                    Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            };
            let Some(literal) = literal else {
                errors.spanned(&meta, "`name` takes a string literal: `name = \"...\"`");
                continue;
            };
            if literal.value().is_empty() {
                errors.spanned(&literal, "`name` cannot be empty: give the name the server should use, or remove `name` to use the Rust name");
                continue;
            }
            if args.name.is_some() {
                errors.spanned(&meta, "`name` is given twice: keep one");
                continue;
            }
            args.name = Some(literal);
        }
        args
    }

    /// The value given for `key`, if any.
    pub(crate) fn value(&self, key: &str) -> Option<&LitStr> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether the flag `flag` was given.
    pub(crate) fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| f == flag)
    }

    /// The arguments of an attribute found on an item (`#[signal]`, `#[signal(name = "x")]`,
    /// `#[signal(dynamic)]`).
    pub(crate) fn from_attribute(attr: &Attribute, kw: &str, flags: &[&str], errors: &mut Errors) -> Self {
        match &attr.meta {
            Meta::Path(_) => NameArgs::default(),
            Meta::List(list) => NameArgs::parse_with_flags(list.tokens.clone(), kw, flags, errors),
            Meta::NameValue(nv) => {
                errors.spanned(nv, format!("write `#[{kw}]` or `#[{kw}(name = \"...\")]`"));
                NameArgs::default()
            }
        }
    }
}

/// "`name = "..."` and `dynamic`", for messages.
fn accepted_args(flags: &[&str], keys: &[&str]) -> String {
    let mut all = vec!["`name = \"...\"`".to_string()];
    all.extend(flags.iter().map(|flag| format!("`{flag}`")));
    all.extend(keys.iter().map(|key| format!("`{key} = \"...\"`")));
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => all.concat(),
    }
}

/// Reports any argument given to an attribute that takes none (`#[run]`, `#[init]`).
pub(crate) fn expect_no_args(attr: &Attribute, kw: &str, hint: &str, errors: &mut Errors) {
    if !matches!(attr.meta, Meta::Path(_)) {
        errors.spanned(&attr.meta, format!("`#[{kw}]` takes no arguments{hint}"));
    }
}

/// Checks a handler or type name against the names Temporal keeps for itself.
pub(crate) fn check_reserved(name: &str, span: proc_macro2::Span, errors: &mut Errors) {
    if name.starts_with("__temporal") {
        errors.at(span, format!("the name `{name}` is reserved: names starting with `__temporal` belong to Temporal; choose another with `name = \"...\"`"));
    }
}

/// `#[doc = ...]` attributes (doc comments) versus the rest.
pub(crate) fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// `#[cfg(...)]` attributes: they must follow a handler to every item generated from it.
pub(crate) fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (Option<String>, Vec<String>) {
        let mut errors = Errors::default();
        let args = NameArgs::parse(tokens, "workflow", &mut errors);
        let messages = errors.into_error().map(|e| e.into_iter().map(|e| e.to_string()).collect()).unwrap_or_default();
        (args.name.map(|n| n.value()), messages)
    }

    #[test]
    fn accepts_nothing_or_a_name() {
        assert_eq!(parse(quote!()), (None, vec![]));
        assert_eq!(parse(quote!(name = "Other")), (Some("Other".into()), vec![]));
        assert_eq!(parse(quote!(name = "Other",)), (Some("Other".into()), vec![]));
    }

    #[test]
    fn reports_every_problem() {
        let (name, errors) = parse(quote!(name = "", name = "A", name = "B", color = "red", name = 3, name));
        assert_eq!(name.as_deref(), Some("A"));
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].contains("cannot be empty"));
        assert!(errors[1].contains("given twice"));
        assert!(errors[2].contains("unknown argument `color`"));
        assert!(errors[3].contains("string literal"));
        assert!(errors[4].contains("string literal"));
    }

    #[test]
    fn accepts_flags_where_allowed() {
        let mut errors = Errors::default();
        let args = NameArgs::parse_with_flags(quote!(dynamic, name = "x"), "signal", &["dynamic"], &mut errors);
        assert!(errors.is_empty());
        assert!(args.has("dynamic"));
        assert_eq!(args.name.map(|n| n.value()).as_deref(), Some("x"));

        let args = NameArgs::parse_with_flags(
            quote!(dynamic, dynamic, dynamic = true, strange),
            "signal",
            &["dynamic"],
            &mut errors,
        );
        assert!(args.has("dynamic"));
        let messages: Vec<String> =
            errors.into_error().map(|e| e.into_iter().map(|e| e.to_string()).collect()).unwrap_or_default();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0].contains("`dynamic` is given twice"));
        assert!(messages[1].contains("`dynamic` takes no value"));
        assert!(messages[2].contains("the arguments are `name = \"...\"` and `dynamic`"), "{messages:?}");
    }

    #[test]
    fn reports_unparsable_arguments() {
        let (_, errors) = parse(quote!(1 2));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("takes no arguments or `name = \"...\"`"), "{errors:?}");
    }
}
