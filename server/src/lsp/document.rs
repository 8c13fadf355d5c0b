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
    use proptest::prelude::*;
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

    /// Pieces the generated texts are made of: ASCII, two- to four-byte UTF-8 (U+1F600 is a
    /// UTF-16 surrogate pair), and every LSP line end.
    const PIECES: &[&str] = &[
        "a", "Z", " ", ":", "é", "漢", "字", "😀", "\n", "\r\n", "\r", "\t",
    ];

    fn text_strategy(max_pieces: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(PIECES), 0..max_pieces)
            .prop_map(|pieces| pieces.concat())
    }

    /// Byte offsets where an LSP position can point: character boundaries, but not between
    /// the CR and the LF of a CRLF, which the protocol treats as one line end.
    fn addressable_offsets(text: &str) -> Vec<usize> {
        (0..=text.len())
            .filter(|&offset| text.is_char_boundary(offset))
            .filter(|&offset| {
                !(offset > 0 && text[..offset].ends_with('\r') && text[offset..].starts_with('\n'))
            })
            .collect()
    }

    /// Computes the LSP position of `offset` on the string alone, as a client would, without
    /// the rope or the server's conversion code.
    fn client_position(text: &str, offset: usize, encoding: PositionEncoding) -> Position {
        let before = &text[..offset];
        let mut line = 0;
        let mut line_start = 0;
        let mut chars = before.char_indices().peekable();
        while let Some((index, character)) = chars.next() {
            let is_break = match character {
                '\n' => true,
                '\r' => chars.peek().is_none_or(|&(_, next)| next != '\n'),
                _ => false,
            };
            if is_break {
                line += 1;
                line_start = index + 1;
            }
        }
        let content = &before[line_start..];
        let column = match encoding {
            PositionEncoding::Utf8 => content.len(),
            PositionEncoding::Utf16 => content.encode_utf16().count(),
        };
        Position::new(line, u32::try_from(column).expect("column fits u32"))
    }

    /// One generated edit: where it starts and how much it replaces, as fractions of the
    /// addressable offsets, and what it inserts.
    type EditSeed = (f64, f64, String);

    fn edits_strategy() -> impl Strategy<Value = Vec<Vec<EditSeed>>> {
        let edit = (0.0..=1.0f64, 0.0..=0.3f64, text_strategy(6));
        let notification = proptest::collection::vec(edit, 1..4);
        proptest::collection::vec(notification, 1..12)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Incremental edits applied to the rope give the same text as the same edits applied
        /// to a `String`, in both position encodings, with several changes per notification
        /// applied in order.
        #[test]
        fn rope_edits_match_string_edits(
            initial in text_strategy(40),
            notifications in edits_strategy(),
            utf8 in any::<bool>(),
        ) {
            let encoding = if utf8 { PositionEncoding::Utf8 } else { PositionEncoding::Utf16 };
            let uri = uri("file:///rules/prop.yml");
            let mut document = OpenDocument::new(&uri, "yaml", &initial, 1);
            let mut expected = initial;
            for (number, seeds) in notifications.iter().enumerate() {
                let mut changes = Vec::new();
                for (start_seed, length_seed, inserted) in seeds {
                    // Each change is relative to the text after the previous one.
                    let offsets = addressable_offsets(&expected);
                    let last = offsets.len() - 1;
                    let start_index = (start_seed * last as f64) as usize;
                    let end_index = (start_index + (length_seed * last as f64) as usize).min(last);
                    let (start, end) = (offsets[start_index], offsets[end_index]);
                    changes.push(TextDocumentContentChangeEvent {
                        range: Some(Range::new(
                            client_position(&expected, start, encoding),
                            client_position(&expected, end, encoding),
                        )),
                        range_length: None,
                        text: inserted.clone(),
                    });
                    expected.replace_range(start..end, inserted);
                }
                let version = i32::try_from(number).expect("small count") + 2;
                document.apply_changes(&changes, version, encoding);
                prop_assert_eq!(document.rope.to_string(), expected.clone());
                prop_assert_eq!(document.version, version);
            }
        }

        /// Positions a client should not send (past the end, inside a character, between CR
        /// and LF) never panic, and the inserted text lands exactly once.
        #[test]
        fn arbitrary_positions_never_panic(
            initial in text_strategy(30),
            positions in proptest::collection::vec((0u32..8, 0u32..40, 0u32..8, 0u32..40), 1..8),
            utf8 in any::<bool>(),
        ) {
            let encoding = if utf8 { PositionEncoding::Utf8 } else { PositionEncoding::Utf16 };
            let uri = uri("file:///rules/prop.yml");
            let mut document = OpenDocument::new(&uri, "yaml", &initial.replace('漢', "字"), 1);
            for (start_line, start_column, end_line, end_column) in positions {
                let before = document.rope.len_bytes();
                document.apply_changes(
                    &[change((start_line, start_column), (end_line, end_column), "漢")],
                    2,
                    encoding,
                );
                // The insertion lands whole, and a change never grows the text by more.
                let text = document.rope.to_string();
                prop_assert_eq!(text.matches('漢').count(), 1, "{:?}", text);
                prop_assert!(text.len() <= before + "漢".len());
                document.rope = Rope::from_str(&text.replace('漢', "字"));
            }
        }
    }

    #[test]
    fn client_position_counts_line_ends() {
        let text = "a\r\nb\rc\n😀d";
        assert_eq!(
            client_position(text, text.find('d').expect("d"), PositionEncoding::Utf16),
            Position::new(3, 2)
        );
        assert_eq!(
            client_position(text, text.find('d').expect("d"), PositionEncoding::Utf8),
            Position::new(3, 4)
        );
        assert_eq!(
            client_position(text, text.find('c').expect("c"), PositionEncoding::Utf8),
            Position::new(2, 0)
        );
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
