//! Open documents: the text the client sent, held as a rope and edited incrementally.
//!
//! The server never reads an open document from disk. Its text is what `didOpen` sent,
//! changed by each `didChange` in order. A *snapshot* is an immutable copy of one version
//! (the rope clone is cheap because ropey shares its chunks) that an analysis runs on while
//! later edits arrive.

use super::position::{self, PositionEncoding};
use ropey::Rope;
use std::path::PathBuf;
use std::sync::Arc;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

/// One document the client has open.
#[derive(Debug)]
pub struct OpenDocument {
    pub rope: Rope,
    /// The version the client gave with the last change.
    pub version: i32,
    /// The path the format is detected from: the URI's path, or a name made up from the
    /// client's language id for an unsaved document.
    pub detection_path: PathBuf,
}

/// An immutable copy of one version of a document, for an analysis to run on.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub rope: Rope,
    pub text: Arc<str>,
    pub detection_path: PathBuf,
}

impl OpenDocument {
    pub fn new(uri: &Uri, language_id: &str, text: &str, version: i32) -> OpenDocument {
        OpenDocument {
            rope: Rope::from_str(text),
            version,
            detection_path: detection_path(uri, language_id),
        }
    }

    /// Applies the changes of one `didChange`, in order, and records the new version.
    pub fn apply_changes(
        &mut self,
        changes: &[TextDocumentContentChangeEvent],
        version: i32,
        encoding: PositionEncoding,
    ) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let replaced = position::text_range_of(&self.rope, range, encoding);
                    let start = self.rope.byte_to_char(replaced.start());
                    let end = self.rope.byte_to_char(replaced.end());
                    self.rope.remove(start..end);
                    self.rope.insert(start, &change.text);
                }
                None => self.rope = Rope::from_str(&change.text),
            }
        }
        self.version = version;
    }

    pub fn snapshot(&self, uri: &Uri) -> Snapshot {
        Snapshot {
            uri: uri.clone(),
            version: self.version,
            rope: self.rope.clone(),
            text: Arc::from(self.rope.to_string()),
            detection_path: self.detection_path.clone(),
        }
    }
}

/// Picks the path whose extension and text select the rule format. An editor buffer that was never
/// saved has an `untitled:` URI with no extension, so the client's language id supplies one.
fn detection_path(uri: &Uri, language_id: &str) -> PathBuf {
    let uri_path = uri.to_file_path().map_or_else(
        || PathBuf::from(uri.path().as_str()),
        |path| path.into_owned(),
    );
    let has_rule_extension = uri_path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            RULE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
        });
    if has_rule_extension {
        return uri_path;
    }
    let extension = match language_id.to_ascii_lowercase().as_str() {
        "yaml" | "sigma" => "yml",
        "toml" => "toml",
        "kql" | "kusto" => "kql",
        "spl" | "splunk" | "splunk-spl" => "spl",
        _ => return uri_path,
    };
    uri_path.with_extension(extension)
}

/// Extensions [`rulelens_syntax::detect_format`] knows.
const RULE_EXTENSIONS: &[&str] = &["yml", "yaml", "toml", "kql", "kusto", "csl", "txt", "spl"];

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn uri(text: &str) -> Uri {
        text.parse().expect("valid uri")
    }

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(start.0, start.1),
                Position::new(end.0, end.1),
            )),
            range_length: None,
            text: text.to_owned(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let uri = uri("file:///rules/a.yml");
        let mut document = OpenDocument::new(&uri, "yaml", "title: 漢字\r\nid: 1\r\n", 1);
        let changes = [
            // Replace "字" (UTF-16 column 8..9) with "😀".
            change((0, 8), (0, 9), "😀"),
            // Insert after the emoji, which is two UTF-16 units wide.
            change((0, 10), (0, 10), "!"),
            change((1, 4), (1, 5), "2"),
        ];
        document.apply_changes(&changes, 2, PositionEncoding::Utf16);
        assert_eq!(document.rope.to_string(), "title: 漢😀!\r\nid: 2\r\n");
        assert_eq!(document.version, 2);
    }

    #[test]
    fn utf8_changes_count_bytes() {
        let uri = uri("file:///q.kql");
        let mut document = OpenDocument::new(&uri, "kql", "T | where A == '漢'", 1);
        // '漢' starts at byte 16 and is 3 bytes long.
        document.apply_changes(&[change((0, 16), (0, 19), "x")], 2, PositionEncoding::Utf8);
        assert_eq!(document.rope.to_string(), "T | where A == 'x'");
    }

    #[test]
    fn full_change_replaces_text() {
        let uri = uri("file:///q.spl");
        let mut document = OpenDocument::new(&uri, "spl", "index=a", 1);
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "index=b".to_owned(),
        };
        document.apply_changes(&[full], 5, PositionEncoding::Utf16);
        assert_eq!(document.rope.to_string(), "index=b");
        assert_eq!(document.version, 5);
    }

    #[test]
    fn out_of_range_change_appends() {
        let uri = uri("file:///q.spl");
        let mut document = OpenDocument::new(&uri, "spl", "a", 1);
        document.apply_changes(&[change((9, 0), (9, 4), "b")], 2, PositionEncoding::Utf16);
        assert_eq!(document.rope.to_string(), "ab");
    }

    #[test]
    fn untitled_document_uses_language_id() {
        let untitled = uri("untitled:Untitled-1");
        let document = OpenDocument::new(&untitled, "kql", "", 1);
        assert_eq!(
            document.detection_path.extension().and_then(|e| e.to_str()),
            Some("kql")
        );
        let saved = uri("file:///rules/r.yaml");
        let document = OpenDocument::new(&saved, "plaintext", "", 1);
        assert_eq!(document.detection_path, PathBuf::from("/rules/r.yaml"));
    }
}
