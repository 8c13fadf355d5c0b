//! A guard in front of the LSP transport, so that one malformed message cannot stop the server.
//!
//! The transport of tower-lsp-server 0.23 reads through tokio-util's `FramedRead`, which ends
//! the stream after the first message it cannot decode, and the server then stops as if the
//! client had closed its input. This guard reads the client's messages first and passes on
//! only those the transport decodes. Each malformed message is logged and replaced by a
//! [`INVALID_MESSAGE_METHOD`] request, to which the server responds with the JSON-RPC error for
//! it: `-32700` (parse error) for an invalid header or a body that is not JSON, `-32600`
//! (invalid request) for JSON that is not a JSON-RPC 2.0 message. The response carries the
//! message's id when it has a usable one, else `null`, as JSON-RPC 2.0 specifies.
//!
//! After a header without a valid `Content-Length` the length of the body is unknown, so the
//! guard skips to the next line that contains a `Content-Length` header.

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc;

/// The method of the request that replaces a malformed message. Its params are the error's
/// `code` and `message`.
pub const INVALID_MESSAGE_METHOD: &str = "rulelens/invalidMessage";

/// Bodies longer than this are skipped without being read into memory. A document is at most
/// 64 MiB as a file, and JSON escaping can double it.
const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// Header lines longer than this are cut, so a client that sends no line end cannot make the
/// guard buffer without bound.
const MAX_HEADER_LINE_BYTES: u64 = 64 * 1024;

/// The `params` of an [`INVALID_MESSAGE_METHOD`] request.
#[derive(Debug, serde::Deserialize)]
pub struct InvalidMessage {
    pub code: i64,
    pub message: String,
}

impl InvalidMessage {
    /// Converts the params into the JSON-RPC error of the response.
    pub fn into_error(self) -> jsonrpc::Error {
        jsonrpc::Error {
            code: jsonrpc::ErrorCode::from(self.code),
            message: self.message.into(),
            data: None,
        }
    }
}

/// Copies messages from `input` to `output` until `input` ends or `output` is closed, replacing
/// each malformed message as the module documentation describes.
pub async fn forward_messages(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut reader = BufReader::new(input);
    loop {
        let message = match read_message(&mut reader).await {
            Ok(Some(message)) => message,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!("stopped reading the client's messages: {error}");
                return;
            }
        };
        let body = match message {
            Incoming::Valid(body) => body,
            Incoming::Invalid { id, code, reason } => {
                tracing::warn!(code, id = %id, "malformed message from the client: {reason}");
                replacement(&id, code, &reason)
            }
        };
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            output.flush().await
        };
        if written.await.is_err() {
            // The transport has stopped (after `exit`), so nothing reads the messages any more.
            return;
        }
    }
}

/// One message read from the client.
#[derive(Debug, PartialEq)]
enum Incoming {
    /// A body the transport decodes.
    Valid(Vec<u8>),
    /// A message that gets error `code` in response, for request `id` (`null` when unknown).
    Invalid {
        id: Value,
        code: i64,
        reason: String,
    },
}

/// Reads one message. Returns `None` at the end of the input.
async fn read_message(
    reader: &mut (impl tokio::io::AsyncBufRead + Unpin),
) -> std::io::Result<Option<Incoming>> {
    let Some(length) = read_headers(reader).await? else {
        return Ok(None);
    };
    let length = match length {
        Ok(length) => length,
        Err(reason) => {
            return Ok(Some(Incoming::Invalid {
                id: Value::Null,
                code: jsonrpc::ErrorCode::ParseError.code(),
                reason,
            }))
        }
    };
    if length > MAX_BODY_BYTES {
        let skipped =
            tokio::io::copy(&mut (&mut *reader).take(length), &mut tokio::io::sink()).await?;
        if skipped < length {
            return Ok(None);
        }
        return Ok(Some(Incoming::Invalid {
            id: Value::Null,
            code: jsonrpc::ErrorCode::ParseError.code(),
            reason: format!(
                "message of {length} bytes is larger than the {MAX_BODY_BYTES} byte limit"
            ),
        }));
    }
    let mut body = Vec::new();
    (&mut *reader).take(length).read_to_end(&mut body).await?;
    if (body.len() as u64) < length {
        return Ok(None);
    }
    Ok(Some(check_body(body)))
}

/// Reads header lines up to the blank line that ends them. Returns the `Content-Length`, or
/// why it is missing or invalid, and `None` at the end of the input.
async fn read_headers(
    reader: &mut (impl tokio::io::AsyncBufRead + Unpin),
) -> std::io::Result<Option<Result<u64, String>>> {
    let mut length: Option<Result<u64, String>> = None;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut *reader)
            .take(MAX_HEADER_LINE_BYTES)
            .read_until(b'\n', &mut line)
            .await?;
        if read == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        // The header may follow the rest of a body whose length was unknown, on the same line.
        if let Some(start) = text.to_ascii_lowercase().find("content-length:") {
            let value = text[start + "content-length:".len()..].trim();
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|error| format!("invalid Content-Length header `{value}`: {error}")),
            );
        }
    }
    Ok(Some(length.unwrap_or_else(|| {
        Err("message header has no Content-Length".to_owned())
    })))
}

