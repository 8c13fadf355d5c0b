//! Navigation as plain data: document symbols, go to definition, find references, rename,
//! and folding ranges.
//!
//! For Sigma, a condition's names and `name*` patterns refer to the selections of the same
//! detection; definition, references and rename follow those links. Ranges are byte offsets;
//! folding ranges are zero-based line numbers.

use crate::lints::FileInput;
use crate::semantic_tokens::{kql_identifiers, KqlQuery};
use rulelens_syntax::sigma::{Detection, ReferenceKind, SigmaDocument};
use rulelens_syntax::{TextEdit, TextRange, Tree};

/// The kind of a symbol, for the editor's outline icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A whole rule (one YAML document).
    Rule,
    /// A Sigma selection.
    Selection,
    /// A Sigma condition.
    Condition,
    /// A KQL `let` binding.
    Binding,
    /// An SPL macro call.
    Macro,
}

/// One entry of the document outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole extent of the symbol.
    pub range: TextRange,
    /// The name, which the editor selects.
    pub name_range: TextRange,
    pub children: Vec<Symbol>,
}

/// A foldable block of lines, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub start_line: u32,
    pub end_line: u32,
}

/// Builds the outline: per Sigma document, the rule with its selections and conditions, and
/// the `let` bindings of a KQL query.
pub fn document_symbols(input: &FileInput<'_>) -> Vec<Symbol> {
    let mut symbols = sigma_symbols(input);
    symbols.extend(kql_let_symbols(input));
    symbols
}

/// Lists one symbol per KQL `let`, from the name to the `;` that ends the statement.
fn kql_let_symbols(input: &FileInput<'_>) -> Vec<Symbol> {
    let Some(query) = KqlQuery::of_file(input.parsed.format, input.text) else {
        return Vec::new();
    };
    kql_identifiers(&query.text)
        .into_iter()
        .filter(|(_, is_binding)| *is_binding)
        .filter_map(|(range, _)| {
            let name = query.text.get(range.as_range())?.to_owned();
            let statement_end = query
                .text
                .get(range.end()..)
                .and_then(|rest| rest.find(';'))
                .map_or(query.text.len(), |end| range.end() + end + 1);
            let name_range = query.file_range(range);
            Some(Symbol {
                name,
                kind: SymbolKind::Binding,
                range: name_range
                    .cover(query.file_range(TextRange::new(range.start(), statement_end))),
                name_range,
                children: Vec::new(),
            })
        })
        .collect()
}

/// A KQL identifier as a file range, its name, and whether it is a `let` binding.
type KqlIdentifier = (TextRange, String, bool);

/// Finds the name of the KQL identifier at `offset`, and every identifier of the query.
fn kql_name_at(input: &FileInput<'_>, offset: usize) -> Option<(String, Vec<KqlIdentifier>)> {
    let query = KqlQuery::of_file(input.parsed.format, input.text)?;
    let query_offset = query.query_offset(offset)?;
    let identifiers: Vec<KqlIdentifier> = kql_identifiers(&query.text)
        .into_iter()
        .filter_map(|(range, is_binding)| {
            let name = query.text.get(range.as_range())?.to_owned();
            Some((range, name, is_binding))
        })
        .collect();
    let name = identifiers
        .iter()
        .find(|(range, _, _)| range.contains_inclusive(query_offset))
        .map(|(_, name, _)| name.clone())?;
    let in_file = identifiers
        .into_iter()
        .map(|(range, name, is_binding)| (query.file_range(range), name, is_binding))
        .collect();
    Some((name, in_file))
}

fn sigma_symbols(input: &FileInput<'_>) -> Vec<Symbol> {
    sigma_documents(input)
        .map(|document| {
            let mut children = Vec::new();
            if let Some(detection) = &document.detection {
                for selection in &detection.selections {
                    children.push(Symbol {
                        name: selection.name.clone(),
                        kind: SymbolKind::Selection,
                        range: selection.name_range.cover(selection.range),
                        name_range: selection.name_range,
                        children: Vec::new(),
                    });
                }
                for condition in &detection.conditions {
                    let name_range = detection.condition_key_range.unwrap_or(condition.range);
                    children.push(Symbol {
                        name: format!("condition: {}", condition.text),
                        kind: SymbolKind::Condition,
                        range: name_range.cover(condition.range),
                        name_range,
                        children: Vec::new(),
                    });
                }
            }
            let (name, name_range) = match &document.title {
                Some(title) => (title.value.clone(), title.range),
                None => (
                    "(untitled rule)".to_owned(),
                    TextRange::empty(document.range.start()),
                ),
            };
            Symbol {
                name,
                kind: SymbolKind::Rule,
                range: document.range.cover(name_range),
                name_range,
                children,
            }
        })
        .collect()
}

