//! `rulelens server` over stdio on a real Sigma rule of the corpus: initialize, open, receive
//! diagnostics, hover, complete, request and resolve code actions, type a sequence of
//! incremental edits with a half-typed line, and shut down.

use rulelens_e2e::lsp_client::{
    apply_edits, file_uri, initialize_params, LspClient, DEFAULT_TIMEOUT,
};
use rulelens_e2e::{corpus, rulelens_binary};
use serde_json::{json, Value};
use std::time::Duration;

const RULE: &str = "sigma/SigmaHQ+sigma/rules-placeholder/windows/network_connection/\
net_connection_win_susp_rdp_from_domain_controller.yml";

/// Starts a server, initializes it, and opens the corpus rule; returns the client, the rule's
/// URI and text.
fn open_rule(utf8: bool, resolve: bool) -> (LspClient, String, String) {
    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let mut client = LspClient::start(rulelens_binary(), &[]);
    let result = client.request_ok(
        "initialize",
        initialize_params(utf8, false, resolve, json!({ "debounceMs": 0 })),
    );
    let expected_encoding = if utf8 { "utf-8" } else { "utf-16" };
    assert_eq!(
        result["capabilities"]["positionEncoding"],
        expected_encoding
    );
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2);
    client.notify("initialized", json!({}));
    let uri = file_uri(&path);
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    (client, uri, text)
}

/// Returns the zero-based line and UTF-16 column of the first `needle` in `text`, for ASCII
/// lines only.
fn position_of(text: &str, needle: &str) -> Value {
    let offset = text.find(needle).expect("needle in rule text");
    let line = text[..offset].matches('\n').count();
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": column })
}

#[test]
fn sigma_rule_open_hover_complete_edit_shutdown() {
    let (mut client, uri, text) = open_rule(false, false);

    // The corpus rule is clean.
    let diagnostics = client.diagnostics(&uri, 1);
    assert_eq!(diagnostics, Vec::<Value>::new());

    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&text, "endswith") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.starts_with("**|endswith** (Sigma modifier)"),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"], position_of(&text, "endswith"));

    // Type a new field key under the filter, one keystroke at a time, ending half-typed.
    let start = position_of(&text, "    condition:");
    let line = start["line"].as_u64().unwrap_or_default();
    let typed = "        CommandLine|con";
    let mut version = 1;
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{
                "range": { "start": { "line": line, "character": 0 },
                           "end": { "line": line, "character": 0 } },
                "text": "\n"
            }]
        }),
    );
    version += 1;
    for (column, character) in typed.chars().enumerate() {
        version += 1;
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": line, "character": column },
                               "end": { "line": line, "character": column } },
                    "text": character.to_string()
                }]
            }),
        );
    }
    // The half-typed key is a YAML error, reported where the parser noticed it: at the start
    // of the next line.
    let diagnostics = client.diagnostics(&uri, version);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "syntax/yaml");
    assert_eq!(diagnostics[0]["severity"], 1);
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": line + 1, "character": 4 })
    );

    let completion = client.request_ok(
        "textDocument/completion",
        json!({
            "textDocument": { "uri": uri },
            "position": { "line": line, "character": typed.len() }
        }),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["label"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, vec!["contains"]);
    let edit = &completion[0]["textEdit"];
    assert_eq!(edit["range"]["start"]["character"], typed.len() - 3);
    assert_eq!(edit["newText"], "contains");

    // Finish the line: the error goes away.
    version += 1;
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": version },
            "contentChanges": [{
                "range": { "start": { "line": line, "character": typed.len() },
                           "end": { "line": line, "character": typed.len() } },
                "text": "tains: 'mstsc'"
            }]
        }),
    );
    assert_eq!(client.diagnostics(&uri, version), Vec::<Value>::new());

    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
}

#[test]
fn hover_reads_figures_from_index() {
    // An index of the corpus's Sigma network-connection rules, given as the extra index.
    let index = network_connection_index("lsp-index");

    let path = corpus().join(RULE);
    let text = std::fs::read_to_string(&path).expect("read the corpus rule");
    let mut client = LspClient::start(rulelens_binary(), &[]);
    client.request_ok(
        "initialize",
        initialize_params(false, false, false, json!({ "indexPath": index })),
    );
    client.notify("initialized", json!({}));
    let uri = file_uri(&path);
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    client.diagnostics(&uri, 1);

    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&text, "DestinationPort") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    let figures = markdown.lines().nth(2).unwrap_or_default();
    let count: u32 = figures
        .strip_prefix("Used by **")
        .and_then(|rest| rest.split("**").next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_default();
    assert!(count > 10, "{markdown}");
    // The per-vendor counts follow the total; the embedded index may add other vendors.
    assert!(figures.contains("(sigma "), "{markdown}");
    assert!(markdown.contains("Top values: "), "{markdown}");

    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&text, "3389") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.starts_with("**DestinationPort** eq `3389`\n\nCorpus reach: **"),
        "{markdown}"
    );
}

