//! The SPL front end on every Splunk detection of the corpus: syntax errors and lowering.
//!
//! Each detection is parsed with the macros of its repository expanded. The test names every
//! file with an SPL syntax error and every file that lowers to no predicate, and compares them
//! with the lists below, where each known failure carries the reason it was judged to be one.

mod spl_support;

use rulelens_syntax::spl::{self, MacroTable};
use rulelens_syntax::{ParsedFile, Severity};
use spl_support::{splunk_repositories, yaml_files};
use std::collections::BTreeMap;

/// Files with SPL syntax errors, each judged: the search really is malformed.
const KNOWN_SYNTAX_ERRORS: &[(&str, &str)] = &[];

/// Files whose search lowers to no predicate, each judged: the search has no event filter
/// that the IR can express.
const KNOWN_WITHOUT_PREDICATES: &[(&str, &str)] = &[
    (
        "detections/deprecated/prohibited_software_on_endpoint.yml",
        "all tstats rows; the `prohibited_softwares` macro is `search *`, a placeholder",
    ),
    (
        "detections/endpoint/unusually_long_command_line.yml",
        "all tstats rows; the only filter compares a computed length with a computed bound",
    ),
    (
        "detections/endpoint/windows_applocker_rare_application_launch_detection.yml",
        "all AppLocker events; the filter compares counts with computed bounds",
    ),
    (
        "detections/endpoint/windows_bootloader_inventory.yml",
        "an inventory search: every event of the sourcetype, grouped by host",
    ),
    (
        "detections/endpoint/windows_driver_inventory.yml",
        "an inventory search: every event of the sourcetype, grouped by host",
    ),
    (
        "detections/endpoint/windows_iis_components_get_webglobalmodule_module_query.yml",
        "an inventory search: every event of the sourcetype, grouped by host",
    ),
    (
        "detections/network/zeek_x509_certificate_with_punycode.yml",
        "rex extracts a punycode domain but nothing filters on it",
    ),
    (
        "detections/web/log4shell_jndi_payload_injection_with_outbound_connection.yml",
        "rex extracts the host and an inner join on it with all traffic rows; no value test",
    ),
];

struct CorpusRun {
    total: usize,
    /// Relative path to the SPL syntax diagnostics, as `lint at start..end: message`.
    syntax_errors: BTreeMap<String, Vec<String>>,
    without_predicates: Vec<String>,
}

fn run_corpus() -> CorpusRun {
    let mut run = CorpusRun {
        total: 0,
        syntax_errors: BTreeMap::new(),
        without_predicates: Vec::new(),
    };
    for repository in splunk_repositories() {
        let (macros, skipped) = MacroTable::load_dir(&repository.join("macros"));
        assert!(skipped.is_empty(), "macro files skipped: {skipped:?}");
        assert!(macros.len() > 100, "only {} macros loaded", macros.len());
        for path in yaml_files(&repository.join("detections")) {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let relative = path
                .strip_prefix(&repository)
                .unwrap_or(&path)
                .display()
                .to_string();
            run.total += 1;
            let parsed = spl::parse_yaml_with_macros(&text, &macros);
            record(&mut run, relative, &parsed);
        }
    }
    run
}

fn record(run: &mut CorpusRun, relative: String, parsed: &ParsedFile) {
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.lint.starts_with("syntax/spl-") && d.severity >= Severity::Warning)
        .map(|d| format!("{} at {:?}: {}", d.lint, d.range, d.message))
        .collect();
    if !errors.is_empty() {
        run.syntax_errors.insert(relative.clone(), errors);
    }
    let has_predicate = parsed
        .documents
        .iter()
        .any(|document| !document.rule.predicates().is_empty());
    if !has_predicate {
        run.without_predicates.push(relative);
    }
}

