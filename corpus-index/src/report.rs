//! The authoring guide for one ATT&CK technique, computed from an index and rendered as
//! Markdown, JSON or a self-contained HTML page.
//!
//! A report lists how many rules each vendor has for the technique (sub-techniques included),
//! the fields those rules filter most, the indicator values they check with their corpus
//! reach, the exclusions they carry, and the rules themselves grouped by vendor. Deprecated
//! rules are left out unless the caller includes them.

use crate::index::{Index, IndicatorId, RuleId};
use crate::indicator::KEYWORD_CONCEPT;
use rulelens_syntax::{Op, Vendor};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Output formats of `rulelens report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Json,
    Html,
}

impl ReportFormat {
    /// Reads `md`, `markdown`, `json` or `html`.
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        match name.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            "html" => Some(ReportFormat::Html),
            _ => None,
        }
    }
}

/// What a report includes and how long its lists are.
#[derive(Clone, Copy, Debug)]
pub struct ReportOptions {
    pub include_deprecated: bool,
    pub max_fields: usize,
    pub max_indicators: usize,
    pub max_exclusions: usize,
    /// Sample values shown per field.
    pub max_samples: usize,
}

impl Default for ReportOptions {
    fn default() -> ReportOptions {
        ReportOptions {
            include_deprecated: false,
            max_fields: 15,
            max_indicators: 25,
            max_exclusions: 25,
            max_samples: 5,
        }
    }
}

impl ReportOptions {
    /// Options with no cap on the field, indicator and exclusion lists, for JSON output that
    /// tools read in full.
    pub fn complete(include_deprecated: bool) -> ReportOptions {
        ReportOptions {
            include_deprecated,
            max_fields: usize::MAX,
            max_indicators: usize::MAX,
            max_exclusions: usize::MAX,
            ..ReportOptions::default()
        }
    }
}

/// The report data, also the JSON output.
#[derive(Clone, Debug, Serialize)]
pub struct TechniqueReport {
    pub technique: String,
    /// The technique's ATT&CK name as the indexed rules give it, when one does.
    pub name: Option<String>,
    pub include_deprecated: bool,
    /// Where the index came from.
    pub index: String,
    pub total_rules: u32,
    /// Rule counts keyed by vendor name, every vendor present.
    pub rules_per_vendor: BTreeMap<&'static str, u32>,
    pub fields: Vec<FieldRow>,
    pub top_indicators: Vec<IndicatorRow>,
    pub exclusions: Vec<ExclusionRow>,
    pub rules: Vec<VendorRules>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OperatorCount {
    pub op: &'static str,
    pub rules: u32,
}

/// A field filtered by the technique's rules.
#[derive(Clone, Debug, Serialize)]
pub struct FieldRow {
    /// The concept id, or the field name as written when the taxonomy lacks it; empty for
    /// field-less keyword matches.
    pub field: String,
    pub rules: u32,
    pub operators: Vec<OperatorCount>,
    pub sample_values: Vec<String>,
}

/// An indicator checked (not excluded) by the technique's rules.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorRow {
    pub field: String,
    pub op: &'static str,
    pub value: String,
    /// Rules of this technique that check it.
    pub rules_here: u32,
    /// Rules in the whole index that check it.
    pub corpus_reach: u32,
}

/// An indicator the technique's rules exclude.
#[derive(Clone, Debug, Serialize)]
pub struct ExclusionRow {
    pub field: String,
    pub op: &'static str,
    pub value: String,
    pub rules_excluding: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct VendorRules {
    pub vendor: &'static str,
    pub rules: Vec<RuleRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleRow {
    pub title: String,
    pub id: String,
    pub path: String,
    pub language: &'static str,
    pub deprecated: bool,
}

/// Per-concept tallies while a report is computed.
#[derive(Default)]
struct FieldTally {
    rules: BTreeSet<RuleId>,
    ops: BTreeMap<Op, BTreeSet<RuleId>>,
    values: BTreeMap<String, u32>,
}

/// Computes the report for `technique` (case-insensitive, sub-techniques included).
pub fn technique_report(
    index: &Index,
    technique: &str,
    options: &ReportOptions,
) -> TechniqueReport {
    let technique = technique.trim().to_uppercase();
    let rules = index.technique_rules(&technique, options.include_deprecated);

    let mut fields: BTreeMap<&str, FieldTally> = BTreeMap::new();
    let mut checked: BTreeMap<IndicatorId, u32> = BTreeMap::new();
    let mut excluded: BTreeMap<IndicatorId, u32> = BTreeMap::new();
    for rule in &rules {
        for entry in index.rule_indicators(*rule) {
            let Some((concept, op, value)) = index.indicator_key(entry.indicator) else {
                continue;
            };
            let tally = fields.entry(concept).or_default();
            tally.rules.insert(*rule);
            tally.ops.entry(op).or_default().insert(*rule);
            if !value.is_empty() {
                *tally.values.entry(value.to_owned()).or_default() += 1;
            }
            if entry.positive {
                *checked.entry(entry.indicator).or_default() += 1;
            }
            if entry.exclusion {
                *excluded.entry(entry.indicator).or_default() += 1;
            }
        }
    }

    let counts = index.technique_counts(&technique, options.include_deprecated);
    TechniqueReport {
        include_deprecated: options.include_deprecated,
        index: index.source().to_owned(),
        total_rules: counts.total(),
        rules_per_vendor: Vendor::ALL
            .iter()
            .map(|vendor| (vendor.name(), counts.get(*vendor)))
            .collect(),
        fields: field_rows(fields, options),
        top_indicators: indicator_rows(index, &checked, options),
        exclusions: exclusion_rows(index, &excluded, options),
        rules: rule_rows(index, &rules),
        name: index.technique_name(&technique).map(str::to_owned),
        technique,
    }
}

fn field_rows(fields: BTreeMap<&str, FieldTally>, options: &ReportOptions) -> Vec<FieldRow> {
    let mut rows: Vec<FieldRow> = fields
        .into_iter()
        .map(|(concept, tally)| {
            let mut operators: Vec<OperatorCount> = tally
                .ops
                .iter()
                .map(|(op, rules)| OperatorCount {
                    op: op.name(),
                    rules: rules.len() as u32,
                })
                .collect();
            operators.sort_by(|a, b| b.rules.cmp(&a.rules).then_with(|| a.op.cmp(b.op)));
            let mut values: Vec<(String, u32)> = tally.values.into_iter().collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            FieldRow {
                field: concept.to_owned(),
                rules: tally.rules.len() as u32,
                operators,
                sample_values: values
                    .into_iter()
                    .take(options.max_samples)
                    .map(|(value, _)| value)
                    .collect(),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.rules.cmp(&a.rules).then_with(|| a.field.cmp(&b.field)));
    rows.truncate(options.max_fields);
    rows
}

fn indicator_rows(
    index: &Index,
    checked: &BTreeMap<IndicatorId, u32>,
    options: &ReportOptions,
) -> Vec<IndicatorRow> {
    let mut rows: Vec<IndicatorRow> = checked
        .iter()
        .filter_map(|(indicator, rules_here)| {
            let (field, op, value) = index.indicator_key(*indicator)?;
            let reach = index.reach_of(*indicator, options.include_deprecated);
            Some(IndicatorRow {
                field: field.to_owned(),
                op: op.name(),
                value: value.to_owned(),
                rules_here: *rules_here,
                corpus_reach: reach.rules.total(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.rules_here, b.corpus_reach)
            .cmp(&(a.rules_here, a.corpus_reach))
            .then_with(|| (&a.field, a.op, &a.value).cmp(&(&b.field, b.op, &b.value)))
    });
    rows.truncate(options.max_indicators);
    rows
}

fn exclusion_rows(
    index: &Index,
    excluded: &BTreeMap<IndicatorId, u32>,
    options: &ReportOptions,
) -> Vec<ExclusionRow> {
    let mut rows: Vec<ExclusionRow> = excluded
        .iter()
        .filter_map(|(indicator, rules)| {
            let (field, op, value) = index.indicator_key(*indicator)?;
            Some(ExclusionRow {
                field: field.to_owned(),
                op: op.name(),
                value: value.to_owned(),
                rules_excluding: *rules,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.rules_excluding
            .cmp(&a.rules_excluding)
            .then_with(|| (&a.field, a.op, &a.value).cmp(&(&b.field, b.op, &b.value)))
    });
    rows.truncate(options.max_exclusions);
    rows
}

fn rule_rows(index: &Index, rules: &[RuleId]) -> Vec<VendorRules> {
    let mut groups: Vec<VendorRules> = Vendor::ALL
        .iter()
        .map(|vendor| VendorRules {
            vendor: vendor.name(),
            rules: Vec::new(),
        })
        .collect();
    for rule in rules {
        let Some(info) = index.rule(*rule) else {
            continue;
        };
        let vendor = info.vendor.map_or("", Vendor::name);
        if let Some(group) = groups.iter_mut().find(|group| group.vendor == vendor) {
            group.rules.push(RuleRow {
                title: info.title.to_owned(),
                id: info.rule_id.to_owned(),
                path: info.path.to_owned(),
                language: info.language.map_or("", crate::format::language_name),
                deprecated: info.deprecated,
            });
        }
    }
    for group in &mut groups {
        group
            .rules
            .sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.path.cmp(&b.path)));
    }
    groups.retain(|group| !group.rules.is_empty());
    groups
}

/// Renders a report in `format`.
pub fn render(report: &TechniqueReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Markdown => render_markdown(report),
        ReportFormat::Json => {
            let mut json = serde_json::to_string_pretty(report).unwrap_or_default();
            json.push('\n');
            json
        }
        ReportFormat::Html => render_html(report),
    }
}

/// Display names of vendors in headings and tables.
fn vendor_label(vendor: &str) -> &str {
    match vendor {
        "sigma" => "Sigma",
        "elastic" => "Elastic",
        "splunk" => "Splunk",
        "sentinel" => "Sentinel",
        "panther" => "Panther",
        other => other,
    }
}

/// How a concept is shown: field-less matches get a readable name.
fn field_label(field: &str) -> &str {
    if field == KEYWORD_CONCEPT {
        "(keyword)"
    } else {
        field
    }
}

fn operators_text(operators: &[OperatorCount]) -> String {
    let parts: Vec<String> = operators
        .iter()
        .map(|count| format!("{} {}", count.op, count.rules))
        .collect();
    parts.join(", ")
}

fn deprecated_note(report: &TechniqueReport) -> &'static str {
    if report.include_deprecated {
        "Deprecated rules are included."
    } else {
        "Deprecated rules are left out."
    }
}

/// Escapes text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`");
    escaped.replace(['\n', '\r'], " ")
}