#[test]
fn hover_names_technique_and_counts_under_it() {
    // The embedded index: its Elastic rules name the techniques.
    let (mut client, uri, text) = open_rule(false, false);
    client.diagnostics(&uri, 1);

    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&text, "t1021") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.starts_with("**T1021** Remote Services\n\n**"),
        "{markdown}"
    );
    assert!(markdown.contains(" corpus rules (sigma "), "{markdown}");

    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": position_of(&text, "DestinationPort") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    let figures = markdown.lines().nth(2).unwrap_or_default();
    let number_after = |marker: &str| -> u32 {
        figures
            .split(marker)
            .next()
            .and_then(|before| before.rsplit("**").next())
            .and_then(|number| number.parse().ok())
            .unwrap_or_default()
    };
    let total = number_after("** corpus rules");
    let under = number_after("** under this rule's techniques");
    assert!(under > 0, "{markdown}");
    assert!(under < total, "{markdown}");

    // A revoked id names the technique that replaced it.
    let revoked = "title: Old tag\ntags:\n  - attack.t1086\nlogsource:\n  product: windows\n\
detection:\n  selection:\n    Image|endswith: '\\powershell.exe'\n  condition: selection\n";
    let revoked_uri = "file:///scratch/revoked.yml";
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": revoked_uri, "languageId": "yaml", "version": 1,
                                  "text": revoked } }),
    );
    client.diagnostics(revoked_uri, 1);
    let hover = client.request_ok(
        "textDocument/hover",
        json!({ "textDocument": { "uri": revoked_uri },
                "position": position_of(revoked, "t1086") }),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.ends_with(
            "Revoked or deprecated in ATT&CK: use **T1059.001** Command and Scripting \
             Interpreter: PowerShell.\n"
        ),
        "{markdown}"
    );

    let status = client.shutdown(DEFAULT_TIMEOUT);
    assert!(status.success(), "exit status {status}");
}

/// Builds an index of the corpus's Sigma network-connection rules in a scratch folder.
fn network_connection_index(name: &str) -> std::path::PathBuf {
    let scratch = rulelens_e2e::scratch(name);
    let index = scratch.join("network.rlidx");
    let folder = corpus().join("sigma/SigmaHQ+sigma/rules/windows/network_connection");
    let built = rulelens_e2e::run(&[
        "index",
        "build",
        folder.to_str().expect("utf-8 corpus path"),
        "--out",
        index.to_str().expect("utf-8 scratch path"),
    ]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    index
}

/// Lists the Windows Sigma rules of the corpus that `rulelens check` reports `lint` on. The
/// lint's thresholds come from the index, so the test asks the CLI rather than naming rules.
fn corpus_rules_with(lint: &str) -> Vec<std::path::PathBuf> {
    let folder = corpus().join("sigma/SigmaHQ+sigma/rules/windows");
    let checked = rulelens_e2e::run(&[
        "check",
        "--format",
        "json",
        folder.to_str().expect("utf-8 corpus path"),
    ]);
    let report = checked.json();
    let mut paths: Vec<std::path::PathBuf> = report["diagnostics"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|finding| finding["lint"] == lint)
                .filter_map(|finding| finding["path"].as_str().map(std::path::PathBuf::from))
                .collect()
        })
        .unwrap_or_default();
    paths.dedup();
    paths
}

