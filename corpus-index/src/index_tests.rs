//! Unit tests of the writer and the reader on rules built by hand.

use crate::format::{IndexError, FORMAT_VERSION, HEADER_LEN};
use crate::index::{Index, PeerQuery, RuleId};
use crate::indicator::tests::{not, predicate, sigma_rule};
use crate::taxonomy::Taxonomy;
use crate::write::IndexBuilder;
use rulelens_syntax::{
    DataSource, DataSourceKind, Expr, Format, Language, Op, Rule, Spanned, TextRange, Vendor,
};
use std::borrow::Cow;

fn spanned(text: &str) -> Spanned<String> {
    Spanned::new(text.to_owned(), TextRange::default())
}

fn with_meta(mut rule: Rule, title: &str, techniques: &[&str], deprecated: bool) -> Rule {
    rule.metadata.title = Some(spanned(title));
    rule.metadata.id = Some(spanned(&format!("id-{title}")));
    rule.metadata.techniques = techniques.iter().map(|t| spanned(t)).collect();
    rule.metadata.deprecated = deprecated;
    rule
}

fn with_names(mut rule: Rule, names: &[(&str, &str)]) -> Rule {
    rule.metadata.technique_names = names
        .iter()
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
        .collect();
    rule
}

fn private_range_filter(field: &str) -> Expr {
    not(Expr::Or(vec![
        predicate(field, Op::CidrMatch, "10.0.0.0/8"),
        predicate(field, Op::CidrMatch, "192.168.0.0/16"),
    ]))
}

fn sentinel_rule(table: &str, logic: Expr) -> Rule {
    let mut rule = Rule::new(Format::SentinelYaml, Language::Kql, TextRange::default());
    rule.data_sources.push(DataSource {
        kind: DataSourceKind::Table,
        value: table.to_owned(),
        range: TextRange::default(),
    });
    rule.logic = Some(logic);
    rule
}

/// Four rules: two Sigma (one deprecated), one Sentinel, one Sigma rule without techniques.
pub(crate) fn sample_rules() -> Vec<(String, Rule)> {
    let vpn_sigma = with_meta(
        sigma_rule(
            "firewall",
            Expr::And(vec![
                predicate("dst_port", Op::Eq, "443"),
                private_range_filter("src_ip"),
            ]),
        ),
        "vpn login from outside",
        &["T1133"],
        false,
    );
    let vpn_sentinel = with_meta(
        sentinel_rule(
            "SigninLogs",
            Expr::And(vec![
                predicate("ResultType", Op::Eq, "0"),
                private_range_filter("IPAddress"),
            ]),
        ),
        "sign-in from outside",
        &["T1133", "T1078.004"],
        false,
    );
    let old_sigma = with_meta(
        sigma_rule("firewall", predicate("dst_port", Op::Eq, "443")),
        "old vpn rule",
        &["T1133"],
        true,
    );
    let untagged = with_meta(
        sigma_rule(
            "firewall",
            Expr::And(vec![
                predicate("dst_port", Op::Eq, "443"),
                predicate("src_ip", Op::CidrMatch, "10.0.0.0/8"),
            ]),
        ),
        "untagged",
        &[],
        false,
    );
    let vpn_sigma = with_names(vpn_sigma, &[("T1133", "External Remote Services")]);
    let vpn_sentinel = with_names(
        vpn_sentinel,
        &[
            ("T1133", "External Remote Services"),
            ("t1078.004", "Valid Accounts: Cloud Accounts"),
        ],
    );
    // Outvoted by the two rules above, so the index keeps their name.
    let old_sigma = with_names(old_sigma, &[("T1133", "Remote Services (old name)")]);
    vec![
        ("sigma/vpn.yml".to_owned(), vpn_sigma),
        ("kusto/signin.yaml".to_owned(), vpn_sentinel),
        ("sigma/old.yml".to_owned(), old_sigma),
        ("sigma/untagged.yml".to_owned(), untagged),
    ]
}

