//! Times parsing every Sigma file of the corpus on one thread, release build:
//! `cargo run --release --example bench_sigma`. The corpus folder comes from
//! `RULELENS_CORPUS` as in the tests. Files are read into memory first, so the figure is the
//! parse and lowering time alone. The best of several rounds is printed to damp noise from
//! other processes.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;

fn yaml_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        eprintln!("cannot read {}", folder.display());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            found.push(path);
        }
    }
}

fn main() {
    let folder = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let mut paths = Vec::new();
    yaml_files(&folder, &mut paths);
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();

    let mut best = Duration::MAX;
    let mut predicates = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        predicates = 0;
        for text in &texts {
            let parsed = parse(Format::Sigma, text);
            predicates += parsed
                .documents
                .iter()
                .map(|d| d.rule.predicates().len())
                .sum::<usize>();
        }
        best = best.min(start.elapsed());
    }
    println!(
        "parsed {} Sigma files ({:.1} MiB, {predicates} predicates) in {:.1} ms (best of {ROUNDS})",
        texts.len(),
        bytes as f64 / (1024.0 * 1024.0),
        best.as_secs_f64() * 1000.0
    );
}
