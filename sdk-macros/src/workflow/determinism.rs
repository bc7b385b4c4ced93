//! The determinism safeguard: well-known calls whose outcome differs when a workflow replays
//! (the clock, randomness, threads, tokio, I/O, the environment) are compile errors inside a
//! `#[workflow]` impl block, each naming the SDK's deterministic alternative.
//!
//! The check is syntactic: it matches the last segments of expression paths
//! (`SystemTime::now`, `std::time::SystemTime::now`, `tokio::time::sleep`) and of macro paths
//! (`tokio::select!`), also inside the arguments of other macros. It cannot see through
//! renaming imports (`use std::time::SystemTime as Clock`), method calls on values
//! (`rng.gen()`), or code outside the impl block (a free helper function the workflow calls).
//!
//! `#[allow_nondeterministic]` on a method or a statement (a `let`, an expression statement,
//! a block) lets code through that its author vouches for; `#[workflow(unrestricted)]` turns the
//! check off for the whole block.

use proc_macro2::{TokenStream, TokenTree};
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Expr, ImplItemFn, Macro, Path, Stmt};

use crate::attrs::Errors;

/// The escape hatch.
pub(super) const ALLOW: &str = "allow_nondeterministic";

/// Checks the body of one method (unless `check` is false or the method carries
/// `#[allow_nondeterministic]`) and removes every `#[allow_nondeterministic]` from it, so that
/// the compiler never sees the attribute.
pub(super) fn check_method(method: &mut ImplItemFn, check: bool, errors: &mut Errors) {
    let allowed = take_allow(&mut method.attrs);
    let mut checker = Checker { checking: check && !allowed, errors };
    checker.visit_block_mut(&mut method.block);
}

/// Removes `#[allow_nondeterministic]` from `attrs`; returns whether it was there.
pub(super) fn take_allow(attrs: &mut Vec<Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| !attr.path().is_ident(ALLOW));
    attrs.len() != before
}

struct Checker<'e> {
    checking: bool,
    errors: &'e mut Errors,
}

impl Checker<'_> {
    /// Visits `f` with the check off when `allowed`.
    fn with_allowed(&mut self, allowed: bool, f: impl FnOnce(&mut Self)) {
        let checking = self.checking;
        self.checking = checking && !allowed;
        f(self);
        self.checking = checking;
    }

    fn check_path(&mut self, path: &Path, is_macro: bool) {
        if !self.checking {
            return;
        }
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let Some(advice) = classify(&segments, is_macro) {
            let bang = if is_macro { "!" } else { "" };
            self.errors.spanned(path, message(&segments.join("::"), bang, advice));
        }
    }

    /// Macro arguments are tokens to syn: scan them for paths (`a::b::c`, `a::b!`).
    fn check_tokens(&mut self, tokens: TokenStream) {
        if !self.checking {
            return;
        }
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Group(group) => {
                    self.check_tokens(group.stream());
                    i += 1;
                }
                TokenTree::Ident(_) => {
                    let (segments, end) = path_at(&tokens, i);
                    let is_macro = matches!(tokens.get(end), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    let names: Vec<String> = segments.iter().map(ToString::to_string).collect();
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    if let Some(advice) = classify(&names, is_macro) {
                        // The path's own tokens, so that the message spans all of it.
                        let path: TokenStream = tokens[i..end].iter().cloned().collect();
                        let bang = if is_macro { "!" } else { "" };
                        self.errors.spanned(path, message(&names.join("::"), bang, advice));
                    }
                    i = end.max(i + 1);
                }
                _ => i += 1,
            }
        }
    }
}