fn render_markdown(report: &TechniqueReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}: detection rules in the corpus\n",
        report.technique
    );
    if let Some(name) = &report.name {
        let _ = writeln!(out, "ATT&CK name: {}.\n", md_cell(name));
    }
    let _ = writeln!(
        out,
        "{} rules from `{}`. {}\n",
        report.total_rules,
        report.index,
        deprecated_note(report)
    );
    out.push_str("## Rules per vendor\n\n| vendor | rules |\n|---|---:|\n");
    for (vendor, count) in vendor_rows(report) {
        let _ = writeln!(out, "| {} | {count} |", vendor_label(vendor));
    }

    out.push_str("\n## Fields filtered most\n\n| field | rules | operators | sample values |\n");
    out.push_str("|---|---:|---|---|\n");
    for row in &report.fields {
        let samples: Vec<String> = row.sample_values.iter().map(|v| md_cell(v)).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md_cell(field_label(&row.field)),
            row.rules,
            operators_text(&row.operators),
            samples.join(", ")
        );
    }

    out.push_str("\n## Top indicator values\n\n");
    out.push_str(
        "| field | operator | value | rules here | corpus reach |\n|---|---|---|---:|---:|\n",
    );
    for row in &report.top_indicators {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md_cell(field_label(&row.field)),
            row.op,
            md_cell(&row.value),
            row.rules_here,
            row.corpus_reach
        );
    }

    out.push_str("\n## Exclusions\n\n| field | operator | value | rules excluding |\n");
    out.push_str("|---|---|---|---:|\n");
    for row in &report.exclusions {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md_cell(field_label(&row.field)),
            row.op,
            md_cell(&row.value),
            row.rules_excluding
        );
    }

    out.push_str("\n## Rules\n");
    for group in &report.rules {
        let _ = writeln!(
            out,
            "\n### {} ({})\n",
            vendor_label(group.vendor),
            group.rules.len()
        );
        for rule in &group.rules {
            let deprecated = if rule.deprecated { " (deprecated)" } else { "" };
            let _ = writeln!(
                out,
                "- {}{deprecated}: `{}`",
                md_cell(&rule.title),
                md_cell(&rule.path)
            );
        }
    }
    out
}

