//! `rulelens server` keeps responding through panics, drops stale results, serves pull
//! diagnostics, honours cancellation, and exits cleanly.

use rulelens_e2e::lsp_client::{file_uri, initialize_params, LspClient, DEFAULT_TIMEOUT};
use rulelens_e2e::{corpus, rulelens_binary};
use serde_json::{json, Value};
use std::time::Duration;

const RULE: &str = "sigma/SigmaHQ+sigma/rules-placeholder/windows/network_connection/\
net_connection_win_susp_rdp_from_domain_controller.yml";

fn start(env: &[(&str, &str)], pull: bool, options: Value) -> LspClient {
    let mut client = LspClient::start(rulelens_binary(), env);
    let result = client.request_ok("initialize", initialize_params(false, pull, false, options));
    assert_eq!(
        result["capabilities"].get("diagnosticProvider").is_some(),
        pull,
        "{result}"
    );
    client.notify("initialized", json!({}));
    client
}

fn open(client: &mut LspClient, uri: &str, language: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
    );
}

fn hover_modifier(client: &mut LspClient, uri: &str, text: &str) -> Value {
    let offset = text.find("endswith").expect("rule has endswith");
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri },
                "position": { "line": line, "character": column } }),
    )
}

#[test]
fn panicking_request_keeps_server_alive() {
    let mut client = start(&[("RULELENS_TEST_HOOKS", "1")], false, json!({}));
    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let uri = file_uri(&path);
    open(&mut client, &uri, "yaml", &text);
    client.diagnostics(&uri, 1);

    let response = client.request("rulelens/testPanic", Value::Null);
    assert_eq!(response["error"]["code"], -32603, "{response}");
    let message = response["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("panicked"), "{response}");

    // An analysis that panics publishes nothing for its version, and a request that needs it
    // gets an error; the server lives on.
    let panicking = "file:///scratch/panics.kql";
    open(
        &mut client,
        panicking,
        "kql",
        "T | where A == 'rulelens-test-panic'",
    );
    let response = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": panicking },
                "position": { "line": 0, "character": 11 } }),
    );
    assert_eq!(response["error"]["code"], -32603, "{response}");

    let hover = hover_modifier(&mut client, &uri, &text);
    assert!(hover["contents"]["value"].as_str().is_some(), "{hover}");
    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
}

#[test]
fn test_panic_request_absent_without_hooks() {
    let mut client = start(&[], false, json!({}));
    let response = client.request("rulelens/testPanic", Value::Null);
    assert_eq!(response["error"]["code"], -32601, "{response}");
}

#[test]
fn debounce_drops_superseded_versions() {
    let mut client = start(&[], false, json!({ "debounceMs": 300 }));
    let uri = "file:///scratch/typing.kql";
    open(&mut client, uri, "kql", "SigninLogs\n");
    client.diagnostics(uri, 1);
    for version in 2..=6 {
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": 1, "character": 0 },
                               "end": { "line": 1, "character": 0 } },
                    "text": "x"
                }]
            }),
        );
    }
    // Only the last version is analysed: the earlier timers find a newer version and stop.
    let published = client.notification(
        "textDocument/publishDiagnostics",
        DEFAULT_TIMEOUT,
        |params| params["uri"] == uri,
    );
    assert_eq!(published["version"], 6, "{published}");
}

#[test]
fn pull_diagnostics_report_and_unchanged() {
    let mut client = start(&[], true, json!({}));
    let uri = "file:///scratch/pull.yml";
    let text = "title: t\nlogsource:\n  product: windows\ndetection:\n  sel:\n    A: 1\n  \
condition: sel\n# rulelens: ignore[nope/x] r\n";
    open(&mut client, uri, "yaml", text);
    let report = client.request_ok(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(report["kind"], "full", "{report}");
    assert_eq!(report["resultId"], "1");
    let codes: Vec<&str> = report["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(codes.contains(&"syntax/invalid-suppression"), "{codes:?}");

    let again = client.request_ok(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri }, "previousResultId": "1" }),
    );
    assert_eq!(again, json!({ "kind": "unchanged", "resultId": "1" }));

    let closed = client.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": "file:///scratch/never-opened.yml" } }),
    );
    assert_eq!(closed["error"]["code"], -32602, "{closed}");
}

#[test]
fn cancelled_request_gets_cancel_error() {
    let mut client = start(&[], false, json!({}));
    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let uri = file_uri(&path);
    open(&mut client, &uri, "yaml", &text);
    // Cancel a hover before the server reads it. The response is the LSP RequestCancelled
    // error, or the result when the hover had already finished. Either way a response comes,
    // and later requests still work.
    let id = client.send_request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    client.notify("$/cancelRequest", json!({ "id": id }));
    let response = client.response(id, DEFAULT_TIMEOUT);
    let cancelled = response["error"]["code"] == -32800;
    let answered = response.get("result").is_some();
    assert!(cancelled || answered, "{response}");
    let hover = hover_modifier(&mut client, &uri, &text);
    assert!(hover["contents"]["value"].as_str().is_some(), "{hover}");
}

#[test]
fn exit_without_open_documents() {
    let client = start(&[], false, json!({}));
    let status = client.shutdown(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn configuration_change_reanalyses_and_close_clears() {
    let mut client = start(&[], false, json!({ "debounceMs": 0 }));
    let uri = "file:///scratch/config.yml";
    let rule = "title: t\nlogsource:\n  product: windows\ndetection:\n  sel:\n    A: 1\n  \
unused:\n    B: 2\n  condition: sel\n";
    open(&mut client, uri, "yaml", rule);
    let codes = |diagnostics: &[Value]| -> Vec<String> {
        diagnostics
            .iter()
            .filter_map(|d| d["code"].as_str().map(str::to_owned))
            .collect()
    };
    let first = client.diagnostics(uri, 1);
    assert!(
        codes(&first).contains(&"sigma/unused-selection".to_owned()),
        "{first:?}"
    );

    // Switching the lint off in the editor settings re-analyses the open document.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "rulelens": { "lints": { "sigma/unused-selection": "off" } } } }),
    );
    let second = client.diagnostics(uri, 1);
    assert!(
        !codes(&second).contains(&"sigma/unused-selection".to_owned()),
        "{second:?}"
    );

    // Closing the document clears its diagnostics.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    let cleared = client.notification(
        "textDocument/publishDiagnostics",
        DEFAULT_TIMEOUT,
        |params| params["uri"] == uri,
    );
    assert_eq!(cleared["diagnostics"], json!([]));
    assert!(
        cleared.get("version").is_none_or(Value::is_null),
        "{cleared}"
    );
}
