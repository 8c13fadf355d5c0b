//! The KQL front end on every query of the public corpus: Sentinel YAML and plain `.txt`/`.kql`
//! files under `kusto/`.
//!
//! The queries passed Microsoft's own validation or were published as working hunting
//! queries. So a syntax error on one of them is a parser bug, unless the file is listed in
//! [`JUDGED_SYNTAX_FAILURES`] with the reason the file is wrong.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse_path, source, Format, ParsedFile};
use std::path::{Path, PathBuf};

/// Files whose syntax errors were judged to be in the file, with the reason. Paths are
/// relative to `kusto/`. The corpus test fails when one of them parses cleanly, so that a
/// fixed file or a parser change shows up here.
const JUDGED_SYNTAX_FAILURES: &[(&str, &str)] = &[
    (
        "Bert-JanP+Hunting-Queries-Detection-Rules/Fun/Personal Microsoft Account SignIns/query notes.txt",
        "notes with prose headings such as `Bar Chart:` between queries, not one query",
    ),
    (
        "cloudflare+Azure-Sentinel/Detections/ASimWebSession/PotentiallyHarmfulFileTypes.yaml",
        "the regex argument of `extract` is written unquoted: `extract(@(\\.\\w+)$, ...)`",
    ),
    (
        "cloudflare+Azure-Sentinel/Functions/AlertsOnComputer.txt",
        "a snippet that starts with `| join`, continuing a query that is not in the file",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/AWSS3/AWSBucketAPILogs-SuspiciousDataAccessToS3BucketsfromUnknownIP.yaml",
        "two column names in a row: `where EventTime TimeGenerated between (...)`",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/Microsoft 365 Defender/Exfiltration/detect-exfiltration-after-termination.yaml",
        "`bin(5Minutebin=Timestamp, 5m)` names a column with a leading digit",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/MultipleDataSources/NetworkConnectiontoOMIPorts.yaml",
        "one `)` more than `(` at the end of the query",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/MultipleDataSources/PersistViaIFEORegistryKey.yaml",
        "the `(` before `union` is never closed",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/MultipleDataSources/PossibleCommandInjectionagainstAzureIR.yaml",
        "`where ActingProcessName = \"cmd.exe\"` uses `=`, which KQL only accepts in assignments",
    ),
    (
        "cloudflare+Azure-Sentinel/Hunting Queries/MultipleDataSources/UnfamiliarsignincorrelationwithPortalSigninandAuditlogs.yaml",
        "`entityMappings:` is indented into the `query:` block scalar, so YAML makes it query text",
    ),
    (
        "cloudflare+Azure-Sentinel/Parsers/Duo Security/DuoSecurityTrustMonitor.txt",
        "a `,` is missing between two `project` columns",
    ),
    (
        "cloudflare+Azure-Sentinel/Playbooks/Ingest-CanaryTokens/Detections/Canarytoken_triggered.yaml",
        "the query starts with a stray `'`",
    ),
    (
        "cloudflare+Azure-Sentinel/Solutions/Box/Hunting Queries/BoxAdminIpAddress.yaml",
        "a `;` ends the statement before its last `| extend`",
    ),
    (
        "cloudflare+Azure-Sentinel/Solutions/CiscoDuoSecurity/Hunting Queries/CiscoDuoNewUsers.yaml",
        "`where DvcAction \"user_create\"` has no operator",
    ),
    (
        "cloudflare+Azure-Sentinel/Solutions/Snowflake/Hunting Queries/SnowflakeHighCreditConsumingQueries.yaml",
        "the query starts with `| let`",
    ),
    (
        "cloudflare+Azure-Sentinel/Solutions/Snowflake/Hunting Queries/SnowflakeTimeConsumingQueries.yaml",
        "the query starts with `| let`",
    ),
    (
        "cloudflare+Azure-Sentinel/Tutorials/Microsoft 365 Defender/Webcasts/Ignite 2020 - Best practices for hunting across domains with Microsoft 365 Defender.txt",
        "webcast notes: a `toscalar(` query is left unfinished before the next one starts",
    ),
    (
        "microsoft+Microsoft-365-Defender-Hunting-Queries/Webcasts/Ignite 2020 - Best practices for hunting across domains with Microsoft 365 Defender.txt",
        "webcast notes: a `toscalar(` query is left unfinished before the next one starts",
    ),
];

