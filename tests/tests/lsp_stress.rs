//! `rulelens server` under stress, over the real binary: an edit storm with requests between
//! the edits, requests for documents that are closed or were never opened, malformed JSON-RPC
//! messages, and a client that vanishes without `shutdown`.
//!
//! The storm prints its latency, CPU time and peak memory (run with `--nocapture`), which
//! RELIABILITY.md records. The tests assert only correctness, never a duration. Every wait
//! has a hang guard, so a hung server fails the test instead of stalling it.

use rulelens_e2e::lsp_client::{file_uri, initialize_params, LspClient, DEFAULT_TIMEOUT};
use rulelens_e2e::{corpus, rulelens_binary};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RULE: &str = "sigma/SigmaHQ+sigma/rules-placeholder/windows/network_connection/\
net_connection_win_susp_rdp_from_domain_controller.yml";

/// What the storm types: ASCII, multi-byte UTF-8 (U+1F600 is a UTF-16 surrogate pair), and
/// both line ends.
const PIECES: &[&str] = &[
    "a", "e", "s", " ", ":", "'", "-", "|", "*", "漢", "😀", "é", "\n", "\r\n", "    ",
];

/// Half-typed lines, as an author leaves them between keystrokes.
const HALF_LINES: &[&str] = &[
    "        CommandLine|contains: 'pow",
    "    filter_main_local:\n        Image|ends",
    "    condition: selection_connection and not (",
    "        DestinationIp|cidr:\n            - '10.",
    "tags:\n    - attack.t10",
    "detection:\n  sel: [",
    "        Image|endswith: \"\\\\漢字😀.exe",
];

/// A small deterministic generator (xorshift64), so a failing storm can be replayed.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Byte offsets an LSP position can point at: character boundaries, but not between the CR
/// and the LF of a CRLF.
fn addressable(text: &str, offset: usize) -> bool {
    text.is_char_boundary(offset)
        && !(offset > 0 && text[..offset].ends_with('\r') && text[offset..].starts_with('\n'))
}

/// Moves `offset` back to the nearest addressable offset.
fn snap(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !addressable(text, offset) {
        offset -= 1;
    }
    offset
}

/// Computes the LSP position of `offset` on the client's text, as an editor does. Lines end
/// at LF, CRLF or a lone CR, and columns count UTF-8 bytes or UTF-16 code units.
fn position(text: &str, offset: usize, utf8: bool) -> Value {
    let before = &text[..offset];
    let mut line = 0;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        let is_break = byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
        if is_break {
            line += 1;
            line_start = index + 1;
        }
    }
    let content = &before[line_start..];
    let character = if utf8 {
        content.len()
    } else {
        content.encode_utf16().count()
    };
    json!({ "line": line, "character": character })
}

fn range(text: &str, start: usize, end: usize, utf8: bool) -> Value {
    json!({ "start": position(text, start, utf8), "end": position(text, end, utf8) })
}

/// The client's copy of the document and the cursor, and the changes of one `didChange`.
struct Editor {
    text: String,
    cursor: usize,
    utf8: bool,
    initial_len: usize,
}

impl Editor {
    /// Replaces `start..end` with `inserted` in the client's copy and returns the change event,
    /// whose range is computed on the text before the change.
    fn replace(&mut self, start: usize, end: usize, inserted: &str) -> Value {
        let change = json!({ "range": range(&self.text, start, end, self.utf8), "text": inserted });
        self.text.replace_range(start..end, inserted);
        self.cursor = snap(&self.text, start + inserted.len());
        change
    }