/// The path that starts with the identifier at `start` (`a :: b :: c`), and the index after it.
fn path_at(tokens: &[TokenTree], start: usize) -> (Vec<proc_macro2::Ident>, usize) {
    let mut segments = Vec::new();
    let mut i = start;
    while let Some(TokenTree::Ident(ident)) = tokens.get(i) {
        segments.push(ident.clone());
        let colons = matches!(
            (tokens.get(i + 1), tokens.get(i + 2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
        );
        if !colons {
            return (segments, i + 1);
        }
        i += 3;
    }
    (segments, i)
}

fn message(path: &str, bang: &str, advice: &str) -> String {
    format!(
        "`{path}{bang}` in workflow code {advice}; for code you vouch for, put `#[allow_nondeterministic]` \
         on the statement or the method"
    )
}

impl VisitMut for Checker<'_> {
    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        let allowed = match stmt {
            Stmt::Local(local) => take_allow(&mut local.attrs),
            Stmt::Macro(mac) => take_allow(&mut mac.attrs),
            Stmt::Expr(expr, _) => expr_attrs(expr).is_some_and(take_allow),
            Stmt::Item(_) => false,
        };
        self.with_allowed(allowed, |this| visit_mut::visit_stmt_mut(this, stmt));
    }

    fn visit_expr_path_mut(&mut self, expr: &mut syn::ExprPath) {
        self.check_path(&expr.path, false);
        visit_mut::visit_expr_path_mut(self, expr);
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        self.check_path(&mac.path, true);
        self.check_tokens(mac.tokens.clone());
    }

    fn visit_impl_item_fn_mut(&mut self, method: &mut ImplItemFn) {
        let allowed = take_allow(&mut method.attrs);
        self.with_allowed(allowed, |this| visit_mut::visit_impl_item_fn_mut(this, method));
    }

    fn visit_item_fn_mut(&mut self, item: &mut syn::ItemFn) {
        let allowed = take_allow(&mut item.attrs);
        self.with_allowed(allowed, |this| visit_mut::visit_item_fn_mut(this, item));
    }
}

/// The attributes of the expressions that can stand as statements.
fn expr_attrs(expr: &mut Expr) -> Option<&mut Vec<Attribute>> {
    Some(match expr {
        Expr::Array(e) => &mut e.attrs,
        Expr::Assign(e) => &mut e.attrs,
        Expr::Async(e) => &mut e.attrs,
        Expr::Await(e) => &mut e.attrs,
        Expr::Binary(e) => &mut e.attrs,
        Expr::Block(e) => &mut e.attrs,
        Expr::Break(e) => &mut e.attrs,
        Expr::Call(e) => &mut e.attrs,
        Expr::Cast(e) => &mut e.attrs,
        Expr::Closure(e) => &mut e.attrs,
        Expr::Continue(e) => &mut e.attrs,
        Expr::Field(e) => &mut e.attrs,
        Expr::ForLoop(e) => &mut e.attrs,
        Expr::If(e) => &mut e.attrs,
        Expr::Index(e) => &mut e.attrs,
        Expr::Let(e) => &mut e.attrs,
        Expr::Loop(e) => &mut e.attrs,
        Expr::Macro(e) => &mut e.attrs,
        Expr::Match(e) => &mut e.attrs,
        Expr::MethodCall(e) => &mut e.attrs,
        Expr::Paren(e) => &mut e.attrs,
        Expr::Path(e) => &mut e.attrs,
        Expr::Range(e) => &mut e.attrs,
        Expr::Reference(e) => &mut e.attrs,
        Expr::Return(e) => &mut e.attrs,
        Expr::Struct(e) => &mut e.attrs,
        Expr::Try(e) => &mut e.attrs,
        Expr::TryBlock(e) => &mut e.attrs,
        Expr::Tuple(e) => &mut e.attrs,
        Expr::Unary(e) => &mut e.attrs,
        Expr::Unsafe(e) => &mut e.attrs,
        Expr::While(e) => &mut e.attrs,
        Expr::Yield(e) => &mut e.attrs,
        _ => return None,
    })
}

