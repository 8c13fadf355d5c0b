//! Reading one TOML string straight from the file text, keeping where each byte came from.
//!
//! TOML has four string forms: basic `"..."` with backslash escapes, literal `'...'` without
//! escapes, and the multi-line `"""..."""` and `'''...'''` forms. A multi-line string drops a
//! newline right after its opening delimiter, and in the basic form a backslash at the end of
//! a line removes the line break and the whitespace after it. Escapes become synthetic runs
//! of the [`EmbeddedText`], so a range inside the value maps to the escape that produced it.

use super::EmbeddedText;
use crate::ir::TextRange;

/// Decodes the TOML string whose opening quote is at byte `start` of `file_text`.
/// Returns `None` when no string starts there or it is not closed.
pub fn toml_string(file_text: &str, start: usize) -> Option<EmbeddedText> {
    {
        let rest = file_text.get(start..)?;
        let (delimiter, basic) = if rest.starts_with("\"\"\"") {
            ("\"\"\"", true)
        } else if rest.starts_with("'''") {
            ("'''", false)
        } else if rest.starts_with('"') {
            ("\"", true)
        } else if rest.starts_with('\'') {
            ("'", false)
        } else {
            return None;
        };
        let mut decoder = Decoder {
            file_text,
            position: start + delimiter.len(),
            embedded: EmbeddedText::new(start),
        };
        let multi_line = delimiter.len() == 3;
        if multi_line {
            decoder.skip_first_newline();
        }
        decoder.decode(delimiter, basic, multi_line)?;
        let mut embedded = decoder.embedded;
        embedded.token_range = TextRange::new(start, decoder.position + delimiter.len());
        Some(embedded)
    }
}

struct Decoder<'a> {
    file_text: &'a str,
    position: usize,
    embedded: EmbeddedText,
}

impl<'a> Decoder<'a> {
    fn rest(&self) -> &'a str {
        self.file_text.get(self.position..).unwrap_or_default()
    }

    fn skip_first_newline(&mut self) {
        if self.rest().starts_with("\r\n") {
            self.position += 2;
        } else if self.rest().starts_with('\n') {
            self.position += 1;
        }
    }

    fn push_copied(&mut self, c: char, file_offset: usize) {
        let mut buffer = [0; 4];
        self.embedded
            .push_copied(c.encode_utf8(&mut buffer), file_offset);
    }

    fn push_escape(&mut self, c: char, file_offset: usize) {
        let mut buffer = [0; 4];
        self.embedded
            .push_synthetic(c.encode_utf8(&mut buffer), file_offset);
    }

    /// Reads up to the closing delimiter; a multi-line string may end with up to two extra
    /// quote characters before its closing delimiter, which belong to the text.
    fn decode(&mut self, delimiter: &str, basic: bool, multi_line: bool) -> Option<()> {
        let quote = delimiter.chars().next()?;
        let quote_byte = *delimiter.as_bytes().first()?;
        loop {
            let rest = self.rest();
            if rest.starts_with(delimiter) {
                let run = rest.chars().take_while(|&c| c == quote).count();
                let extra = if multi_line {
                    run.saturating_sub(3).min(2)
                } else {
                    0
                };
                for _ in 0..extra {
                    self.push_copied(quote, self.position);
                    self.position += 1;
                }
                return Some(());
            }
            // Copy the run of plain characters up to the next quote, backslash or line break
            // in one step, because a push per character was about a tenth of the instructions
            // of parsing the Elastic corpus (measured with callgrind).
            let plain = rest
                .bytes()
                .position(|b| {
                    b == quote_byte || b == b'\\' || (!multi_line && (b == b'\n' || b == b'\r'))
                })
                .unwrap_or(rest.len());
            if plain > 0 {
                // Every stop byte is ASCII, so `plain` is a character boundary.
                self.embedded.push_copied(rest.get(..plain)?, self.position);
                self.position += plain;
                continue;
            }
            let c = rest.chars().next()?;
            if !multi_line && (c == '\n' || c == '\r') {
                return None;
            }
            if basic && c == '\\' {
                self.decode_escape(multi_line)?;
                continue;
            }
            self.push_copied(c, self.position);
            self.position += c.len_utf8();
        }
    }

    fn decode_escape(&mut self, multi_line: bool) -> Option<()> {
        let escape_start = self.position;
        let after = self.file_text.get(escape_start + 1..)?;
        let next = after.chars().next()?;
        let simple = match next {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(c) = simple {
            self.push_escape(c, escape_start);
            self.position += 2;
            return Some(());
        }
        let hex_digits = match next {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if hex_digits > 0 {
            let digits = after.get(1..1 + hex_digits)?;
            let code = u32::from_str_radix(digits, 16).ok()?;
            self.push_escape(char::from_u32(code)?, escape_start);
            self.position += 2 + hex_digits;
            return Some(());
        }
        // A line-ending backslash trims the break and all whitespace after it.
        let trimmed = after.trim_start_matches([' ', '\t']);
        if multi_line && (trimmed.starts_with('\n') || trimmed.starts_with("\r\n")) {
            let whitespace = after.len() - after.trim_start_matches([' ', '\t', '\n', '\r']).len();
            self.position += 1 + whitespace;
            return Some(());
        }
        // An invalid escape: keep it as written so that the query parser sees the text.
        self.push_copied('\\', escape_start);
        self.position += 1;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(file_text: &str) -> (String, Vec<usize>) {
        let start = file_text.find(['"', '\'']).unwrap_or_default();
        let text = toml_string(file_text, start).expect("a string");
        let offsets = (0..text.text.len()).map(|i| text.file_offset(i)).collect();
        (text.text, offsets)
    }

    #[test]
    fn basic_string_escapes_map_to_escape() {
        let (text, offsets) = decoded(r#"q = "a\\b\"c""#);
        assert_eq!(text, "a\\b\"c");
        assert_eq!(offsets, vec![5, 6, 8, 9, 11]);
    }

    #[test]
    fn literal_multi_line_drops_first_newline() {
        let (text, offsets) = decoded("q = '''\nab\\n\n'''");
        assert_eq!(text, "ab\\n\n");
        assert_eq!(offsets.first(), Some(&8));
        assert_eq!(offsets.last(), Some(&12));
    }

    #[test]
    fn line_ending_backslash_trims() {
        let (text, _) = decoded("q = \"\"\"a \\\n   b\"\"\"");
        assert_eq!(text, "a b");
    }

    #[test]
    fn extra_quotes_before_close() {
        let (text, _) = decoded("q = '''x'''''");
        assert_eq!(text, "x''");
    }

    #[test]
    fn unicode_escape_and_unterminated() {
        let (text, _) = decoded(r#"q = "\u00e9""#);
        assert_eq!(text, "é");
        assert!(toml_string("q = \"abc", 4).is_none());
        assert!(toml_string("q = \"a\nb\"", 4).is_none());
    }
}
