//! `check`, `inspect` and `index build` on Panther rules whose logic lives in a Python file
//! beside the YAML (`tests/fixtures/panther_python`), and on Python files named directly.

use rulelens_e2e::{run, scratch};
use std::fs;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/panther_python")
        .join(name);
    assert!(path.is_file(), "fixture missing: {}", path.display());
    path.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn inspect_reads_rule_function() {
    let result = run(&["inspect", &fixture("okta_admin_grant.yml")]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert!(
        result.stdout.contains("format: panther-yaml (Python)"),
        "{}",
        result.stdout
    );
    // The `True` guard, the final `return` and the negated `False` guard.
    for expected in [
        "eventType (event.action) eq \"user.account.privilege.grant\"",
        "target.type eq \"ADMIN_ROLE\"",
        "displayMessage (message) starts_with \"Grant\"",
        "outcome.result (okta.outcome.result) eq \"SUCCESS\"",
    ] {
        assert!(
            result.stdout.contains(expected),
            "{expected}:\n{}",
            result.stdout
        );
    }
}

#[test]
fn inspect_python_goes_through_yaml() {
    let through_yaml = run(&["inspect", &fixture("okta_admin_grant.yml")]);
    let through_python = run(&["inspect", &fixture("okta_admin_grant.py")]);
    assert_eq!(through_python.code, Some(0), "{}", through_python.stderr);
    assert_eq!(through_python.stdout, through_yaml.stdout);
}

#[test]
fn inspect_lone_python_is_rejected() {
    let result = run(&["inspect", &fixture("lone_helper.py")]);
    assert_eq!(result.code, Some(2), "{}", result.stdout);
    assert!(
        result.stderr.contains("lone_helper.py"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("no YAML in this folder names it"),
        "{}",
        result.stderr
    );
}

#[test]
fn check_python_checks_its_yaml() {
    let result = run(&["check", &fixture("okta_admin_grant.py")]);
    assert_eq!(result.code, Some(0), "{}{}", result.stdout, result.stderr);
    assert!(result.stderr.contains("checking "), "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("okta_admin_grant.yml, the Panther rule"),
        "{}",
        result.stderr
    );
    assert!(
        result.stdout.contains("checked 1 file (1 rule)"),
        "{}",
        result.stdout
    );
}

#[test]
fn check_python_and_yaml_once() {
    let result = run(&[
        "check",
        &fixture("okta_admin_grant.yml"),
        &fixture("okta_admin_grant.py"),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("checked 1 file (1 rule)"),
        "{}",
        result.stdout
    );
}

#[test]
fn check_lone_python_warns() {
    let result = run(&["check", &fixture("lone_helper.py")]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("lone_helper.py:1:1: warning[syntax/unknown-format] a Python file"),
        "{}",
        result.stdout
    );
}

#[test]
fn check_folder_skips_python_files() {
    let folder = PathBuf::from(fixture("okta_admin_grant.yml"))
        .parent()
        .expect("fixture folder")
        .to_path_buf();
    let result = run(&["check", folder.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("checked 1 file (1 rule)"),
        "{}",
        result.stdout
    );
    assert!(
        !result.stdout.contains("lone_helper.py"),
        "{}",
        result.stdout
    );
}

#[test]
fn index_build_counts_python_indicators() {
    let dir = scratch("panther-python-index");
    let with_python = dir.join("with");
    let without_python = dir.join("without");
    fs::create_dir_all(&with_python).expect("create folder");
    fs::create_dir_all(&without_python).expect("create folder");
    for name in ["okta_admin_grant.yml", "okta_admin_grant.py"] {
        fs::copy(fixture(name), with_python.join(name)).expect("copy fixture");
    }
    fs::copy(
        fixture("okta_admin_grant.yml"),
        without_python.join("okta_admin_grant.yml"),
    )
    .expect("copy fixture");

    let indicators = |folder: &PathBuf| -> String {
        let out = folder.join("index.rlidx");
        let built = run(&[
            "index",
            "build",
            "--out",
            out.to_str().expect("utf-8 path"),
            folder.to_str().expect("utf-8 path"),
        ]);
        assert_eq!(built.code, Some(0), "{}", built.stderr);
        let info = run(&["index", "info", out.to_str().expect("utf-8 path")]);
        assert_eq!(info.code, Some(0), "{}", info.stderr);
        info.stdout
            .lines()
            .find(|line| line.trim_start().starts_with("indicators"))
            .unwrap_or_else(|| panic!("no indicators line:\n{}", info.stdout))
            .to_owned()
    };
    let with_line = indicators(&with_python);
    let without_line = indicators(&without_python);
    assert_ne!(with_line, without_line);
    assert!(without_line.contains(" 0"), "{without_line}");
}

#[test]
fn filename_outside_folder_not_read() {
    let dir = scratch("panther-python-outside");
    let rules = dir.join("rules");
    fs::create_dir_all(&rules).expect("create folder");
    fs::copy(
        fixture("okta_admin_grant.py"),
        dir.join("okta_admin_grant.py"),
    )
    .expect("copy fixture");
    let yaml = fs::read_to_string(fixture("okta_admin_grant.yml"))
        .expect("read fixture")
        .replace(
            "Filename: okta_admin_grant.py",
            "Filename: ../okta_admin_grant.py",
        );
    fs::write(rules.join("rule.yml"), yaml).expect("write");

    let result = run(&[
        "inspect",
        rules.join("rule.yml").to_str().expect("utf-8 path"),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stderr);
    assert!(
        result.stdout.contains("opaque: python rule body"),
        "{}",
        result.stdout
    );
    assert!(!result.stdout.contains("eventType"), "{}", result.stdout);
}

#[test]
fn undecodable_python_is_reported() {
    let dir = scratch("panther-python-utf16");
    fs::copy(fixture("okta_admin_grant.yml"), dir.join("rule.yml")).expect("copy fixture");
    fs::write(
        dir.join("okta_admin_grant.py"),
        b"def rule(event):\n    return \xff\xfe\n",
    )
    .expect("write");

    let result = run(&["check", dir.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains(
            "rule.yml:2:11: warning[syntax/unreadable-python-file] python file \
             okta_admin_grant.py is not valid UTF-8 (at byte 28)"
        ),
        "{}",
        result.stdout
    );
}
