//! Queries embedded in YAML and TOML files, with a map from query offsets back to the file.
//!
//! A Sentinel `query:`, a Splunk `search:` or an Elastic `query = """..."""` is a string inside
//! another format. The string's value differs from its text in the file (indentation removed,
//! lines folded, escapes resolved), so a query parser works on the value and every range it
//! produces goes back through [`EmbeddedText::file_range`].

mod toml;
mod yaml;

pub use toml::toml_string;
pub use yaml::yaml_scalar;

use crate::ir::TextRange;

/// One run of the value: `len` bytes starting at `value` came from the file at `file`. A run
/// that the host format synthesised (a folded line break, a resolved escape) is not `copied`,
/// and all of its bytes map to the start of the file text that produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    value: u32,
    file: u32,
    len: u32,
    copied: bool,
}

/// The value of an embedded string and where each of its bytes came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmbeddedText {
    pub text: String,
    /// The range of the whole scalar token in the file, quotes and indicators included.
    pub token_range: TextRange,
    runs: Vec<Run>,
}

impl EmbeddedText {
    /// Starts an empty value for a token that begins at `file_start`.
    pub fn new(file_start: usize) -> EmbeddedText {
        EmbeddedText {
            text: String::new(),
            token_range: TextRange::empty(file_start),
            runs: Vec::new(),
        }
    }

    /// Appends text copied byte for byte from the file at `file_offset`.
    pub fn push_copied(&mut self, text: &str, file_offset: usize) {
        self.push_run(text, file_offset, true);
    }

    /// Appends text the host format produced from the file text at `file_offset`.
    pub fn push_synthetic(&mut self, text: &str, file_offset: usize) {
        self.push_run(text, file_offset, false);
    }

    fn push_run(&mut self, text: &str, file_offset: usize, copied: bool) {
        if text.is_empty() {
            return;
        }
        let value = to_u32(self.text.len());
        let file = to_u32(file_offset);
        let len = to_u32(text.len());
        self.text.push_str(text);
        if let Some(last) = self.runs.last_mut() {
            let continues = last.copied
                && copied
                && last.value + last.len == value
                && last.file + last.len == file;
            if continues {
                last.len += len;
                return;
            }
        }
        self.runs.push(Run {
            value,
            file,
            len,
            copied,
        });
    }

    /// Maps a byte offset of the value to a byte offset of the file. The value's end maps to
    /// the end of the last byte that produced it.
    pub fn file_offset(&self, offset: usize) -> usize {
        let offset = to_u32(offset);
        let index = self.runs.partition_point(|run| run.value <= offset);
        let Some(run) = index.checked_sub(1).and_then(|i| self.runs.get(i)) else {
            return self.token_range.start();
        };
        let within = offset - run.value;
        if within >= run.len {
            // Past the last run: the end of the value.
            return (run.file + if run.copied { run.len } else { 1 }) as usize;
        }
        if run.copied {
            (run.file + within) as usize
        } else {
            run.file as usize
        }
    }

    /// Maps a range of the value to the range of the file text that produced it.
    pub fn file_range(&self, range: TextRange) -> TextRange {
        let start = self.file_offset(range.start());
        if range.is_empty() {
            return TextRange::new(start, start);
        }
        let last = self.file_offset(range.end() - 1);
        TextRange::new(start, (last + 1).max(start))
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
