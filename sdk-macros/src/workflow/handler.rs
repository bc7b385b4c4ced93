//! The marked methods of a `#[workflow]` impl block: which kind each is, and the checks on
//! their signatures.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::{Attribute, Ident, ImplItemFn, Meta, Type};

use crate::attrs::{self, Errors, NameArgs};
use crate::signature::{self, Inputs, tokens};

/// The kinds of marked methods.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Run,
    Init,
    Signal,
    Query,
    Update,
    Validator,
}

impl Kind {
    /// Recognises `#[run]`, `#[temporal_sdk::run]`, `#[temporal_sdk::prelude::run]` ...
    pub(super) fn of(attr: &Attribute) -> Option<Kind> {
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
            "update" => Kind::Update,
            "update_validator" => Kind::Validator,
            _ => return None,
        })
    }

    pub(super) fn keyword(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Init => "init",
            Kind::Signal => "signal",
            Kind::Query => "query",
            Kind::Update => "update",
            Kind::Validator => "update_validator",
        }
    }

    /// How messages name a method of this kind.
    pub(super) fn what(self) -> &'static str {
        match self {
            Kind::Run => "the `#[run]` method",
            Kind::Init => "the `#[init]` function",
            Kind::Signal => "a `#[signal]` handler",
            Kind::Query => "a `#[query]` handler",
            Kind::Update => "an `#[update]` handler",
            Kind::Validator => "an `#[update_validator]`",
        }
    }

    /// Signals, queries and updates: the handlers clients call by name.
    pub(super) fn is_named_handler(self) -> bool {
        matches!(self, Kind::Signal | Kind::Query | Kind::Update)
    }
}

/// A marked method whose signature passed the checks.
pub(super) struct Handler {
    pub(super) kind: Kind,
    /// `#[signal(dynamic)]` and the like: receives every name without a handler.
    pub(super) dynamic: bool,
    /// The name registered with the server (signals, queries and updates).
    pub(super) name: String,
    /// Where the name comes from: the `name = ".."` literal, or the method name.
    pub(super) name_span: Span,
    /// The input type: `None` when the method takes no argument, the tuple of the parameter
    /// types when it takes several. For dynamic handlers, the second parameter (the arguments);
    /// for validators, `None` (see `inputs`).
    pub(super) input: Option<Type>,
    /// The parameters that carry the input, one payload each (empty for dynamic handlers). A
    /// validator's parameters, whose meaning its update settles: references to the update's
    /// parameters, or the name and arguments of the dynamic update.
    pub(super) inputs: Inputs,
    /// The first parameter of a dynamic handler (the name).
    pub(super) name_param: Option<Type>,
    /// The declared return type, when there is one.
    pub(super) output: Option<Type>,
    pub(super) is_async: bool,
    /// The `#[update]` method a validator validates.
    pub(super) validates: Option<Ident>,
    /// What the Web UI shows about the handler: `description = ".."`, else the first
    /// paragraph of its doc comment (signals, queries and updates).
    pub(super) description: String,
    /// `unfinished_policy = "abandon"` (signals and updates): no warning when the workflow
    /// finishes while the handler runs.
    pub(super) abandon_unfinished: bool,
    /// The method, without its marker attribute.
    pub(super) method: ImplItemFn,
}

impl Handler {
    pub(super) fn ident(&self) -> &Ident {
        &self.method.sig.ident
    }

    /// Whether the method keeps its name: no marker constant takes it (constructors,
    /// validators, dynamic handlers and the run method of a dynamic workflow).
    pub(super) fn keeps_name(&self) -> bool {
        matches!(self.kind, Kind::Init | Kind::Validator) || self.dynamic
    }

    /// The name the method gets once its own name is taken by the marker constant.
    pub(super) fn hidden_ident(&self) -> Ident {
        if self.keeps_name() {
            return self.ident().clone();
        }
        let ident = self.ident().unraw();
        let hidden = match self.kind {
            Kind::Run => format_ident!("__temporal_run"),
            Kind::Signal => format_ident!("__temporal_signal_{}", ident),
            Kind::Query => format_ident!("__temporal_query_{}", ident),
            Kind::Update => format_ident!("__temporal_update_{}", ident),
            Kind::Init | Kind::Validator => ident.clone(),
        };
        Ident::new(&hidden.to_string(), self.ident().span())
    }

    /// The input type, `()` when there is none.
    pub(super) fn input_type(&self) -> TokenStream {
        self.inputs.ty_or_unit()
    }

    /// A closure parameter that receives the input, and the arguments to pass on to the method.
    pub(super) fn input_param(&self) -> (TokenStream, TokenStream) {
        self.inputs.closure_param()
    }

