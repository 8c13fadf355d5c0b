//! `corpus/missing-common-exclusion`: peer rules exclude something on a field this rule also
//! checks, and this rule does not.

use super::partial_private_range_exclusion::PRIVATE_RANGES;
use super::shared::{covers, describe, peers_of, PeerKey, Peers};
use crate::corpus::{indicator_table, per_index, CorpusContext, IndicatorTable, PerIndex};
use crate::fixes::{exclusion_fix, Exclusion};
use crate::lints::{FileInput, LintInfo};
use rulelens_corpus::{rule_indicators, Index, RuleId};
use rulelens_syntax::{DataSourceKind, Diagnostic, Document, Op, Severity};
use rustc_hash::FxHashMap;
use std::collections::HashMap;
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
    let peers = peers_of(rule, corpus.index, &positive_concepts);
    let min_peers = corpus.config.thresholds.min_peers as usize;
    if peers.len() < min_peers {
        return;
    }
    let statistics = peer_statistics(&peers, platform, corpus);
    let own = OwnShare::of(&peers.own, platform, corpus.index);
    let profiles = profiles(corpus.index);
    let table = indicator_table(corpus.index);
    if (statistics.peers - own.rules) as usize <= min_peers.saturating_sub(1) {
        return;
    }

    for concept in positive_concepts {
        // A rule that already pins the field to values (`SourceIp` equal to an IoC address,
        // `Signed: false`) gains nothing from excluding other values of it.
        let pinned = indicators.iter().any(|i| {
            !i.negated && i.concept == concept && matches!(i.op(), Op::Eq | Op::CidrMatch)
        });
        if pinned {
            continue;
        }
        let Some(&concept_id) = profiles.concept_ids.get(concept) else {
            continue;
        };
        let peers_using = statistics
            .users(concept_id)
            .saturating_sub(own.users(concept_id));
        if (peers_using as usize) < min_peers {
            continue;
        }
        let own_exclusions: Vec<(Op, &str)> = indicators
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
        let needed = share * f64::from(peers_using);
        let mut missing: Vec<Missing<'_>> = statistics
            .exclusions
            .get(&concept_id)
            .into_iter()
            .flatten()
            // Sorted by count: the rest are rarer still, even before the rule's own copies
            // are taken off.
            .take_while(|excluded| f64::from(excluded.rules) >= needed)
            .filter_map(|excluded| {
                let (_, op, value) = table.keys.get(excluded.indicator as usize)?.as_ref()?;
                Some((excluded, *op, &**value))
            })
            .map(|(excluded, op, value)| Missing {
                op,
                value,
                rules: excluded.rules - own.excludes(concept_id, excluded.indicator),
                examples: excluded
                    .examples
                    .iter()
                    .copied()
                    .filter(|peer| !peers.own.contains(peer))
                    .take(2)
                    .collect(),
            })
            .filter(|missing| f64::from(missing.rules) >= needed)
            .filter(|missing| {
                !own_exclusions
                    .iter()
                    .any(|(have_op, have)| covers(*have_op, have, missing.op, missing.value))
            })
            // Never suggest excluding what the rule itself looks for, as excluding
            // `user.name` ending in `$` from a rule about machine accounts would.
            .filter(|missing| {
                !wanted
                    .iter()
                    .any(|(want_op, want)| covers(missing.op, missing.value, *want_op, want))
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort_by(|a, b| {
            b.rules
                .cmp(&a.rules)
                .then_with(|| (a.op, a.value).cmp(&(b.op, b.value)))
        });

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
            .map(|missing| {
                format!(
                    "{} ({} of {peers_using} peers)",
                    describe(field, missing.op, missing.value),
                    missing.rules
                )
            })
            .collect();
        let titles: Vec<String> = missing
            .iter()
            .flat_map(|missing| missing.examples.iter())
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
            .map(|missing| Exclusion {
                op: missing.op,
                value: missing.value.to_owned(),
            })
            .collect();
        // Excluding part of the private ranges would only trade this finding for a
        // partial-range one, so a fix that adds any of them adds them all.
        let adds_private = to_insert
            .iter()
            .any(|e| e.op == Op::CidrMatch && PRIVATE_RANGES[..3].contains(&e.value.as_str()));
        if adds_private {
            for range in PRIVATE_RANGES {
                let covered = own_exclusions
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

/// Builds this lint's per-index tables; see [`crate::prepare_corpus_tables`].
pub(crate) fn prepare(index: &Index) {
    rayon::join(|| indexed_platforms(index), || profiles(index));
}

/// Returns the operating system of every indexed rule, found as [`rule_platform`] finds it
/// and decoded once per index, because each check compares the rule with thousands of peers.
fn indexed_platforms(index: &Index) -> Arc<Vec<Option<&'static str>>> {
    static PLATFORMS_BY_RULE: PerIndex<Vec<Option<&'static str>>> = OnceLock::new();
    per_index(&PLATFORMS_BY_RULE, index, |index| {
        let table = indicator_table(index);
        index
            .rule_ids()
            .map(|rule| indexed_platform(index, &table, rule))
            .collect()
    })
}

fn indexed_platform(index: &Index, table: &IndicatorTable, rule: RuleId) -> Option<&'static str> {
    let from_source = index
        .rule_data_sources(rule)
        .into_iter()
        .filter(|(kind, _)| *kind == DataSourceKind::SigmaProduct)
        .find_map(|(_, value)| platform_name(value));
    if from_source.is_some() {
        return from_source;
    }
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

/// How many peers carry one exclusion on a concept.
struct PeerExclusion {
    indicator: u32,
    rules: u32,
    /// The first peers that carry it, for the message. It keeps more than the two the message
    /// names, because the rule's own copies may be among them.
    examples: Vec<RuleId>,
}

/// Examples kept per exclusion.
const EXAMPLES_KEPT: usize = 4;

/// One exclusion the rule lacks, with the counts of its peers proper.
struct Missing<'s> {
    op: Op,
    value: &'s str,
    rules: u32,
    examples: Vec<RuleId>,
}

/// Per indexed rule, the concepts it checks and the indicators it excludes, as small ids.
/// Built once per index: peer statistics read thousands of rules per peer set, and
/// comparing concept strings there cost more than the rest of the lint.
struct Profiles {
    concept_ids: HashMap<Arc<str>, u32>,
    rules: Vec<Profile>,
}

struct Profile {
    concepts: Box<[u32]>,
    /// Excluded indicators with the id of their concept.
    exclusions: Box<[(u32, u32)]>,
}

fn profiles(index: &Index) -> Arc<Profiles> {
    static PROFILES: PerIndex<Profiles> = OnceLock::new();
    per_index(&PROFILES, index, |index| {
        let table = indicator_table(index);
        let mut concept_ids: HashMap<Arc<str>, u32> = HashMap::new();
        let indicator_concept: Vec<Option<u32>> = table
            .keys
            .iter()
            .map(|key| {
                let (concept, _, _) = key.as_ref()?;
                if concept.is_empty() {
                    return None;
                }
                let next = u32::try_from(concept_ids.len()).unwrap_or(u32::MAX);
                Some(*concept_ids.entry(Arc::clone(concept)).or_insert(next))
            })
            .collect();
        let rules = index
            .rule_ids()
            .map(|rule| {
                let mut concepts = Vec::new();
                let mut exclusions = Vec::new();
                for entry in index.rule_indicators(rule) {
                    let Some(Some(concept)) = indicator_concept.get(entry.indicator.0 as usize)
                    else {
                        continue;
                    };
                    if !concepts.contains(concept) {
                        concepts.push(*concept);
                    }
                    if entry.exclusion {
                        exclusions.push((*concept, entry.indicator.0));
                    }
                }
                Profile {
                    concepts: concepts.into(),
                    exclusions: exclusions.into(),
                }
            })
            .collect();
        Profiles { concept_ids, rules }
    })
}

/// Over a shared peer set and every concept: the peers, how many check each concept, and
/// the exclusions they carry on it, most common first.
struct PeerStatistics {
    /// The peers left once those written for another operating system are dropped.
    peers: u32,
    /// Concept ids and the peers that check them, sorted by id.
    users: Vec<(u32, u32)>,
    exclusions: FxHashMap<u32, Vec<PeerExclusion>>,
}

impl PeerStatistics {
    fn users(&self, concept: u32) -> u32 {
        self.users
            .binary_search_by_key(&concept, |(id, _)| *id)
            .map_or(0, |found| self.users[found].1)
    }
}

/// The statistics of a shared peer set on a platform, computed once: the rules of one
/// technique share their peers, so a folder of rules reuses a few sets many times. Each
/// rule then takes its own indexed copies off with [`OwnShare`].
fn peer_statistics(
    peers: &Peers,
    platform: Option<&'static str>,
    corpus: &CorpusContext<'_>,
) -> Arc<PeerStatistics> {
    type Key = (PeerKey, Option<&'static str>, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<PeerStatistics>>>> = OnceLock::new();
    let index = corpus.index;
    let thresholds = &corpus.config.thresholds;
    let floor = thresholds.missing_exclusion_share * f64::from(thresholds.min_peers);
    let key = (peers.key.clone(), platform, floor.to_bits());
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Arc::clone(found);
    }
    let platforms = indexed_platforms(index);
    let compatible_peers: Vec<RuleId> = peers
        .shared
        .iter()
        .copied()
        .filter(|peer| compatible(platform, platforms.get(peer.0 as usize).copied().flatten()))
        .collect();
    let statistics = Arc::new(compute_peer_statistics(&compatible_peers, index, floor));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&statistics));
    statistics
}

fn compute_peer_statistics(peers: &[RuleId], index: &Index, floor: f64) -> PeerStatistics {
    let profiles = profiles(index);
    let table = indicator_table(index);
    // Dense while counting: a peer set visits hundreds of rules with a dozen concepts each.
    let mut users = vec![0u32; profiles.concept_ids.len()];
    let mut counts: FxHashMap<(u32, u32), (u32, Vec<RuleId>)> = FxHashMap::default();
    for peer in peers {
        let Some(profile) = profiles.rules.get(peer.0 as usize) else {
            continue;
        };
        for concept in &profile.concepts {
            if let Some(slot) = users.get_mut(*concept as usize) {
                *slot += 1;
            }
        }
        for excluded in &profile.exclusions {
            let (rules, examples) = counts.entry(*excluded).or_default();
            *rules += 1;
            if examples.len() < EXAMPLES_KEPT {
                examples.push(*peer);
            }
        }
    }
    let users = users
        .into_iter()
        .enumerate()
        .filter(|(_, rules)| *rules > 0)
        .map(|(concept, rules)| (u32::try_from(concept).unwrap_or(u32::MAX), rules))
        .collect();
    let mut exclusions: FxHashMap<u32, Vec<PeerExclusion>> = FxHashMap::default();
    for ((concept, indicator), (rules, examples)) in counts {
        // A finding needs `share` of at least `min-peers` peers: rarer exclusions can never
        // be reported, and most of a large set's exclusions are one rule's own tuning.
        if f64::from(rules) < floor {
            continue;
        }
        exclusions.entry(concept).or_default().push(PeerExclusion {
            indicator,
            rules,
            examples,
        });
    }
    // Most common first; equal counts in operator and value order, so messages are stable.
    let sort_key = |indicator: u32| {
        table
            .keys
            .get(indicator as usize)
            .and_then(Option::as_ref)
            .map(|(_, op, value)| (*op, Arc::clone(value)))
    };
    for list in exclusions.values_mut() {
        list.sort_by_cached_key(|e| (std::cmp::Reverse(e.rules), sort_key(e.indicator)));
    }
    PeerStatistics {
        peers: u32::try_from(peers.len()).unwrap_or(u32::MAX),
        users,
        exclusions,
    }
}

/// The share of the rule's own indexed copies in the shared statistics, subtracted per rule.
#[derive(Default)]
struct OwnShare {
    rules: u32,
    used: Vec<u32>,
    excluded: Vec<(u32, u32)>,
}

impl OwnShare {
    fn of(own: &[RuleId], platform: Option<&'static str>, index: &Index) -> OwnShare {
        let mut share = OwnShare::default();
        if own.is_empty() {
            return share;
        }
        let platforms = indexed_platforms(index);
        let profiles = profiles(index);
        for rule in own {
            if !compatible(platform, platforms.get(rule.0 as usize).copied().flatten()) {
                continue;
            }
            let Some(profile) = profiles.rules.get(rule.0 as usize) else {
                continue;
            };
            share.rules += 1;
            share.used.extend(profile.concepts.iter().copied());
            share.excluded.extend(profile.exclusions.iter().copied());
        }
        share
    }

    fn users(&self, concept: u32) -> u32 {
        count(self.used.iter().filter(|used| **used == concept))
    }

    fn excludes(&self, concept: u32, indicator: u32) -> u32 {
        count(self.excluded.iter().filter(|e| **e == (concept, indicator)))
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
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
