//! The lint registry and the driver that runs every lint on a parsed file.
//!
//! A lint is one module with a `pub const INFO: LintInfo` (its id, default severity and
//! documentation) and a `check` function. Lints that look at one file at a time are
//! [`FileCheck`]s; lints that compare files (duplicate ids) are [`WorkspaceCheck`]s. Parsers
//! report syntax errors themselves, and their ids are registered here without a check so that
//! `rulelens explain` and configuration know them.

use crate::config::Config;
use crate::corpus::{index_for, CorpusContext};
use crate::suppression;
use rulelens_syntax::{Diagnostic, ParsedFile, Severity};

pub mod corpus;
mod elastic_panther_syntax;
pub mod field;
mod kql_syntax;
mod sigma;
mod spl_syntax;
mod syntax_errors;

pub(crate) use sigma::deprecated_attack_technique::redirects as attack_technique_redirects;

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

/// A lint over one file that reads the corpus index.
pub type CorpusCheck = fn(&FileInput<'_>, &CorpusContext<'_>, &mut Vec<Diagnostic>);

/// What runs a lint, if anything runs it from here.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Reported by a parser while reading the file.
    Parser,
    File(FileCheck),
    /// Runs only when the corpus index loads.
    Corpus(CorpusCheck),
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
        info: &syntax_errors::INVALID_SUPPRESSION,
        check: Check::Parser,
    },
    Lint {
        info: &syntax_errors::UNUSED_SUPPRESSION,
        check: Check::Parser,
    },
    Lint {
        info: &sigma::yaml_syntax::INFO,
        check: Check::Parser,
    },
    Lint {
        info: &sigma::invalid_structure::INFO,
        check: Check::Parser,
    },
    Lint {
        info: &sigma::condition_syntax::INFO,
        check: Check::Parser,
    },
    Lint {
        info: &sigma::unsupported_aggregation::INFO,
        check: Check::Parser,
    },
    Lint {
        info: &sigma::missing_required_key::INFO,
        check: Check::File(sigma::missing_required_key::check),
    },
    Lint {
        info: &sigma::undefined_selection::INFO,
        check: Check::File(sigma::undefined_selection::check),
    },
    Lint {
        info: &sigma::unused_selection::INFO,
        check: Check::File(sigma::unused_selection::check),
    },
    Lint {
        info: &sigma::unknown_modifier::INFO,
        check: Check::File(sigma::unknown_modifier::check),
    },
    Lint {
        info: &sigma::invalid_modifier_combination::INFO,
        check: Check::File(sigma::invalid_modifier_combination::check),
    },
    Lint {
        info: &sigma::malformed_attack_tag::INFO,
        check: Check::File(sigma::malformed_attack_tag::check),
    },
    Lint {
        info: &sigma::deprecated_attack_technique::INFO,
        check: Check::File(sigma::deprecated_attack_technique::check),
    },
    Lint {
        info: &sigma::invalid_id::INFO,
        check: Check::File(sigma::invalid_id::check),
    },
    Lint {
        info: &sigma::duplicate_id::INFO,
        check: Check::Workspace(sigma::duplicate_id::check),
    },
    Lint {
        info: &corpus::noisy_indicator_alone::INFO,
        check: Check::Corpus(corpus::noisy_indicator_alone::check),
    },
    Lint {
        info: &corpus::missing_common_exclusion::INFO,
        check: Check::Corpus(corpus::missing_common_exclusion::check),
    },
    Lint {
        info: &corpus::partial_private_range_exclusion::INFO,
        check: Check::Corpus(corpus::partial_private_range_exclusion::check),
    },
    Lint {
        info: &corpus::duplicate_of_corpus_rule::INFO,
        check: Check::Corpus(corpus::duplicate_of_corpus_rule::check),
    },
    Lint {
        info: &field::unknown_field::INFO,
        check: Check::Corpus(field::unknown_field::check),
    },
    Lint {
        info: &spl_syntax::UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNTERMINATED_BACKTICK,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNTERMINATED_COMMENT,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNBALANCED_PARENTHESIS,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNBALANCED_BRACKET,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::EMPTY_PIPE_SEGMENT,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNKNOWN_COMMAND,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::MISSING_OPERAND,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::NESTING_TOO_DEEP,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::MACRO_RECURSION,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::UNKNOWN_MACRO,
        check: Check::Parser,
    },
    Lint {
        info: &spl_syntax::MISSING_SEARCH,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ELASTIC_INVALID_TOML,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ELASTIC_MISSING_RULE_TABLE,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ELASTIC_MISSING_QUERY,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ELASTIC_UNKNOWN_LANGUAGE,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ELASTIC_WRONG_TYPE,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::LUCENE_SYNTAX_ERROR,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::KUERY_UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::KUERY_UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::KUERY_TOO_DEEP,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::EQL_UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::EQL_UNTERMINATED_COMMENT,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::EQL_UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::EQL_TOO_DEEP,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ESQL_UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ESQL_UNTERMINATED_COMMENT,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ESQL_UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::ESQL_TOO_DEEP,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_INVALID_YAML,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_WRONG_TYPE,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_MISSING_KEY,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_UNKNOWN_CONDITION,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_UNREADABLE_PYTHON,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_SQL_UNTERMINATED_STRING,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_SQL_UNTERMINATED_COMMENT,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_SQL_UNEXPECTED_TOKEN,
        check: Check::Parser,
    },
    Lint {
        info: &elastic_panther_syntax::PANTHER_SQL_TOO_DEEP,
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

/// Runs every enabled file lint on one file and returns its findings with the parser's,
/// after the configuration's severities and the file's suppression comments, sorted by
/// position.
pub fn analyze_file(input: &FileInput<'_>, config: &Config) -> Vec<Diagnostic> {
    let mut diagnostics = input.parsed.diagnostics.clone();
    let corpus = corpus_context(config);
    for lint in LINTS {
        if !config.enabled(lint.info.id) {
            continue;
        }
        match (lint.check, &corpus) {
            (Check::File(check), _) => check(input, &mut diagnostics),
            (Check::Corpus(check), Some(corpus)) => check(input, corpus, &mut diagnostics),
            _ => {}
        }
    }
    let mut diagnostics = apply_levels(diagnostics, config);
    if let Some(format) = input.parsed.format {
        diagnostics = suppression::apply_suppressions(input.text, format, diagnostics, &|id| {
            config.enabled(id)
        });
        // The suppression findings themselves follow the configured levels too.
        diagnostics = apply_levels(diagnostics, config);
    }
    diagnostics.sort_by_key(|d| (d.range.start, d.range.end));
    diagnostics
}

/// Builds the tables that the corpus lints enabled in `config` derive from the whole index,
/// in parallel, so that the first files checked do not wait for them one after another. The
/// tables are built on first use anyway, so calling this early (while the caller walks
/// folders or waits for an editor) only moves that work off the critical path. On the
/// embedded index the tables took about 25 ms on one core of the 2-core build machine.
pub fn prepare_corpus_tables(config: &Config) {
    let enabled = |id: &str| config.enabled(id);
    if !LINTS
        .iter()
        .any(|lint| matches!(lint.check, Check::Corpus(_)) && enabled(lint.info.id))
    {
        return;
    }
    let Ok(index) = index_for(config) else {
        return;
    };
    let missing_exclusion = enabled(corpus::missing_common_exclusion::INFO.id);
    let noisy = enabled(corpus::noisy_indicator_alone::INFO.id);
    rayon::join(
        || index.prepare_lookup(),
        || {
            // The other tables read this one, so it comes first on this side.
            crate::corpus::indicator_table(index);
            rayon::join(
                || {
                    if missing_exclusion {
                        corpus::missing_common_exclusion::prepare(index);
                    }
                },
                || {
                    if noisy {
                        crate::corpus::noisy_threshold(config, index);
                    }
                    corpus::shared::indexed_under_id(index, "");
                },
            );
        },
    );
}

/// The corpus index and taxonomy for `config`, or `None` (logged) when the index cannot be
/// loaded, in which case the corpus lints do not run.
fn corpus_context(config: &Config) -> Option<CorpusContext<'_>> {
    match index_for(config) {
        Ok(index) => Some(CorpusContext {
            config,
            index,
            taxonomy: rulelens_corpus::Taxonomy::builtin(),
        }),
        Err(error) => {
            tracing::warn!(%error, "corpus index unavailable; corpus lints skipped");
            None
        }
    }
}

