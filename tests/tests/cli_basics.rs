//! The `check`, `inspect` and `explain` commands on small files the tests write: exit codes,
//! output formats, and files that are not readable rule text. Also `report` on the embedded
//! index.

use rulelens_e2e::{run, scratch};
use std::fs;

const SIGMA_RULE: &str = "title: Test rule\nid: 5b0b8a46-0000-4000-8000-000000000001\n\
status: test\nlogsource:\n    category: process_creation\n    product: windows\n\
detection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n    condition: selection\n\
level: low\n";

#[test]
fn missing_path_exits_two() {
    let result = run(&["check", "/nonexistent/rulelens-e2e/rules"]);
    assert_eq!(result.code, Some(2));
    assert!(
        result.stderr.contains("/nonexistent/rulelens-e2e/rules"),
        "{}",
        result.stderr
    );
}

#[test]
fn bad_arguments_exit_two() {
    let result = run(&["check", "--format", "xml", "."]);
    assert_eq!(result.code, Some(2));
    assert!(result.stderr.contains("xml"), "{}", result.stderr);
}

#[test]
fn binary_file_is_reported_and_others_checked() {
    let dir = scratch("binary");
    fs::write(dir.join("a.yml"), b"title: x\ndetection:\0\x01\x02").expect("write");
    fs::write(dir.join("b.yml"), SIGMA_RULE).expect("write");
    let result = run(&["check", dir.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let expected = format!(
        "{}:2:11: error[syntax/binary-file]",
        dir.join("a.yml").display()
    );
    assert!(result.stdout.contains(&expected), "{}", result.stdout);
    assert!(
        result.stdout.contains("checked 2 files"),
        "{}",
        result.stdout
    );
}

#[test]
fn invalid_utf8_names_position() {
    let dir = scratch("utf8");
    let mut bytes = SIGMA_RULE.as_bytes().to_vec();
    bytes.splice(7..7, [0xff, 0xfe]);
    fs::write(dir.join("rule.yml"), bytes).expect("write");
    let result = run(&["check", dir.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(1));
    assert!(
        result
            .stdout
            .contains("rule.yml:1:8: error[syntax/invalid-utf8] invalid UTF-8 at byte 7"),
        "{}",
        result.stdout
    );
}

#[cfg(unix)]
#[test]
fn dangling_link_and_link_loop_are_reported() {
    let dir = scratch("links");
    fs::write(dir.join("ok.yml"), SIGMA_RULE).expect("write");
    std::os::unix::fs::symlink(dir.join("gone.yml"), dir.join("dangling.yml")).expect("link");
    fs::create_dir(dir.join("sub")).expect("mkdir");
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).expect("link");
    let result = run(&["check", dir.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("dangling.yml:1:1: error[syntax/unreadable-file]"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("symbolic link loop"),
        "{}",
        result.stdout
    );
}

#[test]
fn json_output_has_diagnostics_and_summary() {
    let dir = scratch("json");
    fs::write(dir.join("a.yml"), b"\0").expect("write");
    fs::write(dir.join("b.yml"), SIGMA_RULE).expect("write");
    let result = run(&[
        "check",
        "--format",
        "json",
        "--select",
        "syntax,sigma",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(result.code, Some(1));
    let json = result.json();
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["lint"], "syntax/binary-file");
    assert_eq!(diagnostics[0]["severity"], "error");
    assert_eq!(diagnostics[0]["start"]["line"], 1);
    assert_eq!(diagnostics[0]["start"]["column"], 1);
    assert_eq!(json["summary"]["files"], 2);
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["languages"]["sigma"]["files"], 1);
}

#[test]
fn unclosed_bracket_notes_where_it_opens() {
    let dir = scratch("unclosed");
    let rule = SIGMA_RULE.replace("condition: selection", "condition: (selection");
    fs::write(dir.join("open.yml"), rule).expect("write");
    let result = run(&[
        "check",
        "--select",
        "sigma",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("error[sigma/condition-syntax] expected `)`"),
        "{}",
        result.stdout
    );
    // The condition value starts at column 16 of line 10, where its `(` is.
    assert!(
        result.stdout.contains("open.yml:10:16: the `(` opens here"),
        "{}",
        result.stdout
    );

    let json = run(&[
        "check",
        "--format",
        "json",
        "--select",
        "sigma",
        dir.to_str().expect("utf-8 path"),
    ])
    .json();
    let related = &json["diagnostics"][0]["related"][0];
    assert_eq!(related["start"]["line"], 10);
    assert_eq!(related["start"]["column"], 16);
}

#[test]
fn sigma_rule_without_logsource_is_checked() {
    let dir = scratch("no-logsource");
    let rule = SIGMA_RULE.replace(
        "logsource:\n    category: process_creation\n    product: windows\n",
        "",
    );
    assert!(!rule.contains("logsource"));
    fs::write(dir.join("rule.yml"), rule).expect("write");
    // The folder is walked, so a file taken for a non-rule would be skipped silently.
    let result = run(&[
        "check",
        "--select",
        "sigma",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result
            .stdout
            .contains("error[sigma/missing-required-key] rule has no `logsource` key"),
        "{}",
        result.stdout
    );
}

#[test]
fn comment_only_query_file_holds_no_rule() {
    let dir = scratch("empty-query");
    fs::write(dir.join("empty.kql"), "// to do\n").expect("write");
    fs::write(
        dir.join("one.kql"),
        "DeviceProcessEvents\n| where FileName == \"a.exe\"\n",
    )
    .expect("write");
    let result = run(&[
        "check",
        "--format",
        "json",
        "--select",
        "syntax",
        dir.to_str().expect("utf-8 path"),
    ]);
    let json = result.json();
    assert_eq!(json["summary"]["files"], 2);
    assert_eq!(json["summary"]["rules"], 1);
    assert_eq!(json["summary"]["languages"]["kql"]["rules"], 1);
}

#[test]
fn explicit_non_rule_file_warns() {
    let dir = scratch("unknown");
    let path = dir.join("notes.yml");
    fs::write(&path, "hello: world\n").expect("write");
    let result = run(&["check", path.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(0), "{}", result.stdout);
    assert!(
        result.stdout.contains("warning[syntax/unknown-format]"),
        "{}",
        result.stdout
    );
}

#[test]
fn explain_lists_and_documents_lints() {
    let list = run(&["explain"]);
    assert_eq!(list.code, Some(0));
    assert!(
        list.stdout.contains("syntax/binary-file"),
        "{}",
        list.stdout
    );

    let one = run(&["explain", "syntax/invalid-utf8"]);
    assert_eq!(one.code, Some(0));
    assert!(one.stdout.contains("## What it flags"), "{}", one.stdout);

    let unknown = run(&["explain", "sigma/no-such-lint"]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("sigma/no-such-lint"),
        "{}",
        unknown.stderr
    );
}

/// A pager that stops reading (`rulelens explain | head -1`) closes the pipe; the listing
/// commands then end quietly with success instead of panicking.
#[test]
fn closed_output_pipe_ends_quietly() {
    for args in [&["explain"][..], &["index", "fields"][..]] {
        let mut child = std::process::Command::new(rulelens_e2e::rulelens_binary())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start rulelens");
        // Close the reading end before the child writes anything.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait for rulelens");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn inspect_rejects_non_rule_file() {
    let dir = scratch("inspect");
    let path = dir.join("notes.yml");
    fs::write(&path, "hello: world\n").expect("write");
    let result = run(&["inspect", path.to_str().expect("utf-8 path")]);
    assert_eq!(result.code, Some(2));
    assert!(
        result.stderr.contains("notes.yml: not a rule"),
        "{}",
        result.stderr
    );
}

#[test]
fn report_names_technique() {
    let json = run(&["report", "T1059.001", "--format", "json", "--limit", "1"]);
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    assert_eq!(
        json.json()["name"],
        "Command and Scripting Interpreter: PowerShell"
    );
    let markdown = run(&["report", "t1021"]);
    assert_eq!(markdown.code, Some(0), "{}", markdown.stderr);
    assert!(
        markdown.stdout.starts_with(
            "# T1021: detection rules in the corpus\n\nATT&CK name: Remote Services.\n"
        ),
        "{}",
        markdown.stdout
    );
}
