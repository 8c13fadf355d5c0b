//! Splunk (SPL) front end: `.spl` files and Splunk detection YAML to the Rule IR.
//!
//! A search goes through three steps:
//!
//! 1. [`expand`]: comments are blanked and macro calls (`` `name` ``, `` `name(a, b)` ``)
//!    are replaced by their definitions from a [`MacroTable`], keeping a map from the expanded
//!    text back to the user's text.
//! 2. [`parser`]: the expanded text is read into a [`Pipeline`] of commands, with syntax
//!    errors reported and skipped.
//! 3. [`lower`]: the pipeline becomes the rule's logic and data sources.
//!
//! [`parse`] reads a `.spl` file without macro definitions, so every macro stays an
//! `Opaque` part of the logic. [`parse_with_macros`] and [`parse_yaml_with_macros`] take the
//! table the caller loaded, usually with [`MacroTable::load_dir`] on the folder that
//! [`find_macros_dir`] returns for a detection file.
//!
//! Every Splunk detection ends with a call to `<detection name>_filter`, an empty macro that
//! users redefine to tune the detection. It is recorded in [`SplDocument::filter_macro`] and
//! is not part of the logic.

pub mod ast;
pub mod commands;
pub mod expand;
pub mod lower;
pub mod macros;
pub mod parser;
mod yaml;

pub use ast::Pipeline;
pub use macros::{find_macros_dir, MacroCache, MacroDefinition, MacroTable};

use crate::diagnostic::Diagnostic;
use crate::ir::{Format, Language, Rule, TextRange};
use crate::{Document, ParsedFile, Tree};
use expand::{ExpandOptions, IdentityMapper, OffsetMapper};

/// A double-quoted string without its closing quote.
pub const UNTERMINATED_STRING: &str = "syntax/spl-unterminated-string";
/// A macro call without its closing backtick.
pub const UNTERMINATED_BACKTICK: &str = "syntax/spl-unterminated-backtick";
/// A ```` ``` ```` comment without its closing ```` ``` ````.
pub const UNTERMINATED_COMMENT: &str = "syntax/spl-unterminated-comment";
/// A `(` without `)`, or a `)` without `(`.
pub const UNBALANCED_PARENTHESIS: &str = "syntax/spl-unbalanced-parenthesis";
/// A subsearch `[` without `]`, or a `]` without `[`.
pub const UNBALANCED_BRACKET: &str = "syntax/spl-unbalanced-bracket";
/// A `|` with no command after it.
pub const EMPTY_PIPE_SEGMENT: &str = "syntax/spl-empty-pipe-segment";
/// A command name the parser does not know.
pub const UNKNOWN_COMMAND: &str = "syntax/spl-unknown-command";
/// An operator without an operand: `a=`, `OR` at the end, `where` with no condition.
pub const MISSING_OPERAND: &str = "syntax/spl-missing-operand";
/// Text the parser cannot read at its position.
pub const UNEXPECTED_TOKEN: &str = "syntax/spl-unexpected-token";
/// Nesting past the parser's depth limit.
pub const NESTING_TOO_DEEP: &str = "syntax/spl-nesting-too-deep";
/// A macro expansion that nests too deep or grows too large, usually a macro calling itself.
pub const MACRO_RECURSION: &str = "syntax/spl-macro-recursion";
/// A macro call with no definition in the loaded table; reported only when asked.
pub const UNKNOWN_MACRO: &str = "syntax/spl-unknown-macro";
/// A Splunk detection YAML file without a readable `search:` key.
pub const MISSING_SEARCH: &str = "syntax/spl-missing-search";

/// Every lint id this front end reports.
pub const LINT_IDS: &[&str] = &[
    UNTERMINATED_STRING,
    UNTERMINATED_BACKTICK,
    UNTERMINATED_COMMENT,
    UNBALANCED_PARENTHESIS,
    UNBALANCED_BRACKET,
    EMPTY_PIPE_SEGMENT,
    UNKNOWN_COMMAND,
    MISSING_OPERAND,
    UNEXPECTED_TOKEN,
    NESTING_TOO_DEEP,
    MACRO_RECURSION,
    UNKNOWN_MACRO,
    MISSING_SEARCH,
];

/// The options a search is read with.
#[derive(Clone, Copy, Debug)]
pub struct SplOptions<'a> {
    pub macros: &'a MacroTable,
    /// Reports every call of a macro missing from `macros` at info level.
    pub report_unknown_macros: bool,
}

