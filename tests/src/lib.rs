//! Helpers for the end-to-end tests: locating the `rulelens` binary and the corpus, running
//! commands and reading their output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The path of the `rulelens` binary of the same build profile as the running test, built
/// once per test process with the `cargo` that runs the tests.
///
/// # Panics
/// Panics when the build fails, with cargo's output.
pub fn rulelens_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let test_exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/<test> -> target/<profile>
        let profile_dir = test_exe
            .parent()
            .and_then(Path::parent)
            .expect("test executable inside target/<profile>/deps")
            .to_path_buf();
        let release = profile_dir
            .file_name()
            .is_some_and(|name| name == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "rulelens", "--bin", "rulelens"]);
        if release {
            build.arg("--release");
        }
        let output = build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run cargo build");
        assert!(
            output.status.success(),
            "cargo build -p rulelens failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        profile_dir.join(format!("rulelens{}", std::env::consts::EXE_SUFFIX))
    })
}

/// The corpus folder (see `rulelens_syntax::corpus_path`), resolved from this crate.
pub fn corpus() -> PathBuf {
    let path = match std::env::var_os("RULELENS_CORPUS") {
        Some(value) => PathBuf::from(value),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    };
    assert!(
        path.is_dir(),
        "rule corpus not found at {}: set RULELENS_CORPUS to the corpus folder",
        path.display()
    );
    path
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses standard output as JSON.
    ///
    /// # Panics
    /// Panics with the output when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// Runs `rulelens` with `args` and captures its output.
pub fn run(args: &[&str]) -> Run {
    let output: Output = Command::new(rulelens_binary())
        .args(args)
        .output()
        .expect("run rulelens");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh, empty scratch folder under the system temporary folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join("rulelens-e2e")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

pub mod lsp_client;
