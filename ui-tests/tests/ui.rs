//! Compile-time behaviour of the macros and the typed APIs: what must compile (`ui/pass`, which
//! also run) and what must fail, with which message (`ui/fail/*.rs` next to `*.stderr`).
//!
//! After a deliberate change of a message: `TRYBUILD=overwrite cargo test -p ui-tests`, then
//! read the new `.stderr` files.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
