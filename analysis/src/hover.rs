//! Hover content as Markdown: corpus figures for the field, value or ATT&CK technique under
//! the cursor, and the meaning of a Sigma modifier or a KQL or SPL operator.
//!
//! Targets come from the Rule IR ranges (fields, values, techniques), so every front end gets
//! hover without extra code. Modifiers and operators are read from the text around the cursor,
//! so they have a hover even while the rule is half-typed. Figures come first, then the explanation, and the
//! text stays short: an editor shows it in a small popup.

use crate::facts::{CorpusFacts, FieldFacts, IndicatorFacts, RuleContext};
use crate::lints::FileInput;
use rulelens_syntax::{Format, Language, Predicate, Rule, TextRange, Vendor};
use std::fmt::Write as _;

/// Hover content and the range it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverInfo {
    pub range: TextRange,
    pub markdown: String,
}

/// Sigma value modifiers and their meaning, following the Sigma specification 2.0.
pub const SIGMA_MODIFIERS: &[(&str, &str)] = &[
    (
        "contains",
        "matches when the value appears anywhere in the field",
    ),
    ("startswith", "matches when the field starts with the value"),
    ("endswith", "matches when the field ends with the value"),
    (
        "all",
        "every value of the list must match, instead of any one",
    ),
    ("re", "the value is a regular expression"),
    ("i", "regular expression flag: match case-insensitively"),
    (
        "m",
        "regular expression flag: `^` and `$` also match at line breaks",
    ),
    (
        "s",
        "regular expression flag: `.` also matches a line break",
    ),
    (
        "cidr",
        "the value is a network in CIDR notation; addresses inside it match",
    ),
    ("base64", "the value is base64-encoded before matching"),
    (
        "base64offset",
        "matches the value base64-encoded at each of the three byte offsets, so it is found \
         inside a longer encoded string",
    ),
    (
        "utf16le",
        "the value is encoded as UTF-16 little-endian before further encoding",
    ),
    (
        "utf16be",
        "the value is encoded as UTF-16 big-endian before further encoding",
    ),
    (
        "utf16",
        "the value is encoded as UTF-16 with a byte-order mark",
    ),
    ("wide", "an alias of `utf16le`"),
    (
        "windash",
        "also matches the value with `-` replaced by `/` and the other dashes Windows \
         accepts in command-line flags",
    ),
    (
        "exists",
        "`true` matches when the field is present, `false` when it is absent",
    ),
    ("lt", "the field is a number less than the value"),
    (
        "lte",
        "the field is a number less than or equal to the value",
    ),
    ("gt", "the field is a number greater than the value"),
    (
        "gte",
        "the field is a number greater than or equal to the value",
    ),
    (
        "fieldref",
        "the value names another field; matches when both fields are equal",
    ),
    (
        "expand",
        "`%name%` placeholders in the value are replaced when the rule is converted",
    ),
    (
        "cased",
        "the match is case-sensitive (Sigma matches case-insensitively by default)",
    ),
    ("neq", "matches when the field is not equal to the value"),
    ("minute", "compares the minute of a timestamp field"),
    ("hour", "compares the hour of a timestamp field"),
    ("day", "compares the day of the month of a timestamp field"),
    ("week", "compares the week of the year of a timestamp field"),
    ("month", "compares the month of a timestamp field"),
    ("year", "compares the year of a timestamp field"),
];

