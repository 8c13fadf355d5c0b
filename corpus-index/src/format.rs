//! The index file format: header, checksum, sections, and stable codes for IR enums.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! header   magic "RLIDX\0\r\n" (8 bytes), format version u32, section count u32,
//!          payload length u64, payload checksum u64
//! payload  section table: one (offset u32, length u32) per section, offsets from the payload
//!          start. Then the sections, each a run of u32 words except the string bytes
//! ```
//!
//! The sections are, in order: strings (count, count+1 offsets, then UTF-8 bytes, sorted and
//! unique so that string order is id order), pool (u32 lists that records point into), rules,
//! indicators, techniques, data sources, fields, duplicates, and metadata. Their record layouts
//! are described where [`crate::write`] builds them and [`crate::Index`] reads them.
//!
//! The magic ends in `\r\n` so a file mangled by a text-mode transfer fails the magic check
//! instead of the checksum. Any change to a layout or to a code table below bumps
//! [`FORMAT_VERSION`].

use rulelens_syntax::{DataSourceKind, Format, Language, Vendor};
use std::path::{Path, PathBuf};

pub const MAGIC: [u8; 8] = *b"RLIDX\0\r\n";
pub const FORMAT_VERSION: u32 = 2;
pub const HEADER_LEN: usize = 32;

/// Sections in file order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Strings = 0,
    Pool = 1,
    Rules = 2,
    Indicators = 3,
    Techniques = 4,
    Sources = 5,
    Fields = 6,
    Duplicates = 7,
    Meta = 8,
}

pub const SECTION_COUNT: usize = 9;

/// u32 words per record of each record section.
pub const RULE_WORDS: usize = 14;
pub const INDICATOR_WORDS: usize = 4;
pub const TECHNIQUE_WORDS: usize = 4;
pub const SOURCE_WORDS: usize = 4;
pub const FIELD_WORDS: usize = 9;
pub const DUPLICATE_WORDS: usize = 3;

/// Words of the metadata section before the build inputs.
pub const META_WORDS: usize = 20;

/// An error loading an index file. Every message names the file and the next step.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot read index file {path}: {error}")]
    Io {
        path: PathBuf,
        /// Shown in the message rather than as an error source, so it is printed once.
        error: std::io::Error,
    },
    #[error(
        "{path} is not a RuleLens index (wrong magic bytes); build one with `rulelens index build`"
    )]
    NotAnIndex { path: String },
    #[error(
        "{path} is a RuleLens index of format version {found}, this build reads version \
         {expected}; rebuild it with `rulelens index build`"
    )]
    VersionMismatch {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error(
        "{path} is truncated: expected {expected} bytes, found {found}; rebuild it with \
         `rulelens index build` or copy it again"
    )]
    Truncated {
        path: String,
        expected: u64,
        found: u64,
    },
    #[error("{path} is corrupt ({detail}); rebuild it with `rulelens index build`")]
    Corrupt { path: String, detail: String },
}

impl IndexError {
    pub(crate) fn corrupt(path: &str, detail: impl Into<String>) -> IndexError {
        IndexError::Corrupt {
            path: path.to_owned(),
            detail: detail.into(),
        }
    }
}

/// Returns the display name of an index source for error messages.
pub(crate) fn source_name(path: Option<&Path>) -> String {
    path.map_or_else(
        || "the embedded index".to_owned(),
        |path| path.display().to_string(),
    )
}

/// Computes a 64-bit checksum over the payload. Four independent lanes each mix 8 bytes per
/// step, so the multiplications overlap and verifying the embedded index costs about a
/// millisecond per few megabytes. Not cryptographic: it catches truncation, bit rot and edits,
/// not tampering.
pub fn checksum(bytes: &[u8]) -> u64 {
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |hash: u64, word: u64| {
        let hash = (hash ^ word).wrapping_mul(MULTIPLIER);
        hash ^ (hash >> 29)
    };
    let word_at = |chunk: &[u8], lane: usize| {
        let mut word = [0u8; 8];
        if let Some(source) = chunk.get(lane * 8..lane * 8 + 8) {
            word.copy_from_slice(source);
        }
        u64::from_le_bytes(word)
    };

    let seed = 0x5275_6c65_4c65_6e73 ^ (bytes.len() as u64);
    let mut lanes = [
        seed,
        seed.rotate_left(16),
        seed.rotate_left(32),
        seed.rotate_left(48),
    ];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (index, lane) in lanes.iter_mut().enumerate() {
            *lane = mix(*lane, word_at(block, index));
        }
    }
    let mut hash = lanes.iter().fold(seed, |hash, lane| mix(hash, *lane));
    for byte in blocks.remainder() {
        hash = mix(hash, u64::from(*byte));
    }
    hash
}

