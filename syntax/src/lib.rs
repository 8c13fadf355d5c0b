//! `rulelens-syntax`: detection-rule text to the Rule IR.
//!
//! One module per language. Each front end reads the text of one file, returns every rule it
//! could read plus the syntax errors it met, and never panics: a half-typed rule still yields
//! what can be read of it. Ranges are byte offsets into the file text, also for queries
//! embedded in YAML or TOML.
//!
//! The entry point is [`parse`], which detects the format with [`detect_format`] and calls the
//! front end for it.

pub mod corpus_path;
pub mod diagnostic;
pub mod elastic;
pub mod embed;
pub mod ir;
pub mod kql;
pub mod line_index;
pub mod panther;
pub mod sigma;
pub mod source;
pub mod spl;

pub use diagnostic::{Diagnostic, Fix, Related, Severity, TextEdit};
pub use ir::*;
pub use line_index::{LineCol, LineIndex};

use std::path::Path;

/// The language-specific syntax of one document, kept beside its IR for lints that check the
/// form of a rule rather than its meaning.
#[derive(Clone, Debug)]
pub enum Tree {
    Sigma(Box<sigma::SigmaDocument>),
    Kql(Box<kql::KqlDocument>),
    Spl(Box<spl::SplDocument>),
    Elastic(Box<elastic::ElasticDocument>),
    Panther(Box<panther::PantherDocument>),
}

/// One rule read from a file, with its language-specific syntax.
#[derive(Clone, Debug)]
pub struct Document {
    pub rule: Rule,
    pub tree: Tree,
}

/// Everything a front end read from one file.
#[derive(Clone, Debug, Default)]
pub struct ParsedFile {
    pub format: Option<Format>,
    pub documents: Vec<Document>,
    /// Syntax errors, with `syntax/...` lint ids.
    pub diagnostics: Vec<Diagnostic>,
}

impl Document {
    /// Tells whether this is a plain query file (`.kql`, `.spl` and the like) that contains
    /// only white space and comments. Such a document is kept so that an editor can still
    /// offer completion in the empty file, but it is not a rule.
    pub fn is_empty_query(&self) -> bool {
        match &self.tree {
            Tree::Kql(kql) => kql.sentinel.is_none() && kql.query.statements.is_empty(),
            Tree::Spl(spl) => self.rule.format == Format::Spl && spl.pipeline.commands.is_empty(),
            _ => false,
        }
    }
}

impl ParsedFile {
    /// Counts the rules in the file: its documents, less an empty plain query file.
    pub fn rule_count(&self) -> usize {
        self.documents
            .iter()
            .filter(|document| !document.is_empty_query())
            .count()
    }
}

/// Detects the rule format of a file from its name and its text.
///
/// YAML files are told apart by their top-level keys: Sigma has `detection:` and `logsource:`
/// (or `correlation:` or `filter:`), Panther has `AnalysisType:`, Splunk detections have
/// `search:` and Sentinel rules have `query:`. Returns `None` for files that hold no rule,
/// such as Splunk macro definitions.
pub fn detect_format(path: &Path, text: &str) -> Option<Format> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("yml" | "yaml") => detect_yaml_format(text),
        Some("toml") => has_top_level_key(text, "[rule]").then_some(Format::ElasticToml),
        Some("kql" | "kusto" | "csl") => Some(Format::Kql),
        Some("txt") => looks_like_kql(text).then_some(Format::Kql),
        Some("spl") => Some(Format::Spl),
        _ => None,
    }
}

fn detect_yaml_format(text: &str) -> Option<Format> {
    let keys = top_level_yaml_keys(text);
    let has = |key: &str| keys.contains(&key);
    if has("AnalysisType") {
        Some(Format::PantherYaml)
    } else if (has("detection") && has("logsource")) || has("correlation") {
        Some(Format::Sigma)
    } else if has("search") {
        Some(Format::SplunkYaml)
    } else if has("query") {
        Some(Format::SentinelYaml)
    } else if has("filter") || (has("title") && (has("detection") || has("logsource"))) {
        // A rule that lacks `logsource:` or, half written, `detection:` is still Sigma.
        // Routed here, it gets a finding for the missing key instead of being skipped as a
        // file that contains no rule. A bare `detection:` key is not enough: other YAML files
        // use that word too.
        Some(Format::Sigma)
    } else {
        None
    }
}

/// Keys written at column 0 of a YAML text, without parsing it, so that broken YAML is still
/// routed to the right front end.
fn top_level_yaml_keys(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| {
            let line = line.strip_prefix('\u{feff}').unwrap_or(line);
            // Most lines are indented or list items: skip them before searching for a colon.
            let first = *line.as_bytes().first()?;
            if !(first.is_ascii_alphanumeric() || first == b'_' || first == b'-') {
                return None;
            }
            let colon = line.find(':')?;
            let key = &line[..colon];
            let is_key = !key.is_empty()
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            is_key.then_some(key)
        })
        .collect()
}

/// Whether a `.txt` file holds a KQL query rather than prose (a licence, a note): some line,
/// after indentation, starts a pipe stage or a `let` statement.
fn looks_like_kql(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with('|') || line.starts_with("let ")
    })
}

fn has_top_level_key(text: &str, line_text: &str) -> bool {
    text.lines().any(|line| line.trim_end() == line_text)
}

