//! Resolving the configuration that applies to each checked file.
//!
//! `--config FILE` applies to every file. Without it, each file uses the nearest
//! `.rulelens.toml` in its folder or above, and files with none use the defaults. The
//! command-line `--select` and `--ignore` apply on top of whichever file is used.

use globset::{Glob, GlobSet, GlobSetBuilder};
use rulelens_analysis::config::{Config, ConfigError, CONFIG_FILE_NAME};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The configurations of one command run, loaded once per folder.
#[derive(Debug)]
pub struct Configs {
    explicit: Option<Arc<Config>>,
    select: Vec<String>,
    ignore: Vec<String>,
    by_file: HashMap<PathBuf, Arc<Config>>,
    /// The configuration found for each folder already seen: a corpus holds thousands of
    /// files in a few hundred folders, and each lookup walks up to the root.
    by_folder: HashMap<PathBuf, Arc<Config>>,
    /// The nearest configuration file of each folder asked about and of its ancestors.
    nearest_file: HashMap<PathBuf, Option<PathBuf>>,
    /// The folder of the previous lookup, as the caller wrote it, and its configuration.
    last: Option<(PathBuf, Arc<Config>)>,
    defaults: Arc<Config>,
}

impl Configs {
    /// Loads `--config` when given; other configuration files load on first use.
    pub fn new(
        explicit: Option<&Path>,
        select: Vec<String>,
        ignore: Vec<String>,
    ) -> Result<Configs, ConfigError> {
        let with_flags = |mut config: Config| {
            config.select.clone_from(&select);
            config.ignore.clone_from(&ignore);
            Arc::new(config)
        };
        let explicit = explicit.map(Config::load).transpose()?.map(with_flags);
        let defaults = with_flags(Config::default());
        Ok(Configs {
            explicit,
            select,
            ignore,
            by_file: HashMap::new(),
            by_folder: HashMap::new(),
            nearest_file: HashMap::new(),
            last: None,
            defaults,
        })
    }

    /// The configuration for a file or folder at `path`.
    pub fn for_path(&mut self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        if path.is_dir() {
            self.for_folder(path)
        } else {
            self.for_file(path)
        }
    }

    /// Returns the configuration for the file at `path`, which the caller knows is a file.
    /// Unlike [`Self::for_path`] it skips the `stat` that tells files from folders, and a
    /// file in the same folder as the previous one needs no system call at all. That matters
    /// when a walk yields thousands of files from a few folders.
    pub fn for_file(&mut self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => self.for_folder(parent),
            _ => self.for_folder(Path::new(".")),
        }
    }

    fn for_folder(&mut self, folder: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(config) = &self.explicit {
            return Ok(Arc::clone(config));
        }
        // Files of one walk arrive folder by folder, so the previous folder's configuration
        // serves most calls without building an absolute path.
        if let Some((last, config)) = &self.last {
            if last == folder {
                return Ok(Arc::clone(config));
            }
        }
        let absolute = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
        // `absolute` keeps `..`, and the configuration search walks up the path's text, so
        // `a/../b` would find `a/.rulelens.toml`. Such a folder is resolved on disk instead.
        let absolute = if absolute
            .components()
            .any(|part| part == std::path::Component::ParentDir)
        {
            std::fs::canonicalize(&absolute).unwrap_or(absolute)
        } else {
            absolute
        };
        let config = match self.by_folder.get(&absolute) {
            Some(config) => Arc::clone(config),
            None => {
                let config = self.load_for_folder(&absolute)?;
                self.by_folder.insert(absolute, Arc::clone(&config));
                config
            }
        };
        self.last = Some((folder.to_path_buf(), Arc::clone(&config)));
        Ok(config)
    }
    fn load_for_folder(&mut self, folder: &Path) -> Result<Arc<Config>, ConfigError> {
        let Some(file) = self.nearest_config_file(folder) else {
            return Ok(Arc::clone(&self.defaults));
        };
        if let Some(config) = self.by_file.get(&file) {
            return Ok(Arc::clone(config));
        }
        let mut config = Config::load(&file)?;
        config.select.clone_from(&self.select);
        config.ignore.clone_from(&self.ignore);
        let config = Arc::new(config);
        self.by_file.insert(file, Arc::clone(&config));
        Ok(config)
    }
}

impl Configs {
    /// Finds the nearest configuration file in `folder` (absolute) or above, as
    /// `rulelens_analysis::config::find_config` does, but with one `stat` per folder. Sibling
    /// folders share their parent's result, and a corpus has hundreds of folders ten levels
    /// deep.
    fn nearest_config_file(&mut self, folder: &Path) -> Option<PathBuf> {
        let mut unknown = Vec::new();
        let mut found = None;
        for ancestor in folder.ancestors() {
            if let Some(cached) = self.nearest_file.get(ancestor) {
                found.clone_from(cached);
                break;
            }
            let candidate = ancestor.join(CONFIG_FILE_NAME);
            if candidate.is_file() {
                found = Some(candidate);
                unknown.push(ancestor);
                break;
            }
            unknown.push(ancestor);
        }
        // Every folder passed on the way up shares the result of the first cached or found one.
        for ancestor in unknown {
            self.nearest_file
                .insert(ancestor.to_path_buf(), found.clone());
        }
        found
    }
}

