//! Benchmarks of the whole `rulelens check` command on the rule corpus, CPU time.
//!
//! Run with `cargo bench -p rulelens --bench check`. Each iteration starts the release binary
//! as a child process, so the figure covers what a CI job pays: start-up, walking the folder,
//! reading, parsing, every lint on both threads, and printing. The CPU time adds up the
//! child's threads. Wall time, which the whole-corpus target is set in, comes from
//! `bench/compare.sh`. The corpus comes from `RULELENS_CORPUS` (default `../shared/corpus`)
//! and a missing corpus stops the run with the path it tried.

#[path = "../../bench/cpu_time.rs"]
mod cpu_time;

use cpu_time::ProcessCpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use rulelens_syntax::corpus_path::corpus_dir;
use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn check_benches(c: &mut Criterion<ProcessCpuTime>) {
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let mut group = c.benchmark_group("check");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    for (name, folder) in [("sigma", corpus.join("sigma")), ("corpus", corpus.clone())] {
        eprintln!("check/{name}: {} findings", run_check(&folder));
        group.bench_function(name, |b| b.iter(|| black_box(run_check(&folder))));
    }
    group.finish();
}

/// Runs `rulelens check --format json` on `folder` and returns the number of findings.
///
/// # Panics
/// Panics when the command fails (exit status 2 or a signal). Status 1 only means that a
/// finding is an error, which the public corpus has.
fn run_check(folder: &Path) -> usize {
    let output = Command::new(env!("CARGO_BIN_EXE_rulelens"))
        .args(["check", "--format", "json"])
        .arg(folder)
        .output()
        .unwrap_or_else(|error| panic!("cannot start rulelens: {error}"));
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "rulelens check {} failed with {}: {}",
        folder.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("rulelens check printed invalid JSON: {error}"));
    report["diagnostics"].as_array().map_or(0, Vec::len)
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpuTime);
    targets = check_benches
}
criterion_main!(benches);
