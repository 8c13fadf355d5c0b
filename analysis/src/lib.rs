//! `rulelens-analysis`: lints, hover, completion and code actions as plain data.
//!
//! Everything here speaks byte offsets into the document text and plain Rust types; only the
//! `rulelens` binary knows the LSP.

pub mod actions;
pub mod completion;
pub mod config;
pub mod corpus;
pub mod facts;
pub mod fixes;
pub mod hover;
pub mod inspect;
pub mod lints;
pub mod navigation;
pub mod semantic_tokens;
pub mod suppression;

pub use lints::{
    analyze_file, analyze_workspace, prepare_corpus_tables, FileInput, LintInfo, LINTS,
};
