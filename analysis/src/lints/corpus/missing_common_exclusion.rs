//! `corpus/missing-common-exclusion`: peer rules exclude something on a field this rule also
//! checks, and this rule does not.

use super::partial_private_range_exclusion::PRIVATE_RANGES;
use super::shared::{covers, describe, peers_of};
use crate::corpus::{indicator_table, CorpusContext};
use crate::fixes::{exclusion_fix, Exclusion};
use crate::lints::{FileInput, LintInfo};
use rulelens_corpus::{rule_indicators, Index, RuleId};
use rulelens_syntax::{DataSourceKind, Diagnostic, Document, Op, Severity};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

pub const INFO: LintInfo = LintInfo {
    id: "corpus/missing-common-exclusion",
    default_severity: Severity::Warning,
    summary: "peer rules exclude something on a field this rule checks, and this rule does not",
    docs: "## What it flags\n\nA field the rule checks on which at least \
`thresholds.missing-exclusion-share` of its peer rules (default 30%) carry the same \
exclusion, when at least `thresholds.min-peers` peers (default 10) check that field. Peers \
are the indexed rules that share an ATT&CK technique with the rule or, when it has none, its \
data source and fields, less those written for another operating system (a Sigma \
`product` or a `host.os.type` test naming Windows, Linux or macOS). An exclusion the rule already covers semantically (a wider CIDR, a \
shorter prefix, `ipv4_is_private()`) does not count as missing, and a field the rule pins to \
values with an equality or CIDR test is not checked, because excluding other values of it \
changes nothing.\n\n## Why it matters\n\n\
When most rules for a technique exclude the private and loopback ranges, a service account \
or a system path, the rule without that exclusion fires on the noise they learned to skip.\n\n\
## Example\n\nA rule on external remote services (T1133) that checks `SourceIp` without \
excluding `10.0.0.0/8`, `172.16.0.0/12` and `192.168.0.0/16`, which its peers exclude.\n\n\
## Fix\n\nThe quick fix adds the missing exclusions in the rule's own idiom (a Sigma \
`filter_main_*` selection and `and not` in the condition). It only inserts equality, prefix \
and CIDR exclusions: an exclusion that an attacker could satisfy with a leading wildcard \
(`contains`, `endswith`) is named in the message but never inserted.\n",
};

/// Exclusions named per finding.
const SHOWN: usize = 5;

/// How peers exclude one indicator on one concept.
#[derive(Default)]
struct PeerExclusion {
    rules: u32,
    /// The first two peers that carry it, for the message.
    examples: Vec<RuleId>,
}

pub fn check(input: &FileInput<'_>, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    for document in &input.parsed.documents {
        check_document(input.text, document, corpus, out);
    }
}

