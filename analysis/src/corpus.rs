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
        let index = Index::load(&base.join(path)).map_err(|error| {
            let listed_in = config.path.as_ref().map_or_else(
                || "the configuration".to_owned(),
                |p| p.display().to_string(),
            );
            format!("{error}; it is listed in `[index] extra` of {listed_in}")
        })?;
        extras.push(index);
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

/// The lowest noisy-indicator threshold derived from an index, so that a small custom index
/// does not call every repeated indicator noisy.
const MIN_DERIVED_THRESHOLD: u32 = 20;

/// The corpus reach at which an indicator counts as noisy: the configured value, or else the
/// 99.9th percentile of reach over the index's indicators (at least 20). On the default
/// index that is the top one in a thousand indicators: shells, script hosts, HTTP methods
/// and common event ids.
pub fn noisy_threshold(config: &Config, index: &Index) -> u32 {
    if let Some(configured) = config.thresholds.noisy_indicator_reach {
        return configured;
    }
    static DERIVED: PerIndex<u32> = OnceLock::new();
    *per_index(&DERIVED, index, derive_threshold)
}

fn derive_threshold(index: &Index) -> u32 {
    let mut reaches: Vec<u32> = (0..index.indicator_count())
        .map(|position| {
            let id = rulelens_corpus::IndicatorId(u32::try_from(position).unwrap_or(u32::MAX));
            index.reach_of(id, false).rules.total()
        })
        .filter(|reach| *reach > 0)
        .collect();
    if reaches.is_empty() {
        return MIN_DERIVED_THRESHOLD;
    }
    reaches.sort_unstable();
    let position = reaches.len() * 999 / 1000;
    reaches[position.min(reaches.len() - 1)].max(MIN_DERIVED_THRESHOLD)
}

/// A per-process cache of values derived from an index, keyed by the index's address: the
/// indexes in use live for the whole process (see [`index_for`]).
pub type PerIndex<T> = OnceLock<Mutex<HashMap<usize, std::sync::Arc<T>>>>;

/// Returns the value `cache` holds for `index`, building it on first use. The lock is held
/// while building, so threads that ask at once wait for one build instead of repeating it.
pub fn per_index<T>(
    cache: &'static PerIndex<T>,
    index: &Index,
    build: impl FnOnce(&Index) -> T,
) -> std::sync::Arc<T> {
    let key = index as *const Index as usize;
    let mut map = cache
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    std::sync::Arc::clone(
        map.entry(key)
            .or_insert_with(|| std::sync::Arc::new(build(index))),
    )
}

/// A decoded indicator: concept, operator and normalized value.
pub type IndicatorKeyParts = (
    std::sync::Arc<str>,
    rulelens_syntax::Op,
    std::sync::Arc<str>,
);

/// Every indicator of an index decoded once: the lints read the keys of thousands of peer
/// rules, and decoding an indicator from the index file costs a search and a UTF-8 check.
#[derive(Debug)]
pub struct IndicatorTable {
    /// By indicator id: concept, operator and value; `None` for an id the index cannot decode.
    pub keys: Vec<Option<IndicatorKeyParts>>,
}

/// The decoded indicators of `index`, built on first use and kept for the process.
pub fn indicator_table(index: &Index) -> std::sync::Arc<IndicatorTable> {
    use std::sync::Arc;
    static TABLES: PerIndex<IndicatorTable> = OnceLock::new();
    per_index(&TABLES, index, |index| {
        let mut keys = vec![None; index.indicator_count()];
        let mut concept: Option<Arc<str>> = None;
        for (id, name, op, value) in index.indicator_keys() {
            // Indicators come field by field, so one shared name serves a whole run.
            let shared = match &concept {
                Some(shared) if **shared == *name => Arc::clone(shared),
                _ => Arc::clone(concept.insert(Arc::from(name))),
            };
            if let Some(slot) = keys.get_mut(id.0 as usize) {
                *slot = Some((shared, op, Arc::from(value)));
            }
        }
        IndicatorTable { keys }
    })
}
