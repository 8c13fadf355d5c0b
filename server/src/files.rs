//! Finding rule files under the paths a user names, and reading and parsing them.
//!
//! A folder is walked recursively, following symbolic links (`walkdir` reports a link loop as
//! an error instead of looping), skipping hidden folders and build folders. Files are picked by
//! extension and then by content ([`rulelens_syntax::detect_format`]), so a YAML file that is
//! not a rule is skipped silently. A file that cannot be read becomes a diagnostic on that
//! file and the other files are still checked.
//!
//! Panther Python files are never walked: the Panther front end reads each one through the
//! YAML whose `Filename:` names it. A `.py` file named on the command line is replaced by
//! that YAML ([`panther_yaml_for`]).

use rulelens_syntax::{source, Diagnostic, LineIndex, ParsedFile, TextRange};
use std::path::{Path, PathBuf};

/// Extensions of files that may hold rules.
const RULE_EXTENSIONS: &[&str] = &["yml", "yaml", "toml", "kql", "kusto", "csl", "txt", "spl"];

/// Folder names never walked into: version control, dependencies and build output.
const SKIPPED_FOLDERS: &[&str] = &["node_modules", "target"];

/// A path the user named that could not be used at all. The command reports it and exits
/// with status 2 after checking the rest.
#[derive(Debug)]
pub struct PathError {
    pub message: String,
}

/// A file found by the walk, or a walk error tied to a path under a named folder.
#[derive(Debug)]
pub enum Candidate {
    File { path: PathBuf, explicit: bool },
    Unreadable { path: PathBuf, message: String },
}

/// Lists the candidate rule files under `paths`, in a stable order.
pub fn collect(paths: &[PathBuf]) -> (Vec<Candidate>, Vec<PathError>) {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();
    let mut saw_link = false;
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => errors.push(PathError {
                message: format!("cannot read {}: {error}", path.display()),
            }),
            Ok(meta) if meta.is_dir() => {
                saw_link |= walk_folder(path, &mut candidates);
            }
            Ok(_) => {
                let path = match panther_yaml_for(path) {
                    Some(yaml) => {
                        eprintln!(
                            "{}: checking {}, the Panther rule whose `Filename:` names it",
                            path.display(),
                            yaml.display()
                        );
                        yaml
                    }
                    None => path.clone(),
                };
                let seen = candidates
                    .iter()
                    .any(|c| matches!(c, Candidate::File { path: p, .. } if *p == path));
                if !seen {
                    candidates.push(Candidate::File {
                        path,
                        explicit: true,
                    });
                }
            }
        }
    }
    // A symbolic link inside a walked folder can lead to a file the walk also reaches
    // directly, and so can overlapping named paths.
    if saw_link || named_paths_overlap(paths) {
        drop_repeated_files(&mut candidates);
    }
    (candidates, errors)
}

/// Tells whether two of the named paths are the same file or folder, or one lies inside the
/// other (`check a/x.yml a`, `check . a`, `check x.yml ./x.yml`). Only the few named paths
/// are resolved on disk, so the usual single path costs nothing.
fn named_paths_overlap(paths: &[PathBuf]) -> bool {
    if paths.len() < 2 {
        return false;
    }
    let resolved: Vec<PathBuf> = paths
        .iter()
        .filter_map(|path| std::fs::canonicalize(path).ok())
        .collect();
    resolved.iter().enumerate().any(|(i, one)| {
        resolved
            .iter()
            .enumerate()
            .any(|(j, other)| i != j && one.starts_with(other))
    })
}

/// Keeps the first of the candidates that are one file reached by different paths, so that a
/// file is not checked twice and reported as a duplicate of itself. Each candidate is
/// resolved on disk, which is why this runs only when the named paths overlap.
fn drop_repeated_files(candidates: &mut Vec<Candidate>) {
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|candidate| match candidate {
        Candidate::File { path, .. } => match std::fs::canonicalize(path) {
            Ok(resolved) => seen.insert(resolved),
            // A file that vanished or cannot be resolved is kept, and its read reports why.
            Err(_) => true,
        },
        Candidate::Unreadable { .. } => true,
    });
}

/// The largest YAML file [`panther_yaml_for`] opens while looking for a `Filename:`.
const MAX_PANTHER_YAML_BYTES: u64 = 4 * 1024 * 1024;

