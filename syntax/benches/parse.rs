//! Parsing and lowering benchmarks over the rule corpus, one thread, CPU time.
//!
//! Run with `cargo bench -p rulelens-syntax --bench parse`. The corpus comes from
//! `RULELENS_CORPUS` (default `../shared/corpus`) and a missing corpus stops the run with the
//! path it tried. Files are read into memory before timing, so the figures leave out disk
//! reads.
//!
//! Group `parse` times each front end on every file of its language, lowering included,
//! because that is the work `rulelens check` does per file. `parse/kql` times the KQL front end
//! on the queries alone, taken out of their YAML beforehand; `parse/sentinel_yaml` times whole
//! Sentinel files, YAML and KQL. Group `lower` times lowering alone
//! on trees parsed beforehand, for the three front ends that keep parsing and lowering apart.

#[path = "../../bench/cpu_time.rs"]
mod cpu_time;
#[path = "../tests/spl_support/mod.rs"]
mod spl_support;

use cpu_time::ProcessCpuTime;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::embed::{yaml_scalar, EmbeddedText};
use rulelens_syntax::spl::MacroTable;
use rulelens_syntax::{
    detect_format, elastic, kql, panther, parse, sigma, spl, Format, ParsedFile, Tree,
};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One corpus file read into memory.
struct Source {
    path: PathBuf,
    text: String,
}

fn parse_benches(c: &mut Criterion<ProcessCpuTime>) {
    let corpus = corpus_dir(env!("CARGO_MANIFEST_DIR"));
    let sigma_files = read_files(&corpus.join("sigma"), &["yml", "yaml"]);
    let kusto_files = read_files(&corpus.join("kusto"), &["yml", "yaml", "txt", "kql", "csl"]);
    let sentinel_files: Vec<&Source> = kusto_files
        .iter()
        .filter(|file| detect_format(&file.path, &file.text) == Some(Format::SentinelYaml))
        .collect();
    let elastic_files = read_files(&corpus.join("elastic"), &["toml"]);
    let panther_files = read_files(&corpus.join("panther"), &["yml", "yaml"]);
    let splunk = splunk_inputs();
    let queries = kql_queries(&kusto_files);

    let mut group = c.benchmark_group("parse");
    configure(&mut group);

    group.throughput(bytes_of(sigma_files.iter()));
    group.bench_function("sigma", |b| {
        b.iter(|| count_all(sigma_files.iter(), |text| parse(Format::Sigma, text)))
    });

    let query_bytes: usize = queries.iter().map(|query| query.text.len()).sum();
    group.throughput(Throughput::Bytes(query_bytes as u64));
    group.bench_function("kql", |b| {
        b.iter(|| {
            let mut predicates = 0;
            for query in &queries {
                let file_text = &kusto_files[query.file].text;
                let parsed = match &query.embedded {
                    Some(embedded) => kql::parse_and_lower(&query.text, embedded, file_text),
                    None => kql::parse_and_lower(&query.text, &kql::Shifted(0), file_text),
                };
                if let Some(logic) = &parsed.lowered.logic {
                    logic.for_each_predicate(&mut |_, _| predicates += 1);
                }
            }
            black_box(predicates)
        })
    });

    group.throughput(bytes_of(sentinel_files.iter().copied()));
    group.bench_function("sentinel_yaml", |b| {
        b.iter(|| {
            let files = sentinel_files.iter().copied();
            count_all(files, |text| parse(Format::SentinelYaml, text))
        })
    });

    let splunk_bytes: usize = splunk
        .iter()
        .flat_map(|(_, texts)| texts.iter().map(String::len))
        .sum();
    group.throughput(Throughput::Bytes(splunk_bytes as u64));
    group.bench_function("spl", |b| {
        b.iter(|| {
            let mut predicates = 0;
            for (macros, texts) in &splunk {
                for text in texts {
                    predicates += count_predicates(&spl::parse_yaml_with_macros(text, macros));
                }
            }
            black_box(predicates)
        })
    });

    group.throughput(bytes_of(elastic_files.iter()));
    group.bench_function("elastic", |b| {
        b.iter(|| count_all(elastic_files.iter(), elastic::parse))
    });

    group.throughput(bytes_of(panther_files.iter()));
    group.bench_function("panther", |b| {
        b.iter(|| count_all(panther_files.iter(), panther::parse))
    });
    group.finish();

    lower_benches(c, &sigma_files, &sentinel_files, &splunk);
}

