//! Helpers the corpus lints share: the branches of a rule's positive logic, the concept of
//! each predicate, peer rules, and semantic coverage of one exclusion by another.

use crate::corpus::{indicator_table, per_index, PerIndex};
use ipnet::IpNet;
use rulelens_corpus::{rule_indicators, Index, RuleId, Taxonomy};
use rulelens_syntax::{Expr, Op, Predicate, Rule, Vendor};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

/// The most conjunctive branches a rule's positive logic is expanded into. A rule whose
/// `or`s multiply past this is skipped by the branch-based lints, so a huge condition stays
/// fast; no real rule in the corpus comes near it.
pub const MAX_BRANCHES: usize = 1024;

/// One leaf of a branch of the positive logic.
#[derive(Debug, Clone, Copy)]
pub enum Leaf<'r> {
    /// A predicate the branch requires.
    Positive(&'r Predicate),
    /// A negated predicate or group: it narrows the branch, but by excluding.
    Negated,
    /// A part the front end does not model: the branch's specificity is unknown.
    Opaque,
}

/// Expands the rule's logic without its top-level exclusions into disjunctive normal form.
/// Returns `None` when the expansion would exceed [`MAX_BRANCHES`].
pub fn positive_branches(logic: &Expr) -> Option<Vec<Vec<Leaf<'_>>>> {
    let positive: Vec<&Expr> = logic
        .top_level_conjuncts()
        .iter()
        .filter(|conjunct| !matches!(conjunct, Expr::Not(_)))
        .collect();
    let mut branches = vec![Vec::new()];
    for conjunct in positive {
        branches = product(&branches, &expand(conjunct)?)?;
    }
    Some(branches)
}

fn expand(expr: &Expr) -> Option<Vec<Vec<Leaf<'_>>>> {
    match expr {
        Expr::Predicate(predicate) => Some(vec![vec![Leaf::Positive(predicate)]]),
        Expr::Not(_) => Some(vec![vec![Leaf::Negated]]),
        Expr::Opaque(_) => Some(vec![vec![Leaf::Opaque]]),
        Expr::Or(items) => {
            let mut branches = Vec::new();
            for item in items {
                branches.extend(expand(item)?);
                if branches.len() > MAX_BRANCHES {
                    return None;
                }
            }
            Some(branches)
        }
        Expr::And(items) => {
            let mut branches = vec![Vec::new()];
            for item in items {
                branches = product(&branches, &expand(item)?)?;
            }
            Some(branches)
        }
    }
}

fn product<'r>(left: &[Vec<Leaf<'r>>], right: &[Vec<Leaf<'r>>]) -> Option<Vec<Vec<Leaf<'r>>>> {
    if left.len().saturating_mul(right.len()) > MAX_BRANCHES {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for a in left {
        for b in right {
            let mut branch = a.clone();
            branch.extend(b.iter().copied());
            out.push(branch);
        }
    }
    Some(out)
}

/// The concept of each predicate of a rule, keyed by the predicate's address.
pub fn predicate_concepts<'r>(
    rule: &'r Rule,
    taxonomy: &'r Taxonomy,
) -> HashMap<*const Predicate, &'r str> {
    rule_indicators(rule, taxonomy)
        .into_iter()
        .map(|indicator| (indicator.predicate as *const Predicate, indicator.concept))
        .collect()
}

/// The normalized value of a predicate, empty for existence tests.
pub fn value_of(predicate: &Predicate) -> &str {
    predicate
        .value
        .as_ref()
        .map_or("", |v| v.normalized.as_str())
}

/// The peer rules of one rule: a shared set, named by a key so that statistics over it can
/// be cached, less the indexed copies of the rule itself.
#[derive(Debug, Clone)]
pub struct Peers {
    /// The set before the rule's own copies are left out, shared by every rule with the
    /// same techniques (or data sources and concepts).
    pub shared: Arc<[RuleId]>,
    pub key: PeerKey,
    /// Members of `shared` indexed under the rule's own id, which are not its peers.
    pub own: Vec<RuleId>,
}

impl Peers {
    /// Returns the number of peers.
    pub fn len(&self) -> usize {
        self.shared.len() - self.own.len()
    }

    /// Returns whether the rule has no peer.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The inputs of a shared peer set: the index, and the techniques or, for a rule without
/// any, its data sources and concepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerKey {
    index: usize,
    basis: Vec<String>,
}

