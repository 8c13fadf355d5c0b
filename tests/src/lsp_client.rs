//! A small JSON-RPC client that drives `rulelens server` over standard input and output, for
//! the end-to-end LSP tests and the replay benchmark.
//!
//! A reader thread splits the server's output into messages (`Content-Length` framing) and
//! sends them over a channel. Every wait has a timeout, so a hung server fails the test with
//! the message it was waiting for instead of hanging it. Requests the server sends to the
//! client (`workspace/configuration`, `client/registerCapability`) are answered with `null`.
//! Dropping the client kills the server if it is still running.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for any one message unless it says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// A running `rulelens server` and the client side of its connection.
#[derive(Debug)]
pub struct LspClient {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read while waiting for something else, oldest first.
    backlog: VecDeque<Value>,
    next_id: i64,
    stderr: Arc<Mutex<String>>,
}

impl LspClient {
    /// Starts `binary server` with extra environment variables.
    ///
    /// # Panics
    /// Panics when the process cannot be started.
    pub fn start(binary: &std::path::Path, env: &[(&str, &str)]) -> LspClient {
        let mut command = Command::new(binary);
        command
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start rulelens server");
        let stdout = child.stdout.take().expect("server stdout is piped");
        let stderr = child.stderr.take().expect("server stderr is piped");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || read_messages(BufReader::new(stdout), &sender));
        let stderr_text = Arc::new(Mutex::new(String::new()));
        let stderr_sink = Arc::clone(&stderr_text);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                if let Ok(mut text) = stderr_sink.lock() {
                    text.push_str(&line);
                }
                line.clear();
            }
        });
        LspClient {
            stdin: child.stdin.take(),
            child,
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
            stderr: stderr_text,
        }
    }

    /// What the server wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one message.
    ///
    /// # Panics
    /// Panics when the server's input is closed.
    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("server stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to server");
        stdin.flush().expect("flush server stdin");
    }

    /// Writes `bytes` to the server's input as they are, for tests of malformed messages.
    ///
    /// # Panics
    /// Panics when the server's input is closed.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("server stdin is open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush server stdin");
    }

    /// Closes the server's input without `shutdown` or `exit`, as a client that vanishes does.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// Waits for the server process to end, and returns `None` when it still runs after
    /// `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll server process") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Removes and returns the messages received so far that satisfy `accept`, without
    /// waiting, keeping the others.
    pub fn take_received(&mut self, mut accept: impl FnMut(&Value) -> bool) -> Vec<Value> {
        while let Ok(message) = self.incoming.try_recv() {
            if !self.answer_server_request(&message) {
                self.backlog.push_back(message);
            }
        }
        let mut taken = Vec::new();
        let mut kept = VecDeque::new();
        for message in self.backlog.drain(..) {
            if accept(&message) {
                taken.push(message);
            } else {
                kept.push_back(message);
            }
        }
        self.backlog = kept;
        taken
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its id without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and waits for its response message (with `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id, DEFAULT_TIMEOUT)
    }

    /// Sends a request and returns its `result`.
    ///
    /// # Panics
    /// Panics when the response is an error.
    pub fn request_ok(&mut self, method: &str, params: Value) -> Value {
        let response = self.request(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}\nserver stderr:\n{}",
            self.stderr()
        );
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Waits for the response to request `id`.
    pub fn response(&mut self, id: i64, timeout: Duration) -> Value {
        self.wait_for(&format!("response to request {id}"), timeout, |message| {
            message.get("id") == Some(&json!(id)) && message.get("method").is_none()
        })
    }

    /// Waits for a notification `method` whose params satisfy `accept`.
    pub fn notification(
        &mut self,
        method: &str,
        timeout: Duration,
        mut accept: impl FnMut(&Value) -> bool,
    ) -> Value {
        let message = self.wait_for(&format!("{method} notification"), timeout, |message| {
            message.get("method").and_then(Value::as_str) == Some(method)
                && message.get("id").is_none()
                && accept(message.get("params").unwrap_or(&Value::Null))
        });
        message.get("params").cloned().unwrap_or(Value::Null)
    }

    /// Waits for `publishDiagnostics` for `uri` at `version`.
    pub fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let params = self.notification(
            "textDocument/publishDiagnostics",
            DEFAULT_TIMEOUT,
            |params| params["uri"] == uri && params["version"] == version,
        );
        params["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Returns the first message that satisfies `accept`, keeping the others for later waits.
    ///
    /// # Panics
    /// Panics when none arrives within `timeout` or the server's output closes.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut accept: impl FnMut(&Value) -> bool,
    ) -> Value {
        if let Some(position) = self.backlog.iter().position(&mut accept) {
            if let Some(message) = self.backlog.remove(position) {
                return message;
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => {
                    if self.answer_server_request(&message) {
                        continue;
                    }
                    if accept(&message) {
                        return message;
                    }
                    self.backlog.push_back(message);
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "timed out after {timeout:?} waiting for {what}\nserver stderr:\n{}",
                    self.stderr()
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "server output closed while waiting for {what}\nserver stderr:\n{}",
                    self.stderr()
                ),
            }
        }
    }

    /// Drops the messages received so far, such as older diagnostics.
    pub fn clear_backlog(&mut self) {
        while let Ok(message) = self.incoming.try_recv() {
            self.answer_server_request(&message);
        }
        self.backlog.clear();
    }

    /// Answers a request from the server with `null`; returns whether `message` was one.
    fn answer_server_request(&mut self, message: &Value) -> bool {
        let is_request = message.get("method").is_some() && message.get("id").is_some();
        if is_request {
            let id = message["id"].clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        }
        is_request
    }

    /// Sends `shutdown` and `exit`, and waits for the process to end.
    ///
    /// # Panics
    /// Panics when shutdown fails or the process does not end within `timeout`.
    pub fn shutdown(mut self, timeout: Duration) -> ExitStatus {
        self.request_ok("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll server process") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server still running {timeout:?} after exit\nserver stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `Content-Length` framed messages until the stream closes or a frame is malformed.
fn read_messages(mut reader: impl BufRead, sender: &mpsc::Sender<Value>) {
    loop {
        let mut length = None;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.strip_prefix("Content-Length:") {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else {
            return;
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let Ok(message) = serde_json::from_slice::<Value>(&body) else {
            return;
        };
        if sender.send(message).is_err() {
            return;
        }
    }
}

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &std::path::Path) -> String {
    let mut uri = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(char::from(byte));
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

/// The `initialize` params of a minimal client. `utf8` offers the UTF-8 position encoding;
/// `pull` declares pull diagnostics; `resolve` declares lazy code-action edits.
pub fn initialize_params(utf8: bool, pull: bool, resolve: bool, options: Value) -> Value {
    let encodings = if utf8 {
        json!(["utf-8", "utf-16"])
    } else {
        json!(["utf-16"])
    };
    let mut text_document = json!({
        "publishDiagnostics": { "relatedInformation": true, "versionSupport": true },
        "hover": { "contentFormat": ["markdown", "plaintext"] },
        "codeAction": {
            "codeActionLiteralSupport": { "codeActionKind": { "valueSet": ["quickfix"] } },
            "dataSupport": true
        }
    });
    if pull {
        text_document["diagnostic"] = json!({ "dynamicRegistration": false });
    }
    if resolve {
        text_document["codeAction"]["resolveSupport"] = json!({ "properties": ["edit"] });
    }
    json!({
        "processId": null,
        "rootUri": null,
        "capabilities": {
            "general": { "positionEncodings": encodings },
            "textDocument": text_document
        },
        "initializationOptions": options
    })
}

/// Applies LSP text edits to ASCII `text`, last edit first, so that earlier positions stay
/// valid; columns count bytes, which equals UTF-16 units for ASCII.
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().unwrap_or_default() as usize;
        let column = position["character"].as_u64().unwrap_or_default() as usize;
        let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        line_start + column
    };
    let mut ranges: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|edit| {
            (
                offset(&edit["range"]["start"]),
                offset(&edit["range"]["end"]),
                edit["newText"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    ranges.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    let mut result = text.to_owned();
    for (start, end, new_text) in ranges {
        result.replace_range(start..end, new_text);
    }
    result
}
