//! Completion items for the cursor position, chosen from the text before the cursor so that
//! they work on half-typed lines the parser cannot read yet.
//!
//! - Sigma: modifiers after `|` in a detection key; `attack.` tags (tactics, and technique ids
//!   from the index); field names at a key position under `detection:`, ranked by corpus use
//!   when an index is loaded and by use in this file otherwise; values of fields with few
//!   common values (event ids) after `Field: `.
//! - KQL: tabular operators after `|`, tables at the start of a query, and string operators
//!   after `where Field `. Field names follow `where`, `and` or `or`, ranked by corpus use in
//!   rules of the query's tables, or by use in this file without an index. Values of fields
//!   with few common values follow `where Field == `.
//! - SPL: commands after `|`, and macros (`` `name` ``) written in the open SPL documents.
//! - Technique ids from the index, with their names, in a Sentinel `relevantTechniques` or
//!   Splunk `mitre_attack_id` list and after `id = "` in an Elastic
//!   `[[rule.threat.technique]]` or `subtechnique` table.

use crate::facts::{CorpusFacts, RuleContext};
use crate::hover::{KQL_OPERATORS, SIGMA_MODIFIERS, SPL_OPERATORS};
use crate::lints::FileInput;
use rulelens_syntax::{Format, TextRange, Vendor};
use std::collections::BTreeMap;

/// What kind of thing an item inserts, for the editor's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Field,
    Modifier,
    Operator,
    Keyword,
    Table,
    Command,
    Macro,
    Tag,
    Value,
}

/// One completion item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionEntry {
    pub label: String,
    pub kind: CompletionKind,
    /// A short note shown beside the label (a rule count, a meaning).
    pub detail: Option<String>,
    /// The range the label replaces: the partial word before the cursor.
    pub replace: TextRange,
    /// Orders items: lower first. Items keep the order of the list they came from.
    pub rank: u32,
}

/// ATT&CK tactic names in the `attack.<tactic>` tag form of the SigmaHQ rules (lower case,
/// hyphenated). Current SigmaHQ rules tag `stealth` and `defense-impairment`; older rules tag
/// `defense-evasion`.
pub const ATTACK_TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "stealth",
    "defense-impairment",
    "defense-evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

/// KQL tabular operators that follow a `|`.
pub const KQL_TABULAR_OPERATORS: &[&str] = &[
    "where",
    "project",
    "project-away",
    "project-rename",
    "extend",
    "summarize",
    "join",
    "union",
    "lookup",
    "parse",
    "mv-expand",
    "distinct",
    "top",
    "sort by",
    "order by",
    "take",
    "limit",
    "count",
    "make-series",
    "evaluate",
    "invoke",
    "as",
];

/// Common Microsoft Sentinel and Defender tables, offered at the start of a query.
pub const KQL_TABLES: &[&str] = &[
    "SecurityEvent",
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AuditLogs",
    "AzureActivity",
    "AzureDiagnostics",
    "OfficeActivity",
    "CommonSecurityLog",
    "Syslog",
    "Event",
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceFileEvents",
    "DeviceRegistryEvents",
    "DeviceLogonEvents",
    "DeviceImageLoadEvents",
    "DeviceEvents",
    "IdentityLogonEvents",
    "EmailEvents",
    "CloudAppEvents",
    "W3CIISLog",
    "DnsEvents",
    "ThreatIntelligenceIndicator",
    "_Im_NetworkSession",
    "_Im_ProcessCreate",
    "_Im_Dns",
    "_Im_Authentication",
];

/// SPL commands that follow a `|`.
pub const SPL_COMMANDS: &[&str] = &[
    "search",
    "where",
    "eval",
    "stats",
    "tstats",
    "table",
    "fields",
    "rename",
    "rex",
    "regex",
    "lookup",
    "inputlookup",
    "join",
    "append",
    "dedup",
    "sort",
    "head",
    "tail",
    "bin",
    "timechart",
    "chart",
    "transaction",
    "eventstats",
    "streamstats",
    "spath",
    "makemv",
    "mvexpand",
    "fillnull",
    "datamodel",
    "from",
    "convert",
    "iplocation",
];

