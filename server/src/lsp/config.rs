//! Server settings from `initializationOptions` and `workspace/didChangeConfiguration`.
//!
//! Both carry a JSON object, either the settings themselves or the settings under a
//! `rulelens` key (the shape VS Code sends for a `rulelens.*` configuration section). Keys:
//!
//! - `debounceMs`: how long to wait after the last keystroke before analysing, in
//!   milliseconds (default 150; 0 analyses after every change).
//! - `indexPath`: an extra corpus index file to load beside the embedded one.
//! - `logLevel`: a `tracing` filter such as `warn` or `rulelens=debug`, applied at once in
//!   place of the one `RULELENS_LOG` set at start-up.
//! - `lints`, `thresholds`, `index`, `files`: the sections of `.rulelens.toml`, with the same
//!   keys, as JSON objects. They apply to documents with no `.rulelens.toml` in their folder
//!   or above; a project's file wins over editor settings.
//!
//! A key with a value of the wrong type is ignored with a warning, and the others still
//! apply. An invalid `.rulelens.toml` section is ignored as a whole, with a warning that
//! names the key.

use rulelens_analysis::config::Config;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The debounce while typing when no setting gives one.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(150);

/// The settings in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub debounce: Duration,
    pub index_path: Option<PathBuf>,
    pub log_level: Option<String>,
    /// The lint configuration from the editor, for documents without a `.rulelens.toml`.
    pub config: Arc<Config>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            debounce: DEFAULT_DEBOUNCE,
            index_path: None,
            log_level: None,
            config: Arc::new(Config::default()),
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
            match path {
                Value::String(path) => self.index_path = Some(PathBuf::from(path)),
                Value::Null => self.index_path = None,
                other => {
                    tracing::warn!("ignored setting indexPath: expected a path, found {other}")
                }
            }
        }
        if let Some(level) = object.get("logLevel") {
            match level.as_str() {
                Some(level) => {
                    if let Err(error) = crate::logging::set_filter(level) {
                        tracing::warn!(%error, "ignored setting logLevel");
                    }
                    self.log_level = Some(level.to_owned());
                }
                None => tracing::warn!(
                    "ignored setting logLevel: expected a filter such as \"warn\", found {level}"
                ),
            }
        }
        let sections: serde_json::Map<String, Value> = ["lints", "thresholds", "index", "files"]
            .into_iter()
            .filter_map(|key| Some((key.to_owned(), object.get(key)?.clone())))
            .collect();
        if !sections.is_empty() {
            match config_from_json(&Value::Object(sections)) {
                Ok(config) => self.config = Arc::new(config),
                Err(message) => tracing::warn!("ignored lint settings: {message}"),
            }
        }
        // `indexPath` is one more extra index, read by the corpus lints and by hover alike.
        if let Some(path) = &self.index_path {
            if !self.config.index.extra.contains(path) {
                let mut config = (*self.config).clone();
                config.index.extra.push(path.clone());
                self.config = Arc::new(config);
            }
        }
    }
}

/// Validates `.rulelens.toml` sections given as JSON with the same checks as the file.
fn config_from_json(sections: &Value) -> Result<Config, String> {
    let table = toml::Value::try_from(sections).map_err(|error| error.to_string())?;
    let text = toml::to_string(&table).map_err(|error| error.to_string())?;
    Config::parse(&text, Path::new("(editor settings)")).map_err(|error| error.to_string())
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

    #[test]
    fn lint_sections_build_config() {
        let mut settings = Settings::default();
        settings.update(&json!({ "lints": { "syntax/unused-suppression": "off" } }));
        assert!(!settings.config.enabled("syntax/unused-suppression"));
        assert!(settings.config.enabled("syntax/invalid-suppression"));

        // An unknown lint id is rejected and the previous configuration stays.
        settings.update(&json!({ "lints": { "nope/nothing": "off" } }));
        assert!(!settings.config.enabled("syntax/unused-suppression"));
    }
}
