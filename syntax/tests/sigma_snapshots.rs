//! Snapshots of the lowered logic of Sigma rules: corpus rules chosen to cover every
//! modifier and condition form found in the corpus, and small fixtures for the forms the
//! corpus lacks. Update with `UPDATE_EXPECT=1 cargo test -p rulelens-syntax --test sigma_snapshots`.

use expect_test::{expect, expect_file, Expect, ExpectFile};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Expr, Format, LineIndex, ParsedFile, Predicate};
use std::fmt::Write;

/// Renders each rule's metadata and logic, one predicate per line: negation, field, operator,
/// normalized value, value kind, case sensitivity and transforms, then the key as written.
fn render(text: &str, parsed: &ParsedFile) -> String {
    let mut out = String::new();
    let lines = LineIndex::new(text);
    for diagnostic in &parsed.diagnostics {
        let at = lines.line_col_chars(text, diagnostic.range.start());
        let covered = text.get(diagnostic.range.as_range()).unwrap_or("");
        let _ = writeln!(
            out,
            "diagnostic {}:{} {} [{covered}] {}",
            at.line + 1,
            at.col + 1,
            diagnostic.lint,
            diagnostic.message
        );
    }
    for document in &parsed.documents {
        let rule = &document.rule;
        let meta = &rule.metadata;
        let text_of = |value: &Option<rulelens_syntax::Spanned<String>>| {
            value.as_ref().map_or("-".to_owned(), |v| v.value.clone())
        };
        let _ = writeln!(
            out,
            "rule {:?} id={} status={} level={} deprecated={}",
            text_of(&meta.title),
            text_of(&meta.id),
            text_of(&meta.status),
            text_of(&meta.level),
            meta.deprecated
        );
        let techniques: Vec<&str> = meta.techniques.iter().map(|t| t.value.as_str()).collect();
        let _ = writeln!(out, "techniques [{}]", techniques.join(", "));
        let sources: Vec<String> = rule
            .data_sources
            .iter()
            .map(|s| format!("{:?}={}", s.kind, s.value))
            .collect();
        let _ = writeln!(out, "sources [{}]", sources.join(", "));
        match &rule.logic {
            Some(logic) => render_expr(text, logic, 0, false, &mut out),
            None => out.push_str("no logic\n"),
        }
    }
    out
}

fn render_expr(text: &str, expr: &Expr, depth: usize, negated: bool, out: &mut String) {
    let indent = "  ".repeat(depth);
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            let name = if matches!(expr, Expr::And(_)) {
                "and"
            } else {
                "or"
            };
            let _ = writeln!(out, "{indent}{name}");
            for item in items {
                render_expr(text, item, depth + 1, negated, out);
            }
        }
        Expr::Not(inner) => {
            let _ = writeln!(out, "{indent}not");
            render_expr(text, inner, depth + 1, !negated, out);
        }
        Expr::Predicate(predicate) => {
            let _ = writeln!(
                out,
                "{indent}{}",
                render_predicate(text, predicate, negated)
            );
        }
        Expr::Opaque(opaque) => {
            let covered = text.get(opaque.range.as_range()).unwrap_or("");
            let _ = writeln!(out, "{indent}opaque {} [{covered}]", opaque.reason);
        }
    }
}

fn render_predicate(text: &str, predicate: &Predicate, negated: bool) -> String {
    let field = predicate
        .field
        .as_ref()
        .map_or("<keyword>", |f| f.name.as_str());
    let value = predicate.value.as_ref().map_or("-".to_owned(), |v| {
        format!(
            "{:?} {}",
            v.normalized,
            format!("{:?}", v.kind).to_lowercase()
        )
    });
    let mut flags = Vec::new();
    if negated {
        flags.push("negated".to_owned());
    }
    if predicate.case_sensitive {
        flags.push("cased".to_owned());
    }
    if !predicate.transforms.is_empty() {
        flags.push(predicate.transforms.join("+"));
    }
    // The field range must cover the field as written.
    if let Some(f) = &predicate.field {
        assert_eq!(
            text.get(f.range.as_range()),
            Some(f.name.as_str()),
            "field range"
        );
    }
    format!(
        "{field} {} {value} [{}] <{}>",
        predicate.op.name(),
        flags.join(","),
        predicate.written_op
    )
}

