//! Runnable examples of temporal-sdk; see the files next to this one.

pub mod codecs;
