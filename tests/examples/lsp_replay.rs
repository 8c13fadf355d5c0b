//! Replays typing into `rulelens server` over stdio and prints latency figures.
//!
//! Starts the server with the debounce set to 0 and opens a real corpus rule. It then sends
//! 1,000 hovers on a field and 1,000 incremental edits: typing and deleting characters in a
//! value, with a half-typed line every tenth edit. After each edit it waits for the
//! `publishDiagnostics` of the new version. Last, it types a half field name on a new line
//! and requests completion there 1,000 times. Prints the time from `initialize` to the first
//! diagnostics, p50/p95/p99/max of didChange to publishDiagnostics, of hover and of
//! completion, the server's peak resident memory (`VmHWM` from `/proc/<pid>/status`) and its
//! CPU time (user and system, from `/proc/<pid>/stat`).
//!
//! Run: `bench/lsp_replay.sh [RULE_PATH_IN_CORPUS] [INDEX_FILE]`, which builds the server and
//! this example first, or `cargo run --release -p rulelens-e2e --example lsp_replay` with the
//! same arguments. With an index file the server loads it in place of the embedded index
//! (`indexPath` with `replace-default`), the way it loads the embedded one, so the latency and
//! memory figures include a full index.
//! The figures are for the machine it runs on; nothing here asserts a target.

use rulelens_e2e::lsp_client::{file_uri, initialize_params, LspClient, DEFAULT_TIMEOUT};
use rulelens_e2e::{corpus, rulelens_binary};
use serde_json::json;
use std::time::{Duration, Instant};

const DEFAULT_RULE: &str =
    "sigma/SigmaHQ+sigma/rules/windows/driver_load/driver_load_win_vuln_drivers_names.yml";
const EDITS: usize = 1_000;
const HOVERS: usize = 1_000;
const COMPLETIONS: usize = 1_000;
/// A field name typed halfway on a new detection line, as a user stops to ask for completion.
const HALF_TYPED_FIELD: &str = "        Imag";

