//! `sigma/malformed-attack-tag`: an `attack.` tag that is not a technique, group, software or
//! tactic in the form the Sigma tag specification gives.
//!
//! Accepted forms: `attack.tNNNN`, `attack.tNNNN.NNN`, `attack.gNNNN`, `attack.sNNNN`, and the
//! tactic names in [`TACTICS`]. Tags of other namespaces (`cve.`, `car.`, `detection.`, `tlp.`,
//! `stp.`) are not checked.

use super::{closest, report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::{Diagnostic, Severity};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/malformed-attack-tag",
    default_severity: Severity::Warning,
    summary: "an ATT&CK tag is malformed or names no known tactic",
    docs: "## What it flags\n\nA tag in the `attack.` namespace that is not `attack.tNNNN`, \
`attack.tNNNN.NNN` (a technique or sub-technique), `attack.gNNNN` (a group), `attack.sNNNN` \
(software) or a tactic name in lower kebab case such as `attack.privilege-escalation`. This \
catches upper case (`attack.T1059`), the old underscore tactic names \
(`attack.defense_evasion`), digits missing or extra (`attack.t105`), and names that are no \
ATT&CK tactic.\n\n\
## Why it matters\n\nCoverage reports and the corpus index read techniques from these tags. \
A malformed tag silently drops the rule from its technique's statistics.\n\n\
## Example\n\n```yaml\ntags:\n    - attack.T1059.001\n    - attack.defense_evasion\n```\n\n\
## Fix\n\nWrite the id in lower case with four digits and a three-digit sub-technique \
(`attack.t1059.001`), and tactics in kebab case (`attack.defense-evasion`).\n",
};

/// ATT&CK Enterprise tactic short names. The Elastic rules of the corpus name fourteen tactics
/// in `[rule.threat.tactic]`. The SigmaHQ rules of the corpus also use `stealth` (1,094 tags)
/// and `defense-impairment` (415 tags), tactic names newer than those of the Elastic rules.
pub const TACTICS: &[&str] = &[
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "stealth",
    "defense-impairment",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "impact",
];

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        for tag in &document.tags {
            if let Some(message) = problem(&tag.value) {
                report(diagnostics, &INFO, tag.range, message);
            }
        }
    }
}

fn is_id(text: &str, prefix: char) -> bool {
    let Some(digits) = text.strip_prefix(prefix) else {
        return false;
    };
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let four = main.len() == 4 && main.bytes().all(|b| b.is_ascii_digit());
    let sub_ok = match sub {
        None => true,
        // Only techniques have sub-techniques.
        Some(sub) => prefix == 't' && sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()),
    };
    four && sub_ok
}

/// Describes what is wrong with a tag, or returns `None` when it is well formed or not an
/// ATT&CK tag.
pub fn problem(tag: &str) -> Option<String> {
    let (namespace, name) = tag.split_once('.')?;
    if !namespace.eq_ignore_ascii_case("attack") {
        return None;
    }
    if namespace != "attack" {
        return Some(format!(
            "write the namespace in lower case: `attack.{name}`"
        ));
    }
    if ['t', 'g', 's'].iter().any(|&prefix| is_id(name, prefix)) || TACTICS.contains(&name) {
        return None;
    }
    let lower = name.to_lowercase();
    if lower != name
        && (['t', 'g', 's'].iter().any(|&p| is_id(&lower, p)) || TACTICS.contains(&lower.as_str()))
    {
        return Some(format!(
            "ATT&CK tags are lower case: write `attack.{lower}`"
        ));
    }
    let kebab = lower.replace('_', "-");
    if kebab != lower && TACTICS.contains(&kebab.as_str()) {
        return Some(format!("tactic names use hyphens: write `attack.{kebab}`"));
    }
    let looks_like_id = name
        .chars()
        .next()
        .is_some_and(|c| matches!(c.to_ascii_lowercase(), 't' | 'g' | 's'))
        && name.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
    if looks_like_id {
        return Some(format!(
            "malformed ATT&CK id `{name}`: use four digits, and three for a sub-technique, \
             as in `attack.t1059.001`"
        ));
    }
    match closest(&kebab, TACTICS.iter().copied()) {
        Some(tactic) => Some(format!(
            "unknown ATT&CK tactic `{name}`; did you mean `attack.{tactic}`?"
        )),
        None => Some(format!(
            "unknown ATT&CK tag `{tag}`; use a technique (`attack.t1059`), group (`attack.g0016`), \
             software (`attack.s0002`) or tactic name"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{check, problem};
    use crate::lints::sigma::test_support::{assert_covers, run};

    #[test]
    fn well_formed_tags_pass() {
        for tag in [
            "attack.t1059",
            "attack.t1059.001",
            "attack.g0016",
            "attack.s0002",
            "attack.privilege-escalation",
            "attack.defense-impairment",
            "cve.2021-44228",
            "detection.emerging-threats",
            "car.2016-04-005",
            "tlp.clear",
        ] {
            assert_eq!(problem(tag), None, "{tag}");
        }
    }

    #[test]
    fn malformed_tags_are_named() {
        let cases = [
            ("attack.T1059", "lower case"),
            ("attack.t105", "malformed ATT&CK id"),
            ("attack.t1059.1", "malformed ATT&CK id"),
            ("attack.g0016.001", "malformed ATT&CK id"),
            ("attack.defense_evasion", "use hyphens"),
            ("attack.executoin", "did you mean `attack.execution`"),
            ("attack.ds0005", "unknown ATT&CK tag"),
            ("ATTACK.t1059", "namespace in lower case"),
        ];
        for (tag, expected) in cases {
            let message = problem(tag).unwrap_or_default();
            assert!(message.contains(expected), "{tag}: {message}");
        }
    }

    #[test]
    fn finding_points_at_tag() {
        let text = "title: x\ntags:\n    - attack.execution\n    - 'attack.T1059'\nlogsource:\n    product: y\ndetection:\n    sel:\n        a: b\n    condition: sel\n";
        assert_covers(&run(check, text), &["'attack.T1059'"]);
    }
}