/// Completion items at byte `offset`. `workspace_macros` are SPL macro names found in the open
/// documents.
pub fn complete(
    input: &FileInput<'_>,
    offset: usize,
    facts: Option<&dyn CorpusFacts>,
    workspace_macros: &[String],
) -> Vec<CompletionEntry> {
    let Some(format) = input.parsed.format else {
        return Vec::new();
    };
    let offset = rulelens_syntax::line_index::floor_char_boundary(input.text, offset);
    let line_start = input
        .text
        .get(..offset)
        .and_then(|before| before.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1);
    let line = input.text.get(line_start..offset).unwrap_or_default();
    let partial_start = offset - partial_word(line).len();
    let replace = TextRange::new(partial_start, offset);
    let partial = partial_word(line);

    let technique_slot = technique_slot(format, input.text, line_start, line);
    let mut entries = match (technique_slot, facts) {
        (Some(slot), Some(facts)) => technique_items(slot, facts, replace),
        (Some(_), None) => Vec::new(),
        (None, _) => items_for_format(format, input, line, replace, facts, workspace_macros),
    };
    entries.retain(|entry| entry.label.starts_with(partial) || partial.is_empty());
    entries
}

fn items_for_format(
    format: Format,
    input: &FileInput<'_>,
    line: &str,
    replace: TextRange,
    facts: Option<&dyn CorpusFacts>,
    workspace_macros: &[String],
) -> Vec<CompletionEntry> {
    match format {
        Format::Sigma => sigma_items(input, line, replace, facts),
        Format::Kql | Format::SentinelYaml => kql_items(input, line, replace, facts),
        Format::Spl | Format::SplunkYaml => spl_items(line, replace, workspace_macros),
        Format::ElasticToml | Format::PantherYaml => Vec::new(),
    }
}

/// The kind of technique id that fits at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TechniqueSlot {
    /// Techniques and sub-techniques alike.
    Any,
    /// Only techniques (`T1059`), in an Elastic `[[rule.threat.technique]]` table.
    Technique,
    /// Only sub-techniques (`T1059.001`), in an Elastic `subtechnique` table.
    Subtechnique,
}

/// YAML keys whose list items are ATT&CK technique ids.
const TECHNIQUE_LIST_KEYS: &[&str] = &["relevantTechniques", "mitre_attack_id"];