/// KQL string and set operators and their meaning, from the Kusto string operator reference.
pub const KQL_OPERATORS: &[(&str, &str)] = &[
    ("==", "equals, case-sensitive"),
    ("!=", "does not equal, case-sensitive"),
    ("=~", "equals, case-insensitive"),
    ("!~", "does not equal, case-insensitive"),
    (
        "has",
        "contains the value as a whole term (word), case-insensitive; uses the term index",
    ),
    (
        "!has",
        "does not contain the value as a whole term, case-insensitive",
    ),
    (
        "has_cs",
        "contains the value as a whole term, case-sensitive",
    ),
    (
        "!has_cs",
        "does not contain the value as a whole term, case-sensitive",
    ),
    (
        "hasprefix",
        "a term starts with the value, case-insensitive",
    ),
    ("hassuffix", "a term ends with the value, case-insensitive"),
    (
        "contains",
        "contains the value anywhere, case-insensitive; slower than `has`",
    ),
    ("!contains", "does not contain the value, case-insensitive"),
    ("contains_cs", "contains the value anywhere, case-sensitive"),
    ("startswith", "starts with the value, case-insensitive"),
    (
        "!startswith",
        "does not start with the value, case-insensitive",
    ),
    ("startswith_cs", "starts with the value, case-sensitive"),
    ("endswith", "ends with the value, case-insensitive"),
    ("!endswith", "does not end with the value, case-insensitive"),
    ("endswith_cs", "ends with the value, case-sensitive"),
    (
        "matches",
        "`matches regex`: the value is a regular expression (RE2 syntax)",
    ),
    ("in", "equals one of the listed values, case-sensitive"),
    ("!in", "equals none of the listed values, case-sensitive"),
    ("in~", "equals one of the listed values, case-insensitive"),
    ("!in~", "equals none of the listed values, case-insensitive"),
    (
        "has_any",
        "contains any of the listed values as a whole term, case-insensitive",
    ),
    (
        "has_all",
        "contains all of the listed values as whole terms, case-insensitive",
    ),
    (
        "between",
        "the value lies in the inclusive range `between (low .. high)`",
    ),
    ("!between", "the value lies outside the inclusive range"),
    ("isempty", "the string is empty or null"),
    ("isnotempty", "the string is neither empty nor null"),
    (
        "ipv4_is_private",
        "true for addresses in 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16",
    ),
    (
        "ipv4_is_in_range",
        "true when the address lies in the CIDR range",
    ),
    (
        "ipv4_is_in_any_range",
        "true when the address lies in any of the CIDR ranges",
    ),
];

/// SPL operators and search functions and their meaning, from the Splunk search reference.
pub const SPL_OPERATORS: &[(&str, &str)] = &[
    (
        "=",
        "equals; in `search`, case-insensitive for values and `*` is a wildcard",
    ),
    (
        "!=",
        "does not equal, and the field must exist (unlike `NOT field=value`)",
    ),
    (
        "NOT",
        "negates the next term; also matches events without the field",
    ),
    ("IN", "equals one of the listed values: `field IN (a, b)`"),
    ("OR", "either side matches"),
    ("AND", "both sides match; the default between search terms"),
    (
        "LIKE",
        "SQL-style pattern: `%` matches any run of characters, `_` one character",
    ),
    (
        "like",
        "`like(field, pattern)`: SQL-style pattern match in `where` and `eval`",
    ),
    (
        "match",
        "`match(field, regex)`: true when the regular expression matches",
    ),
    (
        "cidrmatch",
        "`cidrmatch(cidr, ip)`: true when the address lies in the CIDR range",
    ),
    (
        "searchmatch",
        "`searchmatch(\"search terms\")`: true when the event matches the terms",
    ),
    (
        "isnull",
        "`isnull(field)`: true when the field has no value",
    ),
    (
        "isnotnull",
        "`isnotnull(field)`: true when the field has a value",
    ),
];

/// Builds the hover for byte `offset`, or `None` when nothing there has a hover.
pub fn hover(
    input: &FileInput<'_>,
    offset: usize,
    facts: Option<&dyn CorpusFacts>,
) -> Option<HoverInfo> {
    let format = input.parsed.format?;
    for document in &input.parsed.documents {
        let rule = &document.rule;
        if let Some(info) = rule_hover(rule, offset, facts) {
            return Some(info);
        }
    }
    operator_hover(format, input.parsed, input.text, offset)
}