    /// Generates the changes of the next `didChange`: one keystroke, a half-typed line, a deletion, or
    /// several changes at once as with several cursors.
    fn next_changes(&mut self, generator: &mut Generator) -> Vec<Value> {
        if self.text.len() > 3 * self.initial_len {
            // Keep the document near its real size: delete a block from the middle.
            let start = snap(&self.text, self.text.len() / 3);
            let end = snap(&self.text, 2 * self.text.len() / 3);
            return vec![self.replace(start, end, "")];
        }
        match generator.below(20) {
            0..=8 => {
                let piece = generator.pick(PIECES);
                vec![self.replace(self.cursor, self.cursor, piece)]
            }
            9..=11 => {
                // Backspace: one character, or a whole CRLF.
                if self.cursor == 0 {
                    return vec![self.replace(0, 0, "")];
                }
                let mut start = snap(&self.text, self.cursor - 1);
                if self.text[..start].ends_with('\r') && self.text[start..].starts_with('\n') {
                    start -= 1;
                }
                vec![self.replace(start, self.cursor, "")]
            }
            12..=13 => {
                let offset = snap(&self.text, generator.below(self.text.len() + 1));
                let line_start = self.text[..offset].rfind('\n').map_or(0, |at| at + 1);
                let line = format!("{}\r\n", generator.pick(HALF_LINES));
                vec![self.replace(line_start, line_start, &line)]
            }
            14..=15 => {
                let start = snap(&self.text, generator.below(self.text.len() + 1));
                let end = snap(&self.text, start + generator.below(40));
                vec![self.replace(start, end.max(start), "")]
            }
            16..=17 => {
                self.cursor = snap(&self.text, generator.below(self.text.len() + 1));
                let piece = generator.pick(PIECES);
                vec![self.replace(self.cursor, self.cursor, piece)]
            }
            _ => {
                // Several cursors type the same piece. Each change's range is relative to the
                // text after the change before it, as the protocol specifies.
                let piece = generator.pick(PIECES);
                (0..3)
                    .map(|_| {
                        let at = snap(&self.text, generator.below(self.text.len() + 1));
                        self.replace(at, at, piece)
                    })
                    .collect()
            }
        }
    }
}