fn check_corpus_rule(relative: &str, expected: ExpectFile) {
    let path = corpus_dir(env!("CARGO_MANIFEST_DIR"))
        .join("sigma/SigmaHQ+sigma")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let parsed = parse(Format::Sigma, &text);
    expected.assert_eq(&render(&text, &parsed));
}

fn check(text: &str, expected: Expect) {
    let parsed = parse(Format::Sigma, text);
    expected.assert_eq(&render(text, &parsed));
}

macro_rules! corpus_snapshot {
    ($name:ident, $path:literal) => {
        #[test]
        fn $name() {
            check_corpus_rule(
                $path,
                expect_file![concat!("snapshots/sigma/", stringify!($name), ".txt")],
            );
        }
    };
}

corpus_snapshot!(
    regex_ignorecase,
    "rules/windows/file/file_event/file_event_win_susp_registry_hive_file_creation.yml"
);
corpus_snapshot!(
    regex_plain,
    "rules/windows/process_creation/proc_creation_win_hktl_invoke_obfuscation_via_stdin.yml"
);
corpus_snapshot!(
    cidr_filter,
    "rules/windows/network_connection/net_connection_win_rdp_reverse_tunnel.yml"
);
corpus_snapshot!(
    base64offset_contains,
    "rules/windows/wmi_event/sysmon_wmi_susp_encoded_scripts.yml"
);
corpus_snapshot!(wide_base64offset_contains, "rules-emerging-threats/2025/Exploits/CVE-2025-53770/proc_creation_win_exploit_cve_2025_53770_indicators.yml");
corpus_snapshot!(
    windash,
    "rules/windows/process_creation/proc_creation_win_lolbin_unregmp2.yml"
);
corpus_snapshot!(
    fieldref,
    "rules/windows/file/file_delete/file_delete_win_delete_own_image.yml"
);
corpus_snapshot!(expand_placeholder, "rules-placeholder/windows/process_creation/proc_creation_win_userdomain_variable_enumeration.yml");
corpus_snapshot!(
    contains_all,
    "rules/windows/process_creation/proc_creation_win_lolbin_pubprn.yml"
);
corpus_snapshot!(
    one_of_pattern,
    "rules/windows/process_creation/proc_creation_win_susp_dumpstack_log_evasion.yml"
);
corpus_snapshot!(
    all_of_pattern,
    "rules/windows/builtin/system/service_control_manager/win_system_service_install_paexec.yml"
);
corpus_snapshot!(
    not_one_of_filter,
    "rules/windows/process_creation/proc_creation_win_renamed_msteams.yml"
);
corpus_snapshot!(
    null_value,
    "rules-emerging-threats/2021/Exploits/CVE-2021-22123/web_cve_2021_22123_fortinet_exploit.yml"
);
corpus_snapshot!(
    keyword_list,
    "rules/network/cisco/aaa/cisco_cli_disable_logging.yml"
);
corpus_snapshot!(escaped_star, "rules-emerging-threats/2023/TA/Peach-Sandstorm/proc_creation_win_apt_peach_sandstorm_indicators.yml");
corpus_snapshot!(
    escaped_question_mark,
    "rules-emerging-threats/2019/Malware/Chafer/proxy_malware_chafer_url_pattern.yml"
);
corpus_snapshot!(
    any_of_pattern,
    "rules/windows/file/file_event/file_event_win_new_files_in_uncommon_appdata_folder.yml"
);
corpus_snapshot!(
    or_of_selections,
    "rules-emerging-threats/2020/TA/SolarWinds-Supply-Chain/web_solarwinds_supernova_webshell.yml"
);
corpus_snapshot!(
    not_all_of,
    "rules/windows/process_creation/proc_creation_win_regedit_export_keys.yml"
);
corpus_snapshot!(
    startswith,
    "rules/windows/image_load/image_load_rundll32_remote_share_load.yml"
);
corpus_snapshot!(
    escaped_star_before_backslash,
    "rules/network/zeek/zeek_smb_converted_win_atsvc_task.yml"
);
corpus_snapshot!(
    inner_wildcard,
    "rules-emerging-threats/2019/Exploits/CVE-2019-14287/lnx_sudo_exploit_cve_2019_14287.yml"
);
corpus_snapshot!(
    keyword_wildcard,
    "rules/linux/builtin/clamav/lnx_clamav_relevant_message.yml"
);
corpus_snapshot!(
    number_values,
    "rules/windows/builtin/security/win_security_mal_wceaux_dll.yml"
);
corpus_snapshot!(
    parentheses_multiline_condition,
    "rules/macos/process_creation/proc_creation_macos_network_service_scanning.yml"
);
corpus_snapshot!(folded_condition_list_of_maps, "rules-emerging-threats/2025/Exploits/CVE-2025-55182/proc_creation_lnx_exploit_cve_2025_55182_susp_nodejs_server_child_process.yml");