/// Runs the enabled lints that compare files with each other.
pub fn analyze_workspace(files: &[FileInput<'_>], config: &Config) -> Vec<(usize, Diagnostic)> {
    let mut found = Vec::new();
    for lint in LINTS {
        if let Check::Workspace(check) = lint.check {
            if config.enabled(lint.info.id) {
                check(files, &mut found);
            }
        }
    }
    let mut kept = Vec::new();
    for (file, diagnostic) in found {
        let Some(input) = files.get(file) else {
            continue;
        };
        for diagnostic in apply_levels(vec![diagnostic], config) {
            let format = input.parsed.format;
            let covered = format.is_some_and(|format| {
                let (suppressions, _) = suppression::parse_suppressions(input.text, format);
                let line =
                    rulelens_syntax::LineIndex::new(input.text).line_of(diagnostic.range.start());
                suppressions.iter().any(|s| {
                    s.lints.contains(&diagnostic.lint)
                        && match s.scope {
                            suppression::Scope::File => true,
                            suppression::Scope::Line(covered) => covered == line,
                        }
                })
            });
            if !covered {
                kept.push((file, diagnostic));
            }
        }
    }
    kept
}

/// Applies the configured severity of each diagnostic's lint, dropping those switched off.
/// Lints missing from the registry keep the severity they were reported with.
pub fn apply_levels(diagnostics: Vec<Diagnostic>, config: &Config) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            let default = find_lint(diagnostic.lint)
                .map_or(diagnostic.severity, |lint| lint.info.default_severity);
            diagnostic.severity = config.severity(diagnostic.lint, default)?;
            Some(diagnostic)
        })
        .collect()
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