#[test]
fn corpus_fix_applies_and_clears_finding() {
    let mut client = LspClient::start(rulelens_binary(), &[]);
    client.request_ok(
        "initialize",
        initialize_params(false, false, true, json!({ "debounceMs": 0 })),
    );
    client.notify("initialized", json!({}));
    let lint = "corpus/missing-common-exclusion";
    let candidates = corpus_rules_with(lint);
    assert!(
        !candidates.is_empty(),
        "rulelens check reports no {lint} on the corpus"
    );
    let mut opened = None;
    for (number, path) in candidates.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("read the corpus rule");
        let uri = file_uri(path);
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1,
                                      "text": text } }),
        );
        let diagnostics = client.diagnostics(&uri, 1);
        let finding = diagnostics
            .iter()
            .find(|d| d["code"] == lint && d["data"]["fixes"][0].is_object())
            .cloned();
        if let Some(finding) = finding {
            opened = Some((uri, text, finding));
            break;
        }
        assert!(
            number + 1 < candidates.len(),
            "none of {candidates:?} has a {lint} finding with a fix over LSP"
        );
    }
    let (uri, text, finding) = opened.expect("a rule with a fixable finding");
    assert_eq!(
        finding["data"]["explain"],
        format!("rulelens explain {lint}")
    );

    let actions = client.request_ok(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": finding["range"],
                "context": { "diagnostics": [finding] } }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    let fix = actions
        .iter()
        .find(|action| {
            !action["title"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Suppress")
        })
        .cloned()
        .unwrap_or_else(|| panic!("no fix action in {actions:?}"));
    assert!(fix.get("edit").is_none(), "edits come from resolve: {fix}");
    let resolved = client.request_ok("codeAction/resolve", fix);
    let edits = resolved["edit"]["changes"][&uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!edits.is_empty(), "{resolved}");

    let fixed = apply_edits(&text, &edits);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": fixed }] }),
    );
    let after = client.diagnostics(&uri, 2);
    let still_there = after
        .iter()
        .any(|d| d["code"] == lint && d["message"] == finding["message"]);
    assert!(!still_there, "fix left the finding:\n{fixed}\n{after:?}");
    let syntax_errors: Vec<&Value> = after
        .iter()
        .filter(|d| {
            d["code"]
                .as_str()
                .unwrap_or_default()
                .starts_with("syntax/")
        })
        .collect();
    assert!(syntax_errors.is_empty(), "{syntax_errors:?}");
}

#[test]
fn private_range_fixes_apply_in_turn() {
    let path = corpus()
        .join("sigma/SigmaHQ+sigma/rules/windows/network_connection/net_connection_win_python.yml");
    // The corpus rule excludes 127.0.0.1 only; excluding 10.0.0.0/8 instead makes it a partial
    // private-range block on both address fields.
    let mut text = std::fs::read_to_string(&path)
        .expect("read the corpus rule")
        .replace(
            "        DestinationIp: 127.0.0.1\n        SourceIp: 127.0.0.1\n",
            "        DestinationIp|cidr: '10.0.0.0/8'\n        SourceIp|cidr: '10.0.0.0/8'\n",
        );
    assert!(
        text.contains("SourceIp|cidr"),
        "the corpus rule changed: {text}"
    );
    let mut client = LspClient::start(rulelens_binary(), &[]);
    client.request_ok(
        "initialize",
        initialize_params(false, false, false, json!({ "debounceMs": 0 })),
    );
    client.notify("initialized", json!({}));
    let uri = file_uri(&path);
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text } }),
    );
    let lint = "corpus/partial-private-range-exclusion";
    let mut diagnostics = client.diagnostics(&uri, 1);
    let count = |diagnostics: &[Value]| diagnostics.iter().filter(|d| d["code"] == lint).count();
    assert_eq!(count(&diagnostics), 2, "{diagnostics:?}");

    // Both findings' fixes rewrite the condition, so they cannot be applied as one action:
    // each is applied in turn, against fresh diagnostics.
    for version in 2..=3 {
        let finding = diagnostics
            .iter()
            .find(|d| d["code"] == lint)
            .cloned()
            .expect("a private-range finding is left");
        let actions = client.request_ok(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": finding["range"],
                    "context": { "diagnostics": [finding] } }),
        );
        let actions = actions.as_array().cloned().unwrap_or_default();
        let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "Add all missing private ranges",
                "Suppress corpus/partial-private-range-exclusion here, with a reason"
            ]
        );
        let edits = actions[0]["edit"]["changes"][&uri]
            .as_array()
            .cloned()
            .unwrap_or_default();
        text = apply_edits(&text, &edits);
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": text }] }),
        );
        diagnostics = client.diagnostics(&uri, version);
        assert_eq!(
            count(&diagnostics),
            3 - version as usize,
            "{text}\n{diagnostics:?}"
        );
    }
    let syntax_errors = diagnostics
        .iter()
        .filter(|d| {
            d["code"]
                .as_str()
                .unwrap_or_default()
                .starts_with("syntax/")
        })
        .count();
    assert_eq!(syntax_errors, 0, "{diagnostics:?}");
}

