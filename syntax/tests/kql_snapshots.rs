//! Snapshots of the lowered logic of real corpus queries, in the listing format of
//! `kql_support::render`. Each case names what it covers. Refresh the files under
//! `fixtures/kql/snapshots/` with `UPDATE_EXPECT=1 cargo test --test kql_snapshots` and review
//! the diff before committing it.

mod kql_support;

use expect_test::expect_file;
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse_path, source};

/// Snapshot name, path under `kusto/`, and what the query exercises.
const CASES: &[(&str, &str, &str)] = &[
    ("excessive_logon_failures", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/ExcessiveLogonFailures.yaml", "summarize threshold"),
    ("potential_kerberoast", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/PotentialKerberoast.yaml", "union of two tables, negations"),
    ("powershell_empire", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/powershell_empire.yaml", "has_any with a let list"),
    ("user_account_add_removed", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/UserAccountAdd-Removed.yaml", "lets, join of two lets"),
    ("nobelium_script_registry_write", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/NOBELIUM_SuspiciousScriptRegistryWrite.yaml", "union legs with filters"),
    ("fodhelper_uac_bypass", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/PotentialFodhelperUACBypass.yaml", "joins on process ids"),
    ("security_event_log_cleared", "cloudflare+Azure-Sentinel/Detections/SecurityEvent/NRT_SecurityEventLogCleared.yaml", "in list and negation"),
    ("failed_logon_unknown_user", "cloudflare+Azure-Sentinel/Detections/Syslog/FailedLogonAttempts_UnknownUser.yaml", "inner join followed"),
    ("squid_cryptomining_pools", "cloudflare+Azure-Sentinel/Detections/Syslog/squid_cryptomining_pools.yaml", "has_any of a long dynamic list"),
    ("squid_tor_proxies", "cloudflare+Azure-Sentinel/Detections/Syslog/squid_tor_proxies.yaml", "has_any, let lists"),
    ("creepy_snail_url_parameters", "cloudflare+Azure-Sentinel/Detections/CommonSecurityLog/CreepySnailURLParameters.yaml", "has_any with a let list"),
    ("possible_dga_contacts", "cloudflare+Azure-Sentinel/Detections/ASimWebSession/PossibleDGAContacts.yaml", "ASIM parser and join"),
    ("log4j_ip_ioc", "cloudflare+Azure-Sentinel/Detections/MultipleDataSources/Log4J_IPIOC_Dec112021.yaml", "union of many tables, not()"),
    ("apache_request_from_private_ip", "cloudflare+Azure-Sentinel/Solutions/ApacheHTTPServer/Analytic Rules/ApacheRequestFromPrivateIP.yaml", "ipv4_is_private"),
    ("imperva_admin_panel_uncommon_ip", "cloudflare+Azure-Sentinel/Solutions/ImpervaCloudWAF/Analytic Rules/ImpervaAdminPanelUncommonIp.yaml", "ipv4 function under not"),
    ("paloalto_cdl_inbound_risk_ports", "cloudflare+Azure-Sentinel/Solutions/PaloAltoCDL/Analytic Rules/PaloAltoCDLInboundRiskPorts.yaml", "ipv4 functions and port list"),
    ("ubiquiti_l2r_ftp", "cloudflare+Azure-Sentinel/Solutions/Ubiquiti UniFi/Analytic Rules/UbiquitiL2RFTP.yaml", "ipv4 functions on source and destination"),
    ("ubiquiti_internal_dns_server", "cloudflare+Azure-Sentinel/Solutions/Ubiquiti UniFi/Hunting Queries/UbiquitiInternalDnsServer.yaml", "ipv4 functions in a hunting query"),
    ("mfa_rejected_by_user", "cloudflare+Azure-Sentinel/Detections/SigninLogs/MFARejectedbyUser.yaml", "string comparisons on sign-ins"),
    ("adfs_password_spray", "cloudflare+Azure-Sentinel/Detections/SigninLogs/ADFSSignInLogsPasswordSpray.yaml", "thresholds after summarize"),
    ("apt_baby_shark", "microsoft+Microsoft-365-Defender-Hunting-Queries/Campaigns/APT Baby Shark.txt", "plain .txt query"),
    ("misp_ip_proofpoint", "Bert-JanP+Hunting-Queries-Detection-Rules/MISP/Sentinel/MISP-IP-ProofPoint.txt", "externaldata list: placeholder membership"),
];

#[test]
fn corpus_query_snapshots() {
    let kusto = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("kusto");
    assert!(CASES.len() >= 20);
    for (name, relative, covers) in CASES {
        let path = kusto.join(relative);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let text = source::decode(&bytes).unwrap_or_else(|error| panic!("{relative}: {error:?}"));
        let parsed = parse_path(&path, text).unwrap_or_else(|| panic!("{relative} is not KQL"));
        let listing = format!(
            "# {relative}\n# covers: {covers}\n{}",
            kql_support::render(text, &parsed)
        );
        expect_file![format!("fixtures/kql/snapshots/{name}.txt")].assert_eq(&listing);
    }
}