/// Peers of a rule in the index: the active rules that share one of its ATT&CK techniques
/// or, when it has none, that read all of its data sources and check one of its field
/// concepts. The rule itself is left out when it is indexed under its id.
pub fn peers_of(rule: &Rule, index: &Index, concepts: &[&str]) -> Peers {
    let (basis, shared) = if rule.metadata.techniques.is_empty() {
        let mut basis: Vec<String> = rule
            .data_sources
            .iter()
            .map(|source| format!("{:?}={}", source.kind, source.value))
            .collect();
        basis.push(String::new());
        basis.extend(concepts.iter().map(|c| (*c).to_owned()));
        let rules = cached_peer_set(index, &basis, || data_source_peers(rule, index, concepts));
        (basis, rules)
    } else {
        let techniques: Vec<&str> = rule
            .metadata
            .techniques
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        let rules = technique_peers(index, &techniques);
        let mut basis: Vec<String> = techniques.iter().map(|t| t.trim().to_uppercase()).collect();
        basis.sort_unstable();
        basis.dedup();
        (basis, rules)
    };
    let mut own = Vec::new();
    if let Some(own_id) = &rule.metadata.id {
        own = indexed_under_id(index, &own_id.value);
        own.retain(|rule| shared.binary_search(rule).is_ok());
    }
    Peers {
        shared,
        key: PeerKey {
            index: index as *const Index as usize,
            basis,
        },
        own,
    }
}

/// Returns the active rules under any of `techniques` or their subtechniques, sorted. The
/// result is cached per index and technique set, because a folder's rules share a handful of
/// technique sets and a common technique has thousands of rules.
pub fn technique_peers(index: &Index, techniques: &[&str]) -> Arc<[RuleId]> {
    let mut basis: Vec<String> = techniques.iter().map(|t| t.trim().to_uppercase()).collect();
    basis.sort_unstable();
    basis.dedup();
    cached_peer_set(index, &basis, || {
        let mut rules: Vec<RuleId> = basis
            .iter()
            .flat_map(|technique| index.technique_rules(technique, false))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    })
}

fn cached_peer_set(
    index: &Index,
    basis: &[String],
    compute: impl FnOnce() -> Vec<RuleId>,
) -> Arc<[RuleId]> {
    type Sets = Mutex<HashMap<Vec<String>, Arc<[RuleId]>>>;
    static SETS: PerIndex<Sets> = OnceLock::new();
    let sets = per_index(&SETS, index, |_| Mutex::new(HashMap::new()));
    if let Some(found) = sets
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(basis)
    {
        return Arc::clone(found);
    }
    let rules: Arc<[RuleId]> = compute().into();
    sets.lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(basis.to_vec(), Arc::clone(&rules));
    rules
}

fn data_source_peers(rule: &Rule, index: &Index, concepts: &[&str]) -> Vec<RuleId> {
    let mut candidates: Option<Vec<RuleId>> = None;
    for source in &rule.data_sources {
        let mut these = index.data_source_rules(source.kind, &source.value);
        these.sort_unstable();
        candidates = Some(match candidates {
            Some(so_far) => so_far
                .into_iter()
                .filter(|rule| these.binary_search(rule).is_ok())
                .collect(),
            None => these,
        });
    }
    let table = indicator_table(index);
    let mut peers: Vec<RuleId> = candidates
        .unwrap_or_default()
        .into_iter()
        .filter(|candidate| !index.is_deprecated(*candidate))
        .filter(|candidate| {
            index.rule_indicators(*candidate).iter().any(|entry| {
                table
                    .keys
                    .get(entry.indicator.0 as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|(concept, _, _)| concepts.contains(&&**concept))
            })
        })
        .collect();
    peers.sort_unstable();
    peers
}

/// The indexed rules whose id is `rule_id`, from a per-index map built on first use.
pub fn indexed_under_id(index: &Index, rule_id: &str) -> Vec<RuleId> {
    static MAPS: PerIndex<HashMap<String, Vec<RuleId>>> = OnceLock::new();
    let map = per_index(&MAPS, index, |index| {
        let mut ids: HashMap<String, Vec<RuleId>> = HashMap::new();
        for rule in index.rule_ids() {
            if let Some(info) = index.rule(rule) {
                if !info.rule_id.is_empty() {
                    ids.entry(info.rule_id.to_owned()).or_default().push(rule);
                }
            }
        }
        ids
    });
    map.get(rule_id).cloned().unwrap_or_default()
}

/// `"sigma 180, elastic 30, ..."`, leaving out vendors with no rule.
pub fn vendor_breakdown(counts: &rulelens_corpus::VendorCounts) -> String {
    let parts: Vec<String> = Vendor::ALL
        .iter()
        .filter(|vendor| counts.get(**vendor) > 0)
        .map(|vendor| format!("{} {}", vendor.name(), counts.get(*vendor)))
        .collect();
    parts.join(", ")
}

/// Renders an indicator for a message, as `` `field` ends_with `\cmd.exe` ``.
pub fn describe(field: &str, op: Op, value: &str) -> String {
    match op {
        Op::IsNull | Op::IsNotNull => format!("`{field}` {}", op.name()),
        _ => format!("`{field}` {} `{value}`", op.name()),
    }
}

/// Parses an address or network as written in a rule: `10.0.0.0/8`, `127.0.0.1`, `::1`.
pub fn parse_network(value: &str) -> Option<IpNet> {
    let value = value.trim();
    if let Ok(network) = value.parse::<IpNet>() {
        return Some(network.trunc());
    }
    value.parse::<IpAddr>().ok().map(IpNet::from)
}