/// Finds the selections that the condition name or pattern at `offset` refers to. On a
/// selection's own name, returns that selection.
pub fn definition(input: &FileInput<'_>, offset: usize) -> Vec<TextRange> {
    for document in sigma_documents(input) {
        let Some(detection) = &document.detection else {
            continue;
        };
        if let Some(reference) = document
            .references
            .iter()
            .find(|reference| reference.range.contains_inclusive(offset))
        {
            return reference
                .selections
                .iter()
                .filter_map(|&index| detection.selections.get(index))
                .map(|selection| selection.name_range)
                .collect();
        }
        if let Some(selection) = detection
            .selections
            .iter()
            .find(|selection| selection.name_range.contains_inclusive(offset))
        {
            return vec![selection.name_range];
        }
    }
    // A KQL name goes to the last `let` of it before the cursor, or the first one after.
    let Some((name, identifiers)) = kql_name_at(input, offset) else {
        return Vec::new();
    };
    let bindings: Vec<TextRange> = identifiers
        .into_iter()
        .filter(|(_, other, is_binding)| *is_binding && *other == name)
        .map(|(range, _, _)| range)
        .collect();
    let before = bindings.iter().rev().find(|range| range.start() <= offset);
    before.or(bindings.first()).copied().into_iter().collect()
}

/// Finds every place in the condition that refers to the selection at `offset` (by name, by
/// pattern, or through `them`), and its definition when `include_declaration` is set. In KQL,
/// finds the uses of the `let` name at `offset`.
pub fn references(
    input: &FileInput<'_>,
    offset: usize,
    include_declaration: bool,
) -> Vec<TextRange> {
    let Some((document, detection, index)) = selection_at(input, offset) else {
        return kql_references(input, offset, include_declaration);
    };
    let mut found: Vec<TextRange> = document
        .references
        .iter()
        .filter(|reference| reference.selections.contains(&index))
        .map(|reference| reference.range)
        .collect();
    if include_declaration {
        if let Some(selection) = detection.selections.get(index) {
            found.insert(0, selection.name_range);
        }
    }
    found
}

/// Every use of the KQL `let` name at `offset`, with its bindings when
/// `include_declaration` is set. Names without a `let` in the query (columns, tables) have
/// no references here.
fn kql_references(
    input: &FileInput<'_>,
    offset: usize,
    include_declaration: bool,
) -> Vec<TextRange> {
    let Some((name, identifiers)) = kql_name_at(input, offset) else {
        return Vec::new();
    };
    let bound = identifiers
        .iter()
        .any(|(_, other, is_binding)| *is_binding && *other == name);
    if !bound {
        return Vec::new();
    }
    identifiers
        .into_iter()
        .filter(|(_, other, is_binding)| *other == name && (include_declaration || !is_binding))
        .map(|(range, _, _)| range)
        .collect()
}

/// Returns the range of the selection name that a rename at `offset` would change.
pub fn prepare_rename(input: &FileInput<'_>, offset: usize) -> Option<TextRange> {
    let (document, detection, index) = selection_at(input, offset)?;
    let selection = detection.selections.get(index)?;
    if selection.name_range.contains_inclusive(offset) {
        return Some(selection.name_range);
    }
    document
        .references
        .iter()
        .find(|reference| {
            reference.kind == ReferenceKind::Name && reference.range.contains_inclusive(offset)
        })
        .map(|reference| reference.range)
}

