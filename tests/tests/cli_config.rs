//! Configuration, lint selection and SARIF output of `rulelens check`, on files the tests
//! write.

use rulelens_e2e::{run, scratch};
use std::fs;

fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn config_file_turns_lint_off() {
    let dir = scratch("config-off");
    fs::write(dir.join("notes.yml"), "hello: world\n").expect("write");
    let notes = dir.join("notes.yml");
    let before = run(&["check", path_str(&notes)]);
    assert!(
        before.stdout.contains("syntax/unknown-format"),
        "{}",
        before.stdout
    );

    fs::write(
        dir.join(".rulelens.toml"),
        "[lints]\n\"syntax/unknown-format\" = \"off\"\n",
    )
    .expect("write");
    let after = run(&["check", path_str(&notes)]);
    assert_eq!(after.code, Some(0));
    assert!(
        !after.stdout.contains("syntax/unknown-format"),
        "{}",
        after.stdout
    );
}

#[test]
fn hint_level_counts_in_text_summary() {
    let dir = scratch("config-hint");
    fs::write(dir.join("a.yml"), b"\0").expect("write");
    fs::write(
        dir.join("hints.toml"),
        "[lints]\n\"syntax/binary-file\" = \"hint\"\n",
    )
    .expect("write");
    let result = run(&[
        "check",
        "--config",
        path_str(&dir.join("hints.toml")),
        path_str(&dir),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("0 infos, 1 hint"),
        "{}",
        result.stdout
    );
}

#[test]
fn config_severity_override_changes_exit() {
    let dir = scratch("config-severity");
    fs::write(dir.join("a.yml"), b"\0").expect("write");
    fs::write(
        dir.join("lenient.toml"),
        "[lints]\n\"syntax/binary-file\" = \"warning\"\n",
    )
    .expect("write");
    let result = run(&[
        "check",
        "--config",
        path_str(&dir.join("lenient.toml")),
        path_str(&dir),
    ]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("warning[syntax/binary-file]"),
        "{}",
        result.stdout
    );
}

#[test]
fn invalid_config_exits_two_naming_key() {
    let dir = scratch("config-invalid");
    fs::write(dir.join("a.yml"), "hello: world\n").expect("write");
    fs::write(dir.join(".rulelens.toml"), "[thresholds]\nnoisy = 1\n").expect("write");
    let result = run(&["check", path_str(&dir)]);
    assert_eq!(result.code, Some(2));
    assert!(result.stderr.contains("noisy"), "{}", result.stderr);
    assert!(
        result.stderr.contains(".rulelens.toml"),
        "{}",
        result.stderr
    );
}

#[test]
fn exclude_glob_skips_walked_files() {
    let dir = scratch("config-exclude");
    fs::create_dir_all(dir.join("old")).expect("mkdir");
    fs::write(dir.join("old/a.yml"), b"\0").expect("write");
    fs::write(
        dir.join(".rulelens.toml"),
        "[files]\nexclude = [\"old/**\"]\n",
    )
    .expect("write");
    let result = run(&["check", path_str(&dir)]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("checked 0 files"),
        "{}",
        result.stdout
    );
}

#[test]
fn select_and_ignore_filter_lints() {
    let dir = scratch("select");
    fs::write(dir.join("a.yml"), b"\0").expect("write");
    let ignored = run(&["check", "--ignore", "syntax", path_str(&dir)]);
    assert_eq!(ignored.code, Some(0), "{}", ignored.stdout);

    let selected = run(&["check", "--select", "syntax/binary-file", path_str(&dir)]);
    assert_eq!(selected.code, Some(1), "{}", selected.stdout);

    let unknown = run(&["check", "--select", "nope/none", path_str(&dir)]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("nope/none"), "{}", unknown.stderr);
}

#[test]
fn sarif_output_has_rules_and_results() {
    let dir = scratch("sarif");
    fs::write(dir.join("a.yml"), b"title: x\n\0").expect("write");
    let result = run(&["check", "--format", "sarif", path_str(&dir)]);
    assert_eq!(result.code, Some(1));
    let log = result.json();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("sarif-2.1.0")));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "RuleLens");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], "syntax/binary-file");
    assert!(rules[0]["help"]["markdown"]
        .as_str()
        .is_some_and(|s| s.contains("## Fix")));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "syntax/binary-file");
    assert_eq!(results[0]["ruleIndex"], 0);
    assert_eq!(results[0]["level"], "error");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"]
        .as_str()
        .is_some_and(|uri| uri.ends_with("a.yml")));
    assert_eq!(location["region"]["startLine"], 2);
    assert_eq!(location["region"]["startColumn"], 1);
}

