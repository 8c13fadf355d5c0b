//! Splunk search macros: the table of definitions a search is expanded with.
//!
//! A macro is called in a search as `` `name` `` or `` `name(arg1, arg2)` ``. Splunk keys a
//! macro by its name and its argument count, so `name` and `name(2)` are two macros. The
//! definitions come from the `macros/*.yml` files of the security_content repository
//! (`name`, `definition`, `arguments`) and from `macros.conf` stanzas
//! (`[name(2)]`, `args = a, b`, `definition = ...`). [`parse`](super::parse) has no access to
//! other files, so the caller loads a [`MacroTable`] and passes it to
//! [`parse_with_macros`](super::parse_with_macros).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One macro definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDefinition {
    pub name: String,
    /// Argument names, substituted where the definition writes `$name$`.
    pub arguments: Vec<String>,
    pub definition: String,
}

impl MacroDefinition {
    /// Returns the definition with each `$argument$` replaced by the matching value, in one
    /// pass, so that a value containing `$other$` is not substituted again.
    pub fn substitute(&self, values: &[String]) -> String {
        let mut text = String::with_capacity(self.definition.len());
        let mut rest = self.definition.as_str();
        while let Some(open) = rest.find('$') {
            text.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let replaced = after.find('$').and_then(|close| {
                let name = &after[..close];
                let index = self
                    .arguments
                    .iter()
                    .position(|argument| argument == name)?;
                Some((values.get(index)?, close))
            });
            match replaced {
                Some((value, close)) => {
                    text.push_str(value);
                    rest = &after[close + 1..];
                }
                None => {
                    text.push('$');
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        text
    }
}

/// Macro definitions keyed by name and argument count.
#[derive(Clone, Debug, Default)]
pub struct MacroTable {
    definitions: HashMap<(String, usize), MacroDefinition>,
}

impl MacroTable {
    /// Creates an empty table: every macro call stays unexpanded.
    pub fn new() -> MacroTable {
        MacroTable::default()
    }

    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }

    /// Adds a definition, replacing an earlier one with the same name and argument count.
    pub fn insert(&mut self, definition: MacroDefinition) {
        let key = (definition.name.clone(), definition.arguments.len());
        self.definitions.insert(key, definition);
    }

    /// Looks a macro up by its name and the number of arguments of the call.
    pub fn get(&self, name: &str, argument_count: usize) -> Option<&MacroDefinition> {
        self.definitions.get(&(name.to_owned(), argument_count))
    }

    /// Returns whether a macro of this name exists with any argument count.
    pub fn has_name(&self, name: &str) -> bool {
        self.definitions.keys().any(|(known, _)| known == name)
    }

    /// Loads every `*.yml`/`*.yaml` macro file and every `*.conf` file in `dir` (not its
    /// subfolders). Files that cannot be read or hold no definition are skipped and returned
    /// with the reason, so that the caller can log them.
    pub fn load_dir(dir: &Path) -> (MacroTable, Vec<(PathBuf, String)>) {
        let mut table = MacroTable::new();
        let mut skipped = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) => {
                skipped.push((dir.to_path_buf(), format!("cannot read folder: {error}")));
                return (table, skipped);
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        // Sorted so that a later duplicate wins the same way on every machine.
        paths.sort();
        for path in paths {
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let is_yaml = matches!(extension, "yml" | "yaml");
            if !is_yaml && extension != "conf" {
                continue;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    skipped.push((path, format!("cannot read file: {error}")));
                    continue;
                }
            };
            if is_yaml {
                match parse_macro_yaml(&text) {
                    Some(definition) => table.insert(definition),
                    None => skipped.push((path, "no `name` and `definition` keys".to_owned())),
                }
            } else {
                for definition in parse_macros_conf(&text) {
                    table.insert(definition);
                }
            }
        }
        (table, skipped)
    }

    /// Adds the stanzas of a `macros.conf` text.
    pub fn add_conf_text(&mut self, text: &str) {
        for definition in parse_macros_conf(text) {
            self.insert(definition);
        }
    }
}

/// Macro tables loaded once per `macros` folder, for a caller that parses many detections.
#[derive(Debug, Default)]
pub struct MacroCache {
    tables: HashMap<PathBuf, MacroTable>,
    empty: MacroTable,
}

impl MacroCache {
    pub fn new() -> MacroCache {
        MacroCache::default()
    }

