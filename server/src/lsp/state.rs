//! The state every handler shares: open documents, the latest analysis of each, the settings,
//! and what was agreed with the client at `initialize`.
//!
//! Handlers run their work on blocking threads through [`Shared::isolated`], which gives each
//! request its own `tracing` span and turns a panic into an error response, so that one bad
//! request cannot take the server down.

use super::analysis::{self, Analysis};
use super::config::Settings;
use super::document::{OpenDocument, Snapshot};
use super::position::PositionEncoding;
use dashmap::DashMap;
use rulelens_analysis::config::{find_config, Config};
use rulelens_analysis::facts::CorpusFacts;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::Client;
use tracing::Instrument;

/// The options the client and the server agreed at `initialize`.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub encoding: PositionEncoding,
    /// The client pulls diagnostics (`textDocument/diagnostic`), so the server does not push.
    pub pull_diagnostics: bool,
    /// The client resolves code actions lazily, so their edits are computed in `resolve`.
    pub resolve_code_actions: bool,
}

impl Default for Session {
    fn default() -> Session {
        Session {
            encoding: PositionEncoding::Utf16,
            pull_diagnostics: false,
            resolve_code_actions: false,
        }
    }
}

/// The state behind every handler.
#[derive(Debug)]
pub struct Shared {
    pub client: Client,
    pub documents: DashMap<Uri, OpenDocument>,
    /// The latest analysis of each open document, possibly of an older version.
    pub analyses: DashMap<Uri, Arc<Analysis>>,
    pub settings: RwLock<Settings>,
    pub session: RwLock<Session>,
    /// Held while checking a result's version and sending it, so that a result for an older
    /// version can never be sent after one for a newer version.
    pub publish_lock: tokio::sync::Mutex<()>,
    /// Set by `RULELENS_TEST_HOOKS=1`: enables the requests and markers that make the server
    /// panic on purpose, for the tests of panic isolation.
    pub test_hooks: bool,
    /// The corpus index for hover figures and ranked completion, once one is loaded.
    pub facts: RwLock<Option<Arc<dyn CorpusFacts>>>,
    /// `.rulelens.toml` files read so far, by path. An entry is re-read when the client
    /// reports that the file changed.
    pub config_files: DashMap<PathBuf, Option<Arc<Config>>>,
}

impl Shared {
    pub fn new(client: Client, test_hooks: bool) -> Shared {
        Shared {
            client,
            documents: DashMap::new(),
            analyses: DashMap::new(),
            settings: RwLock::new(Settings::default()),
            session: RwLock::new(Session::default()),
            publish_lock: tokio::sync::Mutex::new(()),
            test_hooks,
            facts: RwLock::new(None),
            config_files: DashMap::new(),
        }
    }

    /// Finds the lint configuration for a document: the nearest `.rulelens.toml` in its folder or
    /// above, else the editor settings. An invalid file is logged and the editor settings
    /// apply.
    pub fn config_for(&self, document_path: &Path) -> Arc<Config> {
        let fallback = || Arc::clone(&self.settings().config);
        let Some(folder) = document_path.parent().filter(|folder| folder.is_absolute()) else {
            return fallback();
        };
        let Some(file) = find_config(folder) else {
            return fallback();
        };
        if let Some(cached) = self.config_files.get(&file) {
            return cached.clone().unwrap_or_else(fallback);
        }
        let loaded = match Config::load(&file) {
            Ok(config) => Some(Arc::new(config)),
            Err(error) => {
                tracing::warn!("{error}; the editor settings apply instead");
                None
            }
        };
        self.config_files.insert(file, loaded.clone());
        loaded.unwrap_or_else(fallback)
    }

    pub fn facts(&self) -> Option<Arc<dyn CorpusFacts>> {
        self.facts
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// SPL macro names written in the open documents, for completion after a backtick.
    pub fn workspace_macros(&self) -> Vec<String> {
        let mut names = Vec::new();
        for document in self.documents.iter() {
            let text = document.rope.to_string();
            names.extend(rulelens_analysis::completion::spl_macro_names(&text));
        }
        names.sort();
        names.dedup();
        names
    }

    pub fn session(&self) -> Session {
        *self.session.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        self.documents
            .get(uri)
            .map(|document| document.snapshot(uri))
    }

    pub fn current_version(&self, uri: &Uri) -> Option<i32> {
        self.documents.get(uri).map(|document| document.version)
    }

    /// The analysis of the document's current version: the cached one when it is current,
    /// else a new one, which is cached. Blocking: call it from a blocking thread.
    pub fn current_analysis(&self, uri: &Uri) -> Option<Arc<Analysis>> {
        let version = self.current_version(uri)?;
        if let Some(cached) = self.analyses.get(uri) {
            if cached.snapshot.version == version {
                return Some(Arc::clone(&cached));
            }
        }
        let snapshot = self.snapshot(uri)?;
        let config = self.config_for(&snapshot.detection_path);
        let fresh = Arc::new(analysis::analyze(
            snapshot,
            &config,
            self.session().encoding,
            self.test_hooks,
        ));
        self.store_analysis(&fresh);
        Some(fresh)
    }

    /// Caches `analysis` unless the cache already contains a newer version.
    pub fn store_analysis(&self, analysis: &Arc<Analysis>) {
        let uri = &analysis.snapshot.uri;
        if !self.documents.contains_key(uri) {
            return;
        }
        let newer_cached = self
            .analyses
            .get(uri)
            .is_some_and(|cached| cached.snapshot.version > analysis.snapshot.version);
        if !newer_cached {
            self.analyses.insert(uri.clone(), Arc::clone(analysis));
        }
    }

    /// Runs `work` on a blocking thread inside a span named after `method`. A panic in `work`
    /// is logged and turned into an internal error response, and the server keeps running.
    pub async fn isolated<T, F>(
        self: &Arc<Self>,
        method: &'static str,
        work: F,
    ) -> jsonrpc::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> T + Send + 'static,
    {
        let span = tracing::info_span!("request", method);
        let shared = Arc::clone(self);
        let blocking_span = span.clone();
        let joined = tokio::task::spawn_blocking(move || blocking_span.in_scope(|| work(&shared)))
            .instrument(span)
            .await;
        joined.map_err(|error| {
            let reason = if error.is_panic() {
                "panicked"
            } else {
                "was cancelled"
            };
            tracing::error!(method, "request handler {reason}: {error}");
            jsonrpc::Error {
                code: jsonrpc::ErrorCode::InternalError,
                message: format!(
                    "internal error: the {method} handler {reason}; the server is still \
                     running, and its log has the details"
                )
                .into(),
                data: None,
            }
        })
    }
}