/// Vendors in a fixed order with their counts.
fn vendor_rows(report: &TechniqueReport) -> Vec<(&'static str, u32)> {
    Vendor::ALL
        .iter()
        .map(|vendor| {
            let count = report
                .rules_per_vendor
                .get(vendor.name())
                .copied()
                .unwrap_or(0);
            (vendor.name(), count)
        })
        .collect()
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A horizontal bar whose width is `value` relative to `max`.
fn bar(value: u32, max: u32) -> String {
    let percent = if max == 0 {
        0.0
    } else {
        f64::from(value) * 100.0 / f64::from(max)
    };
    format!("<div class=\"bar\"><span style=\"width:{percent:.1}%\"></span></div>")
}

const HTML_STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:72rem;\
color:#1d2330;padding:0 1rem}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccd;\
padding-bottom:.2rem}table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e4e6ec;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
code{font-size:.85rem;word-break:break-all}td:first-child code{white-space:nowrap;word-break:normal}.bar{background:#eef0f5;width:12rem;height:.8rem}\
.bar span{display:block;height:100%;background:#3d6fd6}.note{color:#5a6275}\
ul.rules{columns:2;font-size:.85rem}";

fn render_html(report: &TechniqueReport) -> String {
    let mut out = String::new();
    let title = format!("{}: detection rules in the corpus", report.technique);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{}</title><style>{HTML_STYLE}</style></head><body>\n<h1>{}</h1>\n",
        escape_html(&title),
        escape_html(&title)
    );
    if let Some(name) = &report.name {
        let _ = writeln!(out, "<p>ATT&amp;CK name: {}.</p>", escape_html(name));
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">{} rules from {}. {}</p>",
        report.total_rules,
        escape_html(&report.index),
        deprecated_note(report)
    );

    let vendors = vendor_rows(report);
    let max_vendor = vendors.iter().map(|(_, count)| *count).max().unwrap_or(0);
    out.push_str("<h2>Rules per vendor</h2>\n<table id=\"vendor-counts\"><tr><th>vendor</th><th>rules</th><th></th></tr>\n");
    for (vendor, count) in &vendors {
        let _ = writeln!(
            out,
            "<tr data-vendor=\"{vendor}\"><td>{}</td><td class=\"num\">{count}</td><td>{}</td></tr>",
            vendor_label(vendor),
            bar(*count, max_vendor)
        );
    }
    out.push_str("</table>\n");

    let max_field = report.fields.first().map_or(0, |row| row.rules);
    out.push_str("<h2>Fields filtered most</h2>\n<table><tr><th>field</th><th>rules</th><th></th><th>operators</th><th>sample values</th></tr>\n");
    for row in &report.fields {
        let samples: Vec<String> = row
            .sample_values
            .iter()
            .map(|value| format!("<code>{}</code>", escape_html(value)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(field_label(&row.field)),
            row.rules,
            bar(row.rules, max_field),
            escape_html(&operators_text(&row.operators)),
            samples.join(" ")
        );
    }
    push_empty_row(&mut out, report.fields.is_empty(), 5);
    out.push_str("</table>\n");

    let max_here = report
        .top_indicators
        .first()
        .map_or(0, |row| row.rules_here);
    out.push_str("<h2>Top indicator values</h2>\n<table><tr><th>field</th><th>operator</th><th>value</th><th>rules here</th><th></th><th>corpus reach</th></tr>\n");
    for row in &report.top_indicators {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            escape_html(field_label(&row.field)),
            row.op,
            escape_html(&row.value),
            row.rules_here,
            bar(row.rules_here, max_here),
            row.corpus_reach
        );
    }
    push_empty_row(&mut out, report.top_indicators.is_empty(), 6);
    out.push_str("</table>\n");

    let max_excluding = report
        .exclusions
        .first()
        .map_or(0, |row| row.rules_excluding);
    out.push_str("<h2>Exclusions</h2>\n<table><tr><th>field</th><th>operator</th><th>value</th><th>rules excluding</th><th></th></tr>\n");
    for row in &report.exclusions {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape_html(field_label(&row.field)),
            row.op,
            escape_html(&row.value),
            row.rules_excluding,
            bar(row.rules_excluding, max_excluding)
        );
    }
    push_empty_row(&mut out, report.exclusions.is_empty(), 5);
    out.push_str("</table>\n<h2>Rules</h2>\n");
    if report.rules.is_empty() {
        out.push_str("<p class=\"note\">No rule is tagged with this technique.</p>\n");
    }
    for group in &report.rules {
        let _ = writeln!(
            out,
            "<h3>{} ({})</h3>\n<ul class=\"rules\">",
            vendor_label(group.vendor),
            group.rules.len()
        );
        for rule in &group.rules {
            let deprecated = if rule.deprecated { " (deprecated)" } else { "" };
            let _ = writeln!(
                out,
                "<li title=\"{}\">{}{deprecated}</li>",
                escape_html(&rule.path),
                escape_html(&rule.title)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn push_empty_row(out: &mut String, empty: bool, columns: usize) {
    if empty {
        let _ = writeln!(
            out,
            "<tr><td class=\"note\" colspan=\"{columns}\">none</td></tr>"
        );
    }
}

/// Whether `text` is an ATT&CK technique id: `T` and four digits, optionally `.` and three
/// digits for a sub-technique. Case is ignored.
pub fn is_technique_id(text: &str) -> bool {
    let upper = text.trim().to_ascii_uppercase();
    let Some(digits) = upper.strip_prefix('T') else {
        return false;
    };
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let all_digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(main, 4) && sub.is_none_or(|sub| all_digits(sub, 3))
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
