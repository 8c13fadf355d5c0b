//! `.rulelens.toml`: lint severities, thresholds, extra indexes and file filters.
//!
//! The same keys come from the file, the command line and the LSP settings. A configuration
//! file applies to the files below the folder it sits in; [`find_config`] looks for it from
//! a checked file's folder upwards. Unknown keys, unknown lint ids and values of the wrong
//! type are errors that name the key, so a typo never silently turns a lint off.
//!
//! ```toml
//! [lints]
//! "sigma/unused-selection" = "off"
//! "corpus/noisy-indicator-alone" = "error"
//!
//! [thresholds]
//! noisy-indicator-reach = 150
//! missing-exclusion-share = 0.3
//!
//! [index]
//! extra = ["team-rules.rlidx"]
//! replace-default = false
//!
//! [files]
//! exclude = ["**/deprecated/**"]
//! ```

use crate::lints::find_lint;
use rulelens_syntax::Severity;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for in each folder.
pub const CONFIG_FILE_NAME: &str = ".rulelens.toml";

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The severity a configuration gives a lint: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintLevel {
    Off,
    On(Severity),
}

impl LintLevel {
    fn parse(value: &str) -> Option<LintLevel> {
        if value == "off" {
            Some(LintLevel::Off)
        } else {
            Severity::from_name(value).map(LintLevel::On)
        }
    }
}

/// Numeric settings of the corpus lints.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Thresholds {
    /// Corpus reach (distinct indexed rules) at which an indicator counts as noisy. Without
    /// it, the threshold is derived from the index in use (see `corpus::noisy_threshold`).
    pub noisy_indicator_reach: Option<u32>,
    /// Share of peer rules (0 to 1) that must carry an exclusion before its absence is
    /// reported.
    pub missing_exclusion_share: f64,
    /// Minimum peers a technique needs before exclusion shares are trusted.
    pub min_peers: u32,
    /// Jaccard similarity of predicate sets (0 to 1) at which a rule is a near-duplicate.
    pub duplicate_similarity: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        // The shares and counts were tuned by reviewing findings on the public corpus; the
        // review is recorded in BENCHMARKS.md.
        Thresholds {
            noisy_indicator_reach: None,
            missing_exclusion_share: 0.3,
            min_peers: 10,
            duplicate_similarity: 0.9,
        }
    }
}

/// Extra corpus indexes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct IndexSettings {
    /// Index files built with `rulelens index build`, added to the default index.
    pub extra: Vec<PathBuf>,
    /// Use only the `extra` indexes, not the embedded default.
    pub replace_default: bool,
}

/// Which files a folder walk checks, as glob patterns relative to the configuration's folder.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileFilters {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    lints: BTreeMap<String, String>,
    thresholds: Thresholds,
    index: IndexSettings,
    files: FileFilters,
}

/// A validated configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it was read from; `None` for the defaults.
    pub path: Option<PathBuf>,
    pub levels: BTreeMap<&'static str, LintLevel>,
    pub thresholds: Thresholds,
    pub index: IndexSettings,
    pub files: FileFilters,
    /// Lint ids or namespaces (`corpus`, `corpus/`) to run; empty runs every lint. Set from
    /// `--select`, not from the file.
    pub select: Vec<String>,
    /// Lint ids or namespaces not to run. Set from `--ignore`, not from the file.
    pub ignore: Vec<String>,
}

/// Whether `pattern` names the lint `id` or its namespace.
fn selects(pattern: &str, id: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    id == pattern
        || id
            .split_once('/')
            .is_some_and(|(namespace, _)| namespace == pattern)
}

impl Config {
    /// Parses and validates a configuration's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|error| invalid(error.to_string()))?;

        let mut levels = BTreeMap::new();
        for (id, value) in &raw.lints {
            let lint = find_lint(id).ok_or_else(|| {
                invalid(format!(
                    "unknown lint id `{id}` in [lints]: run `rulelens explain` to list the ids"
                ))
            })?;
            let level = LintLevel::parse(value).ok_or_else(|| {
                invalid(format!(
                    "invalid level `{value}` for `{id}`: use error, warning, info, hint or off"
                ))
            })?;
            levels.insert(lint.info.id, level);
        }

