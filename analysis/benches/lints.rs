//! Per-lint benchmarks over the whole rule corpus, one thread, CPU time.
//!
//! Run with `cargo bench -p rulelens-analysis --bench lints`, or one lint with a filter such
//! as `cargo bench -p rulelens-analysis --bench lints -- missing-common-exclusion`. The corpus
//! comes from `RULELENS_CORPUS` (default `../shared/corpus`) and a missing corpus stops the run
//! with the path it tried.
//!
//! Every corpus file is read and parsed once before timing. Each bench then runs
//! `analyze_file` on every file and `analyze_workspace` once, with only that lint selected, as
//! `rulelens check --select LINT` does on one thread. The `lint/baseline` bench selects no lint.
//! It times what every run pays anyway, such as copying the parser's findings and reading
//! suppression comments, so subtract it to get a lint's own cost. Lints that parsers report are timed by the
//! `parse` benches of `rulelens-syntax`.

#[path = "../../bench/cpu_time.rs"]
mod cpu_time;

use cpu_time::ProcessCpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rulelens_analysis::config::Config;
use rulelens_analysis::lints::Check;
use rulelens_analysis::{analyze_file, analyze_workspace, FileInput, LINTS};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse_path, ParsedFile};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One parsed corpus file.
struct Parsed {
    path: String,
    text: String,
    parsed: ParsedFile,
}

fn lint_benches(c: &mut Criterion<ProcessCpuTime>) {
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let files = parse_corpus(&corpus);
    let inputs: Vec<FileInput<'_>> = files
        .iter()
        .map(|file| FileInput {
            path: &file.path,
            text: &file.text,
            parsed: &file.parsed,
        })
        .collect();
    eprintln!(
        "{} rule files parsed from {}",
        inputs.len(),
        corpus.display()
    );

    let mut group = c.benchmark_group("lint");
    // The slowest lints take seconds per pass over the corpus, so each sample is one pass.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(inputs.len() as u64));

    // No lint id starts with this namespace, so nothing is selected.
    let baseline = selecting("baseline/none");
    group.bench_function("baseline", |b| {
        b.iter(|| black_box(run_lints(&inputs, &baseline)))
    });

    for lint in LINTS {
        if matches!(lint.check, Check::Parser) {
            continue;
        }
        let config = selecting(lint.info.id);
        let findings = run_lints(&inputs, &config);
        eprintln!("{}: {findings} findings on the corpus", lint.info.id);
        group.bench_function(lint.info.id, |b| {
            b.iter(|| black_box(run_lints(&inputs, &config)))
        });
    }
    group.finish();
}

/// Builds a default configuration with only `lint` selected.
fn selecting(lint: &str) -> Config {
    Config {
        select: vec![lint.to_owned()],
        ..Config::default()
    }
}

/// Runs the selected lints over every input and returns the number of findings, parser
/// findings included.
fn run_lints(inputs: &[FileInput<'_>], config: &Config) -> usize {
    let per_file: usize = inputs
        .iter()
        .map(|input| analyze_file(input, config).len())
        .sum();
    per_file + analyze_workspace(inputs, config).len()
}

/// Reads and parses every rule file under `corpus`, in path order, the way `rulelens check`
/// detects formats.
///
/// # Panics
/// Panics when no file parses, so a benchmark never times an empty input.
fn parse_corpus(corpus: &Path) -> Vec<Parsed> {
    let mut paths = Vec::new();
    let mut pending: Vec<PathBuf> = vec![corpus.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", folder.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();

    let mut files = Vec::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(parsed) = parse_path(&path, &text) {
            let path = path.display().to_string();
            files.push(Parsed { path, text, parsed });
        }
    }
    assert!(
        !files.is_empty(),
        "no rule file parsed under {}",
        corpus.display()
    );
    files
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpuTime);
    targets = lint_benches
}
criterion_main!(benches);
