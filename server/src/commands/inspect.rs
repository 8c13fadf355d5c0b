//! `rulelens inspect`: print the normalized predicates of every rule in one file.

use crate::files;
use crate::report::OutputFormat;
use anyhow::{bail, Context};
use rulelens_analysis::inspect::{inspect_rule, render_text, RuleInspection};
use rulelens_corpus::{FieldContext, Taxonomy};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The rule file to inspect.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Prints the inspection; fails when the file cannot be read or holds no rule.
pub fn run(args: &InspectArgs) -> anyhow::Result<()> {
    // A Panther Python file is inspected through the YAML that names it.
    let path = files::panther_yaml_for(&args.file).unwrap_or_else(|| args.file.clone());
    let loaded = files::load(path.clone());
    if let Some(error) = loaded.load_errors.first() {
        bail!("{}: {}", path.display(), error.message);
    }
    let is_python = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("py"));
    if loaded.parsed.is_none() && is_python {
        bail!(
            "{}: a Python file is read only through the Panther YAML whose `Filename:` names \
             it, and no YAML in this folder names it; inspect that YAML instead",
            path.display()
        );
    }
    let Some(parsed) = &loaded.parsed else {
        bail!(
            "{}: not a rule of a known format (Sigma, Sentinel, Splunk or Panther YAML, \
             Elastic TOML, KQL or SPL)",
            path.display()
        );
    };
    let taxonomy = Taxonomy::builtin();
    let concept = |rule: &rulelens_syntax::Rule, field: &rulelens_syntax::Field| {
        let context = FieldContext::of_rule(rule).with_data_model(field.data_model.as_deref());
        taxonomy
            .concept(&field.name, &context)
            .map(|id| taxonomy.concept_name(id).to_owned())
    };
    let inspections: Vec<RuleInspection> = parsed
        .documents
        .iter()
        .map(|document| inspect_rule(&document.rule, &concept))
        .collect();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        OutputFormat::Text => {
            for diagnostic in &parsed.diagnostics {
                let at = loaded
                    .lines
                    .line_col_chars(&loaded.text, diagnostic.range.start());
                writeln!(
                    out,
                    "{}:{}:{}: {}[{}] {}",
                    path.display(),
                    at.line + 1,
                    at.col + 1,
                    diagnostic.severity.name(),
                    diagnostic.lint,
                    diagnostic.message
                )?;
            }
            for inspection in &inspections {
                write!(out, "{}", render_text(inspection))?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &inspections)
                .context("cannot write the inspection as JSON")?;
            writeln!(out)?;
        }
    }
    Ok(())
}
