//! Helpers shared by the corpus tests.

use std::path::{Path, PathBuf};

/// Collects every `.yml` and `.yaml` file under `folder`, sorted by path.
///
/// # Panics
/// Panics when a folder cannot be read, so that a corpus test never passes on nothing.
pub fn yaml_files(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", current.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
