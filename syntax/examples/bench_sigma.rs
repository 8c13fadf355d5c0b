//! Times parsing every Sigma file of the corpus on one thread, release build:
//! `cargo run --release --example bench_sigma`. The corpus folder comes from
//! `RULELENS_CORPUS` as in the tests. Files are read into memory first, so the figure is the
//! parse and lowering time alone. The best of several rounds is printed to damp noise from
//! other processes.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Returns the time this thread has run on a CPU, from Linux `/proc/thread-self/schedstat`
/// (nanoseconds), or `None` elsewhere. On a shared machine the wall time also counts the
/// time other processes held the CPU, so the CPU time is the steadier figure.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

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
    let cpu_before = thread_cpu_time();
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
    let cpu_per_round = thread_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| millis(after.saturating_sub(before)) / ROUNDS as f64);
    println!(
        "parsed {} Sigma files ({:.1} MiB, {predicates} predicates): wall {:.1} ms (best of \
         {ROUNDS}), CPU {} ms per round",
        texts.len(),
        bytes as f64 / (1024.0 * 1024.0),
        millis(best),
        cpu_per_round.map_or("unknown".to_owned(), |ms| format!("{ms:.1}"))
    );
}
