//! Position conversions on arbitrary text: byte offsets to UTF-8, UTF-16 and character
//! columns and back must round-trip on every character boundary.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_syntax::LineIndex;

fuzz_target!(|text: &str| {
    let index = LineIndex::new(text);
    for (offset, _) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let utf16 = index.line_col_utf16(text, offset);
        let back = index.offset_of_utf16_col(text, utf16.line as usize, utf16.col as usize);
        // Offsets inside a line terminator map to the line end, which is not a round trip.
        let in_terminator = matches!(text.as_bytes().get(offset), Some(b'\n'))
            && offset > 0
            && text.as_bytes().get(offset - 1) == Some(&b'\r');
        if !in_terminator {
            assert_eq!(back, offset, "utf-16 round trip at {offset}");
        }
        let chars = index.line_col_chars(text, offset);
        let back = index.offset_of_char_col(text, chars.line as usize, chars.col as usize);
        if !in_terminator {
            assert_eq!(back, offset, "char round trip at {offset}");
        }
    }
});