/// True for files under a `Parsers`/`Parser` folder: functions that rename and convert columns
/// for other queries, usually without any filter.
fn is_parser_function(name: &str) -> bool {
    name.contains("/Parsers/") || name.contains("/Parser/")
}

fn kusto_files() -> Vec<PathBuf> {
    let root = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("kusto");
    let mut files = Vec::new();
    let mut pending = vec![root];
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

fn relative(path: &Path) -> String {
    let text = path.to_string_lossy();
    match text.find("/kusto/") {
        Some(at) => text[at + "/kusto/".len()..].to_owned(),
        None => text.into_owned(),
    }
}

fn parse_file(path: &Path) -> Option<ParsedFile> {
    let bytes = std::fs::read(path).ok()?;
    let text = source::decode(&bytes).ok()?;
    parse_path(path, text)
}

#[test]
fn corpus_queries_parse_without_syntax_errors() {
    let files = kusto_files();
    assert!(files.len() > 2000, "only {} kusto files found", files.len());
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let mut parsed_count = 0;
    for path in &files {
        let name = relative(path);
        let Some(parsed) = parse_file(path) else {
            failures.push(format!("{name}: not read as KQL"));
            continue;
        };
        assert!(
            matches!(parsed.format, Some(Format::Kql | Format::SentinelYaml)),
            "{name}: detected as {:?}",
            parsed.format
        );
        assert_eq!(parsed.documents.len(), 1, "{name}: one rule per file");
        parsed_count += 1;
        let judged = JUDGED_SYNTAX_FAILURES
            .iter()
            .any(|(judged, _)| *judged == name);
        match parsed.diagnostics.first() {
            Some(first) if !judged => failures.push(format!(
                "{name}: {} errors, first {} at {:?}: {}",
                parsed.diagnostics.len(),
                first.lint,
                first.range,
                first.message
            )),
            None if judged => stale.push(name),
            _ => {}
        }
    }

    let with_errors = failures.len() + JUDGED_SYNTAX_FAILURES.len() - stale.len();
    let clean = files.len() - with_errors;
    let share = clean as f64 / files.len() as f64;
    println!(
        "{clean} of {} files without syntax errors ({:.2}%), {} of the others judged",
        files.len(),
        share * 100.0,
        JUDGED_SYNTAX_FAILURES.len()
    );

    assert_eq!(parsed_count, files.len(), "every file is read as KQL");
    assert!(
        stale.is_empty(),
        "judged files that now parse cleanly; remove them from the list: {stale:?}"
    );
    assert!(
        share >= 0.99,
        "only {:.2}% without syntax errors",
        share * 100.0
    );
    assert!(
        failures.is_empty(),
        "{} files with syntax errors that are not judged:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_queries_lower_to_predicates() {
    let files = kusto_files();
    let mut without = Vec::new();
    for path in &files {
        let name = relative(path);
        let has_predicate = parse_file(path).is_some_and(|parsed| {
            parsed
                .documents
                .iter()
                .any(|document| !document.rule.predicates().is_empty())
        });
        if !has_predicate {
            without.push(name);
        }
    }

    let share = 1.0 - without.len() as f64 / files.len() as f64;
    let queries = files
        .iter()
        .filter(|path| !is_parser_function(&relative(path)))
        .count();
    let queries_without = without
        .iter()
        .filter(|name| !is_parser_function(name))
        .count();
    let query_share = 1.0 - queries_without as f64 / queries as f64;
    println!(
        "{} of {} files lower to at least one predicate ({:.2}%); {} of {} outside parser \
         functions ({:.2}%)",
        files.len() - without.len(),
        files.len(),
        share * 100.0,
        queries - queries_without,
        queries,
        query_share * 100.0
    );

    for name in &without {
        println!("no predicate: {name}");
    }
    // Most of the files without a predicate only aggregate (`summarize count() by ...`),
    // compare with a baseline computed from the same table, or are parser functions.
    assert!(share >= 0.95, "{} files without a predicate", without.len());
    assert!(
        query_share >= 0.95,
        "{queries_without} of {queries} queries without a predicate"
    );
}