/// Returns the Panther YAML in the same folder whose `Filename:` names the Python file
/// `python`, or `None` when `python` is not a `.py` file or no YAML there names it. When
/// several do, the first in file-name order is returned.
pub fn panther_yaml_for(python: &Path) -> Option<PathBuf> {
    let is_python = python
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py"));
    if !is_python {
        return None;
    }
    let name = python.file_name()?.to_str()?;
    let folder = match python.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut yaml_files: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let path = entry.path();
            let is_yaml = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
            // Only regular files are opened: a FIFO would block the read.
            let is_small_file = entry
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() <= MAX_PANTHER_YAML_BYTES);
            (is_yaml && is_small_file).then_some(path)
        })
        .collect();
    yaml_files.sort();
    yaml_files.into_iter().find(|yaml| {
        let Ok(text) = std::fs::read_to_string(yaml) else {
            return false;
        };
        // The substring test skips the YAML parse for files that cannot name the Python file.
        text.contains(name)
            && rulelens_syntax::panther::python_file_name(&text).as_deref() == Some(name)
    })
}

/// Adds the rule files under `root` to `candidates`. Returns whether the walk followed a
/// symbolic link.
fn walk_folder(root: &Path, candidates: &mut Vec<Candidate>) -> bool {
    let mut saw_link = false;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !is_skipped_folder(entry));
    for entry in walker {
        if let Ok(entry) = &entry {
            saw_link |= entry.depth() > 0 && entry.path_is_symlink();
        }
        match entry {
            Ok(entry) if entry.file_type().is_file() && has_rule_extension(entry.path()) => {
                candidates.push(Candidate::File {
                    path: entry.into_path(),
                    explicit: false,
                });
            }
            Ok(_) => {}
            Err(error) => {
                let path = error
                    .path()
                    .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                let message = if error.loop_ancestor().is_some() {
                    format!("symbolic link loop at {}: skipped", path.display())
                } else {
                    format!("cannot read {}: {}", path.display(), error)
                };
                candidates.push(Candidate::Unreadable { path, message });
            }
        }
    }
    saw_link
}

fn is_skipped_folder(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    entry.file_type().is_dir() && (name.starts_with('.') || SKIPPED_FOLDERS.contains(&&*name))
}

fn has_rule_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| RULE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// One file after reading and parsing.
#[derive(Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// The text, or a lossy decoding of the bytes when they are not UTF-8 (for positions only).
    pub text: String,
    pub lines: LineIndex,
    /// `None` when the file holds no rule of a known format.
    pub parsed: Option<ParsedFile>,
    /// Errors from reading the file, before any parser ran.
    pub load_errors: Vec<Diagnostic>,
}

impl LoadedFile {
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// Reads and parses one candidate. Returns `None` for a file found by a walk that contains
/// no rule.
pub fn load_candidate(candidate: Candidate) -> Option<LoadedFile> {
    match candidate {
        Candidate::File { path, explicit } => {
            let file = load(path);
            let keep = explicit || file.parsed.is_some() || !file.load_errors.is_empty();
            keep.then_some(file)
        }
        Candidate::Unreadable { path, message } => Some(unreadable(path, message)),
    }
}

/// Reads and parses one file.
pub fn load(path: PathBuf) -> LoadedFile {
    let bytes = match read_bounded(&path) {
        Ok(Contents::Bytes(bytes)) => bytes,
        Ok(Contents::TooLarge(size)) => return too_large(path, size),
        Err(error) => {
            let message = format!("cannot read {}: {error}", path.display());
            return unreadable(path, message);
        }
    };
    match source::decode(&bytes) {
        Ok(text) => {
            let text = text.to_owned();
            let parsed = rulelens_syntax::parse_path(&path, &text);
            LoadedFile {
                lines: LineIndex::new(&text),
                path,
                text,
                parsed,
                load_errors: Vec::new(),
            }
        }
        Err(diagnostic) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            LoadedFile {
                lines: LineIndex::new(&text),
                path,
                text,
                parsed: None,
                load_errors: vec![diagnostic],
            }
        }
    }
}

/// The bytes of a file, or the size of a file too large to read.
enum Contents {
    Bytes(Vec<u8>),
    /// The size from the file's metadata, `None` for a device or pipe that has no size.
    TooLarge(Option<u64>),
}

/// Reads a file unless it is larger than [`source::MAX_FILE_BYTES`]. A regular file is judged by
/// its size before any byte is read. A device or pipe named on the command line (such as
/// `/dev/zero`) has no size, so at most one byte past the limit is read from it.
fn read_bounded(path: &Path) -> std::io::Result<Contents> {
    use std::io::Read;

    let limit = source::MAX_FILE_BYTES as u64;
    let file = open_for_reading(path).map_err(|error| describe_open_error(path, error))?;
    let metadata = file.metadata()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if metadata.file_type().is_fifo() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is a named pipe, not a file",
            ));
        }
    }
    if metadata.is_file() && metadata.len() > limit {
        return Ok(Contents::TooLarge(Some(metadata.len())));
    }
    // Sized from the metadata so that the read neither grows nor copies the buffer; a device
    // reports 0 and the buffer grows as before.
    let expected = usize::try_from(metadata.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(expected.saturating_add(1));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Contents::TooLarge(None));
    }
    Ok(Contents::Bytes(bytes))
}