/// The network a dotted string prefix matches exactly (`10.` is `10.0.0.0/8`), for prefixes
/// that end at an octet boundary.
pub fn prefix_network(prefix: &str) -> Option<IpNet> {
    let octets: Vec<&str> = prefix.strip_suffix('.')?.split('.').collect();
    if octets.is_empty() || octets.len() > 3 {
        return None;
    }
    let mut bytes = [0u8; 4];
    for (slot, octet) in bytes.iter_mut().zip(&octets) {
        *slot = octet.parse().ok()?;
    }
    let length = u8::try_from(octets.len() * 8).ok()?;
    IpNet::new(IpAddr::from(bytes), length).ok()
}

/// The network an exclusion covers, when it is an address test.
pub fn excluded_network(op: Op, value: &str) -> Option<IpNet> {
    match op {
        Op::CidrMatch | Op::Eq => parse_network(value),
        Op::StartsWith => prefix_network(value),
        Op::Wildcard => value.strip_suffix('*').and_then(prefix_network),
        _ => None,
    }
}

/// Whether an exclusion `(have_op, have)` already excludes everything `(want_op, want)` does.
/// Values are compared as normalized (case-folded where the match is case-insensitive).
pub fn covers(have_op: Op, have: &str, want_op: Op, want: &str) -> bool {
    if let (Some(have_net), Some(want_net)) = (
        excluded_network(have_op, have),
        excluded_network(want_op, want),
    ) {
        return have_net.contains(&want_net);
    }
    match (have_op, want_op) {
        (Op::Contains, Op::Eq | Op::Contains | Op::StartsWith | Op::EndsWith) => {
            want.contains(have)
        }
        (Op::StartsWith, Op::Eq | Op::StartsWith) => want.starts_with(have),
        (Op::EndsWith, Op::Eq | Op::EndsWith) => want.ends_with(have),
        (Op::Eq, Op::Eq) => have == want,
        (Op::Wildcard, Op::Eq) => glob_matches(have, want),
        _ => have_op == want_op && have == want,
    }
}

/// Matches a Sigma-style glob (`*` any run, `?` one character) against `text`.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some('?') => {
                p += 1;
                t += 1;
            }
            Some(c) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether an attacker could satisfy an exclusion by choosing a value with an arbitrary
/// prefix (`*\svchost.exe`), so a fix must never insert it.
pub fn has_leading_wildcard(op: Op, value: &str) -> bool {
    match op {
        Op::Contains | Op::EndsWith | Op::Match | Op::RegexMatch => true,
        Op::Wildcard => value.starts_with('*') || value.starts_with('?'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_cidr_covers_narrower() {
        assert!(covers(
            Op::CidrMatch,
            "10.0.0.0/7",
            Op::CidrMatch,
            "10.0.0.0/8"
        ));
        assert!(covers(Op::CidrMatch, "10.0.0.0/8", Op::Eq, "10.1.2.3"));
        assert!(!covers(
            Op::CidrMatch,
            "10.0.0.0/8",
            Op::CidrMatch,
            "172.16.0.0/12"
        ));
        assert!(covers(
            Op::StartsWith,
            "192.168.",
            Op::CidrMatch,
            "192.168.0.0/16"
        ));
        assert!(covers(Op::CidrMatch, "::/0", Op::CidrMatch, "fe80::/10"));
    }

    #[test]
    fn broader_string_covers_narrower() {
        assert!(covers(
            Op::StartsWith,
            "c:\\windows\\",
            Op::StartsWith,
            "c:\\windows\\system32\\"
        ));
        assert!(covers(
            Op::Contains,
            "svchost",
            Op::EndsWith,
            "\\svchost.exe"
        ));
        assert!(!covers(
            Op::EndsWith,
            "\\svchost.exe",
            Op::Contains,
            "svchost"
        ));
        assert!(covers(
            Op::Wildcard,
            "c:\\*\\x.exe",
            Op::Eq,
            "c:\\a\\b\\x.exe"
        ));
        assert!(!covers(
            Op::Wildcard,
            "c:\\*\\x.exe",
            Op::Eq,
            "d:\\a\\x.exe"
        ));
    }

    #[test]
    fn prefix_networks_end_at_octets() {
        assert_eq!(prefix_network("10."), parse_network("10.0.0.0/8"));
        assert_eq!(prefix_network("172.16."), parse_network("172.16.0.0/16"));
        assert_eq!(prefix_network("172.1"), None);
        assert_eq!(prefix_network("a.b."), None);
    }

    #[test]
    fn leading_wildcards_are_unsafe() {
        assert!(has_leading_wildcard(Op::EndsWith, "\\svchost.exe"));
        assert!(has_leading_wildcard(Op::Wildcard, "*\\x.exe"));
        assert!(!has_leading_wildcard(Op::StartsWith, "c:\\windows\\"));
        assert!(!has_leading_wildcard(Op::CidrMatch, "10.0.0.0/8"));
    }
}
