//! `rulelens check`: lint rule files and folders and report every finding.
//!
//! Exit status: 0 when no finding is an error, 1 when one is, 2 when the command itself failed
//! (bad arguments, a named path that cannot be read).

use crate::files::{self, LoadedFile};
use crate::report::{self, Finding, OutputFormat, Summary};
use rulelens_analysis::{analyze_file, analyze_workspace, FileInput};
use rulelens_syntax::{Diagnostic, TextRange};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Rule files or folders to check; folders are walked recursively.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Runs the command and returns the process exit status.
pub fn run(args: &CheckArgs) -> ExitCode {
    let (candidates, path_errors) = files::collect(&args.paths);
    for error in &path_errors {
        eprintln!("error: {}", error.message);
    }
    let loaded = files::load_all(candidates);
    let findings = lint_files(&loaded);
    let summary = Summary::of(&loaded, &findings);

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        OutputFormat::Text => report::write_text(&mut out, &findings, &summary),
        OutputFormat::Json => report::write_json(&mut out, &findings, &summary),
    };
    if let Err(error) = written {
        // A closed pipe (`rulelens check | head`) is not worth a second message.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {error}");
        }
        return ExitCode::from(2);
    }

    if !path_errors.is_empty() {
        ExitCode::from(2)
    } else if summary.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs every lint over the loaded files and returns the findings in path and position order.
pub fn lint_files(loaded: &[LoadedFile]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut inputs = Vec::new();
    let mut input_files = Vec::new();
    for (position, file) in loaded.iter().enumerate() {
        let mut diagnostics = file.load_errors.clone();
        match &file.parsed {
            Some(parsed) => {
                let input = FileInput {
                    path: file.path.to_str().unwrap_or_default(),
                    text: &file.text,
                    parsed,
                };
                diagnostics.extend(analyze_file(&input));
                inputs.push(input);
                input_files.push(position);
            }
            None if file.load_errors.is_empty() => diagnostics.push(Diagnostic::new(
                "syntax/unknown-format",
                rulelens_syntax::Severity::Warning,
                TextRange::empty(0),
                "not a rule of a known format: RuleLens reads Sigma, Sentinel, Splunk and \
                 Panther YAML, Elastic TOML, KQL and SPL files",
            )),
            None => {}
        }
        findings.extend(diagnostics.into_iter().map(|d| Finding::new(file, d)));
    }
    for (input, diagnostic) in analyze_workspace(&inputs) {
        if let Some(&position) = input_files.get(input) {
            findings.push(Finding::new(&loaded[position], diagnostic));
        }
    }
    findings.sort_by(|a, b| {
        (&a.path, a.start.line, a.start.column).cmp(&(&b.path, b.start.line, b.start.column))
    });
    findings
}