/// Parses one file's text with the front end for `format`.
///
/// Formats whose front end is not built yet return no documents and no diagnostics.
pub fn parse(format: Format, text: &str) -> ParsedFile {
    let mut parsed = match format {
        Format::Sigma => sigma::parse(text),
        Format::SentinelYaml | Format::Kql => kql::parse(format, text),
        Format::SplunkYaml => spl::parse_yaml(text),
        Format::Spl => spl::parse(text),
        Format::ElasticToml => elastic::parse(text),
        Format::PantherYaml => panther::parse(text),
    };
    parsed.format = Some(format);
    parsed
}

/// Detects the format and parses; `None` when the file holds no rule.
///
/// Splunk files get the macro definitions of the nearest `macros/` folder above `path`, so
/// that macro calls expand; each folder is read once per process. A Panther file gets the
/// Python file its `Filename:` names from the same folder ([`panther::parse_beside`]). Other
/// formats read nothing but `text`.
pub fn parse_path(path: &Path, text: &str) -> Option<ParsedFile> {
    let format = detect_format(path, text)?;
    let mut parsed = match format {
        Format::SplunkYaml => spl::parse_yaml_with_macros(text, &macros_near(path)),
        Format::Spl => spl::parse_with_macros(text, &macros_near(path)),
        Format::PantherYaml => panther::parse_beside(path, text),
        _ => parse(format, text),
    };
    parsed.format = Some(format);
    Some(parsed)
}

/// The macro table of the `macros/` folder nearest above `path`, empty when there is none.
fn macros_near(path: &Path) -> std::sync::Arc<spl::MacroTable> {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex, OnceLock};

    static TABLES: OnceLock<Mutex<HashMap<PathBuf, Arc<spl::MacroTable>>>> = OnceLock::new();
    let Some(folder) = spl::find_macros_dir(path) else {
        return Arc::new(spl::MacroTable::new());
    };
    let tables = TABLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut tables = tables
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let table = tables
        .entry(folder.clone())
        // Macro files that cannot be read are skipped; their calls stay opaque.
        .or_insert_with(|| Arc::new(spl::MacroTable::load_dir(&folder).0));
    Arc::clone(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_yaml_formats_by_keys() {
        let cases = [
            (
                "title: x\nlogsource:\n  product: y\ndetection:\n  condition: a\n",
                Some(Format::Sigma),
            ),
            ("AnalysisType: rule\nRuleID: x\n", Some(Format::PantherYaml)),
            (
                "name: x\nsearch: '| tstats count'\n",
                Some(Format::SplunkYaml),
            ),
            (
                "id: x\nquery: |\n  SigninLogs\n",
                Some(Format::SentinelYaml),
            ),
            ("definition: search x\ndescription: macro\n", None),
            // Sigma without its log source, and with a broken line in the detection.
            (
                "title: x\ndetection:\n  sel:\n    a: [b\n  condition: sel\n",
                Some(Format::Sigma),
            ),
            // A correlation rule has no log source of its own.
            (
                "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n",
                Some(Format::Sigma),
            ),
            // A Splunk detection stays Splunk even with a key Sigma also uses.
            (
                "name: x\nsearch: '| tstats count'\nfilter: y\n",
                Some(Format::SplunkYaml),
            ),
            // A correlation rule with a stray `query:` key stays Sigma.
            (
                "title: x\ncorrelation:\n  type: event_count\nquery: y\n",
                Some(Format::Sigma),
            ),
            // A rule being written, with its log source but no detection yet.
            (
                "title: x\nlogsource:\n  product: windows\n",
                Some(Format::Sigma),
            ),
            // Other YAML with a `detection:` key, such as a service's settings, is no rule.
            (
                "services:\n  web:\n    image: nginx\ndetection:\n  enabled: true\n",
                None,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(detect_format(Path::new("r.yml"), text), expected, "{text}");
        }
    }

    #[test]
    fn empty_query_files_hold_no_rule() {
        let cases = [
            ("a.kql", "", 0),
            ("a.kql", "  \n// only a comment\n", 0),
            (
                "a.kql",
                "DeviceProcessEvents | where FileName == \"x\"\n",
                1,
            ),
            ("a.spl", "", 0),
            ("a.spl", "``` only a comment ```\n", 0),
            ("a.spl", "index=main sourcetype=x\n", 1),
        ];
        for (name, text, expected) in cases {
            let parsed = parse_path(Path::new(name), text).expect("a plain query file");
            assert_eq!(parsed.documents.len(), 1, "{name}: {text:?}");
            assert_eq!(parsed.rule_count(), expected, "{name}: {text:?}");
        }
    }

    #[test]
    fn detect_other_extensions() {
        assert_eq!(detect_format(Path::new("a.kql"), ""), Some(Format::Kql));
        assert_eq!(
            detect_format(Path::new("q.txt"), "DeviceEvents\n| where x == 1\n"),
            Some(Format::Kql)
        );
        assert_eq!(
            detect_format(Path::new("LICENSE.txt"), "Apache License\nVersion 2.0\n"),
            None
        );
        assert_eq!(detect_format(Path::new("a.SPL"), ""), Some(Format::Spl));
        assert_eq!(
            detect_format(Path::new("a.toml"), "[metadata]\n[rule]\n"),
            Some(Format::ElasticToml)
        );
        assert_eq!(detect_format(Path::new("Cargo.toml"), "[package]\n"), None);
        assert_eq!(detect_format(Path::new("a.md"), "detection:"), None);
    }
}