/// Decides whether the transport decodes `body`, with the same types it decodes into.
fn check_body(body: Vec<u8>) -> Incoming {
    let decodes = serde_json::from_slice::<jsonrpc::Request>(&body).is_ok()
        || serde_json::from_slice::<jsonrpc::Response>(&body).is_ok();
    if decodes {
        return Incoming::Valid(body);
    }
    match serde_json::from_slice::<Value>(&body) {
        Err(error) => Incoming::Invalid {
            id: Value::Null,
            code: jsonrpc::ErrorCode::ParseError.code(),
            reason: format!("message body is not JSON: {error}"),
        },
        Ok(value) => {
            // A number or string id can be echoed; any other id is answered with `null`.
            let id = value
                .get("id")
                .filter(|id| id.is_i64() || id.is_string())
                .cloned()
                .unwrap_or(Value::Null);
            Incoming::Invalid {
                id,
                code: jsonrpc::ErrorCode::InvalidRequest.code(),
                reason: "message is not a JSON-RPC 2.0 request, notification or response: it \
                         needs \"jsonrpc\": \"2.0\", a string \"method\" or a result, and a \
                         number or string \"id\""
                    .to_owned(),
            }
        }
    }
}

fn replacement(id: &Value, code: i64, reason: &str) -> Vec<u8> {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": INVALID_MESSAGE_METHOD,
        "params": { "code": code, "message": reason },
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the guard over `input` and returns the bodies it passes on.
    fn forward(input: &[u8]) -> Vec<Value> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("build a runtime");
        let mut output = Vec::new();
        runtime.block_on(forward_messages(input, &mut output));
        let mut bodies = Vec::new();
        let mut rest = output.as_slice();
        while !rest.is_empty() {
            let text = std::str::from_utf8(rest).expect("utf-8 output");
            let header_end = text.find("\r\n\r\n").expect("header end");
            let length: usize = text["Content-Length: ".len()..header_end]
                .parse()
                .expect("length");
            let body = &rest[header_end + 4..header_end + 4 + length];
            bodies.push(serde_json::from_slice(body).expect("json body"));
            rest = &rest[header_end + 4 + length..];
        }
        bodies
    }

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const HOVER: &str = r#"{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":{}}"#;

    #[test]
    fn valid_messages_pass_unchanged() {
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let response = r#"{"jsonrpc":"2.0","id":3,"result":null}"#;
        let input = format!("{}{}{}", frame(HOVER), frame(response), frame(exit));
        let bodies = forward(input.as_bytes());
        assert_eq!(bodies.len(), 3);
        assert_eq!(bodies[0]["method"], "textDocument/hover");
        assert_eq!(bodies[1]["id"], 3);
        assert_eq!(bodies[2]["method"], "exit");
    }

    #[test]
    fn invalid_json_becomes_parse_error() {
        let input = format!(
            "{}{}",
            frame(r#"{"jsonrpc": "2.0", "id": 7, "#),
            frame(HOVER)
        );
        let bodies = forward(input.as_bytes());
        assert_eq!(bodies.len(), 2);
        assert_eq!(bodies[0]["method"], INVALID_MESSAGE_METHOD);
        assert_eq!(bodies[0]["id"], Value::Null);
        assert_eq!(bodies[0]["params"]["code"], -32700);
        assert_eq!(bodies[1]["id"], 5);
    }

    #[test]
    fn bad_content_length_resynchronises() {
        let input = format!("Content-Length: abc\r\n\r\n{HOVER}{}", frame(HOVER));
        let bodies = forward(input.as_bytes());
        assert_eq!(bodies.len(), 2, "{bodies:?}");
        assert_eq!(bodies[0]["params"]["code"], -32700);
        let reason = bodies[0]["params"]["message"].as_str().unwrap_or_default();
        assert!(reason.contains("`abc`"), "{reason}");
        assert_eq!(bodies[1]["method"], "textDocument/hover");
    }

    #[test]
    fn missing_length_and_blank_lines() {
        let input = format!("\r\nContent-Type: x\r\n\r\n{}", frame(HOVER));
        let bodies = forward(input.as_bytes());
        assert_eq!(bodies.len(), 2, "{bodies:?}");
        assert_eq!(bodies[0]["params"]["code"], -32700);
        assert_eq!(bodies[1]["id"], 5);
    }

    #[test]
    fn wrong_shape_keeps_usable_id() {
        let cases = [
            (r#"{"id":9,"method":"foo"}"#, json!(9)),
            (r#"{"jsonrpc":"1.0","id":"a","method":"foo"}"#, json!("a")),
            (
                r#"{"jsonrpc":"2.0","id":{"x":1},"method":"foo"}"#,
                Value::Null,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"method":5}"#, json!(1)),
            (r#"[1,2]"#, Value::Null),
        ];
        for (body, id) in cases {
            let bodies = forward(frame(body).as_bytes());
            assert_eq!(bodies.len(), 1, "{body}");
            assert_eq!(bodies[0]["params"]["code"], -32600, "{body}");
            assert_eq!(bodies[0]["id"], id, "{body}");
        }
    }

    #[test]
    fn oversized_body_is_skipped() {
        let input = format!("Content-Length: {}\r\n\r\n", MAX_BODY_BYTES + 1);
        // The input ends before the announced body, so nothing is passed on and the guard
        // stops instead of waiting.
        assert!(forward(input.as_bytes()).is_empty());
    }

    #[test]
    fn truncated_body_ends_input() {
        let input = format!("{}Content-Length: 50\r\n\r\n{{}}", frame(HOVER));
        let bodies = forward(input.as_bytes());
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0]["id"], 5);
    }
}
