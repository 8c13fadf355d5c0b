//! The index reader on arbitrary bytes. Loading must return an error that names the file, or
//! an index on which every query returns without a panic.
//!
//! Random bytes almost never pass the magic, version and checksum checks. So when the first
//! byte is odd, the target rewrites the magic, format version, payload length and checksum to
//! match the rest of the input, and keeps the section count and the payload as the fuzzer
//! wrote them. That lets the fuzzer reach the section checks and the queries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_corpus::format::{checksum, FORMAT_VERSION, HEADER_LEN, MAGIC};
use rulelens_corpus::report::{render, technique_report, ReportFormat, ReportOptions};
use rulelens_corpus::{Index, IndicatorId, PeerQuery, RuleId};
use std::borrow::Cow;
use std::path::Path;

/// Queries per kind on a loaded index; enough to touch every section without turning a
/// large seed into a slow input.
const QUERY_LIMIT: usize = 32;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = rest.to_vec();
    if mode % 2 == 1 {
        repair_header(&mut bytes);
    }
    match Index::from_bytes(Cow::Owned(bytes), Some(Path::new("fuzz.rlidx"))) {
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains("fuzz.rlidx"),
                "error without the file: {message}"
            );
        }
        Ok(index) => query_everything(&index),
    }
});

/// Makes the header valid for the payload that follows it, padding a short input.
fn repair_header(bytes: &mut Vec<u8>) {
    if bytes.len() < HEADER_LEN {
        bytes.resize(HEADER_LEN, 0);
    }
    let payload_len = (bytes.len() - HEADER_LEN) as u64;
    let payload_checksum = checksum(&bytes[HEADER_LEN..]);
    bytes[0..8].copy_from_slice(&MAGIC);
    bytes[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes[16..24].copy_from_slice(&payload_len.to_le_bytes());
    bytes[24..32].copy_from_slice(&payload_checksum.to_le_bytes());
}

fn query_everything(index: &Index) {
    let _ = index.active_rule_count();
    let _ = index.build_inputs();
    let _ = index.build_file_counts();
    let _ = index.duplicate_groups();
    for rule in index.rule_ids().take(QUERY_LIMIT) {
        query_rule(index, rule);
    }
    // Ids past the end must return too, because callers can pass ids from another index.
    query_rule(index, RuleId(u32::MAX));
    query_rule(index, RuleId(index.rule_count() as u32));

    let indicator_count = index.indicator_count() as u32;
    for id in (0..indicator_count)
        .take(QUERY_LIMIT)
        .chain([indicator_count, u32::MAX])
    {
        let indicator = IndicatorId(id);
        let _ = index.reach_of(indicator, true);
        let _ = index.reach_of(indicator, false);
        let _ = index.rules_with_indicator(indicator, true);
        // A corrupt index may hold unsorted records, so a key need not find its own record;
        // only the absence of a panic is checked.
        if let Some((concept, op, value)) = index.indicator_key(indicator) {
            let _ = index.indicator(concept, op, value);
            let _ = index.reach(concept, op, value);
        }
    }

    for concept in index.field_concepts().into_iter().take(QUERY_LIMIT) {
        let _ = index.field_written_names(concept);
        let _ = index.field_stats(concept, 5);
    }
    let _ = index.field_stats("", 5);

    for technique in index.techniques().into_iter().take(QUERY_LIMIT) {
        let rules = index.technique_rules(technique, true);
        let _ = index.technique_counts(technique, false);
        let _ = index.reach_among(IndicatorId(0), &rules);
        let report = technique_report(index, technique, &ReportOptions::default());
        let _ = render(&report, ReportFormat::Json);
        let query = PeerQuery {
            techniques: vec![technique],
            include_deprecated: true,
            ..PeerQuery::default()
        };
        let _ = index.peers(&query);
    }
}

fn query_rule(index: &Index, rule: RuleId) {
    let _ = index.is_deprecated(rule);
    let _ = index.rule(rule);
    let _ = index.rule_techniques(rule);
    for (kind, value) in index.rule_data_sources(rule) {
        let _ = index.data_source_rules(kind, value);
    }
    let _ = index.rule_indicators(rule);
    if let Some(hash) = index.rule_predicate_hash(rule) {
        let _ = index.rules_with_predicate_hash(hash);
    }
    let _ = index.peers_of(rule);
}
