//! The server's LSP position conversions (`server/src/lsp/position.rs`, compiled into this
//! target from its source because the server is a binary crate) on arbitrary text with LF,
//! CRLF and lone CR line ends and characters of every UTF-8 and UTF-16 width.
//!
//! Checks, for both UTF-8 and UTF-16 columns:
//! - byte offset to position and back is the identity on every character boundary, except
//!   between the CR and LF of a CRLF, which is not a place a client can name;
//! - the rope-based conversions agree with the syntax crate's `LineIndex`, which the CLI
//!   reporters use, so the editor and `rulelens check` show the same line and column;
//! - positions a client could send, including lines and columns past the end, map to a
//!   character boundary inside the text, and both converters clamp them the same way.

#![no_main]

#[allow(dead_code)]
#[path = "../../server/src/lsp/position.rs"]
mod position;

use libfuzzer_sys::fuzz_target;
use position::{offset_of, position_of, text_range_of, PositionEncoding};
use ropey::Rope;
use rulelens_syntax::LineIndex;
use tower_lsp_server::ls_types::{Position, Range};

fuzz_target!(|data: &[u8]| {
    // The first eight bytes are two client positions, the rest is the document text.
    let Some((head, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let rope = Rope::from_str(text);
    let index = LineIndex::new(text);

    let boundaries = text
        .char_indices()
        .map(|(offset, _)| offset)
        .chain(std::iter::once(text.len()));
    for offset in boundaries {
        check_offset(text, &rope, &index, offset);
    }

    let word = |at: usize| u32::from(u16::from_le_bytes([head[at], head[at + 1]]));
    let first = Position::new(word(0), word(2));
    let second = Position::new(word(4), word(6));
    for client_position in [first, second] {
        check_client_position(text, &rope, &index, client_position);
    }
    for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16] {
        let range = text_range_of(&rope, Range::new(first, second), encoding);
        assert!(
            range.start() <= range.end(),
            "reversed range from {first:?}..{second:?}"
        );
        assert!(range.end() <= text.len(), "range past the end");
    }
});

/// Checks one byte offset on a character boundary in both encodings.
fn check_offset(text: &str, rope: &Rope, index: &LineIndex, offset: usize) {
    let inside_crlf = offset > 0
        && text.as_bytes().get(offset - 1) == Some(&b'\r')
        && text.as_bytes().get(offset) == Some(&b'\n');

    let utf8 = position_of(rope, offset, PositionEncoding::Utf8);
    let expected = index.line_col(offset);
    assert_eq!(
        (utf8.line, utf8.character),
        (expected.line, expected.col),
        "utf-8 position of offset {offset}"
    );
    let utf16 = position_of(rope, offset, PositionEncoding::Utf16);
    let expected = index.line_col_utf16(text, offset);
    assert_eq!(
        (utf16.line, utf16.character),
        (expected.line, expected.col),
        "utf-16 position of offset {offset}"
    );

    if !inside_crlf {
        let back = offset_of(rope, utf8, PositionEncoding::Utf8);
        assert_eq!(back, offset, "utf-8 round trip at {offset}");
        let back = offset_of(rope, utf16, PositionEncoding::Utf16);
        assert_eq!(back, offset, "utf-16 round trip at {offset}");
    }
}

/// Checks a position as a client could send it, in range or not.
fn check_client_position(text: &str, rope: &Rope, index: &LineIndex, client_position: Position) {
    let line = client_position.line as usize;
    let column = client_position.character as usize;

    let utf8 = offset_of(rope, client_position, PositionEncoding::Utf8);
    assert!(
        text.is_char_boundary(utf8),
        "utf-8 {client_position:?} inside a character"
    );
    assert_eq!(
        utf8,
        clamped_line_index_offset(text, index, line, |index, text| {
            index.offset_of_byte_col(text, line, column)
        }),
        "utf-8 offset of {client_position:?}"
    );

    let utf16 = offset_of(rope, client_position, PositionEncoding::Utf16);
    assert!(
        text.is_char_boundary(utf16),
        "utf-16 {client_position:?} inside a character"
    );
    assert_eq!(
        utf16,
        clamped_line_index_offset(text, index, line, |index, text| {
            index.offset_of_utf16_col(text, line, column)
        }),
        "utf-16 offset of {client_position:?}"
    );
}

/// Converts a client position with `LineIndex`, mapping a line past the last one to the end
/// of the text as the server does.
fn clamped_line_index_offset(
    text: &str,
    index: &LineIndex,
    line: usize,
    convert: impl Fn(&LineIndex, &str) -> usize,
) -> usize {
    if line >= index.line_count() {
        text.len()
    } else {
        convert(index, text)
    }
}