fn main() {
    let relative = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_RULE.to_owned());
    let index_path = std::env::args().nth(2);
    let path = corpus().join(&relative);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let uri = file_uri(&path);
    let lines: Vec<&str> = text.lines().collect();
    println!(
        "rule: {relative} ({} lines, {} bytes)",
        lines.len(),
        text.len()
    );

    let mut client = LspClient::start(rulelens_binary(), &[]);
    let started = Instant::now();
    client.request_ok(
        "initialize",
        initialize_params(
            false,
            false,
            false,
            json!({
                "debounceMs": 0,
                "indexPath": index_path,
                "index": { "replace-default": index_path.is_some() }
            }),
        ),
    );
    let initialized = started.elapsed();
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    client.diagnostics(&uri, 1);
    let first_diagnostics = started.elapsed();

    // Hover the first field of the detection, whose hover reads the index.
    let (field_line, field_column) = field_spot(&lines);
    let hover_at = json!({ "line": field_line, "character": field_column });
    let mut hovers = Vec::with_capacity(HOVERS);
    let mut first_hover = None;
    for _ in 0..HOVERS {
        let sent = Instant::now();
        let hover = client.request_ok(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": hover_at }),
        );
        hovers.push(sent.elapsed());
        first_hover.get_or_insert(hover);
    }

    // Edit the last line that ends in a quoted value: type a character before its closing
    // quote, then delete it again, so the rule stays what it was between pairs of edits.
    let (line, column) = edit_spot(&lines);
    let mut changes = Vec::with_capacity(EDITS);
    let mut version = 1;
    for edit in 0..EDITS {
        version += 1;
        let change = if edit % 10 == 9 {
            // A half-typed new line under the selection, removed by the next edit.
            json!({ "range": { "start": { "line": line + 1, "character": 0 },
                               "end": { "line": line + 1, "character": 0 } },
                    "text": format!("{HALF_TYPED_FIELD}\n") })
        } else if edit % 10 == 0 && edit > 0 {
            json!({ "range": { "start": { "line": line + 1, "character": 0 },
                               "end": { "line": line + 2, "character": 0 } },
                    "text": "" })
        } else if edit % 2 == 1 {
            json!({ "range": { "start": { "line": line, "character": column },
                               "end": { "line": line, "character": column } },
                    "text": "x" })
        } else {
            json!({ "range": { "start": { "line": line, "character": column },
                               "end": { "line": line, "character": column + 1 } },
                    "text": "" })
        };
        let sent = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [change] }),
        );
        client.diagnostics(&uri, version);
        changes.push(sent.elapsed());
    }

    // Field completion on a half-typed key under the last edited line.
    version += 1;
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": line + 1, "character": 0 },
                               "end": { "line": line + 1, "character": 0 } },
                    "text": format!("{HALF_TYPED_FIELD}\n") }] }),
    );
    client.diagnostics(&uri, version);
    let complete_at = json!({ "line": line + 1, "character": HALF_TYPED_FIELD.len() });
    let mut completions = Vec::with_capacity(COMPLETIONS);
    let mut completion_items = 0;
    for _ in 0..COMPLETIONS {
        let sent = Instant::now();
        let completion = client.request_ok(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": complete_at }),
        );
        completions.push(sent.elapsed());
        completion_items = completion.as_array().map_or(0, Vec::len);
    }

    let peak = peak_resident_kib(client.pid());
    let server_cpu = cpu_time_seconds(client.pid());
    let status = client.shutdown(DEFAULT_TIMEOUT);

    println!(
        "initialize to first diagnostics: {} (initialize response after {})",
        millis(first_diagnostics),
        millis(initialized)
    );
    print_percentiles("didChange to publishDiagnostics", &mut changes);
    print_percentiles("hover", &mut hovers);
    print_percentiles("completion", &mut completions);
    println!(
        "completion items at `{}`: {completion_items}",
        HALF_TYPED_FIELD.trim()
    );
    match peak {
        Some(kib) => println!(
            "peak resident memory (VmHWM): {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("peak resident memory: unavailable (no /proc)"),
    }
    match server_cpu {
        Some(seconds) => println!("server CPU time (user + system): {seconds:.2} s"),
        None => println!("server CPU time: unavailable (no /proc)"),
    }
    println!("server exit status: {status}");
    let hover_text = first_hover
        .as_ref()
        .and_then(|hover| hover["contents"]["value"].as_str())
        .unwrap_or("(no hover)");
    println!("hover text:\n{hover_text}");
}

/// Finds the last line ending in a quote, and the column of that quote.
fn edit_spot(lines: &[&str]) -> (usize, usize) {
    lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(number, line)| {
            let trimmed = line.trim_end();
            (trimmed.ends_with('\'') && trimmed.is_ascii()).then(|| (number, trimmed.len() - 1))
        })
        .expect("the rule has a line ending in a quoted value")
}

/// Finds the line and column of the first `Field|modifier:` key.
fn field_spot(lines: &[&str]) -> (usize, usize) {
    lines
        .iter()
        .enumerate()
        .find_map(|(number, line)| {
            let key = line.trim_start();
            let is_field = key.contains('|') && key.ends_with(':') && line.is_ascii();
            is_field.then(|| (number, line.len() - key.len()))
        })
        .expect("the rule has a Field|modifier: key")
}

fn print_percentiles(label: &str, samples: &mut [Duration]) {
    samples.sort_unstable();
    let at = |share: f64| {
        let index = ((samples.len() as f64 * share).ceil() as usize).saturating_sub(1);
        samples.get(index).copied().unwrap_or_default()
    };
    println!(
        "{label} over {}: p50 {} p95 {} p99 {} max {}",
        samples.len(),
        millis(at(0.50)),
        millis(at(0.95)),
        millis(at(0.99)),
        millis(samples.last().copied().unwrap_or_default())
    );
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// `VmHWM` of a process in KiB, read while it still runs.
fn peak_resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system CPU time of a running process, in seconds, from fields 14 and 15 of
/// `/proc/<pid>/stat`. Those count clock ticks of 1/100 s (`USER_HZ` on Linux).
fn cpu_time_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in field 2 may contain spaces, so fields are counted after its `)`.
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / 100.0)
}
