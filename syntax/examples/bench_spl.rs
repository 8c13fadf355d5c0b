//! Times the SPL front end on every Splunk detection of the corpus: parse, macro expansion
//! and lowering, in one thread. Files are read into memory first, so the figure leaves out
//! disk reads. Run with `cargo run --release --example bench_spl`.
//!
//! It prints wall-clock time and, on Linux, the CPU time of the thread from
//! `/proc/thread-self/schedstat`, which stays meaningful on a machine shared with other work.

#[path = "../tests/spl_support/mod.rs"]
mod spl_support;

use rulelens_syntax::spl::{self, MacroTable};
use spl_support::{splunk_repositories, yaml_files};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;

/// Returns the CPU time this thread has used, where Linux reports it.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let mut inputs: Vec<(MacroTable, Vec<String>)> = Vec::new();
    for repository in splunk_repositories() {
        let detections = repository.join("detections");
        let (macros, _) = MacroTable::load_dir(&repository.join("macros"));
        let texts = yaml_files(&detections)
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect();
        inputs.push((macros, texts));
    }
    let file_count: usize = inputs.iter().map(|(_, texts)| texts.len()).sum();
    let byte_count: usize = inputs
        .iter()
        .flat_map(|(_, texts)| texts.iter().map(String::len))
        .sum();

    let mut times: Vec<Duration> = Vec::new();
    let mut cpu_times: Vec<Duration> = Vec::new();
    let mut predicate_count = 0;
    for _ in 0..ROUNDS {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        predicate_count = 0;
        for (macros, texts) in &inputs {
            for text in texts {
                let parsed = spl::parse_yaml_with_macros(text, macros);
                for document in &parsed.documents {
                    predicate_count += document.rule.predicates().len();
                }
            }
        }
        times.push(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_time()) {
            cpu_times.push(after.saturating_sub(before));
        }
    }
    times.sort();
    cpu_times.sort();
    println!(
        "{file_count} detections ({:.1} MiB), {predicate_count} predicates, {ROUNDS} rounds",
        byte_count as f64 / (1024.0 * 1024.0)
    );
    println!(
        "wall clock: min {:.1} ms, median {:.1} ms",
        milliseconds(times[0]),
        milliseconds(times[times.len() / 2])
    );
    if let (Some(min), Some(median)) = (cpu_times.first(), cpu_times.get(cpu_times.len() / 2)) {
        println!(
            "thread CPU: min {:.1} ms, median {:.1} ms",
            milliseconds(*min),
            milliseconds(*median)
        );
    }
}
