//! Properties of every edit the analysis offers: exclusion fixes, the combined edit of several
//! fixes of one lint, and suppression comments. Each edit lies inside the text on character
//! boundaries, and the edits of one action do not overlap. Applying them keeps every byte
//! outside their ranges. An edit only adds text, so the bytes it replaces survive inside its new
//! text. The result parses with no more errors than before.
//!
//! The rules are generated from templates on which the corpus lints fire, with varied
//! indentation, line ends, comments and multi-byte text, and sampled from the corpus.

use proptest::prelude::*;
use rulelens_analysis::actions::{combine_fixes, suppression_edit};
use rulelens_analysis::config::Config;
use rulelens_analysis::{analyze_file, FileInput};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, parse_path, Diagnostic, Format, Severity, TextEdit};
use std::path::{Path, PathBuf};

const MISSING: &str = "corpus/missing-common-exclusion";
const PARTIAL: &str = "corpus/partial-private-range-exclusion";

fn error_count(format: Format, text: &str) -> usize {
    parse(format, text)
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

/// Tests whether `outer` contains every byte of `inner`, in order.
fn is_subsequence(inner: &str, outer: &str) -> bool {
    let mut outer = outer.bytes();
    inner
        .bytes()
        .all(|byte| outer.any(|candidate| candidate == byte))
}

/// Checks one action's edits on `text` and returns the text after them, or why they fail.
fn apply_checked(text: &str, edits: &[TextEdit]) -> Result<String, String> {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    let mut previous_end = 0;
    for edit in &sorted {
        let (start, end) = (edit.range.start(), edit.range.end());
        if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!(
                "edit {start}..{end} is outside the text or splits a character"
            ));
        }
        if start < previous_end {
            return Err(format!("edit {start}..{end} overlaps the one before"));
        }
        if !is_subsequence(&text[start..end], &edit.new_text) {
            return Err(format!(
                "edit {start}..{end} drops bytes: {:?} -> {:?}",
                &text[start..end],
                edit.new_text
            ));
        }
        previous_end = end;
    }

    // Apply back to front, so the earlier ranges stay valid.
    let mut fixed = text.to_owned();
    for edit in sorted.iter().rev() {
        fixed.replace_range(edit.range.as_range(), &edit.new_text);
    }

    // Walk front to back: every gap between edits must sit unchanged at its shifted place.
    let mut shift: isize = 0;
    let mut gap_start = 0;
    for edit in sorted.iter().chain(std::iter::once(&TextEdit {
        range: rulelens_syntax::TextRange::empty(text.len()),
        new_text: String::new(),
    })) {
        let gap = &text[gap_start..edit.range.start()];
        let moved = (gap_start as isize + shift) as usize;
        if fixed.get(moved..moved + gap.len()) != Some(gap) {
            return Err(format!("bytes {gap_start}..{} changed", edit.range.start()));
        }
        shift += edit.new_text.len() as isize - (edit.range.end() - edit.range.start()) as isize;
        gap_start = edit.range.end();
    }
    Ok(fixed)
}

/// Checks every action the analysis offers on `text`. Returns how many exclusion fixes it
/// checked.
fn check_every_action(format: Format, text: &str, label: &str) -> Result<usize, String> {
    let parsed = parse(format, text);
    let errors_before = error_count(format, text);
    let input = FileInput {
        path: label,
        text,
        parsed: &parsed,
    };
    let findings: Vec<Diagnostic> = analyze_file(&input, &Config::default());
    let mut exclusion_fixes = 0;
    let mut actions: Vec<(String, Vec<TextEdit>, bool)> = Vec::new();
    for finding in &findings {
        for fix in &finding.fixes {
            actions.push((
                format!("{}: {}", finding.lint, fix.title),
                fix.edits.clone(),
                true,
            ));
        }
        let suppression = suppression_edit(Some(format), text, finding.range, finding.lint);
        actions.push((
            format!("suppress {}", finding.lint),
            vec![suppression],
            false,
        ));
    }
    for lint in [MISSING, PARTIAL] {
        let firsts: Vec<_> = findings
            .iter()
            .filter(|finding| finding.lint == lint)
            .filter_map(|finding| finding.fixes.first())
            .collect();
        if firsts.len() >= 2 {
            if let Some(edits) = combine_fixes(firsts.iter().copied()) {
                actions.push((format!("fix every {lint}"), edits, true));
            }
        }
    }

    for (title, edits, is_fix) in actions {
        let fixed =
            apply_checked(text, &edits).map_err(|why| format!("{label}: {title}: {why}"))?;
        let errors_after = error_count(format, &fixed);
        if errors_after > errors_before {
            return Err(format!(
                "{label}: {title}: {errors_after} parse errors after, {errors_before} before\n{fixed}"
            ));
        }
        if is_fix {
            exclusion_fixes += 1;
        }
    }
    Ok(exclusion_fixes)
}

