//! Navigation as plain data: document symbols, go to definition, find references, rename,
//! and folding ranges.
//!
//! For Sigma, a condition's names and `name*` patterns refer to the selections of the same
//! detection; definition, references and rename follow those links. In KQL, a name refers to
//! the `let` statements that bind it: references and rename cover every binding and use of
//! the name in the query, and definition picks the binding in force at the cursor. Ranges are
//! byte offsets; folding ranges are zero-based line numbers.

use crate::lints::FileInput;
use crate::semantic_tokens::{
    is_kql_reserved, kql_identifiers, semantic_tokens, KqlQuery, TokenKind,
};
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

/// Builds the outline. A Sigma document gives its rule with the selections and conditions, a
/// KQL query its `let` bindings, and an SPL search its macro calls.
pub fn document_symbols(input: &FileInput<'_>) -> Vec<Symbol> {
    let mut symbols = sigma_symbols(input);
    symbols.extend(kql_let_symbols(input));
    symbols.extend(spl_macro_symbols(input));
    symbols
}

/// Lists one symbol per SPL macro call (`` `name(args)` ``), named as written without the
/// backticks. The SPL lexer of the semantic tokens finds them, so a search embedded in Splunk
/// YAML maps to the file the same way.
fn spl_macro_symbols(input: &FileInput<'_>) -> Vec<Symbol> {
    use rulelens_syntax::Format;
    if !matches!(input.parsed.format, Some(Format::Spl | Format::SplunkYaml)) {
        return Vec::new();
    }
    semantic_tokens(input.parsed.format, input.text)
        .into_iter()
        .filter(|token| token.kind == TokenKind::Macro)
        .filter_map(|token| {
            let written = input.text.get(token.range.as_range())?;
            let inner = written.strip_prefix('`')?;
            let inner = inner.strip_suffix('`').unwrap_or(inner);
            let name = inner.trim();
            if name.is_empty() {
                return None;
            }
            let name_start = token.range.start() + 1 + (inner.len() - inner.trim_start().len());
            Some(Symbol {
                name: name.to_owned(),
                kind: SymbolKind::Macro,
                range: token.range,
                name_range: TextRange::new(name_start, name_start + name.len()),
                children: Vec::new(),
            })
        })
        .collect()
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
    if !is_bound(&identifiers, &name) {
        return Vec::new();
    }
    identifiers
        .into_iter()
        .filter(|(_, other, is_binding)| *other == name && (include_declaration || !is_binding))
        .map(|(range, _, _)| range)
        .collect()
}

