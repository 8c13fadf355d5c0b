//! Conversion between byte offsets and line/column positions.
//!
//! Ranges in the IR are byte offsets. Reporters need 1-based lines and columns, the LSP needs
//! UTF-8 or UTF-16 columns, and `saphyr` reports positions as a line and a column counted in
//! characters. All of them go through [`LineIndex`].

/// The byte offset of every line start of one text. A line ends after `\n`, after `\r\n`, or
/// after a lone `\r`.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

/// A zero-based line and column. What the column counts depends on the method that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0u32];
        if !bytes.contains(&b'\r') {
            // Without `\r` only `\n` ends a line, and `match_indices` finds it with a
            // vectorised search instead of a test per byte.
            line_starts.extend(text.match_indices('\n').map(|(i, _)| to_u32(i + 1)));
            return LineIndex {
                line_starts,
                len: to_u32(text.len()),
            };
        }
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(to_u32(i + 1)),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => line_starts.push(to_u32(i + 1)),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            line_starts,
            len: to_u32(text.len()),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset where zero-based `line` starts, or the text length past the last line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len) as usize
    }

    /// The zero-based line that contains byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = to_u32(offset.min(self.len as usize));
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The zero-based line and byte column of `offset`.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let line = self.line_of(offset);
        let start = self.line_start(line);
        LineCol {
            line: to_u32(line),
            col: to_u32(offset.min(self.len as usize) - start),
        }
    }

    /// The zero-based line and a column counted in Unicode scalar values: the 1-based form of
    /// it is what command-line reporters print.
    pub fn line_col_chars(&self, text: &str, offset: usize) -> LineCol {
        self.line_col_counted(text, offset, |c| c.len_utf8().min(1))
    }

    /// The zero-based line and a column counted in UTF-16 code units, as the LSP default needs.
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> LineCol {
        self.line_col_counted(text, offset, char::len_utf16)
    }

    fn line_col_counted(
        &self,
        text: &str,
        offset: usize,
        width: impl Fn(char) -> usize,
    ) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let col = text[start..offset].chars().map(width).sum::<usize>();
        LineCol {
            line: to_u32(line),
            col: to_u32(col),
        }
    }

    /// The byte offset of a zero-based line and a column counted in characters, as `saphyr`
    /// markers give them. A column past the line end stops at the line end.
    pub fn offset_of_char_col(&self, text: &str, line: usize, col: usize) -> usize {
        self.offset_of_counted(text, line, col, |c| c.len_utf8().min(1))
    }

    /// The byte offset of a zero-based line and a UTF-16 column. A column inside a surrogate
    /// pair or past the line end snaps to the next character boundary or the line end.
    pub fn offset_of_utf16_col(&self, text: &str, line: usize, col: usize) -> usize {
        self.offset_of_counted(text, line, col, char::len_utf16)
    }

    /// The byte offset of a zero-based line and a byte column, clamped to the line end and to
    /// a character boundary.
    pub fn offset_of_byte_col(&self, text: &str, line: usize, col: usize) -> usize {
        let start = self.line_start(line);
        let end = self.line_content_end(text, line);
        floor_char_boundary(text, (start + col).min(end))
    }

    fn offset_of_counted(
        &self,
        text: &str,
        line: usize,
        col: usize,
        width: impl Fn(char) -> usize,
    ) -> usize {
        let start = self.line_start(line);
        let end = self.line_content_end(text, line);
        let mut counted = 0;
        for (i, c) in text[start..end].char_indices() {
            if counted >= col {
                return start + i;
            }
            counted += width(c);
        }
        end
    }

    /// The offset just before the line's terminator.
    fn line_content_end(&self, text: &str, line: usize) -> usize {
        let next = if line + 1 < self.line_starts.len() {
            self.line_start(line + 1)
        } else {
            text.len()
        };
        let bytes = text.as_bytes();
        let mut end = next.min(text.len());
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        end
    }
}

/// The largest character boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_with_crlf_and_lone_cr() {
        let text = "ab\r\ncd\ref\ngh";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_col(4), LineCol { line: 1, col: 0 });
        assert_eq!(index.line_col(7), LineCol { line: 2, col: 0 });
        assert_eq!(index.line_col(11), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let text = "a😀b\n漢字x";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap_or_default();
        assert_eq!(index.line_col_utf16(text, b), LineCol { line: 0, col: 3 });
        assert_eq!(index.line_col_chars(text, b), LineCol { line: 0, col: 2 });
        let x = text.find('x').unwrap_or_default();
        assert_eq!(index.line_col_utf16(text, x), LineCol { line: 1, col: 2 });
        assert_eq!(index.offset_of_utf16_col(text, 0, 3), b);
        assert_eq!(index.offset_of_char_col(text, 1, 2), x);
    }

    #[test]
    fn offsets_clamp_past_line_end() {
        let text = "abc\r\ndef";
        let index = LineIndex::new(text);
        assert_eq!(index.offset_of_char_col(text, 0, 99), 3);
        assert_eq!(index.offset_of_byte_col(text, 1, 99), text.len());
        assert_eq!(index.offset_of_utf16_col(text, 7, 0), text.len());
    }
}