pub(crate) fn build(rules: &[(String, Rule)]) -> Vec<u8> {
    let mut builder = IndexBuilder::new(Taxonomy::builtin());
    builder.add_input("sample");
    for (path, rule) in rules {
        builder.add_rule(path, 0, rule, 0);
    }
    builder.finish()
}

pub(crate) fn load(bytes: Vec<u8>) -> Index {
    match Index::from_bytes(Cow::Owned(bytes), None) {
        Ok(index) => index,
        Err(error) => panic!("sample index does not load: {error}"),
    }
}

fn titles(index: &Index, rules: &[RuleId]) -> Vec<String> {
    let mut titles: Vec<String> = rules
        .iter()
        .filter_map(|rule| index.rule(*rule))
        .map(|info| info.title.to_owned())
        .collect();
    titles.sort();
    titles
}

#[test]
fn same_rules_give_same_bytes() {
    let rules = sample_rules();
    let mut reversed = rules.clone();
    reversed.reverse();
    assert_eq!(build(&rules), build(&reversed));
}

#[test]
fn rules_ordered_active_first() {
    let index = load(build(&sample_rules()));
    assert_eq!(index.rule_count(), 4);
    assert_eq!(index.active_rule_count(), 3);
    let last = index.rule(RuleId(3));
    assert_eq!(last.as_ref().map(|info| info.deprecated), Some(true));
    assert_eq!(last.map(|info| info.title), Some("old vpn rule"));
    assert_eq!(index.build_inputs(), vec!["sample"]);
}

#[test]
fn reach_counts_active_rules_per_vendor() {
    let index = load(build(&sample_rules()));
    assert_eq!(index.reach("destination.port", Op::Eq, "443"), 2);
    let indicator = index.indicator("destination.port", Op::Eq, "443");
    assert!(indicator.is_some());
    let Some(indicator) = indicator else { return };
    let with_deprecated = index.reach_of(indicator, true);
    assert_eq!(with_deprecated.rules.get(Vendor::Sigma), 3);
    assert_eq!(with_deprecated.rules.get(Vendor::Sentinel), 0);
    assert_eq!(index.reach_under_technique(indicator, "T1133", false), 1);
    assert_eq!(index.reach("destination.port", Op::Eq, "8443"), 0);
    assert_eq!(index.reach("no.such.field", Op::Eq, "443"), 0);
}

#[test]
fn exclusions_merge_vendor_field_names() {
    let index = load(build(&sample_rules()));
    let indicator = index.indicator("source.ip", Op::CidrMatch, "10.0.0.0/8");
    let Some(indicator) = indicator else {
        panic!("source.ip cidr indicator missing");
    };
    let reach = index.reach_of(indicator, false);
    // Sigma src_ip and Sentinel SigninLogs.IPAddress are one concept; the untagged rule
    // checks the range positively, so it counts for reach but not as an exclusion.
    assert_eq!(reach.rules.get(Vendor::Sigma), 2);
    assert_eq!(reach.rules.get(Vendor::Sentinel), 1);
    assert_eq!(reach.excluding, 2);
}

#[test]
fn field_stats_list_operators_values_exclusions() {
    let index = load(build(&sample_rules()));
    let stats = index.field_stats("source.ip", 10);
    let Some(stats) = stats else {
        panic!("no stats for source.ip");
    };
    assert_eq!(stats.rules.total(), 3);
    assert_eq!(stats.operators, vec![(Op::CidrMatch, 3)]);
    let names: Vec<&str> = stats
        .written_names
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, vec!["src_ip", "IPAddress"]);
    let excluded: Vec<(&str, u32)> = stats
        .exclusions
        .iter()
        .map(|count| (count.value.as_str(), count.rules))
        .collect();
    assert_eq!(excluded, vec![("10.0.0.0/8", 2), ("192.168.0.0/16", 2)]);
    assert_eq!(stats.top_values.first().map(|c| c.rules), Some(3));
}