fn rule_hover(rule: &Rule, offset: usize, facts: Option<&dyn CorpusFacts>) -> Option<HoverInfo> {
    let techniques: Vec<String> = rule
        .metadata
        .techniques
        .iter()
        .map(|t| t.value.clone())
        .collect();
    let context = RuleContext {
        vendor: rule.format.vendor(),
        data_sources: &rule.data_sources,
        techniques: &techniques,
    };
    if let Some(technique) = rule
        .metadata
        .techniques
        .iter()
        .find(|t| t.range.contains_inclusive(offset))
    {
        return Some(HoverInfo {
            range: technique.range,
            markdown: technique_markdown(&technique.value, facts),
        });
    }
    let predicates = rule.predicates();
    let field_hit = predicates.iter().find(|(predicate, _)| {
        predicate
            .field
            .as_ref()
            .is_some_and(|field| field.range.contains_inclusive(offset))
    });
    if let Some((predicate, _)) = field_hit {
        let field = predicate.field.as_ref()?;
        let same_field: Vec<&Predicate> = predicates
            .iter()
            .filter(|(other, _)| other.field.as_ref().map(|f| &f.name) == Some(&field.name))
            .map(|(other, _)| *other)
            .collect();
        let figures = facts.and_then(|facts| facts.field(&context, &field.name));
        return Some(HoverInfo {
            range: field.range,
            markdown: field_markdown(&field.name, &same_field, figures.as_ref(), facts.is_some()),
        });
    }
    let value_hit = predicates.iter().find(|(predicate, _)| {
        predicate
            .value
            .as_ref()
            .is_some_and(|value| value.range.contains_inclusive(offset))
    });
    if let Some((predicate, negated)) = value_hit {
        let value = predicate.value.as_ref()?;
        let field = predicate.field.as_ref().map(|f| f.name.as_str());
        let figures = facts
            .and_then(|facts| facts.indicator(&context, field, predicate.op, &value.normalized));
        return Some(HoverInfo {
            range: value.range,
            markdown: value_markdown(predicate, *negated, figures.as_ref(), facts.is_some()),
        });
    }
    None
}

const NO_INDEX: &str = "_No corpus index is loaded, so there are no corpus figures._";

fn field_markdown(
    name: &str,
    uses_here: &[&Predicate],
    figures: Option<&FieldFacts>,
    index_loaded: bool,
) -> String {
    let mut out = format!("**{name}**");
    if let Some(concept) = figures.and_then(|f| f.concept.as_ref()) {
        let _ = write!(out, " → `{concept}`");
    }
    out.push_str("\n\n");
    match figures {
        Some(figures) => {
            let total: u32 = figures.rules_per_vendor.iter().map(|(_, n)| n).sum();
            let _ = write!(out, "Used by **{total}** corpus rules");
            if !figures.rules_per_vendor.is_empty() {
                let _ = write!(out, " ({})", per_vendor(&figures.rules_per_vendor));
            }
            if let Some(under) = figures.rules_under_techniques {
                let _ = write!(out, "; **{under}** under this rule's techniques");
            }
            out.push_str(".\n\n");
            push_counted_list(&mut out, "Operators", &figures.operators);
            push_counted_list(&mut out, "Top values", &figures.top_values);
            // A value one rule excludes is that rule's tuning, not a common exclusion.
            let common: Vec<_> = figures
                .exclusions
                .iter()
                .filter(|(_, rules)| *rules >= 2)
                .cloned()
                .collect();
            push_counted_list(&mut out, "Common exclusions", &common);
            let aliases: Vec<String> = figures
                .aliases
                .iter()
                .filter(|(_, names)| !names.is_empty())
                .map(|(vendor, names)| format!("{}: `{}`", vendor.name(), names.join("`, `")))
                .collect();
            if !aliases.is_empty() {
                let _ = writeln!(out, "Aliases: {}\n", aliases.join("; "));
            }
        }
        None if index_loaded => out.push_str("No corpus rule uses this field.\n\n"),
        None => {
            out.push_str(NO_INDEX);
            out.push_str("\n\n");
        }
    }
    let mut operators: Vec<&str> = uses_here.iter().map(|p| p.op.name()).collect();
    operators.sort_unstable();
    operators.dedup();
    let _ = writeln!(
        out,
        "In this rule: {} comparison{} ({})",
        uses_here.len(),
        if uses_here.len() == 1 { "" } else { "s" },
        operators.join(", ")
    );
    out
}

