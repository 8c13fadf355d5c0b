//! `rulelens inspect` on corpus rules of every language, compared with a snapshot. The rules
//! cover the Sigma modifiers and condition forms, KQL lets and `ipv4_*` functions, SPL
//! `tstats` and `cidrmatch`, the Elastic query languages and Panther detections.
//!
//! After an intended change, regenerate with
//! `UPDATE_EXPECT=1 cargo test -p rulelens-e2e --test cli_inspect`.

use rulelens_e2e::{corpus, run};

const RULES: &[&str] = &[
    "sigma/SigmaHQ+sigma/rules-threat-hunting/windows/powershell/powershell_script/posh_ps_registry_reconnaissance.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2023/Exploits/CVE-2023-23397/win_smbclient_connectivity_exploit_cve_2023_23397_outlook_remote_file.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2025/Exploits/CVE-2025-53770/proc_creation_win_exploit_cve_2025_53770_indicators.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2022/Malware/Raspberry-Robin/proc_creation_win_malware_raspberry_robin_external_drive_exec.yml",
    "sigma/SigmaHQ+sigma/rules-threat-hunting/windows/process_creation/proc_creation_win_susp_parent_execute_itself.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2026/Exploits/CVE-2026-54121/win_security_adcs_certighost_cdc_chase_request.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2017/Malware/Adwind-RAT/proc_creation_win_malware_adwind.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2017/TA/Lazarus/proc_creation_win_apt_lazarus_binary_masquerading.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2014/TA/Turla/proc_creation_win_apt_turla_comrat_may20.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2021/Exploits/CVE-2021-22123/web_cve_2021_22123_fortinet_exploit.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2018/Exploits/CVE-2018-15473/lnx_sshd_exploit_cve_2018_15473.yml",
    "sigma/SigmaHQ+sigma/rules-emerging-threats/2018/TA/APT28/proc_creation_win_apt_sofacy.yml",
    "kusto/cloudflare+Azure-Sentinel/Solutions/ApacheHTTPServer/Analytic Rules/ApacheRequestFromPrivateIP.yaml",
    "kusto/cloudflare+Azure-Sentinel/Detections/SigninLogs/ADFSSignInLogsPasswordSpray.yaml",
    "kusto/Bert-JanP+Hunting-Queries-Detection-Rules/MISP/Sentinel/MISP-MD5-AbuseCH-MalwareMD5.txt",
    "splunk/splunk+security_content/detections/network/detect_outbound_smb_traffic.yml",
    "splunk/splunk+security_content/detections/web/proxyshell_proxynotshell_behavior_detected.yml",
    "splunk/splunk+security_content/detections/endpoint/7zip_commandline_to_smb_share_path.yml",
    "elastic/elastic+detection-rules/rules/windows/defense_evasion_timestomp_sysmon.toml",
    "elastic/elastic+detection-rules/rules/windows/collection_email_powershell_exchange_mailbox.toml",
    "elastic/elastic+detection-rules/rules/_deprecated/persistence_web_server_sus_child_spawned.toml",
    "elastic/elastic+detection-rules/rules/_deprecated/persistence_redshift_instance_creation.toml",
    "panther/panther-labs+panther-analysis/rules/github_rules/github_repo_archived.yml",
    "panther/panther-labs+panther-analysis/correlation_rules/aws_privilege_escalation_via_user_compromise.yml",
];

#[test]
fn inspect_corpus_rules_snapshot() {
    let root = corpus();
    let mut combined = String::new();
    for rule in RULES {
        let path = root.join(rule);
        let result = run(&["inspect", path.to_str().expect("utf-8 path")]);
        assert_eq!(result.code, Some(0), "{rule}: {}", result.stderr);
        combined.push_str(&format!("=== {rule}\n"));
        // Diagnostics name the absolute path, which differs between machines.
        let root_prefix = format!("{}/", root.display());
        combined.push_str(&result.stdout.replace(&root_prefix, ""));
    }
    expect_test::expect_file!["snapshots/inspect_corpus.txt"].assert_eq(&combined);
}

#[test]
fn inspect_json_lists_predicates() {
    let path = corpus().join(RULES[0]);
    let result = run(&[
        "inspect",
        "--format",
        "json",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    let json = result.json();
    let rules = json.as_array().expect("an array of rules");
    assert_eq!(rules.len(), 1);
    let predicates = rules[0]["predicates"].as_array().expect("predicates");
    assert!(!predicates.is_empty());
    assert!(
        predicates.iter().any(|p| p["op"] == "regex_match"),
        "{predicates:?}"
    );
}
