//! Unit tests of technique reports on the hand-built sample index.

use super::*;
use crate::index::tests::{build, load, sample_rules};

fn sample_report(include_deprecated: bool) -> TechniqueReport {
    let index = load(build(&sample_rules()));
    let options = ReportOptions {
        include_deprecated,
        ..ReportOptions::default()
    };
    technique_report(&index, "t1133", &options)
}

#[test]
fn report_counts_rules_per_vendor() {
    let report = sample_report(false);
    assert_eq!(report.technique, "T1133");
    assert_eq!(report.total_rules, 2);
    assert_eq!(report.rules_per_vendor.get("sigma"), Some(&1));
    assert_eq!(report.rules_per_vendor.get("sentinel"), Some(&1));
    assert_eq!(report.rules_per_vendor.get("splunk"), Some(&0));
    let with_deprecated = sample_report(true);
    assert_eq!(with_deprecated.rules_per_vendor.get("sigma"), Some(&2));
}

#[test]
fn report_lists_fields_and_exclusions() {
    let report = sample_report(false);
    let first = report.fields.first();
    assert_eq!(first.map(|row| row.field.as_str()), Some("source.ip"));
    assert_eq!(first.map(|row| row.rules), Some(2));
    let exclusions: Vec<(&str, &str, u32)> = report
        .exclusions
        .iter()
        .map(|row| (row.field.as_str(), row.value.as_str(), row.rules_excluding))
        .collect();
    assert_eq!(
        exclusions,
        vec![
            ("source.ip", "10.0.0.0/8", 2),
            ("source.ip", "192.168.0.0/16", 2)
        ]
    );
}

#[test]
fn indicator_reach_exceeds_technique_count() {
    let report = sample_report(false);
    let port = report
        .top_indicators
        .iter()
        .find(|row| row.field == "destination.port");
    assert_eq!(
        port.map(|row| (row.rules_here, row.corpus_reach)),
        Some((1, 2))
    );
}

#[test]
fn json_has_vendor_counts() {
    let json = render(&sample_report(false), ReportFormat::Json);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(value["rules_per_vendor"]["sentinel"], 1);
    assert_eq!(value["name"], "External Remote Services");
    assert_eq!(value["rules"][0]["vendor"], "sigma");
}

#[test]
fn markdown_and_html_show_counts() {
    let report = sample_report(false);
    let markdown = render(&report, ReportFormat::Markdown);
    assert!(markdown.contains("| Sentinel | 1 |"), "{markdown}");
    assert!(
        markdown.contains("\n\nATT&CK name: External Remote Services.\n\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| source.ip | cidr_match | 10.0.0.0/8 | 2 |"),
        "{markdown}"
    );
    let html = render(&report, ReportFormat::Html);
    assert!(html.contains("<tr data-vendor=\"sentinel\"><td>Sentinel</td><td class=\"num\">1</td>"));
    assert!(
        html.contains("<p>ATT&amp;CK name: External Remote Services.</p>"),
        "{html}"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "page must not fetch"
    );
}

#[test]
fn html_escapes_rule_text() {
    let mut report = sample_report(false);
    if let Some(group) = report.rules.first_mut() {
        if let Some(rule) = group.rules.first_mut() {
            rule.title = "<script>alert(1)</script>".to_owned();
        }
    }
    let html = render(&report, ReportFormat::Html);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
}

#[test]
fn technique_id_shapes() {
    for good in ["T1133", "t1059.001", " T1003 "] {
        assert!(is_technique_id(good), "{good}");
    }
    for bad in ["T113", "T1133.1", "1133", "TA0001", "T1133.0011", ""] {
        assert!(!is_technique_id(bad), "{bad}");
    }
}