#[test]
fn splunk_detections_parse_and_lower() {
    let run = run_corpus();
    assert!(run.total >= 1700, "only {} detections found", run.total);

    let known_errors: Vec<&str> = KNOWN_SYNTAX_ERRORS.iter().map(|(path, _)| *path).collect();
    let unexpected_errors: Vec<String> = run
        .syntax_errors
        .iter()
        .filter(|(path, _)| !known_errors.contains(&path.as_str()))
        .map(|(path, errors)| format!("{path}: {}", errors.join("; ")))
        .collect();
    assert!(
        unexpected_errors.is_empty(),
        "{} detections with unexpected SPL syntax errors:\n{}",
        unexpected_errors.len(),
        unexpected_errors.join("\n")
    );
    let fixed: Vec<&&str> = known_errors
        .iter()
        .filter(|path| !run.syntax_errors.contains_key(**path))
        .collect();
    assert!(
        fixed.is_empty(),
        "judged syntax errors no longer reported: {fixed:?}"
    );
    let clean = run.total - run.syntax_errors.len();
    assert!(
        clean * 100 >= run.total * 99,
        "{clean} of {} detections without SPL syntax errors, under 99%",
        run.total
    );

    let known_empty: Vec<&str> = KNOWN_WITHOUT_PREDICATES
        .iter()
        .map(|(path, _)| *path)
        .collect();
    let unexpected_empty: Vec<&String> = run
        .without_predicates
        .iter()
        .filter(|path| !known_empty.contains(&path.as_str()))
        .collect();
    assert!(
        unexpected_empty.is_empty(),
        "{} detections lower to no predicate:\n{}",
        unexpected_empty.len(),
        unexpected_empty
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let lowered = run.total - run.without_predicates.len();
    assert!(
        lowered * 100 >= run.total * 95,
        "{lowered} of {} detections lower to a predicate, under 95%",
        run.total
    );
}

#[test]
fn macros_dir_found_for_detection() {
    let repository = spl_support::security_content();
    let detection = repository.join("detections/endpoint/detect_regasm_spawning_a_process.yml");
    let found = spl::find_macros_dir(&detection);
    assert_eq!(found, Some(repository.join("macros")));
    assert_eq!(spl::find_macros_dir(std::path::Path::new("/")), None);
}

#[test]
fn macro_cache_loads_folder_once() {
    let repository = spl_support::security_content();
    let first = repository.join("detections/endpoint/detect_regasm_spawning_a_process.yml");
    let second = repository.join("detections/network/detect_outbound_smb_traffic.yml");
    let mut cache = spl::MacroCache::new();
    let (table, skipped) = cache.table_for(&first);
    assert!(table.get("process_regasm", 0).is_some());
    assert!(skipped.is_empty());
    let (table, _) = cache.table_for(&second);
    assert!(table.get("security_content_ctime", 1).is_some());
    let (table, _) = cache.table_for(std::path::Path::new("/no/such/rule.yml"));
    assert!(table.is_empty());
}

#[test]
fn crlf_and_bom_detection_reads_the_same() {
    let repository = spl_support::security_content();
    let path =
        repository.join("detections/endpoint/windows_cached_domain_credentials_reg_query.yml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));

    let macros = spl_support::corpus_macros();
    let variant = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let plain = spl::parse_yaml_with_macros(&text, &macros);
    let converted = spl::parse_yaml_with_macros(&variant, &macros);
    assert!(
        converted.diagnostics.is_empty(),
        "{:?}",
        converted.diagnostics
    );

    let values = |parsed: &ParsedFile, source: &str| -> Vec<String> {
        parsed.documents[0]
            .rule
            .predicates()
            .iter()
            .filter_map(|(predicate, _)| predicate.value.as_ref())
            .map(|value| source[value.range.as_range()].to_owned())
            .collect()
    };
    let expected = values(&plain, &text);
    assert_eq!(expected.len(), 5);
    assert_eq!(values(&converted, &variant), expected);

    let title = converted.documents[0].rule.metadata.title.as_ref();
    assert_eq!(
        title.map(|t| t.value.as_str()),
        Some("Windows Cached Domain Credentials Reg Query")
    );
}