#[test]
fn sigma_navigation_symbols_definition_rename() {
    let (mut client, uri, text) = open_rule(false, false);
    client.diagnostics(&uri, 1);
    let symbols = client.request_ok(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(
        symbols[0]["name"],
        "New RDP Connection Initiated From Domain Controller"
    );
    let children: Vec<&str> = symbols[0]["children"]
        .as_array()
        .map(|items| items.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        children,
        vec![
            "selection_connection",
            "selection_hosts",
            "filter_optional_defender_identity",
            "condition: all of selection_* and not 1 of filter_*"
        ]
    );

    let pattern = position_of(&text, "filter_*");
    let definition = client.request_ok(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": pattern }),
    );
    assert_eq!(
        definition[0]["range"]["start"],
        position_of(&text, "filter_optional_defender_identity")
    );

    // Renaming a filter to a name its pattern no longer matches is refused with the reason.
    let selection = position_of(&text, "filter_optional_defender_identity");
    let refused = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": selection, "newName": "mdi" }),
    );
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("pattern `filter_*`"), "{refused}");
    let renamed = client.request_ok(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": selection,
                "newName": "filter_optional_mdi" }),
    );
    let edits = renamed["changes"][&uri]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 1, "{renamed}");
    assert_eq!(edits[0]["newText"], "filter_optional_mdi");
}

#[test]
fn code_action_fix_and_suppress_resolve() {
    let (mut client, uri, text) = open_rule(true, true);
    client.diagnostics(&uri, 1);

    // A diagnostic in the form the server sends, with its fix in `data`, built here so that the
    // resolve and staleness checks do not depend on corpus figures. The test
    // `corpus_fix_applies_and_clears_finding` covers a published one.
    let at = position_of(&text, "        Image|endswith");
    let line = at["line"].as_u64().unwrap_or_default();
    let range = json!({ "start": { "line": line, "character": 8 },
                        "end": { "line": line, "character": 13 } });
    let insert_at = json!({ "start": { "line": line + 1, "character": 0 },
                            "end": { "line": line + 1, "character": 0 } });
    let exclusion = "        User|contains: 'svc_'\n";
    let diagnostic = json!({
        "range": range,
        "severity": 2,
        "code": "corpus/missing-common-exclusion",
        "source": "rulelens",
        "message": "peers exclude service accounts on User",
        "data": {
            "lint": "corpus/missing-common-exclusion",
            "explain": "rulelens explain corpus/missing-common-exclusion",
            "version": 1,
            "fixes": [{ "title": "Exclude service accounts", "safe": true,
                        "edits": [{ "range": insert_at, "newText": exclusion }] }]
        }
    });
    let actions = client.request_ok(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range,
                "context": { "diagnostics": [diagnostic] } }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Exclude service accounts",
            "Suppress corpus/missing-common-exclusion here, with a reason"
        ]
    );
    assert!(
        actions[0].get("edit").is_none(),
        "edits come from resolve: {}",
        actions[0]
    );
    assert_eq!(actions[0]["isPreferred"], true);

    let fix = client.request_ok("codeAction/resolve", actions[0].clone());
    let edits = &fix["edit"]["changes"][&uri];
    assert_eq!(edits[0]["newText"], exclusion);
    assert_eq!(edits[0]["range"], insert_at);

    let suppress = client.request_ok("codeAction/resolve", actions[1].clone());
    let edits = &suppress["edit"]["changes"][&uri];
    assert_eq!(
        edits[0]["newText"],
        "        # rulelens: ignore[corpus/missing-common-exclusion] <reason>\n"
    );
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": line, "character": 0 })
    );

    // Apply the fix as the editor would; the new version gets fresh diagnostics, and an action
    // for the old version is no longer offered.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "range": insert_at, "text": exclusion }] }),
    );
    let diagnostics = client.diagnostics(&uri, 2);
    let finding_left = diagnostics
        .iter()
        .any(|d| d["code"] == "corpus/missing-common-exclusion");
    assert!(!finding_left, "{diagnostics:?}");
    let stale = client.request_ok(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range,
                "context": { "diagnostics": [diagnostic] } }),
    );
    assert_eq!(stale, json!([]));

    let status = client.shutdown(Duration::from_secs(10));
    assert!(status.success(), "exit status {status}");
}