/// One macro call as written in the user's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroCall {
    pub name: String,
    pub arguments: Vec<String>,
    /// The call with its backticks.
    pub range: TextRange,
    /// True when the table had a definition and the call was replaced by it.
    pub expanded: bool,
}

/// The SPL syntax of one search, kept beside its IR.
#[derive(Clone, Debug, Default)]
pub struct SplDocument {
    /// The search text's range in the file: the whole `.spl` file, or the `search:` scalar.
    pub search_range: TextRange,
    /// The search after comments were blanked and macros expanded.
    pub expanded_text: String,
    pub pipeline: Pipeline,
    /// Every macro call of the user's text, the filter macro included.
    pub macro_calls: Vec<MacroCall>,
    /// The `<detection>_filter` tuning macro, when the search calls one.
    pub filter_macro: Option<MacroCall>,
    /// The data sources a detection YAML names in `data_source:` (`Sysmon EventID 1`). They
    /// describe the logs in words, so they are kept here rather than as IR data sources.
    pub declared_data_sources: Vec<crate::ir::Spanned<String>>,
    /// The detection YAML's `type:` (`TTP`, `Anomaly`, `Hunting`), as written.
    pub detection_type: Option<crate::ir::Spanned<String>>,
}

/// Returns whether a macro name is a detection's tuning hook, `<detection>_filter`.
pub fn is_filter_macro_name(name: &str) -> bool {
    name.len() > "_filter".len() && name.ends_with("_filter")
}

/// Parses a `.spl` file with no macro definitions.
pub fn parse(text: &str) -> ParsedFile {
    parse_with_macros(text, &MacroTable::new())
}

/// Parses a `.spl` file, expanding macros from `macros`.
pub fn parse_with_macros(text: &str, macros: &MacroTable) -> ParsedFile {
    parse_with_options(
        text,
        &SplOptions {
            macros,
            report_unknown_macros: false,
        },
    )
}

/// Parses a `.spl` file with explicit options.
pub fn parse_with_options(text: &str, options: &SplOptions<'_>) -> ParsedFile {
    let whole = TextRange::new(0, text.len());
    let mut rule = Rule::new(Format::Spl, Language::Spl, whole);
    let (document, diagnostics) = parse_search(text, &IdentityMapper, whole, options);
    let lowered = lower::lower(&document);
    rule.logic = lowered.logic;
    rule.data_sources = lowered.data_sources;
    ParsedFile {
        format: Some(Format::Spl),
        documents: vec![Document {
            rule,
            tree: Tree::Spl(Box::new(document)),
        }],
        diagnostics,
    }
}

/// Parses a Splunk detection YAML file with no macro definitions.
pub fn parse_yaml(text: &str) -> ParsedFile {
    parse_yaml_with_macros(text, &MacroTable::new())
}

/// Parses a Splunk detection YAML file, expanding macros from `macros`.
pub fn parse_yaml_with_macros(text: &str, macros: &MacroTable) -> ParsedFile {
    parse_yaml_with_options(
        text,
        &SplOptions {
            macros,
            report_unknown_macros: false,
        },
    )
}

/// Parses a Splunk detection YAML file with explicit options.
pub fn parse_yaml_with_options(text: &str, options: &SplOptions<'_>) -> ParsedFile {
    yaml::parse_detection(text, options)
}

/// Expands and parses one search. `outer` maps offsets of `search` to the file.
fn parse_search(
    search: &str,
    outer: &dyn OffsetMapper,
    search_range: TextRange,
    options: &SplOptions<'_>,
) -> (SplDocument, Vec<Diagnostic>) {
    let expansion = expand::expand(
        search,
        ExpandOptions {
            macros: options.macros,
            report_unknown_macros: options.report_unknown_macros,
        },
        outer,
    );
    let (pipeline, parse_diagnostics) = parser::parse_pipeline(&expansion.text, &expansion.origins);
    let mut diagnostics = expansion.diagnostics;
    diagnostics.extend(parse_diagnostics);
    diagnostics.sort_by_key(|d| (d.range.start, d.range.end));
    let filter_macro = expansion
        .calls
        .iter()
        .rev()
        .find(|call| is_filter_macro_name(&call.name))
        .cloned();
    let document = SplDocument {
        search_range,
        expanded_text: expansion.text,
        pipeline,
        macro_calls: expansion.calls,
        filter_macro,
        declared_data_sources: Vec::new(),
        detection_type: None,
    };
    (document, diagnostics)
}