/// Summary figures of one list of request latencies.
fn latency_summary(latencies: &mut [Duration]) -> String {
    latencies.sort();
    let at = |fraction: f64| {
        let index = ((latencies.len() as f64 - 1.0) * fraction).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    format!(
        "{} requests, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        latencies.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    )
}

/// A field of `/proc/PID/status` in KiB (Linux only), such as the peak resident set `VmHWM`.
fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system CPU time of a process, from `/proc/PID/stat` (Linux only).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name can hold spaces, so the fields are counted after its closing bracket.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let output = Command::new("getconf").arg("CLK_TCK").output().ok()?;
    let per_second: u64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

fn start(utf8: bool, options: Value) -> LspClient {
    let mut client = LspClient::start(rulelens_binary(), &[("RULELENS_TEST_HOOKS", "1")]);
    let result = client.request_ok("initialize", initialize_params(utf8, false, false, options));
    let expected = if utf8 { "utf-8" } else { "utf-16" };
    assert_eq!(
        result["capabilities"]["positionEncoding"], expected,
        "{result}"
    );
    client.notify("initialized", json!({}));
    client
}

fn open(client: &mut LspClient, uri: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
}

/// A request's response must be a result: under load the server may be slow, never wrong.
fn assert_answered(response: &Value, context: &str) {
    assert!(
        response.get("error").is_none() && response.get("result").is_some(),
        "{context}: {response}"
    );
}

/// The diagnostics of the last `publishDiagnostics` received for `uri`, if any.
fn latest_diagnostics(client: &mut LspClient, uri: &str) -> Option<Value> {
    let published = client.take_received(|message| {
        message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
    });
    published
        .last()
        .map(|message| message["params"]["diagnostics"].clone())
}

/// What the server derives from the whole text of `uri`: diagnostics (with the document's
/// own URI and version taken out), semantic tokens, symbols and folding ranges.
fn whole_text_answers(client: &mut LspClient, uri: &str, diagnostics: &[Value]) -> String {
    let document = json!({ "textDocument": { "uri": uri } });
    let tokens = client.request_ok("textDocument/semanticTokens/full", document.clone());
    let symbols = client.request_ok("textDocument/documentSymbol", document.clone());
    let folds = client.request_ok("textDocument/foldingRange", document);
    let mut diagnostics = diagnostics.to_vec();
    for diagnostic in &mut diagnostics {
        if let Some(data) = diagnostic.get_mut("data").and_then(Value::as_object_mut) {
            data.remove("version");
        }
    }
    json!({ "diagnostics": diagnostics, "tokens": tokens, "symbols": symbols, "folds": folds })
        .to_string()
        .replace(uri, "URI")
}

/// Figures from one storm, printed for RELIABILITY.md.
struct StormReport {
    changes: usize,
    send: Duration,
    settle: Duration,
    hovers: Vec<Duration>,
    code_actions: Vec<Duration>,
    server_cpu: Option<Duration>,
    peak_kib: Option<u64>,
}

/// Sends `changes` didChange notifications as fast as the pipe takes them, a hover every 25
/// and a code action every 100 (each waited for), then checks the server's final state
/// against the client's.
fn edit_storm(changes: usize, utf8: bool, seed: u64) -> StormReport {
    let mut client = start(utf8, json!({}));
    let path = corpus().join(RULE);
    let original = std::fs::read_to_string(&path).expect("read the corpus rule");
    // A comment with multi-byte characters and CRLF line ends from the first keystroke.
    let initial = format!("# 検知ルール 😀 stress\r\n{original}");
    let uri = "file:///scratch/stress/storm.yml";
    open(&mut client, uri, &initial);
    client.diagnostics(uri, 1);

    let mut editor = Editor {
        cursor: initial.len() / 2,
        initial_len: initial.len(),
        text: initial,
        utf8,
    };
    editor.cursor = snap(&editor.text, editor.cursor);
    let mut generator = Generator(seed);
    let mut hovers = Vec::new();
    let mut code_actions = Vec::new();
    let started = Instant::now();
    let mut version = 1;
    for step in 1..=changes {
        version += 1;
        let content_changes = editor.next_changes(&mut generator);
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": content_changes }),
        );
        if step % 25 == 0 {
            let offset = snap(&editor.text, generator.below(editor.text.len() + 1));
            let sent_at = Instant::now();
            let response = client.request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri },
                        "position": position(&editor.text, offset, utf8) }),
            );
            hovers.push(sent_at.elapsed());
            assert_answered(&response, &format!("hover after change {step}"));
        }
        if step % 100 == 0 {
            // The diagnostics the editor shows now, possibly of an older version: the server
            // must skip those and still answer.
            let displayed_diagnostics =
                latest_diagnostics(&mut client, uri).unwrap_or_else(|| json!([]));
            let end = editor.text.len();
            let sent_at = Instant::now();
            let response = client.request(
                "textDocument/codeAction",
                json!({ "textDocument": { "uri": uri },
                        "range": range(&editor.text, 0, end, utf8),
                        "context": { "diagnostics": displayed_diagnostics } }),
            );
            code_actions.push(sent_at.elapsed());
            assert_answered(&response, &format!("code action after change {step}"));
        }
    }
    let send = started.elapsed();

    // The diagnostics of the last version arrive once the debounce has passed.
    let final_diagnostics = client.diagnostics(uri, version);
    let settle = started.elapsed() - send;

    let server_copy = client.request_ok("rulelens/testDocumentText", json!({ "uri": uri }));
    assert_eq!(
        server_copy["version"], version,
        "server has another version"
    );
    let server_text = server_copy["text"].as_str().unwrap_or_default();
    assert!(
        server_text == editor.text,
        "server text differs from the client's after {changes} changes (seed {seed})\n\
         client: {:?}\nserver: {server_text:?}",
        editor.text
    );

    // A fresh open of the final text gets the same answers as the edited document.
    let fresh = "file:///scratch/stress/fresh.yml";
    open(&mut client, fresh, &editor.text);
    let fresh_diagnostics = client.diagnostics(fresh, 1);
    let edited = whole_text_answers(&mut client, uri, &final_diagnostics);
    let reopened = whole_text_answers(&mut client, fresh, &fresh_diagnostics);
    assert_eq!(edited, reopened.replace(fresh, "URI"));

    let pid = client.pid();
    let report = StormReport {
        changes,
        send,
        settle,
        hovers,
        code_actions,
        server_cpu: cpu_time(pid),
        peak_kib: proc_status_kib(pid, "VmHWM:"),
    };
    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
    report
}

fn print_report(label: &str, mut report: StormReport) {
    println!(
        "{label}: {} didChange sent in {:.0} ms; last diagnostics {:.0} ms after the last change",
        report.changes,
        report.send.as_secs_f64() * 1000.0,
        report.settle.as_secs_f64() * 1000.0
    );
    println!("{label}: hover {}", latency_summary(&mut report.hovers));
    println!(
        "{label}: codeAction {}",
        latency_summary(&mut report.code_actions)
    );
    if let Some(cpu) = report.server_cpu {
        println!("{label}: server CPU time {:.2} s", cpu.as_secs_f64());
    }
    if let Some(peak) = report.peak_kib {
        println!("{label}: server peak memory (VmHWM) {} KiB", peak);
    }
}

#[test]
fn edit_storm_utf16_matches_fresh_open() {
    let report = edit_storm(10_000, false, 0x9e37_79b9_7f4a_7c15);
    print_report("utf-16 storm", report);
}

#[test]
fn edit_storm_utf8_matches_fresh_open() {
    let report = edit_storm(2_000, true, 0x2545_f491_4f6c_dd1d);
    print_report("utf-8 storm", report);
}

