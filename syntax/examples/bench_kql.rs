//! Times the KQL front end on every query of the corpus, on one thread.
//!
//! Run with `cargo run --release --example bench_kql`. The corpus comes from `RULELENS_CORPUS`
//! or `../shared/corpus`. Query texts are read and taken out of their YAML before timing, so
//! the first figure is KQL parsing and lowering alone. The second figure is the whole file
//! path, YAML included, as `rulelens check` runs it.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::embed::{yaml_scalar, EmbeddedText};
use rulelens_syntax::kql::{parse_and_lower, Shifted};
use rulelens_syntax::{parse, source, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;

fn main() {
    let root = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("kusto");
    let files = collect_files(&root);
    let texts: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            let text = source::decode(&bytes).ok()?.to_owned();
            Some((path, text))
        })
        .collect();

    let mut queries: Vec<(String, Option<EmbeddedText>, usize)> = Vec::new();
    for (index, (path, text)) in texts.iter().enumerate() {
        if is_yaml(path) {
            if let Some(embedded) = query_offset(text).and_then(|at| yaml_scalar(text, at)) {
                queries.push((embedded.text.clone(), Some(embedded), index));
            }
        } else {
            queries.push((text.clone(), None, index));
        }
    }
    let query_bytes: usize = queries.iter().map(|(query, _, _)| query.len()).sum();

    let queries_only = best_of(|| {
        let mut predicates = 0;
        for (query, embedded, index) in &queries {
            let file_text = &texts[*index].1;
            let parsed = match embedded {
                Some(embedded) => parse_and_lower(query, embedded, file_text),
                None => parse_and_lower(query, &Shifted(0), file_text),
            };
            predicates += count_predicates(parsed.lowered.logic.as_ref());
        }
        predicates
    });
    let whole_files = best_of(|| {
        let mut predicates = 0;
        for (path, text) in &texts {
            let format = if is_yaml(path) {
                Format::SentinelYaml
            } else {
                Format::Kql
            };
            for document in parse(format, text).documents {
                predicates += document.rule.predicates().len();
            }
        }
        predicates
    });

    println!(
        "{} queries, {:.1} MiB of KQL, best of {ROUNDS} rounds on one thread:",
        queries.len(),
        query_bytes as f64 / (1024.0 * 1024.0)
    );
    println!(
        "  parse and lower queries:    {} ({} predicates)",
        describe(queries_only.0),
        queries_only.1
    );
    println!(
        "  whole files, YAML included: {} ({} predicates)",
        describe(whole_files.0),
        whole_files.1
    );
}

/// A round's time: wall clock, and the CPU time of this thread where Linux reports it.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Runs `work` [`ROUNDS`] times and returns the shortest wall and CPU times with the last
/// result. CPU time is the figure to compare on a busy machine, because it leaves out the
/// time other processes held the core.
fn best_of(mut work: impl FnMut() -> usize) -> (Timing, usize) {
    let mut best = Timing {
        wall: Duration::MAX,
        cpu: None,
    };
    let mut result = 0;
    for _ in 0..ROUNDS {
        let cpu_start = thread_cpu_time();
        let start = Instant::now();
        result = std::hint::black_box(work());
        best.wall = best.wall.min(start.elapsed());
        if let (Some(before), Some(after)) = (cpu_start, thread_cpu_time()) {
            let spent = after.saturating_sub(before);
            best.cpu = Some(best.cpu.map_or(spent, |cpu| cpu.min(spent)));
        }
    }
    (best, result)
}

/// Reads the CPU time this thread has run from the first field of
/// `/proc/thread-self/schedstat`, in nanoseconds. Returns `None` off Linux.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}

fn describe(timing: Timing) -> String {
    match timing.cpu {
        Some(cpu) => format!(
            "{:>6.1} ms CPU, {:>6.1} ms wall",
            millis(cpu),
            millis(timing.wall)
        ),
        None => format!("{:>6.1} ms wall", millis(timing.wall)),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn count_predicates(logic: Option<&rulelens_syntax::Expr>) -> usize {
    let mut count = 0;
    if let Some(logic) = logic {
        logic.for_each_predicate(&mut |_, _| count += 1);
    }
    count
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Returns the offset of the value after a top-level `query:` key.
fn query_offset(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("query:") {
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            return Some(line_start + "query:".len() + spaces);
        }
        line_start += line.len();
    }
    None
}

fn collect_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "txt" | "kql" | "kusto" | "csl")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