/// The include and exclude globs of a configuration, relative to its folder.
#[derive(Debug)]
pub struct FileFilter {
    base: PathBuf,
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl FileFilter {
    pub fn new(config: &Config) -> Result<FileFilter, ConfigError> {
        let path = config.path.clone().unwrap_or_default();
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let build = |patterns: &[String], key: &str| -> Result<GlobSet, ConfigError> {
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                let glob = Glob::new(pattern).map_err(|error| ConfigError::Invalid {
                    path: path.clone(),
                    message: format!("invalid glob `{pattern}` in files.{key}: {error}"),
                })?;
                builder.add(glob);
            }
            builder.build().map_err(|error| ConfigError::Invalid {
                path: path.clone(),
                message: format!("invalid globs in files.{key}: {error}"),
            })
        };
        let include = if config.files.include.is_empty() {
            None
        } else {
            Some(build(&config.files.include, "include")?)
        };
        Ok(FileFilter {
            base,
            include,
            exclude: build(&config.files.exclude, "exclude")?,
        })
    }

    /// Whether a file found by walking a folder is checked.
    pub fn accepts(&self, path: &Path) -> bool {
        // Most configurations have no globs. `absolute` calls `getcwd` every time, a cost a
        // walk of thousands of files should not pay for nothing.
        if self.include.is_none() && self.exclude.is_empty() {
            return true;
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.base).unwrap_or(&absolute);
        let included = self
            .include
            .as_ref()
            .is_none_or(|set| set.is_match(relative));
        included && !self.exclude.is_match(relative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a configuration that sets the noisy-indicator threshold to `reach`, so that the
    /// tests can tell which configuration a file received.
    fn write_config(folder: &Path, reach: u32) {
        std::fs::create_dir_all(folder).expect("create folder");
        std::fs::write(
            folder.join(CONFIG_FILE_NAME),
            format!("[thresholds]\nnoisy-indicator-reach = {reach}\n"),
        )
        .expect("write configuration");
    }

    fn reach_for(configs: &mut Configs, file: &Path) -> Option<u32> {
        let config = configs.for_file(file).expect("configuration loads");
        config.thresholds.noisy_indicator_reach
    }

    #[test]
    fn nearest_configuration_wins_across_nested_and_sibling_folders() {
        let root = tempfile::tempdir().expect("temporary folder");
        let root = root.path();
        write_config(root, 100);
        write_config(&root.join("a/inner"), 200);
        for folder in ["a/inner/deep", "a/other", "b"] {
            std::fs::create_dir_all(root.join(folder)).expect("create folder");
        }
        let mut configs = Configs::new(None, Vec::new(), Vec::new()).expect("no --config");
        // Deepest first, so that the ancestors' results come from the cache afterwards.
        assert_eq!(
            reach_for(&mut configs, &root.join("a/inner/deep/r.yml")),
            Some(200)
        );
        assert_eq!(
            reach_for(&mut configs, &root.join("a/inner/r.yml")),
            Some(200)
        );
        assert_eq!(
            reach_for(&mut configs, &root.join("a/other/r.yml")),
            Some(100)
        );
        assert_eq!(reach_for(&mut configs, &root.join("a/r.yml")), Some(100));
        assert_eq!(reach_for(&mut configs, &root.join("b/r.yml")), Some(100));
        // The same folder twice in a row takes the shortcut and gives the same result.
        assert_eq!(reach_for(&mut configs, &root.join("b/s.yml")), Some(100));
    }

    #[test]
    fn parent_folder_steps_resolve_before_search() {
        let root = tempfile::tempdir().expect("temporary folder");
        let root = root.path();
        write_config(&root.join("a"), 200);
        std::fs::create_dir_all(root.join("b")).expect("create folder");
        let mut configs = Configs::new(None, Vec::new(), Vec::new()).expect("no --config");
        // `a/../b` is `b`, which has no configuration of its own; `a`'s must not apply.
        assert_eq!(reach_for(&mut configs, &root.join("a/../b/r.yml")), None);
        assert_eq!(reach_for(&mut configs, &root.join("a/r.yml")), Some(200));
    }

    #[test]
    fn explicit_configuration_applies_everywhere() {
        let root = tempfile::tempdir().expect("temporary folder");
        let root = root.path();
        write_config(root, 100);
        write_config(&root.join("sub"), 300);
        let explicit = root.join("sub").join(CONFIG_FILE_NAME);
        let mut configs =
            Configs::new(Some(&explicit), Vec::new(), Vec::new()).expect("--config loads");
        assert_eq!(reach_for(&mut configs, &root.join("r.yml")), Some(300));
        assert_eq!(reach_for(&mut configs, &root.join("sub/r.yml")), Some(300));
    }
}
