//! Server settings from `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! Both carry a JSON object, either the settings themselves or the settings under a
//! `rulelens` key (the shape VS Code sends for a `rulelens.*` configuration section). Keys:
//!
//! - `debounceMs`: how long to wait after the last keystroke before analysing, in
//!   milliseconds (default 150; 0 analyses after every change).
//! - `indexPath`: an extra corpus index file to load beside the embedded one.
//! - `logLevel`: a `tracing` filter such as `warn` or `rulelens=debug`.
//!
//! A key with a value of the wrong type is ignored with a warning, and the others still
//! apply.

use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The debounce while typing when no setting gives one.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(150);

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub debounce: Duration,
    pub index_path: Option<PathBuf>,
    pub log_level: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            debounce: DEFAULT_DEBOUNCE,
            index_path: None,
            log_level: None,
        }
    }
}

impl Settings {
    /// Applies the keys present in `value` over the current settings.
    pub fn update(&mut self, value: &Value) {
        let object = match value.get("rulelens") {
            Some(section) => section,
            None => value,
        };
        let Some(object) = object.as_object() else {
            if !value.is_null() {
                tracing::warn!("ignored settings: expected a JSON object, found {value}");
            }
            return;
        };
        if let Some(debounce) = object.get("debounceMs") {
            match debounce.as_u64() {
                Some(milliseconds) => self.debounce = Duration::from_millis(milliseconds),
                None => tracing::warn!(
                    "ignored setting debounceMs: expected a number of milliseconds, \
                     found {debounce}"
                ),
            }
        }
        if let Some(path) = object.get("indexPath") {
            match path.as_str() {
                Some(path) => self.index_path = Some(PathBuf::from(path)),
                None => tracing::warn!("ignored setting indexPath: expected a path, found {path}"),
            }
        }
        if let Some(level) = object.get("logLevel") {
            match level.as_str() {
                Some(level) => self.log_level = Some(level.to_owned()),
                None => tracing::warn!(
                    "ignored setting logLevel: expected a filter such as \"warn\", found {level}"
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_read_plain_and_sectioned() {
        let mut settings = Settings::default();
        settings.update(&json!({ "debounceMs": 0 }));
        assert_eq!(settings.debounce, Duration::ZERO);

        settings.update(&json!({ "rulelens": { "debounceMs": 40, "indexPath": "/x/idx.bin" } }));
        assert_eq!(settings.debounce, Duration::from_millis(40));
        assert_eq!(settings.index_path, Some(PathBuf::from("/x/idx.bin")));
    }

    #[test]
    fn wrong_types_keep_previous_values() {
        let mut settings = Settings::default();
        settings.update(&json!({ "debounceMs": "fast", "logLevel": "debug" }));
        assert_eq!(settings.debounce, DEFAULT_DEBOUNCE);
        assert_eq!(settings.log_level.as_deref(), Some("debug"));
        settings.update(&json!(42));
        assert_eq!(settings.debounce, DEFAULT_DEBOUNCE);
    }
}