        let thresholds = raw.thresholds;
        for (key, share) in [
            (
                "missing-exclusion-share",
                thresholds.missing_exclusion_share,
            ),
            ("duplicate-similarity", thresholds.duplicate_similarity),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(format!(
                    "thresholds.{key} is {share}: use a share from 0 to 1"
                )));
            }
        }

        Ok(Config {
            path: Some(path.to_path_buf()),
            levels,
            thresholds,
            index: raw.index,
            files: raw.files,
            select: Vec::new(),
            ignore: Vec::new(),
        })
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Whether a lint runs, after `select`, `ignore` and `off` levels.
    pub fn enabled(&self, lint: &str) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|p| selects(p, lint));
        let ignored = self.ignore.iter().any(|p| selects(p, lint));
        selected && !ignored && self.levels.get(lint) != Some(&LintLevel::Off)
    }

    /// The severity to report a lint with, or `None` when it does not run.
    pub fn severity(&self, lint: &str, default: Severity) -> Option<Severity> {
        if !self.enabled(lint) {
            return None;
        }
        match self.levels.get(lint) {
            Some(LintLevel::Off) => None,
            Some(LintLevel::On(severity)) => Some(*severity),
            None => Some(default),
        }
    }
}

/// Finds the nearest `.rulelens.toml` in `start` or a folder above it.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|folder| folder.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/rules/.rulelens.toml"))
    }

    #[test]
    fn config_reads_every_section() {
        let config = parse(
            "[lints]\n\"syntax/unknown-format\" = \"off\"\n\"syntax/binary-file\" = \"warning\"\n\
             [thresholds]\nnoisy-indicator-reach = 150\n\
             [index]\nextra = [\"a.rlidx\"]\nreplace-default = true\n\
             [files]\nexclude = [\"**/old/**\"]\n",
        )
        .expect("valid configuration");
        assert_eq!(
            config.severity("syntax/unknown-format", Severity::Warning),
            None
        );
        assert_eq!(
            config.severity("syntax/binary-file", Severity::Error),
            Some(Severity::Warning)
        );
        assert_eq!(
            config.severity("syntax/invalid-utf8", Severity::Error),
            Some(Severity::Error)
        );
        assert_eq!(config.thresholds.noisy_indicator_reach, Some(150));
        assert_eq!(config.index.extra, vec![PathBuf::from("a.rlidx")]);
        assert!(config.index.replace_default);
        assert_eq!(config.files.exclude, vec!["**/old/**".to_owned()]);
    }

    #[test]
    fn unknown_key_is_named() {
        let error = parse("[thresholds]\nnoisy-reach = 3\n").expect_err("unknown key");
        let message = error.to_string();
        assert!(message.contains("noisy-reach"), "{message}");
        assert!(message.contains("/rules/.rulelens.toml"), "{message}");
    }

    #[test]
    fn unknown_lint_id_is_named() {
        let error = parse("[lints]\n\"sigma/nope\" = \"off\"\n").expect_err("unknown lint");
        assert!(error.to_string().contains("sigma/nope"), "{error}");
    }

    #[test]
    fn wrong_type_and_bad_level_are_rejected() {
        let wrong_type = parse("[thresholds]\nnoisy-indicator-reach = \"many\"\n");
        let message = wrong_type.expect_err("wrong type").to_string();
        assert!(message.contains("noisy-indicator-reach"), "{message}");

        let bad_level = parse("[lints]\n\"syntax/binary-file\" = \"loud\"\n");
        let message = bad_level.expect_err("bad level").to_string();
        assert!(message.contains("loud"), "{message}");

        let bad_share = parse("[thresholds]\nmissing-exclusion-share = 3.0\n");
        let message = bad_share.expect_err("bad share").to_string();
        assert!(message.contains("missing-exclusion-share"), "{message}");
    }

    #[test]
    fn select_and_ignore_match_ids_and_namespaces() {
        let config = Config {
            select: vec!["syntax".to_owned()],
            ignore: vec!["syntax/unknown-format".to_owned()],
            ..Config::default()
        };
        assert!(config.enabled("syntax/binary-file"));
        assert!(!config.enabled("syntax/unknown-format"));
        assert!(!config.enabled("sigma/unused-selection"));
        assert!(!config.enabled("syntaxy/x"));
    }

    #[test]
    fn find_config_walks_upwards() {
        let root = std::env::temp_dir().join(format!("rulelens-config-{}", std::process::id()));
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(root.join(CONFIG_FILE_NAME), "").expect("write");
        assert_eq!(find_config(&nested), Some(root.join(CONFIG_FILE_NAME)));
        let _ = std::fs::remove_dir_all(&root);
    }
}
