//! Snapshot tests of lowered SPL: corpus detections and small fixtures, each rendered as the
//! compact listing of `spl_support::render` and compared with a file under
//! `fixtures/spl/snapshots/`. Run with `UPDATE_EXPECT=1` to rewrite the files after a
//! deliberate change, and review the diff.

mod spl_support;

use expect_test::expect_file;
use rulelens_syntax::spl::{self, MacroTable};
use spl_support::{corpus_macros, render, security_content};

/// Detections chosen for what they exercise; the comment names it.
const DETECTIONS: &[&str] = &[
    // tstats on Endpoint.Processes with `NOT (x IN (...))`.
    "endpoint/detect_regasm_spawning_a_process.yml",
    // A `process_*` macro inside tstats where, wildcards at both ends.
    "endpoint/windows_diskshadow_proxy_execution.yml",
    // Escaped backslashes inside quoted values.
    "endpoint/windows_cached_domain_credentials_reg_query.yml",
    // `where match()` after tstats and `drop_dm_object_name`.
    "endpoint/regsvr32_silent_and_install_param_dll_loading.yml",
    // Network_Traffic root dataset, `cidrmatch()` inside `eval case()`.
    "network/detect_outbound_smb_traffic.yml",
    // CIDR search terms under `!=`, a `>` comparison in tstats where.
    "network/detect_large_outbound_icmp_packets.yml",
    // Web data model, `like()`/`match()` in eval, a threshold after transforming.
    "web/windows_exchange_autodiscover_ssrf_abuse.yml",
    // `where LIKE(field, pattern)` on a group-by field after stats.
    "endpoint/crowdstrike_medium_severity_alert.yml",
    // IN list with an odd `""*textbin*""` value.
    "endpoint/windows_abused_web_services.yml",
    // eval, `search` on a computed field, `where ... like`.
    "cloud/o365_block_user_consent_for_risky_apps_disabled.yml",
    // IN lists of quoted numbers and globs, `where count >=` threshold.
    "endpoint/windows_data_destruction_recursive_exec_files_deletion.yml",
    // A subsearch in the base search.
    "deprecated/aws_cloud_provisioning_from_previously_unseen_ip_address.yml",
    // `from datamodel Web.Web` and the `regex` command.
    "web/log4shell_jndi_payload_injection_attempt.yml",
    // An inner join whose subsearch contains the registry filter.
    "endpoint/malicious_inprocserver32_modification.yml",
    // lookup outputs, then `search` on a computed field.
    "endpoint/3cx_supply_chain_attack_network_indicators.yml",
    // Quoted field names and escaped quotes in a value.
    "cloud/azure_ad_application_administrator_role_assigned.yml",
    // Data-source macros inside an OR of groups.
    "endpoint/windows_event_log_cleared.yml",
    // `sourcetype` from a macro, IN list with one value.
    "endpoint/linux_auditd_sysmon_service_stop.yml",
    // `where NOT x IN (field)` after rex extractions.
    "application/windows_ad_dangerous_deny_acl_modification.yml",
    // xmlkv, lookup, and a threshold on a lookup output.
    "endpoint/randomly_generated_scheduled_task_name.yml",
    // `eventType` (an Okta field) next to the `okta` macro's `eventtype`.
    "application/okta_threatinsight_threat_detected.yml",
    // A macro with an argument (`base64decode(base64)`), regex commands, NOT IN.
    "endpoint/windows_alternate_datastream___base64_content.yml",
];

fn snapshot_name(relative: &str) -> String {
    relative.trim_end_matches(".yml").replace('/', "__")
}

#[test]
fn corpus_detections_match_snapshots() {
    let macros = corpus_macros();
    let root = security_content().join("detections");
    for relative in DETECTIONS {
        let path = root.join(relative);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let parsed = spl::parse_yaml_with_macros(&text, &macros);
        let snapshot = format!("fixtures/spl/snapshots/{}.txt", snapshot_name(relative));
        expect_file![snapshot].assert_eq(&render(&text, &parsed));
    }
}

/// Loads the fixture macros from `fixtures/spl/macros.conf`.
fn fixture_macros() -> MacroTable {
    let text = include_str!("fixtures/spl/macros.conf");
    let mut macros = MacroTable::new();
    macros.add_conf_text(text);
    macros
}

#[test]
fn fixture_searches_match_snapshots() {
    let macros = fixture_macros();
    let fixtures = [
        (
            "where_cidrmatch",
            include_str!("fixtures/spl/where_cidrmatch.spl"),
        ),
        (
            "macro_arguments",
            include_str!("fixtures/spl/macro_arguments.spl"),
        ),
        (
            "subsearch_exclusion",
            include_str!("fixtures/spl/subsearch_exclusion.spl"),
        ),
        (
            "search_precedence",
            include_str!("fixtures/spl/search_precedence.spl"),
        ),
        (
            "eval_functions",
            include_str!("fixtures/spl/eval_functions.spl"),
        ),
    ];
    for (name, text) in fixtures {
        let parsed = spl::parse_with_macros(text, &macros);
        let snapshot = format!("fixtures/spl/snapshots/{name}.txt");
        expect_file![snapshot].assert_eq(&render(text, &parsed));
    }
}

#[test]
fn macros_stay_opaque_without_table() {
    let text = include_str!("fixtures/spl/macro_arguments.spl");
    let parsed = spl::parse(text);
    expect_file!["fixtures/spl/snapshots/macro_arguments_unexpanded.txt"]
        .assert_eq(&render(text, &parsed));
}
