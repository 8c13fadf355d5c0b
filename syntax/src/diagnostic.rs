//! Diagnostics as plain data: a lint id, a severity, a message and a byte range.
//!
//! Parsers report syntax errors with the same type the analysis lints use, so that every
//! reporter (CLI text, JSON, SARIF, LSP) handles one shape.

use crate::ir::TextRange;
use serde::Serialize;

/// How serious a finding is. The order is from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Hint,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Hint => "hint",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses a severity name as written in configuration (`error`, `warning`, `info`, `hint`).
    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// A secondary location that explains a diagnostic, such as the first definition of a
/// duplicated id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    /// `None` for a range in the same file.
    pub path: Option<String>,
    pub range: TextRange,
    pub message: String,
}

/// A replacement of one range of the file text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

/// A change that resolves a diagnostic, carried with it so that an editor can apply it
/// without a second analysis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, as the code action title (`Exclude the private address ranges`).
    pub title: String,
    /// Non-overlapping edits, applied together.
    pub edits: Vec<TextEdit>,
    /// Whether `rulelens check --fix` may apply it unattended: the result re-parses and the
    /// finding is gone, and it cannot widen what the rule matches.
    pub safe: bool,
}

/// One finding at one range of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable lint id, `namespace/kebab-name`.
    pub lint: &'static str,
    pub severity: Severity,
    pub message: String,
    pub range: TextRange,
    pub related: Vec<Related>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(
        lint: &'static str,
        severity: Severity,
        range: TextRange,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            lint,
            severity,
            message: message.into(),
            range,
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn error(lint: &'static str, range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(lint, Severity::Error, range, message)
    }

    pub fn with_related(mut self, related: Related) -> Diagnostic {
        self.related.push(related);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }
}