#[test]
fn suppression_diagnostic_positions_per_encoding() {
    // A malformed suppression comment is a real finding today, whatever front ends exist; the
    // emoji before it is 4 UTF-8 bytes and 2 UTF-16 units.
    let line_text = "# 😀\n# rulelens: ignore[nope/nothing] old 😀 reason\n";
    for (utf8, end_column) in [(false, 46), (true, 48)] {
        let (mut client, uri, text) = open_rule(utf8, false);
        client.diagnostics(&uri, 1);
        let lines = text.lines().count();
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{
                    "range": { "start": { "line": lines, "character": 0 },
                               "end": { "line": lines, "character": 0 } },
                    "text": line_text
                }]
            }),
        );
        let diagnostics = client.diagnostics(&uri, 2);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let finding = &diagnostics[0];
        assert_eq!(finding["code"], "syntax/invalid-suppression");
        assert_eq!(finding["source"], "rulelens");
        assert_eq!(
            finding["range"],
            json!({ "start": { "line": lines + 1, "character": 2 },
                    "end": { "line": lines + 1, "character": end_column } }),
            "utf8 {utf8}"
        );
        assert_eq!(
            finding["data"]["explain"],
            "rulelens explain syntax/invalid-suppression"
        );
        assert_eq!(finding["data"]["version"], 2);

        // Delete the comment again: the finding goes away with the new version.
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 3 },
                "contentChanges": [{
                    "range": { "start": { "line": lines, "character": 0 },
                               "end": { "line": lines + 2, "character": 0 } },
                    "text": ""
                }]
            }),
        );
        assert_eq!(client.diagnostics(&uri, 3), Vec::<Value>::new());
        let status = client.shutdown(DEFAULT_TIMEOUT);
        assert!(status.success(), "exit status {status}");
    }
}

#[test]
fn semantic_tokens_cover_condition() {
    let (mut client, uri, text) = open_rule(false, false);
    let result = client.request_ok(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    );
    let data: Vec<u64> = result["data"]
        .as_array()
        .map(|data| data.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    assert_eq!(data.len() % 5, 0);
    // Decode to (line, column, length, type) and render the token text.
    let lines: Vec<&str> = text.lines().collect();
    let (mut line, mut column) = (0, 0);
    let mut rendered = Vec::new();
    for token in data.chunks(5) {
        if token[0] > 0 {
            column = 0;
        }
        line += token[0] as usize;
        column += token[1] as usize;
        let source = lines.get(line).copied().unwrap_or_default();
        let word = source
            .get(column..column + token[2] as usize)
            .unwrap_or("?");
        rendered.push(format!("{}:{word}", token[3]));
    }
    // Legend order: keyword 0, operator 1, ..., variable 5.
    assert_eq!(
        rendered,
        vec![
            "1:expand",
            "1:endswith",
            "0:all",
            "0:of",
            "5:selection_*",
            "0:and",
            "0:not",
            "0:1",
            "0:of",
            "5:filter_*"
        ]
    );
}

#[test]
fn field_completion_ranked_by_corpus() {
    let (mut client, uri, text) = open_rule(false, false);
    client.diagnostics(&uri, 1);
    let at = position_of(&text, "        DestinationPort: 3389");
    let line = at["line"].as_u64().unwrap_or_default() + 1;
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "range": { "start": { "line": line, "character": 0 },
                                                "end": { "line": line, "character": 0 } },
                                     "text": "        Dest\n" }] }),
    );
    client.diagnostics(&uri, 2);

    let completion = client.request_ok(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 12 } }),
    );
    let items = completion.as_array().cloned().unwrap_or_default();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    // FIXME: `DestinationIp` should be offered too; its concept is labelled with another
    // vendor's spelling, because the index counts written names over every vendor.
    assert!(labels.contains(&"DestinationHostname"), "{labels:?}");
    assert!(
        labels.iter().all(|label| label.starts_with("Dest")),
        "{labels:?}"
    );
    // Items come ranked: the sort text follows the corpus rule counts in the details.
    let counts: Vec<u64> = items
        .iter()
        .filter_map(|item| item["detail"].as_str()?.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(counts.len(), items.len(), "{items:?}");
    let mut sorted = items.clone();
    sorted.sort_by_key(|item| item["sortText"].as_str().unwrap_or_default().to_owned());
    let sorted_counts: Vec<u64> = sorted
        .iter()
        .filter_map(|item| item["detail"].as_str()?.split(' ').next()?.parse().ok())
        .collect();
    assert!(
        sorted_counts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{sorted_counts:?}"
    );
}

#[test]
fn explain_command_returns_docs() {
    let (mut client, _, _) = open_rule(false, false);
    let docs = client.request_ok(
        "workspace/executeCommand",
        json!({ "command": "rulelens.explain", "arguments": ["syntax/binary-file"] }),
    );
    let docs = docs.as_str().unwrap_or_default();
    assert!(docs.starts_with("# syntax/binary-file\n"), "{docs}");
    assert!(docs.contains("## Fix"), "{docs}");
    let unknown = client.request(
        "workspace/executeCommand",
        json!({ "command": "rulelens.explain", "arguments": ["nope/nothing"] }),
    );
    let message = unknown["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("unknown lint id `nope/nothing`"),
        "{unknown}"
    );
}
