//! Times parsing plus every file and workspace lint over the Sigma corpus on one thread:
//! `cargo run --release -p rulelens-analysis --example bench_sigma_lints`. Files are read into
//! memory first. The best of several rounds is printed to damp noise from other processes.

use rulelens_analysis::config::Config;
use rulelens_analysis::{analyze_file, analyze_workspace, FileInput};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Format, ParsedFile};
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
    // Structural lints only: the corpus lints have their own figures in BENCHMARKS.md.
    let config = Config {
        ignore: vec!["corpus".to_owned(), "field".to_owned()],
        ..Config::default()
    };
    let folder = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let mut paths = Vec::new();
    yaml_files(&folder, &mut paths);
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();

    let mut best_parse = Duration::MAX;
    let mut best_total = Duration::MAX;
    let mut cpu_parse = Duration::ZERO;
    let mut cpu_total = Duration::ZERO;
    let mut findings = 0;
    for _ in 0..ROUNDS {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        let parsed: Vec<ParsedFile> = texts.iter().map(|t| parse(Format::Sigma, t)).collect();
        let parse_time = start.elapsed();
        let cpu_parsed = thread_cpu_time();
        let inputs: Vec<FileInput<'_>> = names
            .iter()
            .zip(texts.iter().zip(parsed.iter()))
            .map(|(path, (text, parsed))| FileInput { path, text, parsed })
            .collect();
        findings = inputs
            .iter()
            .map(|i| analyze_file(i, &config).len())
            .sum::<usize>();
        findings += analyze_workspace(&inputs, &config).len();
        best_parse = best_parse.min(parse_time);
        best_total = best_total.min(start.elapsed());
        if let (Some(begin), Some(middle), Some(end)) = (cpu_start, cpu_parsed, thread_cpu_time()) {
            cpu_parse += middle.saturating_sub(begin);
            cpu_total += end.saturating_sub(begin);
        }
    }
    let rounds = ROUNDS as f64;
    println!(
        "{} Sigma files, {findings} findings. Wall (best of {ROUNDS}): parse {:.1} ms, parse + \
         structural lints {:.1} ms. CPU per round: parse {:.1} ms, parse + structural lints \
         {:.1} ms",
        texts.len(),
        millis(best_parse),
        millis(best_total),
        millis(cpu_parse) / rounds,
        millis(cpu_total) / rounds
    );
}