/// Stable codes for IR enums stored in the file. Appending is safe within a version;
/// reordering is a format change.
pub const FORMATS: [Format; 7] = [
    Format::Sigma,
    Format::SentinelYaml,
    Format::Kql,
    Format::SplunkYaml,
    Format::Spl,
    Format::ElasticToml,
    Format::PantherYaml,
];

pub const LANGUAGES: [Language; 11] = [
    Language::SigmaDetection,
    Language::Kql,
    Language::Spl,
    Language::Kuery,
    Language::Eql,
    Language::Esql,
    Language::Lucene,
    Language::PantherDetection,
    Language::Sql,
    Language::Python,
    Language::None,
];

pub const SOURCE_KINDS: [DataSourceKind; 10] = [
    DataSourceKind::SigmaProduct,
    DataSourceKind::SigmaCategory,
    DataSourceKind::SigmaService,
    DataSourceKind::Table,
    DataSourceKind::IndexPattern,
    DataSourceKind::SplunkIndex,
    DataSourceKind::Sourcetype,
    DataSourceKind::Source,
    DataSourceKind::DataModel,
    DataSourceKind::LogType,
];

pub fn code_of<T: PartialEq + Copy>(table: &[T], value: T) -> u32 {
    table
        .iter()
        .position(|candidate| *candidate == value)
        .and_then(|position| u32::try_from(position).ok())
        .unwrap_or(u32::MAX)
}

pub fn vendor_code(vendor: Vendor) -> u32 {
    code_of(&Vendor::ALL, vendor)
}

/// Returns the name of a language, as `serde` spells it in JSON output.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::SigmaDetection => "sigma-detection",
        Language::Kql => "kql",
        Language::Spl => "spl",
        Language::Kuery => "kuery",
        Language::Eql => "eql",
        Language::Esql => "esql",
        Language::Lucene => "lucene",
        Language::PantherDetection => "panther-detection",
        Language::Sql => "sql",
        Language::Python => "python",
        Language::None => "none",
    }
}

pub fn source_kind_name(kind: DataSourceKind) -> &'static str {
    match kind {
        DataSourceKind::SigmaProduct => "product",
        DataSourceKind::SigmaCategory => "category",
        DataSourceKind::SigmaService => "service",
        DataSourceKind::Table => "table",
        DataSourceKind::IndexPattern => "index-pattern",
        DataSourceKind::SplunkIndex => "index",
        DataSourceKind::Sourcetype => "sourcetype",
        DataSourceKind::Source => "source",
        DataSourceKind::DataModel => "datamodel",
        DataSourceKind::LogType => "log-type",
    }
}

/// A read-only view of little-endian u32 words. Reads past the end return 0, so a record
/// that points outside its section yields empty data rather than a panic.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Words<'a> {
    bytes: &'a [u8],
}

impl<'a> Words<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Words<'a> {
        Words { bytes }
    }

    pub(crate) fn len(self) -> usize {
        self.bytes.len() / 4
    }

    pub(crate) fn get(self, index: usize) -> u32 {
        let start = index.saturating_mul(4);
        match self.bytes.get(start..start.saturating_add(4)) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    /// Returns the words `start..start + len`, clamped to the view.
    pub(crate) fn slice(self, start: usize, len: usize) -> Words<'a> {
        let begin = start.saturating_mul(4).min(self.bytes.len());
        let end = start
            .saturating_add(len)
            .saturating_mul(4)
            .min(self.bytes.len());
        Words {
            bytes: self.bytes.get(begin..end).unwrap_or(&[]),
        }
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = u32> + 'a {
        self.bytes
            .chunks_exact(4)
            .map(|chunk| u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
    }

    /// Counts the leading words below `bound`, for sorted lists of rule ids.
    pub(crate) fn count_below(self, bound: u32) -> usize {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.get(middle) < bound {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// Returns whether a sorted list contains `value`.
    pub(crate) fn contains_sorted(self, value: u32) -> bool {
        let position = self.count_below(value);
        position < self.len() && self.get(position) == value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_byte() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1001).collect();
        let base = checksum(&data);
        for position in [0, 7, 8, 500, 1000] {
            let mut changed = data.clone();
            changed[position] ^= 1;
            assert_ne!(checksum(&changed), base, "byte {position}");
        }
        assert_ne!(checksum(&data[..1000]), base);
    }

    #[test]
    fn words_read_past_end_as_zero() {
        let bytes = [1, 0, 0, 0, 2, 0, 0, 0, 9];
        let words = Words::new(&bytes);
        assert_eq!(words.len(), 2);
        assert_eq!(words.get(1), 2);
        assert_eq!(words.get(2), 0);
        assert_eq!(words.slice(1, 10).len(), 1);
        assert_eq!(words.count_below(2), 1);
        assert!(words.contains_sorted(2));
        assert!(!words.contains_sorted(3));
    }
}
