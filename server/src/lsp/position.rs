//! Conversion between byte offsets and LSP positions on a rope.
//!
//! Everything below the server speaks byte offsets into the document text. An LSP position is
//! a zero-based line and a column counted in the *position encoding* agreed at `initialize`:
//! UTF-8 code units (bytes) when the client offers `utf-8`, otherwise UTF-16 code units, the
//! protocol default. Lines end at LF, CRLF or a lone CR, as the LSP specifies, so the rope is
//! built without ropey's Unicode line breaks.
//!
//! Positions from a client can be out of range (a stale request, a buggy client): a line past
//! the end maps to the end of the text, a column past the line end maps to the line end, and
//! a UTF-16 column inside a surrogate pair maps to the start of the next character.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    ClientCapabilities, Position, PositionEncodingKind, Range as LspRange,
};

/// The unit an LSP column counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PositionEncoding {
    Utf8,
    Utf16,
}

impl PositionEncoding {
    /// Picks UTF-8 when the client lists it in `general.positionEncodings`, else UTF-16.
    pub fn negotiate(capabilities: &ClientCapabilities) -> PositionEncoding {
        let offered = capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_ref());
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
            _ => PositionEncoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
            PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Converts an LSP position in `rope` to a byte offset, clamped as the module doc describes.
pub fn offset_of(rope: &Rope, position: Position, encoding: PositionEncoding) -> usize {
    let line = position.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line_start = rope.line_to_byte(line);
    let content = line_content(rope, line);
    let column = position.character as usize;
    match encoding {
        PositionEncoding::Utf8 => {
            let clamped = column.min(content.len_bytes());
            // A byte column inside a multi-byte character moves back to the character start.
            line_start + content.char_to_byte(content.byte_to_char(clamped))
        }
        PositionEncoding::Utf16 => {
            let mut counted = 0;
            let mut bytes = 0;
            for character in content.chars() {
                if counted >= column {
                    break;
                }
                counted += character.len_utf16();
                bytes += character.len_utf8();
            }
            line_start + bytes
        }
    }
}

/// Converts byte `offset` in `rope` to an LSP position. An offset past the end is the end, and
/// an offset inside a multi-byte character is the start of that character.
pub fn position_of(rope: &Rope, offset: usize, encoding: PositionEncoding) -> Position {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let line_start = rope.line_to_byte(line);
    let char_index = rope.byte_to_char(offset);
    let character = match encoding {
        PositionEncoding::Utf8 => rope.char_to_byte(char_index) - line_start,
        PositionEncoding::Utf16 => {
            let line_start_char = rope.byte_to_char(line_start);
            rope.char_to_utf16_cu(char_index) - rope.char_to_utf16_cu(line_start_char)
        }
    };
    Position::new(to_u32(line), to_u32(character))
}

/// Converts a byte range to an LSP range.
pub fn range_of(
    rope: &Rope,
    range: rulelens_syntax::TextRange,
    encoding: PositionEncoding,
) -> LspRange {
    LspRange::new(
        position_of(rope, range.start(), encoding),
        position_of(rope, range.end(), encoding),
    )
}

/// Converts an LSP range to a byte range. A reversed range becomes empty at its start.
pub fn text_range_of(
    rope: &Rope,
    range: LspRange,
    encoding: PositionEncoding,
) -> rulelens_syntax::TextRange {
    let start = offset_of(rope, range.start, encoding);
    let end = offset_of(rope, range.end, encoding).max(start);
    rulelens_syntax::TextRange::new(start, end)
}

/// Returns the text of `line` without its terminator.
fn line_content(rope: &Rope, line: usize) -> ropey::RopeSlice<'_> {
    let slice = rope.line(line);
    let mut end = slice.len_chars();
    if end > 0 && slice.char(end - 1) == '\n' {
        end -= 1;
    }
    if end > 0 && slice.char(end - 1) == '\r' {
        end -= 1;
    }
    slice.slice(..end)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::{Utf16, Utf8};

