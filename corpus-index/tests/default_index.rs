//! The committed default index: it loads, and it equals a fresh build from the corpus.

use rulelens_corpus::{build_index, default_index, Taxonomy, DEFAULT_INDEX_BYTES};
use rulelens_syntax::corpus_path::corpus_dir;

const REGENERATE: &str = "cargo run --release -p rulelens -- index build \
    --out corpus-index/data/default.rlidx ../shared/corpus";

#[test]
fn default_index_loads() {
    let index = default_index();
    assert!(
        index.is_ok(),
        "embedded index does not load: {:?}",
        index.err()
    );
}

#[test]
fn default_index_is_fresh() {
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let built = build_index(std::slice::from_ref(&corpus), Taxonomy::builtin());
    let (bytes, report) = match built {
        Ok(built) => built,
        Err(error) => panic!("building from {} failed: {error}", corpus.display()),
    };
    assert!(
        report.skipped.is_empty(),
        "skipped files: {:?}",
        report.skipped
    );
    assert!(
        bytes == DEFAULT_INDEX_BYTES,
        "corpus-index/data/default.rlidx is stale ({} bytes committed, {} bytes built from {}); \
         regenerate it from the workspace root with `{REGENERATE}` and commit it",
        DEFAULT_INDEX_BYTES.len(),
        bytes.len(),
        corpus.display()
    );
}

#[test]
fn corpus_sources_ship_with_index() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let sources = std::fs::read_to_string(data.join("CORPUS-SOURCES.md")).unwrap_or_default();
    for repository in [
        "SigmaHQ/sigma",
        "elastic/detection-rules",
        "splunk/security_content",
    ] {
        assert!(
            sources.contains(repository),
            "CORPUS-SOURCES.md lacks {repository}"
        );
    }
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let expected = std::fs::read_dir(corpus.join("LICENSES")).map(|entries| entries.count());
    let shipped = std::fs::read_dir(data.join("LICENSES")).map(|entries| entries.count());
    assert!(matches!(expected, Ok(count) if count >= 8), "{expected:?}");
    assert_eq!(
        shipped.ok(),
        expected.ok(),
        "licence folders differ from the corpus"
    );
}