#[test]
fn technique_rules_include_subtechniques() {
    let index = load(build(&sample_rules()));
    let active = index.technique_rules("t1133", false);
    assert_eq!(
        titles(&index, &active),
        vec!["sign-in from outside", "vpn login from outside"]
    );
    assert_eq!(index.technique_rules("T1133", true).len(), 3);
    assert_eq!(index.technique_rules("T1078", false).len(), 1);
    assert_eq!(index.technique_rules("T107", false).len(), 0);
    let counts = index.technique_counts("T1133", false);
    assert_eq!(counts.get(Vendor::Sigma), 1);
    assert_eq!(counts.get(Vendor::Sentinel), 1);
}

#[test]
fn technique_names_keep_most_common() {
    let index = load(build(&sample_rules()));
    assert_eq!(
        index.technique_name("t1133"),
        Some("External Remote Services")
    );
    assert_eq!(
        index.technique_name("T1078.004"),
        Some("Valid Accounts: Cloud Accounts")
    );
    // The parent is in no rule, and the prefix of an id is not the id.
    assert_eq!(index.technique_name("T1078"), None);
    assert_eq!(index.technique_name("T113"), None);
    assert_eq!(index.technique_name("T9999"), None);
}

#[test]
fn merged_index_keeps_technique_names() {
    let index = load(build(&sample_rules()));
    let mut builder = IndexBuilder::new(Taxonomy::builtin());
    builder.add_index(&index);
    let merged = load(builder.finish());
    assert_eq!(
        merged.technique_name("T1133"),
        Some("External Remote Services")
    );
}

#[test]
fn field_rules_among_technique_rules() {
    let index = load(build(&sample_rules()));
    let technique_rules = index.technique_rules("T1133", false);
    // Both active T1133 rules test a source address, under different vendor names.
    assert_eq!(index.field_rules_among("source.ip", &technique_rules), 2);
    let sentinel_only = index.technique_rules("T1078", false);
    assert_eq!(index.field_rules_among("source.ip", &sentinel_only), 1);
    assert_eq!(index.field_rules_among("source.ip", &[]), 0);
    assert_eq!(
        index.field_rules_among("no.such.field", &technique_rules),
        0
    );
}

#[test]
fn peers_by_technique_or_source() {
    let index = load(build(&sample_rules()));
    let tagged = index.technique_rules("T1078.004", false);
    let Some(sentinel) = tagged.first() else {
        panic!("no T1078.004 rule");
    };
    assert_eq!(
        titles(&index, &index.peers_of(*sentinel)),
        vec!["vpn login from outside"]
    );
    let query = PeerQuery {
        data_sources: vec![(DataSourceKind::SigmaCategory, "firewall")],
        concepts: vec!["destination.port"],
        ..PeerQuery::default()
    };
    assert_eq!(
        titles(&index, &index.peers(&query)),
        vec!["untagged", "vpn login from outside"]
    );
}

#[test]
fn duplicates_found_by_predicate_set() {
    let mut rules = sample_rules();
    let copy = with_meta(
        sigma_rule(
            "firewall",
            Expr::And(vec![
                predicate("src_ip", Op::CidrMatch, "10.0.0.0/8"),
                predicate("dst_port", Op::Eq, "443"),
            ]),
        ),
        "copy of untagged",
        &[],
        false,
    );
    rules.push(("sigma/copy.yml".to_owned(), copy.clone()));
    let index = load(build(&rules));
    let groups = index.duplicate_groups();
    assert_eq!(groups.len(), 1);
    let group_titles = titles(&index, groups.first().map_or(&[], Vec::as_slice));
    assert_eq!(group_titles, vec!["copy of untagged", "untagged"]);
    let same = index.same_predicate_set(&copy, Taxonomy::builtin());
    assert_eq!(same.len(), 2);
}

