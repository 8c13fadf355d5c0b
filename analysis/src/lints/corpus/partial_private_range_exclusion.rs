//! `corpus/partial-private-range-exclusion`: the rule excludes some private and loopback
//! address ranges on a field but not the rest, or writes one as a string prefix that also
//! matches public addresses.

use super::shared::{excluded_network, parse_network, predicate_concepts, value_of};
use crate::corpus::CorpusContext;
use crate::fixes::{exclusion_fix, Exclusion};
use crate::lints::{FileInput, LintInfo};
use ipnet::IpNet;
use rulelens_syntax::{Diagnostic, Document, Op, Predicate, Severity};

pub const INFO: LintInfo = LintInfo {
    id: "corpus/partial-private-range-exclusion",
    default_severity: Severity::Warning,
    summary: "the rule excludes some private and loopback ranges on an address field but not all",
    docs: "## What it flags\n\nAn address field on which the rule excludes part of the RFC 1918 \
ranges but not all of the private, loopback and link-local ranges (IPv4 `10.0.0.0/8`, `172.16.0.0/12`, \
`192.168.0.0/16`, `127.0.0.0/8`, `169.254.0.0/16`; IPv6 `fc00::/7`, `fe80::/10`, `::1`) but \
not all of them, and a range written as a string prefix that is wider than the private \
range (`172.*` also matches the public `172.0.0.0`-`172.15.255.255` and \
`172.32.0.0`-`172.255.255.255`). A wider CIDR, KQL `ipv4_is_private()`, SPL `cidrmatch()` \
and EQL `cidrMatch()` count as covering.\n\n## Why it matters\n\nA half-done exclusion \
looks finished in review, but internal hosts in the forgotten ranges keep firing the rule, \
and a too-wide prefix silently hides public attackers.\n\n## Example\n\n```yaml\n    \
filter_main_internal:\n        SourceIp|cidr:\n            - '10.0.0.0/8'\n            - \
'192.168.0.0/16'\n```\n\n## Fix\n\nThe quick fix adds the missing ranges as CIDRs in the \
rule's own idiom. Replace a too-wide string prefix with the CIDR by hand.\n",
};

/// The private, loopback and link-local ranges, in the order they are listed.
pub const PRIVATE_RANGES: [&str; 8] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
];

/// String prefixes that look like a private range but match public addresses too, with the
/// range meant.
const TOO_WIDE_PREFIXES: [(&str, &str); 3] = [
    ("172.", "172.16.0.0/12"),
    ("192.", "192.168.0.0/16"),
    ("169.", "169.254.0.0/16"),
];

pub fn check(input: &FileInput<'_>, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    for document in &input.parsed.documents {
        check_document(input.text, document, corpus, out);
    }
}

fn private_ranges() -> Vec<IpNet> {
    PRIVATE_RANGES
        .iter()
        .filter_map(|range| parse_network(range))
        .collect()
}

fn check_document(
    text: &str,
    document: &Document,
    corpus: &CorpusContext<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let rule = &document.rule;
    let concepts = predicate_concepts(rule, corpus.taxonomy);
    // Negated address tests, grouped by concept in order of appearance.
    let mut by_concept: Vec<(&str, Vec<&Predicate>)> = Vec::new();
    for (predicate, negated) in rule.predicates() {
        if !negated {
            continue;
        }
        let Some(concept) = concepts.get(&(predicate as *const Predicate)).copied() else {
            continue;
        };
        let is_address = excluded_network(predicate.op, value_of(predicate)).is_some()
            || too_wide(predicate).is_some();
        if !is_address {
            continue;
        }
        match by_concept.iter_mut().find(|(c, _)| *c == concept) {
            Some((_, list)) => list.push(predicate),
            None => by_concept.push((concept, vec![predicate])),
        }
    }

    let ranges = private_ranges();
    for (_, predicates) in by_concept {
        for predicate in &predicates {
            if let Some(meant) = too_wide(predicate) {
                out.push(Diagnostic::new(
                    INFO.id,
                    INFO.default_severity,
                    predicate
                        .value
                        .as_ref()
                        .map_or(predicate.range, |v| v.range),
                    format!(
                        "the prefix `{}` also matches public addresses: exclude the network \
                         `{meant}` as a CIDR instead",
                        value_of(predicate)
                    ),
                ));
            }
        }
        let excluded: Vec<IpNet> = predicates
            .iter()
            .filter_map(|p| excluded_network(p.op, value_of(p)))
            .collect();
        let covered = |range: &IpNet| excluded.iter().any(|have| have.contains(range));
        let missing: Vec<&IpNet> = ranges.iter().filter(|range| !covered(range)).collect();
        // Only a rule that already excludes part of RFC 1918 is meant to skip internal
        // hosts; a lone loopback exclusion has another purpose.
        let rfc1918 = &ranges[..3];
        let touches_private = rfc1918
            .iter()
            .any(|range| covered(range) || excluded.iter().any(|have| range.contains(have)));
        if missing.is_empty() || !touches_private {
            continue;
        }
        let Some(anchor) = predicates.first() else {
            continue;
        };
        let anchor_end = predicates
            .iter()
            .map(|p| p.range.start())
            .min()
            .unwrap_or_default();
        let field = anchor.field.as_ref().map_or("", |f| f.name.as_str());
        let list: Vec<String> = missing.iter().map(|range| format!("`{range}`")).collect();
        let mut diagnostic = Diagnostic::new(
            INFO.id,
            INFO.default_severity,
            anchor.field.as_ref().map_or(anchor.range, |f| f.range),
            format!(
                "`{field}` excludes some private and loopback ranges but not {}",
                list.join(", ")
            ),
        );
        let exclusions: Vec<Exclusion> = missing
            .iter()
            .map(|range| Exclusion {
                op: Op::CidrMatch,
                value: range.to_string(),
            })
            .collect();
        if let Some(fix) = exclusion_fix(
            text,
            document,
            field,
            &exclusions,
            "Add all missing private ranges".to_owned(),
            "private_ranges",
            anchor_end,
        ) {
            diagnostic = diagnostic.with_fix(fix);
        }
        out.push(diagnostic);
    }
}

/// The private range a too-wide string prefix was meant to exclude.
fn too_wide(predicate: &Predicate) -> Option<&'static str> {
    let value = value_of(predicate);
    let prefix = match predicate.op {
        Op::StartsWith => value,
        Op::Wildcard => value.strip_suffix('*')?,
        _ => return None,
    };
    TOO_WIDE_PREFIXES
        .iter()
        .find(|(wide, _)| *wide == prefix)
        .map(|(_, meant)| *meant)
}