fn value_markdown(
    predicate: &Predicate,
    negated: bool,
    figures: Option<&IndicatorFacts>,
    index_loaded: bool,
) -> String {
    let value = predicate
        .value
        .as_ref()
        .map_or("", |v| v.normalized.as_str());
    let field = predicate
        .field
        .as_ref()
        .map_or("(keyword)", |f| f.name.as_str());
    let mut out = format!("**{field}** {} `{value}`\n\n", predicate.op.name());
    match figures {
        Some(figures) => {
            let _ = write!(out, "Corpus reach: **{}** rules", figures.reach);
            if !figures.reach_per_vendor.is_empty() {
                let _ = write!(out, " ({})", per_vendor(&figures.reach_per_vendor));
            }
            if let Some(under) = figures.reach_under_techniques {
                let _ = write!(out, "; **{under}** under this rule's techniques");
            }
            out.push_str(".\n\n");
        }
        None if index_loaded => out.push_str("Corpus reach: **0** rules.\n\n"),
        None => {
            out.push_str(NO_INDEX);
            out.push_str("\n\n");
        }
    }
    let mut notes = Vec::new();
    if negated {
        notes.push("negated".to_owned());
    }
    notes.push(if predicate.case_sensitive {
        "case-sensitive".to_owned()
    } else {
        "case-insensitive".to_owned()
    });
    notes.extend(predicate.transforms.iter().cloned());
    let _ = writeln!(
        out,
        "Written as `{}`; {}",
        predicate.written_op,
        notes.join(", ")
    );
    out
}

fn technique_markdown(id: &str, facts: Option<&dyn CorpusFacts>) -> String {
    let figures = facts.and_then(|facts| facts.technique(id));
    let mut out = format!("**{id}**");
    if let Some(name) = figures.as_ref().and_then(|f| f.name.as_ref()) {
        let _ = write!(out, " {name}");
    }
    out.push_str("\n\n");
    match figures {
        Some(figures) => {
            let total: u32 = figures.rules_per_vendor.iter().map(|(_, n)| n).sum();
            let _ = writeln!(
                out,
                "**{total}** corpus rules ({})",
                per_vendor(&figures.rules_per_vendor)
            );
        }
        None if facts.is_some() => out.push_str("No corpus rule has this technique.\n"),
        None => {
            out.push_str(NO_INDEX);
            out.push('\n');
        }
    }
    if let Some(replacement) = crate::lints::attack_technique_redirects().get(id) {
        let _ = write!(
            out,
            "\nRevoked or deprecated in ATT&CK: use **{replacement}**"
        );
        let name = facts
            .and_then(|facts| facts.technique(replacement))
            .and_then(|figures| figures.name);
        if let Some(name) = name {
            let _ = write!(out, " {name}");
        }
        out.push_str(".\n");
    }
    out
}

