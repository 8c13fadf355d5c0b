//! Turning the bytes of a file into text a front end can read, with a diagnostic naming the
//! position when the bytes are not text.

use crate::diagnostic::Diagnostic;
use crate::ir::TextRange;

/// Files larger than this are not parsed: a rule is a few kilobytes, and the largest corpus
/// file is under 100 KiB, so a bigger file is almost certainly not a rule.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Decodes `bytes` as UTF-8 text, rejecting binary content.
///
/// A file is binary when it has a NUL byte in its first 8 KiB, the same test `git` uses.
/// Invalid UTF-8 gives a diagnostic at the first invalid byte. A leading byte-order mark is
/// kept, because every range is an offset into the bytes as they are on disk.
pub fn decode(bytes: &[u8]) -> Result<&str, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "syntax/file-too-large",
            TextRange::empty(0),
            format!(
                "file is {} bytes, larger than the {} byte limit for a rule file",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(nul) = head.iter().position(|&b| b == 0) {
        return Err(Diagnostic::error(
            "syntax/binary-file",
            TextRange::new(nul, nul + 1),
            "file is binary (it contains a NUL byte), not a rule",
        ));
    }
    std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        let bad_len = error.error_len().unwrap_or(bytes.len() - at);
        Diagnostic::error(
            "syntax/invalid-utf8",
            TextRange::new(at, at + bad_len),
            format!("invalid UTF-8 at byte {at}: rule files must be UTF-8 text"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_nul_and_invalid_utf8() {
        let nul = decode(b"title: x\0y").unwrap_err();
        assert_eq!(nul.lint, "syntax/binary-file");
        assert_eq!(nul.range, TextRange::new(8, 9));

        let invalid = decode(b"title: \xff\xfe").unwrap_err();
        assert_eq!(invalid.lint, "syntax/invalid-utf8");
        assert_eq!(invalid.range.start(), 7);
    }

    #[test]
    fn decode_keeps_bom() {
        let text = decode("\u{feff}title: x".as_bytes()).unwrap_or_default();
        assert!(text.starts_with('\u{feff}'));
    }
}