const SIGMA_RULE: &str = "title: Test rule\nid: 5b0b8a46-0000-4000-8000-00000000d0d0\n\
status: test\nlogsource:\n    category: process_creation\n    product: windows\n\
detection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection\n\
level: low\n";

/// Lints `paths` (relative to `dir`) with only `sigma/duplicate-id` and returns the paths
/// of the files it flags.
fn duplicate_id_files(dir: &std::path::Path, paths: &[&str]) -> Vec<String> {
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--select",
        "sigma/duplicate-id",
    ];
    let full: Vec<String> = paths
        .iter()
        .map(|path| path_str(&dir.join(path)).to_owned())
        .collect();
    args.extend(full.iter().map(String::as_str));
    let json = run(&args).json();
    json["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            let path = d["path"].as_str().expect("a path");
            path.strip_prefix(path_str(dir)).unwrap_or(path).to_owned()
        })
        .collect()
}

#[test]
fn duplicate_id_follows_each_files_configuration() {
    let dir = scratch("config-workspace");
    for folder in ["a", "b"] {
        fs::create_dir_all(dir.join(folder)).expect("create folder");
        fs::write(dir.join(folder).join("rule.yml"), SIGMA_RULE).expect("write");
    }
    fs::write(
        dir.join("a/.rulelens.toml"),
        "[lints]\n\"sigma/duplicate-id\" = \"off\"\n",
    )
    .expect("write");
    // `a` turned the lint off for itself; `b` gets the finding in either order.
    assert_eq!(duplicate_id_files(&dir, &["a", "b"]), ["/b/rule.yml"]);
    assert_eq!(duplicate_id_files(&dir, &["b", "a"]), ["/b/rule.yml"]);
}

#[test]
fn file_named_twice_is_checked_once() {
    let dir = scratch("config-overlap");
    fs::create_dir_all(dir.join("a/deep")).expect("create folder");
    fs::write(dir.join("a/deep/rule.yml"), SIGMA_RULE).expect("write");
    assert!(duplicate_id_files(&dir, &["a/deep/rule.yml", "a"]).is_empty());
    assert!(duplicate_id_files(&dir, &["a", "a/deep/rule.yml"]).is_empty());
    assert!(duplicate_id_files(&dir, &["a/deep/rule.yml", "a/deep/./rule.yml"]).is_empty());
    let result = run(&[
        "check",
        "--select",
        "sigma",
        path_str(&dir.join("a/deep/rule.yml")),
        path_str(&dir.join("a")),
    ]);
    assert!(
        result.stdout.contains("checked 1 file (1 rule)"),
        "{}",
        result.stdout
    );
}

#[test]
fn sarif_duplicate_id_has_related_location() {
    let dir = scratch("sarif-related");
    fs::write(dir.join("a.yml"), SIGMA_RULE).expect("write");
    fs::write(dir.join("b.yml"), SIGMA_RULE).expect("write");
    let result = run(&[
        "check",
        "--format",
        "sarif",
        "--select",
        "sigma/duplicate-id",
        path_str(&dir),
    ]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let log = result.json();
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1);
    let related = results[0]["relatedLocations"]
        .as_array()
        .expect("related locations");
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], 0);
    assert_eq!(related[0]["message"]["text"], "first use of the id");
    assert!(related[0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .is_some_and(|uri| uri.ends_with("a.yml")));
}
