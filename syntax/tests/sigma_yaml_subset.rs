//! The fast YAML subset reader builds the same tree as `saphyr-parser` on every corpus file it
//! accepts, and accepts nearly all of them.

mod common;

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::sigma::yaml::{parse_full, Node, NodeKind};
use rulelens_syntax::sigma::yaml_subset;

/// Describes the first difference between two trees, with the text of each range.
fn first_difference(text: &str, fast: &Node, full: &Node) -> Option<String> {
    let show = |node: &Node| {
        format!(
            "{:?} {:?} [{}]",
            node.range,
            node.as_str().unwrap_or("<collection>"),
            text.get(node.range.as_range()).unwrap_or("<bad range>")
        )
    };
    if fast.range != full.range {
        return Some(format!("range: fast {} full {}", show(fast), show(full)));
    }
    match (&fast.kind, &full.kind) {
        (NodeKind::Scalar { .. }, NodeKind::Scalar { .. }) => (fast.kind != full.kind)
            .then(|| format!("scalar: fast {:?} full {:?}", fast.kind, full.kind)),
        (NodeKind::Sequence(a), NodeKind::Sequence(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "sequence length {} vs {} at {}",
                    a.len(),
                    b.len(),
                    show(full)
                ));
            }
            a.iter()
                .zip(b)
                .find_map(|(x, y)| first_difference(text, x, y))
        }
        (NodeKind::Mapping(a), NodeKind::Mapping(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "mapping length {} vs {} at {}",
                    a.len(),
                    b.len(),
                    show(full)
                ));
            }
            a.iter().zip(b).find_map(|((k1, v1), (k2, v2))| {
                first_difference(text, k1, k2).or_else(|| first_difference(text, v1, v2))
            })
        }
        _ => Some(format!("kind: fast {} full {}", show(fast), show(full))),
    }
}

#[test]
fn subset_reader_matches_full_parser_on_corpus() {
    let folder = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let files = common::yaml_files(&folder);
    let mut accepted = 0;
    let mut differences = Vec::new();
    let mut rejected = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let Some(fast) = yaml_subset::parse(&text) else {
            rejected.push(path.display().to_string());
            continue;
        };
        accepted += 1;
        let full = parse_full(&text);
        if fast.len() != full.documents.len() {
            differences.push(format!(
                "{}: {} vs {} documents",
                path.display(),
                fast.len(),
                full.documents.len()
            ));
            continue;
        }
        for (a, b) in fast.iter().zip(&full.documents) {
            if a.range != b.range {
                differences.push(format!(
                    "{}: document range {:?} vs {:?}",
                    path.display(),
                    a.range,
                    b.range
                ));
            }
            let difference = match (&a.root, &b.root) {
                (Some(x), Some(y)) => first_difference(&text, x, y),
                (None, None) => None,
                _ => Some("root presence".to_owned()),
            };
            if let Some(difference) = difference {
                differences.push(format!("{}: {difference}", path.display()));
            }
        }
    }
    eprintln!("subset reader accepted {accepted} of {} files", files.len());
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(
        accepted * 100 >= files.len() * 99,
        "only {accepted} of {} files read by the subset reader; rejected:\n{}",
        files.len(),
        rejected.join("\n")
    );
}