    pub(super) fn cfg_attrs(&self) -> Vec<&Attribute> {
        self.method.attrs.iter().filter(|a| attrs::is_cfg(a)).collect()
    }
}

/// The shape of a dynamic handler, for messages.
fn dynamic_shape(kind: Kind, ident: &Ident, is_async: bool) -> String {
    let asyncness = if is_async { "async " } else { "" };
    match kind {
        Kind::Signal => format!("{asyncness}fn {ident}(&self, name: String, args: Vec<RawValue>)"),
        Kind::Query => format!("fn {ident}(&self, name: String, args: Vec<RawValue>) -> T"),
        Kind::Update => format!("{asyncness}fn {ident}(&self, name: String, args: Vec<RawValue>) -> WorkflowResult<T>"),
        Kind::Validator => format!("fn {ident}(&self, name: &str, args: &[RawValue]) -> WorkflowResult<()>"),
        Kind::Run | Kind::Init => String::new(),
    }
}

/// Checks the signature of a marked method. `dynamic_workflow` is set for the methods of a
/// `#[workflow(dynamic)]` block. On failure the method is handed back (without its marker) so
/// it can be emitted as a plain method.
pub(super) fn check_handler(
    kind: Kind,
    attr: &Attribute,
    method: ImplItemFn,
    dynamic_workflow: bool,
    all_errors: &mut Errors,
) -> Result<Handler, Box<ImplItemFn>> {
    let mut errors = Errors::default();
    let sig = &method.sig;
    let what = kind.what();
    let ident = &sig.ident;
    let mut name_span = ident.span();
    let mut dynamic = false;
    let mut validates = None;
    let mut description = String::new();
    let mut abandon_unfinished = false;
    let name = match kind {
        Kind::Run => {
            attrs::expect_no_args(
                attr,
                "run",
                "; to name the workflow type, write `#[workflow(name = \"...\")]` on the impl block, and for a \
                 dynamic workflow `#[workflow(dynamic)]`",
                &mut errors,
            );
            dynamic = dynamic_workflow;
            String::new()
        }
        Kind::Init => {
            attrs::expect_no_args(attr, "init", "", &mut errors);
            String::new()
        }
        Kind::Validator => {
            validates = validator_target(attr, &mut errors);
            String::new()
        }
        Kind::Signal | Kind::Query | Kind::Update => {
            let keys: &[&str] =
                if kind == Kind::Query { &["description"] } else { &["description", "unfinished_policy"] };
            let args = NameArgs::from_attribute_with_keys(attr, kind.keyword(), &["dynamic"], keys, &mut errors);
            dynamic = args.has("dynamic");
            description = match args.value("description") {
                Some(given) => given.value(),
                None => attrs::doc_summary(&method.attrs),
            };
            if let Some(policy) = args.value("unfinished_policy") {
                abandon_unfinished = unfinished_policy(kind, policy, &mut errors);
            }
            if let (true, Some(name)) = (dynamic, &args.name) {
                // The name is ignored: the handler is still checked and registered.
                all_errors.spanned(
                    name,
                    format!(
                        "a dynamic `#[{}]` handler has no name of its own: it receives every {} that has no \
                         handler, with its name; remove `name = \"..\"`",
                        kind.keyword(),
                        kind.keyword()
                    ),
                );
            }
            let (name, span) = match &args.name {
                Some(name) => (name.value(), name.span()),
                None => (ident.unraw().to_string(), ident.span()),
            };
            name_span = span;
            if !dynamic {
                attrs::check_reserved(&name, span, &mut errors);
            }
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
        (Kind::Validator, Some(asyncness)) => errors.spanned(
            asyncness,
            "an `#[update_validator]` cannot be `async`: it accepts or rejects the update at once, from the \
             workflow state and the input; do async work in the `#[update]` handler",
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

    // inputs
    let mut name_param = None;
    let mut inputs = Inputs::of(sig, &[]);
    let input = if kind == Kind::Validator {
        // Settled once its update is known (`link_validators`).
        inputs = Inputs::of(sig, &signature::inputs(sig, what, &mut errors));
        None
    } else if dynamic && kind != Kind::Run {
        // (name, args)
        let args = signature::typed_args(sig);
        if args.len() != 2 {
            let span = if args.is_empty() { sig.paren_token.span.join() } else { args_span(&args) };
            errors.at(
                span,
                format!(
                    "a dynamic `#[{}]` handler takes the name it was called with and the raw arguments: write `{}`",
                    kind.keyword(),
                    dynamic_shape(kind, ident, sig.asyncness.is_some())
                ),
            );
        }
        name_param = args.first().map(|arg| (*arg.ty).clone());
        args.get(1).map(|arg| (*arg.ty).clone())
    } else {
        let params = signature::inputs(sig, what, &mut errors);
        if kind == Kind::Run && dynamic {
            // It takes `Vec<RawValue>`, which the compiler checks.
            if params.len() != 1 {
                errors.at(
                    sig.paren_token.span.join(),
                    format!(
                        "the `#[run]` method of a dynamic workflow receives the workflow's arguments as raw \
                         values: write `async fn {ident}(&self, args: Vec<RawValue>)`"
                    ),
                );
            }
        } else {
            let article = if params.len() > 1 { "an" } else { "the" };
            let role = match kind {
                Kind::Run => format!("{article} argument of the `#[run]` method (the workflow input)"),
                Kind::Init => format!("{article} argument of `#[init]` (the workflow input)"),
                _ => format!("{article} argument of {what}"),
            };
            for param in &params {
                signature::check_owned(&param.ty, &role, &mut errors);
            }
        }
        inputs = Inputs::of(sig, &params);
        inputs.ty()
    };

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
                let ty = output.as_ref().map(tokens).unwrap_or_default();
                errors.spanned(
                    &sig.output,
                    format!(
                        "a `#[signal]` handler returns nothing: remove `-> {ty}`; to read workflow state from a \
                         client, add a `#[query]`, and to return a value to the sender, make it an `#[update]`"
                    ),
                );
            }
        }
        Kind::Query => match &output {
            None => missing_output(&mut errors, "a `#[query]` handler returns the value it reads: add `-> T`"),
            Some(ty) => signature::check_owned(ty, "the result of a `#[query]` handler", &mut errors),
        },
        Kind::Update => match &output {
            None => missing_output(
                &mut errors,
                "an `#[update]` handler returns its result, or an error that fails the update (not the \
                 workflow): add `-> WorkflowResult<T>` (`WorkflowResult<()>` for no value), or any `Result<T, E>` \
                 whose `E` converts into `WorkflowError`",
            ),
            Some(ty) => signature::check_owned(ty, "the result of an `#[update]` handler", &mut errors),
        },
        Kind::Validator => {
            if output.is_none() {
                missing_output(
                    &mut errors,
                    "an `#[update_validator]` accepts the update with `Ok(())` and rejects it with an error: add \
                     `-> WorkflowResult<()>` (or any `Result<(), E>` whose `E` converts into `WorkflowError`)",
                );
            }
        }
    }

    let failed = !errors.is_empty();
    all_errors.extend(errors);
    if failed {
        return Err(Box::new(method));
    }
    let is_async = method.sig.asyncness.is_some();
    let output = if kind == Kind::Signal && signature::returns_unit(&method.sig) { None } else { output };
    Ok(Handler {
        kind,
        dynamic,
        name,
        name_span,
        input,
        inputs,
        name_param,
        output,
        is_async,
        validates,
        description,
        abandon_unfinished,
        method,
    })
}