/// Builds the edits that rename the selection at `offset` and every condition name that refers to
/// it. Fails, with a message for the user, when the new name is not a valid selection name,
/// is taken, or would change what a `name*` pattern or `them` selects.
pub fn rename(
    input: &FileInput<'_>,
    offset: usize,
    new_name: &str,
) -> Result<Vec<TextEdit>, String> {
    let Some((document, detection, index)) = selection_at(input, offset) else {
        return Err(
            "no Sigma selection here: rename a selection name or a name in a condition".to_owned(),
        );
    };
    let selection = detection
        .selections
        .get(index)
        .ok_or_else(|| "no Sigma selection here".to_owned())?;
    validate_selection_name(detection, &selection.name, new_name)?;

    let mut edits = vec![TextEdit {
        range: selection.name_range,
        new_text: new_name.to_owned(),
    }];
    for reference in &document.references {
        if !reference.selections.contains(&index) {
            continue;
        }
        match reference.kind {
            ReferenceKind::Name => edits.push(TextEdit {
                range: reference.range,
                new_text: new_name.to_owned(),
            }),
            ReferenceKind::Pattern if !glob_matches(&reference.text, new_name) => {
                return Err(format!(
                    "the condition selects `{}` through the pattern `{}`, which `{new_name}` \
                     does not match: pick a name the pattern matches, or edit the condition",
                    selection.name, reference.text
                ));
            }
            ReferenceKind::Them if new_name.starts_with('_') => {
                return Err(format!(
                    "the condition selects `{}` through `them`, which skips names starting \
                     with `_`: pick a name without the leading `_`",
                    selection.name
                ));
            }
            ReferenceKind::Pattern | ReferenceKind::Them => {}
        }
    }
    edits.sort_by_key(|edit| edit.range.start);
    Ok(edits)
}

/// Words of the condition language a selection cannot be named.
const CONDITION_KEYWORDS: &[&str] = &["and", "or", "not", "of", "them", "all", "any", "1"];

fn validate_selection_name(
    detection: &Detection,
    old_name: &str,
    new_name: &str,
) -> Result<(), String> {
    let valid_characters = !new_name.is_empty()
        && new_name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid_characters {
        return Err(format!(
            "invalid selection name `{new_name}`: use letters, digits, `_`, `-` and `.`"
        ));
    }
    if CONDITION_KEYWORDS.contains(&new_name) || matches!(new_name, "condition" | "timeframe") {
        return Err(format!(
            "invalid selection name `{new_name}`: it is a keyword of the Sigma detection"
        ));
    }
    let taken = detection
        .selections
        .iter()
        .any(|other| other.name == new_name && other.name != old_name);
    if taken {
        return Err(format!(
            "a selection named `{new_name}` already exists in this detection"
        ));
    }
    Ok(())
}

/// Checks whether a condition pattern with `*` wildcards matches `name` in full.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == name;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(found) => rest = &rest[found + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Finds the Sigma document, its detection and the index of the selection at `offset`: under a
/// selection's name, or under a plain name in a condition.
fn selection_at<'a>(
    input: &'a FileInput<'_>,
    offset: usize,
) -> Option<(&'a SigmaDocument, &'a Detection, usize)> {
    for document in sigma_documents(input) {
        let Some(detection) = &document.detection else {
            continue;
        };
        if let Some(index) = detection
            .selections
            .iter()
            .position(|selection| selection.name_range.contains_inclusive(offset))
        {
            return Some((document, detection, index));
        }
        let named = document.references.iter().find(|reference| {
            reference.kind == ReferenceKind::Name && reference.range.contains_inclusive(offset)
        });
        if let Some(&index) = named.and_then(|reference| reference.selections.first()) {
            return Some((document, detection, index));
        }
    }
    None
}

fn sigma_documents<'a>(input: &'a FileInput<'_>) -> impl Iterator<Item = &'a SigmaDocument> {
    input
        .parsed
        .documents
        .iter()
        .filter_map(|document| match &document.tree {
            Tree::Sigma(sigma) => Some(sigma.as_ref()),
            #[allow(unreachable_patterns)]
            _ => None,
        })
}

/// Folding ranges from indentation: a line followed by more-indented lines folds down to the
/// last of them. This fits YAML, and the indented pipelines of KQL and SPL. TOML tables fold
/// from their `[header]` to the line before the next header.
pub fn folding_ranges(input: &FileInput<'_>) -> Vec<Fold> {
    let lines: Vec<&str> = input.text.lines().collect();
    let mut folds = Vec::new();
    if input.parsed.format == Some(rulelens_syntax::Format::ElasticToml) {
        toml_folds(&lines, &mut folds);
        return folds;
    }
    // A stack of (line, indentation) of lines whose block is still open.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut last_content = 0;
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        while let Some(&(start, start_indent)) = open.last() {
            if indent > start_indent {
                break;
            }
            open.pop();
            push_fold(&mut folds, start, last_content);
        }
        open.push((number, indent));
        last_content = number;
    }
    while let Some((start, _)) = open.pop() {
        push_fold(&mut folds, start, last_content);
    }
    folds.sort_by_key(|fold| (fold.start_line, fold.end_line));
    folds
}