/// Returns the range of the selection name or KQL `let` name that a rename at `offset` would
/// change.
pub fn prepare_rename(input: &FileInput<'_>, offset: usize) -> Option<TextRange> {
    let Some((document, detection, index)) = selection_at(input, offset) else {
        let (name, identifiers) = kql_name_at(input, offset)?;
        if !is_bound(&identifiers, &name) {
            return None;
        }
        return identifiers
            .into_iter()
            .find(|(range, other, _)| *other == name && range.contains_inclusive(offset))
            .map(|(range, _, _)| range);
    };
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

/// Checks whether a `let` of the query binds `name`.
fn is_bound(identifiers: &[KqlIdentifier], name: &str) -> bool {
    identifiers
        .iter()
        .any(|(_, other, is_binding)| *is_binding && other == name)
}

/// Builds the edits that rename the selection at `offset` and every condition name that refers to
/// it, or the KQL `let` name at `offset` with every use of it. Fails, with a message for the
/// user, when the new name is not valid there, is taken, or would change what a Sigma `name*`
/// pattern or `them` selects.
pub fn rename(
    input: &FileInput<'_>,
    offset: usize,
    new_name: &str,
) -> Result<Vec<TextEdit>, String> {
    let Some((document, detection, index)) = selection_at(input, offset) else {
        if let Some((name, identifiers)) = kql_name_at(input, offset) {
            return rename_kql(&name, &identifiers, new_name);
        }
        return Err(
            "no Sigma selection or KQL `let` name here: rename a selection, a name in a \
             condition, or a name a KQL `let` binds"
                .to_owned(),
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

/// Builds the edits that rename every binding and use of the KQL `let` name `name`: the
/// ranges [`references`] returns with the declaration included.
fn rename_kql(
    name: &str,
    identifiers: &[KqlIdentifier],
    new_name: &str,
) -> Result<Vec<TextEdit>, String> {
    if !is_bound(identifiers, name) {
        return Err(format!(
            "`{name}` is not bound by a `let` in this query, so it is a column, table or \
             function name that RuleLens cannot rename"
        ));
    }
    validate_kql_name(identifiers, name, new_name)?;
    // FIXME: a function parameter or a column with the same name as the `let` is renamed
    // too, because the name is matched without scopes.
    let mut edits: Vec<TextEdit> = identifiers
        .iter()
        .filter(|(_, other, _)| other == name)
        .map(|(range, _, _)| TextEdit {
            range: *range,
            new_text: new_name.to_owned(),
        })
        .collect();
    edits.sort_by_key(|edit| edit.range.start());
    Ok(edits)
}

/// Checks that `new_name` is a plain KQL identifier that is neither reserved nor used for
/// anything else in the query, so the rename neither breaks the query nor merges two names.
fn validate_kql_name(
    identifiers: &[KqlIdentifier],
    old_name: &str,
    new_name: &str,
) -> Result<(), String> {
    let mut characters = new_name.chars();
    let valid = characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "invalid KQL name `{new_name}`: start with a letter or `_`, then use letters, \
             digits and `_`"
        ));
    }
    if is_kql_reserved(new_name) {
        return Err(format!(
            "invalid KQL name `{new_name}`: it is a KQL keyword or operator"
        ));
    }
    if new_name != old_name && identifiers.iter().any(|(_, other, _)| other == new_name) {
        return Err(format!(
            "the query already uses the name `{new_name}`: pick a name it does not use"
        ));
    }
    Ok(())
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

    /// Applies `edits` to `text`.
    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut changed = text.to_owned();
        for edit in edits.iter().rev() {
            changed.replace_range(edit.range.as_range(), &edit.new_text);
        }
        changed
    }

    #[test]
    fn kql_rename_changes_binding_and_uses() {
        let edits = kql_at(KQL, Format::Kql, "admins", 2, |input, offset| {
            rename(input, offset, "admin_list")
        })
        .expect("rename is valid");
        let expected = KQL
            .replace("let admins", "let admin_list")
            .replace("in (admins)", "in (admin_list)");
        assert_eq!(apply(KQL, &edits), expected);
        // The edits are the references with the declaration, so both requests agree.
        let uses = kql_at(KQL, Format::Kql, "admins", 2, |input, offset| {
            references(input, offset, true)
        });
        let edited: Vec<TextRange> = edits.iter().map(|edit| edit.range).collect();
        assert_eq!(edited, uses);
    }

    #[test]
    fn kql_prepare_rename_only_on_lets() {
        let on_use = kql_at(KQL, Format::Kql, "window", 1, prepare_rename);
        assert_eq!(on_use.map(|range| &KQL[range.as_range()]), Some("window"));
        assert_eq!(on_use.map(|range| range.start()), KQL.rfind("window"));
        let column = kql_at(KQL, Format::Kql, "UserPrincipalName", 0, prepare_rename);
        assert_eq!(column, None);
    }

    #[test]
    fn kql_rename_rejects_bad_names() {
        let rename_window = |new_name: &str| {
            kql_at(KQL, Format::Kql, "window", 0, |input, offset| {
                rename(input, offset, new_name)
            })
        };
        let taken = rename_window("admins").unwrap_err();
        assert!(taken.contains("already uses the name `admins`"), "{taken}");
        let column = rename_window("SigninLogs").unwrap_err();
        assert!(column.contains("already uses"), "{column}");
        let keyword = rename_window("where").unwrap_err();
        assert!(keyword.contains("keyword"), "{keyword}");
        let digit = rename_window("1window").unwrap_err();
        assert!(digit.contains("invalid KQL name"), "{digit}");
        let spaced = rename_window("my window").unwrap_err();
        assert!(spaced.contains("invalid KQL name"), "{spaced}");
        let unbound = kql_at(KQL, Format::Kql, "UserPrincipalName", 0, |input, offset| {
            rename(input, offset, "Upn")
        })
        .unwrap_err();
        assert!(unbound.contains("not bound by a `let`"), "{unbound}");
    }

    #[test]
    fn kql_names_skip_members_and_literals() {
        let text = "let d = 1d;\nlet name = 'x';\nT\n| where TimeGenerated > ago(1d) and \
Props.name == name and Id == 0x1d and P == @'C:\\' and d > 0\n";
        let uses = kql_at(text, Format::Kql, "d =", 0, |input, offset| {
            references(input, offset - 1, true)
        });
        assert_eq!(texts_in(text, &uses), vec!["d", "d"]);
        assert_eq!(uses[1].start(), text.rfind("d > 0").unwrap_or_default());
        let names = kql_at(text, Format::Kql, "name", 0, |input, offset| {
            references(input, offset, true)
        });
        assert_eq!(names.len(), 2);
        assert_eq!(names[1].start(), text.rfind("name").unwrap_or_default());
    }

    #[test]
    fn sentinel_query_let_rename_maps_to_file() {
        let text = "id: x\nquery: |\n  let threshold = 5;\n  T | where Count > threshold\n";
        let edits = kql_at(
            text,
            Format::SentinelYaml,
            "threshold",
            1,
            |input, offset| rename(input, offset, "limit_"),
        )
        .expect("rename is valid");
        assert_eq!(
            apply(text, &edits),
            "id: x\nquery: |\n  let limit_ = 5;\n  T | where Count > limit_\n"
        );
    }

    #[test]
    fn spl_macro_calls_are_symbols() {
        let text = "id: x\nsearch: '`sysmon` EventCode=1 | `security_content_ctime(firstTime)`'\n";
        let parsed = ParsedFile {
            format: Some(Format::SplunkYaml),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "d.yml",
            text,
            parsed: &parsed,
        };
        let symbols = document_symbols(&input);
        let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, vec!["sysmon", "security_content_ctime(firstTime)"]);
        assert!(symbols.iter().all(|s| s.kind == SymbolKind::Macro));
        assert_eq!(texts_in(text, &[symbols[0].range]), vec!["`sysmon`"]);
        assert_eq!(
            texts_in(text, &[symbols[1].name_range]),
            vec!["security_content_ctime(firstTime)"]
        );
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
