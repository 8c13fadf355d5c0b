//! Sigma front end: YAML rule documents to the Rule IR.
//!
//! A Sigma file contains one or more YAML documents. Each document is a rule (`detection:` and
//! `logsource:`), a correlation rule (`correlation:`), a filter (`filter:`), or, in the older
//! rule collections, an `action: global` document whose keys every later document of the file
//! inherits (`action: reset` drops them, `action: repeat` reuses the previous document).
//!
//! Reading goes in three steps: [`yaml`] builds a tree with byte ranges, [`document`] reads
//! the Sigma structure from it into a [`SigmaDocument`] (what the structural lints check), and
//! [`lower`] turns that into a [`Rule`](crate::Rule).

pub mod condition;
pub mod document;
pub mod lower;
pub mod modifiers;
pub mod wildcard;
pub mod yaml;
pub mod yaml_subset;

pub use condition::{Aggregation, ConditionExpr, Quantifier, Target};
pub use document::{
    Condition, Correlation, Detection, FieldItem, Reference, ReferenceKind, Selection,
    SelectionBody, SigmaDocument, SigmaDocumentKind, SigmaValue, TopLevelKey,
};
pub use modifiers::{Modifier, ModifierClass};

use crate::{Document, ParsedFile, Tree};
use yaml::{Node, NodeKind};

/// The lint id for a key whose value has the wrong type (`detection` as a list).
pub const INVALID_STRUCTURE: &str = "sigma/invalid-structure";

/// Parses a Sigma file, which may hold several YAML documents.
pub fn parse(text: &str) -> ParsedFile {
    let yaml_file = yaml::parse(text);
    let mut parsed = ParsedFile {
        diagnostics: yaml_file.diagnostics,
        ..ParsedFile::default()
    };

    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    for yaml_document in yaml_file.documents {
        let Some(root) = yaml_document.root else {
            continue;
        };
        let action = root.get("action").and_then(Node::as_str).map(str::to_owned);
        let merged = match action.as_deref() {
            Some("global") => {
                global = Some(match global.take() {
                    Some(earlier) => merge(&earlier, &root),
                    None => root,
                });
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some("repeat") => match &previous {
                Some(earlier) => merge(earlier, &root),
                None => root,
            },
            _ => match &global {
                Some(shared) => merge(shared, &root),
                None => root,
            },
        };
        let sigma = document::read(
            text,
            &merged,
            yaml_document.range,
            yaml_document.complete,
            &mut parsed.diagnostics,
        );
        let rule = lower::lower(&sigma);
        parsed.documents.push(Document {
            rule,
            tree: Tree::Sigma(Box::new(sigma)),
        });
        previous = Some(merged);
    }
    parsed
}

/// Merges `overlay` into `base` the way Sigma collections do: mappings merge key by key,
/// recursively, and any other value of `overlay` replaces the one in `base`. Ranges stay
/// where each key was written, in whichever document that was.
fn merge<'a>(base: &Node<'a>, overlay: &Node<'a>) -> Node<'a> {
    let (Some(base_entries), Some(overlay_entries)) = (base.as_mapping(), overlay.as_mapping())
    else {
        return overlay.clone();
    };
    let mut entries: Vec<(Node, Node)> = base_entries
        .iter()
        .filter(|(key, _)| key.as_str() != Some("action"))
        .cloned()
        .collect();
    for (key, value) in overlay_entries {
        if key.as_str() == Some("action") {
            continue;
        }
        let existing = entries
            .iter_mut()
            .find(|(k, _)| k.as_str().is_some() && k.as_str() == key.as_str());
        match existing {
            Some((existing_key, existing_value)) => {
                *existing_value = merge(existing_value, value);
                *existing_key = key.clone();
            }
            None => entries.push((key.clone(), value.clone())),
        }
    }
    Node {
        kind: NodeKind::Mapping(entries),
        range: overlay.range,
    }
}