/// Reads `unfinished_policy = ".."`: whether it is `"abandon"` (an unknown value is reported).
fn unfinished_policy(kind: Kind, policy: &syn::LitStr, errors: &mut Errors) -> bool {
    match policy.value().as_str() {
        "abandon" => true,
        "warn_and_abandon" => false,
        other => {
            errors.spanned(
                policy,
                format!(
                    "unknown `unfinished_policy` {other:?}: write `unfinished_policy = \"abandon\"` to let the \
                     workflow finish without a warning while this {} handler still runs, or \
                     `\"warn_and_abandon\"` (the default) to log one",
                    kind.keyword()
                ),
            );
            false
        }
    }
}

fn args_span(args: &[&syn::PatType]) -> Span {
    let all = args.iter().map(|arg| arg.to_token_stream());
    let tokens = quote!(#(#all)*);
    syn::spanned::Spanned::span(&tokens)
}

/// `#[update_validator(add_item)]`: the update method it validates.
fn validator_target(attr: &Attribute, errors: &mut Errors) -> Option<Ident> {
    const SHAPE: &str = "`#[update_validator]` names the `#[update]` method it validates: \
                         `#[update_validator(add_item)]` for `#[update] fn add_item(..)`";
    match &attr.meta {
        Meta::List(list) => match syn::parse2::<Ident>(list.tokens.clone()) {
            Ok(ident) => Some(ident),
            Err(_) => {
                errors.spanned(&list.tokens, SHAPE);
                None
            }
        },
        other => {
            errors.spanned(other, SHAPE);
            None
        }
    }
}

/// A validator receives the update's input by shared reference.
fn check_validator_input(input: &Type, errors: &mut Errors) -> bool {
    match input {
        Type::Reference(reference) if reference.mutability.is_none() => return true,
        Type::Reference(reference) => errors.spanned(
            reference,
            "an `#[update_validator]` reads the update's input without changing it: take `&T`, not `&mut T`",
        ),
        other => errors.spanned(
            other,
            format!(
                "an `#[update_validator]` receives the update's input by reference: write `input: &{}`",
                tokens(other)
            ),
        ),
    }
    false
}

/// Two signals (or two queries, or two updates) cannot share a name, and a workflow has at most
/// one dynamic handler of each kind.
pub(super) fn check_unique_names(handlers: &[Handler], errors: &mut Errors) {
    for (i, handler) in handlers.iter().enumerate() {
        if !handler.kind.is_named_handler() {
            continue;
        }
        let earlier = &handlers[..i];
        if handler.dynamic {
            if let Some(first) = earlier.iter().find(|h| h.kind == handler.kind && h.dynamic) {
                errors.at(
                    handler.name_span,
                    format!(
                        "a workflow has one dynamic `#[{}]` handler, and `{}` is already it",
                        handler.kind.keyword(),
                        first.ident()
                    ),
                );
            }
            continue;
        }
        if let Some(first) = earlier.iter().find(|h| h.kind == handler.kind && !h.dynamic && h.name == handler.name) {
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

/// Matches each validator with its update; reports validators of unknown methods, of methods
/// that are not updates, second validators, and validators whose shape does not fit the update
/// (dynamic or not). Returns, per handler, the index of the update it validates.
pub(super) fn link_validators(handlers: &[Handler], errors: &mut Errors) -> Vec<Option<usize>> {
    let mut links = vec![None; handlers.len()];
    for (i, validator) in handlers.iter().enumerate() {
        let Some(target) = &validator.validates else { continue };
        let found = handlers.iter().position(|h| h.ident().unraw() == target.unraw());
        let update = match found {
            Some(j) if handlers[j].kind == Kind::Update => j,
            Some(j) => {
                errors.spanned(
                    target,
                    format!(
                        "`{target}` is {}, not an `#[update]`: only updates have validators",
                        handlers[j].kind.what()
                    ),
                );
                continue;
            }
            None => {
                let updates: Vec<String> =
                    handlers.iter().filter(|h| h.kind == Kind::Update).map(|h| format!("`{}`", h.ident())).collect();
                let known = if updates.is_empty() {
                    "this impl block has no `#[update]` method".to_string()
                } else {
                    format!("its `#[update]` methods are {}", updates.join(", "))
                };
                errors.spanned(
                    target,
                    format!(
                        "no `#[update]` method `{target}` in this `#[workflow]` impl block: `#[update_validator(..)]` \
                         names the Rust method of the update it validates, and {known}"
                    ),
                );
                continue;
            }
        };
        if let Some(first) = links[..i].iter().position(|link| *link == Some(update)) {
            errors.spanned(
                target,
                format!(
                    "the update `{target}` already has a validator, `{}`: merge the checks into one",
                    handlers[first].ident()
                ),
            );
            continue;
        }
        if !validator_fits(validator, &handlers[update], target, errors) {
            continue;
        }
        links[i] = Some(update);
    }
    links
}

/// Whether a validator's parameters fit its update: the name and raw arguments for the dynamic
/// update; otherwise nothing, or a shared reference to each of the update's parameters.
fn validator_fits(validator: &Handler, update: &Handler, target: &Ident, errors: &mut Errors) -> bool {
    let ident = validator.ident();
    let params = &validator.inputs.types;
    let expected = update.inputs.types.len();
    let message = if update.dynamic {
        if params.len() == 2 {
            return true;
        }
        format!(
            "`{target}` is the dynamic update handler, so its validator receives the update's name and raw \
             arguments: write `{}`",
            dynamic_shape(Kind::Validator, ident, false)
        )
    } else if params.is_empty() || params.len() == expected || (expected == 0 && params.len() == 1) {
        let mut fits = true;
        for param in params {
            fits &= check_validator_input(param, errors);
        }
        return fits;
    } else if expected <= 1 {
        format!(
            "an `#[update_validator]` takes `&self` and a reference to the update's input: write \
             `fn {ident}(&self, input: &T) -> WorkflowResult<()>`"
        )
    } else {
        let shape: Vec<String> = update
            .method
            .sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(arg) => Some(format!("{}: &{}", tokens(&arg.pat), tokens(&arg.ty))),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        format!(
            "`{target}` takes {expected} arguments, so its `#[update_validator]` takes `&self` and a reference to \
             each: write `fn {ident}(&self, {}) -> WorkflowResult<()>`",
            shape.join(", ")
        )
    };
    errors.at(validator.method.sig.paren_token.span.join(), message);
    false
}