/// Every request on a document that is not open gets an empty result or an invalid-params
/// error, never an internal error.
#[test]
fn closed_and_unknown_documents_answer_cleanly() {
    let mut client = start(false, json!({ "debounceMs": 0 }));
    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let closed = file_uri(&path);
    open(&mut client, &closed, &text);
    let stale = client.diagnostics(&closed, 1);
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": closed } }),
    );
    // Edits and saves for a document that is not open are ignored.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": closed, "version": 2 },
                "contentChanges": [{ "text": "title: changed after close\n" }] }),
    );
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": closed } }),
    );

    let never = "file:///scratch/stress/never-opened.yml";
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": never } }),
    );
    for uri in [closed.as_str(), never] {
        let document = json!({ "uri": uri });
        let at = json!({ "line": 10, "character": 4 });
        let requests = [
            (
                "textDocument/hover",
                json!({ "textDocument": document, "position": at }),
            ),
            (
                "textDocument/completion",
                json!({ "textDocument": document, "position": at }),
            ),
            (
                "textDocument/definition",
                json!({ "textDocument": document, "position": at }),
            ),
            (
                "textDocument/references",
                json!({ "textDocument": document, "position": at,
                                                "context": { "includeDeclaration": true } }),
            ),
            (
                "textDocument/prepareRename",
                json!({ "textDocument": document, "position": at }),
            ),
            (
                "textDocument/rename",
                json!({ "textDocument": document, "position": at,
                                            "newName": "renamed" }),
            ),
            (
                "textDocument/documentSymbol",
                json!({ "textDocument": document }),
            ),
            (
                "textDocument/foldingRange",
                json!({ "textDocument": document }),
            ),
            (
                "textDocument/semanticTokens/full",
                json!({ "textDocument": document }),
            ),
            (
                "textDocument/diagnostic",
                json!({ "textDocument": document }),
            ),
            (
                "textDocument/codeAction",
                json!({
                    "textDocument": document,
                    "range": { "start": { "line": 0, "character": 0 }, "end": at },
                    "context": { "diagnostics": stale }
                }),
            ),
            (
                "codeAction/resolve",
                json!({
                    "title": "stale",
                    "data": { "action": "suppress", "uri": uri, "version": 1,
                              "lint": "sigma/unused-selection",
                              "start": { "line": 0, "character": 0 } }
                }),
            ),
        ];
        for (method, params) in requests {
            let response = client.request(method, params);
            let context = format!("{method} on {uri}");
            match response.get("error") {
                Some(error) => assert_eq!(error["code"], -32602, "{context}: {response}"),
                None => {
                    let result = &response["result"];
                    let empty = result.is_null()
                        || result.as_array().is_some_and(Vec::is_empty)
                        || (method == "codeAction/resolve" && result.get("edit").is_none());
                    assert!(empty, "{context}: {response}");
                }
            }
        }
    }
    let server_copy = client.request_ok("rulelens/testDocumentText", json!({ "uri": closed }));
    assert!(
        server_copy.is_null(),
        "closed document still open: {server_copy}"
    );

    // The server still works on an open document.
    open(&mut client, &closed, &text);
    let symbols = client.request_ok(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": closed } }),
    );
    assert!(
        symbols.as_array().is_some_and(|s| !s.is_empty()),
        "{symbols}"
    );
    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
}

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The id and code of the error response a malformed message must get.
type ExpectedError = (Value, i64);