    /// Checks that `needle` in `text` is at `(line, utf8_col, utf16_col)` and that both
    /// positions map back to its offset.
    fn check(text: &str, needle: &str, line: u32, utf8_column: u32, utf16_column: u32) {
        let rope = Rope::from_str(text);
        let offset = text.find(needle).expect("needle in text");
        let utf8 = Position::new(line, utf8_column);
        let utf16 = Position::new(line, utf16_column);
        assert_eq!(
            position_of(&rope, offset, Utf8),
            utf8,
            "utf-8 position of {needle}"
        );
        assert_eq!(
            position_of(&rope, offset, Utf16),
            utf16,
            "utf-16 position of {needle}"
        );
        assert_eq!(
            offset_of(&rope, utf8, Utf8),
            offset,
            "utf-8 offset of {needle}"
        );
        assert_eq!(
            offset_of(&rope, utf16, Utf16),
            offset,
            "utf-16 offset of {needle}"
        );
    }

    #[test]
    fn cjk_columns_differ_per_encoding() {
        // Each CJK character is 3 bytes in UTF-8 and 1 unit in UTF-16.
        check("title: 漢字テスト\nid: x", "テ", 0, 13, 9);
        check("title: 漢字テスト\nid: x", "id", 1, 0, 0);
    }

    #[test]
    fn emoji_outside_bmp_is_surrogate_pair() {
        // U+1F600 is 4 bytes in UTF-8 and 2 units (a surrogate pair) in UTF-16.
        check("a😀b 😀c", "b", 0, 5, 3);
        check("a😀b 😀c", "c", 0, 11, 7);
    }

    #[test]
    fn crlf_lines_and_lone_cr() {
        let text = "title: x\r\ndetection:\r\n  sel: 漢\rcondition: sel\r\n";
        check(text, "detection", 1, 0, 0);
        check(text, "sel:", 2, 2, 2);
        check(text, "condition", 3, 0, 0);
    }

    #[test]
    fn line_end_positions_exclude_terminator() {
        let text = "ab\r\ncd";
        let rope = Rope::from_str(text);
        // Column 99 on line 0 stops before the CRLF.
        assert_eq!(offset_of(&rope, Position::new(0, 99), Utf16), 2);
        assert_eq!(offset_of(&rope, Position::new(0, 99), Utf8), 2);
        // The offset of the CR and of the LF are both the end of line 0's content or later.
        assert_eq!(position_of(&rope, 4, Utf16), Position::new(1, 0));
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "a😀\nb";
        let rope = Rope::from_str(text);
        assert_eq!(offset_of(&rope, Position::new(7, 3), Utf16), text.len());
        assert_eq!(position_of(&rope, 999, Utf16), Position::new(1, 1));
        // A UTF-16 column inside the surrogate pair moves to the next character.
        assert_eq!(offset_of(&rope, Position::new(0, 2), Utf16), 5);
        // A byte column inside the emoji moves back to its start.
        assert_eq!(offset_of(&rope, Position::new(0, 3), Utf8), 1);
        // A byte offset inside the emoji reports the emoji's start.
        assert_eq!(position_of(&rope, 2, Utf8), Position::new(0, 1));
    }

    #[test]
    fn empty_text_has_one_line() {
        let rope = Rope::from_str("");
        assert_eq!(offset_of(&rope, Position::new(0, 0), Utf16), 0);
        assert_eq!(position_of(&rope, 0, Utf8), Position::new(0, 0));
    }

    #[test]
    fn trailing_newline_starts_last_line() {
        let text = "ab\n";
        let rope = Rope::from_str(text);
        assert_eq!(position_of(&rope, 3, Utf16), Position::new(1, 0));
        assert_eq!(offset_of(&rope, Position::new(1, 0), Utf16), 3);
    }
}