/// Replaces the system's message for a socket ("No such device or address") with what the
/// path is. Other errors are kept as they are.
fn describe_open_error(path: &Path, error: std::io::Error) -> std::io::Error {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
            return std::io::Error::new(error.kind(), "it is a socket, not a file");
        }
    }
    let _ = path;
    error
}

/// Opens `path` for reading. On Unix the open does not wait: opening a named pipe would
/// otherwise block until some other process writes to it, and a user can name one on the
/// command line. `O_NONBLOCK` changes nothing for regular files.
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

fn too_large(path: PathBuf, size: Option<u64>) -> LoadedFile {
    let size = size.map_or_else(String::new, |size| format!("{size} bytes, "));
    let message = format!(
        "file is {size}larger than the {} byte limit for a rule file: not checked",
        source::MAX_FILE_BYTES
    );
    not_loaded(path, "syntax/file-too-large", message)
}

fn unreadable(path: PathBuf, message: String) -> LoadedFile {
    not_loaded(path, "syntax/unreadable-file", message)
}

/// A file reported by `lint` at its start, with no text kept.
fn not_loaded(path: PathBuf, lint: &'static str, message: String) -> LoadedFile {
    LoadedFile {
        path,
        text: String::new(),
        lines: LineIndex::new(""),
        parsed: None,
        load_errors: vec![Diagnostic::error(lint, TextRange::empty(0), message)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_path_is_path_error() {
        let (candidates, errors) = collect(&[PathBuf::from("/nonexistent/rulelens/x.yml")]);
        assert!(candidates.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("/nonexistent/rulelens/x.yml"));
    }

    fn scratch_folder(name: &str) -> PathBuf {
        let folder = std::env::temp_dir()
            .join("rulelens-files")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).expect("create scratch folder");
        folder
    }

    #[test]
    fn file_deleted_after_listing_is_reported() {
        let folder = scratch_folder("deleted");
        for name in ["a.yml", "b.yml", "c.yml"] {
            std::fs::write(folder.join(name), "title: x\n").expect("write");
        }
        let (candidates, errors) = collect(std::slice::from_ref(&folder));
        assert!(errors.is_empty());
        assert_eq!(candidates.len(), 3);

        // The walk listed b.yml; it disappears before the files are read, as when another
        // process deletes it during a run.
        let deleted = folder.join("b.yml");
        std::fs::remove_file(&deleted).expect("delete");
        let loaded: Vec<LoadedFile> = candidates.into_iter().filter_map(load_candidate).collect();
        let reports: Vec<&LoadedFile> = loaded.iter().filter(|file| file.path == deleted).collect();
        assert_eq!(reports.len(), 1);
        let error = &reports[0].load_errors[0];
        assert_eq!(error.lint, "syntax/unreadable-file");
        assert!(
            error.message.contains(&deleted.display().to_string()),
            "{}",
            error.message
        );
        assert!(error.message.contains("No such file"), "{}", error.message);
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn oversized_file_is_not_read() {
        let folder = scratch_folder("oversized");
        let path = folder.join("huge.yml");
        let file = std::fs::File::create(&path).expect("create");
        // A sparse file: its size is past the limit without using the disk space.
        file.set_len(source::MAX_FILE_BYTES as u64 + 10)
            .expect("set length");
        let loaded = load(path);
        assert!(loaded.text.is_empty());
        assert!(loaded.parsed.is_none());
        assert_eq!(loaded.load_errors.len(), 1);
        assert_eq!(loaded.load_errors[0].lint, "syntax/file-too-large");
        let expected = format!("file is {} bytes,", source::MAX_FILE_BYTES + 10);
        assert!(
            loaded.load_errors[0].message.contains(&expected),
            "{}",
            loaded.load_errors[0].message
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn named_pipe_is_reported_without_waiting() {
        let folder = scratch_folder("fifo");
        let pipe = folder.join("rule.yml");
        let created = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .expect("run mkfifo");
        assert!(created.success());
        // With a blocking open this call would never return, as no process writes the pipe.
        let loaded = load(pipe.clone());
        assert_eq!(loaded.load_errors.len(), 1);
        assert_eq!(loaded.load_errors[0].lint, "syntax/unreadable-file");
        assert!(
            loaded.load_errors[0].message.contains("named pipe"),
            "{}",
            loaded.load_errors[0].message
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn socket_is_named_as_such() {
        let folder = scratch_folder("socket");
        let path = folder.join("rule.yml");
        let _listener = std::os::unix::net::UnixListener::bind(&path).expect("bind a socket");
        let loaded = load(path);
        assert_eq!(loaded.load_errors.len(), 1);
        assert!(
            loaded.load_errors[0]
                .message
                .ends_with("it is a socket, not a file"),
            "{}",
            loaded.load_errors[0].message
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn endless_device_reads_bounded() {
        let loaded = load(PathBuf::from("/dev/zero"));
        assert_eq!(loaded.load_errors.len(), 1);
        assert_eq!(loaded.load_errors[0].lint, "syntax/file-too-large");
        assert!(
            loaded.load_errors[0]
                .message
                .starts_with("file is larger than the"),
            "{}",
            loaded.load_errors[0].message
        );
    }

    #[test]
    fn overlapping_paths_list_each_file_once() {
        let folder = scratch_folder("overlap");
        std::fs::create_dir_all(folder.join("a/deep")).expect("create folders");
        std::fs::write(folder.join("a/deep/z.yml"), "title: x\n").expect("write");
        std::fs::write(folder.join("a/y.yml"), "title: y\n").expect("write");

        let file = folder.join("a/deep/z.yml");
        let same_file = folder.join("a/deep/./z.yml");
        let cases: Vec<Vec<PathBuf>> = vec![
            vec![file.clone(), folder.join("a")],
            vec![folder.join("a"), file.clone()],
            vec![folder.clone(), folder.join("a")],
            vec![file.clone(), same_file],
        ];

        for paths in cases {
            let (candidates, errors) = collect(&paths);
            assert!(errors.is_empty());
            let mut listed: Vec<PathBuf> = candidates
                .iter()
                .filter_map(|candidate| match candidate {
                    Candidate::File { path, .. } => std::fs::canonicalize(path).ok(),
                    Candidate::Unreadable { .. } => None,
                })
                .collect();
            let count = listed.len();
            listed.sort();
            listed.dedup();
            assert_eq!(listed.len(), count, "a file listed twice for {paths:?}");
        }

        // The first path named keeps its spelling: the explicit file comes first here.
        let (candidates, _) = collect(&[file.clone(), folder.join("a")]);
        assert!(
            matches!(&candidates[0], Candidate::File { path, explicit: true } if *path == file)
        );
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn linked_file_in_walk_is_listed_once() {
        let folder = scratch_folder("linked");
        std::fs::write(folder.join("rule.yml"), "title: x\n").expect("write");
        std::os::unix::fs::symlink("rule.yml", folder.join("link.yml")).expect("create link");
        let (candidates, errors) = collect(std::slice::from_ref(&folder));
        assert!(errors.is_empty());
        let files: Vec<&PathBuf> = candidates
            .iter()
            .filter_map(|candidate| match candidate {
                Candidate::File { path, .. } => Some(path),
                Candidate::Unreadable { .. } => None,
            })
            .collect();
        // The walk is sorted by name, so the link comes first and stands for the file.
        assert_eq!(files, [&folder.join("link.yml")]);
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn python_file_resolves_to_its_yaml() {
        let dir = std::env::temp_dir().join(format!("rulelens-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create folder");
        std::fs::write(
            dir.join("a.yml"),
            "AnalysisType: rule\nFilename: other.py\n",
        )
        .expect("write");
        std::fs::write(dir.join("b.yml"), "AnalysisType: rule\nFilename: rule.py\n")
            .expect("write");
        std::fs::write(dir.join("rule.py"), "def rule(event):\n    return True\n").expect("write");
        std::fs::write(dir.join("lone.py"), "def rule(event):\n    return True\n").expect("write");

        assert_eq!(
            panther_yaml_for(&dir.join("rule.py")),
            Some(dir.join("b.yml"))
        );
        assert_eq!(panther_yaml_for(&dir.join("lone.py")), None);
        assert_eq!(panther_yaml_for(&dir.join("b.yml")), None);
        std::fs::remove_dir_all(&dir).expect("remove folder");
    }

    #[test]
    fn rule_extensions_are_case_insensitive() {
        assert!(has_rule_extension(Path::new("a/B.YML")));
        assert!(has_rule_extension(Path::new("q.kql")));
        assert!(!has_rule_extension(Path::new("a.json")));
        assert!(!has_rule_extension(Path::new("Makefile")));
    }
}
