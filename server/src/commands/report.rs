//! `rulelens report TECHNIQUE`: the authoring guide for one ATT&CK technique from the corpus
//! index, as Markdown, JSON or a self-contained HTML page.

use super::index::load_index;
use anyhow::bail;
use rulelens_corpus::report::{
    is_technique_id, render, technique_report, ReportFormat, ReportOptions,
};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The ATT&CK technique id, such as T1133 or T1059.001; a technique includes its
    /// sub-techniques.
    #[arg(value_name = "TECHNIQUE")]
    pub technique: String,
    /// Output format: md, json or html.
    #[arg(long, value_name = "FORMAT", default_value = "md")]
    pub format: String,
    /// Count deprecated rules too.
    #[arg(long)]
    pub include_deprecated: bool,
    /// The maximum number of rows in the field, indicator and exclusion lists [default: 25
    /// for md and html, all rows for json].
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Read this index file in place of the embedded default index.
    #[arg(long, value_name = "FILE")]
    pub index: Option<PathBuf>,
    /// An index file to add to the default one (or to --index); repeatable.
    #[arg(long, value_name = "FILE")]
    pub add_index: Vec<PathBuf>,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let Some(format) = ReportFormat::from_name(&args.format) else {
        bail!(
            "unknown report format `{}`: use md, json or html",
            args.format
        );
    };
    if !is_technique_id(&args.technique) {
        bail!(
            "invalid technique id `{}`: expected T and four digits, such as T1133 or T1059.001",
            args.technique
        );
    }
    let index = load_index(args.index.as_deref(), &args.add_index)?;
    let mut options = match format {
        ReportFormat::Json => ReportOptions::complete(args.include_deprecated),
        ReportFormat::Markdown | ReportFormat::Html => ReportOptions {
            include_deprecated: args.include_deprecated,
            ..ReportOptions::default()
        },
    };
    if let Some(limit) = args.limit {
        options.max_fields = limit;
        options.max_indicators = limit;
        options.max_exclusions = limit;
    }
    let report = technique_report(&index, &args.technique, &options);
    if report.total_rules == 0 {
        // A user message rather than a log line: the report below is empty for this reason.
        eprintln!(
            "warning: no rule in {} is tagged with {}; the report is empty",
            index.source(),
            report.technique
        );
    }
    std::io::stdout()
        .lock()
        .write_all(render(&report, format).as_bytes())?;
    Ok(())
}
