//! Corpus index benchmarks, CPU time: a full build from the corpus, loading the embedded
//! index, and one reach lookup.
//!
//! Run with `cargo bench -p rulelens-corpus --bench index`. The build reads the corpus that
//! `RULELENS_CORPUS` names (default `../shared/corpus`) and a missing corpus stops the run with
//! the path it tried. The build runs on rayon's threads, and its CPU time adds up every
//! thread; divide by the thread count printed beside it for a rough wall time.

#[path = "../../bench/cpu_time.rs"]
mod cpu_time;

use cpu_time::ProcessCpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rulelens_corpus::{build_index, Index, IndicatorId, Taxonomy, DEFAULT_INDEX_BYTES};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::Op;
use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

/// How many indexed indicators the reach bench looks up per iteration, spread evenly over the
/// index so that lookups do not all hit the same cache lines.
const LOOKUP_KEYS: usize = 5_000;

fn build_benches(c: &mut Criterion<ProcessCpuTime>) {
    let taxonomy = Taxonomy::builtin();
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let roots = std::slice::from_ref(&corpus);
    let (bytes, report) = build_index(roots, taxonomy)
        .unwrap_or_else(|error| panic!("building from {} failed: {error}", corpus.display()));
    eprintln!(
        "index built from {}: {} rules from {} files, {} bytes, {} rayon threads",
        corpus.display(),
        report.rules,
        report.files_seen,
        bytes.len(),
        rayon::current_num_threads()
    );

    let mut group = c.benchmark_group("index");
    // A build takes about a second of CPU, so ten single-pass samples keep the run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(report.files_seen as u64));
    group.bench_function("build_from_corpus", |b| {
        b.iter(|| {
            let built = build_index(roots, taxonomy);
            black_box(built.map(|(bytes, _)| bytes.len()).unwrap_or_default())
        })
    });
    group.finish();
}

fn load_and_lookup_benches(c: &mut Criterion<ProcessCpuTime>) {
    let mut group = c.benchmark_group("index");
    group.bench_function("load_embedded", |b| {
        b.iter(|| {
            let index = Index::from_bytes(Cow::Borrowed(DEFAULT_INDEX_BYTES), None);
            black_box(index.map(|index| index.rule_count()).unwrap_or_default())
        })
    });

    let index = Index::from_bytes(Cow::Borrowed(DEFAULT_INDEX_BYTES), None)
        .unwrap_or_else(|error| panic!("the embedded index does not load: {error}"));
    eprintln!(
        "embedded index: {} bytes, {} rules, {} indicators; memory once loaded is the file \
         bytes, borrowed from the binary, plus a {}-byte struct",
        index.byte_len(),
        index.rule_count(),
        index.indicator_count(),
        std::mem::size_of::<Index>()
    );
    let keys = lookup_keys(&index);
    assert!(!keys.is_empty(), "the embedded index holds no indicator");
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("reach_lookup", |b| {
        b.iter(|| {
            let reach = keys
                .iter()
                .map(|(concept, op, value)| u64::from(index.reach(concept, *op, value)));
            black_box(reach.sum::<u64>())
        })
    });
    group.finish();
}

/// Returns up to [`LOOKUP_KEYS`] indicator keys of `index`, spread evenly over its ids.
fn lookup_keys(index: &Index) -> Vec<(String, Op, String)> {
    let count = index.indicator_count();
    let step = (count / LOOKUP_KEYS).max(1);
    (0..count as u32)
        .step_by(step)
        .filter_map(|number| index.indicator_key(IndicatorId(number)))
        .map(|(concept, op, value)| (concept.to_owned(), op, value.to_owned()))
        .collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpuTime);
    targets = build_benches, load_and_lookup_benches
}
criterion_main!(benches);