/// Malformed messages get a JSON-RPC error or are ignored, with a log line, and the server
/// answers the next request.
#[test]
fn malformed_messages_keep_server_answering() {
    let mut client = start(false, json!({}));
    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let uri = file_uri(&path);
    open(&mut client, &uri, &text);
    client.diagnostics(&uri, 1);

    let unknown_notification = r#"{"jsonrpc":"2.0","method":"rulelens/noSuchNotification"}"#;
    let cases: Vec<(&str, Vec<u8>, Option<ExpectedError>)> = vec![
        (
            "invalid JSON body",
            frame(r#"{"jsonrpc": "2.0", "id": 40, "method": "#),
            Some((Value::Null, -32700)),
        ),
        (
            "Content-Length that is not a number",
            format!(
                "Content-Length: abc\r\n\r\n{}",
                r#"{"jsonrpc":"2.0","id":41}"#
            )
            .into_bytes(),
            Some((Value::Null, -32700)),
        ),
        (
            "header without Content-Length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n".to_vec(),
            Some((Value::Null, -32700)),
        ),
        (
            "request without a method",
            frame(r#"{"jsonrpc":"2.0","id":42,"params":{}}"#),
            Some((json!(42), -32601)),
        ),
        (
            "request without the jsonrpc member",
            frame(r#"{"id":43,"method":"textDocument/hover"}"#),
            Some((json!(43), -32600)),
        ),
        (
            "object as the id",
            frame(r#"{"jsonrpc":"2.0","id":{"n":1},"method":"shutdown"}"#),
            Some((Value::Null, -32600)),
        ),
        (
            "batch array",
            frame(r#"[{"jsonrpc":"2.0","id":44,"method":"shutdown"}]"#),
            Some((Value::Null, -32600)),
        ),
        (
            "unknown method as a request",
            frame(r#"{"jsonrpc":"2.0","id":45,"method":"rulelens/noSuchMethod","params":{}}"#),
            Some((json!(45), -32601)),
        ),
        (
            "hover with params of the wrong type",
            frame(r#"{"jsonrpc":"2.0","id":46,"method":"textDocument/hover","params":"x"}"#),
            Some((json!(46), -32602)),
        ),
        (
            "unknown method as a notification",
            frame(unknown_notification),
            None,
        ),
    ];
    for (name, bytes, expected) in cases {
        client.send_raw(&bytes);
        if let Some((id, code)) = expected {
            let response = client.wait_for(name, DEFAULT_TIMEOUT, |message| {
                message.get("error").is_some() && message["id"] == id
            });
            assert_eq!(response["error"]["code"], code, "{name}: {response}");
        }
        // The next well-formed request is answered.
        let symbols = client.request_ok(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        );
        assert!(
            symbols.as_array().is_some_and(|s| !s.is_empty()),
            "after {name}: {symbols}"
        );
    }
    let unanswered = client.take_received(|message| message.get("error").is_some());
    assert!(unanswered.is_empty(), "unexpected errors: {unanswered:?}");
    assert!(
        client
            .stderr()
            .contains("malformed message from the client"),
        "no log line:\n{}",
        client.stderr()
    );
    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
}

/// A hang guard for a server whose client is gone, not a speed target.
const EXIT_GUARD: Duration = Duration::from_secs(20);

#[test]
fn closed_input_mid_storm_stops_server() {
    let mut client = start(false, json!({ "debounceMs": 0 }));
    let uri = "file:///scratch/stress/vanish.kql";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "kql", "version": 1,
                                  "text": "SigninLogs\n" } }),
    );
    for version in 2..=500 {
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": format!("SigninLogs\n| where A == {version}\n") }] }),
        );
    }
    // A request the client will never read the answer of.
    client.send_request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 9 } }),
    );
    client.close_input();
    let status = client.wait_exit(EXIT_GUARD);
    assert!(
        status.is_some(),
        "server still running {EXIT_GUARD:?} after its input closed\n{}",
        client.stderr()
    );
}

#[test]
fn exit_without_shutdown_and_open_input() {
    let mut client = start(false, json!({}));
    client.notify("exit", Value::Null);
    // The input stays open, as some clients leave it.
    let status = client.wait_exit(EXIT_GUARD);
    assert!(
        status.is_some(),
        "server still running {EXIT_GUARD:?} after exit\n{}",
        client.stderr()
    );
}

#[test]
fn shutdown_then_exit_with_open_input() {
    let mut client = start(false, json!({}));
    client.request_ok("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    let status = client.wait_exit(EXIT_GUARD);
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "{}",
        client.stderr()
    );
}

/// The client process dies: both ends of the pipes close while the server has work queued
/// and output to write.
#[test]
fn vanished_client_pipes_stop_server() {
    let mut child = Command::new(rulelens_binary())
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rulelens server");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let initialize = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": initialize_params(false, false, false, json!({})) });
    let mut bytes = frame(&initialize.to_string());
    bytes.extend(frame(
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    ));
    for index in 0..200 {
        let open = json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": { "uri": format!("file:///scratch/stress/gone{index}.kql"),
                              "languageId": "kql", "version": 1,
                              "text": "SigninLogs\n| where ResultType == 0\n" } } });
        bytes.extend(frame(&open.to_string()));
    }
    stdin.write_all(&bytes).expect("write to server");
    drop(stdin);
    drop(child.stdout.take());

    let deadline = Instant::now() + EXIT_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll server") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        status.is_some(),
        "server still running {EXIT_GUARD:?} after both pipes closed"
    );
}
