//! `sigma/deprecated-attack-technique`: an ATT&CK technique tag whose id MITRE revoked or
//! deprecated, with the id that replaces it.
//!
//! The redirect table is `analysis/data/attack-technique-redirects.json`, embedded at build
//! time; `analysis/data/README.md` gives its source and licence.

use super::{report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::sigma::lower::technique_id;
use rulelens_syntax::{Diagnostic, Severity};
use std::collections::HashMap;
use std::sync::OnceLock;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/deprecated-attack-technique",
    default_severity: Severity::Warning,
    summary: "an ATT&CK technique tag names a revoked or deprecated technique",
    docs: "## What it flags\n\nAn `attack.tNNNN` tag whose technique MITRE revoked or \
deprecated, for example `attack.t1086` (PowerShell), which became `attack.t1059.001`.\n\n\
## Why it matters\n\nCoverage maps and the corpus index group rules by current technique \
ids; a retired id puts the rule under a technique no current matrix shows.\n\n\
## Example\n\n```yaml\ntags:\n    - attack.t1086\n```\n\n\
## Fix\n\nReplace the tag with the technique named in the message.\n",
};

const REDIRECTS_JSON: &str = include_str!("../../../data/attack-technique-redirects.json");

/// The replacement of each revoked or deprecated technique id. Technique hover reads it too.
pub(crate) fn redirects() -> &'static HashMap<String, String> {
    static REDIRECTS: OnceLock<HashMap<String, String>> = OnceLock::new();
    REDIRECTS.get_or_init(|| {
        let parsed: serde_json::Value =
            serde_json::from_str(REDIRECTS_JSON).unwrap_or(serde_json::Value::Null);
        parsed
            .get("mapping")
            .and_then(serde_json::Value::as_object)
            .map(|mapping| {
                mapping
                    .iter()
                    .filter_map(|(old, new)| Some((old.clone(), new.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    })
}

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        for tag in &document.tags {
            let Some(id) = technique_id(&tag.value) else {
                continue;
            };
            if let Some(replacement) = redirects().get(&id) {
                report(
                    diagnostics,
                    &INFO,
                    tag.range,
                    format!(
                        "ATT&CK technique {id} is revoked or deprecated; use {replacement} \
                         (`attack.{}`)",
                        replacement.to_lowercase()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{check, redirects};
    use crate::lints::sigma::test_support::{assert_covers, run};

    #[test]
    fn embedded_table_loads() {
        assert!(redirects().len() > 100, "{} redirects", redirects().len());
        assert_eq!(
            redirects().get("T1086").map(String::as_str),
            Some("T1059.001")
        );
    }

    #[test]
    fn revoked_technique_names_replacement() {
        let text = "title: x\ntags:\n    - attack.t1086\n    - attack.t1059.001\nlogsource:\n    product: y\ndetection:\n    sel:\n        a: b\n    condition: sel\n";
        let found = run(check, text);
        assert_covers(&found, &["attack.t1086"]);
        assert!(
            found[0].1.contains("use T1059.001 (`attack.t1059.001`)"),
            "{found:?}"
        );
    }
}