/// Finds whether the line before the cursor (`line`, starting at byte `line_start`) is the
/// value of a technique id: a list item under a [`TECHNIQUE_LIST_KEYS`] key in Sentinel or
/// Splunk YAML, or `id = "` in an Elastic technique table.
fn technique_slot(
    format: Format,
    text: &str,
    line_start: usize,
    line: &str,
) -> Option<TechniqueSlot> {
    let before = text.get(..line_start).unwrap_or_default();
    let trimmed = line.trim_start();
    match format {
        Format::SentinelYaml | Format::SplunkYaml => {
            let item = trimmed.strip_prefix("- ")?;
            let item = item.trim_start_matches(['\'', '"']);
            if item != partial_word(line) {
                return None;
            }
            let indent = line.len() - trimmed.len();
            let parent = yaml_parent_key(before, indent)?;
            TECHNIQUE_LIST_KEYS
                .contains(&parent)
                .then_some(TechniqueSlot::Any)
        }
        Format::ElasticToml => {
            let value = trimmed.strip_prefix("id")?.trim_start().strip_prefix('=')?;
            let value = value.trim_start().strip_prefix('"')?;
            if value != partial_word(line) {
                return None;
            }
            let header = before
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| line.starts_with('['))?;
            match header {
                "[[rule.threat.technique]]" => Some(TechniqueSlot::Technique),
                "[[rule.threat.technique.subtechnique]]" => Some(TechniqueSlot::Subtechnique),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Returns the key of the YAML mapping entry that a list item indented by `indent` belongs
/// to: the nearest line above that is neither blank, a comment, nor a sibling item, when it
/// is a `key:` with no value at an indent no deeper than the item's.
fn yaml_parent_key(before: &str, indent: usize) -> Option<&str> {
    for line in before.lines().rev() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line_indent = line.len() - trimmed.len();
        if trimmed.starts_with("- ") && line_indent == indent {
            continue;
        }
        if line_indent > indent {
            return None;
        }
        let key = trimmed.trim_end().strip_suffix(':')?;
        return Some(key.trim_matches(['\'', '"']));
    }
    None
}

fn technique_items(
    slot: TechniqueSlot,
    facts: &dyn CorpusFacts,
    replace: TextRange,
) -> Vec<CompletionEntry> {
    let fits = |id: &str| match slot {
        TechniqueSlot::Any => true,
        TechniqueSlot::Technique => !id.contains('.'),
        TechniqueSlot::Subtechnique => id.contains('.'),
    };
    let techniques = facts.techniques().into_iter().filter(|(id, _)| fits(id));
    ranked(techniques, CompletionKind::Tag, replace)
}

/// The identifier characters just before the cursor.
fn partial_word(line: &str) -> &str {
    let start = line
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .last()
        .map_or(line.len(), |(i, _)| i);
    line.get(start..).unwrap_or_default()
}

fn ranked(
    labels: impl IntoIterator<Item = (String, Option<String>)>,
    kind: CompletionKind,
    replace: TextRange,
) -> Vec<CompletionEntry> {
    labels
        .into_iter()
        .enumerate()
        .map(|(rank, (label, detail))| CompletionEntry {
            label,
            kind,
            detail,
            replace,
            rank: u32::try_from(rank).unwrap_or(u32::MAX),
        })
        .collect()
}

fn sigma_items(
    input: &FileInput<'_>,
    line: &str,
    replace: TextRange,
    facts: Option<&dyn CorpusFacts>,
) -> Vec<CompletionEntry> {
    let trimmed = line.trim_start();
    let key_part = trimmed.strip_prefix("- ").unwrap_or(trimmed);

    // `Field|mod|` or `Field|mo`: a modifier.
    if !key_part.contains(':') && key_part.contains('|') {
        let before_partial = &key_part[..key_part.len() - partial_word(key_part).len()];
        if before_partial.ends_with('|') {
            let modifiers = SIGMA_MODIFIERS
                .iter()
                .map(|(name, meaning)| ((*name).to_owned(), Some((*meaning).to_owned())));
            let mut entries = ranked(modifiers, CompletionKind::Modifier, replace);
            // The partial word excludes `|`, but it may have swallowed a `.`; modifiers have none.
            entries.retain(|e| !e.label.contains('.'));
            return entries;
        }
    }

    // `- attack.`: a tactic or a technique tag.
    if let Some(rest) = trimmed.strip_prefix("- ") {
        if rest.starts_with("attack.") || "attack.".starts_with(rest) && !rest.is_empty() {
            let mut tags: Vec<(String, Option<String>)> = ATTACK_TACTICS
                .iter()
                .map(|tactic| (format!("attack.{tactic}"), Some("ATT&CK tactic".to_owned())))
                .collect();
            if let Some(facts) = facts {
                tags.extend(
                    facts
                        .techniques()
                        .into_iter()
                        .map(|(id, name)| (format!("attack.{}", id.to_ascii_lowercase()), name)),
                );
            }
            return ranked(tags, CompletionKind::Tag, replace);
        }
    }

    let context_rules: Vec<_> = input.parsed.documents.iter().map(|d| &d.rule).collect();
    let techniques: Vec<String> = context_rules
        .iter()
        .flat_map(|rule| rule.metadata.techniques.iter().map(|t| t.value.clone()))
        .collect();
    let data_sources: Vec<_> = context_rules
        .iter()
        .flat_map(|rule| rule.data_sources.iter().cloned())
        .collect();
    let context = RuleContext {
        vendor: Vendor::Sigma,
        data_sources: &data_sources,
        techniques: &techniques,
    };

    // `EventID: `: values of a field with few common values.
    if let Some((key, value)) = key_part.split_once(':') {
        if value.trim().len() == partial_word(line).len() && !key.contains(' ') {
            let field = key.split('|').next().unwrap_or_default();
            let values = facts
                .map(|facts| facts.common_values(&context, field))
                .unwrap_or_default();
            return ranked(
                values
                    .into_iter()
                    .map(|(value, count)| (value, Some(format!("{count} rules")))),
                CompletionKind::Value,
                replace,
            );
        }
        return Vec::new();
    }

    // A key position inside `detection:` more than one level deep: a field name.
    let indent = line.len() - trimmed.len();
    if indent >= 4 && in_detection(input.text, replace.start()) {
        return field_items(input, &context, facts, replace);
    }
    Vec::new()
}

/// Field names ranked by corpus use, or by use in this file without an index.
fn field_items(
    input: &FileInput<'_>,
    context: &RuleContext<'_>,
    facts: Option<&dyn CorpusFacts>,
    replace: TextRange,
) -> Vec<CompletionEntry> {
    let from_index = facts.map(|facts| facts.fields(context)).unwrap_or_default();
    if !from_index.is_empty() {
        let items = from_index
            .into_iter()
            .map(|(field, count)| (field, Some(format!("{count} corpus rules"))));
        return ranked(items, CompletionKind::Field, replace);
    }
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for document in &input.parsed.documents {
        for (predicate, _) in document.rule.predicates() {
            if let Some(field) = &predicate.field {
                *counts.entry(field.name.clone()).or_default() += 1;
            }
        }
    }
    let mut by_use: Vec<(String, u32)> = counts.into_iter().collect();
    by_use.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let items = by_use
        .into_iter()
        .map(|(field, count)| (field, Some(format!("{count} uses in this file"))));
    ranked(items, CompletionKind::Field, replace)
}

/// Whether `offset` lies under the top-level `detection:` key.
fn in_detection(text: &str, offset: usize) -> bool {
    let before = text.get(..offset).unwrap_or_default();
    for line in before.lines().rev() {
        let is_top_level = line
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#');
        if is_top_level {
            return line.starts_with("detection:");
        }
    }
    false
}

fn kql_items(
    input: &FileInput<'_>,
    line: &str,
    replace: TextRange,
    facts: Option<&dyn CorpusFacts>,
) -> Vec<CompletionEntry> {
    let before = &line[..line.len() - partial_word(line).len()];
    let before_trimmed = before.trim_end();
    if before_trimmed.ends_with('|') {
        let operators = KQL_TABULAR_OPERATORS
            .iter()
            .map(|op| ((*op).to_owned(), None));
        return ranked(operators, CompletionKind::Keyword, replace);
    }
    let words: Vec<&str> = before_trimmed.split_whitespace().collect();
    let at_field = words
        .last()
        .is_some_and(|word| matches!(*word, "where" | "and" | "or"))
        && before.ends_with(' ');
    // `where EventID == `: a value of a field with few common values.
    let value_of = match words.as_slice() {
        [.., "where" | "and" | "or", field, "==" | "=~" | "!=" | "!~"] if before.ends_with(' ') => {
            Some(*field)
        }
        _ => None,
    };
    if !at_field && value_of.is_none() {
        return kql_operator_items(words.as_slice(), before, replace);
    }
    let rules: Vec<_> = input.parsed.documents.iter().map(|d| &d.rule).collect();
    let data_sources: Vec<_> = rules
        .iter()
        .flat_map(|rule| rule.data_sources.iter().cloned())
        .collect();
    let vendor = rules
        .first()
        .map_or(Vendor::Sentinel, |rule| rule.format.vendor());
    let context = RuleContext {
        vendor,
        data_sources: &data_sources,
        techniques: &[],
    };
    match value_of {
        Some(field) => {
            let values = facts
                .map(|facts| facts.common_values(&context, field))
                .unwrap_or_default();
            let items = values
                .into_iter()
                .map(|(value, count)| (value, Some(format!("{count} rules"))));
            ranked(items, CompletionKind::Value, replace)
        }
        None => field_items(input, &context, facts, replace),
    }
}

/// Lists string operators after `where Field `, and tables at the start of a query.
fn kql_operator_items(words: &[&str], before: &str, replace: TextRange) -> Vec<CompletionEntry> {
    let after_field = words.len() >= 2
        && matches!(words[words.len() - 2], "where" | "and" | "or" | "|")
        && before.ends_with(' ');
    if after_field {
        let operators = KQL_OPERATORS
            .iter()
            .map(|(op, meaning)| ((*op).to_owned(), Some((*meaning).to_owned())));
        return ranked(operators, CompletionKind::Operator, replace);
    }
    if before.trim_end().is_empty() {
        let tables = KQL_TABLES.iter().map(|table| ((*table).to_owned(), None));
        return ranked(tables, CompletionKind::Table, replace);
    }
    Vec::new()
}

fn spl_items(line: &str, replace: TextRange, workspace_macros: &[String]) -> Vec<CompletionEntry> {
    let before = &line[..line.len() - partial_word(line).len()];
    if before.ends_with('`') {
        let macros = workspace_macros.iter().map(|name| (name.clone(), None));
        return ranked(macros, CompletionKind::Macro, replace);
    }
    if before.trim_end().ends_with('|') {
        let commands = SPL_COMMANDS
            .iter()
            .map(|command| ((*command).to_owned(), None));
        return ranked(commands, CompletionKind::Command, replace);
    }
    if before.ends_with(' ') {
        let operators = SPL_OPERATORS
            .iter()
            .filter(|(op, _)| op.chars().all(|c| c.is_ascii_uppercase()))
            .map(|(op, meaning)| ((*op).to_owned(), Some((*meaning).to_owned())));
        return ranked(operators, CompletionKind::Operator, replace);
    }
    Vec::new()
}

/// SPL macro names (`` `name` `` or `` `name(args)` ``) written in `text`.
pub fn spl_macro_names(text: &str) -> Vec<String> {
    let segments: Vec<&str> = text.split('`').collect();
    // With an odd number of backticks the last segment is an unclosed, half-typed macro.
    let closed = if segments.len() % 2 == 0 {
        segments.len() - 1
    } else {
        segments.len()
    };
    let mut names: Vec<String> = segments[..closed]
        .iter()
        .skip(1)
        .step_by(2)
        .filter_map(|inside| {
            let name = inside.split('(').next()?.trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            valid.then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::ParsedFile;

    /// Completes at `$0` in `fixture` and returns the labels.
    fn labels(format: Format, fixture: &str, macros: &[String]) -> Vec<String> {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replacen("$0", "", 1);
        let parsed = ParsedFile {
            format: Some(format),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "rule",
            text: &text,
            parsed: &parsed,
        };
        complete(&input, offset, None, macros)
            .into_iter()
            .map(|entry| entry.label)
            .collect()
    }

    #[test]
    fn sigma_modifiers_after_pipe() {
        let found = labels(
            Format::Sigma,
            "detection:\n  selection:\n    CommandLine|con$0\n",
            &[],
        );
        assert_eq!(found, vec!["contains"]);
        let all = labels(
            Format::Sigma,
            "detection:\n  sel:\n    - Image|endswith|$0",
            &[],
        );
        assert!(all.contains(&"windash".to_owned()), "{all:?}");
        assert!(all.contains(&"all".to_owned()), "{all:?}");
    }

    #[test]
    fn sigma_attack_tags() {
        let found = labels(Format::Sigma, "tags:\n  - attack.ex$0\n", &[]);
        assert_eq!(found, vec!["attack.execution", "attack.exfiltration"]);
    }

    #[test]
    fn sigma_no_items_in_values() {
        let found = labels(Format::Sigma, "title: Some$0\n", &[]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn kql_after_pipe_and_field() {
        let found = labels(Format::Kql, "SigninLogs\n| wh$0", &[]);
        assert_eq!(found, vec!["where"]);
        let found = labels(Format::Kql, "SigninLogs\n| where ResultType $0", &[]);
        assert!(found.contains(&"has_any".to_owned()), "{found:?}");
        let found = labels(Format::Kql, "Sign$0", &[]);
        assert_eq!(found, vec!["SigninLogs"]);
    }

    #[test]
    fn kql_fields_after_where_from_file() {
        // Without an index, the fields this query compares come first, most used first.
        let text = "DeviceFileEvents\n| where FileName == 'a' and FolderPath has 'b' and \
FileName != 'c' and $0";
        let parsed_labels = |fixture: &str| -> Vec<String> {
            let offset = fixture.find("$0").expect("fixture has a $0 cursor");
            let text = fixture.replacen("$0", "", 1);
            let parsed = rulelens_syntax::parse(Format::Kql, &text);
            let input = FileInput {
                path: "q.kql",
                text: &text,
                parsed: &parsed,
            };
            complete(&input, offset, None, &[])
                .into_iter()
                .map(|entry| entry.label)
                .collect()
        };
        assert_eq!(parsed_labels(text), vec!["FileName", "FolderPath"]);
        let partial = parsed_labels(&text.replace("and $0", "and Fol$0"));
        assert_eq!(partial, vec!["FolderPath"]);
        // After a field, the operators follow instead.
        let operators = parsed_labels(&text.replace("and $0", "and FileName $0"));
        assert!(operators.contains(&"has_any".to_owned()), "{operators:?}");
    }

    #[test]
    fn spl_commands_and_macros() {
        let found = labels(Format::Spl, "index=main | tst$0", &[]);
        assert_eq!(found, vec!["tstats"]);
        let macros =
            spl_macro_names("`sysmon` | `security_content_ctime(firstTime)` `a b` | `half");
        assert_eq!(macros, vec!["security_content_ctime", "sysmon"]);
        let found = labels(Format::Spl, "`sys$0", &macros);
        assert_eq!(found, vec!["sysmon"]);
    }

    /// Facts that list techniques and the common values of `EventID`, for completion.
    #[derive(Debug)]
    struct StubFacts;

    impl CorpusFacts for StubFacts {
        fn field(&self, _: &RuleContext<'_>, _: &str) -> Option<crate::facts::FieldFacts> {
            None
        }
        fn indicator(
            &self,
            _: &RuleContext<'_>,
            _: Option<&str>,
            _: rulelens_syntax::Op,
            _: &str,
        ) -> Option<crate::facts::IndicatorFacts> {
            None
        }
        fn technique(&self, _: &str) -> Option<crate::facts::TechniqueFacts> {
            None
        }
        fn fields(&self, _: &RuleContext<'_>) -> Vec<(String, u32)> {
            Vec::new()
        }
        fn common_values(&self, _: &RuleContext<'_>, field: &str) -> Vec<(String, u32)> {
            match field {
                "EventID" => vec![("4688".to_owned(), 90), ("4624".to_owned(), 60)],
                _ => Vec::new(),
            }
        }
        fn techniques(&self) -> Vec<(String, Option<String>)> {
            [
                ("T1059", Some("Command and Scripting Interpreter")),
                (
                    "T1059.001",
                    Some("Command and Scripting Interpreter: PowerShell"),
                ),
                ("T1078", None),
            ]
            .into_iter()
            .map(|(id, name)| (id.to_owned(), name.map(str::to_owned)))
            .collect()
        }
    }

    /// Completes at `$0` in `fixture` with [`StubFacts`] and returns (label, detail).
    fn entries_with_facts(format: Format, fixture: &str) -> Vec<(String, Option<String>)> {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replacen("$0", "", 1);
        let parsed = ParsedFile {
            format: Some(format),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "rule",
            text: &text,
            parsed: &parsed,
        };
        complete(&input, offset, Some(&StubFacts), &[])
            .into_iter()
            .map(|entry| (entry.label, entry.detail))
            .collect()
    }

    fn ids(entries: &[(String, Option<String>)]) -> Vec<&str> {
        entries.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn kql_values_after_comparison() {
        let found = entries_with_facts(Format::Kql, "SecurityEvent\n| where EventID == $0");
        assert_eq!(ids(&found), vec!["4688", "4624"]);
        assert_eq!(found[0].1.as_deref(), Some("90 rules"));
        let partial = entries_with_facts(Format::Kql, "SecurityEvent\n| where EventID == 46$0");
        assert_eq!(ids(&partial), vec!["4688", "4624"]);
        let narrowed = entries_with_facts(Format::Kql, "SecurityEvent\n| where EventID == 462$0");
        assert_eq!(ids(&narrowed), vec!["4624"]);
        let other = entries_with_facts(Format::Kql, "SecurityEvent\n| where Account == $0");
        assert!(other.is_empty(), "{other:?}");
    }

    #[test]
    fn sentinel_technique_ids_with_names() {
        let found = entries_with_facts(
            Format::SentinelYaml,
            "id: x\nrelevantTechniques:\n  - T1078\n  - T105$0\nquery: T\n",
        );
        assert_eq!(ids(&found), vec!["T1059", "T1059.001"]);
        assert_eq!(
            found[1].1.as_deref(),
            Some("Command and Scripting Interpreter: PowerShell")
        );
        // Another list is not a technique list.
        let tactics =
            entries_with_facts(Format::SentinelYaml, "id: x\ntactics:\n  - T$0\nquery: T\n");
        assert!(tactics.is_empty(), "{tactics:?}");
    }

    #[test]
    fn splunk_technique_ids_under_tags() {
        let found = entries_with_facts(
            Format::SplunkYaml,
            "name: x\ntags:\n  mitre_attack_id:\n  - $0\nsearch: '| tstats count'\n",
        );
        assert_eq!(ids(&found), vec!["T1059", "T1059.001", "T1078"]);
    }

    #[test]
    fn elastic_technique_and_subtechnique_ids() {
        let rule = "[rule]\nname = \"x\"\n\n[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n\
[[rule.threat.technique]]\nid = \"T10$0\"\n";
        let found = entries_with_facts(Format::ElasticToml, rule);
        assert_eq!(ids(&found), vec!["T1059", "T1078"]);
        let sub = rule.replace(
            "id = \"T10$0\"\n",
            "id = \"T1059\"\n[[rule.threat.technique.subtechnique]]\nid = \"$0",
        );
        let found = entries_with_facts(Format::ElasticToml, &sub);
        assert_eq!(ids(&found), vec!["T1059.001"]);
        // An `id` in another table is a rule id, not a technique.
        let other = entries_with_facts(Format::ElasticToml, "[rule]\nid = \"$0\n");
        assert!(other.is_empty(), "{other:?}");
    }
}
