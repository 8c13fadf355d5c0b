//! Measures the corpus index: full build from the corpus, load time of the embedded index,
//! one reach lookup, file size and memory once loaded.
//!
//! Run with `cargo run --release -p rulelens-corpus --example bench_index`. The corpus is the
//! one `RULELENS_CORPUS` names (default `../shared/corpus`). A synthetic index of 12,000 rules
//! with 20 predicates each is measured too, so the figures mean something while few front ends
//! produce rules.

use rulelens_corpus::write::IndexBuilder;
use rulelens_corpus::{build_index, Index, Taxonomy, DEFAULT_INDEX_BYTES};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{
    DataSource, DataSourceKind, Expr, Field, Format, Language, Op, Predicate, PredicateContext,
    Rule, Spanned, TextRange, Value, ValueKind,
};
use std::borrow::Cow;
use std::time::Instant;

const LOAD_ROUNDS: usize = 200;
const SYNTHETIC_RULES: usize = 12_000;
const PREDICATES_PER_RULE: usize = 20;

fn main() {
    let taxonomy = Taxonomy::builtin();
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));

    let started = Instant::now();
    let built = build_index(std::slice::from_ref(&corpus), taxonomy);
    let build_time = started.elapsed();
    let (corpus_bytes, report) = match built {
        Ok(built) => built,
        Err(error) => {
            eprintln!("error: building from {} failed: {error}", corpus.display());
            std::process::exit(1);
        }
    };
    println!(
        "corpus build: {:.3} s for {} rules from {} files ({} threads)",
        build_time.as_secs_f64(),
        report.rules,
        report.files_seen,
        rayon::current_num_threads()
    );
    println!("corpus index size: {} bytes", corpus_bytes.len());
    measure("embedded default index", Cow::Borrowed(DEFAULT_INDEX_BYTES));

    let started = Instant::now();
    let synthetic = synthetic_index(taxonomy);
    println!(
        "synthetic build ({SYNTHETIC_RULES} rules, no parsing): {:.3} s, {} bytes",
        started.elapsed().as_secs_f64(),
        synthetic.len()
    );
    // Leaked so the synthetic index is borrowed like the embedded one and loading copies
    // nothing; the example exits right after.
    let synthetic: &'static [u8] = Box::leak(synthetic.into_boxed_slice());
    measure("synthetic index", Cow::Borrowed(synthetic));
}

/// Prints load time, reach lookup time and memory for one index.
fn measure(name: &str, bytes: Cow<'static, [u8]>) {
    let mut load_times = Vec::with_capacity(LOAD_ROUNDS);
    let mut loaded = None;
    for _ in 0..LOAD_ROUNDS {
        let started = Instant::now();
        let index = Index::from_bytes(bytes.clone(), None);
        load_times.push(started.elapsed());
        loaded = Some(index);
    }
    let index = match loaded {
        Some(Ok(index)) => index,
        Some(Err(error)) => {
            eprintln!("error: {name} does not load: {error}");
            return;
        }
        None => return,
    };
    load_times.sort();
    let median_load = load_times.get(LOAD_ROUNDS / 2).copied().unwrap_or_default();
    println!(
        "{name}: {} bytes, {} rules, {} indicators; load median {:.3} ms",
        index.byte_len(),
        index.rule_count(),
        index.indicator_count(),
        median_load.as_secs_f64() * 1000.0
    );

    let keys: Vec<(String, Op, String)> = (0..index.indicator_count() as u32)
        .step_by((index.indicator_count() / 5000).max(1))
        .filter_map(|number| index.indicator_key(rulelens_corpus::IndicatorId(number)))
        .map(|(concept, op, value)| (concept.to_owned(), op, value.to_owned()))
        .collect();
    if keys.is_empty() {
        println!("{name}: reach lookup not measured, the index holds no indicator");
        return;
    }
    // Other processes on a shared machine inflate single timings, so the lookups run in
    // rounds and both the fastest and the median round are printed.
    let rounds = 30;
    let mut total_reach = 0u64;
    let mut round_means = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for (concept, op, value) in &keys {
            total_reach += u64::from(index.reach(concept, *op, value));
        }
        round_means.push(started.elapsed().as_nanos() as f64 / keys.len() as f64);
    }
    round_means.sort_by(f64::total_cmp);
    let fastest = round_means.first().copied().unwrap_or_default();
    let median = round_means.get(rounds / 2).copied().unwrap_or_default();
    println!(
        "{name}: reach lookup {fastest:.0} ns fastest round, {median:.0} ns median round \
         ({rounds} rounds of {} lookups of indexed indicators, checksum {total_reach})",
        keys.len()
    );
    println!(
        "{name}: memory once loaded: the file bytes ({} bytes, borrowed from the binary for the \
         embedded index) plus a {} byte struct",
        index.byte_len(),
        std::mem::size_of::<Index>()
    );
}

/// Builds an index of synthetic Sigma-like rules: 300 field names and 5,000 values drawn by a fixed
/// linear congruential sequence, so every run builds the same index.
fn synthetic_index(taxonomy: &Taxonomy) -> Vec<u8> {
    let mut builder = IndexBuilder::new(taxonomy);
    builder.add_input("synthetic");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    for number in 0..SYNTHETIC_RULES {
        let mut rule = Rule::new(
            Format::Sigma,
            Language::SigmaDetection,
            TextRange::default(),
        );
        rule.data_sources.push(DataSource {
            kind: DataSourceKind::SigmaCategory,
            value: format!("category{}", next(40)),
            range: TextRange::default(),
        });
        rule.metadata.title = Some(Spanned::new(format!("rule {number}"), TextRange::default()));
        rule.metadata.techniques = vec![Spanned::new(
            format!("T{}", 1000 + next(600)),
            TextRange::default(),
        )];
        let predicates: Vec<Expr> = (0..PREDICATES_PER_RULE)
            .map(|_| {
                let field = format!("Field{}", next(300));
                let value = format!("value-{}", next(5000));
                synthetic_predicate(&field, &value)
            })
            .collect();
        rule.logic = Some(Expr::And(predicates));
        builder.add_rule(&format!("synthetic/{number}.yml"), 0, &rule, 0);
    }
    builder.finish()
}

fn synthetic_predicate(field: &str, value: &str) -> Expr {
    Expr::Predicate(Predicate {
        field: Some(Field {
            name: field.to_owned(),
            range: TextRange::default(),
            data_model: None,
        }),
        op: Op::Contains,
        value: Some(Value {
            written: value.to_owned(),
            normalized: value.to_owned(),
            kind: ValueKind::String,
            range: TextRange::default(),
        }),
        written_op: "contains".to_owned(),
        case_sensitive: false,
        transforms: Vec::new(),
        context: PredicateContext::Source,
        range: TextRange::default(),
    })
}