fn per_vendor(counts: &[(Vendor, u32)]) -> String {
    counts
        .iter()
        .map(|(vendor, count)| format!("{} {count}", vendor.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends `label: a (n), b (m)` with at most five entries.
fn push_counted_list(out: &mut String, label: &str, items: &[(String, u32)]) {
    if items.is_empty() {
        return;
    }
    let shown: Vec<String> = items
        .iter()
        .take(5)
        .map(|(item, count)| format!("`{item}` ({count})"))
        .collect();
    let _ = writeln!(out, "{label}: {}\n", shown.join(", "));
}

/// Builds the hover for a Sigma modifier, or a KQL or SPL operator, under the cursor.
fn operator_hover(
    format: Format,
    parsed: &rulelens_syntax::ParsedFile,
    text: &str,
    offset: usize,
) -> Option<HoverInfo> {
    let (range, word) = word_at(text, offset)?;
    let before = text.get(..range.start()).unwrap_or_default();
    let languages: Vec<Language> = parsed.documents.iter().map(|d| d.rule.language).collect();
    // FIXME: in Sentinel and Splunk YAML every word of the file is looked up, also outside
    // the query, because the query's range is not in the IR yet.
    let is_kql =
        matches!(format, Format::Kql | Format::SentinelYaml) || languages.contains(&Language::Kql);
    let is_spl =
        matches!(format, Format::Spl | Format::SplunkYaml) || languages.contains(&Language::Spl);

    if format == Format::Sigma && before.ends_with('|') {
        let meaning = lookup(SIGMA_MODIFIERS, word)?;
        return Some(HoverInfo {
            range,
            markdown: format!("**|{word}** (Sigma modifier)\n\n{meaning}\n"),
        });
    }
    if is_kql {
        if let Some(meaning) = lookup(KQL_OPERATORS, word) {
            return Some(HoverInfo {
                range,
                markdown: format!("**{word}** (KQL)\n\n{meaning}\n"),
            });
        }
    }
    if is_spl {
        if let Some(meaning) = lookup(SPL_OPERATORS, word) {
            return Some(HoverInfo {
                range,
                markdown: format!("**{word}** (SPL)\n\n{meaning}\n"),
            });
        }
    }
    None
}

fn lookup(table: &'static [(&'static str, &'static str)], word: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, meaning)| *meaning)
}

/// Finds the operator-like word around `offset`: letters, digits, `_`, and the `!`, `=` and `~`
/// that KQL operators are spelt with.
fn word_at(text: &str, offset: usize) -> Option<(TextRange, &str)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '!' | '=' | '~');
    let offset = rulelens_syntax::line_index::floor_char_boundary(text, offset);
    let before = text.get(..offset)?;
    let after = text.get(offset..)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = offset
        + after
            .char_indices()
            .find(|(_, c)| !is_word(*c))
            .map_or(after.len(), |(i, _)| i);
    let word = text.get(start..end)?;
    (!word.is_empty()).then(|| (TextRange::new(start, end), word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::Op;

    /// Parses `fixture` as `format` with the real front end and hovers at its `$0`.
    fn check(format: Format, fixture: &str, facts: Option<&dyn CorpusFacts>) -> Option<HoverInfo> {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replacen("$0", "", 1);
        let parsed = rulelens_syntax::parse(format, &text);
        let input = FileInput {
            path: "rule",
            text: &text,
            parsed: &parsed,
        };
        hover(&input, offset, facts)
    }

    fn range_of(text: &str, needle: &str) -> TextRange {
        let start = text.find(needle).expect("needle in text");
        TextRange::new(start, start + needle.len())
    }

    const SIGMA: &str = "title: t\ntags:\n  - attack.t1059\nlogsource:\n  category: process_creation\n  \
product: windows\ndetection:\n  selection:\n    Image|endswith: '\\cmd.exe'\n  condition: selection\n";

    #[derive(Debug)]
    struct FixedFacts;

    impl CorpusFacts for FixedFacts {
        fn field(&self, _: &RuleContext<'_>, field: &str) -> Option<FieldFacts> {
            (field == "Image").then(|| FieldFacts {
                concept: Some("process.executable".to_owned()),
                aliases: vec![(Vendor::Elastic, vec!["process.executable".to_owned()])],
                rules_per_vendor: vec![(Vendor::Sigma, 1200), (Vendor::Elastic, 300)],
                rules_under_techniques: Some(85),
                operators: vec![("ends_with".to_owned(), 1100)],
                top_values: vec![("\\powershell.exe".to_owned(), 210)],
                exclusions: vec![("c:\\windows\\system32\\".to_owned(), 40)],
            })
        }
        fn indicator(
            &self,
            _: &RuleContext<'_>,
            _: Option<&str>,
            _: Op,
            value: &str,
        ) -> Option<IndicatorFacts> {
            (value == "\\cmd.exe").then(|| IndicatorFacts {
                reach: 143,
                reach_per_vendor: vec![(Vendor::Sigma, 120), (Vendor::Splunk, 23)],
                reach_under_techniques: Some(31),
            })
        }
        fn technique(&self, id: &str) -> Option<crate::facts::TechniqueFacts> {
            (id == "T1059").then(|| crate::facts::TechniqueFacts {
                name: Some("Command and Scripting Interpreter".to_owned()),
                rules_per_vendor: vec![(Vendor::Sigma, 400), (Vendor::Elastic, 90)],
            })
        }
        fn fields(&self, _: &RuleContext<'_>) -> Vec<(String, u32)> {
            Vec::new()
        }
        fn common_values(&self, _: &RuleContext<'_>, _: &str) -> Vec<(String, u32)> {
            Vec::new()
        }
        fn techniques(&self) -> Vec<(String, Option<String>)> {
            Vec::new()
        }
    }

    #[test]
    fn field_hover_puts_figures_first() {
        let text = SIGMA.replace("Image|", "Im$0age|");
        let info = check(Format::Sigma, &text, Some(&FixedFacts)).expect("hover");
        assert_eq!(info.range, range_of(SIGMA, "Image"));
        assert!(info.markdown.starts_with("**Image** → `process.executable`\n\nUsed by **1500** corpus rules (sigma 1200, elastic 300); **85** under"), "{}", info.markdown);
        assert!(
            info.markdown
                .contains("Common exclusions: `c:\\windows\\system32\\` (40)"),
            "{}",
            info.markdown
        );
        assert!(
            info.markdown
                .contains("In this rule: 1 comparison (ends_with)"),
            "{}",
            info.markdown
        );
    }

    #[test]
    fn field_hover_without_index_says_so() {
        let text = SIGMA.replace("Image|", "Image$0|");
        let info = check(Format::Sigma, &text, None).expect("hover");
        assert!(
            info.markdown.contains("No corpus index is loaded"),
            "{}",
            info.markdown
        );
    }

    #[test]
    fn value_hover_gives_reach() {
        let text = SIGMA.replace("cmd.exe", "cmd$0.exe");
        let info = check(Format::Sigma, &text, Some(&FixedFacts)).expect("hover");
        assert!(info.markdown.starts_with("**Image** ends_with `\\cmd.exe`\n\nCorpus reach: **143** rules (sigma 120, splunk 23); **31** under"), "{}", info.markdown);
    }

    #[test]
    fn technique_hover_gives_name_and_counts() {
        let text = SIGMA.replace("attack.t1059", "attack.t10$059");
        let info = check(Format::Sigma, &text, Some(&FixedFacts)).expect("hover");
        assert_eq!(
            info.markdown,
            "**T1059** Command and Scripting Interpreter\n\n\
             **490** corpus rules (sigma 400, elastic 90)\n"
        );
    }

    #[test]
    fn revoked_technique_hover_names_replacement() {
        let text = SIGMA
            .replace("attack.t1059", "attack.t1086")
            .replace("t1086", "t10$086");
        let info = check(Format::Sigma, &text, Some(&FixedFacts)).expect("hover");
        assert_eq!(
            info.markdown,
            "**T1086**\n\nNo corpus rule has this technique.\n\n\
             Revoked or deprecated in ATT&CK: use **T1059.001**.\n"
        );
        let text = SIGMA
            .replace("attack.t1059", "attack.t1152")
            .replace("t1152", "t11$052");
        let info = check(Format::Sigma, &text, None).expect("hover");
        assert!(
            info.markdown.ends_with("use **T1569.001**.\n"),
            "{}",
            info.markdown
        );
    }

    #[test]
    fn unknown_technique_hover_says_so() {
        let text = SIGMA
            .replace("attack.t1059", "attack.t9999")
            .replace("t9999", "t99$099");
        let info = check(Format::Sigma, &text, Some(&FixedFacts)).expect("hover");
        assert_eq!(
            info.markdown,
            "**T9999**\n\nNo corpus rule has this technique.\n"
        );
    }

    #[test]
    fn sigma_modifier_hover_without_rule() {
        let text = SIGMA.replace("endswith", "ends$0with");
        let info = check(Format::Sigma, &text, None).expect("hover");
        assert_eq!(info.range, range_of(SIGMA, "endswith"));
        assert!(
            info.markdown.starts_with("**|endswith** (Sigma modifier)"),
            "{}",
            info.markdown
        );
    }

    #[test]
    fn kql_operator_hover() {
        let info = check(Format::Kql, "T | where A !ha$0s 'x'", None).expect("hover");
        assert_eq!(info.range, TextRange::new(12, 16));
        assert!(
            info.markdown.starts_with("**!has** (KQL)"),
            "{}",
            info.markdown
        );
        // A field is not an operator: it gets the field hover from the KQL front end.
        let field = check(Format::Kql, "T | where Acc$0ount == 'x'", None).expect("hover");
        assert!(
            field.markdown.starts_with("**Account**"),
            "{}",
            field.markdown
        );
    }

    #[test]
    fn spl_operator_hover() {
        let info = check(Format::Spl, "index=a N$0OT user=b", None).expect("hover");
        assert!(
            info.markdown.starts_with("**NOT** (SPL)"),
            "{}",
            info.markdown
        );
    }
}
