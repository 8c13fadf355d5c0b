//! `rulelens report T1133` on the default index built from the real corpus.
//!
//! The expected per-vendor counts are the rules tagged with T1133 in their own ATT&CK fields,
//! as counted when the corpus was collected: Sigma 20, Elastic 22 active, Splunk 34, Sentinel
//! 171 (95 analytic and 76 hunting), Panther 4.

use rulelens_corpus::default_index;
use rulelens_corpus::report::{render, technique_report, ReportFormat, ReportOptions};
use serde_json::Value;

/// Renders the JSON report as `rulelens report T1133 --format json` prints it.
fn t1133_json() -> Value {
    let index = match default_index() {
        Ok(index) => index,
        Err(error) => panic!("default index does not load: {error}"),
    };
    let report = technique_report(index, "T1133", &ReportOptions::complete(false));
    let json = render(&report, ReportFormat::Json);
    match serde_json::from_str(&json) {
        Ok(value) => value,
        Err(error) => panic!("report JSON does not parse: {error}\n{json}"),
    }
}

fn vendor_count(report: &Value, vendor: &str) -> u64 {
    report["rules_per_vendor"][vendor]
        .as_u64()
        .unwrap_or(u64::MAX)
}

#[test]
fn t1133_sigma_count() {
    assert_eq!(vendor_count(&t1133_json(), "sigma"), 20);
}

#[test]
fn t1133_elastic_count() {
    assert_eq!(vendor_count(&t1133_json(), "elastic"), 22);
}

#[test]
fn t1133_splunk_count() {
    assert_eq!(vendor_count(&t1133_json(), "splunk"), 34);
}

#[test]
fn t1133_sentinel_count() {
    assert_eq!(vendor_count(&t1133_json(), "sentinel"), 171);
}

#[test]
fn t1133_panther_count() {
    assert_eq!(vendor_count(&t1133_json(), "panther"), 4);
}

/// Lists the values excluded on the source-address concept.
fn source_ip_exclusions(report: &Value) -> Vec<String> {
    let rows = report["exclusions"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .filter(|row| row["field"] == "source.ip")
        .filter_map(|row| row["value"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn t1133_excludes_private_ranges() {
    let excluded = source_ip_exclusions(&t1133_json());
    for range in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] {
        assert!(
            excluded.iter().any(|value| value == range),
            "{range}: {excluded:?}"
        );
    }
}

#[test]
fn t1133_request_method_reach_exceeds_count() {
    let report = t1133_json();
    let rows = report["top_indicators"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Sigma `cs-method: POST`, CIM `http_method=POST` and KQL `csMethod == "POST"` all lower
    // to an equality on the request-method concept. The common methods are checked well
    // beyond this technique; a rare one such as TRACE can be unique to it.
    for method in ["get", "post", "put"] {
        let row = rows.iter().find(|row| {
            row["field"] == "http.request.method" && row["op"] == "eq" && row["value"] == method
        });
        let Some(row) = row else {
            panic!("no `http.request.method eq {method}` indicator under T1133");
        };
        let here = row["rules_here"].as_u64().unwrap_or(0);
        let reach = row["corpus_reach"].as_u64().unwrap_or(0);
        assert!(here > 0, "{row}");
        assert!(reach > here, "{row}");
    }
}
