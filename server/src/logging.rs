//! `tracing` output to standard error, with a filter that the language server's `logLevel`
//! setting can replace while it runs.

use std::io::IsTerminal;
use std::sync::OnceLock;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, reload, EnvFilter, Registry};

static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Installs the subscriber. `RULELENS_LOG` sets the first filter (default `warn`), in the
/// `tracing_subscriber::EnvFilter` syntax.
pub fn init() {
    let filter = EnvFilter::try_from_env("RULELENS_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let (filter, handle) = reload::Layer::new(filter);
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(
            fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                // Editors show a server's stderr in a log panel, where escapes are noise.
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .try_init();
    if installed.is_ok() {
        let _ = FILTER.set(handle);
    }
}

/// Replaces the filter, as the `logLevel` setting asks.
///
/// # Errors
/// A message naming the filter when it does not parse or no subscriber is installed.
pub fn set_filter(filter: &str) -> Result<(), String> {
    let parsed = EnvFilter::try_new(filter)
        .map_err(|error| format!("invalid log filter `{filter}`: {error}"))?;
    let handle = FILTER
        .get()
        .ok_or_else(|| "no log subscriber is installed".to_owned())?;
    handle
        .reload(parsed)
        .map_err(|error| format!("cannot apply log filter `{filter}`: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_filter_is_named() {
        let error = set_filter("rulelens=loud[").unwrap_err();
        assert!(error.contains("rulelens=loud["), "{error}");
    }
}
