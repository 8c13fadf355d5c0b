//! When diagnostics are computed and pushed.
//!
//! On open and save the analysis starts at once; on a change it starts after the debounce
//! (`debounceMs`) unless another change arrives first. Every analysis runs on a blocking
//! thread, never on the request loop. A result is sent only when its version is still the
//! document's current version. An older result is dropped, and so is a debounce timer that a
//! newer change overtook.

use super::state::Shared;
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::ls_types::Uri;
use tracing::Instrument;

/// Starts the analysis of `version` of `uri` after `delay`, and pushes its diagnostics unless
/// the client pulls them.
pub fn schedule(shared: &Arc<Shared>, uri: Uri, version: i32, delay: Duration) {
    let shared = Arc::clone(shared);
    let span = tracing::info_span!("diagnostics", uri = uri.as_str(), version);
    tokio::spawn(
        async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if shared.current_version(&uri) != Some(version) {
                tracing::debug!("skipped: a newer version arrived during the debounce");
                return;
            }
            analyze_and_publish(&shared, uri, version).await;
        }
        .instrument(span),
    );
}

async fn analyze_and_publish(shared: &Arc<Shared>, uri: Uri, version: i32) {
    let Some(snapshot) = shared.snapshot(&uri) else {
        return;
    };
    let encoding = shared.session().encoding;
    let test_hooks = shared.test_hooks;
    let span = tracing::Span::current();
    let for_config = Arc::clone(shared);
    let joined = tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            let config = for_config.config_for(&snapshot.detection_path);
            super::analysis::analyze(snapshot, &config, encoding, test_hooks)
        })
    })
    .await;
    let analysis = match joined {
        Ok(analysis) => Arc::new(analysis),
        Err(error) => {
            tracing::error!("analysis failed, no diagnostics sent: {error}");
            return;
        }
    };

    let _publishing = shared.publish_lock.lock().await;
    if shared.current_version(&uri) != Some(version) {
        tracing::debug!("dropped: the document changed during the analysis");
        return;
    }
    shared.store_analysis(&analysis);
    if shared.session().pull_diagnostics {
        return;
    }
    shared
        .client
        .publish_diagnostics(uri, analysis.diagnostics.clone(), Some(version))
        .await;
}