/// The checker itself rejects each kind of bad edit, so the properties can fail.
#[test]
fn checker_rejects_bad_edits() {
    let edit = |start: usize, end: usize, new_text: &str| TextEdit {
        range: rulelens_syntax::TextRange::new(start, end),
        new_text: new_text.to_owned(),
    };
    let text = "ab漢cd";
    assert_eq!(
        apply_checked(text, &[edit(0, 0, "x"), edit(5, 5, "y")]).as_deref(),
        Ok("xab漢ycd")
    );
    assert!(
        apply_checked(text, &[edit(0, 2, "a")]).is_err(),
        "drops a byte"
    );
    assert!(
        apply_checked(text, &[edit(0, 2, "ab"), edit(1, 3, "b漢")]).is_err(),
        "overlap"
    );
    assert!(
        apply_checked(text, &[edit(3, 3, "x")]).is_err(),
        "splits a character"
    );
    assert!(
        apply_checked(text, &[edit(7, 9, "")]).is_err(),
        "past the end"
    );
}

/// Joins lines with `newline`, putting `comments` (line index, text) before the given lines.
fn assemble(lines: &[String], newline: &str, comments: &[(usize, String)]) -> String {
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        for (at, comment) in comments {
            if at % (lines.len() + 1) == index {
                out.push_str(comment);
                out.push_str(newline);
            }
        }
        out.push_str(line);
        out.push_str(newline);
    }
    out
}

/// Generates a Sigma logon rule on which `corpus/missing-common-exclusion` fires, in varied
/// layouts.
fn sigma_logon_rule() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("  "), Just("    ")],
        prop_oneof![Just("\n"), Just("\r\n")],
        "[a-zA-Z 漢字😀é]{1,20}",
        any::<bool>(),
        prop_oneof![
            Just("selection"),
            Just("selection and extra"),
            Just("extra or selection"),
            Just("all of selection*"),
        ],
        proptest::collection::vec((0usize..40, "# [a-z 漢😀]{0,12}"), 0..4),
    )
        .prop_map(|(indent, newline, title, tags, condition, comments)| {
            let one_level = indent;
            let two_levels = indent.repeat(2);
            let mut lines = vec![
                format!("title: {title}"),
                "id: 0e5a4c39-7c1b-4a55-9b4e-2f0a8d6d3333".to_owned(),
                "status: test".to_owned(),
            ];
            if tags {
                lines.extend([
                    "tags:".to_owned(),
                    format!("{one_level}- attack.initial-access"),
                    format!("{one_level}- attack.t1133"),
                ]);
            }
            lines.extend([
                "logsource:".to_owned(),
                format!("{one_level}product: windows"),
                format!("{one_level}service: security"),
                "detection:".to_owned(),
                format!("{one_level}selection:"),
                format!("{two_levels}EventID: 4624"),
                format!("{two_levels}LogonType: 10"),
                format!("{two_levels}IpAddress|exists: true"),
                format!("{one_level}extra:"),
                format!("{two_levels}TargetUserName|endswith: '$'"),
                format!("{one_level}condition: {condition}"),
                "level: medium".to_owned(),
            ]);
            assemble(&lines, newline, &comments)
        })
}

