//! The corpus index and taxonomy as the corpus lints and hover see them.
//!
//! The index in use is the embedded default, the default plus the configuration's extra
//! indexes, or only the extra ones (`replace-default`). Each combination is loaded once per
//! process and kept for its lifetime, because the CLI and the server check many files against
//! the same few indexes.

use crate::config::Config;
use rulelens_corpus::{combine_indexes, default_index, Index, Taxonomy};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// What a corpus lint reads besides the file.
#[derive(Debug, Clone, Copy)]
pub struct CorpusContext<'a> {
    pub config: &'a Config,
    pub index: &'a Index,
    pub taxonomy: &'a Taxonomy,
}

type IndexKey = (Vec<PathBuf>, bool);

/// Returns the index the configuration asks for, loading it on first use.
///
/// # Errors
/// A message naming the index file that could not be read, or the embedded index's error.
pub fn index_for(config: &Config) -> Result<&'static Index, String> {
    static LOADED: OnceLock<Mutex<HashMap<IndexKey, &'static Index>>> = OnceLock::new();
    let key: IndexKey = (config.index.extra.clone(), config.index.replace_default);
    if key.0.is_empty() {
        return default_index().map_err(|error| error.to_string());
    }
    let cache = LOADED.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(index) = cache.get(&key) {
        return Ok(index);
    }
    let index = load_combined(config)?;
    // Leaked on purpose: one index per distinct configuration, kept for the process lifetime.
    let index: &'static Index = Box::leak(Box::new(index));
    cache.insert(key, index);
    Ok(index)
}

fn load_combined(config: &Config) -> Result<Index, String> {
    // Relative index paths are relative to the configuration file's folder.
    let base = config
        .path
        .as_ref()
        .and_then(|path| path.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut extras = Vec::new();
    for path in &config.index.extra {
        extras.push(Index::load(&base.join(path)).map_err(|error| error.to_string())?);
    }
    if config.index.replace_default && extras.len() == 1 {
        return Ok(extras.remove(0));
    }
    let mut parts: Vec<&Index> = Vec::new();
    if !config.index.replace_default {
        parts.push(default_index().map_err(|error| error.to_string())?);
    }
    parts.extend(extras.iter());
    combine_indexes(&parts).map_err(|error| error.to_string())
}