#[test]
fn modifiers_absent_from_corpus() {
    check(
        r#"title: Every other modifier
logsource:
    product: windows
detection:
    selection:
        Field|exists: true
        Gone|exists: false
        Count|gt: 10
        Size|gte: 5
        Age|lt: 3
        Depth|lte: 2
        Name|cased: 'CaseMatters*'
        User|neq: SYSTEM
        Domain|neq:
            - CORP
            - LAB
        Pattern|re|m|s: '^a.b$'
        Pattern|re|ignorecase|multiline|dotall: 'x'
        Data|utf16le|base64: 'cmd'
        Data|utf16be|base64offset|contains: 'cmd'
        Data|utf16|base64: 'cmd'
        Data|base64: 'cmd'
        Timestamp|minute: 5
        Timestamp|hour: 1
        Timestamp|day: 2
        Timestamp|week: 3
        Timestamp|month: 4
        Timestamp|year: 2024
        Tags|all:
            - a
            - b
        Empty: ''
        Anything: '*'
    keywords_all:
        '|all':
            - 'first'
            - 'second'
    condition: selection and keywords_all
"#,
        expect![[r#"
            rule "Every other modifier" id=- status=- level=- deprecated=false
            techniques []
            sources [SigmaProduct=windows]
            and
              and
                Field is_not_null - [] <Field|exists>
                Gone is_null - [] <Gone|exists>
                Count gt "10" number [] <Count|gt>
                Size ge "5" number [] <Size|gte>
                Age lt "3" number [] <Age|lt>
                Depth le "2" number [] <Depth|lte>
                Name starts_with "CaseMatters" string [cased] <Name|cased>
                not
                  User eq "system" string [negated] <User|neq>
                not
                  or
                    Domain eq "corp" string [negated] <Domain|neq>
                    Domain eq "lab" string [negated] <Domain|neq>
                Pattern regex_match "^a.b$" regex [cased] <Pattern|re|m|s>
                Pattern regex_match "x" regex [] <Pattern|re|ignorecase|multiline|dotall>
                Data eq "cmd" string [utf16le+base64] <Data|utf16le|base64>
                Data contains "cmd" string [utf16be+base64offset] <Data|utf16be|base64offset|contains>
                Data eq "cmd" string [utf16+base64] <Data|utf16|base64>
                Data eq "cmd" string [base64] <Data|base64>
                Timestamp eq "5" number [minute] <Timestamp|minute>
                Timestamp eq "1" number [hour] <Timestamp|hour>
                Timestamp eq "2" number [day] <Timestamp|day>
                Timestamp eq "3" number [week] <Timestamp|week>
                Timestamp eq "4" number [month] <Timestamp|month>
                Timestamp eq "2024" number [year] <Timestamp|year>
                and
                  Tags eq "a" string [] <Tags|all>
                  Tags eq "b" string [] <Tags|all>
                Empty eq "" string [] <Empty>
                Anything wildcard "*" string [] <Anything>
              and
                <keyword> match "first" string [] <|all>
                <keyword> match "second" string [] <|all>
        "#]],
    );
}

#[test]
fn them_quantifiers_and_keyword_patterns() {
    check(
        r#"title: Quantifiers over them
logsource:
    category: test
detection:
    sel_a:
        A: '*x?y*'
    sel_b:
        - 'key*word'
        - 'plain'
    _internal:
        C: c
    condition: 1 of them and not all of them
"#,
        expect![[r#"
            rule "Quantifiers over them" id=- status=- level=- deprecated=false
            techniques []
            sources [SigmaCategory=test]
            and
              or
                A wildcard "*x?y*" string [] <A>
                or
                  <keyword> match "key*word" string [] <keyword>
                  <keyword> match "plain" string [] <keyword>
              not
                and
                  A wildcard "*x?y*" string [negated] <A>
                  or
                    <keyword> match "key*word" string [negated] <keyword>
                    <keyword> match "plain" string [negated] <keyword>
        "#]],
    );
}

#[test]
fn old_pipe_aggregation_and_condition_list() {
    check(
        r#"title: Old aggregation
logsource:
    product: windows
detection:
    selection:
        EventID: 4625
    other:
        EventID: 4771
    condition:
        - selection | count(TargetUserName) by IpAddress > 10
        - other
"#,
        expect![[r#"
            diagnostic 10:21 sigma/unsupported-aggregation [| count(TargetUserName) by IpAddress > 10] the aggregation `| count(TargetUserName) by IpAddress > 10` is Sigma 1.0 syntax that current tools reject; move it to a correlation rule
            rule "Old aggregation" id=- status=- level=- deprecated=false
            techniques []
            sources [SigmaProduct=windows]
            or
              and
                EventID eq "4625" number [] <EventID>
                opaque sigma 1.0 aggregation [| count(TargetUserName) by IpAddress > 10]
              EventID eq "4771" number [] <EventID>
        "#]],
    );
}

#[test]
fn global_action_collection() {
    check(
        r#"action: global
title: Shared title
id: 5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
tags:
    - attack.t1059.001
    - attack.execution
detection:
    condition: selection
level: high
---
logsource:
    product: windows
    service: sysmon
detection:
    selection:
        EventID: 1
---
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4688
"#,
        expect![[r#"
            rule "Shared title" id=5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 status=- level=high deprecated=false
            techniques [T1059.001]
            sources [SigmaProduct=windows, SigmaService=sysmon]
            EventID eq "1" number [] <EventID>
            rule "Shared title" id=5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0 status=- level=high deprecated=false
            techniques [T1059.001]
            sources [SigmaProduct=windows, SigmaService=security]
            EventID eq "4688" number [] <EventID>
        "#]],
    );
}

#[test]
fn correlation_and_filter_documents() {
    check(
        r#"title: Many failed logons
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 5m
    condition:
        gte: 10
---
title: Filter out admin hosts
logsource:
    product: windows
filter:
    rules:
        - 5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
    selection:
        ComputerName|startswith: 'ADMIN-'
    condition: not selection
"#,
        expect![[r#"
            rule "Many failed logons" id=0e95725d-7320-415d-80f7-004da920fc11 status=- level=- deprecated=false
            techniques []
            sources []
            opaque sigma correlation of other rules [correlation]
            rule "Filter out admin hosts" id=- status=- level=- deprecated=false
            techniques []
            sources [SigmaProduct=windows]
            not
              ComputerName starts_with "admin-" string [negated] <ComputerName|startswith>
        "#]],
    );
}

#[test]
fn deprecated_status_and_multibyte_text() {
    check(
        "title: Ünïcode rule\nstatus: deprecated\nlevel: HIGH\nlogsource:\n    product: windows\ndetection:\n    sélection:\n        'Fïeld|contains': 'Ärger'\n    condition: sélection\n",
        expect![[r#"
            rule "Ünïcode rule" id=- status=deprecated level=high deprecated=true
            techniques []
            sources [SigmaProduct=windows]
            Fïeld contains "ärger" string [] <Fïeld|contains>
        "#]],
    );
}
