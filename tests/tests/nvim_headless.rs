//! Runs the Neovim plugin in headless Neovim against the real `rulelens server`.
//!
//! Each Lua script in `tests/nvim/` is one test: it loads `editors/nvim` with `--clean`,
//! opens fixture copies in a scratch folder and exits with 0 when its expectations hold (see
//! `tests/nvim/helpers.lua`). The server is `RULELENS_BIN`, else the `rulelens` binary of
//! this build profile. The scripts need `nvim` 0.7 or newer on `PATH`, or its path in
//! `NVIM_BIN`; when it is missing every test here fails with a message saying how to install
//! it, because a skipped editor test would look like a passing one in CI.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one script may run before it is killed; the scripts' own waits are 20 s each.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent folder")
        .to_path_buf()
}

/// The `nvim` to run: `NVIM_BIN`, else `nvim` from `PATH`.
///
/// # Panics
/// Panics with install instructions when Neovim cannot be run.
fn neovim() -> PathBuf {
    let candidate = std::env::var_os("NVIM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("nvim"));
    let version = Command::new(&candidate).arg("--version").output();
    match version {
        Ok(output) if output.status.success() => candidate,
        _ => panic!(
            "Neovim not found at `{}`: the headless editor tests need nvim 0.7 or newer. \
             Install it (`apt-get install -y neovim` on Debian) or set NVIM_BIN to its path",
            candidate.display()
        ),
    }
}

/// Copies the fixtures into a fresh scratch folder, so edits and root markers of the
/// repository never leak into a test.
fn scratch_with_fixtures(name: &str) -> PathBuf {
    let scratch = rulelens_e2e::scratch(&format!("nvim-{name}"));
    let fixtures = repository_root().join("tests/nvim/fixtures");
    for entry in std::fs::read_dir(&fixtures).expect("read tests/nvim/fixtures") {
        let path = entry.expect("fixture entry").path();
        let file_name = path.file_name().expect("fixture file name");
        std::fs::copy(&path, scratch.join(file_name)).expect("copy fixture");
    }
    // The scratch folder is the workspace root the plugin finds. It is marked with `.git`, not
    // `.rulelens.toml`, because a project configuration file takes precedence over the editor
    // settings that the tests send.
    std::fs::create_dir_all(scratch.join(".git")).expect("create .git marker");
    scratch
}

/// The `rulelens` binary the plugin starts: `RULELENS_BIN`, else the one this test run builds.
fn server_binary() -> PathBuf {
    match std::env::var_os("RULELENS_BIN") {
        Some(path) => PathBuf::from(path),
        None => rulelens_e2e::rulelens_binary().to_path_buf(),
    }
}

/// Fails at once, rather than after the scripts' timeouts, when the binary cannot serve LSP.
fn require_server_command(binary: &Path) {
    let help = Command::new(binary).args(["server", "--help"]).output();
    let works = help.as_ref().is_ok_and(|output| output.status.success());
    assert!(
        works,
        "`{} server --help` failed, so the language server cannot start: {}",
        binary.display(),
        match &help {
            Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
            Err(error) => error.to_string(),
        }
    );
}

/// Runs one script in headless Neovim and fails with its output when it does not pass.
/// `needs_server` scripts first check that the binary has the `server` command.
fn run_script(script: &str, needs_server: bool) {
    let binary = server_binary();
    if needs_server {
        require_server_command(&binary);
    }
    let nvim = neovim();
    let root = repository_root();
    let tests_dir = root.join("tests/nvim");
    let script_path = tests_dir.join(script);
    assert!(script_path.is_file(), "missing {}", script_path.display());
    let scratch = scratch_with_fixtures(script.trim_end_matches(".lua"));
    let state = scratch.join("xdg");

    let mut child = Command::new(&nvim)
        .args(["--clean", "--headless", "-n", "-i", "NONE"])
        .arg("-c")
        .arg(format!("luafile {}", script_path.display()))
        .current_dir(&scratch)
        .env("RULELENS_NVIM_PLUGIN", root.join("editors/nvim"))
        .env("RULELENS_NVIM_TESTS", &tests_dir)
        .env("RULELENS_NVIM_WORKDIR", &scratch)
        .env("RULELENS_BIN", &binary)
        .env("XDG_STATE_HOME", state.join("state"))
        .env("XDG_CACHE_HOME", state.join("cache"))
        .env("XDG_DATA_HOME", state.join("data"))
        .env("XDG_CONFIG_HOME", state.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {}: {error}", nvim.display()));

    // Drained on a thread so that a chatty script never blocks on a full pipe.
    let mut pipe = child.stderr.take().expect("nvim stderr is piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });

    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };

    let stderr = stderr_reader.join().unwrap_or_default();
    let lsp_log = read_lsp_log(&state);
    match status {
        None => panic!(
            "{script} timed out after {SCRIPT_TIMEOUT:?}\nstderr:\n{stderr}\nLSP log:\n{lsp_log}"
        ),
        Some(status) => assert!(
            status.success() && stderr.contains("nvim test passed"),
            "{script} failed with {status}\nstderr:\n{stderr}\nLSP log:\n{lsp_log}"
        ),
    }
}

/// The tail of Neovim's LSP log, where the server's stderr lands.
fn read_lsp_log(state: &Path) -> String {
    let candidates = [
        state.join("state/nvim/lsp.log"),
        state.join("cache/nvim/lsp.log"),
    ];
    for path in candidates {
        if let Ok(text) = std::fs::read_to_string(&path) {
            let start = text.len().saturating_sub(4000);
            let start = (start..text.len())
                .find(|&index| text.is_char_boundary(index))
                .unwrap_or(text.len());
            return text[start..].to_owned();
        }
    }
    "(no lsp.log)".to_owned()
}

#[test]
fn plugin_without_server_reports_and_detects() {
    run_script("plugin_without_server.lua", false);
}

#[test]
fn server_diagnostics_settings_and_restart() {
    run_script("server_diagnostics.lua", true);
}

#[test]
fn corpus_sigma_noisy_indicator_range() {
    run_script("sigma_noisy_indicator.lua", true);
}

#[test]
fn corpus_sigma_field_hover_figures() {
    run_script("sigma_field_hover.lua", true);
}

#[test]
fn corpus_sigma_exclusion_code_action() {
    run_script("sigma_exclusion_fix.lua", true);
}

#[test]
fn corpus_sigma_private_range_code_action() {
    run_script("sigma_private_range_fix.lua", true);
}

#[test]
fn corpus_kql_noisy_indicator_range() {
    run_script("kql_noisy_indicator.lua", true);
}

#[test]
fn corpus_kql_field_hover_figures() {
    run_script("kql_field_hover.lua", true);
}

#[test]
fn corpus_kql_private_range_code_action() {
    run_script("kql_exclusion_fix.lua", true);
}