fn toml_folds(lines: &[&str], folds: &mut Vec<Fold>) {
    let mut header: Option<usize> = None;
    let mut last_content = 0;
    for (number, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with('[') && !line.starts_with(' ') {
            if let Some(start) = header {
                push_fold(folds, start, last_content);
            }
            header = Some(number);
        }
        if !line.trim().is_empty() {
            last_content = number;
        }
    }
    if let Some(start) = header {
        push_fold(folds, start, last_content);
    }
}

fn push_fold(folds: &mut Vec<Fold>, start: usize, end: usize) {
    if end > start {
        folds.push(Fold {
            start_line: u32::try_from(start).unwrap_or(u32::MAX),
            end_line: u32::try_from(end).unwrap_or(u32::MAX),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::{Format, ParsedFile};

    fn folds(format: Format, text: &str) -> Vec<(u32, u32)> {
        let parsed = ParsedFile {
            format: Some(format),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "rule",
            text,
            parsed: &parsed,
        };
        folding_ranges(&input)
            .into_iter()
            .map(|fold| (fold.start_line, fold.end_line))
            .collect()
    }

    const RULE: &str = "title: Nav\nlogsource:\n  product: windows\ndetection:\n  \
selection_a:\n    Image: a\n  selection_b:\n    User: b\n  filter:\n    Path: c\n  \
condition: selection_a and 1 of selection_* and not filter\n";

    /// Runs `provider` on [`RULE`] parsed with the real Sigma front end, at the first
    /// occurrence of `needle` after the `nth` one (0 is the first).
    fn at<T>(needle: &str, nth: usize, provider: impl FnOnce(&FileInput<'_>, usize) -> T) -> T {
        let parsed = rulelens_syntax::parse(Format::Sigma, RULE);
        let input = FileInput {
            path: "rule.yml",
            text: RULE,
            parsed: &parsed,
        };
        let offset = RULE
            .match_indices(needle)
            .nth(nth)
            .map(|(offset, _)| offset)
            .expect("needle in rule");
        provider(&input, offset + 1)
    }

    fn texts(ranges: &[TextRange]) -> Vec<&'static str> {
        ranges.iter().map(|range| &RULE[range.as_range()]).collect()
    }

    #[test]
    fn sigma_symbols_list_selections() {
        let symbols = at("title", 0, |input, _| document_symbols(input));
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].name, "Nav");
        let names: Vec<&str> = symbols[0]
            .children
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(
            names,
            vec![
                "selection_a",
                "selection_b",
                "filter",
                "condition: selection_a and 1 of selection_* and not filter"
            ]
        );
        assert_eq!(symbols[0].children[0].kind, SymbolKind::Selection);
    }

    #[test]
    fn sigma_definition_from_condition() {
        let found = at("filter", 1, definition);
        assert_eq!(texts(&found), vec!["filter"]);
        assert_eq!(found[0].start(), RULE.find("filter:").unwrap_or_default());
        let pattern = at("selection_*", 0, definition);
        assert_eq!(texts(&pattern), vec!["selection_a", "selection_b"]);
    }

    #[test]
    fn sigma_references_include_patterns() {
        let found = at("selection_a", 0, |input, offset| {
            references(input, offset, true)
        });
        assert_eq!(
            texts(&found),
            vec!["selection_a", "selection_a", "selection_*"]
        );
    }

    #[test]
    fn sigma_rename_updates_condition() {
        let edits = at("selection_a", 1, |input, offset| {
            rename(input, offset, "selection_c")
        })
        .expect("rename is valid");
        let mut text = RULE.to_owned();
        for edit in edits.iter().rev() {
            text.replace_range(edit.range.as_range(), &edit.new_text);
        }
        assert!(text.contains("  selection_c:\n    Image: a"), "{text}");
        assert!(
            text.contains("condition: selection_c and 1 of selection_*"),
            "{text}"
        );
    }

    #[test]
    fn sigma_rename_rejects_breaking_names() {
        let pattern = at("selection_a", 0, |input, offset| {
            rename(input, offset, "proc")
        });
        assert!(pattern.unwrap_err().contains("pattern `selection_*`"));
        let taken = at("filter", 0, |input, offset| {
            rename(input, offset, "selection_b")
        });
        assert!(taken.unwrap_err().contains("already exists"));
        let keyword = at("filter", 0, |input, offset| rename(input, offset, "them"));
        assert!(keyword.unwrap_err().contains("keyword"));
        let filter = at("filter", 0, |input, offset| {
            rename(input, offset, "filter_main")
        });
        assert_eq!(filter.map(|edits| edits.len()), Ok(2));
    }

    /// Runs `provider` on a KQL file at the `nth` occurrence of `needle`.
    fn kql_at<T>(
        text: &str,
        format: Format,
        needle: &str,
        nth: usize,
        provider: impl FnOnce(&FileInput<'_>, usize) -> T,
    ) -> T {
        let parsed = ParsedFile {
            format: Some(format),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "q",
            text,
            parsed: &parsed,
        };
        let offset = text
            .match_indices(needle)
            .nth(nth)
            .map(|(offset, _)| offset)
            .expect("needle in text");
        provider(&input, offset + 1)
    }

    const KQL: &str = "let admins = dynamic(['a']); // admins here\nlet window = 1h;\n\
SigninLogs\n| where TimeGenerated > ago(window) and UserPrincipalName in (admins)\n\
| where 'admins' != ''\n";

    #[test]
    fn kql_let_symbols_and_definition() {
        let symbols = kql_at(KQL, Format::Kql, "admins", 0, |input, _| {
            document_symbols(input)
        });
        let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["admins", "window"]);
        assert_eq!(
            &KQL[symbols[0].range.as_range()],
            "admins = dynamic(['a']);"
        );

        let found = kql_at(KQL, Format::Kql, "admins", 2, definition);
        assert_eq!(found, vec![TextRange::new(4, 10)]);
        let uses = kql_at(KQL, Format::Kql, "window", 1, |input, offset| {
            references(input, offset, true)
        });
        assert_eq!(uses.len(), 2);
        // Strings and comments are not references, and columns have none.
        let admins = kql_at(KQL, Format::Kql, "admins", 0, |input, offset| {
            references(input, offset, false)
        });
        assert_eq!(admins.len(), 1);
        let column = kql_at(KQL, Format::Kql, "UserPrincipalName", 0, |input, offset| {
            references(input, offset, true)
        });
        assert!(column.is_empty());
    }

    #[test]
    fn sentinel_query_lets_map_to_file() {
        let text = "id: x\nquery: |\n  let threshold = 5;\n  T | where Count > threshold\n";
        let found = kql_at(text, Format::SentinelYaml, "threshold", 1, definition);
        assert_eq!(texts_in(text, &found), vec!["threshold"]);
        assert_eq!(found[0].start(), text.find("threshold").unwrap_or_default());
    }

    fn texts_in<'t>(text: &'t str, ranges: &[TextRange]) -> Vec<&'t str> {
        ranges.iter().map(|range| &text[range.as_range()]).collect()
    }

    #[test]
    fn glob_patterns_match_whole_name() {
        assert!(glob_matches("selection_*", "selection_x"));
        assert!(glob_matches("*_x", "a_x"));
        assert!(glob_matches("a*b*c", "aXbYc"));
        assert!(!glob_matches("a*b", "ab_c"));
        assert!(glob_matches("exact", "exact"));
        assert!(!glob_matches("exact", "exactly"));
    }

    #[test]
    fn yaml_folds_by_indentation() {
        let text = "title: x\nlogsource:\n  product: windows\ndetection:\n  selection:\n    \
Image: a\n\n    User: b\n  condition: selection\nlevel: low\n";
        assert_eq!(folds(Format::Sigma, text), vec![(1, 2), (3, 8), (4, 7)]);
    }

    #[test]
    fn toml_folds_by_table() {
        let text =
            "[metadata]\ncreation_date = \"x\"\n\n[rule]\nname = \"y\"\nquery = '''\na\n'''\n";
        assert_eq!(folds(Format::ElasticToml, text), vec![(0, 1), (3, 7)]);
    }
}
