//! Snapshots of lowered Panther files: ten corpus files covering each analysis type and logic
//! source, rendered with the compact listing of `elastic_panther_common::render`, plus the Panther-specific
//! keys.
//!
//! Update with `UPDATE_EXPECT=1 cargo test -p rulelens-syntax --test panther_snapshots`.

mod elastic_panther_common;

use elastic_panther_common::{render, vendor_corpus};
use expect_test::expect_file;
use rulelens_syntax::Tree;

const FILES: &[&str] = &[
    "rules/github_rules/github_repo_archived.yml",
    "rules/okta_rules/okta_account_support_access.yml",
    "rules/okta_rules/okta_ad_agent_auth_zscore_anomaly.yml",
    "rules/aws_cloudtrail_rules/aws_secretsmanager_retrieve_secrets_multiregion.yml",
    "policies/aws_s3_policies/aws_s3_bucket_encryption.yml",
    "correlation_rules/auth0_account_takeover.yml",
    "queries/aws_queries/anomalous_access_denied_query.yml",
    "queries/github_queries/shai_hulud_filenames_in_repo.yml",
    "queries/kubernetes_queries/kubernetes_pod_create_or_modify_host_path_vol_mount_query.yml",
    "queries/snowflake_queries/snowflake_temp_stage_created_signal.yml",
];

#[test]
fn panther_files_snapshot() {
    let root = vendor_corpus("panther").join("panther-labs+panther-analysis");
    let mut out = String::new();
    for name in FILES {
        let text = std::fs::read_to_string(root.join(name)).expect("corpus file");
        let parsed = rulelens_syntax::panther::parse(&text);
        out.push_str(&format!("== {name}\n"));
        out.push_str(&render(&text, &parsed));
        for document in &parsed.documents {
            if let Tree::Panther(tree) = &document.tree {
                let ids: Vec<&str> = tree
                    .correlation_rule_ids
                    .iter()
                    .map(|s| s.value.as_str())
                    .collect();
                let queries: Vec<&str> = tree
                    .scheduled_queries
                    .iter()
                    .map(|s| s.value.as_str())
                    .collect();
                out.push_str(&format!(
                    "type {:?} enabled {:?} python {:?}\n",
                    tree.analysis_type.as_ref().map(|s| &s.value),
                    tree.enabled.as_ref().map(|s| s.value),
                    tree.python_file.as_ref().map(|s| &s.value),
                ));
                out.push_str(&format!("correlates {}\n", ids.join(" ")));
                out.push_str(&format!("scheduled queries {}\n", queries.join(" ")));
                out.push_str(&format!(
                    "observed fields {}\n",
                    tree.observed_fields.join(" ")
                ));
            }
        }
        out.push('\n');
    }
    expect_file!["fixtures/panther/snapshots/corpus.txt"].assert_eq(&out);
}