    /// Returns the macros for the detection at `path`: those of the nearest `macros` folder,
    /// loaded on first use, or an empty table when there is none. Files the folder's load
    /// skipped are returned the first time only.
    pub fn table_for(&mut self, path: &Path) -> (&MacroTable, Vec<(PathBuf, String)>) {
        let Some(dir) = find_macros_dir(path) else {
            return (&self.empty, Vec::new());
        };
        let mut skipped = Vec::new();
        let table = self.tables.entry(dir).or_insert_with_key(|dir| {
            let (table, skipped_files) = MacroTable::load_dir(dir);
            skipped = skipped_files;
            table
        });
        (table, skipped)
    }
}

/// Finds the `macros` folder for a detection file: the nearest ancestor folder of `path` that
/// contains a `macros` folder, as in the security_content layout `detections/<area>/x.yml`
/// beside `macros/`.
pub fn find_macros_dir(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .map(|ancestor| ancestor.join("macros"))
        .find(|candidate| candidate.is_dir())
}

/// Reads one security_content macro file with `saphyr`. A few files continue multi-line
/// quoted scalars at column 0, which `saphyr` rejects. Those go through a line reader that
/// handles only the three top-level keys a macro needs.
pub fn parse_macro_yaml(text: &str) -> Option<MacroDefinition> {
    parse_macro_yaml_with_saphyr(text).or_else(|| parse_macro_yaml_by_lines(text))
}

fn parse_macro_yaml_with_saphyr(text: &str) -> Option<MacroDefinition> {
    use saphyr::{LoadableYamlNode, Yaml};
    let documents = Yaml::load_from_str(text).ok()?;
    let document = documents.first()?;
    let name = document.as_mapping_get("name")?.as_str()?.trim().to_owned();
    let definition_node = document.as_mapping_get("definition")?;
    let definition = match definition_node.as_str() {
        Some(text) => text.to_owned(),
        // `definition: true` or a number is read as a scalar of another type.
        None => scalar_to_string(definition_node)?,
    };
    let arguments = match document.as_mapping_get("arguments") {
        Some(node) => node
            .as_vec()
            .map(|items| items.iter().filter_map(scalar_to_string).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Some(MacroDefinition {
        name,
        arguments,
        definition,
    })
}

fn scalar_to_string(node: &saphyr::Yaml) -> Option<String> {
    use saphyr::{Scalar, Yaml};
    match node {
        Yaml::Value(Scalar::String(text)) => Some(text.to_string()),
        Yaml::Value(Scalar::Integer(number)) => Some(number.to_string()),
        Yaml::Value(Scalar::FloatingPoint(number)) => Some(number.to_string()),
        Yaml::Value(Scalar::Boolean(value)) => Some(value.to_string()),
        Yaml::Representation(text, _, _) => Some(text.to_string()),
        _ => None,
    }
}

/// Reads a macro file line by line: top-level `key: value` lines, where a quoted value may run over
/// several lines (joined with a space, as YAML folding does), and `arguments:` followed by
/// `- item` lines.
fn parse_macro_yaml_by_lines(text: &str) -> Option<MacroDefinition> {
    let mut name = None;
    let mut definition = None;
    let mut arguments = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while let Some(line) = lines.get(index) {
        index += 1;
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        if key.starts_with(char::is_whitespace) || key.starts_with('-') {
            continue;
        }
        let rest = rest.trim();
        match key {
            "name" => name = Some(unquote_plain(rest)),
            "definition" => {
                let (value, consumed) = read_multiline_scalar(rest, lines.get(index..)?);
                index += consumed;
                definition = Some(value);
            }
            "arguments" => {
                while let Some(item) = lines.get(index).and_then(|l| l.trim().strip_prefix("- ")) {
                    arguments.push(unquote_plain(item.trim()));
                    index += 1;
                }
            }
            _ => {}
        }
    }
    Some(MacroDefinition {
        name: name?,
        arguments,
        definition: definition?,
    })
}

/// Reads a scalar that starts with `first` and may continue on the following lines; returns
/// the value and the number of following lines it used.
fn read_multiline_scalar(first: &str, following: &[&str]) -> (String, usize) {
    let quote = match first.chars().next() {
        Some(quote @ ('\'' | '"')) => quote,
        _ => return (first.to_owned(), 0),
    };
    let mut raw = first.get(1..).unwrap_or_default().to_owned();
    let mut consumed = 0;
    while !closes_quoted_scalar(&raw, quote) {
        let Some(line) = following.get(consumed) else {
            break;
        };
        consumed += 1;
        raw.push(' ');
        raw.push_str(line.trim());
    }
    let body = raw.trim_end();
    let body = body.strip_suffix(quote).unwrap_or(body);
    let value = if quote == '\'' {
        body.replace("''", "'")
    } else {
        body.replace("\\\"", "\"").replace("\\\\", "\\")
    };
    (value, consumed)
}

/// Returns whether `raw` (the text after the opening quote) ends with the closing quote.
fn closes_quoted_scalar(raw: &str, quote: char) -> bool {
    let trimmed = raw.trim_end();
    if quote == '\'' {
        // A closing quote is an odd-length run of quotes at the end, since `''` is an escape.
        let run = trimmed.chars().rev().take_while(|&c| c == '\'').count();
        run % 2 == 1
    } else {
        let run = trimmed.chars().rev().take_while(|&c| c == '"').count();
        let before = trimmed.trim_end_matches('"');
        let backslashes = before.chars().rev().take_while(|&c| c == '\\').count();
        run > 0 && (backslashes % 2 == 0 || run > 1)
    }
}

fn unquote_plain(value: &str) -> String {
    let value = value.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.to_owned();
        }
    }
    value.to_owned()
}

/// Reads the stanzas of a `macros.conf` file. A stanza name `name(2)` gives the argument
/// count, `args` names the arguments, and a line ending in a backslash continues on the next
/// line. Stanzas without a `definition` are skipped.
pub fn parse_macros_conf(text: &str) -> Vec<MacroDefinition> {
    let mut definitions = Vec::new();
    let mut current: Option<(String, Vec<String>, Option<String>)> = None;
    let mut logical_line = String::new();
    for physical in text.lines() {
        if let Some(continued) = physical.strip_suffix('\\') {
            logical_line.push_str(continued);
            logical_line.push('\n');
            continue;
        }
        logical_line.push_str(physical);
        let line = std::mem::take(&mut logical_line);
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if let Some(stanza) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            finish_conf_stanza(current.take(), &mut definitions);
            let name = stanza.split('(').next().unwrap_or(stanza).trim().to_owned();
            current = Some((name, Vec::new(), None));
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        let Some((_, arguments, definition)) = current.as_mut() else {
            continue;
        };
        match key.trim() {
            "args" => {
                *arguments = value
                    .split(',')
                    .map(|a| a.trim().to_owned())
                    .filter(|a| !a.is_empty())
                    .collect();
            }
            "definition" => *definition = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    finish_conf_stanza(current, &mut definitions);
    definitions
}

fn finish_conf_stanza(
    stanza: Option<(String, Vec<String>, Option<String>)>,
    definitions: &mut Vec<MacroDefinition>,
) {
    if let Some((name, arguments, Some(definition))) = stanza {
        definitions.push(MacroDefinition {
            name,
            arguments,
            definition,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_stanzas_with_arguments_and_continuation() {
        let text = "# comment\n[ctime(1)]\nargs = field\ndefinition = convert \\\nctime($field$)\n\
                    \n[sysmon]\ndefinition = sourcetype=sysmon\n[no_definition]\niseval = 0\n";
        let definitions = parse_macros_conf(text);
        assert_eq!(definitions.len(), 2);
        assert_eq!(definitions[0].name, "ctime");
        assert_eq!(definitions[0].arguments, vec!["field".to_owned()]);
        assert_eq!(definitions[0].definition, "convert \nctime($field$)");
        assert_eq!(definitions[1].definition, "sourcetype=sysmon");
    }

    #[test]
    fn yaml_macro_continued_at_column_zero() {
        let text = "arguments:\n  - b64in\ndefinition: 'eval x=split($b64in$,\"\") \n| eval \
                    y=''a''\n| fields - x'\ndescription: d\nname: base64decode\n";
        let definition = parse_macro_yaml(text).unwrap_or_else(|| panic!("no definition"));
        assert_eq!(definition.name, "base64decode");
        assert_eq!(definition.arguments, vec!["b64in".to_owned()]);
        assert!(definition.definition.starts_with("eval x=split($b64in$"));
        assert!(definition.definition.contains("y='a'"));
        assert!(definition.definition.ends_with("fields - x"));
    }

    #[test]
    fn substitute_replaces_every_argument() {
        let definition = MacroDefinition {
            name: "m".to_owned(),
            arguments: vec!["a".to_owned(), "b".to_owned()],
            definition: "$a$=$b$ OR $a$=x".to_owned(),
        };
        let text = definition.substitute(&["f".to_owned(), "1".to_owned()]);
        assert_eq!(text, "f=1 OR f=x");
        let text = definition.substitute(&["$b$".to_owned(), "2".to_owned()]);
        assert_eq!(text, "$b$=2 OR $b$=x");
        let unrelated = MacroDefinition {
            definition: "cost=$5 $c$ $a$".to_owned(),
            ..definition
        };
        let text = unrelated.substitute(&["f".to_owned(), "1".to_owned()]);
        assert_eq!(text, "cost=$5 $c$ f");
    }
}