#[test]
fn empty_index_loads_and_answers_nothing() {
    let index = load(IndexBuilder::new(Taxonomy::builtin()).finish());
    assert_eq!(index.rule_count(), 0);
    assert_eq!(index.reach("source.ip", Op::Eq, "x"), 0);
    assert!(index.technique_rules("T1133", true).is_empty());
    assert!(index.field_stats("source.ip", 5).is_none());
}

fn load_error(bytes: Vec<u8>) -> String {
    match Index::from_bytes(Cow::Owned(bytes), Some(std::path::Path::new("user.rlidx"))) {
        Ok(_) => "loaded".to_owned(),
        Err(error) => error.to_string(),
    }
}

#[test]
fn truncated_file_names_file_and_fix() {
    let bytes = build(&sample_rules());
    for keep in [3, 20, HEADER_LEN + 10, bytes.len() - 1] {
        let message = load_error(bytes[..keep].to_vec());
        assert!(message.contains("user.rlidx"), "{keep}: {message}");
        assert!(message.contains("truncated"), "{keep}: {message}");
        assert!(
            message.contains("rulelens index build"),
            "{keep}: {message}"
        );
    }
}

#[test]
fn corrupt_byte_fails_checksum() {
    let mut bytes = build(&sample_rules());
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let message = load_error(bytes);
    assert!(message.contains("corrupt (checksum mismatch)"), "{message}");
}

#[test]
fn other_version_is_rejected() {
    let mut bytes = build(&sample_rules());
    bytes[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let message = load_error(bytes);
    let found = format!("format version {}", FORMAT_VERSION + 1);
    assert!(message.contains(&found), "{message}");
    assert!(message.contains("rebuild it"), "{message}");
}

#[test]
fn foreign_file_is_not_an_index() {
    assert!(load_error(b"title: not an index\n".to_vec()).contains("not a RuleLens index"));
    assert!(load_error(Vec::new()).contains("not a RuleLens index"));
    let mut trailing = build(&sample_rules());
    trailing.push(0);
    assert!(load_error(trailing).contains("after the end"));
}

#[test]
fn missing_file_error_names_path() {
    let error = Index::load(std::path::Path::new("/nonexistent/x.rlidx")).err();
    let message = error.map(|e: IndexError| e.to_string()).unwrap_or_default();
    assert!(message.contains("/nonexistent/x.rlidx"), "{message}");
}

#[test]
fn merged_index_round_trips() {
    let original = build(&sample_rules());
    let index = load(original.clone());
    let mut builder = IndexBuilder::new(Taxonomy::builtin());
    builder.add_index(&index);
    assert!(
        builder.finish() == original,
        "re-adding an index changed its bytes"
    );
}

#[test]
fn merged_indexes_add_counts() {
    let index = load(build(&sample_rules()));
    let mut builder = IndexBuilder::new(Taxonomy::builtin());
    builder.add_index(&index);
    builder.add_index(&index);
    let merged = load(builder.finish());
    assert_eq!(merged.rule_count(), 8);
    assert_eq!(merged.reach("destination.port", Op::Eq, "443"), 4);
    assert_eq!(merged.build_inputs(), vec!["sample", "sample"]);
    let names = merged.field_written_names("source.ip");
    assert!(names.contains(&("src_ip", 4)), "{names:?}");
}

#[test]
fn combined_index_names_parts() {
    let first = load(build(&sample_rules())).with_source("a.rlidx");
    let second = load(build(&sample_rules())).with_source("b.rlidx");
    let combined = crate::combine_indexes(&[&first, &second]);
    let Ok(combined) = combined else {
        panic!("combining failed: {:?}", combined.err());
    };
    assert_eq!(combined.source(), "a.rlidx + b.rlidx");
    assert_eq!(combined.technique_rules("T1133", false).len(), 4);
}

#[test]
fn reach_among_matches_technique_reach() {
    let index = load(build(&sample_rules()));
    let Some(indicator) = index.indicator("source.ip", Op::CidrMatch, "10.0.0.0/8") else {
        panic!("source.ip cidr indicator missing");
    };
    let technique_rules = index.technique_rules("T1133", false);
    assert_eq!(index.reach_among(indicator, &technique_rules), 2);
    assert_eq!(index.reach_under_technique(indicator, "T1133", false), 2);
    assert_eq!(index.reach_among(indicator, &[]), 0);
}

/// Rewrites the payload length and checksum of `bytes` after an edit of the payload, so that
/// the reader gets past the checksum to the records.
fn reseal(bytes: &mut [u8]) {
    let payload_checksum = crate::format::checksum(&bytes[HEADER_LEN..]);
    bytes[24..32].copy_from_slice(&payload_checksum.to_le_bytes());
}

#[test]
fn field_stats_clamp_corrupt_indicator_run() {
    // Found by fuzzing: a field record whose indicator run ended at u32::MAX made
    // `field_stats` walk four billion indicator ids per call. Every field record gets that
    // run end here, and the calls run on a worker so that the regression fails rather than
    // hangs.
    let mut bytes = build(&sample_rules());
    let index = load(bytes.clone());
    let field_count = index.field_concepts().len();
    let indicator_count = index.indicator_count();
    assert!(field_count > 0, "sample index has no fields");

    let section_entry = HEADER_LEN + crate::format::Section::Fields as usize * 8;
    let section_offset =
        u32::from_le_bytes(bytes[section_entry..section_entry + 4].try_into().unwrap());
    for field in 0..field_count {
        let run_end_at =
            HEADER_LEN + section_offset as usize + (field * crate::format::FIELD_WORDS + 2) * 4;
        bytes[run_end_at..run_end_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    }
    reseal(&mut bytes);

    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let corrupt = load(bytes);
        let ids: Vec<u32> = corrupt
            .field_concepts()
            .into_iter()
            .filter_map(|concept| corrupt.field_stats(concept, usize::MAX))
            .flat_map(|stats| stats.top_values.into_iter().chain(stats.exclusions))
            .map(|count| count.id.0)
            .collect();
        let _ = sender.send(ids);
    });
    let Ok(ids) = receiver.recv_timeout(std::time::Duration::from_secs(60)) else {
        panic!("field_stats did not return within 60 s on a corrupt indicator run");
    };
    assert!(!ids.is_empty(), "the real indicators are no longer listed");
    for id in ids {
        assert!(
            (id as usize) < indicator_count,
            "indicator {id} past the {indicator_count} indicators"
        );
    }
}