/// Why a path (its segments, outermost first) is not deterministic and what to use instead;
/// `None` for paths that are fine.
pub(crate) fn classify(segments: &[&str], is_macro: bool) -> Option<&'static str> {
    let ends = |suffix: &[&str]| segments.ends_with(suffix);
    let last = *segments.last()?;
    let first = segments[0];

    if is_macro {
        let select = ends(&["tokio", "select"]) || ends(&["futures", "select"]);
        return select.then_some(
            "picks a random branch when several are ready, so a replay can take another one: use \
             `workflow::select!`, which polls the branches in the order written",
        );
    }

    const CLOCK: &str = "reads the machine's clock, which gives another value when the workflow replays: use \
                         `workflow::now()`, the time of the current workflow task";
    if ends(&["SystemTime", "now"])
        || ends(&["Instant", "now"])
        || ends(&["Utc", "now"])
        || ends(&["Local", "now"])
        || ends(&["OffsetDateTime", "now_utc"])
        || ends(&["OffsetDateTime", "now_local"])
    {
        return Some(CLOCK);
    }

    if ends(&["thread", "sleep"]) {
        return Some(
            "blocks the workflow thread and leaves no trace in history: use `workflow::sleep(duration).await`, \
             a durable timer",
        );
    }
    const SPAWN: &str = "runs code outside the workflow's deterministic executor: start a workflow task with \
                         `workflow::spawn`, or run concurrent branches with `workflow::join!` or \
                         `workflow::select!`, and blocking or I/O work in an activity";
    let tokio_spawn = ["spawn", "spawn_blocking", "spawn_local", "block_in_place"].contains(&last)
        && (first == "tokio" || (segments.len() >= 2 && segments[segments.len() - 2] == "task"));
    if ends(&["thread", "spawn"]) || ends(&["thread", "scope"]) || tokio_spawn {
        return Some(SPAWN);
    }
    let timer = ["sleep", "sleep_until", "timeout", "timeout_at", "interval", "interval_at"].contains(&last);
    if timer && segments.len() >= 2 && segments[segments.len() - 2] == "time" && first != "std" {
        return Some(
            "is a tokio timer, which workflow code cannot use and history does not record: use \
             `workflow::sleep(duration).await` (for a timeout, `workflow::timeout(duration, future)`)",
        );
    }

    const RANDOM: &str = "gives another value when the workflow replays: use `workflow::random()` (or \
                          `workflow::random_range`, `workflow::random_f64`), seeded from history";
    if ends(&["rand", "random"])
        || ends(&["rand", "rng"])
        || last == "thread_rng"
        || last == "OsRng"
        || last == "from_entropy"
        || last == "from_os_rng"
        || first == "getrandom"
    {
        return Some(RANDOM);
    }
    if ends(&["Uuid", "new_v4"]) || ends(&["Uuid", "now_v1"]) || ends(&["Uuid", "now_v6"]) || ends(&["Uuid", "now_v7"])
    {
        return Some("gives another id when the workflow replays: use `workflow::uuid4()`, seeded from history");
    }

    // `fs::x` and `net::x` right after `std`/`tokio` or at the start (after `use std::fs`).
    let module = |name: &str| {
        segments.iter().enumerate().any(|(i, s)| {
            *s == name && i + 1 < segments.len() && (i == 0 || ["std", "tokio", "async_std"].contains(&segments[i - 1]))
        })
    };
    if module("fs") || ends(&["File", "open"]) || ends(&["File", "create"]) || ends(&["OpenOptions", "new"]) {
        return Some("does file I/O, whose outcome history does not record: do I/O in an activity");
    }
    if module("net")
        || ends(&["TcpStream", "connect"])
        || ends(&["TcpListener", "bind"])
        || ends(&["UdpSocket", "bind"])
        || first == "reqwest"
    {
        return Some("does network I/O, whose outcome history does not record: call the service from an activity");
    }
    if module("process") && segments.contains(&"Command") {
        return Some("runs a process, whose outcome history does not record: run it from an activity");
    }
    let env = ["var", "var_os", "vars", "vars_os", "args", "args_os", "current_dir", "temp_dir", "home_dir"];
    if segments.len() >= 2 && segments[segments.len() - 2] == "env" && env.contains(&last) {
        return Some(
            "reads the worker's environment, which can differ on the worker that replays the workflow: pass the \
             value in the workflow input, or read it in an activity",
        );
    }
    None
}
