//! The lint registry and the driver that runs every lint on a parsed file.
//!
//! A lint is one module with a `pub const INFO: LintInfo` (its id, default severity and
//! documentation) and a `check` function. Lints that look at one file at a time are
//! [`FileCheck`]s; lints that compare files (duplicate ids) are [`WorkspaceCheck`]s. Parsers
//! report syntax errors themselves, and their ids are registered here without a check so that
//! `rulelens explain` and configuration know them.

use rulelens_syntax::{Diagnostic, ParsedFile, Severity};

mod kql_syntax;
mod syntax_errors;

/// The documentation and defaults of one lint.
#[derive(Debug)]
pub struct LintInfo {
    /// Stable id, `namespace/kebab-name`.
    pub id: &'static str,
    pub default_severity: Severity,
    /// One line, shown in lists.
    pub summary: &'static str,
    /// Markdown with the sections "What it flags", "Why it matters", "Example" and "Fix".
    pub docs: &'static str,
}

/// One parsed file as the lints see it.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    /// The path as the user gave it, for messages.
    pub path: &'a str,
    pub text: &'a str,
    pub parsed: &'a ParsedFile,
}

/// A lint over one file.
pub type FileCheck = fn(&FileInput<'_>, &mut Vec<Diagnostic>);

/// A lint over every file checked together; it returns diagnostics with the index of the file
/// each belongs to.
pub type WorkspaceCheck = fn(&[FileInput<'_>], &mut Vec<(usize, Diagnostic)>);

/// What runs a lint, if anything runs it from here.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Reported by a parser while reading the file.
    Parser,
    File(FileCheck),
    Workspace(WorkspaceCheck),
}

/// A registered lint: its documentation and its check.
#[derive(Debug)]
pub struct Lint {
    pub info: &'static LintInfo,
    pub check: Check,
}

/// Every lint, in the order `rulelens explain` lists them.
pub static LINTS: &[Lint] = &[
    Lint {
        info: &syntax_errors::BINARY_FILE,
        check: Check::Parser,
    },
    Lint {
        info: &syntax_errors::INVALID_UTF8,
        check: Check::Parser,
    },
    Lint {
        info: &syntax_errors::FILE_TOO_LARGE,
        check: Check::Parser,
    },
    Lint {
        info: &syntax_errors::UNREADABLE_FILE,
        check: Check::Parser,
    },
    Lint {
        info: &syntax_errors::UNKNOWN_FORMAT,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::UNBALANCED_BRACKETS,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::MISSING_OPERAND,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::UNKNOWN_OPERATOR,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::EMPTY_PIPE,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::NESTING_TOO_DEEP,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::QUERY_NOT_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &kql_syntax::INVALID_YAML,
        check: Check::Parser,
    },
];

/// Finds a lint by id.
pub fn find_lint(id: &str) -> Option<&'static Lint> {
    LINTS.iter().find(|lint| lint.info.id == id)
}

/// Runs every file lint on one file and returns the parser's diagnostics with theirs, sorted
/// by position.
pub fn analyze_file(input: &FileInput<'_>) -> Vec<Diagnostic> {
    let mut diagnostics = input.parsed.diagnostics.clone();
    for lint in LINTS {
        if let Check::File(check) = lint.check {
            check(input, &mut diagnostics);
        }
    }
    diagnostics.sort_by_key(|d| (d.range.start, d.range.end));
    diagnostics
}

/// Runs the lints that compare files with each other.
pub fn analyze_workspace(files: &[FileInput<'_>]) -> Vec<(usize, Diagnostic)> {
    let mut diagnostics = Vec::new();
    for lint in LINTS {
        if let Check::Workspace(check) = lint.check {
            check(files, &mut diagnostics);
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn lint_ids_are_unique_and_namespaced() {
        let mut seen = HashSet::new();
        for lint in LINTS {
            let id = lint.info.id;
            assert!(seen.insert(id), "duplicate lint id {id}");
            let (namespace, name) = id.split_once('/').unwrap_or(("", id));
            assert!(
                ["syntax", "sigma", "kql", "spl", "elastic", "panther", "corpus", "field"]
                    .contains(&namespace),
                "{id} has an unknown namespace"
            );
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn lint_docs_have_every_section() {
        for lint in LINTS {
            for section in [
                "## What it flags",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(
                    lint.info.docs.contains(section),
                    "{} docs lack {section}",
                    lint.info.id
                );
            }
        }
    }
}
