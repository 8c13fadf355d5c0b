//! Times parsing and lowering of every Elastic TOML rule and Panther YAML file of the corpus
//! on one thread.
//!
//! Run with `cargo run --release -p rulelens-syntax --example bench_elastic_panther`. Files
//! are read into memory first, so the figures cover parsing and lowering only. Each folder is
//! parsed five times and the fastest pass is printed, which hides cold-cache noise.
//!
//! Two figures are printed per folder: wall-clock time, and on-CPU time of the thread from
//! `/proc/thread-self/schedstat` (Linux only). On a machine shared with other work the wall
//! time includes waiting for a core; the on-CPU time does not.

use rulelens_syntax::{corpus_path, elastic, panther};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PASSES: usize = 5;

fn main() {
    let corpus = corpus_path::corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let elastic_texts = read_all(&corpus.join("elastic"), &["toml"]);
    let panther_texts = read_all(&corpus.join("panther"), &["yml", "yaml"]);

    let elastic = fastest(&elastic_texts, |text| {
        count_predicates(&elastic::parse(text))
    });
    let panther = fastest(&panther_texts, |text| {
        count_predicates(&panther::parse(text))
    });

    report("elastic", elastic_texts.len(), &elastic);
    report("panther", panther_texts.len(), &panther);
    println!(
        "together: {:.1} ms wall, {} on CPU (fastest of {PASSES} passes, one thread)",
        milliseconds(elastic.wall + panther.wall),
        match (elastic.cpu, panther.cpu) {
            (Some(a), Some(b)) => format!("{:.1} ms", milliseconds(a + b)),
            _ => "unknown".to_owned(),
        }
    );
}

/// The fastest pass over one folder.
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
    predicates: usize,
}

fn report(name: &str, files: usize, timing: &Timing) {
    let cpu = timing.cpu.map_or("unknown".to_owned(), |cpu| {
        format!("{:.1} ms", milliseconds(cpu))
    });
    println!(
        "{name}: {files} files, {} predicates, {:.1} ms wall, {cpu} on CPU",
        timing.predicates,
        milliseconds(timing.wall)
    );
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The time this thread has run on a CPU, from the first field of its schedstat line.
fn thread_cpu_time() -> Option<Duration> {
    let line = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = line.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

fn count_predicates(parsed: &rulelens_syntax::ParsedFile) -> usize {
    parsed
        .documents
        .iter()
        .map(|document| document.rule.predicates().len())
        .sum()
}

/// Runs `parse` over every text `PASSES` times and returns the fastest pass.
fn fastest(texts: &[String], parse: impl Fn(&str) -> usize) -> Timing {
    let mut best = Timing {
        wall: Duration::MAX,
        cpu: None,
        predicates: 0,
    };
    for _ in 0..PASSES {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        let predicates = texts.iter().map(|text| parse(text)).sum();
        let wall = start.elapsed();
        let cpu = cpu_start
            .zip(thread_cpu_time())
            .map(|(a, b)| b.saturating_sub(a));
        best.wall = best.wall.min(wall);
        best.cpu = match (best.cpu, cpu) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        best.predicates = predicates;
    }
    best
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
