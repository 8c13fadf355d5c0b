//! Times parsing and lowering of every Elastic TOML rule and Panther YAML file of the corpus
//! on one thread.
//!
//! Run with `cargo run --release -p rulelens-syntax --example bench_elastic_panther`. Files
//! are read into memory first, so the figures cover parsing and lowering only. Each folder is
//! parsed five times and the fastest pass is printed, which hides cold-cache noise.

use rulelens_syntax::{corpus_path, elastic, panther};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PASSES: usize = 5;

fn main() {
    let corpus = corpus_path::corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let elastic_texts = read_all(&corpus.join("elastic"), &["toml"]);
    let panther_texts = read_all(&corpus.join("panther"), &["yml", "yaml"]);

    let (elastic_time, elastic_predicates) = fastest(&elastic_texts, |text| {
        count_predicates(&elastic::parse(text))
    });
    let (panther_time, panther_predicates) = fastest(&panther_texts, |text| {
        count_predicates(&panther::parse(text))
    });

    println!(
        "elastic: {} files, {elastic_predicates} predicates, {:.1} ms",
        elastic_texts.len(),
        elastic_time.as_secs_f64() * 1000.0
    );
    println!(
        "panther: {} files, {panther_predicates} predicates, {:.1} ms",
        panther_texts.len(),
        panther_time.as_secs_f64() * 1000.0
    );
    println!(
        "together: {:.1} ms (fastest of {PASSES} passes, one thread)",
        (elastic_time + panther_time).as_secs_f64() * 1000.0
    );
}

fn count_predicates(parsed: &rulelens_syntax::ParsedFile) -> usize {
    parsed
        .documents
        .iter()
        .map(|document| document.rule.predicates().len())
        .sum()
}

/// Runs `parse` over every text `PASSES` times; returns the fastest pass and its result sum.
fn fastest(texts: &[String], parse: impl Fn(&str) -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut total = 0;
    for _ in 0..PASSES {
        let start = Instant::now();
        total = texts.iter().map(|text| parse(text)).sum();
        best = best.min(start.elapsed());
    }
    (best, total)
}

fn read_all(folder: &Path, extensions: &[&str]) -> Vec<String> {
    let mut pending: Vec<PathBuf> = vec![folder.to_path_buf()];
    let mut texts = Vec::new();
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let matches = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e));
            if matches {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
    }
    texts
}