fn check_document(
    text: &str,
    document: &Document,
    corpus: &CorpusContext<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let rule = &document.rule;
    let indicators = rule_indicators(rule, corpus.taxonomy);
    let mut positive_concepts: Vec<&str> = indicators
        .iter()
        .filter(|i| !i.negated && !i.concept.is_empty())
        .map(|i| i.concept)
        .collect();
    positive_concepts.sort_unstable();
    positive_concepts.dedup();
    if positive_concepts.is_empty() {
        return;
    }

    let platform = rule_platform(rule, &indicators);
    let peers: Vec<RuleId> = peers_of(rule, corpus.index, &positive_concepts)
        .into_iter()
        .filter(|peer| compatible(platform, indexed_platform(corpus.index, *peer)))
        .collect();
    let min_peers = corpus.config.thresholds.min_peers as usize;
    if peers.len() < min_peers {
        return;
    }
    let statistics = peer_statistics(&peers, &positive_concepts, corpus);
    let (users, exclusions) = (&statistics.users, &statistics.exclusions);

    for concept in positive_concepts {
        // A rule that already pins the field to values (`SourceIp` equal to an IoC address,
        // `Signed: false`) gains nothing from excluding other values of it.
        let pinned = indicators.iter().any(|i| {
            !i.negated && i.concept == concept && matches!(i.op(), Op::Eq | Op::CidrMatch)
        });
        if pinned {
            continue;
        }
        let peers_using = users.get(concept).copied().unwrap_or(0);
        if (peers_using as usize) < min_peers {
            continue;
        }
        let own: Vec<(Op, &str)> = indicators
            .iter()
            .filter(|i| i.negated && i.concept == concept)
            .map(|i| (i.op(), i.value()))
            .collect();
        let wanted: Vec<(Op, &str)> = indicators
            .iter()
            .filter(|i| !i.negated && i.concept == concept)
            .map(|i| (i.op(), i.value()))
            .collect();
        let share = corpus.config.thresholds.missing_exclusion_share;
        let mut missing: Vec<(&(Op, String), &PeerExclusion)> = exclusions
            .get(concept)
            .into_iter()
            .flatten()
            .filter(|(_, peer)| f64::from(peer.rules) >= share * f64::from(peers_using))
            .filter(|((op, value), _)| {
                !own.iter()
                    .any(|(have_op, have)| covers(*have_op, have, *op, value))
            })
            // Never suggest excluding what the rule itself looks for, as excluding
            // `user.name` ending in `$` from a rule about machine accounts would.
            .filter(|((op, value), _)| {
                !wanted
                    .iter()
                    .any(|(want_op, want)| covers(*op, value, *want_op, want))
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort_by(|a, b| b.1.rules.cmp(&a.1.rules).then_with(|| a.0.cmp(b.0)));

        let Some(first) = indicators
            .iter()
            .find(|i| !i.negated && i.concept == concept)
        else {
            continue;
        };
        let field = first
            .predicate
            .field
            .as_ref()
            .map_or(concept, |f| f.name.as_str());
        let range = first
            .predicate
            .field
            .as_ref()
            .map_or(first.predicate.range, |f| f.range);
        let named: Vec<String> = missing
            .iter()
            .take(SHOWN)
            .map(|((op, value), peer)| {
                format!(
                    "{} ({} of {peers_using} peers)",
                    describe(field, *op, value),
                    peer.rules
                )
            })
            .collect();
        let titles: Vec<String> = missing
            .iter()
            .flat_map(|(_, peer)| peer.examples.iter())
            .filter_map(|rule| corpus.index.rule(*rule).map(|info| info.title.to_owned()))
            .filter(|title| !title.is_empty())
            .take(2)
            .collect();
        let mut message = format!(
            "peer rules exclude {} and this rule does not",
            named.join(", ")
        );
        if missing.len() > SHOWN {
            message.push_str(&format!(" (and {} more)", missing.len() - SHOWN));
        }
        if !titles.is_empty() {
            message.push_str(&format!("; for example \"{}\"", titles.join("\" and \"")));
        }

        let mut to_insert: Vec<Exclusion> = missing
            .iter()
            .map(|((op, value), _)| Exclusion {
                op: *op,
                value: value.clone(),
            })
            .collect();
        // Excluding part of the private ranges would only trade this finding for a
        // partial-range one, so a fix that adds any of them adds them all.
        let adds_private = to_insert
            .iter()
            .any(|e| e.op == Op::CidrMatch && PRIVATE_RANGES[..3].contains(&e.value.as_str()));
        if adds_private {
            for range in PRIVATE_RANGES {
                let covered = own
                    .iter()
                    .any(|(op, have)| covers(*op, have, Op::CidrMatch, range))
                    || to_insert
                        .iter()
                        .any(|e| covers(e.op, &e.value, Op::CidrMatch, range));
                if !covered {
                    to_insert.push(Exclusion {
                        op: Op::CidrMatch,
                        value: range.to_owned(),
                    });
                }
            }
        }
        let mut diagnostic = Diagnostic::new(INFO.id, INFO.default_severity, range, message);
        let fix = exclusion_fix(
            text,
            document,
            field,
            &to_insert,
            format!("Exclude what peer rules exclude on `{field}`"),
            &slug(field),
            first.predicate.range.start(),
        );
        if let Some(fix) = fix {
            diagnostic = diagnostic.with_fix(fix);
        }
        out.push(diagnostic);
    }
}

/// Operating systems whose rules never share exclusions: a Linux editor's swap files say
/// nothing about a Windows rule.
const PLATFORMS: [&str; 3] = ["windows", "linux", "macos"];

/// The operating system a rule is written for, from a Sigma `product` or a positive
/// `host.os.type` test, when it names exactly one.
fn rule_platform(
    rule: &rulelens_syntax::Rule,
    indicators: &[rulelens_corpus::RuleIndicator<'_>],
) -> Option<&'static str> {
    let from_source = rule
        .data_sources
        .iter()
        .filter(|source| source.kind == DataSourceKind::SigmaProduct)
        .find_map(|source| platform_name(&source.value));
    from_source.or_else(|| {
        let named: Vec<&'static str> = indicators
            .iter()
            .filter(|i| !i.negated && i.concept == "host.os.type" && i.op() == Op::Eq)
            .filter_map(|i| platform_name(i.value()))
            .collect();
        match named.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    })
}

/// The operating system of an indexed rule, found the same way.
fn indexed_platform(index: &Index, rule: RuleId) -> Option<&'static str> {
    let from_source = index
        .rule_data_sources(rule)
        .into_iter()
        .filter(|(kind, _)| *kind == DataSourceKind::SigmaProduct)
        .find_map(|(_, value)| platform_name(value));
    if from_source.is_some() {
        return from_source;
    }
    let table = indicator_table(index);
    let named: Vec<&'static str> = index
        .rule_indicators(rule)
        .iter()
        .filter(|entry| entry.positive)
        .filter_map(|entry| table.keys.get(entry.indicator.0 as usize)?.as_ref())
        .filter(|(concept, op, _)| &**concept == "host.os.type" && *op == Op::Eq)
        .filter_map(|(_, _, value)| platform_name(value))
        .collect();
    match named.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

fn platform_name(value: &str) -> Option<&'static str> {
    let value = value.to_ascii_lowercase();
    PLATFORMS
        .iter()
        .copied()
        .find(|platform| *platform == value)
}

/// Peers of an unknown platform count for every rule.
fn compatible(rule: Option<&str>, peer: Option<&str>) -> bool {
    match (rule, peer) {
        (Some(rule), Some(peer)) => rule == peer,
        _ => true,
    }
}

type ExclusionTable = HashMap<String, BTreeMap<(Op, String), PeerExclusion>>;

/// Per concept, the peers that check it and the exclusions they carry on it.
#[derive(Default)]
struct PeerStatistics {
    users: HashMap<String, u32>,
    exclusions: ExclusionTable,
}

/// Computes the statistics of a peer set on the concepts a rule checks, once per index, set
/// and concepts: rules of one technique share their peers, so a folder of rules reuses a few
/// sets many times.
fn peer_statistics(
    peers: &[RuleId],
    concepts: &[&str],
    corpus: &CorpusContext<'_>,
) -> Arc<PeerStatistics> {
    type Key = (usize, Vec<RuleId>, Vec<String>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<PeerStatistics>>>> = OnceLock::new();
    let key = (
        corpus.index as *const Index as usize,
        peers.to_vec(),
        concepts.iter().map(|c| (*c).to_owned()).collect(),
    );
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Arc::clone(found);
    }
    let statistics = Arc::new(compute_peer_statistics(peers, concepts, corpus.index));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&statistics));
    statistics
}

fn compute_peer_statistics(peers: &[RuleId], concepts: &[&str], index: &Index) -> PeerStatistics {
    let table = indicator_table(index);
    let mut statistics = PeerStatistics::default();
    for peer in peers {
        let mut used: Vec<&str> = Vec::new();
        for entry in index.rule_indicators(*peer) {
            let Some(Some((concept, op, value))) = table.keys.get(entry.indicator.0 as usize)
            else {
                continue;
            };
            let Some(concept) = concepts.iter().copied().find(|c| **c == **concept) else {
                continue;
            };
            if !used.contains(&concept) {
                used.push(concept);
            }
            if entry.exclusion {
                let slot = statistics
                    .exclusions
                    .entry(concept.to_owned())
                    .or_default()
                    .entry((*op, value.to_string()))
                    .or_default();
                slot.rules += 1;
                if slot.examples.len() < 2 {
                    slot.examples.push(*peer);
                }
            }
        }
        for concept in used {
            *statistics.users.entry(concept.to_owned()).or_default() += 1;
        }
    }
    statistics
}

/// A selection-name-safe form of a field name.
fn slug(field: &str) -> String {
    let mut slug: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    slug.truncate(40);
    slug
}
