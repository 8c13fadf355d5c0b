//! `rulelens check`: lint rule files and folders and report every finding.
//!
//! Exit status: 0 when no finding is an error, 1 when one is, 2 when the command itself failed
//! (bad arguments, an invalid configuration, a named path that cannot be read).

use crate::configs::{Configs, FileFilter};
use crate::files::{self, Candidate, LoadedFile};
use crate::fix;
use crate::report::{self, Finding, Summary};
use crate::sarif;
use rayon::prelude::*;
use rulelens_analysis::config::Config;
use rulelens_analysis::lints::apply_levels;
use rulelens_analysis::{analyze_file, analyze_workspace, FileInput};
use rulelens_syntax::{Diagnostic, Fix, Severity, TextRange, Tree};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Rule files or folders to check; folders are walked recursively.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Configuration file to use for every file, in place of the nearest `.rulelens.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run only these lints: ids or namespaces (`corpus`), comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "LINT")]
    pub select: Vec<String>,

    /// Do not run these lints: ids or namespaces, comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "LINT")]
    pub ignore: Vec<String>,

    /// Apply safe fixes to the files in place, then report what is left.
    #[arg(long)]
    pub fix: bool,
}

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// `path:line:col: severity[lint-id] message`, then a summary line.
    Text,
    /// One JSON object with `diagnostics` and `summary`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other CI dashboards.
    Sarif,
}

/// A file with the configuration that applies to it.
struct Checked {
    file: LoadedFile,
    config: Arc<Config>,
}

/// Runs the command and returns the process exit status.
pub fn run(args: &CheckArgs) -> ExitCode {
    let begun = std::time::Instant::now();
    let unknown = args
        .select
        .iter()
        .chain(&args.ignore)
        .find(|pattern| !is_known_selector(pattern));
    if let Some(pattern) = unknown {
        eprintln!("error: unknown lint id or namespace `{pattern}`: run `rulelens explain` to list the ids");
        return ExitCode::from(2);
    }
    let mut configs = match Configs::new(
        args.config.as_deref(),
        args.select.clone(),
        args.ignore.clone(),
    ) {
        Ok(configs) => configs,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };

    // The corpus tables take tens of milliseconds on one core; the other core builds them
    // while this one walks the folders. The first path's configuration stands for all: a
    // different index for later files is loaded when they need it.
    if let Some(first) = args.paths.first() {
        if let Ok(config) = configs.for_path(first) {
            rayon::spawn(move || rulelens_analysis::prepare_corpus_tables(&config));
        }
    }
    let (mut checked, mut findings, mut failed) = match check_paths(&args.paths, &mut configs) {
        Ok(result) => result,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    if args.fix {
        let changed = apply_fixes(&checked, &findings);
        if changed {
            (checked, findings, failed) = match check_paths(&args.paths, &mut configs) {
                Ok(result) => result,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            };
        }
    }

    let files: Vec<&LoadedFile> = checked.iter().map(|c| &c.file).collect();
    let summary = Summary::of(&files, &findings);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        CheckFormat::Text => report::write_text(&mut out, &findings, &summary),
        CheckFormat::Json => report::write_json(&mut out, &findings, &summary),
        CheckFormat::Sarif => sarif::write_sarif(&mut out, &findings),
    };
    tracing::debug!(elapsed = ?begun.elapsed(), "wrote the report, since the command started");
    // The parsed files are millions of small allocations, which the process exit returns to
    // the OS at once. Freeing them one by one took a tenth of the run on the Sigma corpus.
    std::mem::forget(checked);
    std::mem::forget(findings);
    if let Err(error) = written {
        // A closed pipe (`rulelens check | head`) is not worth a second message.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {error}");
        }
        return ExitCode::from(2);
    }

    if failed {
        ExitCode::from(2)
    } else if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether `pattern` names a registered lint or a namespace with at least one lint.
fn is_known_selector(pattern: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    rulelens_analysis::LINTS
        .iter()
        .any(|lint| lint.info.id == pattern || lint.info.id.split('/').next() == Some(pattern))
}

/// Collects, filters, loads and lints the files under `paths`. Returns the files, every
/// finding in path and position order, and whether a named path could not be read, which
/// makes the exit status 2; fails on an invalid configuration.
fn check_paths(
    paths: &[PathBuf],
    configs: &mut Configs,
) -> Result<(Vec<Checked>, Vec<Finding>, bool), String> {
    let started = std::time::Instant::now();
    let (candidates, path_errors) = files::collect(paths);
    tracing::debug!(
        files = candidates.len(),
        elapsed = ?started.elapsed(),
        "listed the files, since the walk started"
    );
    for error in &path_errors {
        eprintln!("error: {}", error.message);
    }

    let mut kept = Vec::new();
    let mut file_configs = Vec::new();
    let mut filters: Vec<(Arc<Config>, FileFilter)> = Vec::new();
    for candidate in candidates {
        let (path, config) = match &candidate {
            Candidate::File { path, .. } => (path, configs.for_file(path)),
            Candidate::Unreadable { path, .. } => (path, configs.for_path(path)),
        };
        let config = config.map_err(|e| e.to_string())?;
        if let Candidate::File {
            explicit: false, ..
        } = candidate
        {
            let position = match filters.iter().position(|(c, _)| Arc::ptr_eq(c, &config)) {
                Some(position) => position,
                None => {
                    let filter = FileFilter::new(&config).map_err(|e| e.to_string())?;
                    filters.push((Arc::clone(&config), filter));
                    filters.len() - 1
                }
            };
            if !filters[position].1.accepts(path) {
                continue;
            }
        }
        kept.push(candidate);
        file_configs.push(config);
    }

    tracing::debug!(elapsed = ?started.elapsed(), "found each file's configuration");

    // Each file is linted right after it is parsed, on the same thread, while its syntax tree
    // is still in the cache.
    let per_file: Vec<(Checked, Vec<Finding>)> = kept
        .into_par_iter()
        .zip(file_configs)
        .filter_map(|(candidate, config)| {
            let mut file = files::load_candidate(candidate)?;
            let findings = lint_file(&file, &config);
            drop_linted_logic(&mut file);
            Some((Checked { file, config }, findings))
        })
        .collect();
    tracing::debug!(elapsed = ?started.elapsed(), "read, parsed and linted the files");
    let mut checked = Vec::with_capacity(per_file.len());
    let mut findings = Vec::new();
    for (entry, file_findings) in per_file {
        checked.push(entry);
        findings.extend(file_findings);
    }
    findings.extend(lint_workspace(&checked));
    tracing::debug!(elapsed = ?started.elapsed(), "ran the workspace lints");
    findings.sort_by(|a, b| {
        (&a.path, a.start.line, a.start.column).cmp(&(&b.path, b.start.line, b.start.column))
    });
    Ok((checked, findings, !path_errors.is_empty()))
}

/// Frees the parts of a linted file that nothing after the per-file lints reads: the rule
/// logic and the Sigma detections, the bulk of a parsed rule. The workspace lints read only
/// Sigma metadata, and the report and `--fix` only the text. This took a fifth off the peak
/// memory of a whole-corpus check.
fn drop_linted_logic(file: &mut LoadedFile) {
    let Some(parsed) = &mut file.parsed else {
        return;
    };
    for document in &mut parsed.documents {
        document.rule.logic = None;
        if let Tree::Sigma(sigma) = &mut document.tree {
            sigma.detection = None;
        }
    }
}

/// Runs every per-file lint on one file.
fn lint_file(file: &LoadedFile, config: &Config) -> Vec<Finding> {
    let mut diagnostics = apply_levels(file.load_errors.clone(), config);
    match &file.parsed {
        Some(parsed) => {
            let input = FileInput {
                path: file.path.to_str().unwrap_or_default(),
                text: &file.text,
                parsed,
            };
            diagnostics.extend(analyze_file(&input, config));
        }
        None if file.load_errors.is_empty() && config.enabled("syntax/unknown-format") => {
            diagnostics.push(Diagnostic::new(
                "syntax/unknown-format",
                Severity::Warning,
                TextRange::empty(0),
                unknown_format_message(&file.path),
            ));
        }
        None => {}
    }
    diagnostics
        .into_iter()
        .map(|d| Finding::new(file, d))
        .collect()
}

/// Runs the lints that compare the files with each other. Every file takes part in the
/// comparison, and each finding follows the configuration of the file it is on: whether the
/// lint is on there, and at what severity. A later copy is the one reported, so files whose
/// configuration turns the workspace lints off are compared first. A duplicate of such a
/// file is then reported on the file where the lint is on, whichever order the paths had.
/// The lints run once per distinct configuration, which is one run in the usual case.
fn lint_workspace(checked: &[Checked]) -> Vec<Finding> {
    let workspace_lint_on = |config: &Config| {
        rulelens_analysis::LINTS.iter().any(|lint| {
            matches!(lint.check, rulelens_analysis::lints::Check::Workspace(_))
                && config.enabled(lint.info.id)
        })
    };
    // Whether the workspace lints are on, asked once per distinct configuration rather than
    // once per comparison of the sort below.
    let mut lint_on_by_config: Vec<(&Arc<Config>, bool)> = Vec::new();
    let mut lint_on = vec![false; checked.len()];
    for (position, entry) in checked.iter().enumerate() {
        let known = lint_on_by_config
            .iter()
            .find(|(config, _)| Arc::ptr_eq(config, &entry.config));
        lint_on[position] = match known {
            Some(&(_, on)) => on,
            None => {
                let on = workspace_lint_on(&entry.config);
                lint_on_by_config.push((&entry.config, on));
                on
            }
        };
    }
    let mut order: Vec<usize> = (0..checked.len())
        .filter(|&position| checked[position].file.parsed.is_some())
        .collect();
    // A stable sort keeps the given order inside each group.
    order.sort_by_key(|&position| lint_on[position]);

    let mut inputs = Vec::new();
    for &position in &order {
        let file = &checked[position].file;
        if let Some(parsed) = &file.parsed {
            inputs.push(FileInput {
                path: file.path.to_str().unwrap_or_default(),
                text: &file.text,
                parsed,
            });
        }
    }
    let mut findings = Vec::new();
    for (config, on) in lint_on_by_config {
        if !on {
            continue;
        }
        for (input, diagnostic) in analyze_workspace(&inputs, config) {
            let Some(&position) = order.get(input) else {
                continue;
            };
            if Arc::ptr_eq(&checked[position].config, config) {
                findings.push(Finding::new(&checked[position].file, diagnostic));
            }
        }
    }
    findings
}

/// Chooses the `syntax/unknown-format` message for a file named on the command line.
fn unknown_format_message(path: &std::path::Path) -> &'static str {
    let is_python = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py"));
    if is_python {
        "a Python file is read only through the Panther YAML whose `Filename:` names it, and \
         no YAML in this folder names it: add `Filename:` to the rule's YAML and check that"
    } else {
        "not a rule of a known format: RuleLens reads Sigma, Sentinel, Splunk and Panther \
         YAML, Elastic TOML, KQL and SPL files"
    }
}

/// Applies the safe fixes of `findings` and prints what changed to standard error. Returns
/// whether any file was written.
fn apply_fixes(checked: &[Checked], findings: &[Finding]) -> bool {
    let mut changed = false;
    for entry in checked {
        let path = entry.file.display_path();
        let fixes: Vec<&Fix> = findings
            .iter()
            .filter(|finding| finding.path == path)
            .flat_map(|finding| finding.fixes.iter().filter(|fix| fix.safe).take(1))
            .collect();
        if fixes.is_empty() {
            continue;
        }
        let outcome = fix::fix_file(&entry.file.path, &entry.file.text, &fixes);
        match outcome {
            Ok(count) => {
                eprintln!(
                    "fixed {} in {path}",
                    crate::report::plural(count, "finding")
                );
                changed = true;
            }
            Err(message) => eprintln!("error: cannot fix {path}: {message}"),
        }
    }
    changed
}
