//! Resolving the configuration that applies to each checked file.
//!
//! `--config FILE` applies to every file. Without it, each file uses the nearest
//! `.rulelens.toml` in its folder or above, and files with none use the defaults. The
//! command-line `--select` and `--ignore` apply on top of whichever file is used.

use globset::{Glob, GlobSet, GlobSetBuilder};
use rulelens_analysis::config::{find_config, Config, ConfigError};
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
            defaults,
        })
    }

    /// The configuration for a file or folder at `path`.
    pub fn for_path(&mut self, path: &Path) -> Result<Arc<Config>, ConfigError> {
        if let Some(config) = &self.explicit {
            return Ok(Arc::clone(config));
        }
        let folder = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        let folder = std::path::absolute(&folder).unwrap_or(folder);
        if let Some(config) = self.by_folder.get(&folder) {
            return Ok(Arc::clone(config));
        }
        let config = self.load_for_folder(&folder)?;
        self.by_folder.insert(folder, Arc::clone(&config));
        Ok(config)
    }

    fn load_for_folder(&mut self, folder: &Path) -> Result<Arc<Config>, ConfigError> {
        let Some(file) = find_config(folder) else {
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
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.base).unwrap_or(&absolute);
        let included = self
            .include
            .as_ref()
            .is_none_or(|set| set.is_match(relative));
        included && !self.exclude.is_match(relative)
    }
}
