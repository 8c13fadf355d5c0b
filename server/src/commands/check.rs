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
use rulelens_syntax::{Diagnostic, Fix, Severity, TextRange};
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

    let (mut checked, mut failed) = match check_paths(&args.paths, &mut configs) {
        Ok(result) => result,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut findings = lint_files(&checked);

    if args.fix {
        let changed = apply_fixes(&checked, &findings);
        if changed {
            (checked, failed) = match check_paths(&args.paths, &mut configs) {
                Ok(result) => result,
                Err(message) => {
                    eprintln!("error: {message}");
                    return ExitCode::from(2);
                }
            };
            findings = lint_files(&checked);
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

/// Collects, filters and loads the files under `paths`. Returns whether a named path could not
/// be read, which makes the exit status 2; fails on an invalid configuration.
fn check_paths(paths: &[PathBuf], configs: &mut Configs) -> Result<(Vec<Checked>, bool), String> {
    let (candidates, path_errors) = files::collect(paths);
    for error in &path_errors {
        eprintln!("error: {}", error.message);
    }

    let mut kept = Vec::new();
    let mut file_configs = Vec::new();
    let mut filters: Vec<(Arc<Config>, FileFilter)> = Vec::new();
    for candidate in candidates {
        let path = match &candidate {
            Candidate::File { path, .. } | Candidate::Unreadable { path, .. } => path.clone(),
        };
        let config = configs.for_path(&path).map_err(|e| e.to_string())?;
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
            if !filters[position].1.accepts(&path) {
                continue;
            }
        }
        kept.push(candidate);
        file_configs.push(config);
    }

    let loaded = files::load_all_indexed(kept);
    let checked = loaded
        .into_iter()
        .map(|(position, file)| Checked {
            file,
            config: Arc::clone(&file_configs[position]),
        })
        .collect();
    Ok((checked, !path_errors.is_empty()))
}

/// Runs every lint over the checked files, in parallel, and returns the findings in path and
/// position order.
fn lint_files(checked: &[Checked]) -> Vec<Finding> {
    let per_file: Vec<Vec<Finding>> = checked
        .par_iter()
        .map(|entry| {
            let file = &entry.file;
            let mut diagnostics = apply_levels(file.load_errors.clone(), &entry.config);
            match &file.parsed {
                Some(parsed) => {
                    let input = FileInput {
                        path: file.path.to_str().unwrap_or_default(),
                        text: &file.text,
                        parsed,
                    };
                    diagnostics.extend(analyze_file(&input, &entry.config));
                }
                None if file.load_errors.is_empty()
                    && entry.config.enabled("syntax/unknown-format") =>
                {
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
        })
        .collect();
    let mut findings: Vec<Finding> = per_file.into_iter().flatten().collect();

    // Files are compared under the configuration of the first one; per-file severities of
    // workspace lints follow that configuration too.
    let mut inputs = Vec::new();
    let mut input_files = Vec::new();
    for (position, entry) in checked.iter().enumerate() {
        if let Some(parsed) = &entry.file.parsed {
            inputs.push(FileInput {
                path: entry.file.path.to_str().unwrap_or_default(),
                text: &entry.file.text,
                parsed,
            });
            input_files.push(position);
        }
    }
    if let Some(first) = checked.first() {
        for (input, diagnostic) in analyze_workspace(&inputs, &first.config) {
            if let Some(&position) = input_files.get(input) {
                findings.push(Finding::new(&checked[position].file, diagnostic));
            }
        }
    }
    findings.sort_by(|a, b| {
        (&a.path, a.start.line, a.start.column).cmp(&(&b.path, b.start.line, b.start.column))
    });
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
