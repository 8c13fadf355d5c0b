//! Where the public rule corpus lives, for tests and benchmarks.
//!
//! The corpus is read through the `RULELENS_CORPUS` environment variable. Without it, the
//! default is `../shared/corpus` next to the workspace root.

use std::path::PathBuf;

/// The environment variable that names the corpus folder.
pub const CORPUS_ENV: &str = "RULELENS_CORPUS";

/// Resolves the corpus folder for a crate whose manifest folder is `manifest_dir` (pass
/// `env!("CARGO_MANIFEST_DIR")`); every crate sits one level below the workspace root.
///
/// # Panics
/// Panics with the path it tried when the folder does not exist, so that a corpus test fails
/// loudly instead of passing on nothing.
pub fn corpus_dir(manifest_dir: &str) -> PathBuf {
    let path = match std::env::var_os(CORPUS_ENV) {
        Some(value) => PathBuf::from(value),
        None => PathBuf::from(manifest_dir).join("../../shared/corpus"),
    };
    assert!(
        path.is_dir(),
        "rule corpus not found at {}: set {CORPUS_ENV} to the corpus folder",
        path.display()
    );
    path
}
