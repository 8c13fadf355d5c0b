//! The Sigma syntax kept for lints: keys, selections, modifiers, conditions and references,
//! each with the exact range of its text.

use rulelens_syntax::sigma::{ReferenceKind, SelectionBody, SigmaDocument, SigmaDocumentKind};
use rulelens_syntax::{parse, Format, TextRange, Tree};

fn documents(text: &str) -> Vec<SigmaDocument> {
    let parsed = parse(Format::Sigma, text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed
        .documents
        .into_iter()
        .map(|document| {
            let Tree::Sigma(sigma) = document.tree else {
                panic!("a Sigma file gave a tree of another language");
            };
            *sigma
        })
        .collect()
}

fn only(text: &str) -> SigmaDocument {
    let mut all = documents(text);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn slice(text: &str, range: TextRange) -> &str {
    &text[range.as_range()]
}

#[test]
fn top_level_keys_have_ranges() {
    let text = "title: T\nid: x\nlogsource:\n    product: p\ndetection:\n    s:\n        a: b\n    condition: s\n";
    let document = only(text);
    let names: Vec<&str> = document.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["title", "id", "logsource", "detection"]);
    let detection = document
        .key("detection")
        .map(|k| k.key_range)
        .unwrap_or_default();
    assert_eq!(slice(text, detection), "detection");
    let logsource = document
        .key("logsource")
        .map(|k| k.value_range)
        .unwrap_or_default();
    assert_eq!(slice(text, logsource), "product: p");
}

#[test]
fn modifier_ranges_in_quoted_multibyte_keys() {
    let text = "title: T\nlogsource:\n    product: p\ndetection:\n    sél:\n        'Fïeld|contains|all':\n            - 'ä'\n            - 'ö'\n        \"Ïmage|endswith\": x\n    condition: sél\n";
    let document = only(text);
    let detection = document
        .detection
        .as_ref()
        .unwrap_or_else(|| panic!("no detection"));
    let selection = &detection.selections[0];
    assert_eq!(slice(text, selection.name_range), "sél");
    let SelectionBody::Map(items) = &selection.body else {
        panic!("selection is not a map");
    };
    assert_eq!(slice(text, items[0].field_range), "Fïeld");
    assert_eq!(slice(text, items[0].key_range), "'Fïeld|contains|all'");
    let modifiers: Vec<&str> = items[0]
        .modifiers
        .iter()
        .map(|m| slice(text, m.range))
        .collect();
    assert_eq!(modifiers, ["contains", "all"]);
    assert!(items[0].is_list);
    let values: Vec<&str> = items[0]
        .values
        .iter()
        .map(|v| slice(text, v.range))
        .collect();
    assert_eq!(values, ["'ä'", "'ö'"]);
    assert_eq!(slice(text, items[1].modifiers[0].range), "endswith");
    assert_eq!(slice(text, items[1].field_range), "Ïmage");
}

#[test]
fn references_resolve_names_patterns_and_them() {
    let text = "title: T\nlogsource:\n    product: p\ndetection:\n    selection:\n        a: b\n    filter_a:\n        c: d\n    filter_b:\n        e: f\n    condition: selection and not 1 of filter_* and not undefined or all of them\n";
    let document = only(text);
    let found: Vec<(ReferenceKind, &str, Vec<usize>)> = document
        .references
        .iter()
        .map(|r| (r.kind, slice(text, r.range), r.selections.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (ReferenceKind::Name, "selection", vec![0]),
            (ReferenceKind::Pattern, "filter_*", vec![1, 2]),
            (ReferenceKind::Name, "undefined", vec![]),
            (ReferenceKind::Them, "them", vec![0, 1, 2]),
        ]
    );
}

#[test]
fn multiline_condition_words_map_to_file() {
    let text = "title: T\nlogsource:\n    product: p\ndetection:\n    sel_a:\n        a: b\n    filter:\n        c: d\n    condition:\n        sel_a and\n        (\n            not filter\n        )\n";
    let document = only(text);
    let ranges: Vec<&str> = document
        .references
        .iter()
        .map(|r| slice(text, r.range))
        .collect();
    assert_eq!(ranges, ["sel_a", "filter"]);
    let condition = &document
        .detection
        .as_ref()
        .unwrap_or_else(|| panic!("no detection"))
        .conditions[0];
    assert_eq!(condition.text, "sel_a and ( not filter )");
}

#[test]
fn block_scalar_condition_words_map_to_file() {
    let text = "title: T\nlogsource:\n    product: p\ndetection:\n    sel:\n        a: b\n    condition: >-\n        sel and\n        not sel\n";
    let document = only(text);
    let ranges: Vec<TextRange> = document.references.iter().map(|r| r.range).collect();
    assert_eq!(ranges.len(), 2);
    assert_eq!(slice(text, ranges[0]), "sel");
    assert_eq!(slice(text, ranges[1]), "sel");
    assert!(ranges[1].start() > text.find("not").unwrap_or(0));
}

#[test]
fn correlation_keeps_rule_references() {
    let text = "title: Many failures\ncorrelation:\n    type: value_count\n    rules:\n        - rule_a\n        - 'rule_b'\n    group-by:\n        - Host\n    timespan: 1h\n    condition:\n        field: User\n        gte: 5\n";
    let document = only(text);
    assert_eq!(document.kind, SigmaDocumentKind::Correlation);
    let correlation = document
        .correlation
        .as_ref()
        .unwrap_or_else(|| panic!("no correlation"));
    let rules: Vec<&str> = correlation
        .rules
        .iter()
        .map(|r| slice(text, r.range))
        .collect();
    assert_eq!(rules, ["rule_a", "'rule_b'"]);
    assert_eq!(correlation.rules[1].value, "rule_b");
    assert_eq!(
        correlation
            .correlation_type
            .as_ref()
            .map(|t| t.value.as_str()),
        Some("value_count")
    );
    assert_eq!(correlation.group_by[0].value, "Host");
    assert_eq!(
        correlation.timespan.as_ref().map(|t| t.value.as_str()),
        Some("1h")
    );
}

#[test]
fn filter_keeps_rule_references_and_selections() {
    let text = "title: F\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n    selection:\n        User: admin\n    condition: not selection\n";
    let document = only(text);
    assert_eq!(document.kind, SigmaDocumentKind::Filter);
    assert_eq!(document.filter_rules.len(), 1);
    assert_eq!(
        document.filter_rules[0].value,
        "6f3e2987-db24-4c78-a860-b4f4095a7095"
    );
    let detection = document
        .detection
        .as_ref()
        .unwrap_or_else(|| panic!("no filter detection"));
    assert_eq!(detection.selections.len(), 1);
    assert_eq!(document.references[0].selections, [0]);
}

#[test]
fn global_keys_keep_their_own_ranges() {
    let text = "action: global\ntitle: Shared\ndetection:\n    condition: sel\n---\nlogsource:\n    product: a\ndetection:\n    sel:\n        x: 1\n---\naction: reset\n---\ntitle: Alone\nlogsource:\n    product: b\ndetection:\n    sel:\n        y: 2\n    condition: sel\n";
    let all = documents(text);
    assert_eq!(all.len(), 2);
    let title = all[0].title.as_ref().unwrap_or_else(|| panic!("no title"));
    assert_eq!(title.value, "Shared");
    assert_eq!(slice(text, title.range), "Shared");
    let condition = &all[0]
        .detection
        .as_ref()
        .unwrap_or_else(|| panic!("no detection"))
        .conditions[0];
    assert_eq!(slice(text, condition.range), "sel");
    assert!(condition.range.start() < text.find("---").unwrap_or(0));
    assert_eq!(
        all[1].title.as_ref().map(|t| t.value.as_str()),
        Some("Alone")
    );
    assert!(all[1].range.start() > text.find("action: reset").unwrap_or(0));
}

#[test]
fn technique_ids_come_from_tags() {
    let text = "title: T\ntags:\n    - attack.execution\n    - attack.t1059.001\n    - attack.t1105\n    - cve.2021-1234\nlogsource:\n    product: p\ndetection:\n    s:\n        a: b\n    condition: s\n";
    let parsed = parse(Format::Sigma, text);
    let metadata = &parsed.documents[0].rule.metadata;
    let techniques: Vec<(&str, &str)> = metadata
        .techniques
        .iter()
        .map(|t| (t.value.as_str(), slice(text, t.range)))
        .collect();
    assert_eq!(
        techniques,
        [("T1059.001", "attack.t1059.001"), ("T1105", "attack.t1105")]
    );
    assert_eq!(metadata.tags.len(), 4);
}