fn lower_benches(
    c: &mut Criterion<ProcessCpuTime>,
    sigma_files: &[Source],
    sentinel_files: &[&Source],
    splunk: &[(MacroTable, Vec<String>)],
) {
    let sigma_trees: Vec<sigma::SigmaDocument> = sigma_files
        .iter()
        .flat_map(|file| parse(Format::Sigma, &file.text).documents)
        .filter_map(|document| match document.tree {
            Tree::Sigma(tree) => Some(*tree),
            _ => None,
        })
        .collect();
    let kql_trees: Vec<(kql::ast::Query, &str)> = sentinel_files
        .iter()
        .flat_map(|file| {
            parse(Format::SentinelYaml, &file.text)
                .documents
                .into_iter()
                .filter_map(move |document| match document.tree {
                    Tree::Kql(tree) => Some((tree.query, file.text.as_str())),
                    _ => None,
                })
        })
        .collect();
    let spl_trees: Vec<spl::SplDocument> = splunk
        .iter()
        .flat_map(|(macros, texts)| texts.iter().map(move |text| (macros, text)))
        .flat_map(|(macros, text)| spl::parse_yaml_with_macros(text, macros).documents)
        .filter_map(|document| match document.tree {
            Tree::Spl(tree) => Some(*tree),
            _ => None,
        })
        .collect();
    assert!(
        !sigma_trees.is_empty(),
        "no Sigma rule parsed from the corpus"
    );
    assert!(!kql_trees.is_empty(), "no KQL query parsed from the corpus");
    assert!(
        !spl_trees.is_empty(),
        "no SPL search parsed from the corpus"
    );

    let mut group = c.benchmark_group("lower");
    configure(&mut group);
    group.throughput(Throughput::Elements(sigma_trees.len() as u64));
    group.bench_function("sigma", |b| {
        b.iter(|| {
            let rules = sigma_trees.iter().map(sigma::lower::lower);
            black_box(rules.map(|rule| rule.predicates().len()).sum::<usize>())
        })
    });
    group.throughput(Throughput::Elements(kql_trees.len() as u64));
    group.bench_function("kql", |b| {
        b.iter(|| {
            let lowered = kql_trees
                .iter()
                .map(|(query, file_text)| kql::lower::lower(query, file_text));
            black_box(lowered.filter(|lowered| lowered.logic.is_some()).count())
        })
    });
    group.throughput(Throughput::Elements(spl_trees.len() as u64));
    group.bench_function("spl", |b| {
        b.iter(|| {
            let lowered = spl_trees.iter().map(spl::lower::lower);
            black_box(lowered.filter(|lowered| lowered.logic.is_some()).count())
        })
    });
    group.finish();
}

/// Ten samples of one pass each: a pass over a corpus folder takes tens of milliseconds, so
/// criterion's default hundred growing samples would run for minutes.
fn configure(group: &mut criterion::BenchmarkGroup<'_, ProcessCpuTime>) {
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
}

/// One KQL query taken out of its file, with the index of that file.
struct Query {
    text: String,
    /// The query's position in its Sentinel YAML file, or `None` for a plain query file.
    embedded: Option<EmbeddedText>,
    file: usize,
}

/// Takes every query out of the Sentinel YAML files (the value of the top-level `query:` key)
/// and the plain query files, so the `parse/kql` bench times the KQL front end alone.
fn kql_queries(files: &[Source]) -> Vec<Query> {
    let mut queries = Vec::new();
    for (file, source) in files.iter().enumerate() {
        let is_yaml = source
            .path
            .extension()
            .is_some_and(|e| e == "yml" || e == "yaml");
        if !is_yaml {
            // A `.txt` file may contain prose rather than a query, and `rulelens check` skips those.
            if detect_format(&source.path, &source.text) != Some(Format::Kql) {
                continue;
            }
            let text = source.text.clone();
            queries.push(Query {
                text,
                embedded: None,
                file,
            });
            continue;
        }
        let embedded = query_offset(&source.text).and_then(|at| yaml_scalar(&source.text, at));
        if let Some(embedded) = embedded {
            queries.push(Query {
                text: embedded.text.clone(),
                embedded: Some(embedded),
                file,
            });
        }
    }
    assert!(!queries.is_empty(), "no KQL query found in the corpus");
    queries
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

/// Reads the macro table and detection texts of each Splunk repository of the corpus.
fn splunk_inputs() -> Vec<(MacroTable, Vec<String>)> {
    let mut inputs = Vec::new();
    for repository in spl_support::splunk_repositories() {
        let (macros, _) = MacroTable::load_dir(&repository.join("macros"));
        let texts: Vec<String> = spl_support::yaml_files(&repository.join("detections"))
            .iter()
            .map(|path| read_text(path))
            .collect();
        inputs.push((macros, texts));
    }
    inputs
}

fn count_all<'a>(
    files: impl Iterator<Item = &'a Source>,
    parse_file: impl Fn(&str) -> ParsedFile,
) -> usize {
    let predicates = files.map(|file| count_predicates(&parse_file(&file.text)));
    black_box(predicates.sum())
}

fn count_predicates(parsed: &ParsedFile) -> usize {
    let rules = parsed.documents.iter();
    rules.map(|document| document.rule.predicates().len()).sum()
}

fn bytes_of<'a>(files: impl Iterator<Item = &'a Source>) -> Throughput {
    Throughput::Bytes(files.map(|file| file.text.len() as u64).sum())
}

/// Reads every file under `folder` whose extension is one of `extensions`, in path order.
///
/// # Panics
/// Panics when the folder contains no such file, so a benchmark never times an empty input.
fn read_files(folder: &Path, extensions: &[&str]) -> Vec<Source> {
    let mut paths = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let entries = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", directory.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no {extensions:?} file under {}",
        folder.display()
    );
    paths
        .into_iter()
        .map(|path| {
            let text = read_text(&path);
            Source { path, text }
        })
        .collect()
}

/// Reads a corpus file as text. The corpus has a few files in other encodings, which are
/// decoded lossily: the benches time parsing, not decoding.
fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpuTime);
    targets = parse_benches
}
criterion_main!(benches);
