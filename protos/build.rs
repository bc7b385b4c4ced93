//! Copies the `FileDescriptorSet` written by `temporalio-protos` into this crate's `OUT_DIR`,
//! so `src/history_json.rs` can embed it with `include_bytes!`.
//!
//! `temporalio-protos` declares `links = "temporalio_protos"` and prints
//! `cargo:descriptor_path=...`; Cargo hands that to direct dependents' build scripts as
//! `DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH`.

use std::{env, fs, path::PathBuf, process};

const VAR: &str = "DEP_TEMPORALIO_PROTOS_DESCRIPTOR_PATH";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={VAR}");

    let Some(source) = env::var_os(VAR) else {
        eprintln!(
            "error: environment variable {VAR} is not set.\n\
             temporal-sdk-protos needs the protobuf descriptor set that the `temporalio-protos` \
             build script exports through `links = \"temporalio_protos\"` \
             (`cargo:descriptor_path=...`). Make sure `temporalio-protos` is a direct \
             [dependencies] entry of temporal-sdk-protos and that its version still exports \
             `descriptor_path`."
        );
        process::exit(1);
    };
    let source = PathBuf::from(source);
    println!("cargo:rerun-if-changed={}", source.display());

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo always sets OUT_DIR"));
    let dest = out_dir.join("temporal_descriptors.bin");
    if let Err(err) = fs::copy(&source, &dest) {
        eprintln!(
            "error: could not copy the temporalio-protos descriptor set from {} to {}: {err}",
            source.display(),
            dest.display()
        );
        process::exit(1);
    }
}