/// Generates a Sigma firewall rule with a partial private-range exclusion.
fn sigma_partial_rule() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("  "), Just("    ")],
        prop_oneof![Just("\n"), Just("\r\n")],
        prop_oneof![
            Just("'10.0.0.0/8'"),
            Just("'192.168.0.0/16'"),
            Just("'172.16.0.0/12'")
        ],
        proptest::collection::vec((0usize..30, "# [a-z 漢😀]{0,12}"), 0..4),
    )
        .prop_map(|(indent, newline, range, comments)| {
            let one_level = indent;
            let two_levels = indent.repeat(2);
            let lines = vec![
                "title: Partial 漢字".to_owned(),
                "id: 0e5a4c39-7c1b-4a55-9b4e-2f0a8d6d4444".to_owned(),
                "status: test".to_owned(),
                "logsource:".to_owned(),
                format!("{one_level}category: firewall"),
                "detection:".to_owned(),
                format!("{one_level}selection:"),
                format!("{two_levels}dst_port: 3389"),
                format!("{one_level}filter_internal:"),
                format!("{two_levels}src_ip|cidr: {range}"),
                format!("{one_level}condition: selection and not filter_internal"),
            ];
            assemble(&lines, newline, &comments)
        })
}

/// Generates a KQL query with a partial private-range exclusion, with or without an
/// aggregation.
fn kql_partial_query() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("\n"), Just("\r\n")],
        prop_oneof![Just("SigninLogs"), Just("AADSignInEventsBeta")],
        any::<bool>(),
        proptest::collection::vec((0usize..8, "// [a-z 漢😀]{0,12}"), 0..3),
    )
        .prop_map(|(newline, table, summarize, comments)| {
            let mut lines = vec![
                table.to_owned(),
                "| where ResultType == 0".to_owned(),
                "| where isnotempty(IPAddress)".to_owned(),
                "| where not(ipv4_is_in_range(IPAddress, \"10.0.0.0/8\"))".to_owned(),
            ];
            if summarize {
                lines.push("| summarize count() by IPAddress, UserPrincipalName".to_owned());
            }
            assemble(&lines, newline, &comments)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sigma_logon_fixes_keep_text(text in sigma_logon_rule()) {
        let checked = check_every_action(Format::Sigma, &text, "generated logon rule");
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }

    #[test]
    fn sigma_partial_fixes_keep_text(text in sigma_partial_rule()) {
        let checked = check_every_action(Format::Sigma, &text, "generated firewall rule");
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }

    #[test]
    fn kql_partial_fixes_keep_text(text in kql_partial_query()) {
        let checked = check_every_action(Format::Kql, &text, "generated query");
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }
}

/// The templates really produce fixes, so the properties above check fix edits and not only
/// suppression comments.
#[test]
fn templates_offer_exclusion_fixes() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let samples = [
        (Format::Sigma, sigma_logon_rule().boxed()),
        (Format::Sigma, sigma_partial_rule().boxed()),
        (Format::Kql, kql_partial_query().boxed()),
    ];
    for (format, strategy) in samples {
        let text = strategy
            .new_tree(&mut runner)
            .expect("generate a rule")
            .current();
        let fixes = check_every_action(format, &text, "template").expect("actions check");
        assert!(fixes > 0, "no exclusion fix offered on\n{text}");
    }
}

fn rule_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rule_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every 10th corpus file: the same checks on real rules in every language.
#[test]
fn sampled_corpus_actions_keep_text() {
    let root = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.is_dir(),
        "rule corpus not found at {}: set RULELENS_CORPUS to the corpus folder",
        root.display()
    );
    let mut files = Vec::new();
    rule_files(&root, &mut files);
    files.sort();
    let mut checked_files = 0;
    let mut exclusion_fixes = 0;
    let mut failures = Vec::new();
    for path in files.iter().step_by(10) {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Some(format) = parse_path(path, &text).and_then(|parsed| parsed.format) else {
            continue;
        };
        checked_files += 1;
        match check_every_action(format, &text, &path.display().to_string()) {
            Ok(count) => exclusion_fixes += count,
            Err(failure) => failures.push(failure),
        }
    }
    assert!(
        checked_files > 500,
        "only {checked_files} corpus rules checked"
    );
    assert!(
        exclusion_fixes > 0,
        "no exclusion fix offered on the sample"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
