//! `rulelens check` on hostile files the tests write: a 50 MB rule, a file past the size
//! limit, an endless device, a loop of symbolic links between files, and files deleted while
//! the check runs. Each run has a hang guard, and each problem is reported with the file's path.

use rulelens_e2e::{rulelens_binary, scratch, Run};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A hang guard, not a speed target: far above what any run here takes.
const GUARD: Duration = Duration::from_secs(300);

/// The size limit of `rulelens_syntax::source::MAX_FILE_BYTES`.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Runs `rulelens check` with `args`, killing it when it outlives [`GUARD`].
fn check_guarded(args: &[&str]) -> Run {
    let mut child = Command::new(rulelens_binary())
        .arg("check")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rulelens check");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    // Read both pipes on threads, so a full pipe cannot stall the process.
    let out_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll rulelens") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rulelens check {args:?} still running after {GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Builds a Sigma rule of about `size` bytes: one selection with a long list of values, the
/// shape a generated block list takes.
fn big_sigma_rule(size: usize) -> String {
    let mut text = String::from(
        "title: Big list\nid: 5b0b8a46-0000-4000-8000-000000000050\nstatus: test\n\
         logsource:\n    category: process_creation\n    product: windows\ndetection:\n    \
         selection:\n        CommandLine|contains:\n",
    );
    let mut index = 0u64;
    while text.len() < size {
        text.push_str(&format!("            - 'value-{index:09}-漢字'\n"));
        index += 1;
    }
    text.push_str("    condition: selection\nlevel: low\n");
    text
}

#[test]
fn fifty_megabyte_rule_is_checked() {
    let dir = scratch("hostile-50mb");
    let path = dir.join("big.yml");
    fs::write(&path, big_sigma_rule(50 * 1024 * 1024)).expect("write");
    let result = check_guarded(&["--select", "syntax,sigma", utf8(&path)]);
    assert_eq!(result.code, Some(0), "{}\n{}", result.stdout, result.stderr);
    assert!(
        result.stdout.contains("checked 1 file (1 rule)"),
        "{}",
        result.stdout
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn file_past_size_limit_rejected() {
    let dir = scratch("hostile-too-large");
    let path = dir.join("huge.yml");
    // A sparse file: past the limit without using the disk space, and never read.
    let file = fs::File::create(&path).expect("create");
    file.set_len(MAX_FILE_BYTES + 1).expect("set length");
    fs::write(dir.join("ok.kql"), "SigninLogs\n| where ResultType == 0\n").expect("write");
    let result = check_guarded(&[utf8(&dir)]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    let expected = format!(
        "{}:1:1: error[syntax/file-too-large] file is {} bytes, larger than the {MAX_FILE_BYTES} \
         byte limit for a rule file: not checked",
        path.display(),
        MAX_FILE_BYTES + 1
    );
    assert!(result.stdout.contains(&expected), "{}", result.stdout);
    assert!(
        result.stdout.contains("checked 2 files"),
        "{}",
        result.stdout
    );
    let _ = fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn endless_device_is_rejected() {
    let result = check_guarded(&["/dev/zero"]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    assert!(
        result.stdout.contains(
            "/dev/zero:1:1: error[syntax/file-too-large] file is larger than the 67108864 byte \
             limit"
        ),
        "{}",
        result.stdout
    );
}

#[cfg(unix)]
#[test]
fn file_symlink_loop_is_reported() {
    let dir = scratch("hostile-file-loop");
    std::os::unix::fs::symlink(dir.join("b.yml"), dir.join("a.yml")).expect("link");
    std::os::unix::fs::symlink(dir.join("a.yml"), dir.join("b.yml")).expect("link");
    fs::write(dir.join("ok.kql"), "SigninLogs\n| where ResultType == 0\n").expect("write");
    let result = check_guarded(&[utf8(&dir)]);
    assert_eq!(result.code, Some(1), "{}", result.stdout);
    for name in ["a.yml", "b.yml"] {
        let path = dir.join(name);
        let expected = format!(
            "{}:1:1: error[syntax/unreadable-file] cannot read {}",
            path.display(),
            path.display()
        );
        assert!(result.stdout.contains(&expected), "{}", result.stdout);
    }
    assert!(
        result.stdout.contains("Too many levels of symbolic links"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("checked 3 files"),
        "{}",
        result.stdout
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Files vanish while a check of their folder runs. Whether the walk still lists a file, and
/// whether it is gone by the time it is read, depends on timing. So the test accepts each
/// outcome for each file, but requires a clean run: no panic, status 0 or 1, and every
/// unreadable file named with the reason.
#[test]
fn files_deleted_during_check() {
    let dir = scratch("hostile-deleted");
    let count = 3_000;
    for index in 0..count {
        fs::write(
            dir.join(format!("rule{index:04}.kql")),
            format!("SigninLogs\n| where ResultType == {index}\n"),
        )
        .expect("write");
    }
    let deleter_dir = dir.clone();
    let deleter = std::thread::spawn(move || {
        // Every other file, from the end of the walk order, while the check lists and reads.
        for index in (0..count).rev().step_by(2) {
            let _ = fs::remove_file(deleter_dir.join(format!("rule{index:04}.kql")));
        }
    });
    let result = check_guarded(&["--format", "json", utf8(&dir)]);
    deleter.join().expect("deleter thread");

    assert!(
        matches!(result.code, Some(0 | 1)),
        "status {:?}\n{}",
        result.code,
        result.stderr
    );
    assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
    let json = result.json();
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics array");
    let mut vanished = 0;
    for diagnostic in diagnostics
        .iter()
        .filter(|d| d["lint"] == "syntax/unreadable-file")
    {
        let path = diagnostic["path"].as_str().unwrap_or_default();
        let message = diagnostic["message"].as_str().unwrap_or_default();
        assert!(message.contains(path), "{diagnostic}");
        assert!(message.contains("No such file"), "{diagnostic}");
        vanished += 1;
    }
    let files = json["summary"]["files"].as_u64().unwrap_or_default();
    assert!(files >= (count / 2) as u64, "only {files} files checked");
    println!("{files} files checked, {vanished} deleted between listing and reading");
    let _ = fs::remove_dir_all(&dir);
}
