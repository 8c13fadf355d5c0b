//! Sigma front end: YAML rule documents to the Rule IR.
//!
//! FIXME: placeholder until the front end lands; it reads nothing yet.

use crate::ParsedFile;

/// The Sigma-specific syntax of one YAML document.
#[derive(Clone, Debug, Default)]
pub struct SigmaDocument {}

/// Parses a Sigma file, which may hold several YAML documents.
pub fn parse(_text: &str) -> ParsedFile {
    ParsedFile::default()
}