#[test]
fn hashed_lookup_matches_binary_search() {
    let index = match crate::default_index() {
        Ok(index) => index,
        Err(error) => panic!("embedded index does not load: {error}"),
    };
    let mut seen = 0;
    for (id, concept, op, value) in index.indicator_keys() {
        assert_eq!(index.indicator_key(id), Some((concept, op, value)));
        assert_eq!(
            index.indicator(concept, op, value),
            Some(id),
            "{concept} {op:?} {value}"
        );
        assert_eq!(index.search_indicator(concept, op, value), Some(id));
        seen += 1;
    }
    assert_eq!(seen, index.indicator_count());
    // Near misses: another operator, a value one byte longer, a concept in another case.
    let (_, concept, _, value) = index.indicator_keys().next().expect("an indicator");
    assert_eq!(index.indicator(concept, Op::Match, value), None);
    assert_eq!(index.indicator(concept, Op::Eq, &format!("{value}x")), None);
    assert_eq!(
        index.indicator(&concept.to_uppercase(), Op::Eq, "\u{1}"),
        None
    );
}

#[test]
fn hashed_lookup_on_a_small_index() {
    let index = load(build(&sample_rules()));
    let keys: Vec<_> = index.indicator_keys().collect();
    assert!(!keys.is_empty());
    for (id, concept, op, value) in keys {
        assert_eq!(index.indicator(concept, op, value), Some(id));
    }
    assert_eq!(index.indicator("no.such.concept", Op::Eq, "x"), None);
}
